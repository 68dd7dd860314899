// The worker's allowlist (seccomp_policy.h).
//
// How the list was found: the engine's call path (instantiate, `_start`,
// every WASI call that needs no path: stdio, clocks, random, poll_oneoff,
// sched_yield, and the fd calls on files and directories the broker opened)
// was run under `strace -f` in a forked process with its watchdog thread,
// after the warm-up ConfineCurrentProcess does (confine.cc), and every
// call it made is below with its reason. Nothing else is allowed. The
// supervisor channel's calls come from sandbox/worker/channel.cc.
//
// What the worker does NOT get, and so dies on: opening anything (open,
// openat, openat2, creat...), sockets (socket, socketpair, connect, bind,
// sendto...), new processes and threads (fork, vfork, clone, clone3),
// execve/execveat, ptrace, signals to other processes (kill, tkill,
// tgkill of another tgid, rt_sigqueueinfo...), ioctl (except the TCGETS
// probe answered below), prctl, seccomp, unshare/setns/mount, bpf,
// perf_event_open, userfaultfd, io_uring, memfd_create, pkey_mprotect,
// personality, process_vm_readv/writev, keyctl, and anything new.
//
// Known residue: newfstatat is allowed with flags == AT_EMPTY_PATH (glibc's
// fstat), but seccomp cannot read the path argument, and a non-empty path
// is still resolved. Code that took over the worker could so learn the
// metadata (type, size, times) of host files; never their contents (every
// open is denied, and Landlock, which has no right for stat, still denies
// opens). Calling fstat through syscall(SYS_fstat) in the WASI host would
// let the policy allow `fstat` and drop newfstatat.
//
// Argument values used below (PROT_EXEC, futex ops, MADV_*, F_*,
// AT_EMPTY_PATH, TCGETS) are the same on x86-64, aarch64 and riscv64, so
// this machine's headers describe all three filters.
#include "sandbox/worker/seccomp_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace airlock::sandbox::worker {
namespace {

static_assert(kNativeSeccompArch == SCMP_ARCH_NATIVE);

#if defined(__x86_64__) && !defined(__ILP32__)
constexpr uint32_t kThisAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kThisAuditArch = AUDIT_ARCH_AARCH64;
#elif defined(__riscv) && __riscv_xlen == 64
constexpr uint32_t kThisAuditArch = AUDIT_ARCH_RISCV64;
#else
#error "the worker's seccomp policy supports x86-64, aarch64 and riscv64"
#endif

// Stands for "the installing process" in the tgkill rule until
// InstallPrebuilt patches in getpid(). Above any possible pid (PID_MAX_LIMIT
// is 2^22) and no syscall number, flag or other constant of this policy.
constexpr uint32_t kOwnPidPlaceholder = 0x5ec0ffee;

// An argument filter. libseccomp compares 64-bit values; `int` arguments
// are compared on their low 32 bits only (MaskedLow32), since a caller
// going through syscall(2)'s varargs may leave the upper half undefined.
enum class Args {
  kAny,
  kNoExec,          // arg 2 (prot) without PROT_EXEC
  kFutexWithoutPi,  // arg 1 (op) a non-priority-inheritance operation
  kMadviseAdvice,   // arg 2 (advice) frees or hints, nothing else
  kFcntlFileFlags,  // arg 1 (cmd) F_GETFL or F_SETFL
  kEmptyPath,       // arg 3 (flags) == AT_EMPTY_PATH: fstat of the fd
  kNullPath,        // arg 1 (path) == NULL: futimens of the fd
  kOwnProcess,      // arg 0 (tgid) == the installing process
  kNoAddress,       // arg 4 (src_addr) == NULL
};

struct Allow {
  const char* syscall;
  Args args;
  const char* why;
};

// ---- Syscall sets ----

// Ending: the worker leaves with _exit(); a thread ends.
constexpr Allow kExitSet[] = {
    {"exit_group", Args::kAny, "_exit(): the worker's only way out"},
    {"exit", Args::kAny, "a thread ending (glibc's thread exit path)"},
};

// Memory: instance memories, the heap, stacks. Never executable: the
// module's code was mapped by dlopen() before the filter existed.
constexpr Allow kMemorySet[] = {
    {"brk", Args::kAny, "malloc's main arena grows and trims the heap"},
    {"mmap", Args::kNoExec,
     "Wasm memory reservations (PROT_NONE), malloc arenas and large blocks"},
    {"mprotect", Args::kNoExec,
     "memory.grow commits reserved pages read-write; guard pages"},
    {"munmap", Args::kAny, "instance memories and malloc blocks freed"},
    {"mremap", Args::kAny, "realloc() of large blocks (keeps protection)"},
    {"madvise", Args::kMadviseAdvice,
     "free() and a thread's exit hand pages back (MADV_DONTNEED)"},
};

// A thread created shortly before the filter (the engine's watchdog) may
// still be in glibc's thread start-up when the filter reaches it (TSYNC).
constexpr Allow kThreadStartSet[] = {
    {"set_robust_list", Args::kAny,
     "glibc thread start-up: the new thread's own robust-futex list"},
    {"rseq", Args::kAny,
     "glibc thread start-up: the new thread's own rseq area"},
};

// Signals: the runtime's fault handler, and a crash that must end with its
// real signal so the pool can report it.
constexpr Allow kSignalSet[] = {
    {"rt_sigreturn", Args::kAny, "returning from a signal handler"},
    {"rt_sigprocmask", Args::kAny,
     "fault handler restores the mask before siglongjmp; abseil, abort()"},
    {"rt_sigaction", Args::kAny,
     "a host crash resets SIGSEGV/SIGBUS to SIG_DFL to die by it"},
    {"sigaltstack", Args::kAny, "runtime's per-thread alternate stack"},
    {"restart_syscall", Args::kAny,
     "kernel resumes a sleep or futex wait after SIGSTOP/SIGCONT"},
    {"getpid", Args::kAny, "raise()/abort() address the own process"},
    {"gettid", Args::kAny, "raise()/abort() address the own thread"},
    {"tgkill", Args::kOwnProcess,
     "raise()/abort(): a signal to one of the worker's own threads"},
};

// Waiting and locking.
constexpr Allow kSyncSet[] = {
    {"futex", Args::kFutexWithoutPi,
     "abseil Mutex/CondVar (watchdog), glibc locks; PI ops stay denied"},
    {"sched_yield", Args::kAny, "WASI sched_yield; lock back-off"},
};

// Time and randomness for WASI.
constexpr Allow kTimeAndRandomSet[] = {
    {"clock_gettime", Args::kAny,
     "WASI clock_time_get on CPU-time clocks (no vDSO path); vDSO fallback"},
    {"clock_getres", Args::kAny, "WASI clock_res_get when the vDSO cannot"},
    {"clock_nanosleep", Args::kAny, "WASI poll_oneoff sleeps in 5 ms slices"},
    {"getrandom", Args::kAny, "WASI random_get"},
};

// Work on fds the worker already holds: stdio, and files and directories
// the supervisor's broker opened and passed over the channel. No call here
// names a path the kernel would resolve (newfstatat: see the top).
constexpr Allow kOpenFdSet[] = {
    {"read", Args::kAny, "read() of a held fd"},
    {"write", Args::kAny, "stderr diagnostics (abseil raw log, a crash)"},
    {"readv", Args::kAny, "WASI fd_read"},
    {"writev", Args::kAny, "WASI fd_write"},
    {"preadv", Args::kAny, "WASI fd_pread"},
    {"pwritev", Args::kAny, "WASI fd_pwrite"},
    {"lseek", Args::kAny, "WASI fd_seek/fd_tell; fd_readdir rewinds"},
    {"newfstatat", Args::kEmptyPath,
     "WASI fd_filestat_get: glibc's fstat(fd) is newfstatat(fd, \"\")"},
    {"fcntl", Args::kFcntlFileFlags,
     "WASI fd_fdstat_get/fd_fdstat_set_flags (F_GETFL/F_SETFL)"},
    {"ftruncate", Args::kAny, "WASI fd_filestat_set_size"},
    {"fallocate", Args::kAny, "WASI fd_allocate"},
    {"fsync", Args::kAny, "WASI fd_sync"},
    {"fdatasync", Args::kAny, "WASI fd_datasync"},
    {"fadvise64", Args::kAny, "WASI fd_advise"},
    {"getdents64", Args::kAny, "WASI fd_readdir"},
    {"utimensat", Args::kNullPath,
     "WASI fd_filestat_set_times: futimens(fd) is utimensat(fd, NULL)"},
    {"close", Args::kAny, "fds the guest closed or a call is done with"},
};

// The SOCK_SEQPACKET channel to the supervisor (channel.cc), created before
// the worker was forked: messages, and fds by SCM_RIGHTS.
constexpr Allow kSupervisorChannelSet[] = {
    {"sendmsg", Args::kAny,
     "to the supervisor: output chunks, broker requests, results"},
    {"recvmsg", Args::kAny,
     "from the supervisor: calls, stdin, broker replies with their fds"},
    {"recvfrom", Args::kNoAddress,
     "recv(MSG_PEEK | MSG_TRUNC) sizes the next packet"},
    {"poll", Args::kAny, "waiting for the channel with a timeout"},
    {"ppoll", Args::kAny, "poll() where there is no poll syscall"},
};

struct SyscallSet {
  const char* name;
  const Allow* begin;
  const Allow* end;
};

template <size_t N>
constexpr SyscallSet Set(const char* name, const Allow (&allows)[N]) {
  return SyscallSet{name, allows, allows + N};
}

constexpr SyscallSet kPolicy[] = {
    Set("exit", kExitSet),
    Set("memory", kMemorySet),
    Set("thread start", kThreadStartSet),
    Set("signals", kSignalSet),
    Set("sync", kSyncSet),
    Set("time and random", kTimeAndRandomSet),
    Set("open fds", kOpenFdSet),
    Set("supervisor channel", kSupervisorChannelSet),
};

// ---- Argument filters ----

using Comparisons = std::vector<scmp_arg_cmp>;

scmp_arg_cmp MaskedLow32(unsigned arg, uint32_t mask, uint32_t value) {
  return scmp_arg_cmp{arg, SCMP_CMP_MASKED_EQ, mask, value};
}
scmp_arg_cmp Low32Equals(unsigned arg, uint32_t value) {
  return MaskedLow32(arg, 0xffffffffu, value);
}
scmp_arg_cmp IsNull(unsigned arg) {
  return scmp_arg_cmp{arg, SCMP_CMP_EQ, 0, 0};
}

// The alternatives that allow a call (libseccomp ORs rules of one syscall).
std::vector<Comparisons> Alternatives(Args args) {
  switch (args) {
    case Args::kAny:
      return {{}};
    case Args::kNoExec:
      return {{MaskedLow32(2, PROT_EXEC, 0)}};
    case Args::kFutexWithoutPi: {
      // The command, without the PRIVATE and CLOCK_REALTIME modifiers. The
      // PI operations (LOCK_PI, UNLOCK_PI, TRYLOCK_PI, *_REQUEUE_PI,
      // LOCK_PI2) are where CVE-2014-3153 lived; nothing here uses them.
      const uint32_t mask =
          ~uint32_t{FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME};
      std::vector<Comparisons> out;
      for (uint32_t op :
           {FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE,
            FUTEX_WAKE_OP, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET}) {
        out.push_back({MaskedLow32(1, mask, op)});
      }
      return out;
    }
    case Args::kMadviseAdvice: {
      // Not MADV_MERGEABLE (KSM side channels), MADV_HWPOISON, MADV_REMOVE,
      // MADV_WIPEONFORK, MADV_POPULATE_*, ...
      std::vector<Comparisons> out;
      for (uint32_t advice : {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL,
                              MADV_WILLNEED, MADV_DONTNEED, MADV_FREE,
                              MADV_DONTDUMP, MADV_HUGEPAGE, MADV_NOHUGEPAGE}) {
        out.push_back({Low32Equals(2, advice)});
      }
      return out;
    }
    case Args::kFcntlFileFlags:
      // Not F_SETOWN/F_SETSIG (the kernel would signal another process),
      // F_DUPFD, locks, leases, F_NOTIFY.
      return {{Low32Equals(1, F_GETFL)}, {Low32Equals(1, F_SETFL)}};
    case Args::kEmptyPath:
      return {{Low32Equals(3, AT_EMPTY_PATH)}};
    case Args::kNullPath:
      return {{IsNull(1)}};
    case Args::kOwnProcess:
      return {{Low32Equals(0, kOwnPidPlaceholder)}};
    case Args::kNoAddress:
      return {{IsNull(4)}};
  }
  return {};
}

const char* ArchName(uint32_t arch) {
  switch (arch) {
    case SCMP_ARCH_X86_64:
      return "x86-64";
    case SCMP_ARCH_AARCH64:
      return "aarch64";
    case SCMP_ARCH_RISCV64:
      return "riscv64";
    default:
      return "unsupported";
  }
}

absl::Status LibseccompError(int rc, absl::string_view what) {
  return absl::InternalError(
      absl::StrCat("libseccomp: ", what, ": ", strerror(-rc)));
}

// Adds every allow of the policy to `ctx` (which holds exactly `arch`).
absl::Status AddPolicy(scmp_filter_ctx ctx, uint32_t arch,
                       std::vector<std::string>* absent) {
  for (const SyscallSet& set : kPolicy) {
    for (const Allow* allow = set.begin; allow != set.end; ++allow) {
      // Negative: the architecture has no such call (libseccomp knows it
      // under a pseudo number), e.g. `poll` on aarch64.
      if (seccomp_syscall_resolve_name_arch(arch, allow->syscall) < 0) {
        absent->push_back(allow->syscall);
        continue;
      }
      // Rules take native numbers; libseccomp translates them by name for
      // the filter's architecture.
      const int native = seccomp_syscall_resolve_name(allow->syscall);
      if (native == __NR_SCMP_ERROR) {
        return absl::InternalError(absl::StrCat(
            "libseccomp does not know the syscall ", allow->syscall));
      }
      for (const Comparisons& cmp : Alternatives(allow->args)) {
        int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, native,
                                        static_cast<unsigned>(cmp.size()),
                                        cmp.empty() ? nullptr : cmp.data());
        if (rc < 0) {
          return LibseccompError(rc, absl::StrCat("allowing ", allow->syscall,
                                                  " (", set.name, ")"));
        }
      }
    }
  }
  // Answered, never run: isatty() (ioctl TCGETS), which glibc's stdio asks
  // when a stream first buffers output, hears "not a terminal". Every other
  // ioctl (TIOCSTI on an inherited terminal, device ioctls) stays fatal.
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTTY),
                            seccomp_syscall_resolve_name("ioctl"), 1,
                            Low32Equals(1, TCGETS));
  if (rc < 0) return LibseccompError(rc, "answering ioctl(TCGETS)");
  return absl::OkStatus();
}

}  // namespace

