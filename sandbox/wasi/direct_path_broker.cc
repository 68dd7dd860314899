// DirectPathBroker: every path request resolved beneath a directory fd it
// holds (see path_broker.h for the rules).
//
// How each kind of op resolves its path
// - kOpen: the whole path with openat2(RESOLVE_BENEATH |
//   RESOLVE_NO_MAGICLINKS) (OpenBeneath).
// - Ops that are not opens (mkdir, unlink, rmdir, rename, symlink, link):
//   the parent beneath the handle's directory (O_PATH | O_DIRECTORY), then
//   the *at syscall on the last component, which never follows a symlink in
//   that component. A last component of `.` or `..` is never handed to an
//   *at syscall.
// - Queries (stat, set times, readlink): the whole path opened O_PATH
//   beneath the directory, then the call on that fd (AT_EMPTY_PATH).
#include "sandbox/wasi/direct_path_broker.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sandbox/wasi/wasi_internal.h"

namespace airlock::sandbox {
namespace wasi_internal {

UniqueFd OpenBeneath(int dirfd, const std::string& path, uint64_t flags,
                     uint16_t* err) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.mode = (flags & O_CREAT) ? 0666 : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0;; ++attempt) {
    long fd = syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof(how));
    if (fd >= 0) {
      *err = kSuccess;
      return UniqueFd(static_cast<int>(fd));
    }
    int e = errno;
    // EAGAIN: a concurrent rename made the kernel abort a RESOLVE_BENEATH
    // lookup to stay safe; retrying is what the man page recommends.
    if ((e == EAGAIN || e == EINTR) && attempt < 16) continue;
    *err = e == EXDEV ? kNotcapable : FromHostErrno(e);
    return UniqueFd();
  }
}

}  // namespace wasi_internal

using wasi_internal::CheckGuestPath;
using wasi_internal::FromHostErrno;
using wasi_internal::GrantName;
using wasi_internal::kBadf;
using wasi_internal::kBusy;
using wasi_internal::kExist;
using wasi_internal::kInval;
using wasi_internal::kIsdir;
using wasi_internal::kMaxPath;
using wasi_internal::kMfile;
using wasi_internal::kNametoolong;
using wasi_internal::kNoent;
using wasi_internal::kNosys;
using wasi_internal::kNotcapable;
using wasi_internal::kNotdir;
using wasi_internal::kNotempty;
using wasi_internal::kNotsup;
using wasi_internal::kPerm;
using wasi_internal::kRofs;
using wasi_internal::kSuccess;
using wasi_internal::OpenBeneath;
using wasi_internal::Times;
using wasi_internal::ToStatFields;

struct DirectPathBroker::Dir {
  UniqueFd fd;
  bool read_only = true;
};

namespace {

// The open(2) flags a kOpen may carry (path_broker.h).
constexpr uint32_t kAllowedOpenFlags =
    O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY |
    O_NOFOLLOW | O_DSYNC | O_SYNC | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

PathReply Error(uint16_t err) {
  PathReply reply;
  reply.error = err;
  return reply;
}

// A path from the request: the caller is not trusted to have checked it.
uint16_t CheckPath(const std::string& path) {
  if (path.size() > kMaxPath) return kNametoolong;
  if (path.find('\0') != std::string::npos) return kInval;
  return kSuccess;
}

// A path split into the directory part (resolved beneath the handle's
// directory) and the last component (acted on with an *at syscall).
struct SplitPath {
  std::string parent;  // "." when the path has a single component
  std::string last;    // never empty, never contains '/'
  bool trailing_slash = false;
  bool last_is_dot() const { return last == "." || last == ".."; }
  // The last component as the *at syscall should see it: a trailing slash
  // keeps its POSIX meaning ("must be a directory").
  std::string last_for_syscall() const {
    return trailing_slash ? last + "/" : last;
  }
};

uint16_t Split(const std::string& path, SplitPath* out) {
  if (path.empty()) return kNoent;
  // Absolute paths are never beneath a handle's directory.
  if (path[0] == '/') return kNotcapable;
  size_t end = path.size();
  while (end > 0 && path[end - 1] == '/') --end;  // path[0] != '/': end > 0
  out->trailing_slash = end != path.size();
  const size_t slash = path.rfind('/', end - 1);
  const size_t last_start = slash == std::string::npos ? 0 : slash + 1;
  out->parent = last_start == 0 ? std::string(".") : path.substr(0, last_start);
  out->last = path.substr(last_start, end - last_start);
  return kSuccess;
}

// Opens the parent of `split` beneath `dirfd` (O_PATH | O_DIRECTORY).
UniqueFd OpenParent(int dirfd, const SplitPath& split, uint16_t* err) {
  return OpenBeneath(dirfd, split.parent, O_PATH | O_DIRECTORY, err);
}

// For a mutation whose last component is "." or "..": ENOTCAPABLE if the
// path leaves the directory, else `err_if_inside` (what Linux would say).
uint16_t DotLast(int dirfd, const std::string& path, uint16_t err_if_inside) {
  uint16_t err;
  UniqueFd fd = OpenBeneath(dirfd, path, O_PATH | O_DIRECTORY, &err);
  return err != kSuccess ? err : err_if_inside;
}

uint16_t Result(int rc) { return rc == 0 ? kSuccess : FromHostErrno(errno); }

}  // namespace

