// YAML text → validated, compiled Policy. One pass over the tree collects
// every error (a bad value does not stop the walk), then cross-references
// (allowlists → tools, credential uniqueness, overlapping paths) are
// checked, and only a policy without errors is compiled.
#include <fnmatch.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "nlohmann/json.hpp"
#include "policy/compiler_internal.h"
#include "policy/policy.h"
#include "policy/strings_internal.h"
#include "policy/yaml_tree.h"

namespace airlock::policy {

using internal::Cat;
using internal::Join;
using internal::Quoted;
using internal::YamlNode;

namespace {

constexpr uint64_t kMaxModuleBytes = 256u << 20;
constexpr uint64_t kMaxMemoryLimit = 16ull << 30;
constexpr uint64_t kMaxOutputLimit = 1ull << 30;
constexpr int64_t kMaxConcurrency = 1'000'000;
constexpr size_t kMaxAllowlistEntries = 65535;

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.starts_with(prefix);
}

// Levenshtein distance, for "did you mean" hints on short names.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// ` (did you mean "x"?)` when one candidate is close, else "".
template <typename Names>
std::string DidYouMean(std::string_view word, const Names& candidates) {
  std::string best;
  size_t best_distance = 3;
  for (const auto& candidate : candidates) {
    const std::string_view c(candidate);
    const size_t d = EditDistance(word, c);
    if (d < best_distance && d < std::max<size_t>(c.size(), 2)) {
      best_distance = d;
      best = std::string(c);
    }
  }
  return best.empty() ? "" : " (did you mean " + Quoted(best) + "?)";
}

bool IsNameChar(char c, bool allow_dot) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '-' || (allow_dot && c == '.');
}

bool IsEnvName(std::string_view name) {
  if (name.empty() || absl::ascii_isdigit(static_cast<unsigned char>(name[0])))
    return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  }
  return true;
}

// Absolute, no empty/"."/".." components, no trailing slash (except "/").
bool IsNormalAbsolutePath(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  if (path == "/") return true;
  if (path.back() == '/') return false;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

// True if `inner` is `outer` or below it (both normalised absolute paths).
bool PathWithin(std::string_view inner, std::string_view outer) {
  if (outer == "/") return true;
  return inner == outer ||
         (StartsWith(inner, outer) && inner[outer.size()] == '/');
}

bool IsGlob(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Joins a base folder and a relative path, dropping "." components and
// resolving ".." lexically (module paths only: they are read, not granted).
std::string ResolvePath(std::string_view base, std::string_view path) {
  std::string joined = path.size() > 0 && path[0] == '/'
                           ? std::string(path)
                           : Cat(base.empty() ? "." : base, "/", path);
  std::vector<std::string_view> parts;
  const bool absolute = !joined.empty() && joined[0] == '/';
  for (size_t start = 0; start <= joined.size();) {
    size_t end = joined.find('/', start);
    if (end == std::string::npos) end = joined.size();
    const std::string_view part =
        std::string_view(joined).substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == ".." && !parts.empty() && parts.back() != "..") {
      parts.pop_back();
      continue;
    }
    if (part == ".." && absolute) continue;
    parts.push_back(part);
  }
  std::string out = absolute ? "/" : "";
  out += Join(parts, "/");
  return out.empty() ? "." : out;
}

}  // namespace

PolicyCompiler::PolicyCompiler(std::string_view file, std::string_view base_dir,
                               const LoadOptions& options)
    : file_(file),
      base_dir_(base_dir),
      filesystem_(options.filesystem != nullptr ? *options.filesystem
                                                : RealFilesystem()),
      getenv_(options.getenv ? options.getenv
                             : [](const char* name) -> const char* {
        return std::getenv(name);
      }) {}

// File order: what `policy check` prints.
void PolicyCompiler::SortDiagnostics() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::pair(a.location.line, a.location.column) <
                            std::pair(b.location.line, b.location.column);
                   });
}

void PolicyCompiler::Report(Diagnostic::Severity severity,
                            SourceLocation location, std::string message) {
  Diagnostic d;
  d.severity = severity;
  d.file = file_;
  d.location = location;
  d.message = std::move(message);
  diagnostics_.push_back(std::move(d));
  if (severity == Diagnostic::Severity::kError) ++errors_;
}

void PolicyCompiler::Error(const YamlNode& at, std::string_view path,
                           std::string_view message) {
  Report(Diagnostic::Severity::kError, at.location,
         path.empty() ? std::string(message) : Cat(path, ": ", message));
}

void PolicyCompiler::Warning(const YamlNode& at, std::string_view path,
                             std::string_view message) {
  Report(Diagnostic::Severity::kWarning, at.location,
         path.empty() ? std::string(message) : Cat(path, ": ", message));
}

Rule PolicyCompiler::MakeRule(const YamlNode& node, std::string path) const {
  return Rule{std::move(path), node.location};
}

