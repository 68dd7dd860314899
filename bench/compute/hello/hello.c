// The smallest useful WASI command: prints one line. `bench/compute/run`
// times it natively and under `airlock run` (cached) to measure the fixed
// cost of starting a sandboxed tool call.
#include <stdio.h>

int main(void) {
  puts("hello, world");
  return 0;
}
