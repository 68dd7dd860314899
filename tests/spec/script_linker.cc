#include "tests/spec/script_linker.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace airlock::spectest {
namespace {

// The print functions of the reference interpreter's spectest module, by
// signature. They print nothing here: the scripts only check that calls
// through imports work.
constexpr std::pair<absl::string_view, absl::string_view> kPrintFunctions[] = {
    {"print", ">"},           {"print_i32", "i>"}, {"print_i64", "I>"},
    {"print_f32", "f>"},      {"print_f64", "F>"}, {"print_i32_f32", "if>"},
    {"print_f64_f64", "FF>"},
};

}  // namespace

absl::StatusOr<std::unique_ptr<SpectestHost>> SpectestHost::Create() {
  std::unique_ptr<SpectestHost> host(new SpectestHost());
  if (airlock_rt_table_init(&host->table_, &host->budget_, /*is_funcref=*/1,
                            /*initial=*/10, /*max=*/20) != 0) {
    return absl::InternalError("spectest: cannot create the table");
  }
  host->table_created_ = true;
  if (airlock_rt_memory_init(&host->memory_, &host->budget_, /*initial=*/1,
                             /*max=*/2) != 0) {
    return absl::InternalError("spectest: cannot create the memory");
  }
  host->memory_created_ = true;
  for (const auto& [name, type] : kPrintFunctions) {
    auto function = std::make_shared<sandbox::HostFunction>();
    function->type = std::string(type);
    function->call = [](const airlock_value*, airlock_value*) {
      return static_cast<int>(AIRLOCK_TRAP_NONE);
    };
    host->functions_.emplace(std::string(name), std::move(function));
  }
  return host;
}

SpectestHost::~SpectestHost() {
  if (memory_created_) airlock_rt_memory_free(&memory_);
  if (table_created_) airlock_rt_table_free(&table_);
}

absl::StatusOr<sandbox::Extern> SpectestHost::Lookup(absl::string_view name) {
  if (auto it = functions_.find(name); it != functions_.end()) {
    return sandbox::Extern(it->second);
  }
  if (name == "global_i32") {
    return sandbox::Extern(sandbox::GlobalCell{"i", &global_i32_});
  }
  if (name == "global_i64") {
    return sandbox::Extern(sandbox::GlobalCell{"I", &global_i64_});
  }
  if (name == "global_f32") {
    return sandbox::Extern(sandbox::GlobalCell{"f", &global_f32_});
  }
  if (name == "global_f64") {
    return sandbox::Extern(sandbox::GlobalCell{"F", &global_f64_});
  }
  if (name == "table") return sandbox::Extern(&table_);
  if (name == "memory") return sandbox::Extern(&memory_);
  return absl::NotFoundError(
      absl::StrCat("unknown import: spectest has no export \"", name, "\""));
}

void ScriptLinker::Register(std::string name, sandbox::Instance* instance) {
  registered_[std::move(name)] = instance;
}

absl::StatusOr<sandbox::Extern> ScriptLinker::Resolve(
    const airlock_import_desc& import) {
  absl::string_view module = import.module;
  if (module == "spectest") return host_.Lookup(import.name);
  auto it = registered_.find(module);
  if (it == registered_.end()) {
    return absl::NotFoundError(absl::StrCat("unknown import: no module \"",
                                            module, "\" for \"", import.name,
                                            "\""));
  }
  absl::StatusOr<sandbox::Extern> found = it->second->GetExport(import.name);
  if (!found.ok()) {
    return absl::NotFoundError(absl::StrCat("unknown import: \"", module,
                                            "\" \"", import.name,
                                            "\": ", found.status().message()));
  }
  return found;
}

}  // namespace airlock::spectest
