#include "digest.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

// References: RFC 1321 (MD5), FIPS 180-4 (SHA-1, SHA-2), FIPS 202 (SHA-3),
// RFC 7693 (BLAKE2), RFC 2104 (HMAC), RFC 1952 (CRC-32).

namespace airlock::hash {
namespace {

// (The masks make n == 0 well-defined; compilers still emit one rotate.)
constexpr uint32_t Rotl32(uint32_t x, int n) {
  return (x << n) | (x >> ((32 - n) & 31));
}
constexpr uint32_t Rotr32(uint32_t x, int n) {
  return (x >> n) | (x << ((32 - n) & 31));
}
constexpr uint64_t Rotl64(uint64_t x, int n) {
  return (x << n) | (x >> ((64 - n) & 63));
}
constexpr uint64_t Rotr64(uint64_t x, int n) {
  return (x >> n) | (x << ((64 - n) & 63));
}

// Calls f(std::integral_constant<size_t, I>) for I = 0..N-1, unrolled. The
// rounds below are written this way so that every table index and every
// rotation of the working variables is a compile-time constant: the
// variables then live in Wasm locals instead of memory, which roughly
// halves the fuel a block costs.
template <size_t N, typename F>
inline void Unroll(F&& f) {
  [&]<size_t... I>(std::index_sequence<I...>) {
    (f(std::integral_constant<size_t, I>{}), ...);
  }
  (std::make_index_sequence<N>{});
}

uint32_t LoadLe32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 |
         uint32_t{p[3]} << 24;
}
uint64_t LoadLe64(const uint8_t* p) {
  return uint64_t{LoadLe32(p)} | uint64_t{LoadLe32(p + 4)} << 32;
}
uint32_t LoadBe32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 |
         uint32_t{p[3]};
}
uint64_t LoadBe64(const uint8_t* p) {
  return uint64_t{LoadBe32(p)} << 32 | uint64_t{LoadBe32(p + 4)};
}

void AppendLe32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void AppendLe64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void AppendBe32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void AppendBe64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// Merkle-Damgård framing shared by MD5, SHA-1 and SHA-2: whole blocks go to
// Compress(); Finish() appends 0x80, zeros and the message length in bits
// (kLengthBytes wide, big- or little-endian) and asks for the output.
template <size_t kBlock, size_t kLengthBytes, bool kBigEndianLength>
class MdDigest : public Digest {
 public:
  void Update(std::string_view data) override {
    const auto* p = reinterpret_cast<const uint8_t*>(data.data());
    size_t n = data.size();
    total_bytes_ += n;
    if (buffered_ > 0) {
      size_t take = std::min(kBlock - buffered_, n);
      std::memcpy(buffer_.data() + buffered_, p, take);
      buffered_ += take;
      p += take;
      n -= take;
      if (buffered_ < kBlock) return;
      Compress(buffer_.data());
      buffered_ = 0;
    }
    for (; n >= kBlock; p += kBlock, n -= kBlock) Compress(p);
    std::memcpy(buffer_.data(), p, n);
    buffered_ = n;
  }

  std::string Finish() override {
    const uint64_t bits = total_bytes_ * 8;
    // Bits above 64 of a 128-bit length: only the top 3 bits of the byte
    // count can reach them.
    const uint64_t high_bits = total_bytes_ >> 61;
    buffer_[buffered_++] = 0x80;
    if (buffered_ > kBlock - kLengthBytes) {
      std::memset(buffer_.data() + buffered_, 0, kBlock - buffered_);
      Compress(buffer_.data());
      buffered_ = 0;
    }
    std::memset(buffer_.data() + buffered_, 0, kBlock - buffered_);
    uint8_t* length = buffer_.data() + kBlock - kLengthBytes;
    for (size_t i = 0; i < 8; ++i) {
      uint8_t byte = static_cast<uint8_t>(bits >> (8 * i));
      if (kBigEndianLength) {
        length[kLengthBytes - 1 - i] = byte;
      } else {
        length[i] = byte;
      }
    }
    if (kLengthBytes == 16) {
      // Only big-endian 128-bit lengths exist (SHA-384/512).
      for (size_t i = 0; i < 8; ++i) {
        length[7 - i] = static_cast<uint8_t>(high_bits >> (8 * i));
      }
    }
    Compress(buffer_.data());
    return Output();
  }

