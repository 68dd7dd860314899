// Dense double-precision matrix multiply C = A * B (size x size), i-k-j
// loop order over row-major arrays, repeated until C has been computed
// 4 times with B updated between rounds. Prints the trace and a hash of C.
// Summation order is fixed by the code (no reassociation without
// -ffast-math), so every build produces the same bits.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

enum { kRounds = 4 };

int main(int argc, char** argv) {
  long n = BenchSize(argc, argv, 640);
  size_t cells = (size_t)n * (size_t)n;
  double* a = malloc(sizeof(double) * cells);
  double* b = malloc(sizeof(double) * cells);
  double* c = malloc(sizeof(double) * cells);
  if (!a || !b || !c) {
    fprintf(stderr, "matmul: out of memory\n");
    return 1;
  }
  BenchRng rng = {0xabcdef};
  for (size_t i = 0; i < cells; ++i) {
    a[i] = (double)(int)BenchBelow(&rng, 2001) / 1000.0 - 1.0;
    b[i] = (double)(int)BenchBelow(&rng, 2001) / 1000.0 - 1.0;
  }
  uint64_t h = BENCH_FNV_INIT;
  double trace = 0;
  for (int round = 0; round < kRounds; ++round) {
    memset(c, 0, sizeof(double) * cells);
    for (long i = 0; i < n; ++i) {
      double* ci = c + i * n;
      for (long k = 0; k < n; ++k) {
        double aik = a[i * n + k];
        const double* bk = b + k * n;
        for (long j = 0; j < n; ++j) ci[j] += aik * bk[j];
      }
    }
    trace = 0;
    for (long i = 0; i < n; ++i) trace += c[i * n + i];
    h = BenchFnv(h, c, sizeof(double) * cells);
    // Feed the result back, scaled to keep magnitudes bounded.
    double scale = 1.0 / (double)n;
    for (size_t i = 0; i < cells; ++i) b[i] = c[i] * scale;
  }
  printf("matmul n=%ld trace=%.9e c=%016llx\n", n, trace,
         (unsigned long long)h);
  free(a);
  free(b);
  free(c);
  return 0;
}
