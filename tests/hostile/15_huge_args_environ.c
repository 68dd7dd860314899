// Threat: abuse args_get/environ_get, which write as many bytes as the host
// has args, at addresses the guest chooses: point the buffers past the end
// of memory (by one byte, and far), or at 0xffffffff so that address + size
// wraps around 32 bits. The caller passes 3000 arguments and 1000 variables
// of 100 bytes each, so the host has a lot to write.
// WASI functions report bad pointers with an errno; they do not trap.
// Expected: every out-of-bounds call fails with EFAULT and writes nothing
// (the module fills its memory with a pattern first and checks it after);
// the same calls with buffers that end exactly at the end of memory
// succeed, and every argument and variable arrives intact. Exit 0, stdout:
//   args_sizes_get: ok, argc=3001
//   args_sizes_get with argc pointer past the end of memory: EFAULT
//   args_sizes_get with size pointer 0xffffffff: EFAULT
//   args_get with the strings one byte past the end of memory: EFAULT
//   args_get with the pointers one entry past the end of memory: EFAULT
//   args_get with the pointers at 0xfffffff0: EFAULT
//   args_get with the strings at 0xffffffff: EFAULT
//   failed args_get calls wrote nothing: yes
//   args_get ending exactly at the end of memory: ok
//   args: 3000 of 100 bytes intact
//   (the same seven lines for environ_sizes_get / environ_get, count=1000)
//   environ: 1000 of 100 bytes intact
#include "hostile.h"

typedef int32_t (*SizesFn)(int32_t, int32_t);
typedef int32_t (*GetFn)(int32_t, int32_t);

// The region [start, MEMORY_END()) belongs to this module alone: it is grown
// here, after everything else, so writing up to the very last byte is safe.
static uint8_t* OwnRegion(uint32_t bytes) {
  uint32_t pages = (bytes + 65535) / 65536 + 1;
  int32_t old = __builtin_wasm_memory_grow(0, pages);
  if (old < 0) {
    Put("memory.grow failed\n");
    raw_proc_exit(1);
  }
  return (uint8_t*)((uintptr_t)old * 65536u);
}

static int Untouched(const uint8_t* p, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    if (p[i] != 0xAB) return 0;
  }
  return 1;
}

// Checks entries [first, count) (args start at 1: argv[0] is the module
// path, which varies): each is `prefix`NNNN followed by x's, 100 bytes in
// all; variables have "=" after the number ("VARNNNN=xxx...").
static uint32_t Intact(char** list, uint32_t first, uint32_t count,
                       const char* prefix) {
  uint32_t good = 0;
  for (uint32_t i = first; i < count; ++i) {
    char expect[101];
    memset(expect, 'x', 100);
    expect[100] = 0;
    const size_t n = strlen(prefix);
    memcpy(expect, prefix, n);
    uint32_t number = i - first;
    for (int d = 3; d >= 0; --d) {
      expect[n + (size_t)d] = (char)('0' + number % 10);
      number /= 10;
    }
    if (!first) expect[n + 4] = '=';
    if (strcmp(list[i], expect) == 0) ++good;
  }
  return good;
}

// "<name>_<call> <detail>: <errno>\n"
static void Line(const char* name, const char* call, const char* detail,
                 int32_t err) {
  Put(name);
  Put(call);
  Put(detail);
  EndReport(err);
}

static void Probe(const char* name, SizesFn sizes, GetFn get, uint32_t first,
                  const char* prefix) {
  uint32_t count = 0, size = 0;
  int32_t err = sizes(ADDR(&count), ADDR(&size));
  Put(name);
  Put("_sizes_get: ");
  Put(ErrnoName(err));
  Put(first ? ", argc=" : ", count=");
  PutU(count);
  Put("\n");
  Line(name, "_sizes_get",
       first ? " with argc pointer past the end of memory"
             : " with count pointer past the end of memory",
       sizes((int32_t)(MEMORY_END() - 2), ADDR(&size)));
  Line(name, "_sizes_get", " with size pointer 0xffffffff",
       sizes(ADDR(&count), (int32_t)0xffffffff));

  const uint32_t ptr_bytes = count * 4;
  uint8_t* region = OwnRegion(ptr_bytes + size);
  const uint32_t end = MEMORY_END();
  const uint32_t region_len = end - (uint32_t)ADDR(region);
  memset(region, 0xAB, region_len);
  uint32_t ptrs = end - size - ptr_bytes;  // pointers, then strings
  uint32_t strs = end - size;

  Line(name, "_get", " with the strings one byte past the end of memory",
       get((int32_t)ptrs, (int32_t)(strs + 1)));
  Line(name, "_get", " with the pointers one entry past the end of memory",
       get((int32_t)(end - ptr_bytes + 4), (int32_t)ptrs));
  Line(name, "_get", " with the pointers at 0xfffffff0",
       get((int32_t)0xfffffff0, (int32_t)strs));
  Line(name, "_get", " with the strings at 0xffffffff",
       get((int32_t)ptrs, (int32_t)0xffffffff));
  Put("failed ");
  Put(name);
  Put("_get calls wrote nothing: ");
  Put(Untouched(region, region_len) ? "yes\n" : "NO\n");

  Line(name, "_get", " ending exactly at the end of memory",
       get((int32_t)ptrs, (int32_t)strs));
  Put(name);
  Put(": ");
  PutU(Intact((char**)(uintptr_t)ptrs, first, count, prefix));
  Put(" of 100 bytes intact\n");
}

int main(void) {
  Probe("args", raw_args_sizes_get, raw_args_get, 1, "arg");
  Probe("environ", raw_environ_sizes_get, raw_environ_get, 0, "VAR");
  return 0;
}
