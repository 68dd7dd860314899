// Threat: random_get with lengths the host must not honour: 4 GiB - 1
// bytes, 2 GiB, a buffer that ends one byte past memory, and a pointer whose
// end wraps around 32 bits. A host that trusted the length would write
// random bytes over its own memory (or spin for minutes filling it).
// WASI functions report bad pointers with an errno; they do not trap.
// Expected: the out-of-bounds requests fail with EFAULT and write nothing
// (checked against a pattern); large in-bounds requests (16 MiB, up to the
// very last byte of memory) succeed. Exit 0, stdout:
//   random_get of 0 bytes: ok
//   random_get of 4294967295 bytes at 0: EFAULT
//   random_get of 2147483648 bytes at 16: EFAULT
//   random_get ending one byte past memory: EFAULT
//   random_get of 2 bytes at 0xffffffff: EFAULT
//   failed calls wrote nothing: yes
//   random_get of 16 MiB up to the end of memory: ok
//   the 16 MiB are not all zero: yes
#include "hostile.h"

#define REGION (16u << 20)

int main(void) {
  int32_t old = __builtin_wasm_memory_grow(0, REGION / 65536);
  if (old < 0) return 1;
  uint8_t* region = (uint8_t*)((uintptr_t)old * 65536u);
  const uint32_t end = MEMORY_END();
  memset(region, 0xAB, REGION);

  Report("random_get of 0 bytes", raw_random_get(ADDR(region), 0));
  Report("random_get of 4294967295 bytes at 0",
         raw_random_get(0, (int32_t)0xffffffff));
  Report("random_get of 2147483648 bytes at 16",
         raw_random_get(16, (int32_t)0x80000000));
  Report("random_get ending one byte past memory",
         raw_random_get((int32_t)(end - 1000), 1001));
  Report("random_get of 2 bytes at 0xffffffff",
         raw_random_get((int32_t)0xffffffff, 2));
  int untouched = 1;
  for (uint32_t i = 0; i < REGION; ++i) untouched &= region[i] == 0xAB;
  Put("failed calls wrote nothing: ");
  Put(untouched ? "yes\n" : "NO\n");

  memset(region, 0, REGION);
  Report("random_get of 16 MiB up to the end of memory",
         raw_random_get(ADDR(region), REGION));
  uint32_t nonzero = 0;
  for (uint32_t i = 0; i < REGION; ++i) nonzero += region[i] != 0;
  Put("the 16 MiB are not all zero: ");
  Put(nonzero > REGION / 2 ? "yes\n" : "NO\n");
  return 0;
}
