// A compiled module: a shared object produced by sandbox/compile, loaded with
// dlopen. Immutable and shareable between threads and instances; instances
// keep it alive (shared_ptr).
#ifndef AIRLOCK_SANDBOX_RUNTIME_COMPILED_MODULE_H_
#define AIRLOCK_SANDBOX_RUNTIME_COMPILED_MODULE_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sandbox/abi/airlock_rt.h"

namespace airlock::sandbox {

class CompiledModule {
 public:
  // Loads the shared object at `path` and checks that it was built for
  // `expected_cache_key` and this ABI version. Errors name the file and what
  // was wrong (not loadable, no descriptor, wrong key/ABI).
  static absl::StatusOr<std::shared_ptr<const CompiledModule>> Load(
      const std::string& path, std::string_view expected_cache_key);

  ~CompiledModule();
  CompiledModule(const CompiledModule&) = delete;
  CompiledModule& operator=(const CompiledModule&) = delete;

  const airlock_module_desc& desc() const { return *desc_; }
  // The export named `name`, or nullptr.
  const airlock_export_desc* FindExport(std::string_view name) const;
  const std::string& path() const { return path_; }

 private:
  CompiledModule(void* handle, const airlock_module_desc* desc,
                 std::string path);
  void* handle_;
  const airlock_module_desc* desc_;
  std::string path_;
};

}  // namespace airlock::sandbox

#endif  // AIRLOCK_SANDBOX_RUNTIME_COMPILED_MODULE_H_
