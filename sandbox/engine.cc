#include "sandbox/engine.h"

#include <utility>

namespace airlock::sandbox {

Engine::Engine(std::unique_ptr<Compiler> compiler)
    : compiler_(std::move(compiler)) {}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(Config config) {
  absl::StatusOr<std::unique_ptr<Compiler>> compiler =
      Compiler::Create(std::move(config.compiler));
  if (!compiler.ok()) return compiler.status();
  return std::unique_ptr<Engine>(new Engine(*std::move(compiler)));
}

absl::StatusOr<std::shared_ptr<const CompiledModule>> Engine::Compile(
    std::span<const uint8_t> wasm, const CompileOptions& options,
    CompileStats* stats) {
  return compiler_->Compile(wasm, options, stats);
}

absl::StatusOr<RunResult> Engine::RunCommand(
    std::shared_ptr<const CompiledModule> module, WasiConfig wasi_config,
    const RunLimits& limits) {
  return RunWasiCommand(std::move(module), std::move(wasi_config), limits,
                        watchdog_);
}

}  // namespace airlock::sandbox
