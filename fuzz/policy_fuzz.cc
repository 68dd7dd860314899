// libFuzzer target for the policy loader and evaluator: the input is policy
// YAML. Every input must load or fail without crashing, and a policy that
// loads must keep the promises docs/policy.md makes about decisions. A
// broken promise is a crash (__builtin_trap), so the fuzzer reports it.
//
// Checked for every input:
//   - a failed load has at least one error; a successful one has none;
//   - every diagnostic points at line >= 1, column >= 1 of "policy.yaml".
// Checked for a policy that loads, for every tenant × tool pair (at most
// kMaxPairs of each) with a default, a narrowing and an oversized request:
//   - allowed: each limit <= the defaults layer (defaults.limits over the
//     built-in limits, read independently from the YAML) and <= what the
//     request asked; the rule that set a limit belongs to the defaults,
//     this tenant or this tool; the tool gets exactly the folders and
//     variables it needs, below the tenant's grants;
//   - denied: no files, no env;
//   - a narrowing request never changes the code; an input one byte over
//     the limit turns allowed into input_too_large;
//   - ToolsFor(tenant) lists exactly the tools not denied by default;
//   - every credential written in the YAML resolves to its tenant.
//
// The filesystem is in memory (FuzzFilesystem below) and ${VAR} expands
// from a fixed table, so runs are deterministic and touch no real files.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "policy/policy.h"
#include "policy/test_filesystem.h"
#include "policy/units.h"
#include "yaml-cpp/yaml.h"

