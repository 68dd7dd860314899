// WASI preview1 host. See wasi.h for the public contract; this file states
// the errno choices and the capability checks.
//
// Capability model
// - The guest sees exactly: WasiConfig::args, WasiConfig::env, fds 0-2 bound
//   to the stdio callbacks, and one preopened directory per DirGrant (fds 3,
//   4, ... in grant order; the prestat name is DirGrant::guest_path).
// - The host resolves no path itself: every path_* call is one PathBroker
//   request (path_broker.h) relative to a directory handle. Preopen i uses
//   grant handle i; a directory the guest opens gets a handle of its own
//   from the broker, released when its guest fd is closed or replaced.
//   WasiConfig::broker may be a broker in another process; by default
//   WasiContext::Create opens the grants in a DirectPathBroker.
// - The broker resolves every path beneath its handle's directory with
//   openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS). `..` above that
//   directory, absolute paths and symlinks whose target leaves it (absolute
//   targets always do) fail with ENOTCAPABLE. There is no fallback: on a
//   kernel without openat2 (Linux < 5.6) DirectPathBroker::Create (so
//   WasiContext::Create) refuses folder grants, and any path call that
//   still meets ENOSYS returns ENOSYS to the guest. How each op resolves
//   its path is stated at the top of direct_path_broker.cc.
// - fd_* calls act on host fds the guest already holds (read, write, fstat,
//   getdents, futimens, ...). A preopen has none until a call needs one
//   (fd_readdir, fd_filestat_get, fd_filestat_set_times, fd_sync,
//   fd_datasync, fd_fdstat_set_flags): the host then asks the broker for
//   kOpen of "." with O_RDONLY | O_DIRECTORY on the grant handle and keeps
//   the fd. fd_readdir meeting an entry of unknown type asks the broker to
//   stat it.
//
// Read-only grants (DirGrant::read_only)
// - The host refuses what follows before asking the broker (so errno order
//   does not depend on the broker), and the broker refuses it again: it
//   does not trust its caller.
// - Files beneath them are opened O_RDONLY. Creating, truncating, opening
//   with a write right (fd_write, fd_allocate, fd_filestat_set_size) or with
//   O_APPEND, mkdir, unlink, rmdir, rename, symlink, link and setting times
//   fail with EROFS (69), like a read-only mount: the guest learns why.
// - Reported rights: fds beneath a read-only grant never carry a write right
//   in fs_rights_base (files: no fd_write/fd_allocate/fd_filestat_set_size/
//   fd_filestat_set_times; directories: no path_create_*/path_unlink_file/
//   path_remove_directory/path_rename_*/path_symlink/path_link_*/
//   path_filestat_set_*). Their fs_rights_inheriting does list the file
//   write rights: wasi-libc masks the rights it requests in path_open with
//   the directory's inheriting rights, so hiding them would turn
//   open(O_WRONLY) into a silent read-only open whose writes fail later
//   with EBADF. Listing them lets the request reach path_open, which refuses
//   it with EROFS. Inheriting rights are an upper bound of what may be
//   requested, not a grant.
// - rename and link need both sides in read-write grants (they may be two
//   different grants; each side is resolved beneath its own directory fd).
//
// Other errno choices
// - Bad guest pointers: any (ptr, len) not inside memory[0, size) (checked in
//   64-bit arithmetic, so no wrap-around) -> EFAULT (21); nothing is read or
//   written outside guest memory. With no memory bound (the module exports
//   none) every call that needs memory returns EFAULT.
// - More than 1024 iovecs -> EINVAL (Linux's IOV_MAX). One read or write
//   moves at most 0x7ffff000 bytes (Linux's MAX_RW_COUNT): a short count.
// - fd-level rights missing (fd_read on a write-only fd, fd_write on a
//   read-only one, ...) -> EBADF, as POSIX read/write report it; directory
//   rights missing on a path call -> ENOTCAPABLE (76).
// - Paths containing NUL -> EINVAL; longer than 4096 bytes -> ENAMETOOLONG.
// - Opening a FIFO, socket or device beneath a grant -> ENOTSUP (58): their
//   opens and reads could block the host thread beyond the reach of the
//   timeout.
// - sock_shutdown: EBADF for a closed fd, ENOTSOCK (57) otherwise (there are
//   no sockets); sock_accept/sock_recv/sock_send: EBADF for a closed fd,
//   ENOTSUP otherwise. proc_raise: ENOSYS.
// - More than 1024 open fds -> EMFILE; poll_oneoff with 0 or more than
//   65536 subscriptions -> EINVAL.
//
// Stdio: fds 0-2 are streams (filetype unknown, not a tty, not seekable).
// fd_write on 1/2 calls write_stdout/write_stderr once per call (iovecs
// concatenated up to 64 KiB, then once per iovec); a callback returning
// false makes the write fail with EIO; one that returns after the interrupt
// flag was set (it blocked past the timeout) ends the run with the timeout
// trap. A missing callback discards output.
// fd_read on 0 calls read_stdin once (into the first non-empty iovec); a
// missing read_stdin reads as EOF.
//
// Blocking: poll_oneoff sleeps in slices of at most 5 ms and, like a stdin
// read, returns the trap AIRLOCK_TRAP_TIMEOUT when the instance header's
// `interrupt` flag is set. proc_exit stores the code in header->exit_code
// and returns AIRLOCK_TRAP_EXIT.
//
// "wasi_unstable" (snapshot 0) is served too: every function whose
// signature and memory layout are identical, plus fd_seek (other whence
// numbering), fd_filestat_get/path_filestat_get (32-bit nlink) and
// poll_oneoff (clock subscriptions carry an identifier) translated.
//
// Thread safety: one WasiContext serves one instance on one thread at a
// time. Host functions hold a reference to the context's state, so a host
// function outliving the WasiContext is safe (its fds close last).
#include "sandbox/wasi/wasi.h"

