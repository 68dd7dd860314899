// Message digests implemented in portable C++ (no OpenSSL in the guest):
// MD5, SHA-1, the SHA-2 family, SHA-3, BLAKE2b/BLAKE2s, CRC-32, and HMAC on
// top of the cryptographic ones. The same code is built for the hash tool
// (wasm32-wasi, no exceptions) and for the host unit tests.
#ifndef AIRLOCK_GUEST_TOOLS_HASH_DIGEST_H_
#define AIRLOCK_GUEST_TOOLS_HASH_DIGEST_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace airlock::hash {

enum class Algorithm {
  kMd5,
  kSha1,
  kSha224,
  kSha256,
  kSha384,
  kSha512,
  kSha512_224,
  kSha512_256,
  kSha3_224,
  kSha3_256,
  kSha3_384,
  kSha3_512,
  kBlake2b,  // BLAKE2b-512, unkeyed (Python's hashlib.blake2b())
  kBlake2s,  // BLAKE2s-256, unkeyed (Python's hashlib.blake2s())
  kCrc32,    // CRC-32/ISO-HDLC as in zlib, gzip and PNG; 4 bytes big-endian
};

// Every algorithm, in the order of the enum (for listing and tests).
std::span<const Algorithm> AllAlgorithms();

// The name used on the wire: "md5", "sha1", "sha256", "sha512_256",
// "sha3_256", "blake2b", "crc32"... (Python hashlib's spelling).
std::string_view AlgorithmName(Algorithm algorithm);

// The algorithm named `name` (as AlgorithmName spells it), if any.
std::optional<Algorithm> ParseAlgorithm(std::string_view name);

// A streaming digest: Update() any number of times, then Finish() once.
class Digest {
 public:
  virtual ~Digest() = default;

  virtual void Update(std::string_view data) = 0;

  // Returns the digest (raw bytes). REQUIRES: called once; the object must
  // not be used afterwards.
  virtual std::string Finish() = 0;

  // Input block size in bytes, as HMAC needs it; 0 for a checksum (CRC-32)
  // that HMAC is not defined for.
  virtual size_t block_size() const = 0;
};

std::unique_ptr<Digest> NewDigest(Algorithm algorithm);

// HMAC (RFC 2104) with `algorithm`. REQUIRES: NewDigest(algorithm)
// ->block_size() != 0.
class Hmac {
 public:
  Hmac(Algorithm algorithm, std::string_view key);
  void Update(std::string_view data) { inner_->Update(data); }
  std::string Finish();

 private:
  Algorithm algorithm_;
  std::string outer_key_pad_;
  std::unique_ptr<Digest> inner_;
};

// One-shot helpers.
std::string ComputeDigest(Algorithm algorithm, std::string_view data);
std::string ComputeHmac(Algorithm algorithm, std::string_view key,
                        std::string_view data);

// Lowercase hexadecimal.
std::string HexEncode(std::string_view bytes);
// RFC 4648 base64 with padding.
std::string Base64Encode(std::string_view bytes);

}  // namespace airlock::hash

#endif  // AIRLOCK_GUEST_TOOLS_HASH_DIGEST_H_
