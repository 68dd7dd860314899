#include "sandbox/runtime/instance.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "sandbox/abi/airlock_rt.h"
#include "sandbox/runtime/compiled_module.h"
#include "sandbox/runtime/runtime_internal.h"
#include "sandbox/runtime/trap.h"

namespace airlock::sandbox {
namespace {

// Status payload of a trapped instantiation: "<trap kind> <exit code>".
constexpr char kInstantiationTrapUrl[] =
    "type.airlock.dev/airlock.sandbox.InstantiationTrap";

// ---- Describing types, for error messages ----

const char* ValueTypeName(char c) {
  switch (c) {
    case 'i':
      return "i32";
    case 'I':
      return "i64";
    case 'f':
      return "f32";
    case 'F':
      return "f64";
    case 'v':
      return "v128";
    case 'r':
      return "funcref";
    case 'e':
      return "externref";
  }
  return "?";
}

std::string DescribeGlobal(absl::string_view type) {
  if (!type.empty() && type[0] == 'm' && type.size() == 2) {
    return absl::StrCat("global (mut ", ValueTypeName(type[1]), ")");
  }
  if (type.size() != 1) return absl::StrCat("global \"", type, "\"");
  return absl::StrCat("global ", ValueTypeName(type[0]));
}

const char* KindName(uint8_t kind) {
  switch (kind) {
    case AIRLOCK_EXTERN_FUNC:
      return "function";
    case AIRLOCK_EXTERN_TABLE:
      return "table";
    case AIRLOCK_EXTERN_MEMORY:
      return "memory";
    case AIRLOCK_EXTERN_GLOBAL:
      return "global";
  }
  return "unknown";
}

std::string DescribeImport(const airlock_import_desc& imp) {
  std::string max = imp.has_max ? absl::StrCat("max ", imp.max) : "no max";
  switch (imp.kind) {
    case AIRLOCK_EXTERN_FUNC:
      return absl::StrCat("func ", imp.type);
    case AIRLOCK_EXTERN_TABLE:
      return absl::StrCat("table ", ValueTypeName(imp.type[0]), " (min ",
                          imp.min, ", ", max, ")");
    case AIRLOCK_EXTERN_MEMORY:
      return absl::StrCat("memory (min ", imp.min, " pages, ", max,
                          imp.has_max ? " pages)" : ")");
    case AIRLOCK_EXTERN_GLOBAL:
      return DescribeGlobal(imp.type);
  }
  return "unknown";
}

std::string DescribeExtern(const Extern& ext) {
  struct Visitor {
    std::string operator()(const std::shared_ptr<HostFunction>& f) {
      if (f == nullptr) return "a null host function";
      return absl::StrCat("func ", f->type);
    }
    std::string operator()(const airlock_ref& ref) {
      if (ref.fn == nullptr) return "a null reference";
      return absl::StrCat("func ", ref.sig != nullptr ? ref.sig : "?");
    }
    std::string operator()(airlock_memory* m) {
      if (m == nullptr || m->base == nullptr) return "a null memory";
      std::string max = m->max_pages >= AIRLOCK_MAX_PAGES
                            ? std::string("no max")
                            : absl::StrCat("max ", m->max_pages, " pages");
      return absl::StrCat("memory (size ", m->pages, " pages, ", max, ")");
    }
    std::string operator()(airlock_table* t) {
      if (t == nullptr) return "a null table";
      std::string max = t->max == UINT32_MAX ? std::string("no max")
                                             : absl::StrCat("max ", t->max);
      return absl::StrCat("table ", t->is_funcref ? "funcref" : "externref",
                          " (size ", t->size, ", ", max, ")");
    }
    std::string operator()(const GlobalCell& g) {
      if (g.cell == nullptr) return "a null global";
      return DescribeGlobal(g.type);
    }
  };
  return std::visit(Visitor{}, ext);
}

// Wasm limits matching for an imported table or memory: the provided one is
// at least as large as the import's minimum and, if the import declares a
// maximum, has a maximum no larger. `no_max` is how the runtime spells "no
// maximum" (UINT32_MAX for tables, AIRLOCK_MAX_PAGES for memories); a
// declared maximum equal to it cannot be told apart from none, and any
// provided object satisfies it.
bool LimitsMatch(const airlock_import_desc& imp, uint64_t size, uint64_t max,
                 uint64_t no_max) {
  if (size < imp.min) return false;
  if (!imp.has_max || imp.max >= no_max) return true;
  return max < no_max && max <= imp.max;
}

// ---- Host functions ----

// The airlock_host_func.call of every host function: a C-callable bridge to
// the std::function. No exception may unwind into generated C code.
int HostTrampoline(void* ctx, const airlock_value* args,
                   airlock_value* results) {
  auto* fn = static_cast<HostFunction*>(ctx);
  int trap;
  try {
    if (!fn->call) return AIRLOCK_TRAP_HOST_ERROR;
    trap = fn->call(args, results);
  } catch (...) {
    return AIRLOCK_TRAP_HOST_ERROR;
  }
  if (trap < AIRLOCK_TRAP_NONE || trap > AIRLOCK_TRAP_HOST_ERROR) {
    return AIRLOCK_TRAP_HOST_ERROR;
  }
  return trap;
}

// Binds one import into its slot in the instance block.
absl::Status BindImport(
    const airlock_import_desc& imp, const Extern& ext, char* block,
    std::vector<std::shared_ptr<HostFunction>>& host_functions,
    std::vector<std::unique_ptr<airlock_host_func>>& host_thunks) {
  auto mismatch = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "incompatible import type for ", imp.module, ".", imp.name,
        ": expected ", DescribeImport(imp), ", got ", DescribeExtern(ext)));
  };
  void* slot = block + imp.offset;
  switch (imp.kind) {
    case AIRLOCK_EXTERN_FUNC: {
      if (const auto* host = std::get_if<std::shared_ptr<HostFunction>>(&ext)) {
        if (*host == nullptr || (*host)->type != imp.type) return mismatch();
        auto thunk = std::make_unique<airlock_host_func>();
        thunk->call = &HostTrampoline;
        thunk->ctx = host->get();
        airlock_ref ref{imp.type, imp.thunk, thunk.get()};
        memcpy(slot, &ref, sizeof ref);
        host_functions.push_back(*host);
        host_thunks.push_back(std::move(thunk));
        return absl::OkStatus();
      }
      const auto* ref = std::get_if<airlock_ref>(&ext);
      if (ref == nullptr || ref->fn == nullptr ||
          !airlock_sig_equal(ref->sig, imp.type)) {
        return mismatch();
      }
      memcpy(slot, ref, sizeof *ref);
      return absl::OkStatus();
    }
    case AIRLOCK_EXTERN_TABLE: {
      const auto* table = std::get_if<airlock_table*>(&ext);
      if (table == nullptr || *table == nullptr) return mismatch();
      bool want_funcref = imp.type[0] == 'r';
      if (((*table)->is_funcref != 0) != want_funcref ||
          !LimitsMatch(imp, (*table)->size, (*table)->max, UINT32_MAX)) {
        return mismatch();
      }
      memcpy(slot, table, sizeof(airlock_table*));
      return absl::OkStatus();
    }
    case AIRLOCK_EXTERN_MEMORY: {
      const auto* memory = std::get_if<airlock_memory*>(&ext);
      if (memory == nullptr || *memory == nullptr ||
          (*memory)->base == nullptr ||
          !LimitsMatch(imp, (*memory)->pages, (*memory)->max_pages,
                       AIRLOCK_MAX_PAGES)) {
        return mismatch();
      }
      memcpy(slot, memory, sizeof(airlock_memory*));
      return absl::OkStatus();
    }
    case AIRLOCK_EXTERN_GLOBAL: {
      const auto* global = std::get_if<GlobalCell>(&ext);
      if (global == nullptr || global->cell == nullptr ||
          global->type != imp.type) {
        return mismatch();
      }
      memcpy(slot, &global->cell, sizeof(void*));
      return absl::OkStatus();
    }
  }
  return absl::InternalError(absl::StrCat("import ", imp.module, ".", imp.name,
                                          " has an unknown kind"));
}

