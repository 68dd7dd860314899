// The confinement a worker applies to itself after it has loaded its module
// and before it serves a call. Layers, in the order applied:
//   1. PR_SET_NO_NEW_PRIVS (no setuid/file-capability gains; lets an
//      unprivileged process install seccomp and Landlock);
//   2. rlimits: address space, no core dumps, open files, no new processes;
//   3. PR_SET_DUMPABLE 0 (no core dump, no ptrace attach by same-uid peers);
//   4. a network namespace of its own (CLONE_NEWNET, or CLONE_NEWUSER |
//      CLONE_NEWNET when the process may not create one directly);
//   5. Landlock handling every access right the kernel knows, with no rule
//      allowing any: no file access at all, no TCP, no signals or abstract
//      sockets leaving the worker;
//   6. the seccomp allowlist (seccomp_policy.h) on every thread (TSYNC).
// Before layer 1 it warms what the engine would otherwise set up lazily by
// opening files during a call (which the filter would punish with SIGSYS):
// the calling thread's fault handling and stack bounds (pthread_getattr_np
// reads /proc/self/maps) and abseil's CPU count (read from /sys on the
// first contended Mutex).
//
// Layers 2-5 degrade: when the kernel or the process's privileges refuse
// one, confinement goes on and the report says what is missing and why.
// Seccomp does not: without it there is an error, never an unconfined
// worker.
#ifndef AIRLOCK_SANDBOX_WORKER_CONFINE_H_
#define AIRLOCK_SANDBOX_WORKER_CONFINE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace airlock::sandbox::worker {

struct ConfineOptions {
  // RLIMIT_AS, soft and hard. Must cover what is mapped already plus one
  // reservation per Wasm memory the worker will hold at once
  // (AIRLOCK_MEMORY_RESERVATION: 8 GiB + 64 KiB, address space only) plus
  // the host's heap. 0 is an error (InvalidArgument, nothing applied).
  uint64_t address_space_bytes = 0;
  // RLIMIT_NOFILE: fds received from the broker beyond it are dropped by
  // the kernel (recvmsg reports MSG_CTRUNC). 0 is an error.
  uint64_t max_open_files = 64;
  bool network_namespace = true;
  bool landlock = true;
  // The worker policy exported by SeccompPolicy::ExportBpf (a zygote builds
  // it once); null builds it now (milliseconds). Not owned.
  const std::string* seccomp_bpf = nullptr;
  // Called after Landlock (layer 5) and before seccomp (layer 6): where the
  // worker starts the threads it needs (the engine's watchdog), so they
  // inherit the layers that apply per thread (Landlock, the network
  // namespace), while thread creation is still allowed.
  std::function<void()> start_threads;
};

// How the worker's network is cut off.
enum class NetworkIsolation {
  kNotRequested,      // ConfineOptions::network_namespace was false
  kOwnNamespace,      // unshare(CLONE_NEWNET)
  kOwnUserNamespace,  // unshare(CLONE_NEWUSER | CLONE_NEWNET)
  kHostNamespace,     // both refused: see the notes
};

struct ConfineReport {
  bool no_new_privs = false;
  bool rlimits = false;  // all four set
  bool not_dumpable = false;
  NetworkIsolation network = NetworkIsolation::kNotRequested;
  int landlock_abi = 0;  // the Landlock ABI enforced; 0: none
  int seccomp_instructions = 0;
  uint64_t address_space_bytes = 0;
  uint64_t max_open_files = 0;
  // Threads of the process, the caller included, when it was confined.
  // Landlock and the network namespace apply to the calling thread (and
  // threads it starts later) only; no_new_privs and seccomp reach all
  // threads through TSYNC. 0: unknown (no /proc).
  int threads = 0;
  // One sentence per layer not applied, or applied only in part: what,
  // why, and what still holds.
  std::vector<std::string> notes;
};

// Applies the layers above to the calling process. Irreversible.
// REQUIRES: the module is loaded (nothing can be opened afterwards), and the
// caller is the thread that will run calls (its fault handling is set up
// here). The filter kills thread creation: start threads in
// `start_threads` (threads started before Confine miss Landlock and the
// network namespace; the report notes it).
// Errors: InvalidArgument for bad options (nothing applied); otherwise only
// the seccomp step fails the call (its message names the cause), and then
// the process is partly confined and must exit without serving anything.
absl::StatusOr<ConfineReport> ConfineCurrentProcess(
    const ConfineOptions& options);

// One line for the worker's log: every layer applied, then the notes.
std::string DescribeForLog(const ConfineReport& report);

// The Landlock and namespace steps alone, for tests: production code calls
// ConfineCurrentProcess, which never skips seccomp.
namespace confine_internal {

// Enforces a Landlock ruleset that handles every filesystem right of the
// kernel's ABI (and, from ABI 4, TCP bind/connect; from ABI 6, abstract
// unix sockets and signals leaving the domain) with no rule: the calling
// thread loses all file access by path. Returns the ABI enforced.
// Unavailable when the kernel has no Landlock or it is disabled (the
// message says which); other errors name the call and errno.
// REQUIRES: no_new_privs is set, or CAP_SYS_ADMIN.
absl::StatusOr<int> ApplyLandlock();

// Moves the calling thread into a new network namespace (only a loopback
// device, down): CLONE_NEWNET, or CLONE_NEWUSER | CLONE_NEWNET when the
// first is refused. Returns which. FailedPrecondition naming both refusals
// when neither works (a user namespace needs a single-threaded process).
absl::StatusOr<NetworkIsolation> EnterNetworkNamespace();

}  // namespace confine_internal

}  // namespace airlock::sandbox::worker

#endif  // AIRLOCK_SANDBOX_WORKER_CONFINE_H_
