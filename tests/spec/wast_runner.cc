#include "tests/spec/wast_runner.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "sandbox/abi/airlock_rt.h"
#include "sandbox/runtime/trap.h"
#include "tests/spec/script_linker.h"
#include "tests/spec/spec_values.h"

extern char** environ;

namespace airlock::spectest {
namespace {

using nlohmann::json;
using sandbox::CallOutcome;
using sandbox::CompiledModule;
using sandbox::Instance;
using sandbox::TrapKind;

// The trap kinds that satisfy a spec failure message. Messages may carry a
// suffix ("uninitialized element 2"), so they are matched by prefix.
// "undefined element" is call_indirect past the end of the table: either
// table kind describes it.
std::vector<TrapKind> TrapsFor(absl::string_view message) {
  static constexpr struct {
    absl::string_view prefix;
    TrapKind kind;
    TrapKind also;
  } kTraps[] = {
      {"integer divide by zero", TrapKind::kIntegerDivideByZero,
       TrapKind::kNone},
      {"integer overflow", TrapKind::kIntegerOverflow, TrapKind::kNone},
      {"invalid conversion to integer", TrapKind::kInvalidConversionToInteger,
       TrapKind::kNone},
      {"out of bounds memory access", TrapKind::kMemoryOutOfBounds,
       TrapKind::kNone},
      {"out of bounds table access", TrapKind::kTableOutOfBounds,
       TrapKind::kNone},
      {"undefined element", TrapKind::kUndefinedTableElement,
       TrapKind::kTableOutOfBounds},
      {"uninitialized element", TrapKind::kUndefinedTableElement,
       TrapKind::kNone},
      {"indirect call type mismatch", TrapKind::kIndirectCallTypeMismatch,
       TrapKind::kNone},
      {"unreachable", TrapKind::kUnreachable, TrapKind::kNone},
      {"call stack exhausted", TrapKind::kCallStackExhausted, TrapKind::kNone},
  };
  for (const auto& trap : kTraps) {
    if (absl::StartsWith(message, trap.prefix)) {
      if (trap.also == TrapKind::kNone) return {trap.kind};
      return {trap.kind, trap.also};
    }
  }
  return {};
}

// sandbox::TrapName as an absl::string_view (Debian's abseil has its own).
absl::string_view Name(TrapKind kind) {
  std::string_view name = sandbox::TrapName(kind);
  return absl::string_view(name.data(), name.size());
}

std::string TrapNames(const std::vector<TrapKind>& kinds) {
  std::vector<absl::string_view> names;
  for (TrapKind kind : kinds) names.push_back(Name(kind));
  return absl::StrJoin(names, " or ");
}

bool Contains(const std::vector<TrapKind>& kinds, TrapKind kind) {
  for (TrapKind k : kinds) {
    if (k == kind) return true;
  }
  return false;
}

// A status on one line, shortened: compile errors can carry pages of C
// compiler output.
std::string Short(const absl::Status& status, size_t max = 300) {
  std::string text;
  for (char c : status.ToString()) {
    if (c == '\n') {
      text += ' ';
    } else if (static_cast<unsigned char>(c) < 0x20) {
      text += absl::StrFormat("\\x%02x", c);  // names may hold any byte
    } else {
      text += c;
    }
  }
  if (text.size() > max) text = absl::StrCat(text.substr(0, max), "...");
  return text;
}

std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

int LineOf(const json& command) {
  auto it = command.find("line");
  if (it == command.end() || !it->is_number_integer()) return 0;
  return it->get<int>();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Runs `wast2json WAST -o JSON`, its output going to LOG. An error carries
// the first lines of that output.
absl::Status RunWast2Json(const std::string& wast2json,
                          const std::string& wast_path,
                          const std::string& json_path,
                          const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  std::vector<std::string> args = {wast2json, wast_path, "-o", json_path};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid;
  int error = posix_spawnp(&pid, wast2json.c_str(), &actions, nullptr,
                           argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot run ", wast2json, ": ", std::strerror(error)));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  absl::StatusOr<std::string> log = ReadFile(log_path);
  std::string head = log.ok() ? log->substr(0, 500) : "";
  return absl::InvalidArgumentError(
      absl::StrCat(wast2json, " failed on ", wast_path, ": ", head));
}

// What an action did: a trap, or results (of the types in result_types).
struct ActionResult {
  CallOutcome outcome;
  std::string result_types;
  std::vector<airlock_value> results;
};

// Arguments of a direct call of an export's generic invoke wrapper.
struct DirectInvoke {
  const airlock_export_desc* export_desc;
  void* instance;
  const airlock_value* args;
  airlock_value* results;
};

void InvokeExport(void* arg) {
  auto* call = static_cast<DirectInvoke*>(arg);
  call->export_desc->invoke(call->instance, call->args, call->results);
}

// The state of one script: its instances by name, the current module, and
// the counts.
class ScriptRun {
 public:
  ScriptRun(sandbox::Compiler& compiler, const WastRunnerOptions& options,
            std::string dir, std::unique_ptr<SpectestHost> host,
            WastReport& report,
            const std::function<void(int, const WastReport&)>& before_command)
      : compiler_(compiler),
        options_(options),
        dir_(std::move(dir)),
        host_(std::move(host)),
        linker_(*host_),
        report_(report),
        before_command_(before_command) {}

  void Run(const json& commands) {
    for (const json& command : commands) {
      const std::string type = StringField(command, "type");
      const int line = LineOf(command);
      if (before_command_) before_command_(line, report_);
      if (type == "module") {
        OnModule(command, line);
      } else if (type == "register") {
        OnRegister(command, line);
      } else if (type == "action") {
        OnAction(command, line);
      } else if (type == "assert_return") {
        OnAssertReturn(command, line);
      } else if (type == "assert_trap") {
        OnAssertTrap(command, line, TrapsFor(StringField(command, "text")));
      } else if (type == "assert_exhaustion") {
        OnAssertTrap(command, line, {TrapKind::kCallStackExhausted});
      } else if (type == "assert_invalid" || type == "assert_malformed") {
        OnAssertNotCompiled(command, line, type);
      } else if (type == "assert_unlinkable") {
        OnAssertNotInstantiated(command, line, /*traps=*/{});
      } else if (type == "assert_uninstantiable") {
        std::vector<TrapKind> traps = TrapsFor(StringField(command, "text"));
        if (traps.empty()) {
          Fail(line, absl::StrCat("unknown trap message \"",
                                  StringField(command, "text"), "\""));
        } else {
          OnAssertNotInstantiated(command, line, traps);
        }
      } else {
        Fail(line, absl::StrCat("unknown command type \"", type, "\""));
      }
    }
  }

 private:
  // A module of the script as commands refer to it.
  struct ModuleState {
    Instance* instance = nullptr;  // null if it failed
    std::string problem;           // why instance is null
    int line = 0;                  // where the module was defined
  };

  // Why a command cannot use `state`, briefly: the module's own failure was
  // reported in full at its line.
  static std::string Unavailable(const ModuleState& state) {
    if (state.line == 0) return "no module defined";
    return absl::StrCat("the module of line ", state.line, " failed");
  }

  void Pass() { ++report_.passed; }
  void Skip() { ++report_.skipped; }
  void Fail(int line, std::string message) {
    ++report_.failed;
    report_.messages.push_back(absl::StrCat(line, ": ", message));
  }

  absl::StatusOr<std::shared_ptr<const CompiledModule>> Compile(
      const json& command) {
    const std::string filename = StringField(command, "filename");
    absl::StatusOr<std::string> wasm = ReadFile(dir_ + "/" + filename);
    if (!wasm.ok()) return wasm.status();
    sandbox::CompileStats stats;
    ++report_.modules;
    auto module = compiler_.Compile(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(wasm->data()),
                                 wasm->size()),
        options_.compile, &stats);
    report_.compile_time += stats.compile_time;
    if (stats.cache_hit) ++report_.cache_hits;
    return module;
  }

  sandbox::CallOptions CallOptionsNow() const {
    sandbox::CallOptions call_options;
    if (options_.watchdog != nullptr) {
      call_options.watchdog = options_.watchdog;
      call_options.deadline = absl::Now() + options_.call_timeout;
    }
    return call_options;
  }

  // Instantiates `module`, linking against spectest and the registered
  // instances. The instance lives until the end of the script: other
  // instances may hold references to its functions. So does the module,
  // even if instantiation fails: a trap in the middle of the element
  // segments leaves the elements stored so far in (imported) tables, and
  // their signatures and code live in the module's shared object.
  absl::StatusOr<Instance*> Instantiate(
      std::shared_ptr<const CompiledModule> module) {
    modules_.push_back(module);
    sandbox::InstanceLimits limits;  // no memory cap; unlimited fuel
    // An instantiation that traps may already have written its functions
    // into an imported table (Wasm 2.0 keeps those writes), so the trapped
    // instance must outlive every table that can point into it.
    std::unique_ptr<Instance> trapped;
    auto instance = Instance::Create(std::move(module), linker_, limits,
                                     CallOptionsNow(), &trapped);
    if (!instance.ok()) {
      if (trapped) instances_.push_back(std::move(trapped));
      return instance.status();
    }
    instances_.push_back(std::move(*instance));
    return instances_.back().get();
  }

  void OnModule(const json& command, int line) {
    ModuleState state;
    state.line = line;
    auto module = Compile(command);
    if (!module.ok()) {
      state.problem =
          absl::StrCat("compile failed: ", Short(module.status(), 2000));
    } else {
      auto instance = Instantiate(*std::move(module));
      if (instance.ok()) {
        state.instance = *instance;
      } else {
        state.problem =
            absl::StrCat("instantiation failed: ", Short(instance.status()));
      }
    }
    // A failed module still replaces the current one: later commands meant
    // it, not its predecessor.
    current_ = state;
    const std::string name = StringField(command, "name");
    if (!name.empty()) named_[name] = state;
    if (state.instance != nullptr) {
      Pass();
    } else {
      Fail(line, absl::StrCat("module: ", state.problem));
    }
  }

  // The module a command names (its "name" for register, "module" for
  // actions), or the current one.
  const ModuleState* FindModule(const std::string& name) const {
    if (name.empty()) return &current_;
    auto it = named_.find(name);
    return it == named_.end() ? nullptr : &it->second;
  }

  // Fails the command if `state` is not a usable module; returns whether
  // it is.
  bool Usable(const ModuleState* state, const std::string& name, int line,
              absl::string_view what) {
    if (state == nullptr) {
      Fail(line, absl::StrCat(what, ": no module named ", name));
      return false;
    }
    if (state->instance != nullptr) return true;
    Fail(line, absl::StrCat(what, ": ", Unavailable(*state)));
    return false;
  }

  void OnRegister(const json& command, int line) {
    const std::string name = StringField(command, "name");
    const std::string as = StringField(command, "as");
    const ModuleState* state = FindModule(name);
    if (!Usable(state, name, line, absl::StrCat("register \"", as, "\"")))
      return;
    linker_.Register(as, state->instance);
    Pass();
  }

  static std::string Describe(const json& action) {
    std::string text;
    const std::string module = StringField(action, "module");
    if (!module.empty()) absl::StrAppend(&text, module, ".");
    absl::StrAppend(&text, StringField(action, "type"), " \"",
                    absl::CHexEscape(StringField(action, "field")), "\"");
    if (StringField(action, "type") == "invoke") {
      std::vector<std::string> args;
      auto args_it = action.find("args");
      if (args_it != action.end() && args_it->is_array()) {
        for (const json& arg : *args_it) {
          absl::StatusOr<Argument> parsed = ParseArgument(arg);
          args.push_back(parsed.ok() ? FormatValue(parsed->type, parsed->value)
                                     : arg.dump());
        }
      }
      absl::StrAppend(&text, "(", absl::StrJoin(args, ", "), ")");
    }
    return text;
  }

  // Performs an invoke or get; an error if it could not be performed.
  absl::StatusOr<ActionResult> Perform(const json& action) {
    const std::string module_name = StringField(action, "module");
    const ModuleState* state = FindModule(module_name);
    if (state == nullptr) {
      return absl::NotFoundError(absl::StrCat("no module named ", module_name));
    }
    if (state->instance == nullptr) {
      return absl::FailedPreconditionError(Unavailable(*state));
    }
    Instance& instance = *state->instance;
    const std::string type = StringField(action, "type");
    const std::string field = StringField(action, "field");
    if (type == "get") return Get(instance, field);
    if (type != "invoke") {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown action type \"", type, "\""));
    }

    const airlock_export_desc* export_desc =
        instance.module().FindExport(field);
    if (export_desc == nullptr || export_desc->kind != AIRLOCK_EXTERN_FUNC) {
      return absl::NotFoundError(
          absl::StrCat("no exported function \"", field, "\""));
    }
    std::pair<absl::string_view, absl::string_view> signature =
        absl::StrSplit(absl::string_view(export_desc->type), '>');
    std::vector<airlock_value> args;
    std::string arg_types;
    auto args_it = action.find("args");
    if (args_it != action.end() && args_it->is_array()) {
      for (const json& arg : *args_it) {
        absl::StatusOr<Argument> parsed = ParseArgument(arg);
        if (!parsed.ok()) return parsed.status();
        args.push_back(parsed->value);
        arg_types.push_back(parsed->type);
      }
    }
    if (arg_types != signature.first) {
      return absl::InvalidArgumentError(absl::StrCat("arguments \"", arg_types,
                                                     "\" do not match \"",
                                                     export_desc->type, "\""));
    }
    ActionResult result;
    result.result_types = std::string(signature.second);
    result.results.resize(result.result_types.size());
    for (airlock_value& value : result.results) value = airlock_value{};

    absl::StatusOr<CallOutcome> outcome =
        instance.Call(field, args, result.results, CallOptionsNow());
    if (!outcome.ok() &&
        outcome.status().code() == absl::StatusCode::kFailedPrecondition) {
      // Instance::Call refuses instances that trapped before (the product
      // throws them away), but the spec keeps using an instance after a
      // trap: call the export in a call scope of our own.
      outcome = CallDirect(instance, *export_desc, args, result.results);
    }
    if (!outcome.ok()) return outcome.status();
    result.outcome = *outcome;
    return result;
  }

