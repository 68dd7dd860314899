// Internal to sandbox/wasi: the WASI host behind WasiContext, split over
// wasi.cc (context, imports, args/env/clocks/random/poll/proc), wasi_fd.cc
// (fd_* calls) and wasi_path.cc (path_* calls, each one PathBroker request),
// and helpers shared with DirectPathBroker (direct_path_broker.cc). The
// capability rules and errno choices are stated at the top of wasi.cc.
#ifndef AIRLOCK_SANDBOX_WASI_WASI_INTERNAL_H_
#define AIRLOCK_SANDBOX_WASI_WASI_INTERNAL_H_

#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "sandbox/abi/airlock_rt.h"
#include "sandbox/unique_fd.h"
#include "sandbox/wasi/path_broker.h"
#include "sandbox/wasi/wasi.h"

namespace airlock::sandbox::wasi_internal {

static_assert(std::endian::native == std::endian::little,
              "guest memory is little-endian; the host must be too");

// ---- WASI preview1 constants (wasi_snapshot_preview1 witx) ----

// WASI errno values used by name below (FromHostErrno has them all).
constexpr uint16_t kSuccess = 0;
constexpr uint16_t kBadf = 8;
constexpr uint16_t kBusy = 10;
constexpr uint16_t kExist = 20;
constexpr uint16_t kFault = 21;
constexpr uint16_t kFbig = 22;
constexpr uint16_t kIntr = 27;
constexpr uint16_t kInval = 28;
constexpr uint16_t kIo = 29;
constexpr uint16_t kIsdir = 31;
constexpr uint16_t kMfile = 33;
constexpr uint16_t kNametoolong = 37;
constexpr uint16_t kNoent = 44;
constexpr uint16_t kNosys = 52;
constexpr uint16_t kNotdir = 54;
constexpr uint16_t kNotempty = 55;
constexpr uint16_t kNotsock = 57;
constexpr uint16_t kNotsup = 58;
constexpr uint16_t kPerm = 63;
constexpr uint16_t kRofs = 69;
constexpr uint16_t kSpipe = 70;
constexpr uint16_t kNotcapable = 76;

constexpr uint64_t kFdDatasync = 1ull << 0;
constexpr uint64_t kFdRead = 1ull << 1;
constexpr uint64_t kFdSeek = 1ull << 2;
constexpr uint64_t kFdFdstatSetFlags = 1ull << 3;
constexpr uint64_t kFdSync = 1ull << 4;
constexpr uint64_t kFdTell = 1ull << 5;
constexpr uint64_t kFdWrite = 1ull << 6;
constexpr uint64_t kFdAdvise = 1ull << 7;
constexpr uint64_t kFdAllocate = 1ull << 8;
constexpr uint64_t kPathCreateDirectory = 1ull << 9;
constexpr uint64_t kPathCreateFile = 1ull << 10;
constexpr uint64_t kPathLinkSource = 1ull << 11;
constexpr uint64_t kPathLinkTarget = 1ull << 12;
constexpr uint64_t kPathOpen = 1ull << 13;
constexpr uint64_t kFdReaddir = 1ull << 14;
constexpr uint64_t kPathReadlink = 1ull << 15;
constexpr uint64_t kPathRenameSource = 1ull << 16;
constexpr uint64_t kPathRenameTarget = 1ull << 17;
constexpr uint64_t kPathFilestatGet = 1ull << 18;
constexpr uint64_t kPathFilestatSetSize = 1ull << 19;
constexpr uint64_t kPathFilestatSetTimes = 1ull << 20;
constexpr uint64_t kFdFilestatGet = 1ull << 21;
constexpr uint64_t kFdFilestatSetSize = 1ull << 22;
constexpr uint64_t kFdFilestatSetTimes = 1ull << 23;
constexpr uint64_t kPathSymlink = 1ull << 24;
constexpr uint64_t kPathRemoveDirectory = 1ull << 25;
constexpr uint64_t kPathUnlinkFile = 1ull << 26;
constexpr uint64_t kPollFdReadwrite = 1ull << 27;
constexpr uint64_t kSockShutdown = 1ull << 28;
constexpr uint64_t kSockAccept = 1ull << 29;

// Rights by kind of fd. "Ro" sets are what a read-only grant allows.
constexpr uint64_t kFileRightsRo =
    kFdDatasync | kFdRead | kFdSeek | kFdFdstatSetFlags | kFdSync | kFdTell |
    kFdAdvise | kFdFilestatGet | kPollFdReadwrite;
constexpr uint64_t kFileWriteRights =
    kFdWrite | kFdAllocate | kFdFilestatSetSize | kFdFilestatSetTimes;
constexpr uint64_t kFileRightsRw = kFileRightsRo | kFileWriteRights;
constexpr uint64_t kDirRightsRo = kFdFdstatSetFlags | kFdSync | kFdDatasync |
                                  kFdAdvise | kPathOpen | kFdReaddir |
                                  kPathReadlink | kPathFilestatGet |
                                  kFdFilestatGet | kPollFdReadwrite;
constexpr uint64_t kDirRightsRw =
    kDirRightsRo | kPathCreateDirectory | kPathCreateFile | kPathLinkSource |
    kPathLinkTarget | kPathRenameSource | kPathRenameTarget |
    kPathFilestatSetSize | kPathFilestatSetTimes | kFdFilestatSetTimes |
    kPathSymlink | kPathRemoveDirectory | kPathUnlinkFile;
// Rights whose request means "open for writing".
constexpr uint64_t kWriteIntentRights =
    kFdWrite | kFdAllocate | kFdFilestatSetSize;
constexpr uint64_t kStdinRights =
    kFdRead | kFdFdstatSetFlags | kFdFilestatGet | kPollFdReadwrite;
constexpr uint64_t kStdoutRights =
    kFdWrite | kFdFdstatSetFlags | kFdFilestatGet | kPollFdReadwrite;

constexpr uint8_t kFiletypeUnknown = 0;
constexpr uint8_t kFiletypeBlockDevice = 1;
constexpr uint8_t kFiletypeCharacterDevice = 2;
constexpr uint8_t kFiletypeDirectory = 3;
constexpr uint8_t kFiletypeRegularFile = 4;
constexpr uint8_t kFiletypeSocketDgram = 5;
constexpr uint8_t kFiletypeSocketStream = 6;
constexpr uint8_t kFiletypeSymbolicLink = 7;

constexpr uint16_t kFdflagAppend = 1 << 0;
constexpr uint16_t kFdflagDsync = 1 << 1;
constexpr uint16_t kFdflagNonblock = 1 << 2;
constexpr uint16_t kFdflagRsync = 1 << 3;
constexpr uint16_t kFdflagSync = 1 << 4;
constexpr uint16_t kFdflagsAll = 0x1f;

constexpr uint16_t kOflagCreat = 1 << 0;
constexpr uint16_t kOflagDirectory = 1 << 1;
constexpr uint16_t kOflagExcl = 1 << 2;
constexpr uint16_t kOflagTrunc = 1 << 3;

constexpr uint32_t kLookupSymlinkFollow = 1 << 0;

constexpr uint16_t kFstAtim = 1 << 0;
constexpr uint16_t kFstAtimNow = 1 << 1;
constexpr uint16_t kFstMtim = 1 << 2;
constexpr uint16_t kFstMtimNow = 1 << 3;

constexpr uint32_t kClockRealtime = 0;
constexpr uint32_t kClockMonotonic = 1;
constexpr uint32_t kClockProcessCputime = 2;
constexpr uint32_t kClockThreadCputime = 3;

constexpr uint8_t kEventClock = 0;
constexpr uint8_t kEventFdRead = 1;
constexpr uint8_t kEventFdWrite = 2;
constexpr uint16_t kSubclockAbstime = 1;

// Limits (see the top of wasi.cc).
constexpr uint32_t kMaxIovecs = 1024;
constexpr uint64_t kMaxTransfer = 0x7ffff000;
constexpr uint32_t kMaxPath = 4096;
constexpr size_t kMaxFds = 1024;
constexpr uint32_t kMaxSubscriptions = 65536;
constexpr size_t kStdioConcatLimit = 64 * 1024;
constexpr int64_t kSleepSliceNs = 5'000'000;

// WASI errno for a Linux errno; EIO for one WASI cannot express.
uint16_t FromHostErrno(int e);
uint8_t FiletypeFromMode(mode_t mode);
StatFields ToStatFields(const struct stat& st);
uint64_t ToNanos(const timespec& ts);
timespec FromNanos(uint64_t ns);
// The timespec pair for utimensat/futimens from WASI fstflags, or EINVAL.
uint16_t Times(uint64_t atim, uint64_t mtim, uint32_t flags, timespec ts[2]);

// UniqueFd: sandbox/unique_fd.h.

// Opens `path` beneath the directory `dirfd`: openat2 with RESOLVE_BENEATH
// (no `..` above dirfd, no absolute paths, no symlink leaving it) and
// RESOLVE_NO_MAGICLINKS (no /proc-style links). An escape (EXDEV) is
// reported as ENOTCAPABLE. Sets *err and returns an invalid fd on failure.
// Only DirectPathBroker calls it: the WASI host resolves no path itself.
UniqueFd OpenBeneath(int dirfd, const std::string& path, uint64_t flags,
                     uint16_t* err);

// "folder grant '<host path>' (as '<guest path>')": how errors name a grant.
std::string GrantName(const DirGrant& grant);
// InvalidArgument naming the grant unless its guest path is a non-empty
// string without NUL.
absl::Status CheckGuestPath(const DirGrant& grant);

struct DirEntryInfo {
  std::string name;
  uint64_t ino;
  uint8_t type;
};

// One guest fd.
struct FdEntry {
  enum class Kind : uint8_t { kStdin, kStdout, kStderr, kHost };
  Kind kind = Kind::kHost;
  // Owned, kHost only. -1 for a preopen until a call needs a real directory
  // fd (WasiHost::HostFd): path calls use `dir_handle`, not this.
  int host = -1;
  // Directories: the broker handle their path calls are relative to (a
  // grant's for a preopen). Released through `broker` when owned.
  uint32_t dir_handle = kNoDirHandle;
  bool owns_dir_handle = false;
  PathBroker* broker = nullptr;  // outlives this entry (WasiHost::broker_)
  uint8_t filetype = kFiletypeUnknown;
  uint64_t rights_base = 0;
  uint64_t rights_inheriting = 0;
  uint16_t stdio_flags = 0;  // kStdin..kStderr: flags the guest set
  bool read_only = false;    // beneath a read-only grant
  std::optional<std::string> preopen_name;
  // fd_readdir: the directory as read when the guest last passed cookie 0;
  // entry i has cookie i + 1.
  std::optional<std::vector<DirEntryInfo>> dir_snapshot;