#include <sched.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sandbox/wasi/direct_path_broker.h"
#include "sandbox/wasi/wasi_internal.h"

namespace airlock::sandbox {
namespace wasi_internal {

// The Linux errno for each WASI errno, indexed by the WASI value (the witx
// enum order; 0 is success, 76 ENOTCAPABLE has no Linux counterpart).
// clang-format off
constexpr int kHostErrnoByWasi[] = {
    0, E2BIG, EACCES, EADDRINUSE, EADDRNOTAVAIL, EAFNOSUPPORT,
    EAGAIN, EALREADY, EBADF, EBADMSG, EBUSY, ECANCELED,
    ECHILD, ECONNABORTED, ECONNREFUSED, ECONNRESET, EDEADLK, EDESTADDRREQ,
    EDOM, EDQUOT, EEXIST, EFAULT, EFBIG, EHOSTUNREACH,
    EIDRM, EILSEQ, EINPROGRESS, EINTR, EINVAL, EIO,
    EISCONN, EISDIR, ELOOP, EMFILE, EMLINK, EMSGSIZE,
    EMULTIHOP, ENAMETOOLONG, ENETDOWN, ENETRESET, ENETUNREACH, ENFILE,
    ENOBUFS, ENODEV, ENOENT, ENOEXEC, ENOLCK, ENOLINK,
    ENOMEM, ENOMSG, ENOPROTOOPT, ENOSPC, ENOSYS, ENOTCONN,
    ENOTDIR, ENOTEMPTY, ENOTRECOVERABLE, ENOTSOCK, ENOTSUP, ENOTTY,
    ENXIO, EOVERFLOW, EOWNERDEAD, EPERM, EPIPE, EPROTO,
    EPROTONOSUPPORT, EPROTOTYPE, ERANGE, EROFS, ESPIPE, ESRCH,
    ESTALE, ETIMEDOUT, ETXTBSY, EXDEV,
};
// clang-format on
static_assert(std::size(kHostErrnoByWasi) == kNotcapable);

// WASI errno for a Linux errno; EIO for one WASI cannot express.
uint16_t FromHostErrno(int e) {
  if (e == EWOULDBLOCK) e = EAGAIN;
  if (e == EOPNOTSUPP) e = ENOTSUP;
  if (e == EDEADLOCK) e = EDEADLK;
  for (size_t i = 0; i < std::size(kHostErrnoByWasi); ++i) {
    if (kHostErrnoByWasi[i] == e) return static_cast<uint16_t>(i);
  }
  return kIo;
}

uint8_t FiletypeFromMode(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return kFiletypeRegularFile;
    case S_IFDIR:
      return kFiletypeDirectory;
    case S_IFLNK:
      return kFiletypeSymbolicLink;
    case S_IFCHR:
      return kFiletypeCharacterDevice;
    case S_IFBLK:
      return kFiletypeBlockDevice;
    case S_IFSOCK:
      return kFiletypeSocketStream;
    default:
      return kFiletypeUnknown;
  }
}

StatFields ToStatFields(const struct stat& st) {
  StatFields f;
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  f.mode = st.st_mode;
  f.nlink = st.st_nlink;
  f.size = static_cast<uint64_t>(st.st_size);
  f.atim_ns = ToNanos(st.st_atim);
  f.mtim_ns = ToNanos(st.st_mtim);
  f.ctim_ns = ToNanos(st.st_ctim);
  return f;
}

uint64_t ToNanos(const timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull +
         static_cast<uint64_t>(ts.tv_nsec);
}

timespec FromNanos(uint64_t ns) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000ull);
  ts.tv_nsec = static_cast<long>(ns % 1'000'000'000ull);
  return ts;
}

