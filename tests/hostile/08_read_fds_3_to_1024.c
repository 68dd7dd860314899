// Threat: probe for file descriptors the host did not grant: fds 3..1024
// (where a careless host would have leaked its own files, sockets or the
// compile cache) and a few far-away numbers. Every fd-taking call is tried.
// Expected: with no folder granted, every call on every one of those fds
// fails with EBADF; the module prints one summary line per call and exits 0:
//   fd_read on fds 3..1024: 1022 EBADF, 0 other
//   ... (one line each for fd_write, fd_seek, fd_fdstat_get,
//        fd_prestat_get, fd_readdir, fd_close, fd_renumber, path_open)
//   fd_read on fd 2147483647: EBADF
//   fd_read on fd 4294967295: EBADF
#include "hostile.h"

enum Call {
  kRead,
  kWrite,
  kSeek,
  kFdstat,
  kPrestat,
  kReaddir,
  kClose,
  kRenumber,
  kPathOpen,
  kNumCalls
};
static const char* const kCallNames[] = {
    "fd_read",    "fd_write", "fd_seek",     "fd_fdstat_get", "fd_prestat_get",
    "fd_readdir", "fd_close", "fd_renumber", "path_open"};

static uint8_t buffer[256];
static uint32_t iov[2] = {0, sizeof buffer};
static uint64_t out64;

static int32_t Try(enum Call call, int32_t fd) {
  iov[0] = (uint32_t)ADDR(buffer);
  switch (call) {
    case kRead:
      return raw_fd_read(fd, ADDR(iov), 1, ADDR(&out64));
    case kWrite:
      return raw_fd_write(fd, ADDR(iov), 1, ADDR(&out64));
    case kSeek:
      return raw_fd_seek(fd, 0, 0, ADDR(&out64));
    case kFdstat:
      return raw_fd_fdstat_get(fd, ADDR(buffer));
    case kPrestat:
      return raw_fd_prestat_get(fd, ADDR(buffer));
    case kReaddir:
      return raw_fd_readdir(fd, ADDR(buffer), sizeof buffer, 0, ADDR(&out64));
    case kClose:
      return raw_fd_close(fd);
    case kRenumber:
      return raw_fd_renumber(fd, 1);  // would replace stdout
    case kPathOpen:
      return raw_path_open(fd, 0, ADDR("."), 1, 0, R_ALL, R_ALL, 0,
                           ADDR(&out64));
    default:
      return -1;
  }
}

int main(void) {
  for (int call = 0; call < kNumCalls; ++call) {
    int ebadf = 0, other = 0;
    for (int32_t fd = 3; fd <= 1024; ++fd) {
      int32_t err = Try((enum Call)call, fd);
      if (err == 8) {
        ++ebadf;
      } else {
        ++other;
        Put(kCallNames[call]);
        Put(" on fd ");
        PutU((uint32_t)fd);
        EndReport(err);
      }
    }
    Put(kCallNames[call]);
    Put(" on fds 3..1024: ");
    PutU((uint32_t)ebadf);
    Put(" EBADF, ");
    PutU((uint32_t)other);
    Put(" other\n");
  }
  Report("fd_read on fd 2147483647", Try(kRead, 2147483647));
  Report("fd_read on fd 4294967295", Try(kRead, -1));
  return 0;
}
