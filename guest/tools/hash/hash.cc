// hash: digests (or HMACs) of a text or of a workspace file.
//
// Arguments (manifest.json has the schema):
//   text        the text to hash, as its UTF-8 bytes; or
//   file        a file under /workspace (absolute, or relative to
//               /workspace), read in 64 KiB chunks; exactly one of the two
//   algorithm   one of digest.h's names (md5, sha1, sha256, sha3_256,
//               blake2b, crc32...), default sha256; or
//   algorithms  several of them at once (not together with algorithm)
//   encoding    hex (default, lowercase) or base64 (RFC 4648, padded)
//   hmac_key    compute HMAC-<algorithm> with this key (its UTF-8 bytes);
//               not defined for crc32
// Result: {"algorithm", "digest", "bytes"[, "hmac"][, "file"]}, or with
// `algorithms` {"digests": [{"algorithm", "digest"}...], "bytes", ...};
// bytes is the length of the hashed input. CRC-32 is shown as its 4 bytes
// big-endian, as zlib's crc32() value prints in hex (cbf43926 for
// "123456789").
// Errors: invalid_arguments (text and file both or neither, algorithm and
// algorithms both, hmac_key with crc32, a folder), not_found,
// permission_denied (outside /workspace, or /workspace not granted to the
// call), too_large (more bytes than kMaxHashFuel allows with the chosen
// algorithms: e.g. 8 MiB with sha256), io_error.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airlock/tool.h"
#include "digest.h"
#include "files/files.h"

namespace tool = airlock::tool;
namespace files = airlock::files;
namespace hash = airlock::hash;

namespace {

constexpr std::string_view kRoot = "/workspace";
constexpr size_t kChunk = 64 * 1024;
// Fuel the hashing itself may take. Calls that would need more are refused
// up front (too_large) rather than running out of fuel half-way, which
// would be a trap. 0.9 G leaves room for the rest of the call within the
// engine's default of 1 G.
constexpr uint64_t kMaxHashFuel = 900'000'000;

// Fuel per byte hashed, measured with `airlock run --stats` (wasm32, -O2),
// rounded up.
uint64_t FuelPerByte(hash::Algorithm algorithm) {
  switch (algorithm) {
    case hash::Algorithm::kMd5:
      return 19;
    case hash::Algorithm::kSha1:
      return 45;
    case hash::Algorithm::kSha224:
    case hash::Algorithm::kSha256:
      return 104;
    case hash::Algorithm::kSha384:
    case hash::Algorithm::kSha512:
    case hash::Algorithm::kSha512_224:
    case hash::Algorithm::kSha512_256:
      return 69;
    case hash::Algorithm::kSha3_224:
      return 77;
    case hash::Algorithm::kSha3_256:
      return 81;
    case hash::Algorithm::kSha3_384:
      return 104;
    case hash::Algorithm::kSha3_512:
      return 148;
    case hash::Algorithm::kBlake2b:
      return 32;
    case hash::Algorithm::kBlake2s:
      return 52;
    case hash::Algorithm::kCrc32:
      return 23;
  }
  return 150;
}

// too_large when hashing `bytes` bytes (of `what`) with `algorithms` would
// cost more than kMaxHashFuel.
std::optional<tool::ToolError> CheckCost(
    std::string_view what, uint64_t bytes,
    const std::vector<hash::Algorithm>& algorithms) {
  uint64_t per_byte = 0;
  for (hash::Algorithm a : algorithms) per_byte += FuelPerByte(a);
  if (bytes <= kMaxHashFuel / per_byte) return std::nullopt;
  std::string names;
  for (hash::Algorithm a : algorithms) {
    if (!names.empty()) names += ", ";
    names += hash::AlgorithmName(a);
  }
  return tool::TooLarge(
      std::string(what) + ": " + std::to_string(bytes) +
      " bytes are too many to hash with " + names + " in one call (at most " +
      std::to_string(kMaxHashFuel / per_byte) +
      "); use fewer or faster algorithms (blake2b, md5, crc32)");
}

// One digest or HMAC in progress.
class Hasher {
 public:
  Hasher(hash::Algorithm algorithm, const std::string* hmac_key)
      : algorithm_(algorithm) {
    if (hmac_key != nullptr) {
      hmac_ = std::make_unique<hash::Hmac>(algorithm, *hmac_key);
    } else {
      digest_ = hash::NewDigest(algorithm);
    }
  }
  void Update(std::string_view data) {
    if (hmac_) {
      hmac_->Update(data);
    } else {
      digest_->Update(data);
    }
  }
  std::string Finish() { return hmac_ ? hmac_->Finish() : digest_->Finish(); }
  hash::Algorithm algorithm() const { return algorithm_; }

