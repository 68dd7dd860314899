// An instance of a compiled module: its memories, tables, globals and
// import bindings, in one block laid out by the generated code. Fresh for
// every run; never reused after a trap.
#ifndef AIRLOCK_SANDBOX_RUNTIME_INSTANCE_H_
#define AIRLOCK_SANDBOX_RUNTIME_INSTANCE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sandbox/abi/airlock_rt.h"
#include "sandbox/runtime/compiled_module.h"
#include "sandbox/runtime/trap.h"

namespace airlock::sandbox {

class Instance;
class Watchdog;

// A host function bound to a function import. `call` gets the arguments and
// writes the results (both in signature order) and returns
// AIRLOCK_TRAP_NONE or a trap kind to raise in the guest (AIRLOCK_TRAP_EXIT
// with header->exit_code set for proc_exit).
struct HostFunction {
  std::string type;  // signature string, see airlock_rt.h
  std::function<int(const airlock_value* args, airlock_value* results)> call;
};

// What an import resolves to.
struct GlobalCell {
  std::string type;  // global type string ("i", "mI", ...)
  void* cell;        // points to the value (uint32_t*, uint64_t*, ...)
};
using Extern = std::variant<std::shared_ptr<HostFunction>, airlock_ref,
                            airlock_memory*, airlock_table*, GlobalCell>;

// Resolves a module's imports. Return NotFound naming module and field for
// an unknown import. Types are checked by Instance::Create, not here.
class ImportResolver {
 public:
  virtual ~ImportResolver() = default;
  virtual absl::StatusOr<Extern> Resolve(const airlock_import_desc& import) = 0;
  // Called by Instance::Create once the instance's memories, tables and
  // segments exist and before its start function runs, so host functions
  // that read or write guest memory (WASI) can bind to it in time for the
  // start function. The default does nothing.
  virtual void OnInitialized(Instance& instance) {}
};

struct InstanceLimits {
  // All memories and tables this instance creates, together. 0 = no cap.
  uint64_t max_memory_bytes = 0;
  // Fuel for the whole life of the instance (only if the module is metered).
  int64_t fuel = INT64_MAX;
};

// How one call into the guest ended.
struct CallOutcome {
  TrapKind trap = TrapKind::kNone;  // kNone: returned normally
  uint32_t exit_code = 0;           // with kExit
  bool ok() const { return trap == TrapKind::kNone; }
};

struct CallOptions {
  // Wall-clock deadline; the guest is stopped with trap `timeout` even while
  // inside a host call (host calls that block must honour Instance::
  // interrupted()). InfiniteFuture = none.
  absl::Time deadline = absl::InfiniteFuture();
  // Needed for deadlines; may be null when there is none.
  Watchdog* watchdog = nullptr;
};

class Instance {
 public:
  // Resolves and type-checks every import (errors name the import and the
  // mismatch), allocates the instance, runs the module's init (memories,
  // tables, segments) and then its start function (if any; `start_options`
  // give its deadline). An instantiation that traps (e.g. a data segment out
  // of bounds, or a trap or exit in the start function) returns Aborted
  // naming the trap ("instantiation trapped: unreachable"); the trap kind is
  // recoverable with InstantiationTrap(). A memory or table larger than the
  // cap is ResourceExhausted naming sizes and cap.
  // If instantiation traps and `keep_on_trap` is not null, the trapped
  // instance (which refuses calls) is moved there instead of destroyed:
  // Wasm keeps the effects of segments applied before the trap, so
  // functions it stored into imported tables must stay valid while other
  // instances may call them (the spec runner needs this; the engine does
  // not).
  static absl::StatusOr<std::unique_ptr<Instance>> Create(
      std::shared_ptr<const CompiledModule> module, ImportResolver& resolver,
      const InstanceLimits& limits, const CallOptions& start_options = {},
      std::unique_ptr<Instance>* keep_on_trap = nullptr);

  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Calls exported function `name`. args/results must match its signature
  // (InvalidArgument otherwise). A trapped instance must not be called again
  // (FailedPrecondition).
  absl::StatusOr<CallOutcome> Call(std::string_view name,
                                   std::span<const airlock_value> args,
                                   std::span<airlock_value> results,
                                   const CallOptions& options = {});

  // An export as an Extern, for linking into another instance.
  absl::StatusOr<Extern> GetExport(std::string_view name);

  // The default exported memory ("memory"), or nullptr.
  airlock_memory* exported_memory();

  const CompiledModule& module() const { return *module_; }
  airlock_instance_header* header() { return header_; }
  int64_t fuel_remaining() const;
  uint64_t peak_memory_bytes() const { return budget_.peak; }
  // True once a timeout (or cancellation) was requested for the call in
  // progress; host functions that block poll this.
  bool interrupted() const;
  // Ask the running call to stop with `timeout` (thread-safe). Sticky: the
  // request is never cleared, so a call that starts afterwards stops at its
  // first poll too (an interrupted instance is done).
  void Interrupt();

 private:
  Instance(std::shared_ptr<const CompiledModule> module);
  std::shared_ptr<const CompiledModule> module_;
  airlock_instance_header* header_ = nullptr;  // calloc'ed instance block
  airlock_budget budget_{};
  std::vector<std::shared_ptr<HostFunction>> host_functions_;
  std::vector<std::unique_ptr<airlock_host_func>> host_thunks_;
  bool initialized_ = false;
  bool poisoned_ = false;  // trapped; may not be called again
};

// If `status` came from Instance::Create failing because the module's init
// or start function trapped (or exited), how it ended (trap kind, and the
// exit code for kExit); otherwise nullopt. Carried as a status payload.
std::optional<CallOutcome> InstantiationTrap(const absl::Status& status);

// Runs `fn(arg)` as guest code on this thread: sets the trap target, the
// stack limit, and registers for the fault handler. Returns how it ended.
// Nested scopes (host -> guest -> host -> guest) are allowed.
CallOutcome RunInCallScope(airlock_instance_header* header,
                           void (*fn)(void* arg), void* arg);

// One thread that interrupts instances whose deadline passed. Owned by the
// embedder (no global state); shared by all instances it serves.
class Watchdog {
 public:
  Watchdog();
  ~Watchdog();
  // Arms a deadline for `instance`; returns a token for Disarm.
  uint64_t Arm(Instance* instance, absl::Time deadline);
  void Disarm(uint64_t token);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Process-wide setup of the fault handlers (SIGSEGV/SIGBUS) and of this
// thread's alternate signal stack. Idempotent; called by Instance::Create.
// Faults outside registered memory reservations are passed on (the process
// crashes as it would without us).
void InstallFaultHandlers();

}  // namespace airlock::sandbox

#endif  // AIRLOCK_SANDBOX_RUNTIME_INSTANCE_H_