absl::StatusOr<std::unique_ptr<DirectPathBroker>> DirectPathBroker::Create(
    const std::vector<DirGrant>& grants) {
  std::vector<DirRef> dirs;
  dirs.reserve(grants.size());
  for (const DirGrant& grant : grants) {
    if (absl::Status s = CheckGuestPath(grant); !s.ok()) return s;
    const std::string what = GrantName(grant);
    int fd = open(grant.host_path.c_str(),
                  O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
      int e = errno;
      return absl::ErrnoToStatus(e, absl::StrCat(what, ": cannot open"));
    }
    auto dir = std::make_shared<Dir>();
    dir->fd = UniqueFd(fd);
    dir->read_only = grant.read_only;
    // No safe resolution without openat2: refuse the grant outright rather
    // than fail every request later.
    uint16_t err;
    UniqueFd probe = OpenBeneath(fd, ".", O_PATH | O_DIRECTORY, &err);
    if (err == kNosys) {
      return absl::FailedPreconditionError(absl::StrCat(
          what,
          ": folder grants need openat2 (Linux 5.6 or later), which "
          "this kernel does not provide"));
    }
    if (err != kSuccess) {
      return absl::InternalError(
          absl::StrCat(what, ": openat2 failed (WASI errno ", err, ")"));
    }
    dirs.push_back(std::move(dir));
  }
  return std::unique_ptr<DirectPathBroker>(
      new DirectPathBroker(std::move(dirs)));
}

DirectPathBroker::DirectPathBroker(std::vector<DirRef> grants)
    : grants_(std::move(grants)),
      next_handle_(static_cast<uint32_t>(grants_.size())) {}

DirectPathBroker::~DirectPathBroker() = default;

DirectPathBroker::DirRef DirectPathBroker::Find(uint32_t handle) {
  if (handle < grants_.size()) return grants_[handle];
  std::lock_guard<std::mutex> lock(mu_);
  auto it = opened_.find(handle);
  return it == opened_.end() ? nullptr : it->second;
}

uint32_t DirectPathBroker::Add(DirRef dir) {
  std::lock_guard<std::mutex> lock(mu_);
  if (opened_.size() >= kMaxOpenedDirs) return kNoDirHandle;
  // Handles are not reused while held; after a wrap of the counter the
  // next free one above the grants is taken.
  for (;;) {
    uint32_t h = next_handle_++;
    if (next_handle_ == kNoDirHandle) {
      next_handle_ = static_cast<uint32_t>(grants_.size());
    }
    if (h >= grants_.size() && h != kNoDirHandle && !opened_.count(h)) {
      opened_.emplace(h, std::move(dir));
      return h;
    }
  }
}

PathReply DirectPathBroker::Handle(const PathRequest& request) {
  switch (request.op) {
    case PathOp::kOpen:
      if (uint16_t err = CheckPath(request.path)) return Error(err);
      return ServeOpen(request);
    case PathOp::kMkdir:
    case PathOp::kRmdir:
    case PathOp::kUnlink:
    case PathOp::kSymlink:
      if (uint16_t err = CheckPath(request.path)) return Error(err);
      if (uint16_t err = CheckPath(request.path2)) return Error(err);
      return Error(ServeMutation(request));
    case PathOp::kRename:
    case PathOp::kLink:
      if (uint16_t err = CheckPath(request.path)) return Error(err);
      if (uint16_t err = CheckPath(request.path2)) return Error(err);
      return Error(ServeTwoPaths(request));
    case PathOp::kReadlink:
    case PathOp::kStat:
    case PathOp::kSetTimes:
      if (uint16_t err = CheckPath(request.path)) return Error(err);
      return ServeQuery(request);
    case PathOp::kClose:
      return Error(ServeClose(request.dir));
  }
  return Error(kInval);  // an op this broker does not know
}