  FdEntry() = default;
  FdEntry(const FdEntry&) = delete;
  FdEntry& operator=(const FdEntry&) = delete;
  ~FdEntry() {
    if (host >= 0) close(host);
    if (owns_dir_handle) broker->Close(dir_handle);
  }
  bool is_dir() const {
    return kind == Kind::kHost && filetype == kFiletypeDirectory;
  }
};

// Snapshot 0 ("wasi_unstable") differs from preview1 in these layouts.
enum class Abi { kPreview1, kUnstable };

// All state of one WasiContext, shared with its host functions. Each
// method implements the WASI function of the same name and returns its
// errno; blocking ones may also request a trap (TakeTrap).
class WasiHost {
 public:
  explicit WasiHost(WasiConfig config) : config_(std::move(config)) {}

  absl::Status Init();
  void Bind(airlock_memory* memory, airlock_instance_header* header) {
    memory_ = memory;
    header_ = header;
  }
  // The trap a blocking call asked for (cleared on read).
  int TakeTrap() { return std::exchange(trap_, AIRLOCK_TRAP_NONE); }

  uint16_t ArgsSizesGet(uint32_t argc_ptr, uint32_t size_ptr);
  uint16_t ArgsGet(uint32_t argv_ptr, uint32_t buf_ptr);
  uint16_t EnvironSizesGet(uint32_t count_ptr, uint32_t size_ptr);
  uint16_t EnvironGet(uint32_t env_ptr, uint32_t buf_ptr);
  uint16_t ClockResGet(uint32_t id, uint32_t out);
  uint16_t ClockTimeGet(uint32_t id, uint64_t precision, uint32_t out);
  uint16_t FdAdvise(uint32_t fd, uint64_t offset, uint64_t len,
                    uint32_t advice);
  uint16_t FdAllocate(uint32_t fd, uint64_t offset, uint64_t len);
  uint16_t FdClose(uint32_t fd);
  uint16_t FdDatasync(uint32_t fd);
  uint16_t FdSync(uint32_t fd);
  uint16_t FdFdstatGet(uint32_t fd, uint32_t out);
  uint16_t FdFdstatSetFlags(uint32_t fd, uint32_t flags);
  uint16_t FdFdstatSetRights(uint32_t fd, uint64_t base, uint64_t inheriting);
  uint16_t FdFilestatGet(uint32_t fd, uint32_t out, Abi abi);
  uint16_t FdFilestatSetSize(uint32_t fd, uint64_t size);
  uint16_t FdFilestatSetTimes(uint32_t fd, uint64_t atim, uint64_t mtim,
                              uint32_t flags);
  uint16_t FdPread(uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                   uint64_t offset, uint32_t out);
  uint16_t FdPwrite(uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                    uint64_t offset, uint32_t out);
  uint16_t FdRead(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t out);
  uint16_t FdWrite(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t out);
  uint16_t FdPrestatGet(uint32_t fd, uint32_t out);
  uint16_t FdPrestatDirName(uint32_t fd, uint32_t path, uint32_t len);
  uint16_t FdReaddir(uint32_t fd, uint32_t buf, uint32_t buf_len,
                     uint64_t cookie, uint32_t out);
  uint16_t FdRenumber(uint32_t from, uint32_t to);
  uint16_t FdSeek(uint32_t fd, int64_t offset, uint32_t whence, uint32_t out,
                  Abi abi);
  uint16_t FdTell(uint32_t fd, uint32_t out);
  uint16_t PathCreateDirectory(uint32_t fd, uint32_t path, uint32_t len);
  uint16_t PathFilestatGet(uint32_t fd, uint32_t flags, uint32_t path,
                           uint32_t len, uint32_t out, Abi abi);
  uint16_t PathFilestatSetTimes(uint32_t fd, uint32_t flags, uint32_t path,
                                uint32_t len, uint64_t atim, uint64_t mtim,
                                uint32_t fst_flags);
  uint16_t PathLink(uint32_t old_fd, uint32_t old_flags, uint32_t old_path,
                    uint32_t old_len, uint32_t new_fd, uint32_t new_path,
                    uint32_t new_len);
  uint16_t PathOpen(uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t len,
                    uint32_t oflags, uint64_t rights_base,
                    uint64_t rights_inheriting, uint32_t fdflags, uint32_t out);
  uint16_t PathReadlink(uint32_t fd, uint32_t path, uint32_t len, uint32_t buf,
                        uint32_t buf_len, uint32_t out);
  uint16_t PathRemoveDirectory(uint32_t fd, uint32_t path, uint32_t len);
  uint16_t PathRename(uint32_t fd, uint32_t old_path, uint32_t old_len,
                      uint32_t new_fd, uint32_t new_path, uint32_t new_len);
  uint16_t PathSymlink(uint32_t old_path, uint32_t old_len, uint32_t fd,
                       uint32_t new_path, uint32_t new_len);
  uint16_t PathUnlinkFile(uint32_t fd, uint32_t path, uint32_t len);
  uint16_t PollOneoff(uint32_t in, uint32_t out, uint32_t nsubs,
                      uint32_t nevents_out, Abi abi);
  int ProcExit(uint32_t code);
  uint16_t RandomGet(uint32_t buf, uint32_t len);
  uint16_t SchedYield();
  uint16_t SockShutdown(uint32_t fd);
  uint16_t SockUnsupported(uint32_t fd);