  size_t block_size() const override { return kBlock; }

 protected:
  virtual void Compress(const uint8_t* block) = 0;
  virtual std::string Output() const = 0;

 private:
  std::array<uint8_t, kBlock> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// --- MD5 (RFC 1321) --------------------------------------------------------

constexpr std::array<uint32_t, 64> kMd5K = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
    0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
    0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
    0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
    0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
    0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
    0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
    0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
constexpr std::array<int, 16> kMd5Shift = {7, 12, 17, 22, 5, 9,  14, 20,
                                           4, 11, 16, 23, 6, 10, 15, 21};

class Md5 final : public MdDigest<64, 8, false> {
 protected:
  void Compress(const uint8_t* block) override {
    uint32_t m[16];
    for (int i = 0; i < 16; ++i) m[i] = LoadLe32(block + 4 * i);
    // Step i updates the variable that plays "a" in it; the roles rotate
    // by one each step: (a, b, c, d) is v[-i], v[1-i], v[2-i], v[3-i].
    uint32_t v[4] = {h_[0], h_[1], h_[2], h_[3]};
    Unroll<64>([&](auto step) {
      constexpr size_t i = step;
      uint32_t& a = v[(4 - i % 4) % 4];
      const uint32_t b = v[(5 - i % 4) % 4];
      const uint32_t c = v[(6 - i % 4) % 4];
      const uint32_t d = v[(7 - i % 4) % 4];
      uint32_t f;
      size_t g;
      if constexpr (i < 16) {
        f = d ^ (b & (c ^ d));
        g = i;
      } else if constexpr (i < 32) {
        f = c ^ (d & (b ^ c));
        g = (5 * i + 1) % 16;
      } else if constexpr (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      a = b + Rotl32(a + f + kMd5K[i] + m[g], kMd5Shift[(i / 16) * 4 + i % 4]);
    });
    for (int i = 0; i < 4; ++i) h_[i] += v[i];
  }
  std::string Output() const override {
    std::string out;
    for (uint32_t word : h_) AppendLe32(out, word);
    return out;
  }

 private:
  std::array<uint32_t, 4> h_ = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
};

// --- SHA-1 (FIPS 180-4 6.1) ------------------------------------------------

class Sha1 final : public MdDigest<64, 8, true> {
 protected:
  void Compress(const uint8_t* block) override {
    uint32_t w[16];  // the schedule in a ring: w[i % 16] is W_i
    for (int i = 0; i < 16; ++i) w[i] = LoadBe32(block + 4 * i);
    // Roles rotate each step: (a, b, c, d, e) is v[-i], ..., v[4-i] (mod 5);
    // the new a is written over e.
    uint32_t v[5] = {h_[0], h_[1], h_[2], h_[3], h_[4]};
    Unroll<80>([&](auto step) {
      constexpr size_t i = step;
      const uint32_t a = v[(5 - i % 5) % 5];
      uint32_t& b = v[(6 - i % 5) % 5];
      const uint32_t c = v[(7 - i % 5) % 5];
      const uint32_t d = v[(8 - i % 5) % 5];
      uint32_t& e = v[(9 - i % 5) % 5];
      if constexpr (i >= 16) {
        w[i % 16] = Rotl32(
            w[(i - 3) % 16] ^ w[(i - 8) % 16] ^ w[(i - 14) % 16] ^ w[i % 16],
            1);
      }
      uint32_t f, k;
      if constexpr (i < 20) {
        f = d ^ (b & (c ^ d));
        k = 0x5a827999;
      } else if constexpr (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if constexpr (i < 60) {
        f = (b & c) | (d & (b | c));
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      e = Rotl32(a, 5) + f + e + k + w[i % 16];
      b = Rotl32(b, 30);
    });
    for (int i = 0; i < 5; ++i) h_[i] += v[i];
  }
  std::string Output() const override {
    std::string out;
    for (uint32_t word : h_) AppendBe32(out, word);
    return out;
  }

 private:
  std::array<uint32_t, 5> h_ = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
                                0xc3d2e1f0};
};

// --- SHA-224 / SHA-256 (FIPS 180-4 6.2, 6.3) -------------------------------

constexpr std::array<uint32_t, 64> kSha256K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

class Sha256 final : public MdDigest<64, 8, true> {
 public:
  // `output_words` 8 for SHA-256, 7 for SHA-224 (which also has its own
  // initial values).
  Sha256(const std::array<uint32_t, 8>& initial, int output_words)
      : h_(initial), output_words_(output_words) {}