// Resolver errors, made to name the import. NotFound keeps its code (an
// unknown import) and a message starting "unknown import" (the resolver's
// own if it already says so, else "unknown import: module.field (...)").
absl::Status ResolveError(const airlock_import_desc& imp,
                          const absl::Status& status) {
  std::string qualified = absl::StrCat(imp.module, ".", imp.name);
  if (absl::IsNotFound(status)) {
    if (absl::StartsWith(status.message(), "unknown import")) return status;
    std::string message = absl::StrCat("unknown import: ", qualified);
    if (!status.message().empty()) {
      absl::StrAppend(&message, " (", status.message(), ")");
    }
    return absl::NotFoundError(message);
  }
  return absl::Status(status.code(), absl::StrCat("import ", qualified, ": ",
                                                  status.message()));
}

absl::Status TrapStatus(const CallOutcome& outcome) {
  std::string message = absl::StrCat("instantiation trapped: ",
                                     std::string(TrapName(outcome.trap)));
  if (outcome.trap == TrapKind::kExit) {
    absl::StrAppend(&message, " (code ", outcome.exit_code, ")");
  }
  absl::Status status = absl::AbortedError(message);
  status.SetPayload(kInstantiationTrapUrl,
                    absl::Cord(absl::StrCat(static_cast<int>(outcome.trap), " ",
                                            outcome.exit_code)));
  return status;
}

