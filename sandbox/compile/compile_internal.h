// Private to sandbox/compile: the contract between Compiler (the parent) and
// airlock-compile (the helper it runs in a child process), and the C compiler
// flags both of them need (the helper to compile, the parent for the cache
// key).
#ifndef AIRLOCK_SANDBOX_COMPILE_COMPILE_INTERNAL_H_
#define AIRLOCK_SANDBOX_COMPILE_COMPILE_INTERNAL_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace airlock::sandbox::compile_internal {

// airlock-compile's exit status. Anything else (or death by a signal) is a
// crash of the helper.
inline constexpr int kExitOk = 0;
// The translator rejected the module; the last stderr line is its message.
inline constexpr int kExitModuleRejected = 2;
// The C compiler or linker failed; stderr holds its first lines of output.
inline constexpr int kExitCCompilerFailed = 3;
// Bad flags, or reading/writing a file failed; stderr says which.
inline constexpr int kExitUsageOrIo = 4;
// An allocation failed (the address-space limit the parent set).
inline constexpr int kExitOutOfMemory = 5;

// The optimisation level the cache uses; part of the cache key.
inline constexpr int kDefaultOptLevel = 2;

enum class CCompilerFamily { kGcc, kClang };

// The family of a C compiler, from the first line of its `--version` output
// ("cc (Debian 12.2.0-14) 12.2.0", "Debian clang version 19.1.7 ...").
CCompilerFamily CCompilerFamilyFromVersion(absl::string_view version_line);
absl::string_view CCompilerFamilyName(CCompilerFamily family);

// Flags for compiling one translated unit to an object file (ending in -c).
// gcc gets -frounding-math -fsignaling-nans, which keep it from folding
// floating-point operations in ways Wasm forbids; clang ignores or lacks
// them, so they are left out there. -fno-optimize-sibling-calls keeps every
// Wasm call a real call, so the stack limit check sees recursion.
std::vector<std::string> CCompileFlags(CCompilerFamily family, int opt_level);

}  // namespace airlock::sandbox::compile_internal

#endif  // AIRLOCK_SANDBOX_COMPILE_COMPILE_INTERNAL_H_