 protected:
  void Compress(const uint8_t* block) override {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i) w[i] = LoadBe32(block + 4 * i);
    for (int i = 16; i < 64; ++i) {
      uint32_t s0 =
          Rotr32(w[i - 15], 7) ^ Rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 =
          Rotr32(w[i - 2], 17) ^ Rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    // Roles rotate each round: (a, ..., h) is v[-i], ..., v[7-i] (mod 8);
    // the new a is written over h, the new e over d.
    uint32_t v[8];
    for (int i = 0; i < 8; ++i) v[i] = h_[i];
    Unroll<64>([&](auto round) {
      constexpr size_t i = round;
      const uint32_t a = v[(8 - i % 8) % 8], b = v[(9 - i % 8) % 8],
                     c = v[(10 - i % 8) % 8];
      uint32_t& d = v[(11 - i % 8) % 8];
      const uint32_t e = v[(12 - i % 8) % 8], f = v[(13 - i % 8) % 8],
                     g = v[(14 - i % 8) % 8];
      uint32_t& h = v[(15 - i % 8) % 8];
      uint32_t t1 = h + (Rotr32(e, 6) ^ Rotr32(e, 11) ^ Rotr32(e, 25)) +
                    (g ^ (e & (f ^ g))) + kSha256K[i] + w[i];
      uint32_t t2 = (Rotr32(a, 2) ^ Rotr32(a, 13) ^ Rotr32(a, 22)) +
                    ((a & b) | (c & (a | b)));
      d += t1;
      h = t1 + t2;
    });
    for (int i = 0; i < 8; ++i) h_[i] += v[i];
  }
  std::string Output() const override {
    std::string out;
    for (int i = 0; i < output_words_; ++i) AppendBe32(out, h_[i]);
    return out;
  }

 private:
  std::array<uint32_t, 8> h_;
  int output_words_;
};

constexpr std::array<uint32_t, 8> kSha256Initial = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
constexpr std::array<uint32_t, 8> kSha224Initial = {
    0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939,
    0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4};

// --- SHA-384 / SHA-512 / SHA-512/t (FIPS 180-4 6.4-6.7) ---------------------

constexpr std::array<uint64_t, 80> kSha512K = {
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f,
    0xe9b5dba58189dbbc, 0x3956c25bf348b538, 0x59f111f1b605d019,
    0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242,
    0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
    0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3,
    0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65, 0x2de92c6f592b0275,
    0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f,
    0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
    0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc,
    0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6,
    0x92722c851482353b, 0xa2bfe8a14cf10364, 0xa81a664bbc423001,
    0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
    0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99,
    0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb,
    0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc,
    0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915,
    0xc67178f2e372532b, 0xca273eceea26619c, 0xd186b8c721c0c207,
    0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba,
    0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a,
    0x5fcb6fab3ad6faec, 0x6c44198c4a475817};

class Sha512 final : public MdDigest<128, 16, true> {
 public:
  // SHA-384 and SHA-512/t differ from SHA-512 only in the initial values
  // and in how many output bytes are kept.
  Sha512(const std::array<uint64_t, 8>& initial, size_t output_bytes)
      : h_(initial), output_bytes_(output_bytes) {}