namespace airlock::policy {
namespace {

// Pairs evaluated per policy: tenants and tools beyond these are skipped,
// so a large input cannot make one run slow.
constexpr size_t kMaxPairs = 50;

#define FUZZ_CHECK(condition)           \
  do {                                  \
    if (!(condition)) __builtin_trap(); \
  } while (0)

// Folders and modules that valid-looking policies (the seeds, the deploy
// examples) refer to, so that the fuzzer reaches evaluation.
const TestFilesystem& FuzzFilesystem() {
  static const TestFilesystem* const fs = [] {
    auto* fs = new TestFilesystem();
    for (const char* dir :
         {"/srv", "/srv/a", "/srv/b", "/srv/a/sub", "/data", "/scratch",
          "/srv/tenants", "/srv/scratch", "/srv/tenants/acme",
          "/srv/tenants/globex", "/srv/tenants/platform", "/srv/tenants/ci",
          "/srv/scratch/globex", "/srv/scratch/platform", "/srv/scratch/ci",
          "/tools", "/policies"}) {
      fs->AddDir(dir);
    }
    const std::string wasm = WasmHeader() + "module";
    fs->AddFile("/tools/t.wasm", wasm);
    fs->AddFile("/policies/tools/t.wasm", wasm);
    for (const char* name :
         {"echo", "calc", "json_query", "regex", "text_search", "file_read",
          "file_write", "list_dir", "hash", "diff", "grep"}) {
      fs->AddFile(std::string("/tools/") + name + ".wasm", wasm);
    }
    fs->AddFile("/tools/not-wasm.wasm", "#!/bin/sh\n");
    fs->AddFile("/tools/empty.wasm", "");
    fs->AddFile("/srv/file", "a file, not a folder");
    return fs;
  }();
  return *fs;
}

const char* FuzzGetenv(const char* name) {
  const std::string_view n(name);
  if (n == "AIRLOCK_DATA") return "/srv";
  if (n == "AIRLOCK_TOOLS_DIR") return "/tools";
  if (n == "AIRLOCK_WORKSPACE") return "/srv/a";
  if (n == "AIRLOCK_SCRATCH") return "/srv/b";
  if (n == "HOME") return "/srv/a";
  if (n == "EMPTY") return "";
  if (n == "REL") return "relative/path";
  return nullptr;
}

// The value of key `name` in mapping `node`; an undefined node when `node`
// is not a mapping or has no such key. (yaml-cpp's operator[] on a missing
// key yields a node that throws when asked its type.)
YAML::Node Get(const YAML::Node& node, std::string_view name) {
  if (node.IsDefined() && node.IsMap()) {
    for (const auto& entry : node) {
      if (entry.first.IsScalar() && entry.first.Scalar() == name) {
        return entry.second;
      }
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// The defaults layer as docs/policy.md defines it: defaults.limits over
// BuiltinLimits(), read with yaml-cpp's own loader, independently of the
// policy compiler. Only called for policies that loaded, so every value
// parses; one that does not means the compiler accepted what units.h
// rejects.
Limits ExpectedDefaults(const YAML::Node& root) {
  Limits l = BuiltinLimits();
  const YAML::Node limits = Get(Get(root, "defaults"), "limits");
  if (!limits.IsDefined() || !limits.IsMap()) return l;
  for (const auto& entry : limits) {
    FUZZ_CHECK(entry.first.IsScalar() && entry.second.IsScalar());
    const std::string& k = entry.first.Scalar();
    const std::string& v = entry.second.Scalar();
    if (k == "fuel" || k == "concurrency") {
      absl::StatusOr<int64_t> n = ParseCount(v);
      FUZZ_CHECK(n.ok());
      if (k == "fuel") {
        l.fuel = *n;
      } else {
        l.concurrency = static_cast<uint32_t>(*n);
      }
    } else if (k == "memory" || k == "output" || k == "input") {
      absl::StatusOr<uint64_t> n = ParseByteSize(v);
      FUZZ_CHECK(n.ok());
      (k == "memory"   ? l.memory_bytes
       : k == "output" ? l.output_bytes
                       : l.input_bytes) = *n;
    } else if (k == "timeout") {
      absl::StatusOr<absl::Duration> d = ParseDuration(v);
      FUZZ_CHECK(d.ok());
      l.timeout = *d;
    } else if (k == "rate") {
      absl::StatusOr<Rate> r = ParseRate(v);
      FUZZ_CHECK(r.ok());
      l.rate = *r;
    } else {
      FUZZ_CHECK(false);  // an unknown key must fail the load
    }
  }
  return l;
}

// `a` is at most `b` for every limit (rate: `a` admits no more than `b`).
bool WithinLimits(const Limits& a, const Limits& b) {
  return a.fuel <= b.fuel && a.memory_bytes <= b.memory_bytes &&
         a.timeout <= b.timeout && a.output_bytes <= b.output_bytes &&
         a.input_bytes <= b.input_bytes && a.concurrency <= b.concurrency &&
         !b.rate.StricterThan(a.rate);
}

bool PathWithin(std::string_view inner, std::string_view outer) {
  if (outer == "/") return !inner.empty() && inner[0] == '/';
  return inner == outer ||
         (inner.size() > outer.size() &&
          inner.substr(0, outer.size()) == outer && inner[outer.size()] == '/');
}

void CheckDecisionShape(const Decision& d, const Policy& policy) {
  FUZZ_CHECK(!d.Reason().empty());
  FUZZ_CHECK(d.policy.get() == &policy);
  FUZZ_CHECK(!DecisionCodeName(d.code).empty());
  if (!d.allowed()) {
    FUZZ_CHECK(d.files.empty());
    FUZZ_CHECK(d.env.empty());
  }
}

// The limits and grants of an allowed decision.
void CheckAllowed(const Decision& d, const Limits& defaults,
                  const CallRequest& request) {
  FUZZ_CHECK(d.tenant != nullptr && d.tool != nullptr && d.rule != nullptr);
  FUZZ_CHECK(WithinLimits(d.limits, defaults));
  if (request.fuel) FUZZ_CHECK(d.limits.fuel <= *request.fuel);
  if (request.memory_bytes) {
    FUZZ_CHECK(d.limits.memory_bytes <= *request.memory_bytes);
  }
  if (request.timeout) FUZZ_CHECK(d.limits.timeout <= *request.timeout);
  if (request.output_bytes) {
    FUZZ_CHECK(d.limits.output_bytes <= *request.output_bytes);
  }
  FUZZ_CHECK(request.input_bytes <= d.limits.input_bytes);
  const Limits builtin = BuiltinLimits();
  for (size_t k = 0; k < kLimitKindCount; ++k) {
    const Rule* rule = d.limit_rules[k];
    const std::string suffix =
        ".limits." + std::string(LimitName(static_cast<LimitKind>(k)));
    if (rule != nullptr) {
      FUZZ_CHECK(!d.limit_from_request[k]);
      FUZZ_CHECK(rule->path == "defaults" + suffix ||
                 rule->path == "tenants." + d.tenant->name + suffix ||
                 rule->path == "tools." + d.tool->name + suffix);
      FUZZ_CHECK(rule->location.line >= 1 && rule->location.column >= 1);
    } else if (!d.limit_from_request[k]) {
      // Neither a rule nor the request: the built-in value.
      switch (static_cast<LimitKind>(k)) {
        case LimitKind::kFuel:
          FUZZ_CHECK(d.limits.fuel == builtin.fuel);
          break;
        case LimitKind::kMemory:
          FUZZ_CHECK(d.limits.memory_bytes == builtin.memory_bytes);
          break;
        case LimitKind::kTimeout:
          FUZZ_CHECK(d.limits.timeout == builtin.timeout);
          break;
        case LimitKind::kOutput:
          FUZZ_CHECK(d.limits.output_bytes == builtin.output_bytes);
          break;
        case LimitKind::kInput:
          FUZZ_CHECK(d.limits.input_bytes == builtin.input_bytes);
          break;
        case LimitKind::kConcurrency:
          FUZZ_CHECK(d.limits.concurrency == builtin.concurrency);
          break;
        case LimitKind::kRate:
          FUZZ_CHECK(!d.limits.rate.StricterThan(builtin.rate) &&
                     !builtin.rate.StricterThan(d.limits.rate));
          break;
      }
    }
  }
  // Least privilege: exactly what the tool needs, each below a grant of
  // this tenant with a compatible mode.
  FUZZ_CHECK(d.files.size() == d.tool->file_needs.size());
  FUZZ_CHECK(d.env.size() == d.tool->env_needs.size());
  for (size_t i = 0; i < d.files.size(); ++i) {
    const FileGrant& f = d.files[i];
    const Tool::FileNeed& need = d.tool->file_needs[i];
    FUZZ_CHECK(f.guest_path == need.path);
    FUZZ_CHECK(f.read_only == (need.mode == Mode::kReadOnly));
    FUZZ_CHECK(f.tenant_rule != nullptr && f.need_rule == &need.rule);
    bool covered = false;
    for (const Tenant::FileGrantRule& g : d.tenant->files) {
      if (&g.rule != f.tenant_rule) continue;
      covered = f.host_dir == g.host && PathWithin(need.path, g.guest) &&
                (f.read_only || g.mode == Mode::kReadWrite);
    }
    FUZZ_CHECK(covered);
    const std::string host = f.HostPath();
    FUZZ_CHECK(PathWithin(host, f.host_dir));
  }
  for (size_t i = 0; i < d.env.size(); ++i) {
    FUZZ_CHECK(d.env[i].name == d.tool->env_needs[i].name);
  }
}

// Every credential written in the policy resolves to its tenant.
void CheckCredentials(const YAML::Node& root, const Policy& policy) {
  const YAML::Node tenants = Get(root, "tenants");
  size_t checked = 0;
  if (tenants.IsDefined() && tenants.IsMap()) {
    for (const auto& tenant : tenants) {
      const YAML::Node credentials = Get(tenant.second, "credentials");
      if (!credentials.IsDefined() || credentials.IsNull()) continue;
      FUZZ_CHECK(credentials.IsSequence());
      for (const YAML::Node& item : credentials) {
        if (++checked > kMaxPairs) break;
        FUZZ_CHECK(item.IsMap() && item.size() == 1);
        const auto entry = *item.begin();
        const std::string& kind = entry.first.Scalar();
        const std::string& text = entry.second.Scalar();
        const Tenant* found = nullptr;
        if (kind == "token_sha256") {
          std::string hex = absl::AsciiStrToLower(text);
          if (hex.starts_with("sha256:")) hex = hex.substr(7);
          FUZZ_CHECK(hex.size() == 64);
          std::array<uint8_t, 32> digest{};
          auto nibble = [](char c) {
            return c <= '9' ? c - '0' : c - 'a' + 10;
          };
          for (size_t i = 0; i < 32; ++i) {
            digest[i] = static_cast<uint8_t>(nibble(hex[2 * i]) << 4 |
                                             nibble(hex[2 * i + 1]));
          }
          found = policy.TenantForTokenSha256(digest);
        } else if (kind == "mtls_subject") {
          found = policy.TenantForMtlsSubject(text);
        } else if (kind == "unix_uid") {
          absl::StatusOr<int64_t> uid = ParseCount(text);
          FUZZ_CHECK(uid.ok());
          found = policy.TenantForUnixUid(static_cast<uint32_t>(*uid));
        } else {
          FUZZ_CHECK(false);  // an unknown credential kind must fail the load
        }
        FUZZ_CHECK(found != nullptr && found->name == tenant.first.Scalar());
      }
    }
  }
  // Lookups that match nothing a valid policy can hold.
  FUZZ_CHECK(policy.TenantForUnixUid(4294967295u) == nullptr);
  FUZZ_CHECK(policy.TenantForMtlsSubject("") == nullptr);
  policy.TenantForToken("");
  policy.TenantForToken("acme-example-token");
}

void CheckPolicy(const Policy& policy, const YAML::Node& root) {
  const Limits defaults = ExpectedDefaults(root);

  CallRequest narrow;
  narrow.fuel = 1000;
  narrow.memory_bytes = 65536;
  narrow.timeout = absl::Milliseconds(1);
  narrow.output_bytes = 1;
  narrow.input_bytes = 1;

  const auto tenants = policy.tenants();
  const auto tools = policy.tools();
  for (size_t t = 0; t < tenants.size() && t < kMaxPairs; ++t) {
    const Tenant& tenant = tenants[t];
    FUZZ_CHECK(policy.FindTenant(tenant.name) == &tenant);
    std::vector<const Tool*> allowed_tools = policy.ToolsFor(tenant);
    size_t listed = 0;
    for (size_t x = 0; x < tools.size() && x < kMaxPairs; ++x) {
      const Tool& tool = tools[x];
      FUZZ_CHECK(policy.FindTool(tool.name) == &tool);
      const Decision d = policy.Evaluate(tenant.name, tool.name);
      CheckDecisionShape(d, policy);
      FUZZ_CHECK(d.tenant == &tenant && d.tool == &tool);
      FUZZ_CHECK(d.code != DecisionCode::kUnknownTenant &&
                 d.code != DecisionCode::kUnknownTool);
      const bool in_allowlist = d.code != DecisionCode::kToolNotAllowed;
      if (in_allowlist) {
        FUZZ_CHECK(listed < allowed_tools.size() &&
                   allowed_tools[listed] == &tool);
        ++listed;
      } else {
        FUZZ_CHECK(d.related_rule == &tenant.rule);
      }
      if (d.allowed()) CheckAllowed(d, defaults, CallRequest{});

      const Decision n = policy.Evaluate(tenant.name, tool.name, narrow);
      CheckDecisionShape(n, policy);
      FUZZ_CHECK(n.code == d.code);
      if (n.allowed()) CheckAllowed(n, defaults, narrow);

      if (d.code == DecisionCode::kAllowed ||
          d.code == DecisionCode::kInputTooLarge) {
        CallRequest big;
        big.input_bytes = d.limits.input_bytes + 1;
        const Decision b = policy.Evaluate(tenant.name, tool.name, big);
        CheckDecisionShape(b, policy);
        FUZZ_CHECK(b.code == DecisionCode::kInputTooLarge);
      }
    }
    if (tools.size() <= kMaxPairs) FUZZ_CHECK(listed == allowed_tools.size());
  }
  // Names the policy does not define.
  const Decision unknown_tenant = policy.Evaluate("", "x");
  CheckDecisionShape(unknown_tenant, policy);
  FUZZ_CHECK(unknown_tenant.code == DecisionCode::kUnknownTenant);
  if (!tenants.empty()) {
    const Decision unknown_tool = policy.Evaluate(tenants[0].name, "");
    CheckDecisionShape(unknown_tool, policy);
    FUZZ_CHECK(unknown_tool.code == DecisionCode::kUnknownTool);
  }
  CheckCredentials(root, policy);
  FUZZ_CHECK(policy.digest().size() == 64);
}

}  // namespace
}  // namespace airlock::policy

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace airlock::policy;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  LoadOptions options;
  options.filesystem = &FuzzFilesystem();
  options.getenv = FuzzGetenv;
  const LoadResult result =
      LoadPolicyText(text, "policy.yaml", "/policies", options);

  size_t errors = 0;
  for (const Diagnostic& d : result.diagnostics) {
    FUZZ_CHECK(d.location.line >= 1 && d.location.column >= 1);
    FUZZ_CHECK(d.file == "policy.yaml");
    FUZZ_CHECK(!d.message.empty());
    FUZZ_CHECK(!d.ToString().empty());
    if (d.severity == Diagnostic::Severity::kError) ++errors;
  }
  if (!result.ok()) {
    FUZZ_CHECK(errors >= 1);
    return 0;
  }
  FUZZ_CHECK(errors == 0);
  // The compiler accepted this text, so yaml-cpp's loader must too.
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception&) {
    __builtin_trap();
  }
  CheckPolicy(*result.policy, root);
  return 0;
}
