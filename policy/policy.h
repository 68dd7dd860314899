// Capability policies: which tenant may call which tool, with which grants
// and limits. A policy is YAML (docs/policy.md); LoadPolicyFile validates it
// (every error at FILE:LINE:COL) and compiles it into an immutable Policy.
// Evaluate() is the hot path: no YAML, no locks, no allocation beyond the
// Decision it returns. This folder knows nothing of gRPC or of how Wasm runs.
#ifndef AIRLOCK_POLICY_POLICY_H_
#define AIRLOCK_POLICY_POLICY_H_

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/time/time.h"
#include "policy/filesystem.h"
#include "policy/units.h"

namespace airlock::policy {

// 1-based line and column in a policy file.
struct SourceLocation {
  int line = 0;
  int column = 0;
};

// A problem found while loading a policy. Errors make the load fail;
// warnings (e.g. a tenant limit above the defaults, which has no effect) do
// not.
struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string file;  // as given to the loader
  SourceLocation location;
  std::string message;
  // "FILE:LINE:COL: error: MESSAGE" (or "warning:").
  std::string ToString() const;
};

// A place in the policy that can decide something: an allowlist entry, a
// limit, a grant, a tool's need. `path` names it the way the docs do, e.g.
// `tenants.acme.tools[1]` or `defaults.limits.fuel`.
struct Rule {
  std::string path;
  SourceLocation location;
  // "tenants.acme.tools[1] (policy.yaml:14:12)".
  std::string ToString(std::string_view file) const;
};

// The limits one call runs under. Sizes in bytes.
struct Limits {
  int64_t fuel = 0;
  uint64_t memory_bytes = 0;  // all memories + tables of the instance
  absl::Duration timeout;     // wall clock, compile excluded
  uint64_t output_bytes = 0;  // stdout + stderr together
  uint64_t input_bytes = 0;   // the call's arguments (stdin)
  uint32_t concurrency = 0;   // calls in flight, per tenant (see docs)
  Rate rate;                  // calls admitted, per tenant (see docs)
};

// What the built-in defaults are when `defaults.limits` leaves a limit out.
Limits BuiltinLimits();

enum class LimitKind : uint8_t {
  kFuel,
  kMemory,
  kTimeout,
  kOutput,
  kInput,
  kConcurrency,
  kRate,
};
inline constexpr size_t kLimitKindCount = 7;
std::string_view LimitName(LimitKind kind);  // "fuel", "memory", ...

// Limits a caller asks for on one call. They can only narrow the policy's.
struct CallRequest {
  std::optional<int64_t> fuel;
  std::optional<uint64_t> memory_bytes;
  std::optional<absl::Duration> timeout;
  std::optional<uint64_t> output_bytes;
  uint64_t input_bytes = 0;  // size of the call's arguments
};

// A tenant folder given to one call of a tool: `host_dir` + `host_suffix`
// (the part of the tool's guest path below the tenant's grant, "" or
// "/sub/dir") is visible to the guest at `guest_path`.
struct FileGrant {
  std::string_view host_dir;
  std::string_view host_suffix;
  std::string_view guest_path;
  bool read_only = true;
  const Rule* tenant_rule = nullptr;  // tenants.T.grants.files[i]
  const Rule* need_rule = nullptr;    // tools.X.needs.files[j]
  std::string HostPath() const;
};

struct EnvGrant {
  std::string_view name;
  std::string_view value;
};

enum class Mode : uint8_t { kReadOnly, kReadWrite };

// A tool as the policy defines it.
struct Tool {
  struct FileNeed {
    std::string path;  // guest path, absolute
    Mode mode = Mode::kReadOnly;
    Rule rule;
  };
  struct EnvNeed {
    std::string name;
    Rule rule;
  };
  std::string name;
  // Exactly one of: a readable module file (absolute, resolved against the
  // policy file's folder) with its digest, or a registered module's digest.
  std::string module_path;    // empty for `sha256:` modules
  std::string module_sha256;  // lower-case hex, always set
  std::string description;
  std::string input_schema_json;   // "" when not given
  std::string output_schema_json;  // "" when not given
  std::vector<std::string> args;   // passed after argv[0]
  std::vector<FileNeed> file_needs;
  std::vector<EnvNeed> env_needs;
  Rule rule;  // tools.X
};

