// Binary trees (after the Computer Language Benchmarks Game): allocate and
// walk many complete binary trees with malloc/free, a test of the allocator
// and pointer chasing. Size: the maximum depth (>= 6).
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"

typedef struct Node {
  struct Node* left;
  struct Node* right;
} Node;

static Node* Make(int depth) {
  Node* n = malloc(sizeof *n);
  if (!n) {
    fprintf(stderr, "binarytrees: out of memory\n");
    exit(1);
  }
  if (depth > 0) {
    n->left = Make(depth - 1);
    n->right = Make(depth - 1);
  } else {
    n->left = n->right = NULL;
  }
  return n;
}

static long Check(const Node* n) {
  return 1 + (n->left ? Check(n->left) + Check(n->right) : 0);
}

static void Free(Node* n) {
  if (n->left) {
    Free(n->left);
    Free(n->right);
  }
  free(n);
}

int main(int argc, char** argv) {
  long max_depth = BenchSize(argc, argv, 17);
  if (max_depth < 6 || max_depth > 24) {
    fprintf(stderr, "binarytrees: depth must be in 6..24\n");
    return 2;
  }
  uint64_t h = BENCH_FNV_INIT;
  Node* stretch = Make((int)max_depth + 1);
  h = BenchFnvU64(h, (uint64_t)Check(stretch));
  Free(stretch);
  Node* long_lived = Make((int)max_depth);
  for (int d = 4; d <= max_depth; d += 2) {
    long iterations = 1L << (max_depth - d + 4);
    long check = 0;
    for (long i = 0; i < iterations; ++i) {
      Node* t = Make(d);
      check += Check(t);
      Free(t);
    }
    h = BenchFnvU64(h, (uint64_t)check);
  }
  long long_check = Check(long_lived);
  Free(long_lived);
  printf("binarytrees depth=%ld long_lived=%ld checks=%016llx\n", max_depth,
         long_check, (unsigned long long)h);
  return 0;
}