namespace {

uint64_t MonotonicNow() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ToNanos(ts);
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

}  // namespace

std::string GrantName(const DirGrant& grant) {
  return absl::StrCat("folder grant '", grant.host_path, "' (as '",
                      grant.guest_path, "')");
}

absl::Status CheckGuestPath(const DirGrant& grant) {
  if (grant.guest_path.empty() ||
      grant.guest_path.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        GrantName(grant), ": the guest path must be a non-empty string"));
  }
  return absl::OkStatus();
}

absl::Status WasiHost::Init() {
  for (auto kind : {FdEntry::Kind::kStdin, FdEntry::Kind::kStdout,
                    FdEntry::Kind::kStderr}) {
    auto e = std::make_unique<FdEntry>();
    e->kind = kind;
    e->filetype = kFiletypeUnknown;
    e->rights_base =
        kind == FdEntry::Kind::kStdin ? kStdinRights : kStdoutRights;
    fds_.push_back(std::move(e));
  }
  if (config_.broker != nullptr) {
    for (const DirGrant& grant : config_.dirs) {
      if (absl::Status s = CheckGuestPath(grant); !s.ok()) return s;
    }
    broker_ = config_.broker;
  } else {
    absl::StatusOr<std::unique_ptr<DirectPathBroker>> direct =
        DirectPathBroker::Create(config_.dirs);
    if (!direct.ok()) return direct.status();
    broker_ = *std::move(direct);
  }
  for (size_t i = 0; i < config_.dirs.size(); ++i) {
    const DirGrant& grant = config_.dirs[i];
    auto entry = std::make_unique<FdEntry>();
    // No host fd: path calls go to the broker with the grant's handle, and
    // a real directory fd is asked for only when a call needs one (HostFd).
    entry->dir_handle = static_cast<uint32_t>(i);
    entry->broker = broker_.get();
    entry->filetype = kFiletypeDirectory;
    entry->read_only = grant.read_only;
    entry->rights_base = grant.read_only ? kDirRightsRo : kDirRightsRw;
    // See the header comment: file write rights are listed as requestable
    // even under a read-only grant so a write request reaches path_open and
    // fails there with EROFS.
    entry->rights_inheriting =
        (grant.read_only ? kDirRightsRo : kDirRightsRw) | kFileRightsRw;
    entry->preopen_name = grant.guest_path;
    fds_.push_back(std::move(entry));
  }
  return absl::OkStatus();
}

int64_t WasiHost::Allocate(std::unique_ptr<FdEntry> entry) {
  for (size_t i = 0; i < fds_.size(); ++i) {
    if (fds_[i] == nullptr) {
      fds_[i] = std::move(entry);
      return static_cast<int64_t>(i);
    }
  }
  if (fds_.size() >= kMaxFds) return -1;
  fds_.push_back(std::move(entry));
  return static_cast<int64_t>(fds_.size() - 1);
}

uint16_t WasiHost::ReadPath(uint32_t ptr, uint32_t len, std::string* out) {
  const uint8_t* p = Mem(ptr, len);
  if (p == nullptr) return kFault;
  if (len > kMaxPath) return kNametoolong;
  if (std::memchr(p, 0, len) != nullptr) return kInval;
  out->assign(reinterpret_cast<const char*>(p), len);
  return kSuccess;
}

uint16_t WasiHost::Iovecs(uint32_t iovs, uint32_t iovs_len,
                          std::vector<iovec>* out) {
  if (iovs_len > kMaxIovecs) return kInval;
  const uint8_t* arr = Mem(iovs, uint64_t{iovs_len} * 8);
  if (arr == nullptr) return kFault;
  out->clear();
  out->reserve(iovs_len);
  uint64_t total = 0;
  for (uint32_t i = 0; i < iovs_len; ++i) {
    uint32_t buf = LoadFrom<uint32_t>(arr + 8 * i);
    uint32_t len = LoadFrom<uint32_t>(arr + 8 * i + 4);
    uint8_t* p = Mem(buf, len);
    if (p == nullptr) return kFault;
    // Keep one transfer within what the result (u32) and Linux allow.
    uint64_t take = std::min<uint64_t>(len, kMaxTransfer - total);
    if (take > 0) out->push_back({p, static_cast<size_t>(take)});
    total += take;
  }
  return kSuccess;
}

