// Worker confinement (confine.h).
#include "sandbox/worker/confine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/base/internal/sysinfo.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "sandbox/runtime/instance.h"
#include "sandbox/worker/seccomp_policy.h"

namespace airlock::sandbox::worker {
namespace {

// ---- Landlock UAPI ----
// Debian 12's <linux/landlock.h> stops at ABI 2; the rights and fields
// added later are spelled out here (values from the kernel's UAPI, stable).

// struct landlock_ruleset_attr as of ABI 6. Older kernels are given only
// the prefix they know (copy_struct_from_user accepts a shorter struct).
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;  // ABI 4
  uint64_t scoped;              // ABI 6
};
constexpr size_t kAttrSizeAbi1 = sizeof(uint64_t);
constexpr size_t kAttrSizeAbi4 = 2 * sizeof(uint64_t);
constexpr size_t kAttrSizeAbi6 = sizeof(RulesetAttr);

constexpr uint64_t kFsRightsAbi1 =
    LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
    LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
    LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
    LANDLOCK_ACCESS_FS_MAKE_SYM;
constexpr uint64_t kFsRefer = 1ull << 13;     // ABI 2: LANDLOCK_ACCESS_FS_REFER
constexpr uint64_t kFsTruncate = 1ull << 14;  // ABI 3: ..._FS_TRUNCATE
constexpr uint64_t kFsIoctlDev = 1ull << 15;  // ABI 5: ..._FS_IOCTL_DEV
constexpr uint64_t kNetBindTcp = 1ull << 0;   // ABI 4: LANDLOCK_ACCESS_NET_*
constexpr uint64_t kNetConnectTcp = 1ull << 1;
constexpr uint64_t kScopeAbstractUnixSocket = 1ull << 0;  // ABI 6: SCOPE_*
constexpr uint64_t kScopeSignal = 1ull << 1;
// The newest ABI whose rights this file knows (ABI 7 added only logging).
constexpr int kNewestKnownLandlockAbi = 7;

// ---- /proc/self/stat ----

struct ProcessStat {
  int threads = 0;        // 0: unknown
  uint64_t vm_bytes = 0;  // mapped address space; 0: unknown
};

// Reads field 20 (num_threads) and 23 (vsize) of /proc/self/stat. Fields
// are counted after the command name, which may hold spaces and ')'.
ProcessStat ReadProcessStat() {
  ProcessStat stat;
  const int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return stat;
  char buffer[1024];
  ssize_t n;
  do {
    n = read(fd, buffer, sizeof buffer - 1);
  } while (n < 0 && errno == EINTR);
  close(fd);
  if (n <= 0) return stat;
  const absl::string_view text(buffer, static_cast<size_t>(n));
  const size_t end_of_name = text.rfind(')');
  if (end_of_name == absl::string_view::npos) return stat;
  // fields[0] is field 3 (state).
  const std::vector<absl::string_view> fields =
      absl::StrSplit(text.substr(end_of_name + 1), ' ', absl::SkipWhitespace());
  if (fields.size() > 20) {
    if (!absl::SimpleAtoi(fields[17], &stat.threads)) stat.threads = 0;
    if (!absl::SimpleAtoi(fields[20], &stat.vm_bytes)) stat.vm_bytes = 0;
  }
  return stat;
}

std::string ErrnoText(int error, absl::string_view call) {
  return std::string(absl::ErrnoToStatus(error, call).message());
}

std::string FormatBytes(uint64_t bytes) {
  if (bytes >= (1ull << 20)) return absl::StrCat(bytes >> 20, " MiB");
  return absl::StrCat(bytes, " bytes");
}

// Sets `resource` to `value`, soft and hard: a hard limit once lowered
// cannot be raised again without CAP_SYS_RESOURCE.
bool SetLimit(int resource, uint64_t value, absl::string_view name,
              std::vector<std::string>* failures) {
  rlimit limit{static_cast<rlim_t>(value), static_cast<rlim_t>(value)};
  if (setrlimit(resource, &limit) == 0) return true;
  failures->push_back(
      ErrnoText(errno, absl::StrCat("setrlimit(", name, ", ", value, ")")));
  return false;
}

const char* NetworkName(NetworkIsolation network) {
  switch (network) {
    case NetworkIsolation::kNotRequested:
      return "host network namespace (not requested)";
    case NetworkIsolation::kOwnNamespace:
      return "own network namespace";
    case NetworkIsolation::kOwnUserNamespace:
      return "own network namespace (in a new user namespace)";
    case NetworkIsolation::kHostNamespace:
      return "host network namespace";
  }
  return "?";
}

}  // namespace