  CallOutcome CallDirect(Instance& instance,
                         const airlock_export_desc& export_desc,
                         const std::vector<airlock_value>& args,
                         std::vector<airlock_value>& results) {
    airlock_instance_header* header = instance.header();
    header->interrupt = 0;
    DirectInvoke call{&export_desc, header, args.data(), results.data()};
    uint64_t token = 0;
    if (options_.watchdog != nullptr) {
      token = options_.watchdog->Arm(&instance,
                                     absl::Now() + options_.call_timeout);
    }
    CallOutcome outcome = sandbox::RunInCallScope(header, &InvokeExport, &call);
    if (options_.watchdog != nullptr) options_.watchdog->Disarm(token);
    return outcome;
  }

  static absl::StatusOr<ActionResult> Get(Instance& instance,
                                          const std::string& field) {
    absl::StatusOr<sandbox::Extern> found = instance.GetExport(field);
    if (!found.ok()) return found.status();
    const auto* global = std::get_if<sandbox::GlobalCell>(&*found);
    if (global == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("export \"", field, "\" is not a global"));
    }
    absl::string_view type = global->type;
    if (absl::StartsWith(type, "m")) type.remove_prefix(1);
    ActionResult result;
    result.result_types = std::string(type);
    airlock_value value{};
    switch (type.empty() ? 0 : type[0]) {
      case 'i':
      case 'f':
        value.i32 = *static_cast<const uint32_t*>(global->cell);
        break;
      case 'I':
      case 'F':
        value.i64 = *static_cast<const uint64_t*>(global->cell);
        break;
      case 'v':
        std::memcpy(value.v128, global->cell, sizeof value.v128);
        break;
      case 'r':
      case 'e':
        value.ref = *static_cast<const airlock_ref*>(global->cell);
        break;
      default:
        return absl::InternalError(absl::StrCat(
            "global \"", field, "\" has type \"", global->type, "\""));
    }
    result.results.push_back(value);
    return result;
  }