// ---- args, environ ----

uint16_t WasiHost::ArgsSizesGet(uint32_t argc_ptr, uint32_t size_ptr) {
  uint64_t size = 0;
  for (const std::string& a : config_.args) size += a.size() + 1;
  if (Mem(argc_ptr, 4) == nullptr || Mem(size_ptr, 4) == nullptr) {
    return kFault;
  }
  Store<uint32_t>(argc_ptr, static_cast<uint32_t>(config_.args.size()));
  Store<uint32_t>(size_ptr, static_cast<uint32_t>(size));
  return kSuccess;
}

namespace {
// Writes `strings` NUL-terminated into buf and their addresses into ptrs.
template <typename Mem>
uint16_t WriteStringList(const std::vector<std::string>& strings, uint32_t ptrs,
                         uint32_t buf, const Mem& mem) {
  uint64_t size = 0;
  for (const std::string& s : strings) size += s.size() + 1;
  uint8_t* p = mem(ptrs, uint64_t{strings.size()} * 4);
  uint8_t* b = mem(buf, size);
  if (p == nullptr || b == nullptr) return kFault;
  uint64_t offset = 0;
  for (size_t i = 0; i < strings.size(); ++i) {
    uint32_t addr = static_cast<uint32_t>(buf + offset);
    std::memcpy(p + 4 * i, &addr, 4);
    std::memcpy(b + offset, strings[i].data(), strings[i].size());
    b[offset + strings[i].size()] = 0;
    offset += strings[i].size() + 1;
  }
  return kSuccess;
}

std::vector<std::string> EnvStrings(const WasiConfig& config) {
  std::vector<std::string> out;
  out.reserve(config.env.size());
  for (const auto& [k, v] : config.env) out.push_back(absl::StrCat(k, "=", v));
  return out;
}
}  // namespace

uint16_t WasiHost::ArgsGet(uint32_t argv_ptr, uint32_t buf_ptr) {
  return WriteStringList(config_.args, argv_ptr, buf_ptr,
                         [this](uint64_t p, uint64_t n) { return Mem(p, n); });
}

uint16_t WasiHost::EnvironSizesGet(uint32_t count_ptr, uint32_t size_ptr) {
  uint64_t size = 0;
  for (const auto& [k, v] : config_.env) size += k.size() + v.size() + 2;
  if (Mem(count_ptr, 4) == nullptr || Mem(size_ptr, 4) == nullptr) {
    return kFault;
  }
  Store<uint32_t>(count_ptr, static_cast<uint32_t>(config_.env.size()));
  Store<uint32_t>(size_ptr, static_cast<uint32_t>(size));
  return kSuccess;
}

uint16_t WasiHost::EnvironGet(uint32_t env_ptr, uint32_t buf_ptr) {
  return WriteStringList(EnvStrings(config_), env_ptr, buf_ptr,
                         [this](uint64_t p, uint64_t n) { return Mem(p, n); });
}

// ---- clocks, random, sched, proc ----

namespace {
bool HostClock(uint32_t id, clockid_t* out) {
  switch (id) {
    case kClockRealtime:
      *out = CLOCK_REALTIME;
      return true;
    case kClockMonotonic:
      *out = CLOCK_MONOTONIC;
      return true;
    case kClockProcessCputime:
      *out = CLOCK_PROCESS_CPUTIME_ID;
      return true;
    case kClockThreadCputime:
      *out = CLOCK_THREAD_CPUTIME_ID;
      return true;
    default:
      return false;
  }
}
}  // namespace

uint16_t WasiHost::ClockResGet(uint32_t id, uint32_t out) {
  clockid_t clock;
  if (!HostClock(id, &clock)) return kInval;
  timespec ts;
  if (clock_getres(clock, &ts) != 0) return FromHostErrno(errno);
  return Store<uint64_t>(out, ToNanos(ts)) ? kSuccess : kFault;
}

uint16_t WasiHost::ClockTimeGet(uint32_t id, uint64_t /*precision*/,
                                uint32_t out) {
  clockid_t clock;
  if (!HostClock(id, &clock)) return kInval;
  timespec ts;
  if (clock_gettime(clock, &ts) != 0) return FromHostErrno(errno);
  return Store<uint64_t>(out, ToNanos(ts)) ? kSuccess : kFault;
}

