// The one door through which the WASI host touches the filesystem by path.
//
// Every WASI call that names a path (path_open, path_create_directory, ...)
// becomes one PathRequest answered by one PathReply. In process the broker is
// a DirectPathBroker (direct_path_broker.h); in a confined worker, which may
// open nothing itself, the broker forwards each request to the supervisor,
// which answers it with its own DirectPathBroker. Requests and replies are
// plain structs of scalars and strings (plus, for opens, one fd to pass with
// SCM_RIGHTS) so a transport can copy them field by field into a message.
//
// Directory handles
// - A handle is an opaque uint32_t naming a directory the broker holds.
//   Handles 0 .. N-1 name the N granted folders, in grant order (the order
//   of WasiConfig::dirs); they live as long as the broker.
// - kOpen with `want_dir_handle` set, of a path that turns out to be a
//   directory, returns a fresh handle for that directory in `new_dir`. The
//   caller owns it and gives it back with kClose. It inherits the grant's
//   rights (read-only or not) and resolves beneath that directory: `..`
//   above it is an escape, even when it would stay inside the grant.
//
// What the broker enforces (the caller is not trusted: a worker that lost
// its wits may send anything)
// - Every path is resolved beneath the directory of its handle with
//   openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): absolute paths, `..`
//   above the handle's directory and symlinks leaving it fail with
//   ENOTCAPABLE (76); a /proc-style magic link met inside a grant fails
//   with ELOOP (32).
// - On a read-only grant: kOpen with O_WRONLY, O_RDWR, O_CREAT, O_TRUNC or
//   O_APPEND, and every mutating op (kMkdir, kRmdir, kUnlink, kRename,
//   kSymlink, kLink, kSetTimes; for two-handle ops either side) fail with
//   EROFS (69). Files it opens are O_RDONLY; directories O_RDONLY |
//   O_DIRECTORY (what getdents needs; a directory fd lets its holder open
//   nothing without a path lookup, which a confined worker cannot make).
// - kOpen serves regular files and directories only: FIFOs, sockets and
//   devices fail with ENOTSUP (58) (opening or reading them could block).
//   The open itself never blocks (it is made O_NONBLOCK, then the flag is
//   cleared unless the request asked for it).
// - Paths longer than 4096 bytes fail with ENAMETOOLONG, paths containing
//   NUL with EINVAL, unknown handles with EBADF, unknown ops with EINVAL.
#ifndef AIRLOCK_SANDBOX_WASI_PATH_BROKER_H_
#define AIRLOCK_SANDBOX_WASI_PATH_BROKER_H_

#include <cstdint>
#include <string>

