// The guest side of a tool call: stdin -> arguments -> handler -> stdout.
// Every failure a caller can cause (bad JSON, wrong arguments, oversized
// input) ends as a tool error with exit code 1, never as a trap.
#include "airlock/tool.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

namespace airlock::tool {
namespace {

constexpr int kExitError = 1;
constexpr int kExitInternal = 70;  // EX_SOFTWARE: a bug of the tool

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

ToolError Error(std::string code, std::string message) {
  return ToolError{std::move(code), std::move(message), nullptr};
}

// Writes {"error":{...}} and returns `exit_code`.
int WriteError(const ToolError& e, int exit_code) {
  Json error = Json::object();
  error["code"] = e.code.empty() ? "failed" : e.code;
  error["message"] = e.message;
  if (!e.details.is_null()) error["details"] = e.details;
  Json out = Json::object();
  out["error"] = std::move(error);
  WriteJsonLine(out, STDOUT_FILENO);
  return exit_code;
}

int Internal(std::string message) {
  Log("internal error: " + message);
  return WriteError(Error("internal", std::move(message)), kExitInternal);
}

// stdin, read whole. A malloc'd buffer rather than a std::string: growing it
// with realloc neither zero-fills (resize would, at a fuel cost per byte)
// nor, at the top of the heap, copies.
class Input {
 public:
  Input() = default;
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  ~Input() { Release(); }

  enum class Status { kOk, kTooLarge, kNoMemory, kError };
  // Reads to EOF, at most kMaxInputBytes; errno is set on kError.
  Status Read() {
    constexpr size_t kFirst = 64 << 10;
    for (;;) {
      // Grown only when full: most inputs fit the first block, and growing
      // may copy.
      if (size_ == capacity_) {
        size_t want = std::max(capacity_ * 2, kFirst);
        // One byte over the limit tells "too large" from "exactly full".
        want = std::min(want, kMaxInputBytes + 1);
        if (want <= size_) return Status::kTooLarge;
        char* grown = static_cast<char*>(realloc(data_, want));
        if (!grown) return Status::kNoMemory;
        data_ = grown;
        capacity_ = want;
      }
      ssize_t n = read(STDIN_FILENO, data_ + size_, capacity_ - size_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::kError;
      if (n == 0) return Status::kOk;
      size_ += static_cast<size_t>(n);
      if (size_ > kMaxInputBytes) return Status::kTooLarge;
    }
  }
  std::string_view text() const { return {data_, size_}; }
  void Release() {
    free(data_);
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

ToolError InvalidArguments(std::string message) {
  return Error("invalid_arguments", std::move(message));
}
ToolError NotFound(std::string message) {
  return Error("not_found", std::move(message));
}
ToolError PermissionDenied(std::string message) {
  return Error("permission_denied", std::move(message));
}
ToolError TooLarge(std::string message) {
  return Error("too_large", std::move(message));
}
ToolError Failed(std::string message) {
  return Error("failed", std::move(message));
}

ToolError IoError(std::string_view path, int errno_value) {
  return Error("io_error", std::string(path) + ": " + strerror(errno_value));
}

ToolError ErrnoError(std::string_view path, int errno_value) {
  std::string message = std::string(path) + ": " + strerror(errno_value);
  switch (errno_value) {
    case ENOENT:
      return NotFound(std::move(message));
    case EACCES:
    case EPERM:
#ifdef ENOTCAPABLE
    case ENOTCAPABLE:
#endif
      return PermissionDenied(std::move(message));
    default:
      return Error("io_error", std::move(message));
  }
}

void Log(std::string_view line) {
  std::string text(line);
  text += '\n';
  WriteAll(STDERR_FILENO, text);
}

namespace internal {

int Main(Handler handler) {
  // The schemas, the arguments and the result are never freed: the process
  // ends right after, and destroying a tree node by node costs fuel (about
  // half of what parsing it did).
  Json& schemas = *new Json;
  if (!ParseJson(SchemasText(), &schemas).empty() || !schemas.is_object()) {
    return Internal("the embedded schemas are not a JSON object");
  }
  auto in_schema = schemas.find("input_schema");
  auto out_schema = schemas.find("output_schema");
  if (in_schema == schemas.end() || out_schema == schemas.end()) {
    return Internal("the embedded schemas lack input_schema/output_schema");
  }

  Input input;
  switch (input.Read()) {
    case Input::Status::kOk:
      break;
    case Input::Status::kTooLarge:
      return WriteError(TooLarge("input is larger than " +
                                 std::to_string(kMaxInputBytes) + " bytes"),
                        kExitError);
    case Input::Status::kNoMemory:
      return WriteError(Failed("out of memory reading the input"), kExitError);
    case Input::Status::kError:
      return WriteError(IoError("stdin", errno), kExitError);
  }
  if (IsBlank(input.text())) {
    return WriteError(
        InvalidArguments("input is empty: expected a JSON object of arguments"),
        kExitError);
  }

  Json& args = *new Json;
  if (std::string error = ParseJson(input.text(), &args); !error.empty()) {
    return WriteError(InvalidArguments("input is not valid JSON: " + error),
                      kExitError);
  }
  input.Release();  // the handler gets the memory
  if (!args.is_object()) {
    return WriteError(InvalidArguments("/: must be an object, got " +
                                       std::string(TypeName(args))),
                      kExitError);
  }
  if (std::string error = Validate(*in_schema, args, /*fill_defaults=*/true);
      !error.empty()) {
    return WriteError(InvalidArguments(std::move(error)), kExitError);
  }

  Result& result = *new Result(handler(args));
  if (!result.ok()) return WriteError(result.error(), kExitError);
  if (std::string error = Validate(*out_schema, result.value());
      !error.empty()) {
    return Internal("the result does not match the tool's output_schema: " +
                    error);
  }
  // A failed write (e.g. the output limit) cannot be reported on stdout.
  return WriteJsonLine(result.value(), STDOUT_FILENO) ? 0 : kExitInternal;
}

}  // namespace internal
}  // namespace airlock::tool