PathReply DirectPathBroker::ServeOpen(const PathRequest& request) {
  DirRef dir = Find(request.dir);
  if (dir == nullptr) return Error(kBadf);
  const uint32_t flags = request.open_flags;
  if ((flags & ~kAllowedOpenFlags) || (flags & O_ACCMODE) == O_ACCMODE) {
    return Error(kInval);
  }
  const bool writes = (flags & O_ACCMODE) != O_RDONLY ||
                      (flags & (O_CREAT | O_TRUNC | O_APPEND));
  // The grant's rights, whatever the caller believes it may do.
  if (writes && dir->read_only) return Error(kRofs);

  // O_NONBLOCK: opening a FIFO must not block this thread; the flag is put
  // back as requested once the file is known to be a file or directory.
  uint16_t err;
  UniqueFd fd =
      OpenBeneath(dir->fd.get(), request.path, flags | O_NONBLOCK, &err);
  if (err != kSuccess) return Error(err);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Error(FromHostErrno(errno));
  // FIFOs, sockets and devices could block the reader (open, read) beyond
  // the reach of the timeout: grants serve files and directories.
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return Error(kNotsup);
  if (!(flags & O_NONBLOCK)) {
    int fl = fcntl(fd.get(), F_GETFL);
    if (fl < 0 || fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK) != 0) {
      return Error(FromHostErrno(errno));
    }
  }

  PathReply reply;
  reply.stat = ToStatFields(st);
  if (S_ISDIR(st.st_mode) && request.want_dir_handle) {
    // The handle keeps its own O_PATH fd: the one handed out may be closed
    // (or read with getdents) independently.
    auto sub = std::make_shared<Dir>();
    sub->fd = OpenBeneath(fd.get(), ".", O_PATH | O_DIRECTORY, &err);
    if (err != kSuccess) return Error(err);
    sub->read_only = dir->read_only;
    reply.new_dir = Add(std::move(sub));
    if (reply.new_dir == kNoDirHandle) return Error(kMfile);
  }
  reply.fd = fd.Release();
  return reply;
}

uint16_t DirectPathBroker::ServeMutation(const PathRequest& request) {
  DirRef dir = Find(request.dir);
  if (dir == nullptr) return kBadf;
  if (dir->read_only) return kRofs;
  const int dirfd = dir->fd.get();
  SplitPath s;
  if (uint16_t err = Split(request.path, &s)) return err;
  if (s.last_is_dot()) {
    uint16_t if_inside = kExist;  // kMkdir, kSymlink
    if (request.op == PathOp::kRmdir) {
      if_inside = s.last == "." ? kInval : kNotempty;
    } else if (request.op == PathOp::kUnlink) {
      if_inside = kIsdir;
    }
    return DotLast(dirfd, request.path, if_inside);
  }
  uint16_t err;
  UniqueFd parent = OpenParent(dirfd, s, &err);
  if (err != kSuccess) return err;
  switch (request.op) {
    case PathOp::kMkdir:
      return Result(mkdirat(parent.get(), s.last.c_str(), 0777));
    case PathOp::kRmdir:
      return Result(unlinkat(parent.get(), s.last.c_str(), AT_REMOVEDIR));
    case PathOp::kUnlink:
      // A trailing slash names a directory: Linux then reports EISDIR or
      // ENOTDIR.
      return Result(unlinkat(parent.get(), s.last_for_syscall().c_str(), 0));
    case PathOp::kSymlink:
      // The contents are stored as given. They cannot widen access: every
      // lookup that meets the link resolves it beneath a handle (absolute
      // targets and targets climbing out fail with ENOTCAPABLE).
      return Result(symlinkat(request.path2.c_str(), parent.get(),
                              s.last_for_syscall().c_str()));
    default:
      return kInval;  // not reached: Handle() routes only these ops here
  }
}

