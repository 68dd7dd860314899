// Wasm -> C translation: reads and validates a module with libwabt, checks
// its features, and emits C (several translation units) against
// sandbox/abi/airlock_rt.h, with fuel metering and the module descriptor.
// Linear in module size; never recurses on the nesting of the input.
//
// Runs in the compile child process (sandbox/compile), never in a process
// that serves calls: hostile modules may make it slow or large, and the
// child's limits bound that.
#ifndef AIRLOCK_SANDBOX_TRANSLATE_TRANSLATE_H_
#define AIRLOCK_SANDBOX_TRANSLATE_TRANSLATE_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace airlock::sandbox {

struct TranslateOptions {
  bool fuel = true;       // emit fuel metering
  std::string cache_key;  // embedded in the module descriptor
  int max_units = 8;      // split functions over at most this many .c files
  size_t unit_target_bytes = 2 << 20;  // aim for .c files about this big
  // A function whose C body is bigger goes alone into a unit marked `huge`.
  size_t huge_function_bytes = 1 << 20;
};

struct CSource {
  std::string name;  // e.g. "module_0.c"
  std::string contents;
  // Holds one function too big to optimise (TranslateOptions::
  // huge_function_bytes): compile it without optimisation. C compilers'
  // time and memory grow faster than linearly with the size of one
  // function at -O1 and above (gcc -O2 needs over 4 GiB and minutes for a
  // 50,000-call function) but linearly at -O0.
  bool huge = false;
};

struct TranslatedModule {
  std::vector<CSource> units;  // compile each, link all into one .so
  // Headers the units #include "..." (airlock_rt.h and the shared module
  // header); write them beside the units.
  std::vector<CSource> headers;
};

// InvalidArgument for malformed or invalid modules and for unsupported
// features (the message names the feature), with libwabt's message where
// it has one.
absl::StatusOr<TranslatedModule> TranslateToC(std::span<const uint8_t> wasm,
                                              const TranslateOptions& options);

// The text of sandbox/abi/airlock_rt.h, embedded at build time.
std::string_view AirlockRtHeader();

}  // namespace airlock::sandbox

#endif  // AIRLOCK_SANDBOX_TRANSLATE_TRANSLATE_H_