// Counts the params and results of a signature "params>results".
struct Arity {
  size_t params = 0;
  size_t results = 0;
};
Arity SignatureArity(std::string_view sig) {
  size_t arrow = sig.find('>');
  if (arrow == std::string_view::npos) return {sig.size(), 0};
  return {arrow, sig.size() - arrow - 1};
}

// ---- Running guest code ----

struct InitCall {
  int (*init)(void*);
  void* instance;
  int result;
};
void RunInit(void* arg) {
  auto* call = static_cast<InitCall*>(arg);
  call->result = call->init(call->instance);
}

struct StartCall {
  void (*start)(void*);
  void* instance;
};
void RunStart(void* arg) {
  auto* call = static_cast<StartCall*>(arg);
  call->start(call->instance);
}

struct InvokeCall {
  void (*invoke)(void*, const airlock_value*, airlock_value*);
  void* instance;
  const airlock_value* args;
  airlock_value* results;
};
void RunInvoke(void* arg) {
  auto* call = static_cast<InvokeCall*>(arg);
  call->invoke(call->instance, call->args, call->results);
}

// Runs fn(arg) in a call scope with `options.deadline` armed on the
// watchdog for `instance`.
absl::StatusOr<CallOutcome> RunWithDeadline(Instance* instance,
                                            void (*fn)(void*), void* arg,
                                            const CallOptions& options) {
  const bool has_deadline = options.deadline != absl::InfiniteFuture();
  if (has_deadline && options.watchdog == nullptr) {
    return absl::InvalidArgumentError(
        "a call with a deadline needs a watchdog");
  }
  uint64_t token = 0;
  if (has_deadline) token = options.watchdog->Arm(instance, options.deadline);
  CallOutcome outcome = RunInCallScope(instance->header(), fn, arg);
  if (has_deadline) options.watchdog->Disarm(token);
  return outcome;
}

}  // namespace

std::optional<CallOutcome> InstantiationTrap(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kInstantiationTrapUrl);
  if (!payload.has_value()) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(std::string(*payload), ' ');
  int kind = 0;
  uint32_t exit_code = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &kind) ||
      !absl::SimpleAtoi(parts[1], &exit_code) || kind <= AIRLOCK_TRAP_NONE ||
      kind > AIRLOCK_TRAP_HOST_ERROR) {
    return std::nullopt;
  }
  CallOutcome outcome;
  outcome.trap = static_cast<TrapKind>(kind);
  outcome.exit_code = exit_code;
  return outcome;
}

Instance::Instance(std::shared_ptr<const CompiledModule> module)
    : module_(std::move(module)) {}

Instance::~Instance() {
  if (header_ == nullptr) return;
  // destroy is safe after a failed or partial init, but not before init
  // ran at all (it may assume init zeroed or set things).
  if (initialized_) module_->desc().destroy(header_);
  free(header_);
}

absl::StatusOr<std::unique_ptr<Instance>> Instance::Create(
    std::shared_ptr<const CompiledModule> module, ImportResolver& resolver,
    const InstanceLimits& limits, const CallOptions& start_options,
    std::unique_ptr<Instance>* keep_on_trap) {
  if (module == nullptr) return absl::InvalidArgumentError("no module");
  const airlock_module_desc& desc = module->desc();
  std::unique_ptr<Instance> instance(new Instance(std::move(module)));
  void* block = calloc(1, desc.instance_size);
  if (block == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("out of host memory for an instance of ",
                     internal::FormatBytes(desc.instance_size)));
  }
  instance->header_ = static_cast<airlock_instance_header*>(block);
  airlock_instance_header* header = instance->header_;
  instance->budget_.limit = limits.max_memory_bytes;
  header->fuel = limits.fuel;
  header->budget = &instance->budget_;
  header->module = &desc;

  for (uint32_t i = 0; i < desc.num_imports; ++i) {
    const airlock_import_desc& imp = desc.imports[i];
    absl::StatusOr<Extern> ext = resolver.Resolve(imp);
    if (!ext.ok()) return ResolveError(imp, ext.status());
    absl::Status bound =
        BindImport(imp, *ext, static_cast<char*>(block),
                   instance->host_functions_, instance->host_thunks_);
    if (!bound.ok()) return bound;
  }

  InstallFaultHandlers();
  internal::TakeRuntimeError();  // forget reasons of earlier failures
  instance->initialized_ = true;
  InitCall init{desc.init, block, 0};
  // A trapped instantiation: hand the instance to the caller if asked (see
  // keep_on_trap), else destroy it with `instance`.
  auto trapped = [&](const CallOutcome& outcome) {
    instance->poisoned_ = true;
    if (keep_on_trap != nullptr) *keep_on_trap = std::move(instance);
    return TrapStatus(outcome);
  };
  CallOutcome outcome = RunInCallScope(header, &RunInit, &init);
  if (!outcome.ok()) return trapped(outcome);
  if (init.result != 0) {
    std::string reason = internal::TakeRuntimeError();
    return absl::ResourceExhaustedError(
        reason.empty() ? "instantiation failed: a memory or table could not "
                         "be created"
                       : reason);
  }

  resolver.OnInitialized(*instance);
  if (desc.start != nullptr) {
    StartCall start{desc.start, block};
    absl::StatusOr<CallOutcome> started =
        RunWithDeadline(instance.get(), &RunStart, &start, start_options);
    if (!started.ok()) return started.status();
    if (!started->ok()) return trapped(*started);
  }
  return instance;
}

