// Helpers shared by the compute kernels: argument parsing, a deterministic
// PRNG and a checksum. Every kernel is a standalone WASI command: it takes
// an optional size in argv[1], runs deterministically (no clocks, no
// randomness from the host) and prints one line whose content must be
// identical for the native build and every Wasm runtime.
#ifndef AIRLOCK_BENCH_COMPUTE_BENCH_COMMON_H_
#define AIRLOCK_BENCH_COMPUTE_BENCH_COMMON_H_

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

// Returns argv[1] as a positive integer, or `def` when absent. Exits with
// status 2 on a malformed or non-positive value.
static inline long BenchSize(int argc, char** argv, long def) {
  if (argc < 2) return def;
  char* end = NULL;
  long v = strtol(argv[1], &end, 10);
  if (end == argv[1] || *end != '\0' || v <= 0) {
    fprintf(stderr, "usage: %s [size>0]\n", argv[0]);
    exit(2);
  }
  return v;
}

// FNV-1a, 64-bit: the checksum every kernel prints.
#define BENCH_FNV_INIT 0xcbf29ce484222325ull
static inline uint64_t BenchFnv(uint64_t h, const void* data, size_t n) {
  const unsigned char* p = (const unsigned char*)data;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

static inline uint64_t BenchFnvU64(uint64_t h, uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = (unsigned char)(v >> (8 * i));
  return BenchFnv(h, b, 8);
}

// xorshift64*: a fixed-seed PRNG, so inputs are the same everywhere.
typedef struct {
  uint64_t s;
} BenchRng;

static inline uint64_t BenchNext(BenchRng* r) {
  uint64_t x = r->s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->s = x;
  return x * 0x2545F4914F6CDD1Dull;
}

// Uniform in [0, n) (slightly biased; fine for generating inputs).
static inline uint32_t BenchBelow(BenchRng* r, uint32_t n) {
  return (uint32_t)((BenchNext(r) >> 32) % n);
}

#endif  // AIRLOCK_BENCH_COMPUTE_BENCH_COMMON_H_