// Checks that `node` is a mapping with plain-string keys from `allowed`,
// each at most once; reports every violation and returns the entries that
// are usable (first of duplicates), keyed by name.
PolicyCompiler::Fields PolicyCompiler::ReadMapping(
    const YamlNode& node, std::string_view path,
    std::initializer_list<std::string_view> allowed) {
  Fields fields;
  if (node.kind != YamlNode::Kind::kMapping) {
    Error(node, path, Cat("expected a mapping, got ", KindName(node)));
    return fields;
  }
  for (const auto& [key, value] : node.entries) {
    if (key->kind != YamlNode::Kind::kScalar) {
      Error(*key, path, Cat("keys must be strings, got ", KindName(*key)));
      continue;
    }
    const std::string& name = key->scalar;
    if (allowed.size() > 0 &&
        std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string hint = DidYouMean(name, allowed);
      if (hint.empty()) {
        hint = Cat(" (expected one of: ", Join(allowed, ", "), ")");
      }
      if (name == "<<") hint = " (YAML merge keys are not supported)";
      Error(*key, path, Cat("unknown key ", Quoted(name), hint));
      continue;
    }
    auto [it, inserted] = fields.try_emplace(name, key.get(), value.get());
    if (!inserted) {
      Error(*key, path,
            Cat("duplicate key ", Quoted(name), " (first at line ",
                it->second.key->location.line, ")"));
    }
  }
  return fields;
}

const YamlNode* PolicyCompiler::Field(const Fields& fields,
                                      std::string_view name) const {
  auto it = fields.find(absl::string_view(name.data(), name.size()));
  return it == fields.end() ? nullptr : it->second.value;
}

std::optional<std::string> PolicyCompiler::ReadString(const YamlNode& node,
                                                      std::string_view path) {
  if (node.kind != YamlNode::Kind::kScalar) {
    Error(node, path, Cat("expected a string, got ", KindName(node)));
    return std::nullopt;
  }
  if (node.scalar.find('\0') != std::string::npos) {
    Error(node, path, "contains a NUL character");
    return std::nullopt;
  }
  return node.scalar;
}

std::optional<std::string> PolicyCompiler::ReadPlainScalar(
    const YamlNode& node, std::string_view path, std::string_view expected) {
  if (node.kind != YamlNode::Kind::kScalar) {
    Error(node, path, Cat("expected ", expected, ", got ", KindName(node)));
    return std::nullopt;
  }
  return node.scalar;
}

// A variable's value may end in "/" or be "/": "${DIR}/x" with DIR=/srv/
// gives "/srv//x". Slashes doubled (or left trailing) by an expansion are
// dropped; any other path problem is still an error.
std::optional<std::string> PolicyCompiler::ExpandVariables(
    const YamlNode& node, std::string_view path, std::string_view text) {
  std::optional<std::string> out = ExpandVariablesRaw(node, path, text);
  if (!out || text.find("${") == std::string_view::npos) return out;
  std::string clean;
  for (char c : *out) {
    if (c == '/' && !clean.empty() && clean.back() == '/') continue;
    clean += c;
  }
  if (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  return clean;
}

std::optional<std::string> PolicyCompiler::ExpandVariablesRaw(
    const YamlNode& node, std::string_view path, std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      out += text[i++];
      continue;
    }
    const size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      Error(node, path,
            Cat("unterminated ${ in ", Quoted(text), " (write ${NAME})"));
      return std::nullopt;
    }
    const std::string name(text.substr(i + 2, close - i - 2));
    if (!IsEnvName(name)) {
      Error(node, path,
            Cat("invalid variable name ", Quoted(name), " in ", Quoted(text)));
      return std::nullopt;
    }
    const char* value = getenv_(name.c_str());
    if (value == nullptr) {
      Error(node, path, Cat("environment variable ", name, " is not set"));
      return std::nullopt;
    }
    out += value;
    i = close + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Limits

void PolicyCompiler::ReadLimits(const YamlNode& node, const std::string& path,
                                LimitLayerBuilder* layer) {
  const Fields fields = ReadMapping(
      node, path,
      {"fuel", "memory", "timeout", "output", "input", "concurrency", "rate"});
  for (size_t k = 0; k < kLimitKindCount; ++k) {
    const LimitKind kind = static_cast<LimitKind>(k);
    const std::string_view name = LimitName(kind);
    const YamlNode* value = Field(fields, name);
    if (value == nullptr) continue;
    const std::string value_path = Cat(path, ".", name);
    std::optional<std::string> text =
        ReadPlainScalar(*value, value_path, "a value");
    if (!text) continue;
    absl::Status status;
    Limits& l = layer->values;
    switch (kind) {
      case LimitKind::kFuel: {
        absl::StatusOr<int64_t> v = ParseCount(*text, "fuel");
        if (v.ok() && *v == 0) {
          status = absl::InvalidArgumentError(
              "fuel must be greater than 0 (a call with no fuel cannot run)");
        } else if (v.ok()) {
          l.fuel = *v;
        } else {
          status = v.status();
        }
        break;
      }
      case LimitKind::kMemory:
      case LimitKind::kOutput:
      case LimitKind::kInput: {
        absl::StatusOr<uint64_t> v = ParseByteSize(*text);
        if (!v.ok()) {
          status = v.status();
        } else if (kind == LimitKind::kMemory && *v < 65536) {
          status = absl::InvalidArgumentError(
              "memory must be at least 64KiB (one WebAssembly page)");
        } else if (kind == LimitKind::kMemory && *v > kMaxMemoryLimit) {
          status = absl::InvalidArgumentError("memory must be at most 16GiB");
        } else if (kind != LimitKind::kMemory && *v > kMaxOutputLimit) {
          status =
              absl::InvalidArgumentError(Cat(name, " must be at most 1GiB"));
        } else if (kind == LimitKind::kMemory) {
          l.memory_bytes = *v;
        } else if (kind == LimitKind::kOutput) {
          l.output_bytes = *v;
        } else {
          l.input_bytes = *v;
        }
        break;
      }
      case LimitKind::kTimeout: {
        absl::StatusOr<absl::Duration> v = ParseDuration(*text);
        if (!v.ok()) {
          status = v.status();
        } else if (*v > absl::Hours(24)) {
          status = absl::InvalidArgumentError("timeout must be at most 24h");
        } else {
          l.timeout = *v;
        }
        break;
      }
      case LimitKind::kConcurrency: {
        absl::StatusOr<int64_t> v = ParseCount(*text, "concurrency");
        if (!v.ok()) {
          status = v.status();
        } else if (*v < 1 || *v > kMaxConcurrency) {
          status = absl::InvalidArgumentError(
              "concurrency must be between 1 and 1000000");
        } else {
          l.concurrency = static_cast<uint32_t>(*v);
        }
        break;
      }
      case LimitKind::kRate: {
        absl::StatusOr<Rate> v = ParseRate(*text);
        if (v.ok()) {
          l.rate = *v;
        } else {
          status = v.status();
        }
        break;
      }
    }
    if (!status.ok()) {
      Error(*value, value_path, std::string(status.message()));
      continue;
    }
    layer->set[k] = true;
    layer->rules[k] = MakeRule(*value, value_path);
  }
}