 protected:
  void Compress(const uint8_t* block) override {
    uint64_t w[80];
    for (int i = 0; i < 16; ++i) w[i] = LoadBe64(block + 8 * i);
    for (int i = 16; i < 80; ++i) {
      uint64_t s0 =
          Rotr64(w[i - 15], 1) ^ Rotr64(w[i - 15], 8) ^ (w[i - 15] >> 7);
      uint64_t s1 =
          Rotr64(w[i - 2], 19) ^ Rotr64(w[i - 2], 61) ^ (w[i - 2] >> 6);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    // The same role rotation as SHA-256.
    uint64_t v[8];
    for (int i = 0; i < 8; ++i) v[i] = h_[i];
    Unroll<80>([&](auto round) {
      constexpr size_t i = round;
      const uint64_t a = v[(8 - i % 8) % 8], b = v[(9 - i % 8) % 8],
                     c = v[(10 - i % 8) % 8];
      uint64_t& d = v[(11 - i % 8) % 8];
      const uint64_t e = v[(12 - i % 8) % 8], f = v[(13 - i % 8) % 8],
                     g = v[(14 - i % 8) % 8];
      uint64_t& h = v[(15 - i % 8) % 8];
      uint64_t t1 = h + (Rotr64(e, 14) ^ Rotr64(e, 18) ^ Rotr64(e, 41)) +
                    (g ^ (e & (f ^ g))) + kSha512K[i] + w[i];
      uint64_t t2 = (Rotr64(a, 28) ^ Rotr64(a, 34) ^ Rotr64(a, 39)) +
                    ((a & b) | (c & (a | b)));
      d += t1;
      h = t1 + t2;
    });
    for (int i = 0; i < 8; ++i) h_[i] += v[i];
  }
  std::string Output() const override {
    std::string out;
    for (uint64_t word : h_) AppendBe64(out, word);
    out.resize(output_bytes_);
    return out;
  }

 private:
  std::array<uint64_t, 8> h_;
  size_t output_bytes_;
};

constexpr std::array<uint64_t, 8> kSha512Initial = {
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1, 0x510e527fade682d1, 0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};
constexpr std::array<uint64_t, 8> kSha384Initial = {
    0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17,
    0x152fecd8f70e5939, 0x67332667ffc00b31, 0x8eb44a8768581511,
    0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4};
constexpr std::array<uint64_t, 8> kSha512_224Initial = {
    0x8c3d37c819544da2, 0x73e1996689dcd4d6, 0x1dfab7ae32ff9c82,
    0x679dd514582f9fcf, 0x0f6d2b697bd44da8, 0x77e36f7304c48942,
    0x3f9d85a86a1d36c8, 0x1112e6ad91d692a1};
constexpr std::array<uint64_t, 8> kSha512_256Initial = {
    0x22312194fc2bf72c, 0x9f555fa3c84c64c2, 0x2393b86b6f53b151,
    0x963877195940eabd, 0x96283ee2a88effe3, 0xbe5e1e2553863992,
    0x2b0199fc2c85b8aa, 0x0eb72ddc81c52ca2};

// --- SHA-3 (FIPS 202) -----------------------------------------------------

constexpr std::array<uint64_t, 24> kKeccakRoundConstants = {
    0x0000000000000001, 0x0000000000008082, 0x800000000000808a,
    0x8000000080008000, 0x000000000000808b, 0x0000000080000001,
    0x8000000080008081, 0x8000000000008009, 0x000000000000008a,
    0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
    0x000000008000808b, 0x800000000000008b, 0x8000000000008089,
    0x8000000000008003, 0x8000000000008002, 0x8000000000000080,
    0x000000000000800a, 0x800000008000000a, 0x8000000080008081,
    0x8000000000008080, 0x0000000080000001, 0x8000000080008008};
// ρ rotation of lane x + 5y.
constexpr std::array<int, 25> kKeccakRho = {0,  1, 62, 28, 27, 36, 44, 6,  55,
                                            20, 3, 10, 43, 25, 39, 41, 45, 15,
                                            21, 8, 18, 2,  61, 56, 14};

void KeccakF1600(std::array<uint64_t, 25>& state) {
  uint64_t a[25];
  for (int i = 0; i < 25; ++i) a[i] = state[i];
  for (uint64_t round_constant : kKeccakRoundConstants) {
    uint64_t c[5], d[5], b[25];
    Unroll<5>([&](auto x) {
      c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    });
    Unroll<5>(
        [&](auto x) { d[x] = c[(x + 4) % 5] ^ Rotl64(c[(x + 1) % 5], 1); });
    // θ, ρ and π: lane (x, y) moves to (y, 2x + 3y).
    Unroll<25>([&](auto i) {
      constexpr size_t x = i % 5, y = i / 5;
      b[y + 5 * ((2 * x + 3 * y) % 5)] = Rotl64(a[i] ^ d[x], kKeccakRho[i]);
    });
    // χ along each row.
    Unroll<25>([&](auto i) {
      constexpr size_t x = i % 5, row = i - x;
      a[i] = b[i] ^ (~b[row + (x + 1) % 5] & b[row + (x + 2) % 5]);
    });
    a[0] ^= round_constant;
  }
  for (int i = 0; i < 25; ++i) state[i] = a[i];
}

class Sha3 final : public Digest {
 public:
  explicit Sha3(size_t output_bytes)
      : rate_(200 - 2 * output_bytes), output_bytes_(output_bytes) {}