// A tenant as the policy defines it.
struct Tenant {
  struct FileGrantRule {
    std::string host;   // absolute, normalised, existed at load time
    std::string guest;  // absolute, normalised
    Mode mode = Mode::kReadOnly;
    Rule rule;
  };
  struct EnvValue {
    std::string name;
    std::string value;
    Rule rule;
  };
  std::string name;
  std::vector<FileGrantRule> files;
  std::vector<EnvValue> env;
  std::vector<Rule> tool_rules;  // tenants.T.tools[i], in order
  Rule rule;                     // tenants.T
};

enum class DecisionCode : uint8_t {
  kAllowed,
  kUnknownTenant,     // no tenant of that name
  kUnknownTool,       // no tool of that name
  kToolNotAllowed,    // deny by default: not in the tenant's allowlist
  kMissingFileGrant,  // the tool needs a folder the tenant was not granted
  kReadOnlyGrant,     // the tool needs read-write, the tenant has read-only
  kMissingEnvGrant,   // the tool needs an env variable the tenant lacks
  kInputTooLarge,     // the call's arguments exceed the input limit
};
std::string_view DecisionCodeName(DecisionCode code);  // "tool_not_allowed"

class Policy;

// The answer for one call. Holds the policy snapshot it was made with, so
// the views below stay valid (and a call in flight keeps its policy across
// a reload) for as long as the Decision lives.
struct Decision {
  DecisionCode code = DecisionCode::kUnknownTenant;
  bool allowed() const { return code == DecisionCode::kAllowed; }

  // The rule that decided: the allowlist entry that allowed the tool, or
  // the need that could not be met; null for unknown tenant/tool and for
  // deny by default.
  const Rule* rule = nullptr;
  // A second rule the reason names: the tenant's read-only grant for
  // kReadOnlyGrant, the tenant (tenants.T) for kToolNotAllowed, the
  // allowlist entry for kInputTooLarge.
  const Rule* related_rule = nullptr;
  const Tenant* tenant = nullptr;  // null when unknown
  const Tool* tool = nullptr;      // null when unknown
  std::string tenant_name;         // as requested
  std::string tool_name;           // as requested

  // Effective limits and, per limit, the rule that set it (null: the
  // built-in default or the caller's request, see `limit_from_request`).
  Limits limits;
  std::array<const Rule*, kLimitKindCount> limit_rules{};
  std::array<bool, kLimitKindCount> limit_from_request{};

  // Only for allowed decisions: what the tool needs intersected with what
  // the tenant was granted.
  absl::InlinedVector<FileGrant, 4> files;
  absl::InlinedVector<EnvGrant, 4> env;

  std::shared_ptr<const Policy> policy;

  // One sentence saying why, naming the rule and its FILE:LINE:COL, e.g.
  // `tool "grep" needs read-write /data (tools.grep.needs.files[0]
  // (p.yaml:9:17)) but tenant "acme" has it read-only (...)`.
  std::string Reason() const;
};

// A validated, compiled policy. Immutable; share it with shared_ptr.
class Policy : public std::enable_shared_from_this<Policy> {
 public:
  // Decides whether `tenant` may call `tool` with `request`. Thread-safe.
  Decision Evaluate(std::string_view tenant, std::string_view tool,
                    const CallRequest& request = {}) const;

  // Credentials → tenant, or null. Each lookup is O(1); token digests are
  // compared in constant time.
  const Tenant* TenantForToken(std::string_view token) const;
  const Tenant* TenantForTokenSha256(const std::array<uint8_t, 32>& d) const;
  const Tenant* TenantForMtlsSubject(std::string_view subject) const;
  const Tenant* TenantForUnixUid(uint32_t uid) const;

