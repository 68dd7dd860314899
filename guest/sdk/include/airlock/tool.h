// The guest SDK for airlock tools: a tool is one C++ handler that takes the
// call's arguments (a JSON object, already validated against the manifest's
// input_schema) and returns a JSON result or a ToolError. The SDK's main()
// (AIRLOCK_TOOL_MAIN) does the wire protocol around it:
//
//   stdin   the arguments, one JSON object (at most kMaxInputBytes)
//   stdout  the result on one line, exit 0; or
//           {"error":{"code":...,"message":...[,"details":...]}}, exit 1;
//           a result that violates the tool's own output_schema is a tool bug:
//           code "internal", exit 70
//   stderr  free-form log lines (Log)
//
//   #include "airlock/tool.h"
//   namespace tool = airlock::tool;
//
//   tool::Result Handle(const tool::Json& args) {
//     const std::string& text = args["text"].get_ref<const std::string&>();
//     if (text.empty()) return tool::InvalidArguments("text: is empty");
//     return tool::Json{{"text", text}};
//   }
//   AIRLOCK_TOOL_MAIN(Handle)
//
// Guests are built without exceptions (the engine has no Wasm exception
// handling), so anything that would throw aborts, which is a trap: parse JSON
// with ParseJson (airlock/json.h) or Json::parse(text, nullptr, false) and
// check is_discarded(), check types before get<>(), never at() a missing key,
// dump with DumpJson or dump(-1, ' ', false, Json::error_handler_t::replace).
// See docs/writing-tools.md.
#ifndef AIRLOCK_GUEST_SDK_TOOL_H_
#define AIRLOCK_GUEST_SDK_TOOL_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "airlock/json.h"
#include "airlock/schema.h"

namespace airlock::tool {

// The largest stdin (the arguments) the SDK reads; a larger input is answered
// with code "too_large" before the handler runs. Policies cap call inputs
// well below this (1 MiB by default); it bounds the guest's parse memory.
inline constexpr size_t kMaxInputBytes = 4 << 20;

// A tool error as agents see it: {"error":{"code","message"[,"details"]}}.
// Codes are stable snake_case words; the helpers below make the usual ones.
struct ToolError {
  std::string code;
  std::string message;
  Json details;  // null = none (omitted from the output)
};

// What a handler returns: either a result value (success, exit 0) or a
// ToolError (exit 1). Implicitly constructible from both, so a handler can
// `return tool::Json{...};` or `return tool::NotFound("...");`.
class Result {
 public:
  Result(Json value) : ok_(true), value_(std::move(value)) {}
  Result(ToolError error) : ok_(false), error_(std::move(error)) {}

  bool ok() const { return ok_; }
  // The result value; null when !ok().
  const Json& value() const { return value_; }
  Json& value() { return value_; }
  // The error; empty code and message when ok().
  const ToolError& error() const { return error_; }
  ToolError& error() { return error_; }

 private:
  bool ok_;
  Json value_;
  ToolError error_;
};

// "invalid_arguments": the arguments are well-formed but unusable.
ToolError InvalidArguments(std::string message);
// "not_found": a file, key, line... that the arguments name does not exist.
ToolError NotFound(std::string message);
// "permission_denied": the tool may not touch what the arguments name.
ToolError PermissionDenied(std::string message);
// "too_large": an input or result exceeds a limit of the tool.
ToolError TooLarge(std::string message);
// "io_error" with message "PATH: <strerror(errno_value)>".
ToolError IoError(std::string_view path, int errno_value);
// "failed": anything else that went wrong.
ToolError Failed(std::string message);
// Maps a failed file operation's errno: ENOENT -> not_found, EACCES, EPERM,
// ENOTCAPABLE -> permission_denied, anything else -> io_error; the message is
// "PATH: <strerror(errno_value)>".
ToolError ErrnoError(std::string_view path, int errno_value);

// Writes `line` and a newline to stderr (not part of the result).
void Log(std::string_view line);

namespace internal {
using Handler = Result (*)(const Json& args);
// The SDK's main: reads and validates stdin, calls `handler`, writes the
// result or error; returns the exit code (0, 1 or 70).
int Main(Handler handler);
// {"input_schema":...,"output_schema":...} of the tool's manifest, without
// annotations; generated from manifest.json by airlock_add_tool.
std::string_view SchemasText();
}  // namespace internal

}  // namespace airlock::tool

// Defines main() for a tool whose handler is `handler`, a function
// `tool::Result handler(const tool::Json& args)`.
#define AIRLOCK_TOOL_MAIN(handler) \
  int main() { return ::airlock::tool::internal::Main(handler); }

#endif  // AIRLOCK_GUEST_SDK_TOOL_H_