// ---------------------------------------------------------------------------
// Tools

void PolicyCompiler::ReadModule(const YamlNode& node, const std::string& path,
                                Tool* tool) {
  std::optional<std::string> text = ReadString(node, path);
  if (!text) return;
  if (StartsWith(*text, "sha256:")) {
    std::string hex = absl::AsciiStrToLower(text->substr(7));
    if (hex.size() != 64 || !IsLowerHex(hex)) {
      Error(node, path,
            Cat("invalid module digest ", Quoted(*text),
                " (use sha256: followed by 64 hex digits)"));
      return;
    }
    tool->module_sha256 = std::move(hex);
    return;
  }
  if (text->empty()) {
    Error(node, path, "empty module path");
    return;
  }
  std::optional<std::string> expanded = ExpandVariables(node, path, *text);
  if (!expanded) return;
  const std::string resolved = ResolvePath(base_dir_, *expanded);
  absl::StatusOr<std::string> bytes =
      filesystem_.ReadFile(resolved, kMaxModuleBytes);
  if (!bytes.ok()) {
    Error(node, path, Cat("cannot read module: ", bytes.status().message()));
    return;
  }
  static constexpr char kMagic[] = {'\0', 'a', 's', 'm', 1, 0, 0, 0};
  if (bytes->size() < sizeof kMagic ||
      bytes->compare(0, sizeof kMagic, kMagic, sizeof kMagic) != 0) {
    Error(node, path,
          Cat("module ", resolved,
              " is not a WebAssembly binary module (bad header)"));
    return;
  }
  tool->module_path = resolved;
  tool->module_sha256 = Sha256Hex(*bytes);
}

std::optional<std::string> PolicyCompiler::ReadSchema(const YamlNode& node,
                                                      const std::string& path,
                                                      bool input) {
  if (node.kind != YamlNode::Kind::kMapping) {
    Error(node, path,
          Cat("expected a JSON Schema mapping, got ", KindName(node)));
    return std::nullopt;
  }
  const size_t errors_before = errors_;
  nlohmann::json json = ToJson(node, path);
  if (errors_ != errors_before) return std::nullopt;
  if (input) {
    auto type = json.find("type");
    if (type == json.end() || *type != "object") {
      Error(node, path,
            "must have type: object (models pass tool arguments as a JSON "
            "object)");
      return std::nullopt;
    }
  }
  return json.dump();
}

// YAML → JSON for schemas. Plain scalars that read as JSON literals (true,
// false, null, numbers) become them; quoted scalars stay strings.
nlohmann::json PolicyCompiler::ToJson(const YamlNode& node,
                                      const std::string& path) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return nullptr;
    case YamlNode::Kind::kScalar: {
      if (!node.quoted) {
        const std::string& s = node.scalar;
        if (s == "true") return true;
        if (s == "false") return false;
        if (s == "null" || s == "~") return nullptr;
        if (!s.empty() &&
            (absl::ascii_isdigit(static_cast<unsigned char>(s[0])) ||
             s[0] == '-')) {
          nlohmann::json number =
              nlohmann::json::parse(s, nullptr, /*allow_exceptions=*/false);
          if (number.is_number()) return number;
        }
      }
      return node.scalar;
    }
    case YamlNode::Kind::kSequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& item : node.items) array.push_back(ToJson(*item, path));
      return array;
    }
    case YamlNode::Kind::kMapping: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& [key, value] : node.entries) {
        if (key->kind != YamlNode::Kind::kScalar) {
          Error(*key, path, "schema keys must be strings");
          continue;
        }
        if (object.contains(key->scalar)) {
          Error(*key, path, Cat("duplicate key ", Quoted(key->scalar)));
          continue;
        }
        object[key->scalar] = ToJson(*value, path);
      }
      return object;
    }
  }
  return nullptr;
}

