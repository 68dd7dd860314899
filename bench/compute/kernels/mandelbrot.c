// Mandelbrot set bitmap (after the Computer Language Benchmarks Game): a
// size x size 1-bit image of [-1.5, 0.5] x [-1, 1], 50 iterations, escape
// radius 2. Prints the number of points in the set and a hash of the bitmap.
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"

int main(int argc, char** argv) {
  long size = BenchSize(argc, argv, 2800);
  long row_bytes = (size + 7) / 8;
  unsigned char* row = malloc((size_t)row_bytes);
  if (!row) return 1;
  uint64_t h = BENCH_FNV_INIT;
  long inside = 0;
  for (long y = 0; y < size; ++y) {
    double ci = 2.0 * (double)y / (double)size - 1.0;
    unsigned bits = 0;
    for (long x = 0; x < size; ++x) {
      double cr = 2.0 * (double)x / (double)size - 1.5;
      double zr = 0, zi = 0, tr = 0, ti = 0;
      int i = 0;
      for (; i < 50 && tr + ti <= 4.0; ++i) {
        zi = 2.0 * zr * zi + ci;
        zr = tr - ti + cr;
        tr = zr * zr;
        ti = zi * zi;
      }
      bits = (bits << 1) | (tr + ti <= 4.0);
      inside += tr + ti <= 4.0;
      if (x % 8 == 7) {
        row[x / 8] = (unsigned char)bits;
        bits = 0;
      }
    }
    if (size % 8) row[size / 8] = (unsigned char)(bits << (8 - size % 8));
    h = BenchFnv(h, row, (size_t)row_bytes);
  }
  free(row);
  printf("mandelbrot size=%ld inside=%ld bitmap=%016llx\n", size, inside,
         (unsigned long long)h);
  return 0;
}
