// Threat: path strings the host must not trust: 5000 bytes long, with a
// NUL in the middle ("readme.txt\0/../../etc/passwd": a C host would see
// only "readme.txt" and a Rust or Go one the whole string), a pointer past
// the end of memory, one wrapping around 32 bits, a length of 4 GiB - 1,
// an empty path, a result pointer out of bounds, and path calls on fds
// that are not folders (stdin, a file).
// Run with --dir-ro RO::/ro (fd 3).
// Expected: exit 0, stdout:
//   path of 5000 bytes: ENAMETOOLONG
//   path with a NUL inside: EINVAL
//   path past the end of memory: EFAULT
//   path wrapping around 32 bits: EFAULT
//   path of 4294967295 bytes: EFAULT
//   empty path: ENOENT
//   fd result out of bounds: EFAULT
//   path_open relative to stdin: ENOTDIR
//   path_open relative to a file: ENOTDIR
//   readlink into a buffer past the end of memory: EFAULT
#include "hostile.h"

static char long_path[5001];

static int32_t Open(int32_t dir, int32_t path, int32_t len, int32_t out) {
  return raw_path_open(dir, 0, path, len, 0, (int64_t)R_FD_READ,
                       (int64_t)R_FD_READ, 0, out);
}

int main(void) {
  const uint32_t end = MEMORY_END();
  int32_t fd = -1;
  memset(long_path, 'a', 5000);
  Report("path of 5000 bytes", Open(3, ADDR(long_path), 5000, ADDR(&fd)));
  static const char kNul[] = "readme.txt\0/../../etc/passwd";
  Report("path with a NUL inside",
         Open(3, ADDR(kNul), sizeof kNul - 1, ADDR(&fd)));
  Report("path past the end of memory",
         Open(3, (int32_t)(end - 4), 10, ADDR(&fd)));
  Report("path wrapping around 32 bits",
         Open(3, (int32_t)0xfffffff0, 32, ADDR(&fd)));
  Report("path of 4294967295 bytes",
         Open(3, ADDR(long_path), (int32_t)0xffffffff, ADDR(&fd)));
  Report("empty path", Open(3, ADDR(long_path), 0, ADDR(&fd)));
  static const char kReadme[] = "readme.txt";
  Report("fd result out of bounds",
         Open(3, ADDR(kReadme), sizeof kReadme - 1, (int32_t)(end - 2)));
  Report("path_open relative to stdin",
         Open(0, ADDR(kReadme), sizeof kReadme - 1, ADDR(&fd)));
  int32_t file = -1;
  OpenAt(3, 0, kReadme, 0, R_FD_READ, 0, &file);
  Report("path_open relative to a file",
         Open(file, ADDR(kReadme), sizeof kReadme - 1, ADDR(&fd)));
  uint32_t used = 0;
  static const char kSub[] = "sub";
  Report("readlink into a buffer past the end of memory",
         raw_path_readlink(3, ADDR(kSub), sizeof kSub - 1, (int32_t)(end - 4),
                           64, ADDR(&used)));
  return 0;
}