uint16_t WasiHost::RandomGet(uint32_t buf, uint32_t len) {
  uint8_t* p = Mem(buf, len);
  if (p == nullptr) return kFault;
  size_t done = 0;
  while (done < len) {
    ssize_t n = getrandom(p + done, len - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FromHostErrno(errno);
    }
    done += static_cast<size_t>(n);
  }
  return kSuccess;
}

uint16_t WasiHost::SchedYield() {
  sched_yield();
  return kSuccess;
}

int WasiHost::ProcExit(uint32_t code) {
  if (header_ != nullptr) header_->exit_code = code;
  return AIRLOCK_TRAP_EXIT;
}

uint16_t WasiHost::SockShutdown(uint32_t fd) {
  // There are no sockets: any open fd is "not a socket".
  return Get(fd) == nullptr ? kBadf : kNotsock;
}

uint16_t WasiHost::SockUnsupported(uint32_t fd) {
  return Get(fd) == nullptr ? kBadf : kNotsup;
}

// ---- poll_oneoff ----

uint16_t WasiHost::PollOneoff(uint32_t in, uint32_t out, uint32_t nsubs,
                              uint32_t nevents_out, Abi abi) {
  if (nsubs == 0 || nsubs > kMaxSubscriptions) return kInval;
  const uint64_t sub_size = abi == Abi::kPreview1 ? 48 : 56;
  // Offset of the clock fields after the tag (snapshot 0 has a u64
  // identifier first).
  const uint64_t clock_off = abi == Abi::kPreview1 ? 16 : 24;
  const uint8_t* subs = Mem(in, uint64_t{nsubs} * sub_size);
  uint8_t* events = Mem(out, uint64_t{nsubs} * 32);
  if (subs == nullptr || events == nullptr || Mem(nevents_out, 4) == nullptr) {
    return kFault;
  }

  struct Event {
    uint64_t userdata;
    uint16_t error;
    uint8_t type;
    uint64_t nbytes;
  };
  struct Clock {
    uint64_t userdata;
    uint64_t deadline;  // CLOCK_MONOTONIC ns
  };
  std::vector<Event> ready;
  std::vector<Clock> clocks;
  const uint64_t now = MonotonicNow();
  for (uint32_t i = 0; i < nsubs; ++i) {
    const uint8_t* s = subs + i * sub_size;
    const uint64_t userdata = LoadFrom<uint64_t>(s);
    const uint8_t tag = s[8];
    if (tag == kEventClock) {
      const uint32_t id = LoadFrom<uint32_t>(s + clock_off);
      const uint64_t timeout = LoadFrom<uint64_t>(s + clock_off + 8);
      const uint16_t flags = LoadFrom<uint16_t>(s + clock_off + 24);
      uint64_t deadline;
      if (id == kClockMonotonic) {
        deadline =
            (flags & kSubclockAbstime) ? timeout : SaturatingAdd(now, timeout);
      } else if (id == kClockRealtime) {
        if (flags & kSubclockAbstime) {
          timespec ts;
          clock_gettime(CLOCK_REALTIME, &ts);
          const uint64_t real = ToNanos(ts);
          deadline = timeout > real ? SaturatingAdd(now, timeout - real) : now;
        } else {
          deadline = SaturatingAdd(now, timeout);
        }
      } else {
        // CPU-time clocks cannot be slept on.
        ready.push_back({userdata,
                         static_cast<uint16_t>(id == kClockProcessCputime ||
                                                       id == kClockThreadCputime
                                                   ? kNotsup
                                                   : kInval),
                         kEventClock, 0});
        continue;
      }
      clocks.push_back({userdata, deadline});
    } else if (tag == kEventFdRead || tag == kEventFdWrite) {
      const uint32_t fd = LoadFrom<uint32_t>(s + 16);
      FdEntry* e = Get(fd);
      Event ev{userdata, kSuccess, tag, 0};
      if (e == nullptr) {
        ev.error = kBadf;
      } else if (e->kind == FdEntry::Kind::kHost) {
        // Regular files and directories never block.
        if (tag == kEventFdRead && e->filetype == kFiletypeRegularFile) {
          struct stat st;
          off_t pos = lseek(e->host, 0, SEEK_CUR);
          if (fstat(e->host, &st) == 0 && pos >= 0 && st.st_size > pos) {
            ev.nbytes = static_cast<uint64_t>(st.st_size - pos);
          }
        }
      } else if ((tag == kEventFdRead) != (e->kind == FdEntry::Kind::kStdin)) {
        ev.error = kBadf;  // reading stdout, writing stdin
      }
      // Stdio callbacks have no readiness API: reported ready; a read may
      // then block in read_stdin, which honours the interrupt itself.
      ready.push_back(ev);
    } else {
      return kInval;
    }
  }

  // Sleep only when nothing is ready: until the earliest deadline, in short
  // slices so an interrupt (timeout) is noticed promptly.
  if (ready.empty() && !clocks.empty()) {
    uint64_t deadline = UINT64_MAX;
    for (const Clock& c : clocks) deadline = std::min(deadline, c.deadline);
    for (;;) {
      if (Interrupted()) {
        trap_ = AIRLOCK_TRAP_TIMEOUT;
        return kIntr;
      }
      const uint64_t t = MonotonicNow();
      if (t >= deadline) break;
      const uint64_t slice_end =
          std::min(deadline, SaturatingAdd(t, kSleepSliceNs));
      timespec ts = FromNanos(slice_end);
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    }
  }
  const uint64_t after = MonotonicNow();
  for (const Clock& c : clocks) {
    if (c.deadline <= after) {
      ready.push_back({c.userdata, kSuccess, kEventClock, 0});
    }
  }
  for (size_t i = 0; i < ready.size(); ++i) {
    uint8_t* ev = events + i * 32;
    std::memset(ev, 0, 32);
    std::memcpy(ev + 0, &ready[i].userdata, 8);
    std::memcpy(ev + 8, &ready[i].error, 2);
    ev[10] = ready[i].type;
    std::memcpy(ev + 16, &ready[i].nbytes, 8);
  }
  Store<uint32_t>(nevents_out, static_cast<uint32_t>(ready.size()));
  return kSuccess;
}

}  // namespace wasi_internal