  void Update(std::string_view data) override {
    const auto* p = reinterpret_cast<const uint8_t*>(data.data());
    size_t n = data.size();
    // Byte by byte up to a lane boundary, then whole lanes.
    for (; n > 0 && position_ % 8 != 0; ++p, --n) AbsorbByteAndStep(*p);
    for (; n >= 8; p += 8, n -= 8) {
      state_[position_ / 8] ^= LoadLe64(p);
      position_ += 8;
      if (position_ == rate_) {
        KeccakF1600(state_);
        position_ = 0;
      }
    }
    for (; n > 0; ++p, --n) AbsorbByteAndStep(*p);
  }

  std::string Finish() override {
    // SHA-3 domain separation bits 01, then pad10*1.
    AbsorbByte(0x06);
    position_ = rate_ - 1;
    AbsorbByte(0x80);
    KeccakF1600(state_);
    std::string out;
    for (size_t i = 0; out.size() < output_bytes_; ++i)
      AppendLe64(out, state_[i]);
    out.resize(output_bytes_);
    return out;
  }

  // HMAC-SHA3 uses the rate as its block size (FIPS 202 / SP 800-224).
  size_t block_size() const override { return rate_; }

 private:
  void AbsorbByte(uint8_t byte) {
    state_[position_ / 8] ^= uint64_t{byte} << (8 * (position_ % 8));
  }
  void AbsorbByteAndStep(uint8_t byte) {
    AbsorbByte(byte);
    if (++position_ == rate_) {
      KeccakF1600(state_);
      position_ = 0;
    }
  }

  std::array<uint64_t, 25> state_{};
  size_t rate_;
  size_t output_bytes_;
  size_t position_ = 0;
};

// --- BLAKE2b / BLAKE2s (RFC 7693) ------------------------------------------

constexpr uint8_t kBlake2Sigma[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0}};

struct Blake2bTraits {
  using Word = uint64_t;
  static constexpr int kRounds = 12;
  static constexpr int kR1 = 32, kR2 = 24, kR3 = 16, kR4 = 63;
  static constexpr std::array<uint64_t, 8> kIv = kSha512Initial;
  static Word Load(const uint8_t* p) { return LoadLe64(p); }
  static Word Rotr(Word x, int n) { return Rotr64(x, n); }
  static void Append(std::string& out, Word w) { AppendLe64(out, w); }
};
struct Blake2sTraits {
  using Word = uint32_t;
  static constexpr int kRounds = 10;
  static constexpr int kR1 = 16, kR2 = 12, kR3 = 8, kR4 = 7;
  static constexpr std::array<uint32_t, 8> kIv = kSha256Initial;
  static Word Load(const uint8_t* p) { return LoadLe32(p); }
  static Word Rotr(Word x, int n) { return Rotr32(x, n); }
  static void Append(std::string& out, Word w) { AppendLe32(out, w); }
};

// Unkeyed BLAKE2 with the full output length (64 bytes for 2b, 32 for 2s).
template <typename Traits>
class Blake2 final : public Digest {
  using Word = typename Traits::Word;
  static constexpr size_t kBlock = 16 * sizeof(Word);
  static constexpr size_t kOutput = 8 * sizeof(Word);

 public:
  Blake2() : h_(Traits::kIv) {
    // Parameter block: digest length, key length 0, fanout 1, depth 1.
    h_[0] ^= 0x01010000 ^ kOutput;
  }

  void Update(std::string_view data) override {
    const auto* p = reinterpret_cast<const uint8_t*>(data.data());
    size_t n = data.size();
    // The last block is compressed with the final flag, so a full buffer is
    // only compressed once more input shows it was not the last.
    while (n > 0) {
      if (buffered_ == kBlock) {
        AddToCounter(kBlock);
        Compress(buffer_.data(), false);
        buffered_ = 0;
      }
      size_t take = std::min(kBlock - buffered_, n);
      std::memcpy(buffer_.data() + buffered_, p, take);
      buffered_ += take;
      p += take;
      n -= take;
    }
  }

