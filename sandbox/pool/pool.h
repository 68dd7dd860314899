// WorkerPool: runs calls in confined worker processes (sandbox/worker),
// the supervisor's side of the isolation layer.
//
// A worker serves one tenant and one compiled module for its whole life;
// the pool keeps idle workers per (tenant, module), starts new ones from a
// zygote when none is free (up to a global and a per-tenant cap), and
// queues a call when both caps are reached, until the call's deadline. It
// answers the worker's file requests (the broker: the worker opens nothing
// itself), streams the guest's output to the caller as it arrives, capped,
// kills a worker whose call overruns its timeout, and replaces a worker that
// died. Workers are recycled after `max_calls_per_worker` calls, after
// `idle_timeout`, and after any call that did not end with a clean exit.
#ifndef AIRLOCK_SANDBOX_POOL_POOL_H_
#define AIRLOCK_SANDBOX_POOL_POOL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sandbox/engine.h"
#include "sandbox/runtime/compiled_module.h"
#include "sandbox/wasi/wasi.h"

namespace airlock::sandbox {

struct PoolOptions {
  // The airlock-worker executable (it runs the zygote).
  std::string worker_binary;
  size_t max_workers = 64;            // alive at once, all tenants
  size_t max_workers_per_tenant = 8;  // alive at once, one tenant
  uint32_t max_calls_per_worker = 1000;
  absl::Duration idle_timeout = absl::Seconds(60);
  // How long after a call's timeout the supervisor waits for the worker's
  // own watchdog before killing the worker.
  absl::Duration kill_grace = absl::Milliseconds(200);
  // Worker confinement (see sandbox/worker/confine.h). Address space per
  // worker is the call's memory cap plus this much for guard reservations,
  // the runtime and the module.
  uint64_t address_space_overhead_bytes = 12ull << 30;
  // One empty network namespace for all workers, entered by the zygote
  // (see ZygoteOptions in sandbox/worker/worker.h).
  bool network_namespace = true;
  bool landlock = true;
  // Let calls ask workers to make forbidden syscalls (tests only).
  bool test_hooks = false;
  // One line per event (worker started, confinement applied, worker lost).
  std::function<void(std::string_view)> log;
};

enum class OutputStream { kStdout, kStderr };

// A forbidden action a test asks the worker to take (PoolOptions::
// test_hooks must be on): the worker must be killed by seccomp or crash.
enum class TestHook { kNone, kSocket, kExecve, kOpen, kPtrace, kSegfault };

struct PoolCall {
  std::string tenant;
  std::shared_ptr<const CompiledModule> module;
  std::vector<std::string> args;  // argv, argv[0] included
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<DirGrant> dirs;  // opened by the supervisor, never the worker
  RunLimits limits;
  uint64_t max_output_bytes = 0;  // stdout + stderr; 0 = unlimited
  std::string input;              // the call's stdin, all of it
  // Receives output as the guest writes it, in order; called on the thread
  // that called Run.
  std::function<void(OutputStream, std::string_view)> on_output;
  // Waiting for a worker counts against this too. InfiniteFuture = none
  // (limits.timeout still bounds the run).
  absl::Time deadline = absl::InfiniteFuture();
  TestHook test_hook = TestHook::kNone;
};

struct PoolResult {
  enum class Outcome {
    kExited,      // the guest exited (exit_code) or returned from _start
    kTrapped,     // trap (kTimeout when the watchdog or the pool stopped it)
    kWorkerLost,  // the worker process died: `signal` says how
  };
  Outcome outcome = Outcome::kExited;
  TrapKind trap = TrapKind::kNone;
  uint32_t exit_code = 0;
  int signal = 0;  // kWorkerLost: the signal that killed the worker, or 0
  std::string lost_reason;  // kWorkerLost: e.g. "killed by SIGSYS"
  int64_t fuel_used = 0;
  uint64_t peak_memory_bytes = 0;
  absl::Duration run_time;    // in the worker: instantiate + _start
  absl::Duration queue_time;  // waiting for a worker
  bool new_worker = false;    // this call started a worker
  uint64_t output_bytes = 0;  // delivered to on_output
  bool output_truncated = false;
};

struct PoolStats {
  size_t workers = 0;  // alive
  size_t idle_workers = 0;
  uint64_t workers_started = 0;
  uint64_t workers_lost = 0;
  uint64_t calls = 0;
};

class WorkerPool {
 public:
  // Starts the zygote. Errors: the worker binary is missing or did not
  // start.
  static absl::StatusOr<std::unique_ptr<WorkerPool>> Create(
      PoolOptions options);
  // Stops every worker and the zygote, and waits for them.
  ~WorkerPool();

  // Runs one call. Thread-safe; blocks the calling thread until the call
  // ends. Errors (not outcomes): DeadlineExceeded when no worker became free
  // before the deadline, FailedPrecondition when the module cannot run
  // (same messages as in-process: no _start, unknown import, a bad grant),
  // Unavailable when no worker could be started.
  absl::StatusOr<PoolResult> Run(const PoolCall& call);

  PoolStats stats() const;

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

 private:
  struct State;
  explicit WorkerPool(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace airlock::sandbox

#endif  // AIRLOCK_SANDBOX_POOL_POOL_H_
