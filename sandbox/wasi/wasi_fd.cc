// WASI fd_* calls (see the top of wasi.cc for the rules they follow).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "sandbox/wasi/wasi_internal.h"

namespace airlock::sandbox::wasi_internal {
namespace {

// Layout of Linux's getdents64 records.
struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

uint8_t FiletypeFromDirentType(unsigned char type) {
  switch (type) {
    case DT_REG:
      return kFiletypeRegularFile;
    case DT_DIR:
      return kFiletypeDirectory;
    case DT_LNK:
      return kFiletypeSymbolicLink;
    case DT_CHR:
      return kFiletypeCharacterDevice;
    case DT_BLK:
      return kFiletypeBlockDevice;
    case DT_SOCK:
      return kFiletypeSocketStream;
    default:
      return kFiletypeUnknown;
  }
}

}  // namespace

// ---- fds ----

uint16_t WasiHost::HostFd(FdEntry& e, int* out) {
  if (e.host < 0) {
    // Only a preopen lacks one: ask the broker for the grant folder itself.
    if (e.dir_handle == kNoDirHandle) return kBadf;
    PathReply r =
        broker_->Open(e.dir_handle, ".", O_RDONLY | O_DIRECTORY | O_NOCTTY,
                      /*want_dir_handle=*/false);
    if (r.error != kSuccess) return r.error;
    e.host = r.fd;
  }
  *out = e.host;
  return kSuccess;
}

uint16_t WasiHost::FdClose(uint32_t fd) {
  if (Get(fd) == nullptr) return kBadf;
  fds_[fd].reset();
  return kSuccess;
}

uint16_t WasiHost::FdRenumber(uint32_t from, uint32_t to) {
  if (Get(from) == nullptr || Get(to) == nullptr) return kBadf;
  if (from == to) return kSuccess;
  fds_[to] = std::move(fds_[from]);
  return kSuccess;
}

uint16_t WasiHost::FdDatasync(uint32_t fd) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  if (e->kind != FdEntry::Kind::kHost) return kInval;
  int host;
  if (uint16_t err = HostFd(*e, &host)) return err;
  return fdatasync(host) == 0 ? kSuccess : FromHostErrno(errno);
}

uint16_t WasiHost::FdSync(uint32_t fd) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  if (e->kind != FdEntry::Kind::kHost) return kInval;
  int host;
  if (uint16_t err = HostFd(*e, &host)) return err;
  return fsync(host) == 0 ? kSuccess : FromHostErrno(errno);
}

uint16_t WasiHost::FdAdvise(uint32_t fd, uint64_t offset, uint64_t len,
                            uint32_t advice) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  static constexpr int kAdvice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL,
                                    POSIX_FADV_RANDOM,   POSIX_FADV_WILLNEED,
                                    POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
  if (advice >= std::size(kAdvice)) return kInval;
  if (e->kind != FdEntry::Kind::kHost) return kSpipe;
  if (e->is_dir()) return kIsdir;
  if (offset > INT64_MAX || len > INT64_MAX) return kInval;
  int r = posix_fadvise(e->host, static_cast<off_t>(offset),
                        static_cast<off_t>(len), kAdvice[advice]);
  return FromHostErrno(r);
}

uint16_t WasiHost::FdAllocate(uint32_t fd, uint64_t offset, uint64_t len) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  if (e->kind != FdEntry::Kind::kHost) return kSpipe;
  if (e->is_dir()) return kIsdir;
  if (!(e->rights_base & kFdAllocate)) return kBadf;
  if (offset > INT64_MAX || len > INT64_MAX - offset) return kFbig;
  int r = posix_fallocate(e->host, static_cast<off_t>(offset),
                          static_cast<off_t>(len));
  return FromHostErrno(r);
}

uint16_t WasiHost::FdFdstatGet(uint32_t fd, uint32_t out) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  uint8_t* p = Mem(out, 24);
  if (p == nullptr) return kFault;
  uint16_t flags = e->stdio_flags;
  // A preopen without a host fd yet has none of these flags (HostFd opens
  // it without them, and setting any first obtains the fd).
  if (e->kind == FdEntry::Kind::kHost && e->host >= 0) {
    int fl = fcntl(e->host, F_GETFL);
    if (fl < 0) return FromHostErrno(errno);
    flags = 0;
    if (fl & O_APPEND) flags |= kFdflagAppend;
    if (fl & O_NONBLOCK) flags |= kFdflagNonblock;
    if ((fl & O_SYNC) == O_SYNC) {
      flags |= kFdflagSync;
    } else if (fl & O_DSYNC) {
      flags |= kFdflagDsync;
    }
  }
  std::memset(p, 0, 24);
  p[0] = e->filetype;
  std::memcpy(p + 2, &flags, 2);
  std::memcpy(p + 8, &e->rights_base, 8);
  std::memcpy(p + 16, &e->rights_inheriting, 8);
  return kSuccess;
}