// ---- The import table ----

namespace {

using wasi_internal::Abi;
using wasi_internal::kNosys;
using wasi_internal::WasiHost;

using HostCall = int (*)(WasiHost& h, const airlock_value* a, airlock_value* r);

struct ImportSpec {
  const char* name;
  const char* type;  // the real preview1 signature
  HostCall call;
};

#define AIRLOCK_WASI_ERRNO(expr)                                     \
  [](WasiHost& h, const airlock_value* a, airlock_value* r) -> int { \
    r[0].i32 = (expr);                                               \
    return h.TakeTrap();                                             \
  }

// Signatures as wasi-libc declares them (checked against its imports).
const ImportSpec kPreview1[] = {
    {"args_get", "ii>i", AIRLOCK_WASI_ERRNO(h.ArgsGet(a[0].i32, a[1].i32))},
    {"args_sizes_get", "ii>i",
     AIRLOCK_WASI_ERRNO(h.ArgsSizesGet(a[0].i32, a[1].i32))},
    {"environ_get", "ii>i",
     AIRLOCK_WASI_ERRNO(h.EnvironGet(a[0].i32, a[1].i32))},
    {"environ_sizes_get", "ii>i",
     AIRLOCK_WASI_ERRNO(h.EnvironSizesGet(a[0].i32, a[1].i32))},
    {"clock_res_get", "ii>i",
     AIRLOCK_WASI_ERRNO(h.ClockResGet(a[0].i32, a[1].i32))},
    {"clock_time_get", "iIi>i",
     AIRLOCK_WASI_ERRNO(h.ClockTimeGet(a[0].i32, a[1].i64, a[2].i32))},
    {"fd_advise", "iIIi>i",
     AIRLOCK_WASI_ERRNO(h.FdAdvise(a[0].i32, a[1].i64, a[2].i64, a[3].i32))},
    {"fd_allocate", "iII>i",
     AIRLOCK_WASI_ERRNO(h.FdAllocate(a[0].i32, a[1].i64, a[2].i64))},
    {"fd_close", "i>i", AIRLOCK_WASI_ERRNO(h.FdClose(a[0].i32))},
    {"fd_datasync", "i>i", AIRLOCK_WASI_ERRNO(h.FdDatasync(a[0].i32))},
    {"fd_fdstat_get", "ii>i",
     AIRLOCK_WASI_ERRNO(h.FdFdstatGet(a[0].i32, a[1].i32))},
    {"fd_fdstat_set_flags", "ii>i",
     AIRLOCK_WASI_ERRNO(h.FdFdstatSetFlags(a[0].i32, a[1].i32))},
    {"fd_fdstat_set_rights", "iII>i",
     AIRLOCK_WASI_ERRNO(h.FdFdstatSetRights(a[0].i32, a[1].i64, a[2].i64))},
    {"fd_filestat_get", "ii>i",
     AIRLOCK_WASI_ERRNO(h.FdFilestatGet(a[0].i32, a[1].i32, Abi::kPreview1))},
    {"fd_filestat_set_size", "iI>i",
     AIRLOCK_WASI_ERRNO(h.FdFilestatSetSize(a[0].i32, a[1].i64))},
    {"fd_filestat_set_times", "iIIi>i",
     AIRLOCK_WASI_ERRNO(
         h.FdFilestatSetTimes(a[0].i32, a[1].i64, a[2].i64, a[3].i32))},
    {"fd_pread", "iiiIi>i",
     AIRLOCK_WASI_ERRNO(
         h.FdPread(a[0].i32, a[1].i32, a[2].i32, a[3].i64, a[4].i32))},
    {"fd_prestat_get", "ii>i",
     AIRLOCK_WASI_ERRNO(h.FdPrestatGet(a[0].i32, a[1].i32))},
    {"fd_prestat_dir_name", "iii>i",
     AIRLOCK_WASI_ERRNO(h.FdPrestatDirName(a[0].i32, a[1].i32, a[2].i32))},
    {"fd_pwrite", "iiiIi>i",
     AIRLOCK_WASI_ERRNO(
         h.FdPwrite(a[0].i32, a[1].i32, a[2].i32, a[3].i64, a[4].i32))},
    {"fd_read", "iiii>i",
     AIRLOCK_WASI_ERRNO(h.FdRead(a[0].i32, a[1].i32, a[2].i32, a[3].i32))},
    {"fd_readdir", "iiiIi>i",
     AIRLOCK_WASI_ERRNO(
         h.FdReaddir(a[0].i32, a[1].i32, a[2].i32, a[3].i64, a[4].i32))},
    {"fd_renumber", "ii>i",
     AIRLOCK_WASI_ERRNO(h.FdRenumber(a[0].i32, a[1].i32))},
    {"fd_seek", "iIii>i",
     AIRLOCK_WASI_ERRNO(h.FdSeek(a[0].i32, static_cast<int64_t>(a[1].i64),
                                 a[2].i32, a[3].i32, Abi::kPreview1))},
    {"fd_sync", "i>i", AIRLOCK_WASI_ERRNO(h.FdSync(a[0].i32))},
    {"fd_tell", "ii>i", AIRLOCK_WASI_ERRNO(h.FdTell(a[0].i32, a[1].i32))},
    {"fd_write", "iiii>i",
     AIRLOCK_WASI_ERRNO(h.FdWrite(a[0].i32, a[1].i32, a[2].i32, a[3].i32))},
    {"path_create_directory", "iii>i",
     AIRLOCK_WASI_ERRNO(h.PathCreateDirectory(a[0].i32, a[1].i32, a[2].i32))},
    {"path_filestat_get", "iiiii>i",
     AIRLOCK_WASI_ERRNO(h.PathFilestatGet(a[0].i32, a[1].i32, a[2].i32,
                                          a[3].i32, a[4].i32, Abi::kPreview1))},
    {"path_filestat_set_times", "iiiiIIi>i",
     AIRLOCK_WASI_ERRNO(h.PathFilestatSetTimes(a[0].i32, a[1].i32, a[2].i32,
                                               a[3].i32, a[4].i64, a[5].i64,
                                               a[6].i32))},
    {"path_link", "iiiiiii>i",
     AIRLOCK_WASI_ERRNO(h.PathLink(a[0].i32, a[1].i32, a[2].i32, a[3].i32,
                                   a[4].i32, a[5].i32, a[6].i32))},
    {"path_open", "iiiiiIIii>i",
     AIRLOCK_WASI_ERRNO(h.PathOpen(a[0].i32, a[1].i32, a[2].i32, a[3].i32,
                                   a[4].i32, a[5].i64, a[6].i64, a[7].i32,
                                   a[8].i32))},
    {"path_readlink", "iiiiii>i",
     AIRLOCK_WASI_ERRNO(h.PathReadlink(a[0].i32, a[1].i32, a[2].i32, a[3].i32,
                                       a[4].i32, a[5].i32))},
    {"path_remove_directory", "iii>i",
     AIRLOCK_WASI_ERRNO(h.PathRemoveDirectory(a[0].i32, a[1].i32, a[2].i32))},
    {"path_rename", "iiiiii>i",
     AIRLOCK_WASI_ERRNO(h.PathRename(a[0].i32, a[1].i32, a[2].i32, a[3].i32,
                                     a[4].i32, a[5].i32))},
    {"path_symlink", "iiiii>i",
     AIRLOCK_WASI_ERRNO(
         h.PathSymlink(a[0].i32, a[1].i32, a[2].i32, a[3].i32, a[4].i32))},
    {"path_unlink_file", "iii>i",
     AIRLOCK_WASI_ERRNO(h.PathUnlinkFile(a[0].i32, a[1].i32, a[2].i32))},
    {"poll_oneoff", "iiii>i",
     AIRLOCK_WASI_ERRNO(
         h.PollOneoff(a[0].i32, a[1].i32, a[2].i32, a[3].i32, Abi::kPreview1))},
    {"proc_exit", "i>",
     [](WasiHost& h, const airlock_value* a, airlock_value* r) -> int {
       return h.ProcExit(a[0].i32);
     }},
    {"proc_raise", "i>i", AIRLOCK_WASI_ERRNO(kNosys)},
    {"sched_yield", ">i", AIRLOCK_WASI_ERRNO(h.SchedYield())},
    {"random_get", "ii>i", AIRLOCK_WASI_ERRNO(h.RandomGet(a[0].i32, a[1].i32))},
    {"sock_accept", "iii>i", AIRLOCK_WASI_ERRNO(h.SockUnsupported(a[0].i32))},
    {"sock_recv", "iiiiii>i", AIRLOCK_WASI_ERRNO(h.SockUnsupported(a[0].i32))},
    {"sock_send", "iiiii>i", AIRLOCK_WASI_ERRNO(h.SockUnsupported(a[0].i32))},
    {"sock_shutdown", "ii>i", AIRLOCK_WASI_ERRNO(h.SockShutdown(a[0].i32))},
};

// Snapshot 0 functions whose layout differs from preview1.
const ImportSpec kUnstableOverrides[] = {
    {"fd_filestat_get", "ii>i",
     AIRLOCK_WASI_ERRNO(h.FdFilestatGet(a[0].i32, a[1].i32, Abi::kUnstable))},
    {"fd_seek", "iIii>i",
     AIRLOCK_WASI_ERRNO(h.FdSeek(a[0].i32, static_cast<int64_t>(a[1].i64),
                                 a[2].i32, a[3].i32, Abi::kUnstable))},
    {"path_filestat_get", "iiiii>i",
     AIRLOCK_WASI_ERRNO(h.PathFilestatGet(a[0].i32, a[1].i32, a[2].i32,
                                          a[3].i32, a[4].i32, Abi::kUnstable))},
    {"poll_oneoff", "iiii>i",
     AIRLOCK_WASI_ERRNO(
         h.PollOneoff(a[0].i32, a[1].i32, a[2].i32, a[3].i32, Abi::kUnstable))},
};

#undef AIRLOCK_WASI_ERRNO

const ImportSpec* FindSpec(std::string_view module, std::string_view name) {
  if (module == "wasi_unstable") {
    if (name == "sock_accept") return nullptr;  // not in snapshot 0
    for (const ImportSpec& s : kUnstableOverrides) {
      if (name == s.name) return &s;
    }
  } else if (module != "wasi_snapshot_preview1") {
    return nullptr;
  }
  for (const ImportSpec& s : kPreview1) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

}  // namespace

// ---- WasiContext ----

struct WasiContext::State {
  std::shared_ptr<WasiHost> host;
};

WasiContext::WasiContext(WasiConfig config)
    : state_(std::make_unique<State>()) {
  state_->host = std::make_shared<WasiHost>(std::move(config));
}

WasiContext::~WasiContext() = default;

absl::StatusOr<std::unique_ptr<WasiContext>> WasiContext::Create(
    WasiConfig config) {
  std::unique_ptr<WasiContext> ctx(new WasiContext(std::move(config)));
  if (absl::Status s = ctx->state_->host->Init(); !s.ok()) return s;
  return ctx;
}

absl::StatusOr<Extern> WasiContext::Resolve(const airlock_import_desc& import) {
  const std::string module = import.module ? import.module : "";
  const std::string name = import.name ? import.name : "";
  const ImportSpec* spec =
      import.kind == AIRLOCK_EXTERN_FUNC ? FindSpec(module, name) : nullptr;
  if (spec == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("unknown import: ", module, ".", name));
  }
  auto fn = std::make_shared<HostFunction>();
  fn->type = spec->type;
  // The host function shares the state: it stays valid even if it outlives
  // this context.
  fn->call = [host = state_->host, call = spec->call](const airlock_value* args,
                                                      airlock_value* results) {
    return call(*host, args, results);
  };
  return Extern(std::move(fn));
}

void WasiContext::OnInitialized(Instance& instance) {
  Bind(instance.exported_memory(), instance.header());
}

void WasiContext::Bind(airlock_memory* memory,
                       airlock_instance_header* header) {
  state_->host->Bind(memory, header);
}

}  // namespace airlock::sandbox