uint16_t DirectPathBroker::ServeTwoPaths(const PathRequest& request) {
  DirRef old_dir = Find(request.dir);
  DirRef new_dir = Find(request.dir2);
  if (old_dir == nullptr || new_dir == nullptr) return kBadf;
  // Both sides must be writable: a hard link from a read-only grant into a
  // writable one would make the file writable; a rename would remove it
  // from the read-only one. Each side is resolved beneath its own handle.
  if (old_dir->read_only || new_dir->read_only) return kRofs;
  const bool rename = request.op == PathOp::kRename;
  SplitPath os, ns;
  if (uint16_t err = Split(request.path, &os)) return err;
  if (uint16_t err = Split(request.path2, &ns)) return err;
  if (os.last_is_dot()) {
    return DotLast(old_dir->fd.get(), request.path, rename ? kBusy : kPerm);
  }
  if (ns.last_is_dot()) {
    return DotLast(new_dir->fd.get(), request.path2, rename ? kBusy : kExist);
  }
  uint16_t err;
  UniqueFd old_parent = OpenParent(old_dir->fd.get(), os, &err);
  if (err != kSuccess) return err;
  UniqueFd new_parent = OpenParent(new_dir->fd.get(), ns, &err);
  if (err != kSuccess) return err;
  if (rename) {
    return Result(renameat(old_parent.get(), os.last_for_syscall().c_str(),
                           new_parent.get(), ns.last_for_syscall().c_str()));
  }
  struct stat st;
  if (fstatat(old_parent.get(), os.last.c_str(), &st, AT_SYMLINK_NOFOLLOW) !=
      0) {
    return FromHostErrno(errno);
  }
  // linkat would follow a symlink named with a trailing slash or with
  // AT_SYMLINK_FOLLOW without RESOLVE_BENEATH; never let it.
  if (os.trailing_slash) return S_ISDIR(st.st_mode) ? kPerm : kNotdir;
  if (S_ISLNK(st.st_mode) && request.follow_symlinks) {
    UniqueFd target =
        OpenBeneath(old_dir->fd.get(), request.path, O_PATH, &err);
    if (err != kSuccess) return err;
    return Result(linkat(target.get(), "", new_parent.get(),
                         ns.last_for_syscall().c_str(), AT_EMPTY_PATH));
  }
  return Result(linkat(old_parent.get(), os.last.c_str(), new_parent.get(),
                       ns.last_for_syscall().c_str(), 0));
}

PathReply DirectPathBroker::ServeQuery(const PathRequest& request) {
  DirRef dir = Find(request.dir);
  if (dir == nullptr) return Error(kBadf);
  timespec ts[2] = {};
  if (request.op == PathOp::kSetTimes) {
    if (dir->read_only) return Error(kRofs);
    if (uint16_t err =
            Times(request.atim_ns, request.mtim_ns, request.fst_flags, ts)) {
      return Error(err);
    }
  }
  // O_PATH | O_NOFOLLOW on a symlink opens the link itself (lstat).
  const bool follow =
      request.follow_symlinks && request.op != PathOp::kReadlink;
  uint16_t err;
  UniqueFd target = OpenBeneath(dir->fd.get(), request.path,
                                O_PATH | (follow ? 0 : O_NOFOLLOW), &err);
  if (err != kSuccess) return Error(err);
  PathReply reply;
  switch (request.op) {
    case PathOp::kStat: {
      struct stat st;
      if (fstat(target.get(), &st) != 0) return Error(FromHostErrno(errno));
      reply.stat = ToStatFields(st);
      return reply;
    }
    case PathOp::kSetTimes:
      // AT_EMPTY_PATH: act on the resolved fd itself, no second lookup.
      return Error(Result(utimensat(target.get(), "", ts, AT_EMPTY_PATH)));
    case PathOp::kReadlink: {
      // Linux symlink contents are shorter than a page: one byte more than
      // the longest path the host accepts never truncates.
      char buf[kMaxPath + 1];
      ssize_t n = readlinkat(target.get(), "", buf, sizeof(buf));
      if (n < 0) return Error(FromHostErrno(errno));
      reply.data.assign(buf, static_cast<size_t>(n));
      return reply;
    }
    default:
      return Error(kInval);  // not reached: Handle() routes only these here
  }
}

uint16_t DirectPathBroker::ServeClose(uint32_t handle) {
  // Grant handles live as long as the broker.
  if (handle < grants_.size()) return kInval;
  std::lock_guard<std::mutex> lock(mu_);
  return opened_.erase(handle) == 1 ? kSuccess : kBadf;
}

}  // namespace airlock::sandbox