void PolicyCompiler::ReadNeeds(const YamlNode& node, const std::string& path,
                               Tool* tool) {
  const Fields fields = ReadMapping(node, path, {"files", "env"});
  if (const YamlNode* files = Field(fields, "files")) {
    const std::string files_path = path + ".files";
    if (files->kind != YamlNode::Kind::kSequence) {
      Error(*files, files_path, Cat("expected a list, got ", KindName(*files)));
    } else {
      for (size_t i = 0; i < files->items.size(); ++i) {
        const YamlNode& item = *files->items[i];
        const std::string item_path = Cat(files_path, "[", i, "]");
        Tool::FileNeed need;
        const YamlNode* path_node = &item;
        if (item.kind == YamlNode::Kind::kMapping) {
          const Fields f = ReadMapping(item, item_path, {"path", "mode"});
          path_node = Field(f, "path");
          if (path_node == nullptr) {
            Error(item, item_path, "missing key \"path\"");
            continue;
          }
          if (const YamlNode* mode = Field(f, "mode")) {
            std::optional<Mode> m = ReadMode(*mode, item_path + ".mode");
            if (!m) continue;
            need.mode = *m;
          }
        } else if (item.kind != YamlNode::Kind::kScalar) {
          Error(item, item_path,
                Cat("expected a guest path or {path, mode}, got ",
                    KindName(item)));
          continue;
        }
        std::optional<std::string> p = ReadString(*path_node, item_path);
        if (!p) continue;
        if (!IsNormalAbsolutePath(*p)) {
          Error(*path_node, item_path,
                Cat("guest path ", Quoted(*p),
                    " must be absolute and normalised (no ., .., "
                    "// or trailing /)"));
          continue;
        }
        bool clash = false;
        for (const Tool::FileNeed& other : tool->file_needs) {
          if (PathWithin(*p, other.path) || PathWithin(other.path, *p)) {
            Error(*path_node, item_path,
                  Cat(Quoted(*p), " overlaps ", other.rule.path, " (",
                      Quoted(other.path), ", line ", other.rule.location.line,
                      ")"));
            clash = true;
            break;
          }
        }
        if (clash) continue;
        need.path = *p;
        need.rule = MakeRule(item, item_path);
        tool->file_needs.push_back(std::move(need));
      }
    }
  }
  if (const YamlNode* env = Field(fields, "env")) {
    const std::string env_path = path + ".env";
    if (env->kind != YamlNode::Kind::kSequence) {
      Error(*env, env_path,
            Cat("expected a list of variable names, got ", KindName(*env)));
    } else {
      for (size_t i = 0; i < env->items.size(); ++i) {
        const YamlNode& item = *env->items[i];
        const std::string item_path = Cat(env_path, "[", i, "]");
        std::optional<std::string> name = ReadString(item, item_path);
        if (!name) continue;
        if (!IsEnvName(*name)) {
          Error(item, item_path,
                Cat("invalid environment variable name ", Quoted(*name)));
          continue;
        }
        bool duplicate = false;
        for (const Tool::EnvNeed& other : tool->env_needs) {
          duplicate |= other.name == *name;
        }
        if (duplicate) {
          Error(item, item_path, Cat(*name, " is listed twice"));
          continue;
        }
        tool->env_needs.push_back({*name, MakeRule(item, item_path)});
      }
    }
  }
}

std::optional<Mode> PolicyCompiler::ReadMode(const YamlNode& node,
                                             const std::string& path) {
  std::optional<std::string> text = ReadString(node, path);
  if (!text) return std::nullopt;
  if (*text == "ro") return Mode::kReadOnly;
  if (*text == "rw") return Mode::kReadWrite;
  Error(node, path,
        Cat("invalid mode ", Quoted(*text),
            " (use ro for read-only or rw for read-write)"));
  return std::nullopt;
}

void PolicyCompiler::ReadTool(const YamlNode& key, const YamlNode& node,
                              const std::string& name) {
  const std::string path = "tools." + name;
  Tool tool;
  tool.name = name;
  tool.rule = MakeRule(key, path);
  LimitLayerBuilder limits;
  bool valid_name = !name.empty() && name.size() <= 64;
  for (char c : name) valid_name &= IsNameChar(c, /*allow_dot=*/false);
  if (!valid_name) {
    Error(key, "tools",
          Cat("invalid tool name ", Quoted(name),
              " (use 1-64 letters, digits, _ or -: tool names are "
              "handed to models as function names)"));
  }
  const Fields fields =
      ReadMapping(node, path,
                  {"module", "description", "input_schema", "output_schema",
                   "args", "needs", "limits"});
  // tool_index_ already points at this slot: fill it even when the tool is
  // not a mapping (the error is reported; the policy will not load).
  if (node.kind != YamlNode::Kind::kMapping) {
    tools_.push_back(std::move(tool));
    tool_limits_.push_back(std::move(limits));
    return;
  }
  if (const YamlNode* module = Field(fields, "module")) {
    ReadModule(*module, path + ".module", &tool);
  } else {
    Error(node, path, "missing key \"module\" (a .wasm path or sha256:...)");
  }
  if (const YamlNode* d = Field(fields, "description")) {
    if (std::optional<std::string> s = ReadString(*d, path + ".description")) {
      tool.description = *s;
    }
  }
  if (const YamlNode* s = Field(fields, "input_schema")) {
    if (auto json = ReadSchema(*s, path + ".input_schema", /*input=*/true)) {
      tool.input_schema_json = *json;
    }
  }
  if (const YamlNode* s = Field(fields, "output_schema")) {
    if (auto json = ReadSchema(*s, path + ".output_schema", /*input=*/false)) {
      tool.output_schema_json = *json;
    }
  }
  if (const YamlNode* args = Field(fields, "args")) {
    if (args->kind != YamlNode::Kind::kSequence) {
      Error(*args, path + ".args",
            Cat("expected a list of strings, got ", KindName(*args)));
    } else {
      for (size_t i = 0; i < args->items.size(); ++i) {
        if (auto s = ReadString(*args->items[i], Cat(path, ".args[", i, "]"))) {
          tool.args.push_back(*s);
        }
      }
    }
  }
  if (const YamlNode* needs = Field(fields, "needs")) {
    ReadNeeds(*needs, path + ".needs", &tool);
  }
  if (const YamlNode* l = Field(fields, "limits")) {
    ReadLimits(*l, path + ".limits", &limits);
  }
  tools_.push_back(std::move(tool));
  tool_limits_.push_back(std::move(limits));
}