  std::string FormatResults(const ActionResult& result) {
    std::vector<std::string> values;
    for (size_t i = 0; i < result.results.size(); ++i) {
      values.push_back(FormatValue(result.result_types[i], result.results[i]));
    }
    return absl::StrCat("(", absl::StrJoin(values, ", "), ")");
  }

  // Performs the command's action; on a problem fails the command and
  // returns nullopt.
  std::optional<ActionResult> PerformFor(const json& command, int line,
                                         const std::string& what) {
    auto action_it = command.find("action");
    if (action_it == command.end() || !action_it->is_object()) {
      Fail(line, absl::StrCat(what, ": command without an action"));
      return std::nullopt;
    }
    absl::StatusOr<ActionResult> result = Perform(*action_it);
    if (result.ok()) return *std::move(result);
    Fail(line, absl::StrCat(what, " ", Describe(*action_it), ": ",
                            Short(result.status())));
    return std::nullopt;
  }

  void OnAction(const json& command, int line) {
    std::optional<ActionResult> result = PerformFor(command, line, "action");
    if (!result) return;
    if (!result->outcome.ok()) {
      Fail(line,
           absl::StrCat("action ", Describe(command["action"]),
                        ": unexpected trap ", Name(result->outcome.trap)));
      return;
    }
    Pass();
  }