uint16_t WasiHost::FdFdstatSetFlags(uint32_t fd, uint32_t flags) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  if (flags & ~uint32_t{kFdflagsAll}) return kInval;
  if (e->kind != FdEntry::Kind::kHost) {
    // Stdio is served by callbacks: the flags are recorded, not acted on.
    e->stdio_flags = static_cast<uint16_t>(flags);
    return kSuccess;
  }
  int host;
  if (uint16_t err = HostFd(*e, &host)) return err;
  int fl = fcntl(host, F_GETFL);
  if (fl < 0) return FromHostErrno(errno);
  // Linux cannot change the sync flags of an open file (F_SETFL ignores
  // them); refuse rather than pretend.
  int want_sync = 0;
  if (flags & (kFdflagSync | kFdflagRsync)) {
    want_sync = O_SYNC;
  } else if (flags & kFdflagDsync) {
    want_sync = O_DSYNC;
  }
  if ((fl & O_SYNC) != want_sync) return kNotsup;
  int nfl = fl & ~(O_APPEND | O_NONBLOCK);
  if (flags & kFdflagAppend) nfl |= O_APPEND;
  if (flags & kFdflagNonblock) nfl |= O_NONBLOCK;
  if (fcntl(host, F_SETFL, nfl) != 0) return FromHostErrno(errno);
  return kSuccess;
}

uint16_t WasiHost::FdFdstatSetRights(uint32_t fd, uint64_t base,
                                     uint64_t inheriting) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  // Rights can only be dropped.
  if ((base & ~e->rights_base) || (inheriting & ~e->rights_inheriting)) {
    return kNotcapable;
  }
  e->rights_base = base;
  e->rights_inheriting = inheriting;
  return kSuccess;
}

uint16_t WasiHost::WriteFilestat(uint32_t out, const StatFields& st, Abi abi) {
  uint8_t* p = Mem(out, abi == Abi::kPreview1 ? 64 : 56);
  if (p == nullptr) return kFault;
  const uint64_t dev = st.dev, ino = st.ino, size = st.size;
  const uint64_t atim = st.atim_ns, mtim = st.mtim_ns, ctim = st.ctim_ns;
  const uint8_t type = FiletypeFromMode(st.mode);
  std::memset(p, 0, abi == Abi::kPreview1 ? 64 : 56);
  std::memcpy(p + 0, &dev, 8);
  std::memcpy(p + 8, &ino, 8);
  p[16] = type;
  if (abi == Abi::kPreview1) {
    const uint64_t nlink = st.nlink;
    std::memcpy(p + 24, &nlink, 8);
    std::memcpy(p + 32, &size, 8);
    std::memcpy(p + 40, &atim, 8);
    std::memcpy(p + 48, &mtim, 8);
    std::memcpy(p + 56, &ctim, 8);
  } else {
    const uint32_t nlink =
        static_cast<uint32_t>(std::min<uint64_t>(st.nlink, UINT32_MAX));
    std::memcpy(p + 20, &nlink, 4);
    std::memcpy(p + 24, &size, 8);
    std::memcpy(p + 32, &atim, 8);
    std::memcpy(p + 40, &mtim, 8);
    std::memcpy(p + 48, &ctim, 8);
  }
  return kSuccess;
}

uint16_t WasiHost::FdFilestatGet(uint32_t fd, uint32_t out, Abi abi) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  StatFields fields;  // stdio: a stream with no host identity; all zero
  if (e->kind == FdEntry::Kind::kHost) {
    int host;
    if (uint16_t err = HostFd(*e, &host)) return err;
    struct stat st;
    if (fstat(host, &st) != 0) return FromHostErrno(errno);
    fields = ToStatFields(st);
  }
  return WriteFilestat(out, fields, abi);
}