  const Tenant* FindTenant(std::string_view name) const;
  const Tool* FindTool(std::string_view name) const;
  std::span<const Tenant> tenants() const { return tenants_; }
  std::span<const Tool> tools() const { return tools_; }
  // Tools `tenant` may call (the expanded allowlist), in policy order.
  std::vector<const Tool*> ToolsFor(const Tenant& tenant) const;

  const std::string& file() const { return file_; }
  // sha256 (hex) of the policy file's bytes: names this policy version in
  // audit records and logs.
  const std::string& digest() const { return digest_; }

 private:
  friend class PolicyCompiler;
  Policy() = default;

  std::string file_;
  std::string digest_;
  std::vector<Tenant> tenants_;
  std::vector<Tool> tools_;
  absl::flat_hash_map<std::string, uint32_t> tenant_index_;
  absl::flat_hash_map<std::string, uint32_t> tool_index_;

  // A tenant's allowlist, compiled. Exact names map tool index -> entry
  // index; globs are expanded once into a set of tools (shared between
  // tenants writing the same glob). The entry that decides is the first in
  // document order that matches.
  struct Allowlist {
    absl::flat_hash_map<uint32_t, uint32_t> exact;
    std::vector<std::pair<uint32_t, const std::vector<bool>*>> globs;
  };
  std::vector<Allowlist> allowlists_;  // per tenant
  std::vector<std::unique_ptr<std::vector<bool>>> glob_sets_;
  // Returns the index into tenants_[t].tool_rules of the deciding entry, or
  // -1 (deny by default).
  int64_t AllowingEntry(uint32_t tenant, uint32_t tool) const;

  // Limits per layer; combined in Evaluate (a table per tenant × tool would
  // be large for big policies). rules[k] == null: the layer does not set k.
  // `defaults_` has every value: defaults.limits over the built-in ones.
  struct LimitLayer {
    Limits values;
    std::array<const Rule*, kLimitKindCount> rules{};
  };
  LimitLayer defaults_;
  std::vector<LimitLayer> tenant_limits_;  // per tenant
  std::vector<LimitLayer> tool_limits_;    // per tool
  std::deque<Rule> limit_rules_;           // stable addresses for the above

  // Credentials. Token digests are bucketed by their first 8 bytes, then
  // compared in full with CRYPTO_memcmp.
  struct TokenEntry {
    std::array<uint8_t, 32> digest;
    uint32_t tenant;
  };
  absl::flat_hash_map<uint64_t, std::vector<TokenEntry>> tokens_;
  absl::flat_hash_map<std::string, uint32_t> mtls_subjects_;
  absl::flat_hash_map<uint32_t, uint32_t> unix_uids_;
};

struct LoadOptions {
  // Checks host paths and reads tool modules; the real filesystem when null.
  const Filesystem* filesystem = nullptr;
  // `${NAME}` in host paths and module paths is replaced with this; getenv
  // when null.
  std::function<const char*(const char*)> getenv;
};

struct LoadResult {
  std::shared_ptr<const Policy> policy;  // null when there were errors
  std::vector<Diagnostic> diagnostics;   // errors and warnings, in order
  bool ok() const { return policy != nullptr; }
  // Every diagnostic on its own line.
  std::string ToString() const;
};

// Reads, validates and compiles the policy at `path`. Relative module paths
// are resolved against the folder of `path`.
LoadResult LoadPolicyFile(const std::string& path,
                          const LoadOptions& options = {});

// Same, for policy text already in memory; `file` names it in diagnostics
// and `base_dir` resolves relative module paths.
LoadResult LoadPolicyText(std::string_view text, std::string_view file,
                          std::string_view base_dir,
                          const LoadOptions& options = {});

// What goes in `token_sha256`: lower-case hex sha256 of `token`.
std::string HashToken(std::string_view token);

}  // namespace airlock::policy

#endif  // AIRLOCK_POLICY_POLICY_H_
