#include "tests/wasi/wasi_test_spec.h"

#include <string>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace airlock::wasitest {

namespace {

using Json = nlohmann::json;

absl::Status Invalid(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

// Reads the optional fields shared by the legacy form and `run`.
absl::Status ReadRunFields(const Json& object, TestSpec* spec) {
  if (auto it = object.find("args"); it != object.end()) {
    if (!it->is_array()) return Invalid("\"args\" must be an array");
    for (const Json& arg : *it) {
      if (!arg.is_string()) return Invalid("\"args\" must hold strings");
      spec->args.push_back(arg.get<std::string>());
    }
  }
  if (auto it = object.find("env"); it != object.end()) {
    if (!it->is_object()) return Invalid("\"env\" must be an object");
    for (auto& [key, value] : it->items()) {
      if (!value.is_string()) return Invalid("\"env\" values must be strings");
      spec->env.emplace_back(key, value.get<std::string>());
    }
  }
  if (auto it = object.find("root"); it != object.end() && !it->is_null()) {
    if (!it->is_string()) return Invalid("\"root\" must be a string");
    spec->root = it->get<std::string>();
  }
  return absl::OkStatus();
}

absl::Status ReadExitCode(const Json& object, TestSpec* spec) {
  if (auto it = object.find("exit_code"); it != object.end()) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() > UINT32_MAX) {
      return Invalid("\"exit_code\" must be a number 0..4294967295");
    }
    spec->exit_code = it->get<uint32_t>();
  }
  return absl::OkStatus();
}

absl::Status ReadString(const Json& object, const char* key, std::string* out) {
  if (auto it = object.find(key); it != object.end()) {
    if (!it->is_string()) {
      return Invalid("\"" + std::string(key) + "\" must be a string");
    }
    *out = it->get<std::string>();
  }
  return absl::OkStatus();
}

absl::StatusOr<TestSpec> ParseLegacy(const Json& json) {
  TestSpec spec;
  if (absl::Status s = ReadRunFields(json, &spec); !s.ok()) return s;
  if (absl::Status s = ReadExitCode(json, &spec); !s.ok()) return s;
  if (absl::Status s = ReadString(json, "stdout", &spec.expected_stdout);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadString(json, "stderr", &spec.expected_stderr);
      !s.ok()) {
    return s;
  }
  return spec;
}

absl::StatusOr<TestSpec> ParseOperations(const Json& json) {
  if (auto it = json.find("proposals"); it != json.end()) {
    if (!it->is_array()) return Invalid("\"proposals\" must be an array");
    if (!it->empty()) {
      return absl::UnimplementedError("needs WASI proposal " +
                                      it->at(0).dump() +
                                      ", which airlock does not implement");
    }
  }
  Json operations = Json::array({{{"type", "run"}}, {{"type", "wait"}}});
  if (auto it = json.find("operations"); it != json.end()) {
    if (!it->is_array()) return Invalid("\"operations\" must be an array");
    operations = *it;
  }
  TestSpec spec;
  bool running = false;  // a run without its wait yet
  int runs = 0;
  for (const Json& op : operations) {
    if (!op.is_object()) return Invalid("an operation must be an object");
    std::string type;
    if (absl::Status s = ReadString(op, "type", &type); !s.ok()) return s;
    if (type == "run") {
      if (running) return Invalid("\"run\" before the previous \"wait\"");
      if (++runs > 1) {
        return absl::UnimplementedError("more than one \"run\" operation");
      }
      if (absl::Status s = ReadRunFields(op, &spec); !s.ok()) return s;
      running = true;
    } else if (type == "wait") {
      if (!running) return Invalid("\"wait\" without a \"run\"");
      if (absl::Status s = ReadExitCode(op, &spec); !s.ok()) return s;
      running = false;
    } else if (type == "read") {
      if (runs == 0) return Invalid("\"read\" before \"run\"");
      std::string id = "stdout", payload;
      if (absl::Status s = ReadString(op, "id", &id); !s.ok()) return s;
      if (absl::Status s = ReadString(op, "payload", &payload); !s.ok()) {
        return s;
      }
      if (id == "stdout") {
        spec.expected_stdout += payload;
      } else if (id == "stderr") {
        spec.expected_stderr += payload;
      } else {
        return Invalid("\"read\" of unknown stream \"" + id + "\"");
      }
    } else if (type == "connect" || type == "send" || type == "recv") {
      if (runs == 0) return Invalid("\"" + type + "\" before \"run\"");
      return absl::UnimplementedError("operation \"" + type +
                                      "\" needs the sockets proposal");
    } else {
      return Invalid("unknown operation \"" + type + "\"");
    }
  }
  if (running) return Invalid("\"run\" without a \"wait\"");
  if (runs == 0) return Invalid("no \"run\" operation");
  return spec;
}

}  // namespace

absl::StatusOr<TestSpec> ParseTestSpec(std::string_view json_text) {
  Json json = Json::parse(json_text, /*cb=*/nullptr,
                          /*allow_exceptions=*/false);
  if (json.is_discarded()) return Invalid("not valid JSON");
  if (!json.is_object()) return Invalid("not a JSON object");
  if (json.contains("operations") || json.contains("proposals")) {
    return ParseOperations(json);
  }
  return ParseLegacy(json);
}

}  // namespace airlock::wasitest