uint16_t WasiHost::FdFilestatSetSize(uint32_t fd, uint64_t size) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  if (e->kind != FdEntry::Kind::kHost) return kInval;
  if (e->is_dir()) return kIsdir;
  if (!(e->rights_base & kFdFilestatSetSize)) return kBadf;
  if (size > INT64_MAX) return kFbig;
  return ftruncate(e->host, static_cast<off_t>(size)) == 0
             ? kSuccess
             : FromHostErrno(errno);
}

// The timespec pair for utimensat/futimens from WASI fstflags.
uint16_t Times(uint64_t atim, uint64_t mtim, uint32_t flags, timespec ts[2]) {
  if ((flags & kFstAtim) && (flags & kFstAtimNow)) return kInval;
  if ((flags & kFstMtim) && (flags & kFstMtimNow)) return kInval;
  if (flags & ~uint32_t{0xf}) return kInval;
  ts[0] = FromNanos(atim);
  ts[1] = FromNanos(mtim);
  if (flags & kFstAtimNow) ts[0].tv_nsec = UTIME_NOW;
  if (!(flags & (kFstAtim | kFstAtimNow))) ts[0].tv_nsec = UTIME_OMIT;
  if (flags & kFstMtimNow) ts[1].tv_nsec = UTIME_NOW;
  if (!(flags & (kFstMtim | kFstMtimNow))) ts[1].tv_nsec = UTIME_OMIT;
  return kSuccess;
}

uint16_t WasiHost::FdFilestatSetTimes(uint32_t fd, uint64_t atim, uint64_t mtim,
                                      uint32_t flags) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  if (e->kind != FdEntry::Kind::kHost) return kInval;
  if (e->read_only) return kRofs;
  if (!(e->rights_base & kFdFilestatSetTimes)) return kBadf;
  timespec ts[2];
  if (uint16_t err = Times(atim, mtim, flags, ts)) return err;
  int host;
  if (uint16_t err = HostFd(*e, &host)) return err;
  return futimens(host, ts) == 0 ? kSuccess : FromHostErrno(errno);
}

uint16_t WasiHost::WriteStdio(FdEntry::Kind kind, const std::vector<iovec>& iov,
                              uint64_t* written) {
  const auto& sink = kind == FdEntry::Kind::kStdout ? config_.write_stdout
                                                    : config_.write_stderr;
  uint64_t total = 0;
  for (const iovec& v : iov) total += v.iov_len;
  *written = total;
  if (!sink || total == 0) return kSuccess;  // no sink: output discarded
  // The sink may block (a reader that does not keep up); like a stdin read,
  // a write that ends after the interrupt (the timeout) ends the run with
  // the timeout trap, whatever the sink returned.
  auto send = [&](std::string_view data) -> uint16_t {
    const bool ok = sink(data);
    if (Interrupted()) {
      trap_ = AIRLOCK_TRAP_TIMEOUT;
      return kIntr;
    }
    return ok ? kSuccess : kIo;
  };
  if (iov.size() == 1 || total <= kStdioConcatLimit) {
    std::string chunk;
    chunk.reserve(total);
    for (const iovec& v : iov) {
      chunk.append(static_cast<const char*>(v.iov_base), v.iov_len);
    }
    return send(chunk);
  }
  for (const iovec& v : iov) {
    if (uint16_t err = send(std::string_view(
            static_cast<const char*>(v.iov_base), v.iov_len))) {
      return err;
    }
  }
  return kSuccess;
}

uint16_t WasiHost::FdWrite(uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                           uint32_t out) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  if (e->is_dir()) return kIsdir;
  if (!(e->rights_base & kFdWrite)) return kBadf;
  std::vector<iovec> iov;
  if (uint16_t err = Iovecs(iovs, iovs_len, &iov)) return err;
  if (Mem(out, 4) == nullptr) return kFault;
  uint64_t written = 0;
  if (e->kind == FdEntry::Kind::kHost) {
    ssize_t n;
    do {
      n = writev(e->host, iov.data(), static_cast<int>(iov.size()));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return FromHostErrno(errno);
    written = static_cast<uint64_t>(n);
  } else {
    if (uint16_t err = WriteStdio(e->kind, iov, &written)) return err;
  }
  Store<uint32_t>(out, static_cast<uint32_t>(written));
  return kSuccess;
}

