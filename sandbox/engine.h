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
#include "sandbox/command.h"
#include "sandbox/compile/compiler.h"
#include "sandbox/runtime/instance.h"
#include "sandbox/runtime/trap.h"
#include "sandbox/wasi/wasi.h"

namespace airlock::sandbox {

class Engine {
 public:
  struct Config {
    CompilerConfig compiler;
  };
  static absl::StatusOr<std::unique_ptr<Engine>> Create(Config config);

  absl::StatusOr<std::shared_ptr<const CompiledModule>> Compile(
      std::span<const uint8_t> wasm, const CompileOptions& options,
      CompileStats* stats = nullptr);

  // RunWasiCommand with this engine's watchdog.
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