namespace confine_internal {

absl::StatusOr<int> ApplyLandlock() {
  const long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0,
                           LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 0) {
    const int error = errno;
    if (error == ENOSYS) {
      return absl::UnavailableError(
          "this kernel has no Landlock (landlock_create_ruleset: ENOSYS)");
    }
    if (error == EOPNOTSUPP) {
      return absl::UnavailableError(
          "Landlock is built into this kernel but not enabled (add it to the "
          "lsm= boot parameter)");
    }
    return absl::ErrnoToStatus(error, "landlock_create_ruleset(VERSION)");
  }
  RulesetAttr attr{};
  attr.handled_access_fs = kFsRightsAbi1;
  size_t size = kAttrSizeAbi1;
  if (abi >= 2) attr.handled_access_fs |= kFsRefer;
  if (abi >= 3) attr.handled_access_fs |= kFsTruncate;
  if (abi >= 4) {
    attr.handled_access_net = kNetBindTcp | kNetConnectTcp;
    size = kAttrSizeAbi4;
  }
  if (abi >= 5) attr.handled_access_fs |= kFsIoctlDev;
  if (abi >= 6) {
    attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
    size = kAttrSizeAbi6;
  }
  const int ruleset =
      static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, size, 0));
  if (ruleset < 0) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("landlock_create_ruleset (ABI ", abi, ")"));
  }
  // No landlock_add_rule: nothing is allowed beneath any path.
  const long rc = syscall(SYS_landlock_restrict_self, ruleset, 0);
  const int error = errno;
  close(ruleset);
  if (rc != 0) return absl::ErrnoToStatus(error, "landlock_restrict_self");
  return static_cast<int>(abi);
}

absl::StatusOr<NetworkIsolation> EnterNetworkNamespace() {
  if (unshare(CLONE_NEWNET) == 0) return NetworkIsolation::kOwnNamespace;
  const int direct = errno;
  // Without CAP_SYS_ADMIN: a user namespace first, in which the process
  // holds the capability needed for the network namespace. No uid map is
  // written (the worker needs no identity inside).
  if (unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0) {
    return NetworkIsolation::kOwnUserNamespace;
  }
  const int via_user = errno;
  std::string message =
      absl::StrCat(ErrnoText(direct, "unshare(CLONE_NEWNET)"), "; ",
                   ErrnoText(via_user, "unshare(CLONE_NEWUSER|CLONE_NEWNET)"));
  if (via_user == EINVAL) {
    const int threads = ReadProcessStat().threads;
    if (threads > 1) {
      absl::StrAppend(&message, " (the process has ", threads,
                      " threads; a user namespace can only be entered by a "
                      "single-threaded process)");
    }
  }
  return absl::FailedPreconditionError(message);
}

}  // namespace confine_internal