 private:
  // Guest memory [ptr, ptr + len), or nullptr when any of it lies outside
  // the current memory (or no memory is bound). 64-bit math: no overflow.
  uint8_t* Mem(uint64_t ptr, uint64_t len) const {
    if (memory_ == nullptr || ptr > memory_->size ||
        len > memory_->size - ptr) {
      return nullptr;
    }
    return memory_->base + ptr;
  }
  template <typename T>
  bool Store(uint64_t ptr, T value) {
    uint8_t* p = Mem(ptr, sizeof(T));
    if (p == nullptr) return false;
    std::memcpy(p, &value, sizeof(T));
    return true;
  }
  template <typename T>
  static T LoadFrom(const uint8_t* p) {
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
  }
  bool Interrupted() const {
    return header_ != nullptr &&
           __atomic_load_n(&header_->interrupt, __ATOMIC_ACQUIRE) != 0;
  }

  FdEntry* Get(uint32_t fd) {
    return fd < fds_.size() ? fds_[fd].get() : nullptr;
  }
  // The host fd of a kHost entry, obtained from the broker first for a
  // preopen that has none yet (kOpen of "." on its grant handle, O_RDONLY |
  // O_DIRECTORY: what fd_readdir, fd_filestat_get, fd_sync, ... act on).
  // Sets *out or returns the errno why not.
  uint16_t HostFd(FdEntry& e, int* out);
  // A directory fd for a path call, or the errno why not.
  uint16_t GetDir(uint32_t fd, FdEntry** out) {
    FdEntry* e = Get(fd);
    if (e == nullptr) return kBadf;
    if (!e->is_dir()) return kNotdir;
    *out = e;
    return kSuccess;
  }
  // Stores `entry` under the lowest free guest fd (as POSIX does) and
  // returns that fd; -1 (entry dropped) when kMaxFds fds are open.
  int64_t Allocate(std::unique_ptr<FdEntry> entry);
  // A path argument: bounds-checked, no NUL, at most kMaxPath bytes.
  uint16_t ReadPath(uint32_t ptr, uint32_t len, std::string* out);
  // An iovec array as host iovecs, every buffer bounds-checked; at most
  // kMaxIovecs entries and kMaxTransfer bytes in total (the rest dropped:
  // a short transfer).
  uint16_t Iovecs(uint32_t iovs, uint32_t iovs_len, std::vector<iovec>* out);
  uint16_t WriteFilestat(uint32_t out, const StatFields& st, Abi abi);
  uint16_t WriteStdio(FdEntry::Kind kind, const std::vector<iovec>& iov,
                      uint64_t* written);
  uint16_t SnapshotDir(FdEntry& e);

  WasiConfig config_;
  // Every path call goes here (config_.broker, or a DirectPathBroker over
  // config_.dirs). Declared before fds_: entries release handles through it.
  std::shared_ptr<PathBroker> broker_;
  std::vector<std::unique_ptr<FdEntry>> fds_;
  airlock_memory* memory_ = nullptr;
  airlock_instance_header* header_ = nullptr;
  int trap_ = AIRLOCK_TRAP_NONE;
};

}  // namespace airlock::sandbox::wasi_internal

#endif  // AIRLOCK_SANDBOX_WASI_WASI_INTERNAL_H_