 private:
  hash::Algorithm algorithm_;
  std::unique_ptr<hash::Hmac> hmac_;
  std::unique_ptr<hash::Digest> digest_;
};

// Hashes the file at `path` (resolved) into every hasher; sets *bytes.
std::optional<tool::ToolError> HashFile(const std::string& path,
                                        std::vector<Hasher>& hashers,
                                        uint64_t* bytes) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return files::FileError(path, errno, kRoot);
  if (S_ISDIR(st.st_mode)) {
    return tool::InvalidArguments(path + ": is a folder, not a file");
  }
  if (!S_ISREG(st.st_mode)) {
    return tool::InvalidArguments(path + ": not a regular file");
  }
  std::vector<hash::Algorithm> algorithms;
  for (const Hasher& hasher : hashers) algorithms.push_back(hasher.algorithm());
  if (auto error = CheckCost(path, st.st_size, algorithms)) return error;
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return files::FileError(path, errno, kRoot);
  std::vector<char> buffer(kChunk);
  *bytes = 0;
  for (;;) {
    ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      return files::FileError(path, err, kRoot);
    }
    if (n == 0) break;
    *bytes += static_cast<uint64_t>(n);
    if (*bytes > static_cast<uint64_t>(st.st_size)) {  // grew since stat()
      if (auto error = CheckCost(path, *bytes, algorithms)) {
        close(fd);
        return error;
      }
    }
    std::string_view data(buffer.data(), static_cast<size_t>(n));
    for (Hasher& hasher : hashers) hasher.Update(data);
  }
  close(fd);
  return std::nullopt;
}

tool::Result Handle(const tool::Json& args) {
  const bool has_text = args.contains("text");
  const bool has_file = args.contains("file");
  if (has_text == has_file) {
    return tool::InvalidArguments(
        has_text ? "give either text or file, not both"
                 : "give the text to hash (text), or a file under "
                   "/workspace (file)");
  }
  if (args.contains("algorithm") && args.contains("algorithms")) {
    return tool::InvalidArguments(
        "give either algorithm or algorithms, not both");
  }

  // The schema's enums guarantee known names.
  std::vector<hash::Algorithm> algorithms;
  if (args.contains("algorithms")) {
    for (const tool::Json& name : args["algorithms"]) {
      hash::Algorithm algorithm =
          *hash::ParseAlgorithm(name.get_ref<const std::string&>());
      bool seen = false;
      for (hash::Algorithm a : algorithms) seen = seen || a == algorithm;
      if (!seen) algorithms.push_back(algorithm);
    }
  } else if (args.contains("algorithm")) {
    algorithms.push_back(
        *hash::ParseAlgorithm(args["algorithm"].get_ref<const std::string&>()));
  } else {
    algorithms.push_back(hash::Algorithm::kSha256);
  }

  const std::string* hmac_key = nullptr;
  if (args.contains("hmac_key")) {
    hmac_key = &args["hmac_key"].get_ref<const std::string&>();
    for (hash::Algorithm a : algorithms) {
      if (hash::NewDigest(a)->block_size() == 0) {
        return tool::InvalidArguments(
            "hmac_key: HMAC is not defined for " +
            std::string(hash::AlgorithmName(a)) +
            " (a checksum); use a cryptographic hash such as sha256");
      }
    }
  }
  const bool base64 =
      args.contains("encoding") &&
      args["encoding"].get_ref<const std::string&>() == "base64";

  std::vector<Hasher> hashers;
  hashers.reserve(algorithms.size());
  for (hash::Algorithm a : algorithms) hashers.emplace_back(a, hmac_key);

  uint64_t bytes = 0;
  std::string path;
  if (has_text) {
    const std::string& text = args["text"].get_ref<const std::string&>();
    if (auto error = CheckCost("text", text.size(), algorithms)) return *error;
    for (Hasher& hasher : hashers) hasher.Update(text);
    bytes = text.size();
  } else {
    if (auto error = files::Resolve(args["file"].get_ref<const std::string&>(),
                                    kRoot, "read files", &path)) {
      return *error;
    }
    if (auto error = HashFile(path, hashers, &bytes)) return *error;
  }

  auto encode = [base64](const std::string& raw) {
    return base64 ? hash::Base64Encode(raw) : hash::HexEncode(raw);
  };
  tool::Json result = tool::Json::object();
  if (args.contains("algorithms")) {
    tool::Json digests = tool::Json::array();
    for (Hasher& hasher : hashers) {
      digests.push_back(
          {{"algorithm", std::string(hash::AlgorithmName(hasher.algorithm()))},
           {"digest", encode(hasher.Finish())}});
    }
    result["digests"] = std::move(digests);
  } else {
    result["algorithm"] = std::string(hash::AlgorithmName(algorithms[0]));
    result["digest"] = encode(hashers[0].Finish());
  }
  result["bytes"] = bytes;
  if (hmac_key != nullptr) result["hmac"] = true;
  if (has_file) result["file"] = path;
  return result;
}

}  // namespace

AIRLOCK_TOOL_MAIN(Handle)
