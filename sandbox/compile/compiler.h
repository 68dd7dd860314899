// Ahead-of-time compilation of Wasm modules to native shared objects, with an
// on-disk cache.
//
// Compile(): digest the module; on a cache hit, load the artifact; on a miss,
// run the compile helper (`airlock-compile`) in a child process under a wall
// time, CPU time and address-space limit: it translates (sandbox/translate)
// and runs the host C compiler, producing a shared object that is published
// into the cache atomically (rename). Concurrent compiles of one module, in
// threads or processes, produce one artifact (flock on a per-key lock file);
// a corrupt artifact (digest mismatch, not loadable) is rebuilt; the cache is
// bounded in bytes with LRU eviction.
#ifndef AIRLOCK_SANDBOX_COMPILE_COMPILER_H_
#define AIRLOCK_SANDBOX_COMPILE_COMPILER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sandbox/runtime/compiled_module.h"

namespace airlock::sandbox {

struct CompilerConfig {
  std::string cache_dir;  // created if missing
  uint64_t cache_max_bytes = 1ull << 30;
  std::string helper_path;  // the airlock-compile executable
  std::string cc = "cc";    // host C compiler
  absl::Duration timeout = absl::Seconds(120);  // wall time per compile
  uint64_t memory_limit_bytes = 2ull << 30;     // address space of the child
  int jobs = 2;                                 // parallel C compiler processes
};

struct CompileOptions {
  bool fuel = true;
};

struct CompileStats {
  bool cache_hit = false;
  absl::Duration compile_time;  // translation + C compile (0 on a hit)
  absl::Duration load_time;     // digest + lookup + dlopen
  std::string digest;           // sha256 of the module bytes, hex
};

class Compiler {
 public:
  // Checks the helper exists and identifies the C compiler (its --version
  // output is part of the cache key). Errors say what is missing.
  static absl::StatusOr<std::unique_ptr<Compiler>> Create(
      CompilerConfig config);

  // InvalidArgument for a module that does not translate (the helper's
  // message), ResourceExhausted when the compile overran its limits,
  // Internal when the C compiler failed (its first lines of output).
  absl::StatusOr<std::shared_ptr<const CompiledModule>> Compile(
      std::span<const uint8_t> wasm, const CompileOptions& options,
      CompileStats* stats = nullptr);

  // The cache key for a module digest and options (engine version, compiler
  // identity, flags, arch). Exposed for tests.
  std::string CacheKey(const std::string& digest,
                       const CompileOptions& options) const;

 private:
  explicit Compiler(CompilerConfig config, std::string compiler_identity);
  CompilerConfig config_;
  std::string compiler_identity_;
};

// sha256 of `data` as lowercase hex.
std::string Sha256Hex(std::span<const uint8_t> data);

}  // namespace airlock::sandbox

#endif  // AIRLOCK_SANDBOX_COMPILE_COMPILER_H_
