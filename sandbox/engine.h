// The engine facade: compile (cached) and run a WASI command module in a
// fresh instance with per-call limits. Used by `airlock run`, the test
// runners and the benchmarks; the worker pool will call the same code.
#ifndef AIRLOCK_SANDBOX_ENGINE_H_
#define AIRLOCK_SANDBOX_ENGINE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sandbox/compile/compiler.h"
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

class Engine {
 public:
  struct Config {
    CompilerConfig compiler;
  };
  static absl::StatusOr<std::unique_ptr<Engine>> Create(Config config);

  absl::StatusOr<std::shared_ptr<const CompiledModule>> Compile(
      std::span<const uint8_t> wasm, const CompileOptions& options,
      CompileStats* stats = nullptr);

  // Instantiates `module` with a WASI host for `wasi` and runs `_start`.
  // Errors (not traps): unknown import, import type mismatch, memory over
  // the cap at instantiation, no `_start`, a bad grant.
  absl::StatusOr<RunResult> RunCommand(
      std::shared_ptr<const CompiledModule> module, WasiConfig wasi,
      const RunLimits& limits);

  Watchdog& watchdog() { return watchdog_; }

 private:
  explicit Engine(std::unique_ptr<Compiler> compiler);
  std::unique_ptr<Compiler> compiler_;
  Watchdog watchdog_;
};

}  // namespace airlock::sandbox

#endif  // AIRLOCK_SANDBOX_ENGINE_H_