  void OnAssertReturn(const json& command, int line) {
    std::optional<ActionResult> result =
        PerformFor(command, line, "assert_return");
    if (!result) return;
    const std::string what =
        absl::StrCat("assert_return ", Describe(command["action"]));
    std::vector<ExpectedResult> expected;
    auto expected_it = command.find("expected");
    if (expected_it != command.end() && expected_it->is_array()) {
      for (const json& value : *expected_it) {
        absl::StatusOr<ExpectedResult> parsed = ExpectedResult::Parse(value);
        if (!parsed.ok()) {
          Fail(line, absl::StrCat(what, ": ", Short(parsed.status())));
          return;
        }
        expected.push_back(*std::move(parsed));
      }
    }
    std::vector<std::string> wanted;
    for (const ExpectedResult& e : expected) wanted.push_back(e.ToString());
    const std::string wanted_text =
        absl::StrCat("(", absl::StrJoin(wanted, ", "), ")");
    if (!result->outcome.ok()) {
      Fail(line, absl::StrCat(what, ": expected ", wanted_text, ", got trap ",
                              Name(result->outcome.trap)));
      return;
    }
    bool match = expected.size() == result->results.size();
    for (size_t i = 0; match && i < expected.size(); ++i) {
      match = expected[i].type() == result->result_types[i] &&
              expected[i].Matches(result->results[i]);
    }
    if (match) {
      Pass();
      return;
    }
    std::vector<std::string> got;
    for (size_t i = 0; i < result->results.size(); ++i) {
      got.push_back(
          i < expected.size() && expected[i].type() == result->result_types[i]
              ? expected[i].Format(result->results[i])
              : FormatValue(result->result_types[i], result->results[i]));
    }
    Fail(line, absl::StrCat(what, ": expected ", wanted_text, ", got (",
                            absl::StrJoin(got, ", "), ")"));
  }

