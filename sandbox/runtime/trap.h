// Typed outcomes of running guest code.
#ifndef AIRLOCK_SANDBOX_RUNTIME_TRAP_H_
#define AIRLOCK_SANDBOX_RUNTIME_TRAP_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "sandbox/abi/airlock_rt.h"

namespace airlock::sandbox {

// Mirrors airlock_trap_kind. The names are stable (CLI, API, metrics).
enum class TrapKind : int {
  kNone = AIRLOCK_TRAP_NONE,
  kOutOfFuel = AIRLOCK_TRAP_OUT_OF_FUEL,
  kUnreachable = AIRLOCK_TRAP_UNREACHABLE,
  kMemoryOutOfBounds = AIRLOCK_TRAP_MEMORY_OUT_OF_BOUNDS,
  kCallStackExhausted = AIRLOCK_TRAP_CALL_STACK_EXHAUSTED,
  kIntegerDivideByZero = AIRLOCK_TRAP_INTEGER_DIVIDE_BY_ZERO,
  kIntegerOverflow = AIRLOCK_TRAP_INTEGER_OVERFLOW,
  kInvalidConversionToInteger = AIRLOCK_TRAP_INVALID_CONVERSION_TO_INTEGER,
  kIndirectCallTypeMismatch = AIRLOCK_TRAP_INDIRECT_CALL_TYPE_MISMATCH,
  kUndefinedTableElement = AIRLOCK_TRAP_UNDEFINED_TABLE_ELEMENT,
  kTableOutOfBounds = AIRLOCK_TRAP_TABLE_OUT_OF_BOUNDS,
  kTimeout = AIRLOCK_TRAP_TIMEOUT,
  kExit = AIRLOCK_TRAP_EXIT,
  kHostError = AIRLOCK_TRAP_HOST_ERROR,
};

// "out_of_fuel", "unreachable", ... ; "exit" and "host_error" for the two
// non-trap unwinds; "unknown" for anything else.
std::string_view TrapName(TrapKind kind);
// Inverse of TrapName for the real traps (kOutOfFuel..kTimeout).
std::optional<TrapKind> TrapKindFromName(std::string_view name);

}  // namespace airlock::sandbox

#endif  // AIRLOCK_SANDBOX_RUNTIME_TRAP_H_