void SeccompPolicy::FilterDeleter::operator()(void* ctx) const {
  seccomp_release(ctx);
}

SeccompPolicy::SeccompPolicy(void* ctx, uint32_t audit_arch,
                             std::vector<std::string> absent_syscalls)
    : ctx_(ctx),
      audit_arch_(audit_arch),
      absent_syscalls_(std::move(absent_syscalls)) {}

SeccompPolicy::SeccompPolicy(SeccompPolicy&& other) noexcept = default;
SeccompPolicy& SeccompPolicy::operator=(SeccompPolicy&& other) noexcept =
    default;
SeccompPolicy::~SeccompPolicy() = default;

absl::StatusOr<SeccompPolicy> SeccompPolicy::Build(uint32_t scmp_arch) {
  const uint32_t native = seccomp_arch_native();
  const uint32_t arch = scmp_arch == kNativeSeccompArch ? native : scmp_arch;
  if (arch != SCMP_ARCH_X86_64 && arch != SCMP_ARCH_AARCH64 &&
      arch != SCMP_ARCH_RISCV64) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "seccomp policy: architecture 0x%08x is not supported (only x86-64, "
        "aarch64 and riscv64)",
        arch));
  }
  std::unique_ptr<void, FilterDeleter> ctx(seccomp_init(SCMP_ACT_KILL_PROCESS));
  if (ctx == nullptr) {
    return absl::InternalError(
        "libseccomp: seccomp_init(SCMP_ACT_KILL_PROCESS) failed (a kernel "
        "older than 4.14 has no kill-process action)");
  }
  if (arch != native) {
    int rc = seccomp_arch_add(ctx.get(), arch);
    if (rc < 0) {
      return LibseccompError(rc, absl::StrCat("adding ", ArchName(arch)));
    }
    rc = seccomp_arch_remove(ctx.get(), SCMP_ARCH_NATIVE);
    if (rc < 0) return LibseccompError(rc, "removing the native arch");
  }
  // A syscall of another ABI (i386 `int $0x80`, x32 numbers on x86-64) is
  // no call the policy knows: kill, as for any unknown call.
  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH,
                            SCMP_ACT_KILL_PROCESS);
  if (rc < 0) return LibseccompError(rc, "setting the bad-arch action");
  // A binary search over syscall numbers rather than a linear chain: every
  // call the worker makes runs the filter.
  rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (rc < 0) return LibseccompError(rc, "enabling the binary-tree layout");

  std::vector<std::string> absent;
  if (absl::Status s = AddPolicy(ctx.get(), arch, &absent); !s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat(ArchName(arch), " policy: ", s.message()));
  }
  return SeccompPolicy(ctx.release(), arch, std::move(absent));
}

