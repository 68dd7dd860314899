// Test guest: sums 1..N (N = argv[1]) the slow way and exits with the sum's
// low byte, so fuel used depends on N and nothing else.
#include <stdlib.h>
int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000;
  volatile unsigned long sum = 0;
  for (long i = 1; i <= n; ++i) sum += (unsigned long)i;
  return (int)(sum & 0x7f);
}
