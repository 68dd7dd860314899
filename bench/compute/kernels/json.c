// A JSON tokenizer: generates a ~1 MiB JSON document (nested objects and
// arrays, escaped and \u strings, integers, decimals, exponents, literals),
// then tokenizes it `passes` times, checking bracket structure, decoding
// strings to UTF-8 and parsing integers. Size: passes. Prints token counts,
// the integer sum and a hash of the decoded strings.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

enum { kDocBytes = 1 << 20, kMaxDepth = 64 };

typedef struct {
  char* p;
  size_t len, cap;
} Buf;

static void Put(Buf* b, const char* s, size_t n) {
  if (b->len + n > b->cap) {
    while (b->len + n > b->cap) b->cap = b->cap ? b->cap * 2 : 4096;
    b->p = realloc(b->p, b->cap);
    if (!b->p) {
      fprintf(stderr, "json: out of memory\n");
      exit(1);
    }
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void PutS(Buf* b, const char* s) { Put(b, s, strlen(s)); }

static const char* const kKeys[] = {"id",    "name",   "tags",  "value",
                                    "items", "active", "score", "note",
                                    "x",     "y",      "meta",  "children"};

static void GenString(Buf* b, BenchRng* rng) {
  static const char* const kPieces[] = {
      "alpha",          "beta",  " ",   "gamma",   "\\n",
      "\\\"q\\\"",      "\\\\",  "\\t", "\\u00e9", "\\u4e2d",
      "\\ud83d\\ude00", "delta", "/",   "\\/",     "42"};
  PutS(b, "\"");
  int pieces = (int)BenchBelow(rng, 6);
  for (int i = 0; i < pieces; ++i) {
    PutS(b, kPieces[BenchBelow(rng, sizeof kPieces / sizeof kPieces[0])]);
  }
  PutS(b, "\"");
}

static void GenValue(Buf* b, BenchRng* rng, int depth) {
  char tmp[64];
  uint32_t kind = BenchBelow(rng, depth < 5 ? 10 : 7);
  switch (kind) {
    case 0:
      GenString(b, rng);
      break;
    case 1:
      snprintf(tmp, sizeof tmp, "%d", (int)BenchBelow(rng, 2000001) - 1000000);
      PutS(b, tmp);
      break;
    // Draws are sequenced into locals: argument evaluation order is
    // unspecified, and gcc and clang differ.
    case 2: {
      unsigned whole = BenchBelow(rng, 1000);
      unsigned frac = BenchBelow(rng, 1000);
      snprintf(tmp, sizeof tmp, "%u.%03u", whole, frac);
      PutS(b, tmp);
      break;
    }
    case 3: {
      unsigned whole = BenchBelow(rng, 10);
      unsigned frac = BenchBelow(rng, 100);
      const char* sign = BenchBelow(rng, 2) ? "-" : "+";
      unsigned exp = BenchBelow(rng, 300);
      snprintf(tmp, sizeof tmp, "-%u.%ue%s%u", whole, frac, sign, exp);
      PutS(b, tmp);
      break;
    }
    case 4:
      PutS(b, "true");
      break;
    case 5:
      PutS(b, "false");
      break;
    case 6:
      PutS(b, "null");
      break;
    case 7:
    case 8: {
      PutS(b, "{");
      int n = (int)BenchBelow(rng, 6);
      for (int i = 0; i < n; ++i) {
        if (i) PutS(b, ", ");
        PutS(b, "\"");
        PutS(b, kKeys[BenchBelow(rng, sizeof kKeys / sizeof kKeys[0])]);
        PutS(b, "\": ");
        GenValue(b, rng, depth + 1);
      }
      PutS(b, "}");
      break;
    }
    default: {
      PutS(b, "[");
      int n = (int)BenchBelow(rng, 8);
      for (int i = 0; i < n; ++i) {
        if (i) PutS(b, ",");
        GenValue(b, rng, depth + 1);
      }
      PutS(b, "]");
    }
  }
}

typedef struct {
  int64_t strings, numbers, integers, literals, objects, arrays, punct;
  int64_t int_sum;
  uint64_t hash;
} Stats;

static int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int Read4Hex(const char* p, const char* end, uint32_t* out) {
  if (end - p < 4) return 0;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    int d = HexDigit(p[i]);
    if (d < 0) return 0;
    v = v << 4 | (uint32_t)d;
  }
  *out = v;
  return 1;
}

static size_t PutUtf8(unsigned char* o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (unsigned char)(0xC0 | cp >> 6);
    o[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (unsigned char)(0xE0 | cp >> 12);
    o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (unsigned char)(0xF0 | cp >> 18);
  o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
  o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
  o[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}

// Returns NULL on malformed input, else the position after the token.
// `scratch` must hold (end - p) bytes.
static const char* String(const char* p, const char* end,
                          unsigned char* scratch, Stats* st) {
  size_t n = 0;
  ++p;  // opening quote
  for (;;) {
    if (p >= end) return NULL;
    unsigned char c = (unsigned char)*p++;
    if (c == '"') break;
    if (c < 0x20) return NULL;
    if (c != '\\') {
      scratch[n++] = c;
      continue;
    }
    if (p >= end) return NULL;
    char e = *p++;
    switch (e) {
      case '"':
        scratch[n++] = '"';
        break;
      case '\\':
        scratch[n++] = '\\';
        break;
      case '/':
        scratch[n++] = '/';
        break;
      case 'b':
        scratch[n++] = '\b';
        break;
      case 'f':
        scratch[n++] = '\f';
        break;
      case 'n':
        scratch[n++] = '\n';
        break;
      case 'r':
        scratch[n++] = '\r';
        break;
      case 't':
        scratch[n++] = '\t';
        break;
      case 'u': {
        uint32_t cp;
        if (!Read4Hex(p, end, &cp)) return NULL;
        p += 4;
        if (cp >= 0xD800 && cp < 0xDC00) {
          uint32_t lo;
          if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
              !Read4Hex(p + 2, end, &lo) || lo < 0xDC00 || lo >= 0xE000) {
            return NULL;
          }
          p += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          return NULL;
        }
        n += PutUtf8(scratch + n, cp);
        break;
      }
      default:
        return NULL;
    }
  }
  st->strings++;
  st->hash = BenchFnv(st->hash, scratch, n);
  st->hash = BenchFnv(st->hash, "\0", 1);
  return p;
}

static const char* Number(const char* p, const char* end, Stats* st) {
  const char* start = p;
  int neg = 0;
  if (*p == '-') {
    neg = 1;
    ++p;
  }
  if (p >= end || *p < '0' || *p > '9') return NULL;
  int64_t v = 0;
  if (*p == '0') {
    ++p;
  } else {
    while (p < end && *p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
  }
  int integral = 1;
  if (p < end && *p == '.') {
    integral = 0;
    ++p;
    if (p >= end || *p < '0' || *p > '9') return NULL;
    while (p < end && *p >= '0' && *p <= '9') ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    integral = 0;
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p >= end || *p < '0' || *p > '9') return NULL;
    while (p < end && *p >= '0' && *p <= '9') ++p;
  }
  st->numbers++;
  if (integral) {
    st->integers++;
    st->int_sum += neg ? -v : v;
  } else {
    st->hash = BenchFnv(st->hash, start, (size_t)(p - start));
  }
  return p;
}

// Returns 0 on success.
static int Tokenize(const char* doc, size_t len, unsigned char* scratch,
                    Stats* st) {
  const char* p = doc;
  const char* end = doc + len;
  char stack[kMaxDepth];
  int depth = 0;
  while (p < end) {
    char c = *p;
    switch (c) {
      case ' ':
      case '\n':
      case '\r':
      case '\t':
        ++p;
        break;
      case '{':
      case '[':
        if (depth == kMaxDepth) return 1;
        stack[depth++] = c;
        if (c == '{')
          st->objects++;
        else
          st->arrays++;
        ++p;
        break;
      case '}':
      case ']':
        if (depth == 0 || stack[--depth] != (c == '}' ? '{' : '[')) return 1;
        ++p;
        break;
      case ',':
      case ':':
        st->punct++;
        ++p;
        break;
      case '"':
        p = String(p, end, scratch, st);
        if (!p) return 1;
        break;
      case 't':
        if (end - p < 4 || memcmp(p, "true", 4)) return 1;
        st->literals++;
        p += 4;
        break;
      case 'f':
        if (end - p < 5 || memcmp(p, "false", 5)) return 1;
        st->literals++;
        p += 5;
        break;
      case 'n':
        if (end - p < 4 || memcmp(p, "null", 4)) return 1;
        st->literals++;
        p += 4;
        break;
      default:
        p = Number(p, end, st);
        if (!p) return 1;
    }
  }
  return depth != 0;
}

int main(int argc, char** argv) {
  long passes = BenchSize(argc, argv, 140);
  Buf doc = {0};
  BenchRng rng = {0x15011};
  PutS(&doc, "[");
  for (int i = 0; doc.len < kDocBytes; ++i) {
    if (i) PutS(&doc, ",\n");
    GenValue(&doc, &rng, 0);
  }
  PutS(&doc, "]");
  unsigned char* scratch = malloc(doc.len);
  if (!scratch) return 1;
  Stats st = {0};
  st.hash = BENCH_FNV_INIT;
  for (long i = 0; i < passes; ++i) {
    if (Tokenize(doc.p, doc.len, scratch, &st)) {
      fprintf(stderr, "json: malformed document\n");
      return 1;
    }
  }
  printf(
      "json passes=%ld bytes=%zu strings=%lld numbers=%lld integers=%lld "
      "literals=%lld objects=%lld arrays=%lld punct=%lld int_sum=%lld "
      "hash=%016llx\n",
      passes, doc.len, (long long)st.strings, (long long)st.numbers,
      (long long)st.integers, (long long)st.literals, (long long)st.objects,
      (long long)st.arrays, (long long)st.punct, (long long)st.int_sum,
      (unsigned long long)st.hash);
  free(scratch);
  free(doc.p);
  return 0;
}
