// Sorting: an in-place quicksort (median of three, insertion sort for
// short ranges, recursion on the smaller side) of 32-bit keys, and a stable
// bottom-up merge sort of 64-bit records by a 16-bit key. Both results are
// verified. Size: thousands of elements. Prints a hash of both outputs.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

enum { kRound = 1000000 };  // elements sorted per round

static void InsertionSort(uint32_t* a, long n) {
  for (long i = 1; i < n; ++i) {
    uint32_t v = a[i];
    long j = i;
    for (; j > 0 && a[j - 1] > v; --j) a[j] = a[j - 1];
    a[j] = v;
  }
}

static void Swap(uint32_t* a, uint32_t* b) {
  uint32_t t = *a;
  *a = *b;
  *b = t;
}

static void QuickSort(uint32_t* a, long n) {
  while (n > 16) {
    long mid = n / 2;
    if (a[mid] < a[0]) Swap(&a[mid], &a[0]);
    if (a[n - 1] < a[0]) Swap(&a[n - 1], &a[0]);
    if (a[n - 1] < a[mid]) Swap(&a[n - 1], &a[mid]);
    uint32_t pivot = a[mid];
    long i = 0, j = n - 1;
    for (;;) {
      while (a[i] < pivot) ++i;
      while (a[j] > pivot) --j;
      if (i >= j) break;
      Swap(&a[i], &a[j]);
      ++i;
      --j;
    }
    // [0, j] <= pivot <= [j + 1, n): recurse on the smaller part.
    long left = j + 1;
    if (left < n - left) {
      QuickSort(a, left);
      a += left;
      n -= left;
    } else {
      QuickSort(a + left, n - left);
      n = left;
    }
  }
  InsertionSort(a, n);
}

static uint16_t Key(uint64_t r) { return (uint16_t)(r >> 48); }

// Sorts a[0, n) stably by Key; tmp holds n records of scratch space.
static void MergeSort(uint64_t* a, uint64_t* tmp, long n) {
  uint64_t* src = a;
  uint64_t* dst = tmp;
  for (long width = 1; width < n; width *= 2) {
    for (long lo = 0; lo < n; lo += 2 * width) {
      long mid = lo + width < n ? lo + width : n;
      long hi = lo + 2 * width < n ? lo + 2 * width : n;
      long i = lo, j = mid, o = lo;
      while (i < mid && j < hi) {
        dst[o++] = Key(src[j]) < Key(src[i]) ? src[j++] : src[i++];
      }
      while (i < mid) dst[o++] = src[i++];
      while (j < hi) dst[o++] = src[j++];
    }
    uint64_t* t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, sizeof(uint64_t) * (size_t)n);
}

int main(int argc, char** argv) {
  long thousands = BenchSize(argc, argv, 3000);
  long total = thousands * 1000;
  long cap = total < kRound ? total : kRound;
  uint32_t* keys = malloc(sizeof(uint32_t) * (size_t)cap);
  uint64_t* recs = malloc(sizeof(uint64_t) * (size_t)cap);
  uint64_t* tmp = malloc(sizeof(uint64_t) * (size_t)cap);
  if (!keys || !recs || !tmp) {
    fprintf(stderr, "sort: out of memory\n");
    return 1;
  }
  BenchRng rng = {0x50a7};
  uint64_t h = BENCH_FNV_INIT;
  uint32_t median = 0;
  for (long done = 0; done < total; done += cap) {
    long n = total - done < cap ? total - done : cap;
    for (long i = 0; i < n; ++i) keys[i] = (uint32_t)(BenchNext(&rng) >> 32);
    // Records: a 16-bit key on top, the original index below (stability).
    for (long i = 0; i < n; ++i) {
      recs[i] = (BenchNext(&rng) & 0xFFFF000000000000ull) | (uint64_t)i;
    }
    QuickSort(keys, n);
    for (long i = 1; i < n; ++i) {
      if (keys[i - 1] > keys[i]) {
        fprintf(stderr, "sort: quicksort output not sorted\n");
        return 1;
      }
    }
    MergeSort(recs, tmp, n);
    for (long i = 1; i < n; ++i) {
      uint16_t k0 = Key(recs[i - 1]), k1 = Key(recs[i]);
      if (k0 > k1 || (k0 == k1 && (uint32_t)recs[i - 1] > (uint32_t)recs[i])) {
        fprintf(stderr, "sort: merge sort output not stably sorted\n");
        return 1;
      }
    }
    h = BenchFnv(h, keys, sizeof(uint32_t) * (size_t)n);
    h = BenchFnv(h, recs, sizeof(uint64_t) * (size_t)n);
    median ^= keys[n / 2];
  }
  printf("sort n=%ld medians=%08x sorted=%016llx\n", total, median,
         (unsigned long long)h);
  free(keys);
  free(recs);
  free(tmp);
  return 0;
}
