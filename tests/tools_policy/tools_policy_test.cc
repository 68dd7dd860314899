// deploy/policies/cde-sidecar.yaml tells models how to call the bundled tools
// (each tool's input_schema is the function's parameters), while each tool
// validates its calls against the manifest it was built with. When the two
// drift apart, models are refused arguments the tool accepts (a property
// missing under additionalProperties: false) or send ones it rejects. This
// test loads the policy with the policy library, as airlockd would, and
// compares each bundled tool's entry with the airlock.manifest section of the
// built module, read with sandbox/ingest as `airlock inspect` does:
//
//   - input_schema (required in the policy) and output_schema (when the
//     policy has one) equal the manifest's, ignoring the annotations
//     description, title and examples: those are model-facing text, which the
//     operator may shorten; everything else (types, bounds, enums, required,
//     defaults, additionalProperties) must be identical;
//   - needs.files (path and mode) and needs.env are the manifest's `needs`;
//   - every bundled tool (every NAME.wasm in the build's tools folder, and
//     every tool the build defines) is a tool of the policy.
//
// A failure names the tool, the first differing JSON pointer and both values.
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "policy/policy.h"
#include "sandbox/ingest/module_info.h"

namespace airlock {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using ::testing::IsEmpty;

constexpr char kPolicyFile[] = AIRLOCK_SIDECAR_POLICY;
constexpr char kToolsDir[] = AIRLOCK_BUNDLED_TOOLS_DIR;

// The tools the build defines (tool_NAME_wasm targets of guest/tools).
std::vector<std::string> BundledTools() {
  return absl::StrSplit(AIRLOCK_BUNDLED_TOOLS, ',', absl::SkipEmpty());
}

// Schema keywords that only annotate (models read them, validation does
// not): the policy may word them differently from the manifest.
bool IsAnnotation(std::string_view keyword) {
  return keyword == "description" || keyword == "title" ||
         keyword == "examples";
}

// `schema` without annotations, at every level a schema can nest in the
// keywords the SDK supports (properties, items, additionalProperties). A
// property *named* "description" is kept: only keywords are stripped.
Json StripAnnotations(const Json& schema) {
  if (!schema.is_object()) return schema;
  Json out = Json::object();
  for (const auto& [key, value] : schema.items()) {
    if (IsAnnotation(key)) continue;
    if (key == "properties" && value.is_object()) {
      Json properties = Json::object();
      for (const auto& [name, property] : value.items()) {
        properties[name] = StripAnnotations(property);
      }
      out[key] = std::move(properties);
    } else if (key == "items" || key == "additionalProperties") {
      out[key] = StripAnnotations(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

// One JSON pointer token (RFC 6901: "~" → "~0", "/" → "~1").
std::string PointerToken(const std::string& token) {
  return absl::StrReplaceAll(token, {{"~", "~0"}, {"/", "~1"}});
}

// A value as the failure message shows it; `nullptr`: absent.
std::string Show(const Json* value) {
  if (value == nullptr) return "(absent)";
  std::string text =
      value->dump(-1, ' ', false, Json::error_handler_t::replace);
  constexpr size_t kMax = 400;
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

struct Difference {
  std::string pointer;  // RFC 6901; "" is the whole value
  std::string policy;   // Show() of each side
  std::string manifest;
};

// The first place where `policy` and `manifest` differ, depth first, object
// keys in sorted order (nlohmann::json keeps them sorted); nullopt when they
// are equal. Numbers compare by value (1 == 1.0), as JSON Schema does.
std::optional<Difference> FirstDifference(const Json& policy,
                                          const Json& manifest,
                                          const std::string& pointer = "") {
  if (policy.is_object() && manifest.is_object()) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : policy.items()) keys.push_back(key);
    for (const auto& [key, value] : manifest.items()) {
      if (!policy.contains(key)) keys.push_back(key);
    }
    std::sort(keys.begin(), keys.end());
    for (const std::string& key : keys) {
      const std::string at = pointer + "/" + PointerToken(key);
      auto p = policy.find(key);
      auto m = manifest.find(key);
      if (p == policy.end() || m == manifest.end()) {
        return Difference{at, Show(p == policy.end() ? nullptr : &*p),
                          Show(m == manifest.end() ? nullptr : &*m)};
      }
      if (auto d = FirstDifference(*p, *m, at)) return d;
    }
    return std::nullopt;
  }
  if (policy.is_array() && manifest.is_array()) {
    const size_t n = std::max(policy.size(), manifest.size());
    for (size_t i = 0; i < n; ++i) {
      const std::string at = absl::StrCat(pointer, "/", i);
      if (i >= policy.size() || i >= manifest.size()) {
        return Difference{at, Show(i < policy.size() ? &policy[i] : nullptr),
                          Show(i < manifest.size() ? &manifest[i] : nullptr)};
      }
      if (auto d = FirstDifference(policy[i], manifest[i], at)) return d;
    }
    return std::nullopt;
  }
  if (policy == manifest) return std::nullopt;
  return Difference{pointer, Show(&policy), Show(&manifest)};
}

// "" when `policy_schema` equals `manifest_schema` without annotations, else
// `tool "NAME": WHAT differs from the manifest of MODULE at POINTER: ...`.
std::string CompareSchemas(const std::string& tool, const std::string& what,
                           const std::string& module, const Json& policy_schema,
                           const Json& manifest_schema) {
  std::optional<Difference> d = FirstDifference(
      StripAnnotations(policy_schema), StripAnnotations(manifest_schema));
  if (!d) return "";
  return absl::StrCat(
      "tool \"", tool, "\": ", what, " differs from the manifest of ", module,
      " at ", d->pointer.empty() ? "the root" : d->pointer, ": policy has ",
      d->policy, ", manifest has ", d->manifest);
}

// The manifest embedded in `module` (custom section airlock.manifest).
struct ManifestOrError {
  Json manifest;
  std::string error;  // empty when `manifest` is usable
};
ManifestOrError ReadManifest(const fs::path& module) {
  std::ifstream in(module, std::ios::binary);
  if (!in) return {{}, absl::StrCat(module.string(), ": cannot read")};
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
  absl::StatusOr<sandbox::ModuleInfo> info = sandbox::InspectModule(bytes);
  if (!info.ok()) {
    return {{}, absl::StrCat(module.string(), ": ", info.status().message())};
  }
  if (!info->manifest) {
    return {{},
            absl::StrCat(module.string(), ": no ",
                         std::string(sandbox::kManifestSectionName),
                         " custom section")};
  }
  if (!info->manifest->error.empty()) {
    return {{}, absl::StrCat(module.string(), ": ", info->manifest->error)};
  }
  // Unordered (sorted) keys, like the policy's schemas.
  Json manifest =
      Json::parse(info->manifest->text, nullptr, /*allow_exceptions=*/false);
  if (!manifest.is_object()) {
    return {{},
            absl::StrCat(module.string(), ": the manifest is not an object")};
  }
  return {std::move(manifest), ""};
}

// The policy's needs and the manifest's, as sorted lists of "PATH (ro|rw)"
// and variable names: order does not matter, a bare path is read-only.
std::vector<std::string> PolicyFileNeeds(const policy::Tool& tool) {
  std::vector<std::string> out;
  for (const auto& need : tool.file_needs) {
    out.push_back(absl::StrCat(
        need.path, need.mode == policy::Mode::kReadWrite ? " (rw)" : " (ro)"));
  }
  std::sort(out.begin(), out.end());
  return out;
}
std::vector<std::string> PolicyEnvNeeds(const policy::Tool& tool) {
  std::vector<std::string> out;
  for (const auto& need : tool.env_needs) out.push_back(need.name);
  std::sort(out.begin(), out.end());
  return out;
}
std::vector<std::string> ManifestFileNeeds(const Json& manifest) {
  std::vector<std::string> out;
  const Json needs = manifest.value("needs", Json::object());
  for (const Json& need : needs.value("files", Json::array())) {
    if (need.is_string()) {
      out.push_back(need.get<std::string>() + " (ro)");
    } else if (need.is_object()) {
      out.push_back(absl::StrCat(need.value("path", std::string()), " (",
                                 need.value("mode", std::string("ro")), ")"));
    } else {
      out.push_back(Show(&need));  // shows up in the failure message
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}
std::vector<std::string> ManifestEnvNeeds(const Json& manifest) {
  std::vector<std::string> out;
  const Json needs = manifest.value("needs", Json::object());
  for (const Json& name : needs.value("env", Json::array())) {
    out.push_back(name.is_string() ? name.get<std::string>() : Show(&name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ShowList(const std::vector<std::string>& items) {
  return "[" + absl::StrJoin(items, ", ") + "]";
}

// The sidecar policy loaded as airlockd would, with AIRLOCK_TOOLS_DIR the
// build's tools folder and fresh workspace and scratch folders.
class Sidecar {
 public:
  Sidecar() {
    std::string pattern =
        (fs::path(::testing::TempDir()) / "tools_policy_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return;
    root_ = pattern;
    const std::string workspace = (root_ / "workspace").string();
    const std::string scratch = (root_ / "scratch").string();
    fs::create_directory(workspace);
    fs::create_directory(scratch);
    const std::map<std::string, std::string> env = {
        {"AIRLOCK_TOOLS_DIR", kToolsDir},
        {"AIRLOCK_WORKSPACE", workspace},
        {"AIRLOCK_SCRATCH", scratch}};
    policy::LoadOptions options;
    options.getenv = [env](const char* name) -> const char* {
      auto it = env.find(name);
      return it == env.end() ? nullptr : it->second.c_str();
    };
    result_ = policy::LoadPolicyFile(kPolicyFile, options);
  }
  ~Sidecar() {
    std::error_code ignored;
    if (!root_.empty()) fs::remove_all(root_, ignored);
  }
  Sidecar(const Sidecar&) = delete;
  Sidecar& operator=(const Sidecar&) = delete;

  const policy::LoadResult& result() const { return result_; }

  // The policy's tools whose module is the file `module`.
  std::vector<const policy::Tool*> ToolsUsing(const fs::path& module) const {
    std::vector<const policy::Tool*> out;
    if (!result_.ok()) return out;
    for (const policy::Tool& tool : result_.policy->tools()) {
      std::error_code ec;
      if (!tool.module_path.empty() &&
          fs::equivalent(tool.module_path, module, ec)) {
        out.push_back(&tool);
      }
    }
    return out;
  }

 private:
  fs::path root_;
  policy::LoadResult result_;
};

// --- The comparison itself: it must report what differs, and only that. --

TEST(FirstDifferenceTest, EqualValuesHaveNone) {
  EXPECT_EQ(FirstDifference(Json::parse(R"({"a": [1, {"b": null}]})"),
                            Json::parse(R"({"a": [1.0, {"b": null}]})")),
            std::nullopt);
}

TEST(FirstDifferenceTest, NamesTheMissingPropertyWithBothValues) {
  std::optional<Difference> d =
      FirstDifference(Json::parse(R"({"properties": {"path": {}}})"),
                      Json::parse(R"({"properties": {"path": {},
                                      "max_bytes": {"type": "integer"}}})"));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->pointer, "/properties/max_bytes");
  EXPECT_EQ(d->policy, "(absent)");
  EXPECT_EQ(d->manifest, R"({"type":"integer"})");
}

TEST(FirstDifferenceTest, NamesArrayElementsAndEscapesKeys) {
  std::optional<Difference> d =
      FirstDifference(Json::parse(R"({"a/b~": {"required": ["x", "y"]}})"),
                      Json::parse(R"({"a/b~": {"required": ["x", "z"]}})"));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->pointer, "/a~1b~0/required/1");
  EXPECT_EQ(d->policy, "\"y\"");
  EXPECT_EQ(d->manifest, "\"z\"");

  d = FirstDifference(Json::parse("[1]"), Json::parse("[1, 2]"));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->pointer, "/1");
  EXPECT_EQ(d->policy, "(absent)");
}

TEST(CompareSchemasTest, IgnoresAnnotationsButNotPropertiesNamedLikeThem) {
  const Json manifest = Json::parse(R"({"type": "object",
      "description": "long text", "properties": {
        "q": {"type": "string", "description": "a", "examples": ["x"]},
        "description": {"type": "string"}}})");
  EXPECT_EQ(CompareSchemas("t", "input_schema", "t.wasm",
                           Json::parse(R"({"type": "object", "properties": {
                               "q": {"type": "string", "title": "Q"},
                               "description": {"type": "string",
                                               "description": "d"}}})"),
                           manifest),
            "");
  EXPECT_EQ(CompareSchemas("t", "input_schema", "t.wasm",
                           Json::parse(R"({"type": "object", "properties": {
                               "q": {"type": "string"}}})"),
                           manifest),
            "tool \"t\": input_schema differs from the manifest of t.wasm at "
            "/properties/description: policy has (absent), manifest has "
            "{\"type\":\"string\"}");
  EXPECT_EQ(CompareSchemas("t", "output_schema", "t.wasm",
                           Json::parse(R"({"type": "array"})"), manifest),
            "tool \"t\": output_schema differs from the manifest of t.wasm at "
            "/properties: policy has (absent), manifest has "
            "{\"description\":{\"type\":\"string\"},\"q\":{\"type\":"
            "\"string\"}}");
}

// --- The sidecar policy against the built tools. ---------------------------

TEST(ToolsPolicyTest, TheBuildDefinesBundledTools) {
  EXPECT_THAT(BundledTools(), ::testing::Not(IsEmpty()))
      << "no tool_NAME_wasm target under guest/tools";
}

// With the real modules (the deploy_policies_check ctest uses stand-ins),
// the policy loads without errors or warnings: `policy check --strict`.
TEST(ToolsPolicyTest, PolicyLoadsCleanlyWithTheBuiltTools) {
  Sidecar sidecar;
  ASSERT_TRUE(sidecar.result().ok()) << sidecar.result().ToString();
  EXPECT_THAT(sidecar.result().diagnostics, IsEmpty())
      << sidecar.result().ToString();
}

TEST(ToolsPolicyTest, EveryModuleInTheToolsFolderIsInThePolicy) {
  Sidecar sidecar;
  ASSERT_TRUE(sidecar.result().ok()) << sidecar.result().ToString();
  std::error_code ec;
  int modules = 0;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(kToolsDir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".wasm") {
      continue;
    }
    ++modules;
    EXPECT_THAT(sidecar.ToolsUsing(entry.path()), ::testing::Not(IsEmpty()))
        << "the bundled tool " << entry.path().filename()
        << " is not a tool of " << kPolicyFile << ": add one with module: \"${"
        << "AIRLOCK_TOOLS_DIR}/" << entry.path().filename().string() << "\"";
  }
  ASSERT_FALSE(ec) << kToolsDir << ": " << ec.message();
  EXPECT_GE(modules, static_cast<int>(BundledTools().size()))
      << "fewer NAME.wasm files in " << kToolsDir << " than bundled tools ("
      << absl::StrJoin(BundledTools(), ", ") << ")";
}

class BundledToolTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BundledToolTest, PolicyMatchesTheManifest) {
  const std::string& name = GetParam();
  const fs::path module = fs::path(kToolsDir) / (name + ".wasm");
  ASSERT_TRUE(fs::is_regular_file(module))
      << module << " does not exist: build target tool_" << name << "_wasm";
  const ManifestOrError read = ReadManifest(module);
  ASSERT_EQ(read.error, "");
  const Json& manifest = read.manifest;

