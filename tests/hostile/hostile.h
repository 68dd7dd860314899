// Shared by the C modules of the hostile corpus. A hostile guest does not go
// through wasi-libc's checks: it calls the WASI host directly, with pointers
// and lengths of its own choosing. These are the raw preview1 imports (every
// pointer is a plain i32 address into guest memory) and helpers to print
// what each call returned.
#ifndef AIRLOCK_TESTS_HOSTILE_HOSTILE_H_
#define AIRLOCK_TESTS_HOSTILE_HOSTILE_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HOSTILE_IMPORT(name) \
  __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

HOSTILE_IMPORT(args_get) int32_t raw_args_get(int32_t argv, int32_t buf);
HOSTILE_IMPORT(args_sizes_get)
int32_t raw_args_sizes_get(int32_t argc_out, int32_t size_out);
HOSTILE_IMPORT(environ_get) int32_t raw_environ_get(int32_t env, int32_t buf);
HOSTILE_IMPORT(environ_sizes_get)
int32_t raw_environ_sizes_get(int32_t count_out, int32_t size_out);
HOSTILE_IMPORT(fd_close) int32_t raw_fd_close(int32_t fd);
HOSTILE_IMPORT(fd_fdstat_get)
int32_t raw_fd_fdstat_get(int32_t fd, int32_t out);
HOSTILE_IMPORT(fd_fdstat_set_rights)
int32_t raw_fd_fdstat_set_rights(int32_t fd, int64_t base, int64_t inheriting);
HOSTILE_IMPORT(fd_filestat_set_size)
int32_t raw_fd_filestat_set_size(int32_t fd, int64_t size);
HOSTILE_IMPORT(fd_allocate)
int32_t raw_fd_allocate(int32_t fd, int64_t offset, int64_t len);
HOSTILE_IMPORT(fd_prestat_get)
int32_t raw_fd_prestat_get(int32_t fd, int32_t out);
HOSTILE_IMPORT(fd_read)
int32_t raw_fd_read(int32_t fd, int32_t iovs, int32_t iovs_len, int32_t nread);
HOSTILE_IMPORT(fd_readdir)
int32_t raw_fd_readdir(int32_t fd, int32_t buf, int32_t buf_len, int64_t cookie,
                       int32_t used_out);
HOSTILE_IMPORT(fd_renumber) int32_t raw_fd_renumber(int32_t fd, int32_t to);
HOSTILE_IMPORT(fd_seek)
int32_t raw_fd_seek(int32_t fd, int64_t offset, int32_t whence, int32_t out);
HOSTILE_IMPORT(fd_write)
int32_t raw_fd_write(int32_t fd, int32_t iovs, int32_t iovs_len,
                     int32_t nwritten);
HOSTILE_IMPORT(path_create_directory)
int32_t raw_path_create_directory(int32_t fd, int32_t path, int32_t len);
HOSTILE_IMPORT(path_filestat_get)
int32_t raw_path_filestat_get(int32_t fd, int32_t flags, int32_t path,
                              int32_t len, int32_t out);
HOSTILE_IMPORT(path_filestat_set_times)
int32_t raw_path_filestat_set_times(int32_t fd, int32_t flags, int32_t path,
                                    int32_t len, int64_t atim, int64_t mtim,
                                    int32_t fst_flags);
HOSTILE_IMPORT(path_link)
int32_t raw_path_link(int32_t old_fd, int32_t old_flags, int32_t old_path,
                      int32_t old_len, int32_t new_fd, int32_t new_path,
                      int32_t new_len);
HOSTILE_IMPORT(path_open)
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t len,
                      int32_t oflags, int64_t rights_base,
                      int64_t rights_inheriting, int32_t fdflags,
                      int32_t fd_out);
HOSTILE_IMPORT(path_readlink)
int32_t raw_path_readlink(int32_t fd, int32_t path, int32_t len, int32_t buf,
                          int32_t buf_len, int32_t used_out);
HOSTILE_IMPORT(path_remove_directory)
int32_t raw_path_remove_directory(int32_t fd, int32_t path, int32_t len);
HOSTILE_IMPORT(path_rename)
int32_t raw_path_rename(int32_t fd, int32_t old_path, int32_t old_len,
                        int32_t new_fd, int32_t new_path, int32_t new_len);
HOSTILE_IMPORT(path_symlink)
int32_t raw_path_symlink(int32_t target, int32_t target_len, int32_t fd,
                         int32_t path, int32_t len);
HOSTILE_IMPORT(path_unlink_file)
int32_t raw_path_unlink_file(int32_t fd, int32_t path, int32_t len);
HOSTILE_IMPORT(poll_oneoff)
int32_t raw_poll_oneoff(int32_t in, int32_t out, int32_t nsubs,
                        int32_t nevents_out);
HOSTILE_IMPORT(proc_exit) _Noreturn void raw_proc_exit(int32_t code);
HOSTILE_IMPORT(random_get) int32_t raw_random_get(int32_t buf, int32_t len);

// WASI lookupflags, oflags, rights and fdflags used by the modules.
#define LOOKUP_FOLLOW 1
#define O_CREAT_ 1
#define O_DIRECTORY_ 2
#define O_EXCL_ 4
#define O_TRUNC_ 8
#define R_FD_READ (1ull << 1)
#define R_FD_WRITE (1ull << 6)
#define R_PATH_CREATE_FILE (1ull << 10)
#define R_PATH_OPEN (1ull << 13)
#define R_FD_READDIR (1ull << 14)
#define R_ALL 0x3fffffffull
#define FDFLAG_APPEND 1

