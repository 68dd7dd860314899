// JSON text <-> tool::Json for guests. nlohmann's own parser and serializer
// work in a guest, but they spend about 200 and 100 Wasm instructions (fuel)
// per byte; these spend a few, which decides whether a tool can take a
// 1 MiB argument within its fuel. The SDK uses them for stdin and stdout;
// tools may use them for JSON they read or write themselves.
#ifndef AIRLOCK_GUEST_SDK_JSON_H_
#define AIRLOCK_GUEST_SDK_JSON_H_

#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

#if defined(__wasi__) && !defined(JSON_NOEXCEPTION)
#error \
    "guest code must be built with -DJSON_NOEXCEPTION (airlock_add_tool does)"
#endif

namespace airlock::tool {

// Objects keep their key order, so a result prints as the tool built it.
using Json = nlohmann::ordered_json;

// Parses one JSON value (RFC 8259: UTF-8, no comments, no trailing text)
// into *out. Returns "" or the first problem as "line L, column C: what",
// e.g. `line 1, column 2: expected a string (an object key), got "o"`.
// Stricter than Json::parse in one way: a key repeated in one object is an
// error (which of the two a tool would see is otherwise a guess). Nesting
// depth is limited only by memory (no recursion). Numbers become
// number_unsigned (>= 0), number_integer (< 0) or, with a fraction, an
// exponent or beyond 64 bits, number_float, as with Json::parse.
std::string ParseJson(std::string_view text, Json* out);

// Appends `value` as compact JSON, like value.dump(-1, ' ', false,
// Json::error_handler_t::replace): non-ASCII characters unescaped, control
// characters escaped, an invalid UTF-8 sequence in a string replaced by
// U+FFFD, NaN and infinities as null. No recursion.
void AppendJson(const Json& value, std::string* out);
std::string DumpJson(const Json& value);
// Writes `value` as AppendJson would, and a newline, to `fd`, streaming (the
// text is never held whole). False when a write fails.
bool WriteJsonLine(const Json& value, int fd);

}  // namespace airlock::tool

#endif  // AIRLOCK_GUEST_SDK_JSON_H_