absl::StatusOr<ConfineReport> ConfineCurrentProcess(
    const ConfineOptions& options) {
  if (options.address_space_bytes == 0) {
    return absl::InvalidArgumentError(
        "ConfineOptions.address_space_bytes is 0: give the worker's address "
        "space limit");
  }
  if (options.max_open_files == 0) {
    return absl::InvalidArgumentError(
        "ConfineOptions.max_open_files is 0: the worker could receive no fd "
        "from the broker");
  }
  ConfineReport report;
  report.address_space_bytes = options.address_space_bytes;
  report.max_open_files = options.max_open_files;

  // Warm-up: set up now what the engine would otherwise set up lazily by
  // opening files in the middle of a call (see confine.h).
  InstallFaultHandlers();
  absl::base_internal::NumCPUs();
  const ProcessStat stat = ReadProcessStat();
  report.threads = stat.threads;

  // 1. no_new_privs. Without it an unprivileged process cannot install the
  // filter either, so a failure here surfaces again at step 6.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
    report.no_new_privs = true;
  } else {
    report.notes.push_back(absl::StrCat(
        "no_new_privs: ", ErrnoText(errno, "prctl(PR_SET_NO_NEW_PRIVS)"),
        "; seccomp then needs CAP_SYS_ADMIN"));
  }

  // 2. rlimits.
  std::vector<std::string> failures;
  bool limits =
      SetLimit(RLIMIT_AS, options.address_space_bytes, "RLIMIT_AS", &failures);
  limits &= SetLimit(RLIMIT_CORE, 0, "RLIMIT_CORE", &failures);
  limits &= SetLimit(RLIMIT_NOFILE, options.max_open_files, "RLIMIT_NOFILE",
                     &failures);
  // Blocks fork/clone for an unprivileged worker (the count is per user,
  // and 0 is below it). Root, and CAP_SYS_RESOURCE/CAP_SYS_ADMIN holders,
  // are exempt: what really stops a new process is seccomp (no fork, vfork,
  // clone or clone3).
  limits &= SetLimit(RLIMIT_NPROC, 0, "RLIMIT_NPROC", &failures);
  report.rlimits = limits;
  if (!failures.empty()) {
    report.notes.push_back(
        absl::StrCat("rlimits: ", absl::StrJoin(failures, "; "),
                     "; the engine's own caps still hold"));
  }
  if (stat.vm_bytes >= options.address_space_bytes) {
    report.notes.push_back(absl::StrCat(
        "rlimits: the address space limit (",
        FormatBytes(options.address_space_bytes),
        ") is below what is already mapped (", FormatBytes(stat.vm_bytes),
        "): every new mapping will fail"));
  }

  // 3. Not dumpable: no core file, and no ptrace or /proc/<pid>/mem access
  // by other processes of the same user.
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0) {
    report.not_dumpable = true;
  } else {
    report.notes.push_back(absl::StrCat(
        "not dumpable: ", ErrnoText(errno, "prctl(PR_SET_DUMPABLE, 0)"),
        "; RLIMIT_CORE 0 still prevents core files"));
  }

  // Threads started before confinement keep the host's network namespace
  // and no Landlock domain (both are per thread).
  const std::string earlier_threads =
      report.threads == 2  ? "the 1 thread started before it"
      : report.threads > 2 ? absl::StrCat("the ", report.threads - 1,
                                          " threads started before it")
                           : "";

  // 4. Network namespace.
  if (options.network_namespace) {
    absl::StatusOr<NetworkIsolation> network =
        confine_internal::EnterNetworkNamespace();
    if (network.ok()) {
      report.network = *network;
      if (!earlier_threads.empty()) {
        report.notes.push_back(absl::StrCat(
            "network namespace: entered by the calling thread only, not by ",
            earlier_threads, " (seccomp denies socket to every thread)"));
      }
    } else {
      report.network = NetworkIsolation::kHostNamespace;
      report.notes.push_back(absl::StrCat(
          "network namespace: ", network.status().message(),
          "; the worker keeps the host network namespace (seccomp still "
          "denies socket)"));
    }
  }

  // 5. Landlock.
  if (options.landlock) {
    absl::StatusOr<int> abi = confine_internal::ApplyLandlock();
    if (abi.ok()) {
      report.landlock_abi = *abi;
      if (*abi > kNewestKnownLandlockAbi) {
        report.notes.push_back(absl::StrCat(
            "Landlock: the kernel has ABI ", *abi, "; rights added after ABI ",
            kNewestKnownLandlockAbi, " are not handled"));
      }
      if (!earlier_threads.empty()) {
        report.notes.push_back(absl::StrCat(
            "Landlock: applied to the calling thread only, not to ",
            earlier_threads, " (seccomp denies every open to every thread)"));
      }
    } else {
      report.notes.push_back(absl::StrCat(
          "Landlock: ", abi.status().message(),
          "; the worker relies on seccomp, which denies every open"));
    }
  }

  // Threads the worker needs start here: after the layers that apply only
  // to the calling thread (so they inherit them), before the filter that
  // forbids creating threads.
  if (options.start_threads) options.start_threads();

  // 6. Seccomp: the one layer that must hold.
  std::string built;
  const std::string* bpf = options.seccomp_bpf;
  if (bpf == nullptr) {
    absl::StatusOr<SeccompPolicy> policy = SeccompPolicy::Build();
    if (!policy.ok()) return policy.status();
    absl::StatusOr<std::string> exported = policy->ExportBpf();
    if (!exported.ok()) return exported.status();
    built = *std::move(exported);
    bpf = &built;
  }
  if (absl::Status s = SeccompPolicy::InstallPrebuilt(*bpf); !s.ok()) {
    return s;
  }
  report.seccomp_instructions = static_cast<int>(bpf->size() / 8);
  return report;
}

std::string DescribeForLog(const ConfineReport& report) {
  std::vector<std::string> applied;
  if (report.no_new_privs) applied.push_back("no_new_privs");
  if (report.rlimits) {
    applied.push_back(absl::StrCat(
        "rlimits (address space ", FormatBytes(report.address_space_bytes),
        ", open files ", report.max_open_files, ", processes 0, core 0)"));
  }
  if (report.not_dumpable) applied.push_back("not dumpable");
  // Not requested: the caller arranged the namespace itself (a zygote
  // enters one for all its workers) and says so in its own log line.
  if (report.network != NetworkIsolation::kNotRequested) {
    applied.push_back(NetworkName(report.network));
  }
  if (report.landlock_abi > 0) {
    applied.push_back(absl::StrCat("Landlock ABI ", report.landlock_abi,
                                   " (no file access)"));
  }
  if (report.seccomp_instructions > 0) {
    applied.push_back(absl::StrCat("seccomp allowlist (",
                                   report.seccomp_instructions,
                                   " BPF instructions)"));
  }
  std::string line =
      absl::StrCat("worker confinement: ", absl::StrJoin(applied, ", "));
  if (!report.notes.empty()) {
    absl::StrAppend(&line, ". Degraded: ", absl::StrJoin(report.notes, ". "));
  }
  return line;
}

}  // namespace airlock::sandbox::worker