  std::string Finish() override {
    AddToCounter(buffered_);
    std::memset(buffer_.data() + buffered_, 0, kBlock - buffered_);
    Compress(buffer_.data(), true);
    std::string out;
    for (Word w : h_) Traits::Append(out, w);
    return out;
  }

  size_t block_size() const override { return kBlock; }

 private:
  void AddToCounter(size_t n) {
    counter_[0] += static_cast<Word>(n);
    if (counter_[0] < n) ++counter_[1];
  }

  void Compress(const uint8_t* block, bool last) {
    Word m[16];
    for (int i = 0; i < 16; ++i) m[i] = Traits::Load(block + i * sizeof(Word));
    Word v[16];
    for (int i = 0; i < 8; ++i) {
      v[i] = h_[i];
      v[i + 8] = Traits::kIv[i];
    }
    v[12] ^= counter_[0];
    v[13] ^= counter_[1];
    if (last) v[14] = ~v[14];
    auto g = [&v](int a, int b, int c, int d, Word x, Word y) {
      v[a] = v[a] + v[b] + x;
      v[d] = Traits::Rotr(v[d] ^ v[a], Traits::kR1);
      v[c] = v[c] + v[d];
      v[b] = Traits::Rotr(v[b] ^ v[c], Traits::kR2);
      v[a] = v[a] + v[b] + y;
      v[d] = Traits::Rotr(v[d] ^ v[a], Traits::kR3);
      v[c] = v[c] + v[d];
      v[b] = Traits::Rotr(v[b] ^ v[c], Traits::kR4);
    };
    Unroll<Traits::kRounds>([&](auto round) {
      constexpr const uint8_t* s = kBlake2Sigma[round % 10];
      g(0, 4, 8, 12, m[s[0]], m[s[1]]);
      g(1, 5, 9, 13, m[s[2]], m[s[3]]);
      g(2, 6, 10, 14, m[s[4]], m[s[5]]);
      g(3, 7, 11, 15, m[s[6]], m[s[7]]);
      g(0, 5, 10, 15, m[s[8]], m[s[9]]);
      g(1, 6, 11, 12, m[s[10]], m[s[11]]);
      g(2, 7, 8, 13, m[s[12]], m[s[13]]);
      g(3, 4, 9, 14, m[s[14]], m[s[15]]);
    });
    for (int i = 0; i < 8; ++i) h_[i] ^= v[i] ^ v[i + 8];
  }

  std::array<Word, 8> h_;
  std::array<Word, 2> counter_{};
  std::array<uint8_t, kBlock> buffer_{};
  size_t buffered_ = 0;
};

// --- CRC-32 (reflected polynomial 0xEDB88320) ------------------------------

constexpr std::array<uint32_t, 256> MakeCrc32Table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320 ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrc32Table = MakeCrc32Table();

class Crc32 final : public Digest {
 public:
  void Update(std::string_view data) override {
    for (char ch : data) {
      crc_ =
          kCrc32Table[(crc_ ^ static_cast<uint8_t>(ch)) & 0xff] ^ (crc_ >> 8);
    }
  }
  std::string Finish() override {
    std::string out;
    AppendBe32(out, crc_ ^ 0xffffffff);
    return out;
  }
  size_t block_size() const override { return 0; }