absl::StatusOr<std::string> SeccompPolicy::ExportBpf() const {
  const int fd =
      static_cast<int>(syscall(SYS_memfd_create, "seccomp-bpf", MFD_CLOEXEC));
  if (fd < 0) {
    return absl::ErrnoToStatus(errno, "memfd_create for the seccomp export");
  }
  std::string bpf;
  absl::Status status;
  int rc = seccomp_export_bpf(ctx_.get(), fd);
  if (rc < 0) {
    status = LibseccompError(rc, "seccomp_export_bpf");
  } else if (lseek(fd, 0, SEEK_SET) != 0) {
    status = absl::ErrnoToStatus(errno, "rewinding the seccomp export");
  } else {
    char buffer[4096];
    while (true) {
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = absl::ErrnoToStatus(errno, "reading the seccomp export");
        break;
      }
      if (n == 0) break;
      bpf.append(buffer, static_cast<size_t>(n));
    }
  }
  close(fd);
  if (!status.ok()) return status;
  return bpf;
}

absl::Status SeccompPolicy::InstallPrebuilt(const std::string& bpf) {
  if (bpf.empty() || bpf.size() % sizeof(sock_filter) != 0 ||
      bpf.size() / sizeof(sock_filter) > BPF_MAXINSNS) {
    return absl::InvalidArgumentError(
        absl::StrCat("seccomp filter of ", bpf.size(),
                     " bytes is not a BPF program (a whole number of 8-byte "
                     "instructions, at most ",
                     BPF_MAXINSNS, ")"));
  }
  std::vector<sock_filter> program(bpf.size() / sizeof(sock_filter));
  std::memcpy(program.data(), bpf.data(), bpf.size());
  // libseccomp's filters start by loading seccomp_data.arch and comparing
  // it with the one architecture they accept.
  if (program.size() < 2 || program[0].code != (BPF_LD | BPF_W | BPF_ABS) ||
      program[0].k != offsetof(seccomp_data, arch) ||
      program[1].code != (BPF_JMP | BPF_JEQ | BPF_K) ||
      program[1].k != kThisAuditArch) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "seccomp filter is not for this machine's architecture (AUDIT_ARCH "
        "0x%08x)",
        kThisAuditArch));
  }
  const uint32_t pid = static_cast<uint32_t>(getpid());
  int patched = 0;
  for (sock_filter& insn : program) {
    if (insn.code == (BPF_JMP | BPF_JEQ | BPF_K) &&
        insn.k == kOwnPidPlaceholder) {
      insn.k = pid;
      ++patched;
    }
  }
  if (patched == 0) {
    return absl::InvalidArgumentError(
        "seccomp filter has no own-process rule: not a worker policy");
  }
  sock_fprog prog{static_cast<unsigned short>(program.size()), program.data()};
  const long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                          SECCOMP_FILTER_FLAG_TSYNC, &prog);
  if (rc < 0) {
    return absl::ErrnoToStatus(
        errno, "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC)");
  }
  if (rc > 0) {
    // TSYNC names a thread it could not move to the new filter (one that
    // has a filter this one does not descend from); nothing was installed.
    return absl::FailedPreconditionError(absl::StrCat(
        "seccomp: thread ", rc,
        " could not take the filter (TSYNC); nothing was installed"));
  }
  return absl::OkStatus();
}

}  // namespace airlock::sandbox::worker
