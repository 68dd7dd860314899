#include "sandbox/runtime/trap.h"

#include <optional>
#include <string_view>

namespace airlock::sandbox {

std::string_view TrapName(TrapKind kind) {
  switch (kind) {
    case TrapKind::kNone:
      return "none";
    case TrapKind::kOutOfFuel:
      return "out_of_fuel";
    case TrapKind::kUnreachable:
      return "unreachable";
    case TrapKind::kMemoryOutOfBounds:
      return "memory_out_of_bounds";
    case TrapKind::kCallStackExhausted:
      return "call_stack_exhausted";
    case TrapKind::kIntegerDivideByZero:
      return "integer_divide_by_zero";
    case TrapKind::kIntegerOverflow:
      return "integer_overflow";
    case TrapKind::kInvalidConversionToInteger:
      return "invalid_conversion_to_integer";
    case TrapKind::kIndirectCallTypeMismatch:
      return "indirect_call_type_mismatch";
    case TrapKind::kUndefinedTableElement:
      return "undefined_table_element";
    case TrapKind::kTableOutOfBounds:
      return "table_out_of_bounds";
    case TrapKind::kTimeout:
      return "timeout";
    case TrapKind::kExit:
      return "exit";
    case TrapKind::kHostError:
      return "host_error";
  }
  return "unknown";
}

std::optional<TrapKind> TrapKindFromName(std::string_view name) {
  for (int k = static_cast<int>(TrapKind::kOutOfFuel);
       k <= static_cast<int>(TrapKind::kTimeout); ++k) {
    TrapKind kind = static_cast<TrapKind>(k);
    if (TrapName(kind) == name) return kind;
  }
  return std::nullopt;
}

}  // namespace airlock::sandbox
