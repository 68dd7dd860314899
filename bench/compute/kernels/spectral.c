// Spectral norm of the infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2+i+1),
// truncated to size x size, by 10 power iterations of A^T A (after the
// Computer Language Benchmarks Game). Prints the norm and a hash of u.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"

static double A(int64_t i, int64_t j) {
  return 1.0 / (double)((i + j) * (i + j + 1) / 2 + i + 1);
}

static void MulAv(long n, const double* v, double* out) {
  for (long i = 0; i < n; ++i) {
    double sum = 0;
    for (long j = 0; j < n; ++j) sum += A(i, j) * v[j];
    out[i] = sum;
  }
}

static void MulAtv(long n, const double* v, double* out) {
  for (long i = 0; i < n; ++i) {
    double sum = 0;
    for (long j = 0; j < n; ++j) sum += A(j, i) * v[j];
    out[i] = sum;
  }
}

static void MulAtAv(long n, const double* v, double* out, double* tmp) {
  MulAv(n, v, tmp);
  MulAtv(n, tmp, out);
}

int main(int argc, char** argv) {
  long n = BenchSize(argc, argv, 3000);
  double* u = malloc(sizeof(double) * (size_t)n);
  double* v = malloc(sizeof(double) * (size_t)n);
  double* tmp = malloc(sizeof(double) * (size_t)n);
  if (!u || !v || !tmp) return 1;
  for (long i = 0; i < n; ++i) u[i] = 1.0;
  for (int k = 0; k < 10; ++k) {
    MulAtAv(n, u, v, tmp);
    MulAtAv(n, v, u, tmp);
  }
  double vbv = 0, vv = 0;
  for (long i = 0; i < n; ++i) {
    vbv += u[i] * v[i];
    vv += v[i] * v[i];
  }
  uint64_t h = BenchFnv(BENCH_FNV_INIT, u, sizeof(double) * (size_t)n);
  printf("spectral n=%ld norm=%.9f u=%016llx\n", n, sqrt(vbv / vv),
         (unsigned long long)h);
  free(u);
  free(v);
  free(tmp);
  return 0;
}