// ---------------------------------------------------------------------------
// Tenants

void PolicyCompiler::ReadCredentials(const YamlNode& node,
                                     const std::string& path, uint32_t tenant) {
  if (node.kind != YamlNode::Kind::kSequence) {
    Error(node, path,
          Cat("expected a list of credentials, got ", KindName(node)));
    return;
  }
  for (size_t i = 0; i < node.items.size(); ++i) {
    const YamlNode& item = *node.items[i];
    const std::string item_path = Cat(path, "[", i, "]");
    const Fields f = ReadMapping(item, item_path,
                                 {"token_sha256", "mtls_subject", "unix_uid"});
    if (item.kind != YamlNode::Kind::kMapping) continue;
    if (item.entries.size() != 1) {
      if (item.entries.size() > 1 || f.size() > 1) {
        Error(item, item_path,
              "each credential has exactly one key (token_sha256, "
              "mtls_subject or unix_uid); write one list item per credential");
      } else if (item.entries.empty()) {
        Error(item, item_path, "empty credential");
      }
      continue;
    }
    if (f.empty()) continue;  // unknown key, reported
    const auto& [kind, entry] = *f.begin();
    const YamlNode& value = *entry.value;
    const std::string value_path = Cat(item_path, ".", kind);
    std::optional<std::string> text =
        ReadPlainScalar(value, value_path, "a string");
    if (!text) continue;
    CredentialSeen seen{tenant, value_path, value.location};
    if (kind == "token_sha256") {
      std::string hex = absl::AsciiStrToLower(*text);
      if (StartsWith(hex, "sha256:")) hex = hex.substr(7);
      if (hex.size() != 64 || !IsLowerHex(hex)) {
        Error(value, value_path,
              "expected 64 hex digits: the sha256 of the token, not the "
              "token itself (make it with: airlock policy hash-token)");
        continue;
      }
      CheckUnique(&seen_tokens_, hex, seen, value, "token");
      tokens_.push_back({hex, tenant});
    } else if (kind == "mtls_subject") {
      if (text->empty()) {
        Error(value, value_path, "empty subject");
        continue;
      }
      CheckUnique(&seen_subjects_, *text, seen, value, "mTLS subject");
      subjects_.push_back({*text, tenant});
    } else {
      absl::StatusOr<int64_t> uid = ParseCount(*text, "uid");
      if (!uid.ok() || *uid > 4294967294) {
        Error(value, value_path,
              Cat("invalid uid ", Quoted(*text),
                  " (a number from 0 to 4294967294)"));
        continue;
      }
      CheckUnique(&seen_uids_, *text, seen, value, "uid");
      uids_.push_back({static_cast<uint32_t>(*uid), tenant});
    }
  }
}

void PolicyCompiler::CheckUnique(
    absl::flat_hash_map<std::string, CredentialSeen>* seen,
    const std::string& key, const CredentialSeen& here, const YamlNode& node,
    std::string_view what) {
  auto [it, inserted] = seen->try_emplace(key, here);
  if (inserted) return;
  const CredentialSeen& first = it->second;
  if (first.tenant == here.tenant) {
    Error(node, here.path,
          Cat("the same ", what, " is listed twice (first at ", first.path,
              ", line ", first.location.line, ")"));
  } else {
    Error(
        node, here.path,
        Cat("this ", what, " already identifies tenant ",
            Quoted(tenants_[first.tenant].name), " (", first.path, ", line ",
            first.location.line, "); a credential must resolve to one tenant"));
  }
}

void PolicyCompiler::ReadGrants(const YamlNode& node, const std::string& path,
                                Tenant* tenant) {
  const Fields fields = ReadMapping(node, path, {"files", "env"});
  if (const YamlNode* files = Field(fields, "files")) {
    const std::string files_path = path + ".files";
    if (files->kind != YamlNode::Kind::kSequence) {
      Error(*files, files_path, Cat("expected a list, got ", KindName(*files)));
    } else {
      for (size_t i = 0; i < files->items.size(); ++i) {
        ReadFileGrant(*files->items[i], Cat(files_path, "[", i, "]"), tenant);
      }
    }
  }
  if (const YamlNode* env = Field(fields, "env")) {
    const std::string env_path = path + ".env";
    const Fields vars = ReadMapping(*env, env_path, {});
    for (const auto& [key, value] : env->entries) {
      if (key->kind != YamlNode::Kind::kScalar) continue;  // reported
      auto it = vars.find(key->scalar);
      if (it == vars.end() || it->second.key != key.get()) continue;  // dup
      const std::string var_path = Cat(env_path, ".", key->scalar);
      if (!IsEnvName(key->scalar)) {
        Error(*key, env_path,
              Cat("invalid environment variable name ", Quoted(key->scalar)));
        continue;
      }
      std::optional<std::string> text = value->kind == YamlNode::Kind::kNull
                                            ? std::optional<std::string>("")
                                            : ReadString(*value, var_path);
      if (!text) continue;
      tenant->env.push_back({key->scalar, *text, MakeRule(*key, var_path)});
    }
  }
}

