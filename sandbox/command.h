// Running a WASI command module that is already compiled and loaded: one
// fresh instance, `_start`, per-call limits. The part of the engine a worker
// process needs (it never compiles), so it links without the compiler.
#ifndef AIRLOCK_SANDBOX_COMMAND_H_
#define AIRLOCK_SANDBOX_COMMAND_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sandbox/runtime/compiled_module.h"
#include "sandbox/runtime/instance.h"
#include "sandbox/runtime/trap.h"
#include "sandbox/wasi/wasi.h"

namespace airlock::sandbox {

struct RunLimits {
  int64_t fuel = INT64_MAX;                 // ignored when not metered
  uint64_t max_memory_bytes = 64ull << 20;  // all memories + tables
  absl::Duration timeout = absl::InfiniteDuration();
};

// How a run ended. Exactly one of: exit (trap == kNone or kExit), a trap.
struct RunResult {
  TrapKind trap = TrapKind::kNone;  // kNone/kExit: the guest exited
  uint32_t exit_code = 0;           // valid when trap is kNone or kExit
  int64_t fuel_used = 0;
  uint64_t peak_memory_bytes = 0;
  absl::Duration run_time;  // instantiate + _start
  bool exited() const {
    return trap == TrapKind::kNone || trap == TrapKind::kExit;
  }
};

// Instantiates `module` with a WASI host for `wasi` and runs `_start` under
// `limits`; `watchdog` enforces the timeout. Engine::RunCommand calls
// it; a worker process, which loads modules itself, calls it directly. Errors
// (not traps): unknown import, import type mismatch, memory over the cap at
// instantiation, no `_start`, a bad grant.
absl::StatusOr<RunResult> RunWasiCommand(
    std::shared_ptr<const CompiledModule> module, WasiConfig wasi,
    const RunLimits& limits, Watchdog& watchdog);

}  // namespace airlock::sandbox

#endif  // AIRLOCK_SANDBOX_COMMAND_H_
