// Fannkuch-redux (after the Computer Language Benchmarks Game): for every
// permutation of 1..n, count pancake flips until 1 is in front. Prints the
// alternating checksum and the maximum flip count. Size: n (3..12).
#include <stdio.h>

#include "bench_common.h"

enum { kMaxN = 12 };

int main(int argc, char** argv) {
  long n = BenchSize(argc, argv, 10);
  if (n < 3 || n > kMaxN) {
    fprintf(stderr, "fannkuch: n must be in 3..%d\n", kMaxN);
    return 2;
  }
  int perm[kMaxN], perm1[kMaxN], count[kMaxN];
  for (int i = 0; i < n; ++i) perm1[i] = i;
  int r = (int)n;
  long checksum = 0, perm_index = 0;
  int max_flips = 0;
  for (;;) {
    for (; r != 1; --r) count[r - 1] = r;
    for (int i = 0; i < n; ++i) perm[i] = perm1[i];
    int flips = 0;
    for (int k = perm[0]; k != 0; k = perm[0]) {
      for (int i = 0, j = k; i < j; ++i, --j) {
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
      ++flips;
    }
    if (flips > max_flips) max_flips = flips;
    checksum += (perm_index % 2 == 0) ? flips : -flips;
    // Next permutation in the benchmark's rotation order.
    for (;;) {
      if (r == n) {
        printf("fannkuch n=%ld checksum=%ld maxflips=%d\n", n, checksum,
               max_flips);
        return 0;
      }
      int first = perm1[0];
      for (int i = 0; i < r; ++i) perm1[i] = perm1[i + 1];
      perm1[r] = first;
      if (--count[r] > 0) break;
      ++r;
    }
    ++perm_index;
  }
}
