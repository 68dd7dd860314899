// Threat: open the same file until the host runs out of file descriptors,
// so that airlock itself (or, in a pool, the next guest) cannot open
// anything; then check that closing gives them back.
// Run with --dir-ro RO::/ro (fd 3).
// Expected: the guest's fd table stops at 1024 (3 stdio + 1 grant + 1020
// files) with EMFILE (the runner gives airlock a soft RLIMIT_NOFILE of
// 4096, so the host's own limit is not what stops it); closing them all
// makes opening work again. Exit 0, stdout:
//   opened 1020 files, then EMFILE
//   closed 1020 files: all ok
//   open after closing: ok
#include "hostile.h"

static int32_t fds[4096];

int main(void) {
  int32_t count = 0, err = 0;
  while (count < 4096) {
    err = OpenAt(3, 0, "readme.txt", 0, R_FD_READ, 0, &fds[count]);
    if (err != 0) break;
    ++count;
  }
  Put("opened ");
  PutU((uint32_t)count);
  Put(" files, then ");
  Put(ErrnoName(err));
  Put("\n");
  int32_t bad = 0;
  for (int32_t i = 0; i < count; ++i) bad += raw_fd_close(fds[i]) != 0;
  Put("closed ");
  PutU((uint32_t)count);
  Put(bad ? " files: SOME FAILED\n" : " files: all ok\n");
  Report("open after closing",
         OpenAt(3, 0, "readme.txt", 0, R_FD_READ, 0, NULL));
  return 0;
}
