// The calc tool's expression evaluator, independent of the guest SDK so the
// host unit tests can run it directly.
//
// Grammar (lowest precedence first):
//   comparison := sum [("==" | "!=" | "<" | "<=" | ">" | ">=") sum]
//   sum        := product {("+" | "-") product}
//   product    := unary {("*" | "/" | "//" | "%") unary}
//   unary      := ("-" | "+") unary | power
//   power      := postfix [("^" | "**") unary]       (right-associative)
//   postfix    := primary {"!"}                        (factorial)
//   primary    := number | name | name "(" args ")" | "(" comparison ")"
// so -2^2 is -4 and 2^-1 is 0.5. Numbers are integers (exact, arbitrary
// precision, written in decimal or 0x/0o/0b) or floats (IEEE double, written
// with a '.' or an exponent: 1.5, 1e-3). Integer operations stay exact;
// "/" of two integers is an integer when the division is exact and a float
// otherwise; "//" and "%" floor like Python's; anything involving a float
// is a float. Comparisons give 1 or 0.
#ifndef AIRLOCK_GUEST_TOOLS_CALC_EVAL_H_
#define AIRLOCK_GUEST_TOOLS_CALC_EVAL_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace airlock::calc {

using Json = nlohmann::ordered_json;

// Integers above this many decimal digits are refused with too_large.
inline constexpr int kMaxDigits = 10000;
// Parentheses and function calls may nest this deep.
inline constexpr int kMaxNesting = 100;
// Budget of basic big-integer steps (one 32x32-bit limb multiply-add, or
// the like) per evaluation: keeps a call well under the default fuel.
inline constexpr uint64_t kWorkBudget = 10'000'000;

struct CalcError {
  std::string code;  // "invalid_arguments" or "too_large"
  // Names the problem; ends with " at offset N" (N in code points) when
  // the problem has a place in the expression.
  std::string message;
  std::optional<size_t> offset;  // code points from the expression's start
};

struct CalcOptions {
  // An object of name -> number, or null for none.
  const Json* variables = nullptr;
  // Significant digits of a float's "text" (and its "value", rounded to
  // that text); 0 = the shortest text that reads back as the same double.
  int precision = 0;
};

// Evaluates `expression`. On success `result` is
//   {"value": <number or null>, "text": "<decimal>", "type": "integer"|"float"}
// where "value" is exact for integers that fit in int64, the nearest double
// for larger integers (null beyond the double range), and "text" is exact
// for integers and the shortest round-trip representation for floats.
struct CalcOutcome {
  Json result;
  std::optional<CalcError> error;
};
CalcOutcome Calculate(std::string_view expression, const CalcOptions& options);

}  // namespace airlock::calc

#endif  // AIRLOCK_GUEST_TOOLS_CALC_EVAL_H_