  Sidecar sidecar;
  ASSERT_TRUE(sidecar.result().ok()) << sidecar.result().ToString();
  const std::vector<const policy::Tool*> tools = sidecar.ToolsUsing(module);
  ASSERT_THAT(tools, ::testing::Not(IsEmpty()))
      << "no tool of " << kPolicyFile << " has module \"${AIRLOCK_TOOLS_DIR}/"
      << name << ".wasm\"";

  const std::string module_name = name + ".wasm";
  for (const policy::Tool* tool : tools) {
    SCOPED_TRACE("policy tool " + tool->name);
    if (tool->input_schema_json.empty()) {
      ADD_FAILURE() << "tool \"" << tool->name
                    << "\": no input_schema (models need the manifest's)";
    } else {
      const std::string problem =
          CompareSchemas(tool->name, "input_schema", module_name,
                         Json::parse(tool->input_schema_json),
                         manifest.value("input_schema", Json()));
      EXPECT_TRUE(problem.empty()) << problem;
    }
    if (!tool->output_schema_json.empty()) {
      const std::string problem =
          CompareSchemas(tool->name, "output_schema", module_name,
                         Json::parse(tool->output_schema_json),
                         manifest.value("output_schema", Json()));
      EXPECT_TRUE(problem.empty()) << problem;
    }
    const std::vector<std::string> policy_files = PolicyFileNeeds(*tool);
    const std::vector<std::string> manifest_files = ManifestFileNeeds(manifest);
    EXPECT_TRUE(policy_files == manifest_files)
        << "tool \"" << tool->name << "\": needs.files differ from the "
        << "manifest of " << module_name << ": policy has "
        << ShowList(policy_files) << ", manifest has "
        << ShowList(manifest_files);
    const std::vector<std::string> policy_env = PolicyEnvNeeds(*tool);
    const std::vector<std::string> manifest_env = ManifestEnvNeeds(manifest);
    EXPECT_TRUE(policy_env == manifest_env)
        << "tool \"" << tool->name << "\": needs.env differs from the "
        << "manifest of " << module_name << ": policy has "
        << ShowList(policy_env) << ", manifest has " << ShowList(manifest_env);
  }
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(BundledToolTest);
INSTANTIATE_TEST_SUITE_P(Tools, BundledToolTest,
                         ::testing::ValuesIn(BundledTools()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           // Test names are [A-Za-z0-9_]; tool names may also
                           // have "-".
                           return absl::StrReplaceAll(info.param, {{"-", "_"}});
                         });

}  // namespace
}  // namespace airlock
