// The bundled demo tool (`make run`): a wasm32-wasi command that shows what a
// guest sees inside airlock.
//
//   hello.wasm [NAME | /PATH]...
//
// Greets each NAME (default "world") with $GREETING (default "Hello"). For
// each argument that starts with '/', tries to open it and prints its size and
// line count, or why it could not: only folders granted with --dir/--dir-ro
// are visible, so a path outside the grants fails with "Capabilities
// insufficient". Then counts the primes below 2,000,000 with a sieve, so that
// the run uses a measurable amount of fuel and about 2 MiB of linear memory.
// Exits 0 unless writing to stdout fails.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kSieveLimit = 2000000 };

// Number of primes below `limit` (sieve of Eratosthenes); -1 if out of memory.
static long CountPrimes(long limit) {
  unsigned char* composite = calloc((size_t)limit, 1);
  if (composite == NULL) return -1;
  long count = 0;
  for (long i = 2; i < limit; ++i) {
    if (composite[i]) continue;
    ++count;
    // Multiples below i * i are already marked; i * i may overflow (long is
    // 32 bits on wasm32), so compare by division.
    if (i > limit / i) continue;
    for (long j = i * i; j < limit; j += i) composite[j] = 1;
  }
  free(composite);
  return count;
}

// Prints the size and line count of `path`, or the reason it cannot be read.
static void DescribeFile(const char* path) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) {
    printf("  %s: cannot open: %s\n", path, strerror(errno));
    return;
  }
  char buf[4096];
  size_t n;
  long bytes = 0, lines = 0;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    bytes += (long)n;
    for (size_t i = 0; i < n; ++i) lines += buf[i] == '\n';
  }
  if (ferror(f)) {
    printf("  %s: read error: %s\n", path, strerror(errno));
  } else {
    printf("  %s: %ld bytes, %ld lines\n", path, bytes, lines);
  }
  fclose(f);
}

static void Greet(const char* greeting, const char* name) {
  printf("%s, %s! (from inside a wasm32-wasi sandbox)\n", greeting, name);
}

int main(int argc, char** argv) {
  const char* greeting = getenv("GREETING");
  if (greeting == NULL) greeting = "Hello";

  int names = 0;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '/') continue;
    Greet(greeting, argv[i]);
    ++names;
  }
  if (names == 0) Greet(greeting, "world");

  printf("argv:");
  for (int i = 0; i < argc; ++i) printf(" %s", argv[i]);
  printf("\n");

  int paths = 0;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] != '/') continue;
    if (paths++ == 0) printf("files:\n");
    DescribeFile(argv[i]);
  }

  // Flush before the long part, so the output so far is seen even when a
  // fuel or time limit stops the run in the sieve.
  fflush(stdout);
  long primes = CountPrimes(kSieveLimit);
  if (primes < 0) {
    printf("primes below %d: out of memory\n", kSieveLimit);
  } else {
    printf("primes below %d: %ld\n", kSieveLimit, primes);
  }
  return fflush(stdout) == 0 ? 0 : 1;
}
