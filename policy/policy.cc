#include "policy/policy.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>

#include "policy/compiler_internal.h"
#include "policy/strings_internal.h"

namespace airlock::policy {

using internal::Cat;
using internal::Quoted;

namespace {

constexpr uint64_t kMaxPolicyBytes = 16u << 20;

std::array<uint8_t, 32> Sha256(std::string_view data) {
  std::array<uint8_t, 32> digest{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(),
             nullptr);
  return digest;
}

std::string Hex(const uint8_t* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

// Folder of `path` ("." when it has none).
std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

namespace internal {

std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kDigits[] = "0123456789abcdef";
      out += "\\x";
      out += kDigits[static_cast<unsigned char>(c) >> 4];
      out += kDigits[c & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace internal

std::string Sha256Hex(std::string_view data) {
  const std::array<uint8_t, 32> digest = Sha256(data);
  return Hex(digest.data(), digest.size());
}

uint64_t TokenBucket(const std::array<uint8_t, 32>& digest) {
  uint64_t bucket;
  std::memcpy(&bucket, digest.data(), sizeof bucket);
  return bucket;
}

std::string HashToken(std::string_view token) { return Sha256Hex(token); }

std::string Diagnostic::ToString() const {
  return Cat(file, ":", location.line, ":", location.column, ": ",
             severity == Severity::kError ? "error" : "warning", ": ", message);
}

std::string LoadResult::ToString() const {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    out += d.ToString();
    out += "\n";
  }
  return out;
}

std::string Rule::ToString(std::string_view file) const {
  return Cat(path, " (", file, ":", location.line, ":", location.column, ")");
}

std::string FileGrant::HostPath() const { return Cat(host_dir, host_suffix); }

Limits BuiltinLimits() {
  Limits l;
  l.fuel = 1'000'000'000;
  l.memory_bytes = 64u << 20;
  l.timeout = absl::Seconds(10);
  l.output_bytes = 1u << 20;
  l.input_bytes = 1u << 20;
  l.concurrency = 8;
  l.rate = Rate{};  // unlimited
  return l;
}

std::string_view LimitName(LimitKind kind) {
  switch (kind) {
    case LimitKind::kFuel:
      return "fuel";
    case LimitKind::kMemory:
      return "memory";
    case LimitKind::kTimeout:
      return "timeout";
    case LimitKind::kOutput:
      return "output";
    case LimitKind::kInput:
      return "input";
    case LimitKind::kConcurrency:
      return "concurrency";
    case LimitKind::kRate:
      return "rate";
  }
  return "?";
}

std::string_view DecisionCodeName(DecisionCode code) {
  switch (code) {
    case DecisionCode::kAllowed:
      return "allowed";
    case DecisionCode::kUnknownTenant:
      return "unknown_tenant";
    case DecisionCode::kUnknownTool:
      return "unknown_tool";
    case DecisionCode::kToolNotAllowed:
      return "tool_not_allowed";
    case DecisionCode::kMissingFileGrant:
      return "missing_file_grant";
    case DecisionCode::kReadOnlyGrant:
      return "read_only_grant";
    case DecisionCode::kMissingEnvGrant:
      return "missing_env_grant";
    case DecisionCode::kInputTooLarge:
      return "input_too_large";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Evaluation

int64_t Policy::AllowingEntry(uint32_t tenant, uint32_t tool) const {
  const Allowlist& allow = allowlists_[tenant];
  int64_t best = -1;
  if (auto it = allow.exact.find(tool); it != allow.exact.end()) {
    best = it->second;
  }
  // Globs are in document order: the first that matches and comes before
  // the exact entry decides.
  for (const auto& [entry, set] : allow.globs) {
    if (best >= 0 && entry > best) break;
    if ((*set)[tool]) return entry;
  }
  return best;
}

namespace {

// Replaces `*value` (and its rule) when `candidate` is stricter.
template <typename T, typename Less>
void Narrow(T* value, const Rule** rule, const T& candidate,
            const Rule* candidate_rule, Less less) {
  if (less(candidate, *value)) {
    *value = candidate;
    *rule = candidate_rule;
  }
}

}  // namespace

Decision Policy::Evaluate(std::string_view tenant_name,
                          std::string_view tool_name,
                          const CallRequest& request) const {
  Decision d;
  d.policy = shared_from_this();
  d.tenant_name.assign(tenant_name.data(), tenant_name.size());
  d.tool_name.assign(tool_name.data(), tool_name.size());

  const auto tenant_it = tenant_index_.find(
      absl::string_view(tenant_name.data(), tenant_name.size()));
  if (tenant_it == tenant_index_.end()) {
    d.code = DecisionCode::kUnknownTenant;
    return d;
  }
  const uint32_t t = tenant_it->second;
  const Tenant& tenant = tenants_[t];
  d.tenant = &tenant;
  const auto tool_it =
      tool_index_.find(absl::string_view(tool_name.data(), tool_name.size()));
  if (tool_it == tool_index_.end()) {
    d.code = DecisionCode::kUnknownTool;
    return d;
  }
  const uint32_t x = tool_it->second;
  const Tool& tool = tools_[x];
  d.tool = &tool;

  // Limits: the most restrictive of defaults, tenant, tool, request.
  d.limits = defaults_.values;
  d.limit_rules = defaults_.rules;
  auto less = [](const auto& a, const auto& b) { return a < b; };
  auto rate_less = [](const Rate& a, const Rate& b) {
    return a.StricterThan(b);
  };
  for (const LimitLayer* layer : {&tenant_limits_[t], &tool_limits_[x]}) {
    const auto& r = layer->rules;
    const Limits& v = layer->values;
    Limits& l = d.limits;
    auto& lr = d.limit_rules;
    auto at = [](LimitKind k) { return static_cast<size_t>(k); };
    if (r[at(LimitKind::kFuel)]) {
      Narrow(&l.fuel, &lr[at(LimitKind::kFuel)], v.fuel,
             r[at(LimitKind::kFuel)], less);
    }
    if (r[at(LimitKind::kMemory)]) {
      Narrow(&l.memory_bytes, &lr[at(LimitKind::kMemory)], v.memory_bytes,
             r[at(LimitKind::kMemory)], less);
    }
    if (r[at(LimitKind::kTimeout)]) {
      Narrow(&l.timeout, &lr[at(LimitKind::kTimeout)], v.timeout,
             r[at(LimitKind::kTimeout)], less);
    }
    if (r[at(LimitKind::kOutput)]) {
      Narrow(&l.output_bytes, &lr[at(LimitKind::kOutput)], v.output_bytes,
             r[at(LimitKind::kOutput)], less);
    }
    if (r[at(LimitKind::kInput)]) {
      Narrow(&l.input_bytes, &lr[at(LimitKind::kInput)], v.input_bytes,
             r[at(LimitKind::kInput)], less);
    }
    if (r[at(LimitKind::kConcurrency)]) {
      Narrow(&l.concurrency, &lr[at(LimitKind::kConcurrency)], v.concurrency,
             r[at(LimitKind::kConcurrency)], less);
    }
    if (r[at(LimitKind::kRate)]) {
      Narrow(&l.rate, &lr[at(LimitKind::kRate)], v.rate,
             r[at(LimitKind::kRate)], rate_less);
    }
  }
  // The caller may ask for less, never for more.
  auto from_request = [&](LimitKind k, auto* value, const auto& asked) {
    if (asked.has_value() && *asked < *value) {
      *value = *asked;
      d.limit_rules[static_cast<size_t>(k)] = nullptr;
      d.limit_from_request[static_cast<size_t>(k)] = true;
    }
  };
  from_request(LimitKind::kFuel, &d.limits.fuel, request.fuel);
  from_request(LimitKind::kMemory, &d.limits.memory_bytes,
               request.memory_bytes);
  from_request(LimitKind::kTimeout, &d.limits.timeout, request.timeout);
  from_request(LimitKind::kOutput, &d.limits.output_bytes,
               request.output_bytes);

  // Deny by default: the tenant's allowlist must name the tool.
  const int64_t entry = AllowingEntry(t, x);
  if (entry < 0) {
    d.code = DecisionCode::kToolNotAllowed;
    d.related_rule = &tenant.rule;
    return d;
  }
  d.rule = &tenant.tool_rules[static_cast<size_t>(entry)];

  // Grants: what the tool needs, met by what the tenant was granted.
  for (const Tool::FileNeed& need : tool.file_needs) {
    const Tenant::FileGrantRule* grant = nullptr;
    for (const Tenant::FileGrantRule& g : tenant.files) {
      if (need.path == g.guest || g.guest == "/" ||
          (need.path.size() > g.guest.size() &&
           need.path.compare(0, g.guest.size(), g.guest) == 0 &&
           need.path[g.guest.size()] == '/')) {
        grant = &g;
        break;
      }
    }
    if (grant == nullptr) {
      d.code = DecisionCode::kMissingFileGrant;
      d.rule = &need.rule;
      d.files.clear();
      return d;
    }
    if (need.mode == Mode::kReadWrite && grant->mode == Mode::kReadOnly) {
      d.code = DecisionCode::kReadOnlyGrant;
      d.rule = &need.rule;
      d.related_rule = &grant->rule;
      d.files.clear();
      return d;
    }
    FileGrant f;
    f.host_dir = grant->host;
    f.host_suffix = std::string_view(need.path).substr(
        grant->guest == "/" ? 0 : grant->guest.size());
    if (grant->guest == "/" && need.path == "/") f.host_suffix = "";
    f.guest_path = need.path;
    f.read_only = need.mode == Mode::kReadOnly;
    f.tenant_rule = &grant->rule;
    f.need_rule = &need.rule;
    d.files.push_back(f);
  }
  for (const Tool::EnvNeed& need : tool.env_needs) {
    const Tenant::EnvValue* value = nullptr;
    for (const Tenant::EnvValue& v : tenant.env) {
      if (v.name == need.name) {
        value = &v;
        break;
      }
    }
    if (value == nullptr) {
      d.code = DecisionCode::kMissingEnvGrant;
      d.rule = &need.rule;
      d.files.clear();
      d.env.clear();
      return d;
    }
    d.env.push_back({value->name, value->value});
  }

  if (request.input_bytes > d.limits.input_bytes) {
    d.code = DecisionCode::kInputTooLarge;
    d.related_rule = d.rule;
    d.rule = d.limit_rules[static_cast<size_t>(LimitKind::kInput)];
    d.files.clear();
    d.env.clear();
    return d;
  }
  d.code = DecisionCode::kAllowed;
  return d;
}

std::string Decision::Reason() const {
  const std::string file = policy != nullptr ? policy->file() : "";
  auto where = [&](const Rule* r) {
    return r != nullptr ? r->ToString(file)
                        : std::string("the built-in default");
  };
  const std::string tenant_q = Quoted(tenant_name);
  const std::string tool_q = Quoted(tool_name);
  switch (code) {
    case DecisionCode::kAllowed:
      return Cat("tenant ", tenant_q, " may call ", tool_q, ": ", where(rule));
    case DecisionCode::kUnknownTenant:
      return Cat("no tenant ", tenant_q, " in the policy");
    case DecisionCode::kUnknownTool:
      return Cat("no tool ", tool_q, " in the policy");
    case DecisionCode::kToolNotAllowed:
      return Cat("deny by default: tenant ", tenant_q,
                 " has no tools entry that matches ", tool_q, " ",
                 where(related_rule));
    case DecisionCode::kMissingFileGrant:
    case DecisionCode::kReadOnlyGrant: {
      std::string folder;
      if (tool != nullptr) {
        for (const Tool::FileNeed& need : tool->file_needs) {
          if (&need.rule == rule) folder = need.path;
        }
      }
      if (code == DecisionCode::kMissingFileGrant) {
        return Cat("tool ", tool_q, " needs folder ", folder, " ", where(rule),
                   " but tenant ", tenant_q, " has no grant that covers it");
      }
      return Cat("tool ", tool_q, " needs folder ", folder, " read-write ",
                 where(rule), " but tenant ", tenant_q, " has it read-only ",
                 where(related_rule));
    }
    case DecisionCode::kMissingEnvGrant: {
      std::string name;
      if (tool != nullptr) {
        for (const Tool::EnvNeed& need : tool->env_needs) {
          if (&need.rule == rule) name = need.name;
        }
      }
      return Cat("tool ", tool_q, " needs environment variable ", name, " ",
                 where(rule), " but tenant ", tenant_q,
                 " does not set it in grants.env");
    }
    case DecisionCode::kInputTooLarge:
      return Cat(
          "the call's arguments are larger than the input "
          "limit of ",
          FormatByteSize(limits.input_bytes), " set by ", where(rule));
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Lookups

const Tenant* Policy::FindTenant(std::string_view name) const {
  auto it = tenant_index_.find(absl::string_view(name.data(), name.size()));
  return it == tenant_index_.end() ? nullptr : &tenants_[it->second];
}

const Tool* Policy::FindTool(std::string_view name) const {
  auto it = tool_index_.find(absl::string_view(name.data(), name.size()));
  return it == tool_index_.end() ? nullptr : &tools_[it->second];
}

std::vector<const Tool*> Policy::ToolsFor(const Tenant& tenant) const {
  std::vector<const Tool*> out;
  const uint32_t t = static_cast<uint32_t>(&tenant - tenants_.data());
  if (t >= tenants_.size()) return out;
  for (uint32_t x = 0; x < tools_.size(); ++x) {
    if (AllowingEntry(t, x) >= 0) out.push_back(&tools_[x]);
  }
  return out;
}

const Tenant* Policy::TenantForTokenSha256(
    const std::array<uint8_t, 32>& digest) const {
  auto it = tokens_.find(TokenBucket(digest));
  if (it == tokens_.end()) return nullptr;
  const Tenant* found = nullptr;
  // Every entry of the bucket is compared, in constant time each.
  for (const TokenEntry& entry : it->second) {
    if (CRYPTO_memcmp(entry.digest.data(), digest.data(), 32) == 0) {
      found = &tenants_[entry.tenant];
    }
  }
  return found;
}

const Tenant* Policy::TenantForToken(std::string_view token) const {
  return TenantForTokenSha256(Sha256(token));
}

const Tenant* Policy::TenantForMtlsSubject(std::string_view subject) const {
  auto it =
      mtls_subjects_.find(absl::string_view(subject.data(), subject.size()));
  return it == mtls_subjects_.end() ? nullptr : &tenants_[it->second];
}

const Tenant* Policy::TenantForUnixUid(uint32_t uid) const {
  auto it = unix_uids_.find(uid);
  return it == unix_uids_.end() ? nullptr : &tenants_[it->second];
}

// ---------------------------------------------------------------------------
// Loading

LoadResult LoadPolicyText(std::string_view text, std::string_view file,
                          std::string_view base_dir,
                          const LoadOptions& options) {
  PolicyCompiler compiler(file, base_dir, options);
  return compiler.Compile(text);
}

LoadResult LoadPolicyFile(const std::string& path, const LoadOptions& options) {
  const Filesystem& fs =
      options.filesystem != nullptr ? *options.filesystem : RealFilesystem();
  absl::StatusOr<std::string> text = fs.ReadFile(path, kMaxPolicyBytes);
  if (!text.ok()) {
    LoadResult result;
    Diagnostic d;
    d.file = path;
    d.location = {1, 1};
    d.message = Cat("cannot read policy: ", text.status().message());
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  return LoadPolicyText(*text, path, DirName(path), options);
}

}  // namespace airlock::policy
