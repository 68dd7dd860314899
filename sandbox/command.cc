#include "sandbox/command.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace airlock::sandbox {

namespace {

// The instance's remaining fuel can go negative: generated code subtracts a
// block's cost before the check that traps. Used fuel is capped at the limit.
int64_t FuelUsed(int64_t limit, int64_t remaining) {
  return limit - std::max<int64_t>(remaining, 0);
}

absl::Status WithContext(const absl::Status& status, absl::string_view what) {
  return absl::Status(status.code(),
                      absl::StrCat(what, ": ", status.message()));
}

}  // namespace

absl::StatusOr<RunResult> RunWasiCommand(
    std::shared_ptr<const CompiledModule> module, WasiConfig wasi_config,
    const RunLimits& limits, Watchdog& watchdog) {
  if (module == nullptr) {
    return absl::InvalidArgumentError("RunCommand: no module");
  }
  // Checked before instantiating so that a module we will not run never
  // executes its start function.
  const airlock_export_desc* start_export = module->FindExport("_start");
  if (start_export == nullptr || start_export->kind != AIRLOCK_EXTERN_FUNC) {
    return absl::InvalidArgumentError(
        "module has no _start export: not a WASI command");
  }
  if (start_export->type == nullptr ||
      std::string_view(start_export->type) != ">") {
    return absl::InvalidArgumentError(absl::StrCat(
        "_start has type ", start_export->type ? start_export->type : "?",
        ", expected [] -> [] (\">\")"));
  }
  const bool metered = module->desc().fuel_metered != 0;
  const absl::Time start = absl::Now();
  // InfiniteDuration + now is InfiniteFuture: no deadline is armed.
  CallOptions call_options;
  call_options.deadline = start + limits.timeout;
  call_options.watchdog = &watchdog;

  // Declared before the instance: the instance's import slots point into the
  // WASI context, so the context must outlive it.
  absl::StatusOr<std::unique_ptr<WasiContext>> wasi =
      WasiContext::Create(std::move(wasi_config));
  if (!wasi.ok()) return WithContext(wasi.status(), "WASI setup");

  InstanceLimits instance_limits;
  instance_limits.max_memory_bytes = limits.max_memory_bytes;
  instance_limits.fuel = limits.fuel;
  absl::StatusOr<std::unique_ptr<Instance>> instance =
      Instance::Create(module, **wasi, instance_limits, call_options);
  if (!instance.ok()) {
    // A trap in init (a segment out of bounds) or in the start function is
    // how the run ended, not an error of the embedder's making. The
    // instance is gone: only what the trap itself implies is known.
    if (std::optional<CallOutcome> trap =
            InstantiationTrap(instance.status())) {
      RunResult result;
      result.trap = trap->trap;
      result.exit_code = trap->trap == TrapKind::kExit ? trap->exit_code : 0;
      result.fuel_used =
          metered && trap->trap == TrapKind::kOutOfFuel ? limits.fuel : 0;
      result.run_time = absl::Now() - start;
      return result;
    }
    return instance.status();
  }

  absl::StatusOr<CallOutcome> outcome =
      (*instance)->Call("_start", {}, {}, call_options);
  if (!outcome.ok()) return WithContext(outcome.status(), "calling _start");

  RunResult result;
  result.run_time = absl::Now() - start;
  if (outcome->ok()) {
    result.trap = TrapKind::kNone;
    result.exit_code = 0;
  } else {
    result.trap = outcome->trap;
    result.exit_code =
        outcome->trap == TrapKind::kExit ? outcome->exit_code : 0;
  }
  result.fuel_used =
      metered ? FuelUsed(limits.fuel, (*instance)->fuel_remaining()) : 0;
  result.peak_memory_bytes = (*instance)->peak_memory_bytes();
  return result;
}

}  // namespace airlock::sandbox
