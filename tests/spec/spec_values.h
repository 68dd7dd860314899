// Wasm values as wast2json writes them into its JSON command lists, and the
// matching rules of the spec's assert_return.
//
// wast2json encodes every value as {"type": T, "value": V}: integers as
// unsigned decimal strings, floats as the decimal of their bit pattern (or
// "nan:canonical" / "nan:arithmetic" in expectations), v128 as
// {"type": "v128", "lane_type": L, "value": [lanes...]} with each lane
// encoded like a scalar of type L, references as "null", a number (an
// externref host value) or no value at all (any non-null reference).
#ifndef AIRLOCK_TESTS_SPEC_SPEC_VALUES_H_
#define AIRLOCK_TESTS_SPEC_SPEC_VALUES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "sandbox/abi/airlock_rt.h"

namespace airlock::spectest {

// The airlock_rt.h type letter ('i' 'I' 'f' 'F' 'v' 'r' 'e') of a wast2json
// type name ("i32", "i64", "f32", "f64", "v128", "funcref", "externref").
std::optional<char> TypeLetter(absl::string_view wast2json_type);

// The value an externref "ref.extern N" of a script stands for: the host
// value N + 1 in airlock_ref::ctx, so that ref.extern 0 is not null.
void* ExternHostValue(uint64_t n);

// An argument of an invoke action, with its type letter.
struct Argument {
  char type = 0;
  airlock_value value{};
};
absl::StatusOr<Argument> ParseArgument(const nlohmann::json& json);

// One result an assert_return expects.
class ExpectedResult {
 public:
  // InvalidArgument for JSON that is not a value of a known type.
  static absl::StatusOr<ExpectedResult> Parse(const nlohmann::json& json);

  char type() const { return type_; }
  // True if `actual` (a result of type type()) satisfies the expectation:
  // bit-exact for numbers, any canonical/arithmetic NaN where the script
  // asks for one (per lane for v128), null or non-null for references.
  bool Matches(const airlock_value& actual) const;
  // Human-readable, for failure reports, e.g. "i32:42",
  // "f32:nan:canonical", "v128:i16x8[1 2 3 4 5 6 7 8]", "externref:2".
  std::string ToString() const;
  // `actual` formatted the way ToString() shows this expectation (v128 in
  // the expected lane shape).
  std::string Format(const airlock_value& actual) const;

 private:
  enum class Match : uint8_t {
    kExact,          // bits equal
    kCanonicalNan,   // a NaN with only the quiet bit of the payload set
    kArithmeticNan,  // a NaN with the quiet bit set
    kNull,           // a null reference
    kNonNull,        // any non-null reference
  };
  struct Lane {
    uint64_t bits = 0;
    Match match = Match::kExact;
  };
  ExpectedResult() = default;

  char type_ = 0;
  // For v128: the lane type's letter ('b' i8, 'h' i16, 'i' i32, 'I' i64,
  // 'f' f32, 'F' f64). For scalars: type_.
  char lane_type_ = 0;
  std::vector<Lane> lanes_;  // one for scalars and references
};

// `value` of type letter `type` for messages; v128 as four i32 lanes.
std::string FormatValue(char type, const airlock_value& value);

}  // namespace airlock::spectest

#endif  // AIRLOCK_TESTS_SPEC_SPEC_VALUES_H_