void PolicyCompiler::ReadFileGrant(const YamlNode& item,
                                   const std::string& path, Tenant* tenant) {
  const Fields f = ReadMapping(item, path, {"host", "guest", "mode"});
  if (item.kind != YamlNode::Kind::kMapping) return;
  Tenant::FileGrantRule grant;
  const YamlNode* host = Field(f, "host");
  if (host == nullptr) {
    Error(item, path, "missing key \"host\" (the host folder to grant)");
    return;
  }
  std::optional<std::string> host_text = ReadString(*host, path + ".host");
  if (!host_text) return;
  std::optional<std::string> host_path =
      ExpandVariables(*host, path + ".host", *host_text);
  if (!host_path) return;
  bool ok = true;
  if (!IsNormalAbsolutePath(*host_path)) {
    Error(*host, path + ".host",
          Cat("host path ", Quoted(*host_path),
              " must be absolute and normalised (no ., .., // or "
              "trailing /)"));
    ok = false;
  } else if (*host_path == "/") {
    Error(*host, path + ".host",
          "granting / would expose the whole host; grant a folder");
    ok = false;
  } else {
    absl::StatusOr<Filesystem::Kind> kind = filesystem_.Stat(*host_path);
    if (!kind.ok()) {
      Error(*host, path + ".host",
            Cat("host folder does not exist or cannot be used: ",
                kind.status().message()));
      ok = false;
    } else if (*kind != Filesystem::Kind::kDirectory) {
      Error(*host, path + ".host",
            Cat("host path ", *host_path, " is not a folder"));
      ok = false;
    }
  }
  grant.host = *host_path;
  grant.guest = grant.host;
  if (const YamlNode* guest = Field(f, "guest")) {
    std::optional<std::string> g = ReadString(*guest, path + ".guest");
    if (!g) return;
    if (!IsNormalAbsolutePath(*g)) {
      Error(*guest, path + ".guest",
            Cat("guest path ", Quoted(*g),
                " must be absolute and normalised (no ., .., // or "
                "trailing /)"));
      return;
    }
    grant.guest = *g;
  }
  if (const YamlNode* mode = Field(f, "mode")) {
    std::optional<Mode> m = ReadMode(*mode, path + ".mode");
    if (!m) return;
    grant.mode = *m;
  }
  if (!ok) return;
  for (const Tenant::FileGrantRule& other : tenant->files) {
    if (PathWithin(grant.host, other.host) ||
        PathWithin(other.host, grant.host)) {
      Error(*host, path + ".host",
            Cat(Quoted(grant.host), " overlaps ", other.rule.path, " (",
                Quoted(other.host), ", line ", other.rule.location.line,
                "); grant each host folder once"));
      return;
    }
    if (PathWithin(grant.guest, other.guest) ||
        PathWithin(other.guest, grant.guest)) {
      const YamlNode* guest = Field(f, "guest");
      Error(guest != nullptr ? *guest : *host, path + ".guest",
            Cat("guest path ", Quoted(grant.guest), " overlaps ",
                other.rule.path, " (", Quoted(other.guest), ", line ",
                other.rule.location.line, ")"));
      return;
    }
  }
  grant.rule = MakeRule(item, path);
  tenant->files.push_back(std::move(grant));
}

void PolicyCompiler::ReadTenant(const YamlNode& key, const YamlNode& node,
                                const std::string& name) {
  const std::string path = "tenants." + name;
  const uint32_t index = static_cast<uint32_t>(tenants_.size());
  tenants_.emplace_back();
  tenant_limits_.emplace_back();
  tenant_allowlist_nodes_.emplace_back();
  Tenant& tenant = tenants_.back();
  tenant.name = name;
  tenant.rule = MakeRule(key, path);
  bool valid_name = !name.empty() && name.size() <= 64;
  for (char c : name) valid_name &= IsNameChar(c, /*allow_dot=*/true);
  if (!valid_name) {
    Error(key, "tenants",
          Cat("invalid tenant name ", Quoted(name),
              " (use 1-64 letters, digits, _, - or .)"));
  }
  const Fields fields =
      ReadMapping(node, path, {"credentials", "tools", "grants", "limits"});
  // Warn about a missing allowlist only when nothing else is wrong with it.
  tenant_allowlist_missing_.push_back(node.kind == YamlNode::Kind::kMapping &&
                                      Field(fields, "tools") == nullptr);
  if (node.kind != YamlNode::Kind::kMapping) return;
  if (const YamlNode* c = Field(fields, "credentials")) {
    ReadCredentials(*c, path + ".credentials", index);
  }
  if (const YamlNode* t = Field(fields, "tools")) {
    if (t->kind != YamlNode::Kind::kSequence) {
      Error(*t, path + ".tools",
            Cat("expected a list of tool names or globs, got ", KindName(*t)));
    } else {
      tenant_allowlist_nodes_.back() = t;
    }
  }
  if (const YamlNode* g = Field(fields, "grants")) {
    ReadGrants(*g, path + ".grants", &tenants_.back());
  }
  if (const YamlNode* l = Field(fields, "limits")) {
    ReadLimits(*l, path + ".limits", &tenant_limits_.back());
  }
}

