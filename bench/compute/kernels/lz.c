// An LZ77 compressor in the style of LZ4 (hash chains over a 64 KiB window,
// token + literals + 16-bit offset), plus its decompressor. Compresses
// generated text in 1 MiB blocks, decompresses each block and checks the
// round trip. Size: total input KiB. Prints the compressed size and a hash
// of the compressed stream.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

enum {
  kMinMatch = 4,
  kWindow = 1 << 16,
  kHashBits = 16,
  kMaxChain = 48,
  kVocab = 512,
  kBlock = 1 << 20,
};

// Generated English-like text: words from a fixed pseudo-random vocabulary
// with a skewed distribution, punctuation and numbers.
static char words[kVocab][12];

static void MakeVocabulary(BenchRng* rng) {
  for (int w = 0; w < kVocab; ++w) {
    int len = 2 + (int)BenchBelow(rng, 9);
    for (int i = 0; i < len; ++i)
      words[w][i] = (char)('a' + BenchBelow(rng, 26));
    words[w][len] = '\0';
  }
}

// Fills out[0, n); a word cut at the end of the block is simply cut.
static void MakeText(BenchRng* rng, unsigned char* out, size_t n) {
  size_t pos = 0;
  while (pos < n) {
    // Squaring a uniform index skews towards frequent (small) words.
    uint32_t r = BenchBelow(rng, kVocab);
    const char* word = words[(r * r) / kVocab];
    char tmp[32];
    size_t len = strlen(word);
    memcpy(tmp, word, len);
    uint32_t p = BenchBelow(rng, 100);
    if (p < 8)
      tmp[len++] = ',';
    else if (p < 12)
      tmp[len++] = '.';
    else if (p < 14)
      len += (size_t)snprintf(tmp + len, 8, " %u", BenchBelow(rng, 10000));
    tmp[len++] = p < 16 && p >= 12 ? '\n' : ' ';
    for (size_t i = 0; i < len && pos < n; ++i)
      out[pos++] = (unsigned char)tmp[i];
  }
}