  void OnAssertTrap(const json& command, int line,
                    const std::vector<TrapKind>& traps) {
    const std::string type = StringField(command, "type");
    if (traps.empty()) {
      Fail(line, absl::StrCat(type, ": unknown trap message \"",
                              StringField(command, "text"), "\""));
      return;
    }
    std::optional<ActionResult> result = PerformFor(command, line, type);
    if (!result) return;
    if (Contains(traps, result->outcome.trap)) {
      Pass();
      return;
    }
    const std::string got =
        result->outcome.ok()
            ? absl::StrCat("results ", FormatResults(*result))
            : absl::StrCat("trap ", Name(result->outcome.trap));
    Fail(line, absl::StrCat(type, " ", Describe(command["action"]),
                            ": expected trap ", TrapNames(traps), " (\"",
                            StringField(command, "text"), "\"), got ", got));
  }

  // assert_invalid, assert_malformed: the module must not compile.
  void OnAssertNotCompiled(const json& command, int line,
                           const std::string& type) {
    if (StringField(command, "module_type") != "binary") {
      Skip();  // text format: a binary engine cannot judge it
      return;
    }
    auto module = Compile(command);
    if (!module.ok() &&
        module.status().code() == absl::StatusCode::kInvalidArgument) {
      Pass();
      return;
    }
    const std::string expected = absl::StrCat(
        type, " (\"", StringField(command, "text"), "\"): expected ",
        "the compiler to reject ", StringField(command, "filename"), ", ");
    if (module.ok()) {
      Fail(line, absl::StrCat(expected, "but it compiled"));
    } else {
      Fail(line, absl::StrCat(expected, "but got ", Short(module.status())));
    }
  }