// Resolves every tenant's allowlist against the tool names (needs all tools
// read first).
void PolicyCompiler::ResolveAllowlists() {
  std::vector<std::string> tool_names;
  for (const Tool& t : tools_) tool_names.push_back(t.name);
  allowlists_.resize(tenants_.size());
  std::vector<bool> reachable(tools_.size(), false);
  for (size_t t = 0; t < tenants_.size(); ++t) {
    const YamlNode* list = tenant_allowlist_nodes_[t];
    Tenant& tenant = tenants_[t];
    if (list == nullptr && tenant_allowlist_missing_[t]) {
      Report(Diagnostic::Severity::kWarning, tenant.rule.location,
             Cat(tenant.rule.path,
                 ": no tools listed; every call will be denied"));
    }
    if (list == nullptr) continue;
    AllowlistBuilder& allow = allowlists_[t];
    const std::string path = Cat("tenants.", tenant.name, ".tools");
    if (list->items.size() > kMaxAllowlistEntries) {
      Error(*list, path, "more than 65535 entries");
      continue;
    }
    absl::flat_hash_set<std::string> seen;
    for (size_t i = 0; i < list->items.size(); ++i) {
      const YamlNode& item = *list->items[i];
      const std::string item_path = Cat(path, "[", i, "]");
      std::optional<std::string> pattern = ReadString(item, item_path);
      if (!pattern) continue;
      if (!seen.insert(*pattern).second) {
        Error(item, item_path, Cat(Quoted(*pattern), " is listed twice"));
        continue;
      }
      const uint32_t entry = static_cast<uint32_t>(tenant.tool_rules.size());
      tenant.tool_rules.push_back(MakeRule(item, item_path));
      if (!IsGlob(*pattern)) {
        auto it = tool_index_.find(*pattern);
        if (it == tool_index_.end()) {
          Error(item, item_path,
                Cat("unknown tool ", Quoted(*pattern),
                    DidYouMean(*pattern, tool_names)));
          continue;
        }
        allow.exact.emplace(it->second, entry);
        reachable[it->second] = true;
        continue;
      }
      auto [set_it, inserted] = glob_sets_.try_emplace(*pattern);
      if (inserted) {
        auto set = std::make_unique<std::vector<bool>>(tools_.size(), false);
        for (size_t x = 0; x < tools_.size(); ++x) {
          (*set)[x] = fnmatch(pattern->c_str(), tools_[x].name.c_str(), 0) == 0;
        }
        set_it->second = std::move(set);
      }
      const std::vector<bool>& set = *set_it->second;
      bool any = false;
      for (size_t x = 0; x < tools_.size(); ++x) {
        if (set[x]) reachable[x] = any = true;
      }
      if (!any) {
        Warning(item, item_path,
                Cat("glob ", Quoted(*pattern), " matches no tool"));
      }
      allow.globs.emplace_back(entry, &set);
    }
  }
  for (size_t x = 0; x < tools_.size(); ++x) {
    if (!reachable[x]) {
      Report(Diagnostic::Severity::kWarning, tools_[x].rule.location,
             Cat(tools_[x].rule.path, ": no tenant may call this tool"));
    }
  }
}

// A tenant or tool limit above the defaults never applies (the most
// restrictive wins): almost certainly a mistake, so say so.
void PolicyCompiler::WarnIneffectiveLimits(const LimitLayerBuilder& layer) {
  for (size_t k = 0; k < kLimitKindCount; ++k) {
    if (!layer.set[k]) continue;
    const LimitKind kind = static_cast<LimitKind>(k);
    const Limits& mine = layer.values;
    const Limits& base = defaults_.values;
    bool looser = false;
    switch (kind) {
      case LimitKind::kFuel:
        looser = mine.fuel > base.fuel;
        break;
      case LimitKind::kMemory:
        looser = mine.memory_bytes > base.memory_bytes;
        break;
      case LimitKind::kTimeout:
        looser = mine.timeout > base.timeout;
        break;
      case LimitKind::kOutput:
        looser = mine.output_bytes > base.output_bytes;
        break;
      case LimitKind::kInput:
        looser = mine.input_bytes > base.input_bytes;
        break;
      case LimitKind::kConcurrency:
        looser = mine.concurrency > base.concurrency;
        break;
      case LimitKind::kRate:
        looser = base.rate.StricterThan(mine.rate);
        break;
    }
    if (!looser) continue;
    const Rule& rule = layer.rules[k];
    const std::string where =
        defaults_.set[k]
            ? Cat("defaults (line ", defaults_.rules[k].location.line, ")")
            : "the built-in default";
    Report(Diagnostic::Severity::kWarning, rule.location,
           Cat(rule.path, ": above ", where,
               "; has no effect, the most restrictive limit applies"));
  }
}

// ---------------------------------------------------------------------------

