// WASI path_* calls (see the top of wasi.cc for the rules they follow).
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>

#include "sandbox/wasi/wasi_internal.h"

namespace airlock::sandbox::wasi_internal {

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

namespace {

// A path split into the directory part (resolved beneath the grant) and the
// last component (acted on with an *at syscall).
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
  // Absolute paths are never beneath a grant.
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

// Opens the parent of `split` beneath `dir` (O_PATH | O_DIRECTORY).
UniqueFd OpenParent(const FdEntry& dir, const SplitPath& split, uint16_t* err) {
  return OpenBeneath(dir.host, split.parent, O_PATH | O_DIRECTORY, err);
}

// For a mutation whose last component is "." or "..": ENOTCAPABLE if the
// path leaves the grant, else `err_if_inside` (what Linux would say).
uint16_t DotLast(const FdEntry& dir, const std::string& path,
                 uint16_t err_if_inside) {
  uint16_t err;
  UniqueFd fd = OpenBeneath(dir.host, path, O_PATH | O_DIRECTORY, &err);
  return err != kSuccess ? err : err_if_inside;
}

}  // namespace

// ---- paths ----

uint16_t WasiHost::PathOpen(uint32_t fd, uint32_t dirflags, uint32_t path,
                            uint32_t len, uint32_t oflags, uint64_t rights_base,
                            uint64_t rights_inheriting, uint32_t fdflags,
                            uint32_t out) {
  FdEntry* dir;
  if (uint16_t err = GetDir(fd, &dir)) return err;
  std::string p;
  if (uint16_t err = ReadPath(path, len, &p)) return err;
  if (Mem(out, 4) == nullptr) return kFault;
  if (!(dir->rights_base & kPathOpen)) return kNotcapable;
  if (oflags & ~uint32_t{0xf} || fdflags & ~uint32_t{kFdflagsAll}) {
    return kInval;
  }
  const bool creates_or_truncates = oflags & (kOflagCreat | kOflagTrunc);
  const bool wants_write = (rights_base & kWriteIntentRights) ||
                           (fdflags & kFdflagAppend) || creates_or_truncates;
  if (wants_write && dir->read_only) return kRofs;
  if ((oflags & kOflagCreat) && !(dir->rights_base & kPathCreateFile)) {
    return kNotcapable;
  }

  uint64_t flags = O_NOCTTY | O_NONBLOCK;  // O_NONBLOCK: see FIFOs below
  const bool directory = oflags & kOflagDirectory;
  const bool readable = (rights_base & (kFdRead | kFdReaddir)) != 0;
  const bool writable =
      (rights_base & kWriteIntentRights) || (oflags & kOflagTrunc);
  if (directory) {
    flags |= O_DIRECTORY | O_RDONLY;
    if (writable) flags = (flags & ~O_ACCMODE) | O_WRONLY;  // -> EISDIR
  } else if (writable && readable) {
    flags |= O_RDWR;
  } else if (writable) {
    flags |= O_WRONLY;
  } else {
    flags |= O_RDONLY;
  }
  if (oflags & kOflagCreat) flags |= O_CREAT;
  if (oflags & kOflagExcl) flags |= O_EXCL;
  if (oflags & kOflagTrunc) flags |= O_TRUNC;
  if (!(dirflags & kLookupSymlinkFollow)) flags |= O_NOFOLLOW;
  if (fdflags & kFdflagAppend) flags |= O_APPEND;
  if (fdflags & kFdflagDsync) flags |= O_DSYNC;
  if (fdflags & (kFdflagSync | kFdflagRsync)) flags |= O_SYNC;

  uint16_t err;
  UniqueFd host = OpenBeneath(dir->host, p, flags, &err);
  if (err != kSuccess) return err;
  struct stat st;
  if (fstat(host.get(), &st) != 0) return FromHostErrno(errno);
  // FIFOs, sockets and devices could block the host thread (open, read)
  // beyond the reach of the timeout: grants serve files and directories.
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return kNotsup;
  if (!(fdflags & kFdflagNonblock)) {
    int fl = fcntl(host.get(), F_GETFL);
    if (fl < 0 || fcntl(host.get(), F_SETFL, fl & ~O_NONBLOCK) != 0) {
      return FromHostErrno(errno);
    }
  }

  auto entry = std::make_unique<FdEntry>();
  entry->read_only = dir->read_only;
  entry->filetype = FiletypeFromMode(st.st_mode);
  uint64_t allowed_base;
  if (S_ISDIR(st.st_mode)) {
    allowed_base = dir->read_only ? kDirRightsRo : kDirRightsRw;
  } else {
    allowed_base = dir->read_only ? kFileRightsRo : kFileRightsRw;
    // The host fd's access mode bounds what the guest may do with it.
    const int acc = static_cast<int>(flags & O_ACCMODE);
    if (acc == O_RDONLY) allowed_base &= ~kWriteIntentRights;
    if (acc == O_WRONLY) allowed_base &= ~kFdRead;
  }
  entry->rights_base = rights_base & allowed_base & dir->rights_inheriting;
  entry->rights_inheriting = rights_inheriting & dir->rights_inheriting;
  entry->host = host.Release();
  int64_t guest_fd = Allocate(std::move(entry));
  if (guest_fd < 0) return kMfile;  // entry (and its host fd) released
  Store<uint32_t>(out, static_cast<uint32_t>(guest_fd));
  return kSuccess;
}

uint16_t WasiHost::PathFilestatGet(uint32_t fd, uint32_t flags, uint32_t path,
                                   uint32_t len, uint32_t out, Abi abi) {
  FdEntry* dir;
  if (uint16_t err = GetDir(fd, &dir)) return err;
  std::string p;
  if (uint16_t err = ReadPath(path, len, &p)) return err;
  if (Mem(out, abi == Abi::kPreview1 ? 64 : 56) == nullptr) return kFault;
  if (!(dir->rights_base & kPathFilestatGet)) return kNotcapable;
  uint16_t err;
  // O_PATH | O_NOFOLLOW on a symlink opens the link itself (lstat).
  UniqueFd target = OpenBeneath(
      dir->host, p, O_PATH | ((flags & kLookupSymlinkFollow) ? 0 : O_NOFOLLOW),
      &err);
  if (err != kSuccess) return err;
  struct stat st;
  if (fstat(target.get(), &st) != 0) return FromHostErrno(errno);
  return WriteFilestat(out, st, abi);
}

uint16_t WasiHost::PathFilestatSetTimes(uint32_t fd, uint32_t flags,
                                        uint32_t path, uint32_t len,
                                        uint64_t atim, uint64_t mtim,
                                        uint32_t fst_flags) {
  FdEntry* dir;
  if (uint16_t err = GetDir(fd, &dir)) return err;
  std::string p;
  if (uint16_t err = ReadPath(path, len, &p)) return err;
  if (dir->read_only) return kRofs;
  if (!(dir->rights_base & kPathFilestatSetTimes)) return kNotcapable;
  timespec ts[2];
  if (uint16_t err = Times(atim, mtim, fst_flags, ts)) return err;
  uint16_t err;
  UniqueFd target = OpenBeneath(
      dir->host, p, O_PATH | ((flags & kLookupSymlinkFollow) ? 0 : O_NOFOLLOW),
      &err);
  if (err != kSuccess) return err;
  // AT_EMPTY_PATH: act on the resolved fd itself, no second lookup.
  return utimensat(target.get(), "", ts, AT_EMPTY_PATH) == 0
             ? kSuccess
             : FromHostErrno(errno);
}

uint16_t WasiHost::PathReadlink(uint32_t fd, uint32_t path, uint32_t len,
                                uint32_t buf, uint32_t buf_len, uint32_t out) {
  FdEntry* dir;
  if (uint16_t err = GetDir(fd, &dir)) return err;
  std::string p;
  if (uint16_t err = ReadPath(path, len, &p)) return err;
  uint8_t* b = Mem(buf, buf_len);
  if (b == nullptr || Mem(out, 4) == nullptr) return kFault;
  if (!(dir->rights_base & kPathReadlink)) return kNotcapable;
  uint16_t err;
  UniqueFd link = OpenBeneath(dir->host, p, O_PATH | O_NOFOLLOW, &err);
  if (err != kSuccess) return err;
  // Linux rejects a zero-sized buffer; the link is still checked to be one.
  char scratch[1];
  char* target = buf_len > 0 ? reinterpret_cast<char*>(b) : scratch;
  ssize_t n = readlinkat(link.get(), "", target, buf_len > 0 ? buf_len : 1);
  if (n < 0) return FromHostErrno(errno);
  // A target longer than the buffer is truncated, as readlink(2) does.
  Store<uint32_t>(out, buf_len > 0 ? static_cast<uint32_t>(n) : 0);
  return kSuccess;
}

uint16_t WasiHost::PathCreateDirectory(uint32_t fd, uint32_t path,
                                       uint32_t len) {
  FdEntry* dir;
  if (uint16_t err = GetDir(fd, &dir)) return err;
  std::string p;
  if (uint16_t err = ReadPath(path, len, &p)) return err;
  if (dir->read_only) return kRofs;
  if (!(dir->rights_base & kPathCreateDirectory)) return kNotcapable;
  SplitPath s;
  if (uint16_t err = Split(p, &s)) return err;
  if (s.last_is_dot()) return DotLast(*dir, p, kExist);
  uint16_t err;
  UniqueFd parent = OpenParent(*dir, s, &err);
  if (err != kSuccess) return err;
  return mkdirat(parent.get(), s.last.c_str(), 0777) == 0
             ? kSuccess
             : FromHostErrno(errno);
}

uint16_t WasiHost::PathRemoveDirectory(uint32_t fd, uint32_t path,
                                       uint32_t len) {
  FdEntry* dir;
  if (uint16_t err = GetDir(fd, &dir)) return err;
  std::string p;
  if (uint16_t err = ReadPath(path, len, &p)) return err;
  if (dir->read_only) return kRofs;
  if (!(dir->rights_base & kPathRemoveDirectory)) return kNotcapable;
  SplitPath s;
  if (uint16_t err = Split(p, &s)) return err;
  if (s.last_is_dot()) {
    return DotLast(*dir, p, s.last == "." ? kInval : kNotempty);
  }
  uint16_t err;
  UniqueFd parent = OpenParent(*dir, s, &err);
  if (err != kSuccess) return err;
  return unlinkat(parent.get(), s.last.c_str(), AT_REMOVEDIR) == 0
             ? kSuccess
             : FromHostErrno(errno);
}

uint16_t WasiHost::PathUnlinkFile(uint32_t fd, uint32_t path, uint32_t len) {
  FdEntry* dir;
  if (uint16_t err = GetDir(fd, &dir)) return err;
  std::string p;
  if (uint16_t err = ReadPath(path, len, &p)) return err;
  if (dir->read_only) return kRofs;
  if (!(dir->rights_base & kPathUnlinkFile)) return kNotcapable;
  SplitPath s;
  if (uint16_t err = Split(p, &s)) return err;
  if (s.last_is_dot()) return DotLast(*dir, p, kIsdir);
  uint16_t err;
  UniqueFd parent = OpenParent(*dir, s, &err);
  if (err != kSuccess) return err;
  // A trailing slash names a directory: Linux then reports EISDIR/ENOTDIR.
  return unlinkat(parent.get(), s.last_for_syscall().c_str(), 0) == 0
             ? kSuccess
             : FromHostErrno(errno);
}

uint16_t WasiHost::PathRename(uint32_t fd, uint32_t old_path, uint32_t old_len,
                              uint32_t new_fd, uint32_t new_path,
                              uint32_t new_len) {
  FdEntry *old_dir, *new_dir;
  if (uint16_t err = GetDir(fd, &old_dir)) return err;
  if (uint16_t err = GetDir(new_fd, &new_dir)) return err;
  std::string op, np;
  if (uint16_t err = ReadPath(old_path, old_len, &op)) return err;
  if (uint16_t err = ReadPath(new_path, new_len, &np)) return err;
  // Both sides must be writable; each is resolved beneath its own grant.
  if (old_dir->read_only || new_dir->read_only) return kRofs;
  if (!(old_dir->rights_base & kPathRenameSource) ||
      !(new_dir->rights_base & kPathRenameTarget)) {
    return kNotcapable;
  }
  SplitPath os, ns;
  if (uint16_t err = Split(op, &os)) return err;
  if (uint16_t err = Split(np, &ns)) return err;
  if (os.last_is_dot()) return DotLast(*old_dir, op, kBusy);
  if (ns.last_is_dot()) return DotLast(*new_dir, np, kBusy);
  uint16_t err;
  UniqueFd old_parent = OpenParent(*old_dir, os, &err);
  if (err != kSuccess) return err;
  UniqueFd new_parent = OpenParent(*new_dir, ns, &err);
  if (err != kSuccess) return err;
  return renameat(old_parent.get(), os.last_for_syscall().c_str(),
                  new_parent.get(), ns.last_for_syscall().c_str()) == 0
             ? kSuccess
             : FromHostErrno(errno);
}

uint16_t WasiHost::PathSymlink(uint32_t old_path, uint32_t old_len, uint32_t fd,
                               uint32_t new_path, uint32_t new_len) {
  FdEntry* dir;
  if (uint16_t err = GetDir(fd, &dir)) return err;
  std::string target, np;
  if (uint16_t err = ReadPath(old_path, old_len, &target)) return err;
  if (uint16_t err = ReadPath(new_path, new_len, &np)) return err;
  if (dir->read_only) return kRofs;
  if (!(dir->rights_base & kPathSymlink)) return kNotcapable;
  SplitPath s;
  if (uint16_t err = Split(np, &s)) return err;
  if (s.last_is_dot()) return DotLast(*dir, np, kExist);
  uint16_t err;
  UniqueFd parent = OpenParent(*dir, s, &err);
  if (err != kSuccess) return err;
  // The target is stored as given. It cannot widen access: every lookup
  // that meets the link resolves it beneath the grant (absolute targets and
  // targets climbing out fail with ENOTCAPABLE).
  return symlinkat(target.c_str(), parent.get(),
                   s.last_for_syscall().c_str()) == 0
             ? kSuccess
             : FromHostErrno(errno);
}

uint16_t WasiHost::PathLink(uint32_t old_fd, uint32_t old_flags,
                            uint32_t old_path, uint32_t old_len,
                            uint32_t new_fd, uint32_t new_path,
                            uint32_t new_len) {
  FdEntry *old_dir, *new_dir;
  if (uint16_t err = GetDir(old_fd, &old_dir)) return err;
  if (uint16_t err = GetDir(new_fd, &new_dir)) return err;
  std::string op, np;
  if (uint16_t err = ReadPath(old_path, old_len, &op)) return err;
  if (uint16_t err = ReadPath(new_path, new_len, &np)) return err;
  // A hard link from a read-only grant into a writable one would make the
  // file writable: both sides must be writable.
  if (old_dir->read_only || new_dir->read_only) return kRofs;
  if (!(old_dir->rights_base & kPathLinkSource) ||
      !(new_dir->rights_base & kPathLinkTarget)) {
    return kNotcapable;
  }
  SplitPath os, ns;
  if (uint16_t err = Split(op, &os)) return err;
  if (uint16_t err = Split(np, &ns)) return err;
  if (os.last_is_dot()) return DotLast(*old_dir, op, kPerm);
  if (ns.last_is_dot()) return DotLast(*new_dir, np, kExist);
  uint16_t err;
  UniqueFd old_parent = OpenParent(*old_dir, os, &err);
  if (err != kSuccess) return err;
  UniqueFd new_parent = OpenParent(*new_dir, ns, &err);
  if (err != kSuccess) return err;
  struct stat st;
  if (fstatat(old_parent.get(), os.last.c_str(), &st, AT_SYMLINK_NOFOLLOW) !=
      0) {
    return FromHostErrno(errno);
  }
  // linkat would follow a symlink named with a trailing slash or with
  // AT_SYMLINK_FOLLOW without RESOLVE_BENEATH; never let it.
  if (os.trailing_slash) return S_ISDIR(st.st_mode) ? kPerm : kNotdir;
  if (S_ISLNK(st.st_mode) && (old_flags & kLookupSymlinkFollow)) {
    UniqueFd target = OpenBeneath(old_dir->host, op, O_PATH, &err);
    if (err != kSuccess) return err;
    return linkat(target.get(), "", new_parent.get(),
                  ns.last_for_syscall().c_str(), AT_EMPTY_PATH) == 0
               ? kSuccess
               : FromHostErrno(errno);
  }
  return linkat(old_parent.get(), os.last.c_str(), new_parent.get(),
                ns.last_for_syscall().c_str(), 0) == 0
             ? kSuccess
             : FromHostErrno(errno);
}

}  // namespace airlock::sandbox::wasi_internal
