// Threat: fd_write and fd_read with iovec counts and buffers the host must
// not trust: more iovecs than Linux's IOV_MAX (1024), a count of
// 4294967295 (count * 8 overflows 32 bits), an iovec array or buffer past
// the end of memory or wrapping around 32 bits, a length of 4 GiB - 1, and
// a result pointer out of bounds (the data must then not be written at
// all, or the guest would be told EFAULT about a write that happened).
// Stdin carries "hostile stdin\n".
// Expected: exit 0, stdout: a line of 1023 dots written with 1023 one-byte
// iovecs plus the newline (1024 iovecs, the maximum), then
//   fd_write with 1024 iovecs: ok, 1024 bytes
//   fd_write with 1025 iovecs: EINVAL
//   fd_write with 4294967295 iovecs: EINVAL
//   fd_write with the iovec array past the end of memory: EFAULT
//   fd_write with a buffer of 4294967295 bytes: EFAULT
//   fd_write with a buffer wrapping around 32 bits: EFAULT
//   fd_write with nwritten out of bounds: EFAULT
//   fd_read with 1025 iovecs: EINVAL
//   fd_read into a buffer past the end of memory: EFAULT
//   fd_read with nread out of bounds: EFAULT
//   fd_read: ok, "hostile stdin"
// Nothing else appears on stdout (no "LEAKED").
#include "hostile.h"

static uint32_t iovs[2 * 1025];
static uint8_t line[1024];

int main(void) {
  const uint32_t end = MEMORY_END();
  memset(line, '.', sizeof line);
  line[1023] = '\n';
  for (int i = 0; i < 1024; ++i) {
    iovs[2 * i] = (uint32_t)ADDR(line + i);
    iovs[2 * i + 1] = 1;
  }
  uint32_t n = 0;
  int32_t err = raw_fd_write(1, ADDR(iovs), 1024, ADDR(&n));
  Put("fd_write with 1024 iovecs: ");
  Put(ErrnoName(err));
  Put(", ");
  PutU(n);
  Put(" bytes\n");
  iovs[2 * 1024] = (uint32_t)ADDR(line);
  iovs[2 * 1024 + 1] = 1;
  Report("fd_write with 1025 iovecs",
         raw_fd_write(1, ADDR(iovs), 1025, ADDR(&n)));
  Report("fd_write with 4294967295 iovecs",
         raw_fd_write(1, ADDR(iovs), -1, ADDR(&n)));
  Report("fd_write with the iovec array past the end of memory",
         raw_fd_write(1, (int32_t)(end - 8 * 4 + 4), 4, ADDR(&n)));

  static const char kLeak[] = "LEAKED\n";
  uint32_t one[2] = {(uint32_t)ADDR(kLeak), 0xffffffffu};
  Report("fd_write with a buffer of 4294967295 bytes",
         raw_fd_write(1, ADDR(one), 1, ADDR(&n)));
  one[0] = 0xfffffff0u;
  one[1] = 32;
  Report("fd_write with a buffer wrapping around 32 bits",
         raw_fd_write(1, ADDR(one), 1, ADDR(&n)));
  one[0] = (uint32_t)ADDR(kLeak);
  one[1] = sizeof kLeak - 1;
  Report("fd_write with nwritten out of bounds",
         raw_fd_write(1, ADDR(one), 1, (int32_t)(end - 2)));

  static char input[64];
  Report("fd_read with 1025 iovecs",
         raw_fd_read(0, ADDR(iovs), 1025, ADDR(&n)));
  uint32_t in[2] = {end - 8, 64};
  Report("fd_read into a buffer past the end of memory",
         raw_fd_read(0, ADDR(in), 1, ADDR(&n)));
  in[0] = (uint32_t)ADDR(input);
  in[1] = sizeof input - 1;
  Report("fd_read with nread out of bounds",
         raw_fd_read(0, ADDR(in), 1, (int32_t)0xfffffffe));
  n = 0;
  err = raw_fd_read(0, ADDR(in), 1, ADDR(&n));
  if (n > 0 && input[n - 1] == '\n') input[n - 1] = 0;
  Put("fd_read: ");
  Put(ErrnoName(err));
  Put(", \"");
  Put(input);
  Put("\"\n");
  return 0;
}