uint16_t WasiHost::FdRead(uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                          uint32_t out) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  if (e->is_dir()) return kIsdir;
  if (!(e->rights_base & kFdRead)) return kBadf;
  std::vector<iovec> iov;
  if (uint16_t err = Iovecs(iovs, iovs_len, &iov)) return err;
  if (Mem(out, 4) == nullptr) return kFault;
  uint64_t read_bytes = 0;
  if (e->kind == FdEntry::Kind::kHost) {
    ssize_t n;
    do {
      n = readv(e->host, iov.data(), static_cast<int>(iov.size()));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return FromHostErrno(errno);
    read_bytes = static_cast<uint64_t>(n);
  } else if (config_.read_stdin && !iov.empty()) {
    if (Interrupted()) {
      trap_ = AIRLOCK_TRAP_TIMEOUT;
      return kIntr;
    }
    // One call: the callback may block, so never wait for more once some
    // data arrived.
    int64_t n = config_.read_stdin(static_cast<uint8_t*>(iov[0].iov_base),
                                   iov[0].iov_len);
    if (Interrupted()) {
      trap_ = AIRLOCK_TRAP_TIMEOUT;
      return kIntr;
    }
    if (n < 0) return kIo;
    read_bytes = std::min<uint64_t>(static_cast<uint64_t>(n), iov[0].iov_len);
  }
  Store<uint32_t>(out, static_cast<uint32_t>(read_bytes));
  return kSuccess;
}

uint16_t WasiHost::FdPread(uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                           uint64_t offset, uint32_t out) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  if (e->kind != FdEntry::Kind::kHost) return kSpipe;
  if (e->is_dir()) return kIsdir;
  if (!(e->rights_base & kFdRead)) return kBadf;
  if (offset > INT64_MAX) return kInval;
  std::vector<iovec> iov;
  if (uint16_t err = Iovecs(iovs, iovs_len, &iov)) return err;
  if (Mem(out, 4) == nullptr) return kFault;
  ssize_t n;
  do {
    n = preadv(e->host, iov.data(), static_cast<int>(iov.size()),
               static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return FromHostErrno(errno);
  Store<uint32_t>(out, static_cast<uint32_t>(n));
  return kSuccess;
}

uint16_t WasiHost::FdPwrite(uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                            uint64_t offset, uint32_t out) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  if (e->kind != FdEntry::Kind::kHost) return kSpipe;
  if (e->is_dir()) return kIsdir;
  if (!(e->rights_base & kFdWrite)) return kBadf;
  if (offset > INT64_MAX) return kInval;
  std::vector<iovec> iov;
  if (uint16_t err = Iovecs(iovs, iovs_len, &iov)) return err;
  if (Mem(out, 4) == nullptr) return kFault;
  // With O_APPEND Linux writes at the end, ignoring `offset`; the current
  // position is unchanged either way.
  ssize_t n;
  do {
    n = pwritev(e->host, iov.data(), static_cast<int>(iov.size()),
                static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return FromHostErrno(errno);
  Store<uint32_t>(out, static_cast<uint32_t>(n));
  return kSuccess;
}

uint16_t WasiHost::FdSeek(uint32_t fd, int64_t offset, uint32_t whence,
                          uint32_t out, Abi abi) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  int host_whence;
  // preview1: set=0 cur=1 end=2; snapshot 0: cur=0 end=1 set=2.
  static constexpr int kPreview1[] = {SEEK_SET, SEEK_CUR, SEEK_END};
  static constexpr int kUnstable[] = {SEEK_CUR, SEEK_END, SEEK_SET};
  if (whence > 2) return kInval;
  host_whence = abi == Abi::kPreview1 ? kPreview1[whence] : kUnstable[whence];
  if (e->kind != FdEntry::Kind::kHost) return kSpipe;
  if (e->is_dir()) return kIsdir;
  if (Mem(out, 8) == nullptr) return kFault;
  off_t r = lseek(e->host, static_cast<off_t>(offset), host_whence);
  if (r < 0) return FromHostErrno(errno);
  Store<uint64_t>(out, static_cast<uint64_t>(r));
  return kSuccess;
}

uint16_t WasiHost::FdTell(uint32_t fd, uint32_t out) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  if (e->kind != FdEntry::Kind::kHost) return kSpipe;
  if (e->is_dir()) return kIsdir;
  if (Mem(out, 8) == nullptr) return kFault;
  off_t r = lseek(e->host, 0, SEEK_CUR);
  if (r < 0) return FromHostErrno(errno);
  Store<uint64_t>(out, static_cast<uint64_t>(r));
  return kSuccess;
}

