#include "policy/units.h"

#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace airlock::policy {

namespace {

std::string Quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

absl::Status Invalid(std::string_view what, std::string_view text,
                     std::string_view why) {
  return absl::InvalidArgumentError("invalid " + std::string(what) + " " +
                                    Quoted(text) + " (" + std::string(why) +
                                    ")");
}

// Parses digits with optional single `_` between digits into `*value`.
// Returns false for anything else (including overflow: `*overflow` is set).
bool ParseDigits(std::string_view text, uint64_t* value, bool* overflow) {
  *overflow = false;
  *value = 0;
  if (text.empty() || text.front() == '_' || text.back() == '_') return false;
  bool previous_underscore = false;
  for (char c : text) {
    if (c == '_') {
      if (previous_underscore) return false;
      previous_underscore = true;
      continue;
    }
    previous_underscore = false;
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (*value > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      *overflow = true;
      return false;
    }
    *value = *value * 10 + digit;
  }
  return true;
}

struct SizeUnit {
  std::string_view name;  // lower case
  uint64_t multiplier;
};
constexpr SizeUnit kSizeUnits[] = {
    {"", 1},
    {"b", 1},
    {"kib", 1ull << 10},
    {"mib", 1ull << 20},
    {"gib", 1ull << 30},
    {"tib", 1ull << 40},
};

struct RateUnit {
  std::string_view name;
  absl::Duration per;
};
const RateUnit kRateUnits[] = {
    {"s", absl::Seconds(1)}, {"sec", absl::Seconds(1)},
    {"m", absl::Minutes(1)}, {"min", absl::Minutes(1)},
    {"h", absl::Hours(1)},   {"hour", absl::Hours(1)},
};

}  // namespace

bool Rate::StricterThan(const Rate& other) const {
  if (unlimited()) return false;
  if (other.unlimited()) return true;
  // count/per < other.count/other.per, without floating point: periods are
  // whole seconds (s, min, h).
  const unsigned __int128 lhs =
      static_cast<unsigned __int128>(count) *
      static_cast<uint64_t>(absl::ToInt64Seconds(other.per));
  const unsigned __int128 rhs =
      static_cast<unsigned __int128>(other.count) *
      static_cast<uint64_t>(absl::ToInt64Seconds(per));
  return lhs < rhs;
}

std::string Rate::ToString() const {
  if (unlimited()) return "unlimited";
  std::string unit = "s";
  if (per == absl::Minutes(1)) unit = "min";
  if (per == absl::Hours(1)) unit = "h";
  return absl::StrCat(count, "/", unit);
}

absl::StatusOr<uint64_t> ParseByteSize(std::string_view text) {
  size_t digits_end = 0;
  while (digits_end < text.size() &&
         ((text[digits_end] >= '0' && text[digits_end] <= '9') ||
          text[digits_end] == '_')) {
    ++digits_end;
  }
  const std::string unit =
      absl::AsciiStrToLower(std::string(text.substr(digits_end)));
  uint64_t number = 0;
  bool overflow = false;
  const bool parsed =
      ParseDigits(text.substr(0, digits_end), &number, &overflow);
  if (overflow) return Invalid("size", text, "too large");
  if (!parsed) return Invalid("size", text, "use e.g. 64MiB");
  for (const SizeUnit& u : kSizeUnits) {
    if (unit != u.name) continue;
    if (number > std::numeric_limits<uint64_t>::max() / u.multiplier) {
      return Invalid("size", text, "too large");
    }
    if (number == 0) return Invalid("size", text, "must be greater than 0");
    return number * u.multiplier;
  }
  return Invalid("size", text, "use e.g. 64MiB");
}

absl::StatusOr<absl::Duration> ParseDuration(std::string_view text) {
  constexpr std::string_view kHint = "use e.g. 5s, 500ms or 2m";
  // absl::ParseDuration also takes signs, "inf" and a bare "0"; we want
  // digits, '.', and unit letters only, ending in a unit.
  bool has_digit = false;
  for (char c : text) {
    const bool ok =
        (c >= '0' && c <= '9') || c == '.' || (c >= 'a' && c <= 'z');
    if (!ok) return Invalid("duration", text, kHint);
    has_digit |= c >= '0' && c <= '9';
  }
  if (!has_digit || text.empty() || text.back() < 'a' || text.back() > 'z' ||
      text.front() < '0' || text.front() > '9') {
    return Invalid("duration", text, kHint);
  }
  absl::Duration duration;
  if (!absl::ParseDuration(absl::string_view(text.data(), text.size()),
                           &duration)) {
    return Invalid("duration", text, kHint);
  }
  if (duration == absl::InfiniteDuration()) {
    return Invalid("duration", text, "too large");
  }
  if (duration <= absl::ZeroDuration()) {
    return Invalid("duration", text, "must be greater than 0");
  }
  return duration;
}

absl::StatusOr<int64_t> ParseCount(std::string_view text,
                                   std::string_view what) {
  uint64_t number = 0;
  bool overflow = false;
  const bool parsed = ParseDigits(text, &number, &overflow);
  if (overflow ||
      (parsed &&
       number > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))) {
    return Invalid(what, text, "too large; at most 9223372036854775807");
  }
  if (!parsed) return Invalid(what, text, "use a whole number, e.g. 1_000_000");
  return static_cast<int64_t>(number);
}

absl::StatusOr<Rate> ParseRate(std::string_view text) {
  constexpr std::string_view kHint = "use e.g. 100/s, 6000/min or unlimited";
  if (text == "unlimited") return Rate{};
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return Invalid("rate", text, kHint);
  uint64_t count = 0;
  bool overflow = false;
  if (!ParseDigits(text.substr(0, slash), &count, &overflow)) {
    return Invalid("rate", text, overflow ? "too large" : kHint);
  }
  const std::string_view unit = text.substr(slash + 1);
  for (const RateUnit& u : kRateUnits) {
    if (unit != u.name) continue;
    if (count == 0) {
      return Invalid("rate", text,
                     "must be greater than 0; to block calls, leave the tool "
                     "out of the allowlist");
    }
    if (count > (uint64_t{1} << 40)) return Invalid("rate", text, "too large");
    return Rate{count, u.per};
  }
  return Invalid("rate", text, kHint);
}

std::string FormatByteSize(uint64_t bytes) {
  for (int i = static_cast<int>(std::size(kSizeUnits)) - 1; i >= 2; --i) {
    const SizeUnit& u = kSizeUnits[i];
    if (bytes != 0 && bytes % u.multiplier == 0) {
      std::string name(u.name);
      // "mib" -> "MiB"
      name[0] = absl::ascii_toupper(name[0]);
      name[2] = 'B';
      return absl::StrCat(bytes / u.multiplier, name);
    }
  }
  return absl::StrCat(bytes, "B");
}

std::string FormatCount(int64_t count) {
  std::string digits = absl::StrCat(count < 0 ? -count : count);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += '_';
    out += digits[i];
  }
  return count < 0 ? "-" + out : out;
}

}  // namespace airlock::policy
