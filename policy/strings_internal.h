// String building for policy messages. Debian's abseil has its own
// absl::string_view (not std::string_view), so absl::StrCat does not take
// the std::string_view used throughout this folder; Cat does.
#ifndef AIRLOCK_POLICY_STRINGS_INTERNAL_H_
#define AIRLOCK_POLICY_STRINGS_INTERNAL_H_

#include <concepts>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace airlock::policy::internal {

inline void AppendPiece(std::string* out, std::string_view s) {
  out->append(s);
}
inline void AppendPiece(std::string* out, absl::string_view s) {
  out->append(s.data(), s.size());
}
inline void AppendPiece(std::string* out, const char* s) { out->append(s); }
inline void AppendPiece(std::string* out, const std::string& s) {
  out->append(s);
}
inline void AppendPiece(std::string* out, char c) { out->push_back(c); }
template <std::integral T>
requires(!std::same_as<T, char> &&
         !std::same_as<T, bool>) void AppendPiece(std::string* out, T value) {
  out->append(std::to_string(value));
}

template <typename... Pieces>
std::string Cat(const Pieces&... pieces) {
  std::string out;
  (AppendPiece(&out, pieces), ...);
  return out;
}

template <typename Container>
std::string Join(const Container& items, std::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out.append(separator);
    first = false;
    out.append(std::string_view(item));
  }
  return out;
}

// `text` in double quotes, with quotes, backslashes and control characters
// escaped, for messages that name a value.
std::string Quoted(std::string_view text);

}  // namespace airlock::policy::internal

#endif  // AIRLOCK_POLICY_STRINGS_INTERNAL_H_