uint16_t WasiHost::FdPrestatGet(uint32_t fd, uint32_t out) {
  FdEntry* e = Get(fd);
  if (e == nullptr || !e->preopen_name) return kBadf;
  uint8_t* p = Mem(out, 8);
  if (p == nullptr) return kFault;
  const uint32_t len = static_cast<uint32_t>(e->preopen_name->size());
  std::memset(p, 0, 8);  // tag 0: a directory
  std::memcpy(p + 4, &len, 4);
  return kSuccess;
}

uint16_t WasiHost::FdPrestatDirName(uint32_t fd, uint32_t path, uint32_t len) {
  FdEntry* e = Get(fd);
  if (e == nullptr || !e->preopen_name) return kBadf;
  uint8_t* p = Mem(path, len);
  if (p == nullptr) return kFault;
  if (len < e->preopen_name->size()) return kNametoolong;
  std::memcpy(p, e->preopen_name->data(), e->preopen_name->size());
  return kSuccess;
}

uint16_t WasiHost::SnapshotDir(FdEntry& e) {
  std::vector<DirEntryInfo> entries;
  int host;
  if (uint16_t err = HostFd(e, &host)) return err;
  if (lseek(host, 0, SEEK_SET) < 0) return FromHostErrno(errno);
  alignas(8) char buf[16384];
  for (;;) {
    long n = syscall(SYS_getdents64, host, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return FromHostErrno(errno);
    }
    if (n == 0) break;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<LinuxDirent64*>(buf + off);
      DirEntryInfo info{d->d_name, d->d_ino, FiletypeFromDirentType(d->d_type)};
      // Some filesystems do not report types: ask the broker (`.` and
      // `..` are directories; `..` of a grant is not the broker's to stat).
      if (info.name == "." || info.name == "..") {
        info.type = kFiletypeDirectory;
      } else if (d->d_type == DT_UNKNOWN) {
        PathReply r = broker_->Stat(e.dir_handle, info.name,
                                    /*follow_symlinks=*/false);
        if (r.error == kSuccess) info.type = FiletypeFromMode(r.stat.mode);
      }
      entries.push_back(std::move(info));
      off += d->d_reclen;
    }
  }
  e.dir_snapshot = std::move(entries);
  return kSuccess;
}

uint16_t WasiHost::FdReaddir(uint32_t fd, uint32_t buf, uint32_t buf_len,
                             uint64_t cookie, uint32_t out) {
  FdEntry* e = Get(fd);
  if (e == nullptr) return kBadf;
  if (!e->is_dir()) return kNotdir;
  if (!(e->rights_base & kFdReaddir)) return kBadf;
  uint8_t* p = Mem(buf, buf_len);
  if (p == nullptr || Mem(out, 4) == nullptr) return kFault;
  // Cookie 0 starts over (rewinddir): take a fresh snapshot. Other cookies
  // continue the snapshot they came from.
  if (cookie == 0 || !e->dir_snapshot) {
    if (uint16_t err = SnapshotDir(*e)) return err;
  }
  const std::vector<DirEntryInfo>& entries = *e->dir_snapshot;
  uint64_t used = 0;
  // Entries are written whole while they fit; the first one that does not
  // is written truncated to fill the buffer exactly, which tells the guest
  // there is more (bufused == buf_len) and lets it retry with a larger one.
  for (uint64_t i = cookie; i < entries.size() && used < buf_len; ++i) {
    const DirEntryInfo& d = entries[i];
    uint8_t header[24] = {};
    const uint64_t next = i + 1;
    const uint32_t namlen = static_cast<uint32_t>(d.name.size());
    std::memcpy(header + 0, &next, 8);
    std::memcpy(header + 8, &d.ino, 8);
    std::memcpy(header + 16, &namlen, 4);
    header[20] = d.type;
    uint64_t n = std::min<uint64_t>(sizeof(header), buf_len - used);
    std::memcpy(p + used, header, n);
    used += n;
    n = std::min<uint64_t>(d.name.size(), buf_len - used);
    std::memcpy(p + used, d.name.data(), n);
    used += n;
  }
  Store<uint32_t>(out, static_cast<uint32_t>(used));
  return kSuccess;
}

}  // namespace airlock::sandbox::wasi_internal