static uint32_t Read32(const unsigned char* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static uint32_t Hash4(const unsigned char* p) {
  return (Read32(p) * 2654435761u) >> (32 - kHashBits);
}

static unsigned char* PutLength(unsigned char* op, size_t len) {
  for (; len >= 255; len -= 255) *op++ = 255;
  *op++ = (unsigned char)len;
  return op;
}

static unsigned char* EmitSequence(unsigned char* op, const unsigned char* lit,
                                   size_t lit_len, size_t offset,
                                   size_t match_len) {
  size_t ml = match_len ? match_len - kMinMatch : 0;
  *op++ =
      (unsigned char)((lit_len < 15 ? lit_len : 15) << 4 | (ml < 15 ? ml : 15));
  if (lit_len >= 15) op = PutLength(op, lit_len - 15);
  memcpy(op, lit, lit_len);
  op += lit_len;
  if (match_len) {
    *op++ = (unsigned char)offset;
    *op++ = (unsigned char)(offset >> 8);
    if (ml >= 15) op = PutLength(op, ml - 15);
  }
  return op;
}

// Returns the compressed size. `out` must hold n + n/255 + 16 bytes. The last
// sequence has only literals (match length 0 and no offset).
static size_t Compress(const unsigned char* in, size_t n, unsigned char* out,
                       int32_t* head, int32_t* prev) {
  for (size_t i = 0; i < (1u << kHashBits); ++i) head[i] = -1;
  unsigned char* op = out;
  size_t anchor = 0, i = 0;
  while (i + kMinMatch <= n) {
    uint32_t h = Hash4(in + i);
    size_t best_len = 0, best_off = 0;
    int chain = kMaxChain;
    for (int32_t cand = head[h];
         cand >= 0 && i - (size_t)cand < kWindow && chain-- > 0;
         cand = prev[cand & (kWindow - 1)]) {
      const unsigned char* a = in + cand;
      const unsigned char* b = in + i;
      if (a[best_len] != b[best_len] || Read32(a) != Read32(b)) continue;
      size_t len = kMinMatch;
      while (i + len < n && a[len] == b[len]) ++len;
      if (len > best_len) {
        best_len = len;
        best_off = i - (size_t)cand;
        if (i + len == n) break;
      }
    }
    prev[i & (kWindow - 1)] = head[h];
    head[h] = (int32_t)i;
    if (best_len < kMinMatch) {
      ++i;
      continue;
    }
    op = EmitSequence(op, in + anchor, i - anchor, best_off, best_len);
    // Index the matched positions too, so later matches can find them.
    size_t end = i + best_len;
    for (++i; i < end && i + kMinMatch <= n; ++i) {
      uint32_t hh = Hash4(in + i);
      prev[i & (kWindow - 1)] = head[hh];
      head[hh] = (int32_t)i;
    }
    i = end;
    anchor = i;
  }
  op = EmitSequence(op, in + anchor, n - anchor, 0, 0);
  return (size_t)(op - out);
}

// Returns the decompressed size, or (size_t)-1 on a malformed stream.
static size_t Decompress(const unsigned char* in, size_t n, unsigned char* out,
                         size_t cap) {
  const unsigned char* ip = in;
  const unsigned char* end = in + n;
  size_t o = 0;
  while (ip < end) {
    unsigned token = *ip++;
    size_t lit = token >> 4;
    if (lit == 15) {
      unsigned char b;
      do {
        if (ip >= end) return (size_t)-1;
        b = *ip++;
        lit += b;
      } while (b == 255);
    }
    if ((size_t)(end - ip) < lit || cap - o < lit) return (size_t)-1;
    memcpy(out + o, ip, lit);
    ip += lit;
    o += lit;
    if (ip == end) break;  // final literal-only sequence
    if (end - ip < 2) return (size_t)-1;
    size_t off = (size_t)ip[0] | (size_t)ip[1] << 8;
    ip += 2;
    size_t ml = token & 15;
    if (ml == 15) {
      unsigned char b;
      do {
        if (ip >= end) return (size_t)-1;
        b = *ip++;
        ml += b;
      } while (b == 255);
    }
    ml += kMinMatch;
    if (off == 0 || off > o || cap - o < ml) return (size_t)-1;
    // Byte by byte: matches may overlap their own output.
    for (size_t k = 0; k < ml; ++k, ++o) out[o] = out[o - off];
  }
  return o;
}

int main(int argc, char** argv) {
  long kib = BenchSize(argc, argv, 16384);
  size_t total = (size_t)kib * 1024;
  unsigned char* in = malloc(kBlock);
  unsigned char* packed = malloc(kBlock + kBlock / 255 + 16);
  unsigned char* back = malloc(kBlock);
  int32_t* head = malloc(sizeof(int32_t) << kHashBits);
  int32_t* prev = malloc(sizeof(int32_t) * kWindow);
  if (!in || !packed || !back || !head || !prev) {
    fprintf(stderr, "lz: out of memory\n");
    return 1;
  }
  BenchRng rng = {0x1234567};
  MakeVocabulary(&rng);
  uint64_t h = BENCH_FNV_INIT;
  size_t packed_total = 0;
  for (size_t done = 0; done < total;) {
    size_t n = total - done < kBlock ? total - done : kBlock;
    MakeText(&rng, in, n);
    size_t packed_len = Compress(in, n, packed, head, prev);
    size_t back_len = Decompress(packed, packed_len, back, n);
    if (back_len != n || memcmp(in, back, n) != 0) {
      fprintf(stderr, "lz: round trip failed at offset %zu\n", done);
      return 1;
    }
    h = BenchFnv(h, packed, packed_len);
    packed_total += packed_len;
    done += n;
  }
  printf("lz bytes=%zu packed=%zu stream=%016llx\n", total, packed_total,
         (unsigned long long)h);
  free(in);
  free(packed);
  free(back);
  free(head);
  free(prev);
  return 0;
}