LoadResult PolicyCompiler::Compile(std::string_view text) {
  LoadResult result;
  internal::YamlParse parse = internal::ParseYaml(text);
  if (parse.root == nullptr) {
    Report(Diagnostic::Severity::kError, parse.error_location,
           Cat("invalid YAML: ", parse.error));
    result.diagnostics = std::move(diagnostics_);
    return result;
  }
  const YamlNode& root = *parse.root;
  if (root.kind == YamlNode::Kind::kNull) {
    Error(root, "", "empty policy (expected a mapping with version: 1)");
    result.diagnostics = std::move(diagnostics_);
    return result;
  }
  const Fields fields =
      ReadMapping(root, "", {"version", "defaults", "tools", "tenants"});
  if (root.kind != YamlNode::Kind::kMapping) {
    result.diagnostics = std::move(diagnostics_);
    return result;
  }
  if (const YamlNode* version = Field(fields, "version")) {
    if (version->kind != YamlNode::Kind::kScalar || version->scalar != "1") {
      Error(*version, "version",
            Cat("unsupported policy version ",
                version->kind == YamlNode::Kind::kScalar
                    ? Quoted(version->scalar)
                    : std::string(KindName(*version)),
                " (this airlock reads version 1)"));
    }
  } else {
    Error(root, "", "missing key \"version\" (write version: 1)");
  }

  // Built-in limits, then defaults.limits over them.
  defaults_.values = BuiltinLimits();
  if (const YamlNode* defaults = Field(fields, "defaults")) {
    const Fields d = ReadMapping(*defaults, "defaults", {"limits"});
    if (const YamlNode* l = Field(d, "limits")) {
      ReadLimits(*l, "defaults.limits", &defaults_);
    }
  }

  if (const YamlNode* tools = Field(fields, "tools")) {
    const Fields names = ReadMapping(*tools, "tools", {});
    for (const auto& [key, value] : tools->entries) {
      if (key->kind != YamlNode::Kind::kScalar) continue;  // reported
      auto it = names.find(key->scalar);
      if (it == names.end() || it->second.key != key.get()) continue;  // dup
      tool_index_.emplace(key->scalar, static_cast<uint32_t>(tools_.size()));
      ReadTool(*key, *value, key->scalar);
    }
  }
  if (const YamlNode* tenants = Field(fields, "tenants")) {
    const Fields names = ReadMapping(*tenants, "tenants", {});
    for (const auto& [key, value] : tenants->entries) {
      if (key->kind != YamlNode::Kind::kScalar) continue;
      auto it = names.find(key->scalar);
      if (it == names.end() || it->second.key != key.get()) continue;
      tenant_index_.emplace(key->scalar,
                            static_cast<uint32_t>(tenants_.size()));
      ReadTenant(*key, *value, key->scalar);
    }
  } else {
    Warning(root, "", "no tenants: every call will be denied");
  }
  ResolveAllowlists();
  for (const LimitLayerBuilder& layer : tenant_limits_) {
    WarnIneffectiveLimits(layer);
  }
  for (const LimitLayerBuilder& layer : tool_limits_) {
    WarnIneffectiveLimits(layer);
  }

  SortDiagnostics();
  if (errors_ > 0) {
    result.diagnostics = std::move(diagnostics_);
    return result;
  }
  std::shared_ptr<Policy> policy = Build(text);
  WarnUnrunnableTools(*policy);
  SortDiagnostics();
  result.policy = std::move(policy);
  result.diagnostics = std::move(diagnostics_);
  return result;
}

}  // namespace airlock::policy

namespace airlock::policy {

std::shared_ptr<Policy> PolicyCompiler::Build(std::string_view text) {
  std::shared_ptr<Policy> policy(new Policy());
  policy->file_ = file_;
  policy->digest_ = Sha256Hex(text);
  policy->tenants_ = std::move(tenants_);
  policy->tools_ = std::move(tools_);
  policy->tenant_index_ = std::move(tenant_index_);
  policy->tool_index_ = std::move(tool_index_);
  policy->allowlists_.resize(allowlists_.size());
  for (size_t t = 0; t < allowlists_.size(); ++t) {
    policy->allowlists_[t].exact = std::move(allowlists_[t].exact);
    policy->allowlists_[t].globs = std::move(allowlists_[t].globs);
  }
  for (auto& [pattern, set] : glob_sets_) {
    policy->glob_sets_.push_back(std::move(set));
  }
  auto convert = [&](LimitLayerBuilder& in) {
    Policy::LimitLayer out;
    out.values = in.values;
    for (size_t k = 0; k < kLimitKindCount; ++k) {
      if (!in.set[k]) continue;
      policy->limit_rules_.push_back(std::move(in.rules[k]));
      out.rules[k] = &policy->limit_rules_.back();
    }
    return out;
  };
  policy->defaults_ = convert(defaults_);
  for (LimitLayerBuilder& layer : tenant_limits_) {
    policy->tenant_limits_.push_back(convert(layer));
  }
  for (LimitLayerBuilder& layer : tool_limits_) {
    policy->tool_limits_.push_back(convert(layer));
  }
  for (const auto& [hex, tenant] : tokens_) {
    Policy::TokenEntry entry;
    entry.tenant = tenant;
    for (size_t i = 0; i < 32; ++i) {
      entry.digest[i] =
          static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    }
    policy->tokens_[TokenBucket(entry.digest)].push_back(entry);
  }
  for (const auto& [subject, tenant] : subjects_) {
    policy->mtls_subjects_.emplace(subject, tenant);
  }
  for (const auto& [uid, tenant] : uids_) {
    policy->unix_uids_.emplace(uid, tenant);
  }
  return policy;
}

// A tool a tenant may call but whose needs the tenant's grants cannot meet
// is denied on every call: report it at load time, at the allowlist entry.
void PolicyCompiler::WarnUnrunnableTools(const Policy& policy) {
  // Only tools with needs can be unrunnable.
  std::vector<uint32_t> needy;
  for (uint32_t x = 0; x < policy.tools_.size(); ++x) {
    const Tool& tool = policy.tools_[x];
    if (!tool.file_needs.empty() || !tool.env_needs.empty()) needy.push_back(x);
  }
  for (uint32_t t = 0; t < policy.tenants_.size(); ++t) {
    const Tenant& tenant = policy.tenants_[t];
    for (uint32_t x : needy) {
      const int64_t entry = policy.AllowingEntry(t, x);
      if (entry < 0) continue;
      const Decision d = policy.Evaluate(tenant.name, policy.tools_[x].name);
      if (d.allowed() || d.code == DecisionCode::kInputTooLarge) continue;
      const Rule& rule = tenant.tool_rules[entry];
      Report(Diagnostic::Severity::kWarning, rule.location,
             Cat(rule.path, ": allows ", Quoted(policy.tools_[x].name),
                 " but every call will be denied: ", d.Reason()));
    }
  }
}

}  // namespace airlock::policy
