// The worker's system-call allowlist as a seccomp-bpf filter, built with
// libseccomp.
//
// Deny by default: a system call the policy does not name kills the whole
// process with SIGSYS (SCMP_ACT_KILL_PROCESS), and so does any call made
// through another ABI of the same machine (i386 `int $0x80`, x32). The
// allowlist itself is data in seccomp_policy.cc: named syscall sets, in the
// style of Chromium's syscall_sets.h, every entry with the reason the worker
// needs it and, where an allowed call has a dangerous mode, an argument
// filter (no PROT_EXEC, no PI futexes, signals to the own process only...).
//
// Build once, install many: a zygote builds the policy and exports its BPF
// before it forks; each worker installs those bytes with InstallPrebuilt,
// which makes no libseccomp call (a few microseconds).
#ifndef AIRLOCK_SANDBOX_WORKER_SECCOMP_POLICY_H_
#define AIRLOCK_SANDBOX_WORKER_SECCOMP_POLICY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace airlock::sandbox::worker {

// libseccomp's SCMP_ARCH_NATIVE: the architecture this binary runs on.
inline constexpr uint32_t kNativeSeccompArch = 0;

class SeccompPolicy {
 public:
  // Builds the worker policy for `scmp_arch`: SCMP_ARCH_X86_64,
  // SCMP_ARCH_AARCH64, SCMP_ARCH_RISCV64, or kNativeSeccompArch when this
  // machine is one of those. Syscalls of the policy that the architecture
  // does not have (`poll` on aarch64, say) are skipped and listed in
  // absent_syscalls(). InvalidArgument for any other architecture;
  // Internal when libseccomp refuses a rule (the message names the call).
  static absl::StatusOr<SeccompPolicy> Build(
      uint32_t scmp_arch = kNativeSeccompArch);

  SeccompPolicy(SeccompPolicy&& other) noexcept;
  SeccompPolicy& operator=(SeccompPolicy&& other) noexcept;
  ~SeccompPolicy();

  // The AUDIT_ARCH_* value the filter accepts (libseccomp's SCMP_ARCH_*
  // tokens are these values).
  uint32_t audit_arch() const { return audit_arch_; }
  // Allowlisted syscalls this architecture does not have, in policy order.
  const std::vector<std::string>& absent_syscalls() const {
    return absent_syscalls_;
  }

  // The filter as a classic BPF program: raw `struct sock_filter` records in
  // host byte order, as seccomp(SECCOMP_SET_MODE_FILTER) takes them. The
  // rule that lets the worker signal itself (tgkill) compares the target
  // against a placeholder that InstallPrebuilt replaces with the pid of the
  // process installing it, so bytes exported before fork() fit every child.
  absl::StatusOr<std::string> ExportBpf() const;

  // Installs `bpf` (ExportBpf of a policy for this machine's architecture)
  // on every thread of the calling process (SECCOMP_FILTER_FLAG_TSYNC).
  // Irreversible. Checks first that `bpf` is a whole number of at most
  // BPF_MAXINSNS instructions, starts with the check for this architecture
  // and has the own-process rule; InvalidArgument otherwise, and nothing is
  // installed. Errors from the kernel name the call and errno; on any error
  // nothing is installed.
  // REQUIRES: no_new_privs is set (PR_SET_NO_NEW_PRIVS) or the caller has
  // CAP_SYS_ADMIN, else the kernel refuses with EACCES.
  static absl::Status InstallPrebuilt(const std::string& bpf);

 private:
  struct FilterDeleter {
    void operator()(void* ctx) const;
  };
  SeccompPolicy(void* ctx, uint32_t audit_arch,
                std::vector<std::string> absent_syscalls);

  std::unique_ptr<void, FilterDeleter> ctx_;  // a scmp_filter_ctx
  uint32_t audit_arch_;
  std::vector<std::string> absent_syscalls_;
};

}  // namespace airlock::sandbox::worker

#endif  // AIRLOCK_SANDBOX_WORKER_SECCOMP_POLICY_H_
