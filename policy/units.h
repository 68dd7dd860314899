// Values with units, shared by policies and command-line flags so both
// accept exactly the same spellings (docs/policy.md, "Units"):
//   sizes      4096, 4096B, 64KiB, 64MiB, 2GiB (binary units only)
//   durations  250ms, 5s, 2m, 1m30s, 1.5s (ns, us, ms, s, m, h)
//   counts     1000000 or 1_000_000
//   rates      100/s, 6000/min, 10/h
// Errors are InvalidArgument with a message naming the text, e.g.
//   invalid size "64XB" (use e.g. 64MiB)
#ifndef AIRLOCK_POLICY_UNITS_H_
#define AIRLOCK_POLICY_UNITS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace airlock::policy {

// `count` calls per `per`. count == 0 means unlimited.
struct Rate {
  uint64_t count = 0;
  absl::Duration per = absl::Seconds(1);
  bool unlimited() const { return count == 0; }
  // True if this admits fewer calls per unit of time than `other`
  // (unlimited admits the most).
  bool StricterThan(const Rate& other) const;
  // "100/s", "6000/min", "unlimited".
  std::string ToString() const;
};

// > 0. Unit names are case-insensitive; decimal KB/MB are rejected (they
// would silently mean something else).
absl::StatusOr<uint64_t> ParseByteSize(std::string_view text);
// > 0, finite, digits and unit letters only (no sign, no bare number).
absl::StatusOr<absl::Duration> ParseDuration(std::string_view text);
// A whole number >= 0 that fits in int64, `_` allowed between digits.
// `what` names the value in messages ("fuel", "count").
absl::StatusOr<int64_t> ParseCount(std::string_view text,
                                   std::string_view what = "count");
// N/s, N/sec, N/min, N/m, N/h, N/hour with N > 0; or "unlimited".
absl::StatusOr<Rate> ParseRate(std::string_view text);

// 67108864 → "64MiB", 1000 → "1000B": exact, the largest unit that divides.
std::string FormatByteSize(uint64_t bytes);
// 1234567 → "1_234_567".
std::string FormatCount(int64_t count);

}  // namespace airlock::policy

#endif  // AIRLOCK_POLICY_UNITS_H_