  // assert_unlinkable (no traps: instantiation must fail before running
  // anything) and assert_uninstantiable (instantiation must trap with one of
  // `traps`): the module compiles, its instantiation fails.
  void OnAssertNotInstantiated(const json& command, int line,
                               const std::vector<TrapKind>& traps) {
    const std::string type = StringField(command, "type");
    const std::string what =
        absl::StrCat(type, " ", StringField(command, "filename"), " (\"",
                     StringField(command, "text"), "\")");
    if (StringField(command, "module_type") != "binary") {
      Skip();
      return;
    }
    auto module = Compile(command);
    if (!module.ok()) {
      Fail(line, absl::StrCat(what, ": expected the module to compile, got ",
                              Short(module.status())));
      return;
    }
    auto instance = Instantiate(*std::move(module));
    if (instance.ok()) {
      Fail(line, absl::StrCat(what, ": instantiation succeeded"));
      return;
    }
    if (traps.empty()) {
      Pass();
      return;
    }
    for (TrapKind trap : traps) {
      if (absl::StrContains(instance.status().message(), Name(trap))) {
        Pass();
        return;
      }
    }
    Fail(line, absl::StrCat(what, ": expected trap ", TrapNames(traps),
                            ", got ", Short(instance.status())));
  }

  sandbox::Compiler& compiler_;
  const WastRunnerOptions& options_;
  const std::string dir_;
  // Declared before the instances: destroyed after them.
  std::unique_ptr<SpectestHost> host_;
  ScriptLinker linker_;
  std::vector<std::shared_ptr<const CompiledModule>> modules_;
  std::vector<std::unique_ptr<Instance>> instances_;
  ModuleState current_;
  absl::flat_hash_map<std::string, ModuleState> named_;
  WastReport& report_;
  const std::function<void(int, const WastReport&)>& before_command_;
};

}  // namespace

WastReport RunWastFile(
    const std::string& wast_path, sandbox::Compiler& compiler,
    const WastRunnerOptions& options,
    const std::function<void(int line, const WastReport& report)>&
        before_command) {
  const absl::Time start = absl::Now();
  WastReport report;
  report.name = std::filesystem::path(wast_path).filename().string();
  auto fail = [&](absl::Status status) {
    ++report.failed;
    report.messages.push_back(absl::StrCat("0: ", Short(status)));
    report.elapsed = absl::Now() - start;
    return report;
  };

  std::string dir_template = options.temp_dir + "/airlock-spectest-XXXXXX";
  if (mkdtemp(dir_template.data()) == nullptr) {
    return fail(absl::InternalError(
        absl::StrCat("cannot create a directory in ", options.temp_dir, ": ",
                     std::strerror(errno))));
  }
  const std::string dir = dir_template;
  struct RemoveDir {
    std::string dir;
    ~RemoveDir() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } remove_dir{dir};

  const std::string stem = std::filesystem::path(wast_path).stem().string();
  const std::string json_path = dir + "/" + stem + ".json";
  absl::Status converted = RunWast2Json(options.wast2json, wast_path, json_path,
                                        dir + "/wast2json.log");
  if (!converted.ok()) return fail(converted);
  absl::StatusOr<std::string> text = ReadFile(json_path);
  if (!text.ok()) return fail(text.status());
  json script = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  auto commands = script.is_object() ? script.find("commands") : script.end();
  if (script.is_discarded() || !script.is_object() ||
      commands == script.end() || !commands->is_array()) {
    return fail(absl::InvalidArgumentError(
        absl::StrCat(json_path, ": not a wast2json command list")));
  }
  report.commands = static_cast<int>(commands->size());
  absl::StatusOr<std::unique_ptr<SpectestHost>> host = SpectestHost::Create();
  if (!host.ok()) return fail(host.status());
  {
    ScriptRun run(compiler, options, dir, *std::move(host), report,
                  before_command);
    run.Run(*commands);
  }
  report.elapsed = absl::Now() - start;
  if (options.verbose) {
    report.messages.push_back(absl::StrCat(
        "time ", absl::FormatDuration(report.elapsed), "; ", report.modules,
        " modules compiled (", report.cache_hits, " cache hits) in ",
        absl::FormatDuration(report.compile_time)));
  }
  return report;
}

}  // namespace airlock::spectest
