// Which WebAssembly airlock runs: Wasm 2.0 (libwabt 1.0.32's default
// features) plus checks libwabt's reader and validator do not make. One
// place for the translator (which refuses other modules) and `airlock
// inspect` (which reports them), so the two always agree on "valid".
#ifndef AIRLOCK_SANDBOX_INGEST_FEATURES_H_
#define AIRLOCK_SANDBOX_INGEST_FEATURES_H_

#include <optional>
#include <string>

#include "wabt/feature.h"
#include "wabt/ir.h"

namespace airlock::sandbox {

// Wasm 2.0: what we accept.
wabt::Features Wasm2Features();

// Wasm 2.0 plus post-2.0 proposals, used only to re-read a module that 2.0
// rejects, so the error can name the proposal it uses. Never used to accept
// a module: these features change how some malformed 2.0 binaries decode
// (e.g. multi-memory accepts a non-zero memory index byte).
wabt::Features ExtendedFeatures();

struct FeatureProblem {
  enum class Kind {
    kUnsupported,  // a post-2.0 feature, e.g. "threads (shared memory); ..."
    kInvalid,      // invalid as 2.0 though libwabt let it through
  };
  Kind kind;
  std::string message;
};

// The first thing in `module` that airlock does not run, or nullopt. Walks
// function bodies iteratively (no recursion on nesting).
std::optional<FeatureProblem> CheckFeatures(const wabt::Module& module);

}  // namespace airlock::sandbox

#endif  // AIRLOCK_SANDBOX_INGEST_FEATURES_H_