absl::StatusOr<CallOutcome> Instance::Call(std::string_view name,
                                           std::span<const airlock_value> args,
                                           std::span<airlock_value> results,
                                           const CallOptions& options) {
  const absl::string_view export_name(name.data(), name.size());
  if (poisoned_) {
    return absl::FailedPreconditionError(
        "the instance trapped or exited in an earlier call and cannot be "
        "called again");
  }
  const airlock_export_desc* exp = module_->FindExport(name);
  if (exp == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no export named \"", export_name, "\""));
  }
  if (exp->kind != AIRLOCK_EXTERN_FUNC) {
    return absl::InvalidArgumentError(
        absl::StrCat("export \"", export_name, "\" is a ", KindName(exp->kind),
                     ", not a function"));
  }
  Arity arity = SignatureArity(exp->type);
  if (args.size() != arity.params || results.size() != arity.results) {
    return absl::InvalidArgumentError(absl::StrCat(
        "function \"", export_name, "\" (", exp->type, ") takes ", arity.params,
        " arguments and returns ", arity.results, " results; got ", args.size(),
        " arguments and room for ", results.size(), " results"));
  }
  InvokeCall call{exp->invoke, header_, args.data(), results.data()};
  absl::StatusOr<CallOutcome> outcome =
      RunWithDeadline(this, &RunInvoke, &call, options);
  if (outcome.ok() && !outcome->ok()) poisoned_ = true;
  return outcome;
}

absl::StatusOr<Extern> Instance::GetExport(std::string_view name) {
  const absl::string_view export_name(name.data(), name.size());
  const airlock_export_desc* exp = module_->FindExport(name);
  if (exp == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no export named \"", export_name, "\""));
  }
  char* block = reinterpret_cast<char*>(header_);
  switch (exp->kind) {
    case AIRLOCK_EXTERN_FUNC:
      return Extern(exp->func_ref(header_));
    case AIRLOCK_EXTERN_TABLE: {
      airlock_table* table;
      memcpy(&table, block + exp->offset, sizeof table);
      return Extern(table);
    }
    case AIRLOCK_EXTERN_MEMORY: {
      airlock_memory* memory;
      memcpy(&memory, block + exp->offset, sizeof memory);
      return Extern(memory);
    }
    case AIRLOCK_EXTERN_GLOBAL: {
      void* cell = block + exp->offset;
      if (exp->indirect) memcpy(&cell, block + exp->offset, sizeof cell);
      return Extern(GlobalCell{exp->type, cell});
    }
  }
  return absl::InternalError(
      absl::StrCat("export \"", export_name, "\" has an unknown kind"));
}

airlock_memory* Instance::exported_memory() {
  const airlock_export_desc* exp = module_->FindExport("memory");
  if (exp == nullptr || exp->kind != AIRLOCK_EXTERN_MEMORY) return nullptr;
  airlock_memory* memory;
  memcpy(&memory, reinterpret_cast<char*>(header_) + exp->offset,
         sizeof memory);
  return memory;
}

int64_t Instance::fuel_remaining() const { return header_->fuel; }

bool Instance::interrupted() const {
  return __atomic_load_n(&header_->interrupt, __ATOMIC_ACQUIRE) != 0;
}

void Instance::Interrupt() {
  __atomic_store_n(&header_->interrupt, 1, __ATOMIC_RELEASE);
}

}  // namespace airlock::sandbox
