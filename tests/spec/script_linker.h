// Imports of the modules of one spec script: the `spectest` host module and
// the instances the script registered under a name.
#ifndef AIRLOCK_TESTS_SPEC_SCRIPT_LINKER_H_
#define AIRLOCK_TESTS_SPEC_SCRIPT_LINKER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sandbox/abi/airlock_rt.h"
#include "sandbox/runtime/instance.h"

namespace airlock::spectest {

// The host module every spec script may import as "spectest", as the
// reference interpreter defines it: print functions that do nothing,
// immutable globals global_i32 = 666, global_i64 = 666, global_f32 = 666.6,
// global_f64 = 666.6, a funcref table of 10 (max 20) elements and a memory of
// 1 (max 2) pages. One per script: the script's instances share its table and
// memory. Not thread-safe; lives on the thread that runs the script.
class SpectestHost {
 public:
  // Internal error if the table or memory cannot be created.
  static absl::StatusOr<std::unique_ptr<SpectestHost>> Create();
  ~SpectestHost();
  SpectestHost(const SpectestHost&) = delete;
  SpectestHost& operator=(const SpectestHost&) = delete;

  // The export `name`, or NotFound.
  absl::StatusOr<sandbox::Extern> Lookup(absl::string_view name);

 private:
  SpectestHost() = default;

  airlock_budget budget_{};  // unlimited
  airlock_memory memory_{};
  airlock_table table_{};
  bool memory_created_ = false;
  bool table_created_ = false;
  uint32_t global_i32_ = 666;
  uint64_t global_i64_ = 666;
  float global_f32_ = 666.6f;
  double global_f64_ = 666.6;
  absl::flat_hash_map<std::string, std::shared_ptr<sandbox::HostFunction>>
      functions_;
};

// Resolves imports from "spectest" and from the instances registered with
// Register(). Does not own the instances: they must outlive every instance
// linked against them.
class ScriptLinker : public sandbox::ImportResolver {
 public:
  // `host` must outlive the linker.
  explicit ScriptLinker(SpectestHost& host) : host_(host) {}

  // Makes the exports of `instance` importable as module `name` (a later
  // registration of the same name replaces it).
  void Register(std::string name, sandbox::Instance* instance);

  // NotFound naming module and field for an unknown import.
  absl::StatusOr<sandbox::Extern> Resolve(
      const airlock_import_desc& import) override;

 private:
  SpectestHost& host_;
  absl::flat_hash_map<std::string, sandbox::Instance*> registered_;
};

}  // namespace airlock::spectest

#endif  // AIRLOCK_TESTS_SPEC_SCRIPT_LINKER_H_