// A guest address as the i32 the host sees.
#define ADDR(p) ((int32_t)(uintptr_t)(p))
// Size of linear memory in bytes: the first address past its end.
#define MEMORY_END() ((uint32_t)__builtin_wasm_memory_size(0) * 65536u)

// The WASI errno's name, as in the witx ("ENOTCAPABLE" for 76).
static inline const char* ErrnoName(int32_t e) {
  static const char* const kNames[] = {
      "SUCCESS",
      "E2BIG",
      "EACCES",
      "EADDRINUSE",
      "EADDRNOTAVAIL",
      "EAFNOSUPPORT",
      "EAGAIN",
      "EALREADY",
      "EBADF",
      "EBADMSG",
      "EBUSY",
      "ECANCELED",
      "ECHILD",
      "ECONNABORTED",
      "ECONNREFUSED",
      "ECONNRESET",
      "EDEADLK",
      "EDESTADDRREQ",
      "EDOM",
      "EDQUOT",
      "EEXIST",
      "EFAULT",
      "EFBIG",
      "EHOSTUNREACH",
      "EIDRM",
      "EILSEQ",
      "EINPROGRESS",
      "EINTR",
      "EINVAL",
      "EIO",
      "EISCONN",
      "EISDIR",
      "ELOOP",
      "EMFILE",
      "EMLINK",
      "EMSGSIZE",
      "EMULTIHOP",
      "ENAMETOOLONG",
      "ENETDOWN",
      "ENETRESET",
      "ENETUNREACH",
      "ENFILE",
      "ENOBUFS",
      "ENODEV",
      "ENOENT",
      "ENOEXEC",
      "ENOLCK",
      "ENOLINK",
      "ENOMEM",
      "ENOMSG",
      "ENOPROTOOPT",
      "ENOSPC",
      "ENOSYS",
      "ENOTCONN",
      "ENOTDIR",
      "ENOTEMPTY",
      "ENOTRECOVERABLE",
      "ENOTSOCK",
      "ENOTSUP",
      "ENOTTY",
      "ENXIO",
      "EOVERFLOW",
      "EOWNERDEAD",
      "EPERM",
      "EPIPE",
      "EPROTO",
      "EPROTONOSUPPORT",
      "EPROTOTYPE",
      "ERANGE",
      "EROFS",
      "ESPIPE",
      "ESRCH",
      "ESTALE",
      "ETIMEDOUT",
      "ETXTBSY",
      "EXDEV",
      "ENOTCAPABLE",
  };
  if (e >= 0 && e < (int32_t)(sizeof kNames / sizeof kNames[0])) {
    return e == 0 ? "ok" : kNames[e];
  }
  return "unknown-errno";
}

// Output, line-buffered straight to fd 1, without stdio: wasi-libc's
// printf would add hundreds of functions to every module, and compiling
// them would be most of the corpus's cold-cache time.
static char out_line[1024];
static size_t out_len;

static inline void Flush(void) {
  uint32_t iov[2] = {(uint32_t)(uintptr_t)out_line, (uint32_t)out_len};
  uint32_t written;
  raw_fd_write(1, (int32_t)(uintptr_t)iov, 1, (int32_t)(uintptr_t)&written);
  out_len = 0;
}

static inline void Put(const char* s) {
  for (; *s != 0; ++s) {
    if (out_len == sizeof out_line) Flush();
    out_line[out_len++] = *s;
    if (*s == '\n') Flush();
  }
}

static inline void PutN(const char* s, size_t n) {
  char one[2] = {0, 0};
  for (size_t i = 0; i < n; ++i) {
    one[0] = s[i];
    Put(one);
  }
}

static inline void PutU(uint64_t v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  char text[24];
  for (int i = 0; i < n; ++i) text[i] = digits[n - 1 - i];
  text[n] = 0;
  Put(text);
}

// Ends a report line: ": <errno name>\n".
static inline void EndReport(int32_t err) {
  Put(": ");
  Put(ErrnoName(err));
  Put("\n");
}

// Prints "<what>: <errno name>\n".
static inline void Report(const char* what, int32_t err) {
  Put(what);
  EndReport(err);
}

// Prints "<label> <path>: <errno name>\n".
static inline void ReportPath(const char* label, const char* path,
                              int32_t err) {
  Put(label);
  Put(" ");
  Put(path);
  EndReport(err);
}

// path_open of `path` beneath `dir` with the given flags; on success the new
// fd is stored in *fd_out (if not null) and otherwise closed.
static inline int32_t OpenAt(int32_t dir, int32_t lookup, const char* path,
                             int32_t oflags, uint64_t rights, int32_t fdflags,
                             int32_t* fd_out) {
  int32_t fd = -1;
  int32_t err =
      raw_path_open(dir, lookup, ADDR(path), (int32_t)strlen(path), oflags,
                    (int64_t)rights, (int64_t)rights, fdflags, ADDR(&fd));
  if (err == 0) {
    if (fd_out != NULL) {
      *fd_out = fd;
    } else {
      raw_fd_close(fd);
    }
  }
  return err;
}

#endif  // AIRLOCK_TESTS_HOSTILE_HOSTILE_H_
