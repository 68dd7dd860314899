// The policy compiler: YAML tree → diagnostics and, when there are no
// errors, a Policy. Private to policy/ (policy.h's LoadPolicy* are the
// interface).
#ifndef AIRLOCK_POLICY_COMPILER_INTERNAL_H_
#define AIRLOCK_POLICY_COMPILER_INTERNAL_H_

#include <array>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "nlohmann/json_fwd.hpp"
#include "policy/policy.h"
#include "policy/yaml_tree.h"

namespace airlock::policy {

// sha256 of `data`, lower-case hex.
std::string Sha256Hex(std::string_view data);
// The first 8 bytes of a token digest: its bucket in Policy::tokens_.
uint64_t TokenBucket(const std::array<uint8_t, 32>& digest);

class PolicyCompiler {
 public:
  PolicyCompiler(std::string_view file, std::string_view base_dir,
                 const LoadOptions& options);
  LoadResult Compile(std::string_view text);

 private:
  using YamlNode = internal::YamlNode;
  struct FieldEntry {
    const YamlNode* key;
    const YamlNode* value;
  };
  using Fields = absl::flat_hash_map<std::string, FieldEntry>;

  struct LimitLayerBuilder {
    Limits values;
    std::array<bool, kLimitKindCount> set{};
    std::array<Rule, kLimitKindCount> rules;
  };
  struct AllowlistBuilder {
    absl::flat_hash_map<uint32_t, uint32_t> exact;
    std::vector<std::pair<uint32_t, const std::vector<bool>*>> globs;
  };
  struct CredentialSeen {
    uint32_t tenant;
    std::string path;
    SourceLocation location;
  };

  void Report(Diagnostic::Severity severity, SourceLocation location,
              std::string message);
  void SortDiagnostics();
  void Error(const YamlNode& at, std::string_view path,
             std::string_view message);
  void Warning(const YamlNode& at, std::string_view path,
               std::string_view message);
  Rule MakeRule(const YamlNode& node, std::string path) const;

  Fields ReadMapping(const YamlNode& node, std::string_view path,
                     std::initializer_list<std::string_view> allowed);
  const YamlNode* Field(const Fields& fields, std::string_view name) const;
  std::optional<std::string> ReadString(const YamlNode& node,
                                        std::string_view path);
  std::optional<std::string> ReadPlainScalar(const YamlNode& node,
                                             std::string_view path,
                                             std::string_view expected);
  std::optional<std::string> ExpandVariables(const YamlNode& node,
                                             std::string_view path,
                                             std::string_view text);
  std::optional<std::string> ExpandVariablesRaw(const YamlNode& node,
                                                std::string_view path,
                                                std::string_view text);
  std::optional<Mode> ReadMode(const YamlNode& node, const std::string& path);

  void ReadLimits(const YamlNode& node, const std::string& path,
                  LimitLayerBuilder* layer);
  void ReadTool(const YamlNode& key, const YamlNode& node,
                const std::string& name);
  void ReadModule(const YamlNode& node, const std::string& path, Tool* tool);
  std::optional<std::string> ReadSchema(const YamlNode& node,
                                        const std::string& path, bool input);
  nlohmann::json ToJson(const YamlNode& node, const std::string& path);
  void ReadNeeds(const YamlNode& node, const std::string& path, Tool* tool);
  void ReadTenant(const YamlNode& key, const YamlNode& node,
                  const std::string& name);
  void ReadCredentials(const YamlNode& node, const std::string& path,
                       uint32_t tenant);
  void CheckUnique(absl::flat_hash_map<std::string, CredentialSeen>* seen,
                   const std::string& key, const CredentialSeen& here,
                   const YamlNode& node, std::string_view what);
  void ReadGrants(const YamlNode& node, const std::string& path,
                  Tenant* tenant);
  void ReadFileGrant(const YamlNode& item, const std::string& path,
                     Tenant* tenant);
  void ResolveAllowlists();
  void WarnIneffectiveLimits(const LimitLayerBuilder& layer);
  std::shared_ptr<Policy> Build(std::string_view text);
  void WarnUnrunnableTools(const Policy& policy);

  const std::string file_;
  const std::string base_dir_;
  const Filesystem& filesystem_;
  const std::function<const char*(const char*)> getenv_;

  std::vector<Diagnostic> diagnostics_;
  size_t errors_ = 0;

  std::vector<Tool> tools_;
  std::vector<LimitLayerBuilder> tool_limits_;
  absl::flat_hash_map<std::string, uint32_t> tool_index_;
  std::vector<Tenant> tenants_;
  std::vector<LimitLayerBuilder> tenant_limits_;
  std::vector<const YamlNode*> tenant_allowlist_nodes_;  // null: none valid
  std::vector<bool> tenant_allowlist_missing_;
  absl::flat_hash_map<std::string, uint32_t> tenant_index_;
  std::vector<AllowlistBuilder> allowlists_;
  absl::flat_hash_map<std::string, std::unique_ptr<std::vector<bool>>>
      glob_sets_;
  LimitLayerBuilder defaults_;
  std::vector<std::pair<std::string, uint32_t>> tokens_;  // hex, tenant
  std::vector<std::pair<std::string, uint32_t>> subjects_;
  std::vector<std::pair<uint32_t, uint32_t>> uids_;
  absl::flat_hash_map<std::string, CredentialSeen> seen_tokens_;
  absl::flat_hash_map<std::string, CredentialSeen> seen_subjects_;
  absl::flat_hash_map<std::string, CredentialSeen> seen_uids_;
};

}  // namespace airlock::policy

#endif  // AIRLOCK_POLICY_COMPILER_INTERNAL_H_