 private:
  uint32_t crc_ = 0xffffffff;
};

struct NamedAlgorithm {
  Algorithm algorithm;
  std::string_view name;
};
constexpr NamedAlgorithm kAlgorithms[] = {
    {Algorithm::kMd5, "md5"},
    {Algorithm::kSha1, "sha1"},
    {Algorithm::kSha224, "sha224"},
    {Algorithm::kSha256, "sha256"},
    {Algorithm::kSha384, "sha384"},
    {Algorithm::kSha512, "sha512"},
    {Algorithm::kSha512_224, "sha512_224"},
    {Algorithm::kSha512_256, "sha512_256"},
    {Algorithm::kSha3_224, "sha3_224"},
    {Algorithm::kSha3_256, "sha3_256"},
    {Algorithm::kSha3_384, "sha3_384"},
    {Algorithm::kSha3_512, "sha3_512"},
    {Algorithm::kBlake2b, "blake2b"},
    {Algorithm::kBlake2s, "blake2s"},
    {Algorithm::kCrc32, "crc32"},
};
constexpr std::array<Algorithm, std::size(kAlgorithms)> MakeAlgorithmList() {
  std::array<Algorithm, std::size(kAlgorithms)> list{};
  for (size_t i = 0; i < list.size(); ++i) list[i] = kAlgorithms[i].algorithm;
  return list;
}
constexpr auto kAlgorithmList = MakeAlgorithmList();

}  // namespace

std::span<const Algorithm> AllAlgorithms() { return kAlgorithmList; }

std::string_view AlgorithmName(Algorithm algorithm) {
  for (const NamedAlgorithm& entry : kAlgorithms) {
    if (entry.algorithm == algorithm) return entry.name;
  }
  return "unknown";
}

std::optional<Algorithm> ParseAlgorithm(std::string_view name) {
  for (const NamedAlgorithm& entry : kAlgorithms) {
    if (entry.name == name) return entry.algorithm;
  }
  return std::nullopt;
}

std::unique_ptr<Digest> NewDigest(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kMd5:
      return std::make_unique<Md5>();
    case Algorithm::kSha1:
      return std::make_unique<Sha1>();
    case Algorithm::kSha224:
      return std::make_unique<Sha256>(kSha224Initial, 7);
    case Algorithm::kSha256:
      return std::make_unique<Sha256>(kSha256Initial, 8);
    case Algorithm::kSha384:
      return std::make_unique<Sha512>(kSha384Initial, 48);
    case Algorithm::kSha512:
      return std::make_unique<Sha512>(kSha512Initial, 64);
    case Algorithm::kSha512_224:
      return std::make_unique<Sha512>(kSha512_224Initial, 28);
    case Algorithm::kSha512_256:
      return std::make_unique<Sha512>(kSha512_256Initial, 32);
    case Algorithm::kSha3_224:
      return std::make_unique<Sha3>(28);
    case Algorithm::kSha3_256:
      return std::make_unique<Sha3>(32);
    case Algorithm::kSha3_384:
      return std::make_unique<Sha3>(48);
    case Algorithm::kSha3_512:
      return std::make_unique<Sha3>(64);
    case Algorithm::kBlake2b:
      return std::make_unique<Blake2<Blake2bTraits>>();
    case Algorithm::kBlake2s:
      return std::make_unique<Blake2<Blake2sTraits>>();
    case Algorithm::kCrc32:
      return std::make_unique<Crc32>();
  }
  return nullptr;
}

Hmac::Hmac(Algorithm algorithm, std::string_view key)
    : algorithm_(algorithm), inner_(NewDigest(algorithm)) {
  const size_t block = inner_->block_size();
  std::string padded_key(key);
  if (padded_key.size() > block) padded_key = ComputeDigest(algorithm, key);
  padded_key.resize(block, '\0');
  std::string inner_key_pad(block, '\0');
  outer_key_pad_.assign(block, '\0');
  for (size_t i = 0; i < block; ++i) {
    inner_key_pad[i] = static_cast<char>(padded_key[i] ^ 0x36);
    outer_key_pad_[i] = static_cast<char>(padded_key[i] ^ 0x5c);
  }
  inner_->Update(inner_key_pad);
}

std::string Hmac::Finish() {
  std::string inner_digest = inner_->Finish();
  std::unique_ptr<Digest> outer = NewDigest(algorithm_);
  outer->Update(outer_key_pad_);
  outer->Update(inner_digest);
  return outer->Finish();
}

std::string ComputeDigest(Algorithm algorithm, std::string_view data) {
  std::unique_ptr<Digest> digest = NewDigest(algorithm);
  digest->Update(data);
  return digest->Finish();
}

std::string ComputeHmac(Algorithm algorithm, std::string_view key,
                        std::string_view data) {
  Hmac hmac(algorithm, key);
  hmac.Update(data);
  return hmac.Finish();
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    auto byte = static_cast<uint8_t>(ch);
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0xf]);
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = uint32_t{static_cast<uint8_t>(bytes[i])} << 16 |
                 uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8 |
                 uint32_t{static_cast<uint8_t>(bytes[i + 2])};
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{static_cast<uint8_t>(bytes[i])} << 16;
    if (rest == 2) v |= uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace airlock::hash