namespace airlock::sandbox {

// The value of a handle field that names no directory.
inline constexpr uint32_t kNoDirHandle = UINT32_MAX;

// One operation. The numbers are stable (a transport may send them).
enum class PathOp : uint8_t {
  // Opens `path` beneath `dir` with `open_flags`. Reply: `fd` (and `stat` of
  // the opened file; `new_dir` for a directory when `want_dir_handle`).
  kOpen = 0,
  kMkdir = 1,   // creates the directory `path` (mode 0777 before umask)
  kRmdir = 2,   // removes the empty directory `path`
  kUnlink = 3,  // removes the non-directory `path`
  // Renames `path` beneath `dir` to `path2` beneath `dir2`.
  kRename = 4,
  // Creates a symlink at `path` beneath `dir` whose contents are `path2`,
  // stored as given (every later lookup through it is resolved beneath a
  // handle, so its target cannot widen access).
  kSymlink = 5,
  // Hard-links `path` beneath `dir` (following a final symlink when
  // `follow_symlinks`) as `path2` beneath `dir2`.
  kLink = 6,
  kReadlink = 7,  // reply `data`: the contents of the symlink `path`
  // Reply `stat`: of `path` (of the link itself unless `follow_symlinks`).
  kStat = 8,
  // Sets the times of `path` (of the link itself unless `follow_symlinks`)
  // from `atim_ns`, `mtim_ns` and the WASI `fst_flags`.
  kSetTimes = 9,
  // Releases the handle `dir`, which a kOpen returned. EBADF for a handle
  // the broker does not hold; EINVAL for a grant handle (grants live as
  // long as the broker).
  kClose = 10,
};

// The fields of struct stat the WASI host reports (fd/path_filestat_get).
struct StatFields {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint32_t mode = 0;  // st_mode: S_IFMT type bits and permission bits
  uint64_t nlink = 0;
  uint64_t size = 0;
  uint64_t atim_ns = 0;  // since the epoch, as the guest sees them
  uint64_t mtim_ns = 0;
  uint64_t ctim_ns = 0;
};

struct PathRequest {
  PathOp op = PathOp::kStat;
  uint32_t dir = kNoDirHandle;   // the handle `path` is relative to
  std::string path;              // relative to `dir`
  uint32_t dir2 = kNoDirHandle;  // kRename, kLink: the handle of `path2`
  std::string path2;  // kRename, kLink: the new name; kSymlink: the contents
  // kOpen: Linux open(2) flags, at most O_ACCMODE, O_CREAT, O_EXCL, O_TRUNC,
  // O_APPEND, O_DIRECTORY, O_NOFOLLOW, O_DSYNC, O_SYNC, O_NONBLOCK,
  // O_NOCTTY, O_CLOEXEC (others: EINVAL). A final symlink is followed
  // unless O_NOFOLLOW (then: ELOOP). The fd is always close-on-exec.
  uint32_t open_flags = 0;
  bool want_dir_handle = false;  // kOpen: see "Directory handles" above
  bool follow_symlinks = false;  // kStat, kSetTimes, kLink
  uint64_t atim_ns = 0;          // kSetTimes
  uint64_t mtim_ns = 0;          // kSetTimes
  uint32_t fst_flags = 0;  // kSetTimes: WASI fstflags (ATIM, ATIM_NOW, ...)
};

struct PathReply {
  // WASI errno (wasi_snapshot_preview1 numbering): 0 on success, else
  // nothing below is set (fd -1, new_dir kNoDirHandle).
  uint16_t error = 0;
  // kOpen: the opened host fd. The receiver owns it and must close it.
  int fd = -1;
  uint32_t new_dir = kNoDirHandle;  // kOpen: see "Directory handles"
  std::string data;                 // kReadlink
  StatFields stat;                  // kStat, kOpen
};

// Serves path requests. Implementations state their thread safety.
class PathBroker {
 public:
  virtual ~PathBroker() = default;

  // Performs `request` and reports the outcome; never fails otherwise (a
  // transport that loses its peer answers EIO).
  virtual PathReply Handle(const PathRequest& request) = 0;

  // One call per op: each builds the PathRequest (fields as documented at
  // PathOp) and calls Handle. Those returning uint16_t return the errno.
  PathReply Open(uint32_t dir, std::string path, uint32_t open_flags,
                 bool want_dir_handle);
  uint16_t Mkdir(uint32_t dir, std::string path);
  uint16_t Rmdir(uint32_t dir, std::string path);
  uint16_t Unlink(uint32_t dir, std::string path);
  uint16_t Rename(uint32_t dir, std::string path, uint32_t dir2,
                  std::string path2);
  uint16_t Symlink(std::string contents, uint32_t dir, std::string path);
  uint16_t Link(uint32_t dir, std::string path, bool follow_symlinks,
                uint32_t dir2, std::string path2);
  PathReply Readlink(uint32_t dir, std::string path);
  PathReply Stat(uint32_t dir, std::string path, bool follow_symlinks);
  uint16_t SetTimes(uint32_t dir, std::string path, bool follow_symlinks,
                    uint64_t atim_ns, uint64_t mtim_ns, uint32_t fst_flags);
  uint16_t Close(uint32_t dir);
};

}  // namespace airlock::sandbox

#endif  // AIRLOCK_SANDBOX_WASI_PATH_BROKER_H_
