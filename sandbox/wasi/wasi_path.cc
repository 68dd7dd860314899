// WASI path_* calls (see the top of wasi.cc for the rules they follow). Each
// checks the guest's arguments and the fd's WASI rights, then makes one
// PathBroker request: the host resolves no path itself.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "sandbox/wasi/wasi_internal.h"

namespace airlock::sandbox::wasi_internal {

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
  // The broker refuses these too; answering here keeps the errno order.
  if (wants_write && dir->read_only) return kRofs;
  if ((oflags & kOflagCreat) && !(dir->rights_base & kPathCreateFile)) {
    return kNotcapable;
  }

  uint32_t flags = O_NOCTTY;
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
  if (fdflags & kFdflagNonblock) flags |= O_NONBLOCK;

  // Whether the path names a directory is known only once it is open: ask
  // for a handle in case (the broker gives one for directories only).
  PathReply r = broker_->Open(dir->dir_handle, std::move(p), flags,
                              /*want_dir_handle=*/true);
  if (r.error != kSuccess) return r.error;
  auto entry = std::make_unique<FdEntry>();
  entry->host = r.fd;  // owned by the entry from here on
  entry->broker = broker_.get();
  entry->dir_handle = r.new_dir;
  entry->owns_dir_handle = r.new_dir != kNoDirHandle;
  entry->read_only = dir->read_only;
  entry->filetype = FiletypeFromMode(r.stat.mode);
  uint64_t allowed_base;
  if (S_ISDIR(r.stat.mode)) {
    allowed_base = dir->read_only ? kDirRightsRo : kDirRightsRw;
  } else {
    allowed_base = dir->read_only ? kFileRightsRo : kFileRightsRw;
    // The host fd's access mode bounds what the guest may do with it.
    const uint32_t acc = flags & O_ACCMODE;
    if (acc == O_RDONLY) allowed_base &= ~kWriteIntentRights;
    if (acc == O_WRONLY) allowed_base &= ~kFdRead;
  }
  entry->rights_base = rights_base & allowed_base & dir->rights_inheriting;
  entry->rights_inheriting = rights_inheriting & dir->rights_inheriting;
  int64_t guest_fd = Allocate(std::move(entry));
  if (guest_fd < 0) return kMfile;  // entry (its fd and handle) released
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
  PathReply r = broker_->Stat(dir->dir_handle, std::move(p),
                              (flags & kLookupSymlinkFollow) != 0);
  if (r.error != kSuccess) return r.error;
  return WriteFilestat(out, r.stat, abi);
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
  // The broker checks fst_flags (EINVAL) before resolving the path.
  return broker_->SetTimes(dir->dir_handle, std::move(p),
                           (flags & kLookupSymlinkFollow) != 0, atim, mtim,
                           fst_flags);
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
  PathReply r = broker_->Readlink(dir->dir_handle, std::move(p));
  if (r.error != kSuccess) return r.error;
  // A target longer than the buffer is truncated, as readlink(2) does.
  const size_t n = std::min<size_t>(r.data.size(), buf_len);
  std::memcpy(b, r.data.data(), n);
  Store<uint32_t>(out, static_cast<uint32_t>(n));
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
  return broker_->Mkdir(dir->dir_handle, std::move(p));
}

uint16_t WasiHost::PathRemoveDirectory(uint32_t fd, uint32_t path,
                                       uint32_t len) {
  FdEntry* dir;
  if (uint16_t err = GetDir(fd, &dir)) return err;
  std::string p;
  if (uint16_t err = ReadPath(path, len, &p)) return err;
  if (dir->read_only) return kRofs;
  if (!(dir->rights_base & kPathRemoveDirectory)) return kNotcapable;
  return broker_->Rmdir(dir->dir_handle, std::move(p));
}

uint16_t WasiHost::PathUnlinkFile(uint32_t fd, uint32_t path, uint32_t len) {
  FdEntry* dir;
  if (uint16_t err = GetDir(fd, &dir)) return err;
  std::string p;
  if (uint16_t err = ReadPath(path, len, &p)) return err;
  if (dir->read_only) return kRofs;
  if (!(dir->rights_base & kPathUnlinkFile)) return kNotcapable;
  return broker_->Unlink(dir->dir_handle, std::move(p));
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
  return broker_->Rename(old_dir->dir_handle, std::move(op),
                         new_dir->dir_handle, std::move(np));
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
  return broker_->Symlink(std::move(target), dir->dir_handle, std::move(np));
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
  return broker_->Link(old_dir->dir_handle, std::move(op),
                       (old_flags & kLookupSymlinkFollow) != 0,
                       new_dir->dir_handle, std::move(np));
}

}  // namespace airlock::sandbox::wasi_internal
