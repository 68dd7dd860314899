// Evaluation: deny by default, precedence of limits, grants as the
// intersection of needs and tenant grants, credentials, reasons.
#include "policy/policy.h"

#include <map>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/test_filesystem.h"

namespace airlock::policy {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kToken[] = "acme-secret-token";

// A policy exercising every layer; folders exist in the fake filesystem.
std::string ExamplePolicy() {
  return R"(version: 1
defaults:
  limits: {fuel: 2_000_000_000, memory: 64MiB, timeout: 5s, output: 1MiB,
           concurrency: 8, rate: 100/s}
tools:
  grep:
    module: tools/grep.wasm
    description: Search files for a pattern
    input_schema: {type: object, properties: {pattern: {type: string}}, required: [pattern]}
    needs: {files: [/data]}
  json-query:
    module: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    limits: {timeout: 2s, memory: 128MiB}
  json-format:
    module: sha256:0000000000000000000000000000000000000000000000000000000000000001
  writer:
    module: sha256:0000000000000000000000000000000000000000000000000000000000000002
    needs:
      files: [{path: /data/out, mode: rw}]
      env: [LANG]
  secret:
    module: sha256:0000000000000000000000000000000000000000000000000000000000000003
tenants:
  acme:
    credentials:
      - token_sha256: )" +
         HashToken(kToken) + R"(
      - mtls_subject: "CN=acme-agents"
      - unix_uid: 1000
    tools: [grep, "json-*", writer]
    grants:
      files: [{host: /srv/acme/data, guest: /data, mode: ro}]
      env: {LANG: C.UTF-8, SECRET: x}
    limits: {fuel: 500_000_000, concurrency: 2, rate: 3000/min}
  beta:
    credentials: [{unix_uid: 1001}]
    tools: ["*"]
    grants:
      files:
        - {host: /srv/beta, guest: /data, mode: rw}
    limits: {timeout: 1s}
)";
}

class PolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_.AddDir("/srv/acme/data");
    fs_.AddDir("/srv/beta");
    fs_.AddFile("/etc/airlock/tools/grep.wasm", WasmHeader() + "grep");
    LoadOptions options;
    options.filesystem = &fs_;
    options.getenv = [](const char*) -> const char* { return nullptr; };
    LoadResult result =
        LoadPolicyText(ExamplePolicy(), "p.yaml", "/etc/airlock", options);
    ASSERT_TRUE(result.ok()) << result.ToString();
    policy_ = result.policy;
    diagnostics_ = result.diagnostics;
  }

  TestFilesystem fs_;
  std::shared_ptr<const Policy> policy_;
  std::vector<Diagnostic> diagnostics_;
};

// A tool on the allowlist is allowed, and the reason names the entry.
TEST_F(PolicyTest, AllowlistedToolIsAllowedByItsEntry) {
  const Decision d = policy_->Evaluate("acme", "grep");
  ASSERT_TRUE(d.allowed()) << d.Reason();
  EXPECT_EQ(d.code, DecisionCode::kAllowed);
  ASSERT_NE(d.rule, nullptr);
  EXPECT_EQ(d.rule->path, "tenants.acme.tools[0]");
  EXPECT_EQ(d.Reason(),
            "tenant \"acme\" may call \"grep\": tenants.acme.tools[0] "
            "(p.yaml:29:13)");
}

// Globs in the allowlist match tool names; the entry that matched decides.
TEST_F(PolicyTest, GlobEntryAllowsMatchingTools) {
  for (const char* tool : {"json-query", "json-format"}) {
    const Decision d = policy_->Evaluate("acme", tool);
    ASSERT_TRUE(d.allowed()) << d.Reason();
    EXPECT_EQ(d.rule->path, "tenants.acme.tools[1]");
  }
}

// Deny by default: a defined tool the allowlist does not name is denied.
TEST_F(PolicyTest, ToolOutsideAllowlistIsDeniedByDefault) {
  const Decision d = policy_->Evaluate("acme", "secret");
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(d.code, DecisionCode::kToolNotAllowed);
  EXPECT_EQ(DecisionCodeName(d.code), "tool_not_allowed");
  EXPECT_EQ(d.Reason(),
            "deny by default: tenant \"acme\" has no tools entry that "
            "matches \"secret\" tenants.acme (p.yaml:24:3)");
  EXPECT_THAT(d.files, IsEmpty());
}

TEST_F(PolicyTest, UnknownTenantAndToolAreDenied) {
  Decision d = policy_->Evaluate("nobody", "grep");
  EXPECT_EQ(d.code, DecisionCode::kUnknownTenant);
  EXPECT_EQ(d.Reason(), "no tenant \"nobody\" in the policy");
  d = policy_->Evaluate("acme", "nothing");
  EXPECT_EQ(d.code, DecisionCode::kUnknownTool);
  EXPECT_EQ(d.Reason(), "no tool \"nothing\" in the policy");
  // Names are exact: no case folding.
  EXPECT_EQ(policy_->Evaluate("ACME", "grep").code,
            DecisionCode::kUnknownTenant);
}

// The most restrictive of defaults, tenant and tool wins, per limit, and
// each effective limit names the rule that set it.
TEST_F(PolicyTest, EffectiveLimitsAreTheMostRestrictiveLayer) {
  const Decision d = policy_->Evaluate("acme", "json-query");
  ASSERT_TRUE(d.allowed());
  auto rule_of = [&](LimitKind k) {
    const Rule* r = d.limit_rules[static_cast<size_t>(k)];
    return r == nullptr ? std::string("built-in") : r->path;
  };
  EXPECT_EQ(d.limits.fuel, 500'000'000);  // tenant < defaults
  EXPECT_EQ(rule_of(LimitKind::kFuel), "tenants.acme.limits.fuel");
  EXPECT_EQ(d.limits.memory_bytes, 64u << 20);  // tool's 128MiB > defaults
  EXPECT_EQ(rule_of(LimitKind::kMemory), "defaults.limits.memory");
  EXPECT_EQ(d.limits.timeout, absl::Seconds(2));  // tool < defaults
  EXPECT_EQ(rule_of(LimitKind::kTimeout), "tools.json-query.limits.timeout");
  EXPECT_EQ(d.limits.concurrency, 2u);
  EXPECT_EQ(d.limits.rate.ToString(), "3000/min");  // 50/s < 100/s
  EXPECT_EQ(rule_of(LimitKind::kRate), "tenants.acme.limits.rate");
  // Not set anywhere in the policy: the built-in default.
  EXPECT_EQ(d.limits.input_bytes, 1u << 20);
  EXPECT_EQ(rule_of(LimitKind::kInput), "built-in");
}

TEST_F(PolicyTest, TenantLimitAppliesToEveryToolOfThatTenantOnly) {
  EXPECT_EQ(policy_->Evaluate("beta", "grep").limits.timeout, absl::Seconds(1));
  EXPECT_EQ(policy_->Evaluate("beta", "grep").limits.fuel, 2'000'000'000);
  EXPECT_EQ(policy_->Evaluate("acme", "grep").limits.timeout, absl::Seconds(5));
}

// A caller can ask for less than the policy allows, never more.
TEST_F(PolicyTest, RequestCanOnlyNarrowLimits) {
  CallRequest request;
  request.fuel = 1000;
  request.timeout = absl::Minutes(10);  // more than allowed: ignored
  request.memory_bytes = 1u << 20;
  const Decision d = policy_->Evaluate("acme", "grep", request);
  ASSERT_TRUE(d.allowed());
  EXPECT_EQ(d.limits.fuel, 1000);
  EXPECT_TRUE(d.limit_from_request[static_cast<size_t>(LimitKind::kFuel)]);
  EXPECT_EQ(d.limits.timeout, absl::Seconds(5));
  EXPECT_FALSE(d.limit_from_request[static_cast<size_t>(LimitKind::kTimeout)]);
  EXPECT_EQ(d.limits.memory_bytes, 1u << 20);
}

TEST_F(PolicyTest, ArgumentsOverTheInputLimitAreDenied) {
  CallRequest request;
  request.input_bytes = (1u << 20) + 1;
  const Decision d = policy_->Evaluate("acme", "grep", request);
  EXPECT_EQ(d.code, DecisionCode::kInputTooLarge);
  EXPECT_EQ(d.Reason(),
            "the call's arguments are larger than the input limit of 1MiB "
            "set by the built-in default");
  request.input_bytes = 1u << 20;
  EXPECT_TRUE(policy_->Evaluate("acme", "grep", request).allowed());
}

// Grants are what the tool needs intersected with what the tenant has: the
// tool sees only its own folders, read-only when either side says so.
TEST_F(PolicyTest, FileGrantsAreNeedsIntersectedWithTenantGrants) {
  Decision d = policy_->Evaluate("acme", "grep");
  ASSERT_EQ(d.files.size(), 1u);
  EXPECT_EQ(d.files[0].HostPath(), "/srv/acme/data");
  EXPECT_EQ(d.files[0].guest_path, "/data");
  EXPECT_TRUE(d.files[0].read_only);
  // A tool that needs no folder gets none, though the tenant has some.
  EXPECT_THAT(policy_->Evaluate("acme", "json-query").files, IsEmpty());
  // beta's /data is read-write but grep asks for read-only: read-only.
  d = policy_->Evaluate("beta", "grep");
  ASSERT_EQ(d.files.size(), 1u);
  EXPECT_EQ(d.files[0].HostPath(), "/srv/beta");
  EXPECT_TRUE(d.files[0].read_only);
}

// A need below a granted folder maps to the matching host subfolder.
TEST_F(PolicyTest, MissingEnvVariableIsDeniedNamingIt) {
  const Decision d = policy_->Evaluate("beta", "writer");
  EXPECT_EQ(d.code, DecisionCode::kMissingEnvGrant) << d.Reason();
  // beta has no LANG; writer needs it.
  EXPECT_EQ(d.Reason(),
            "tool \"writer\" needs environment variable LANG "
            "tools.writer.needs.env[0] (p.yaml:20:13) but tenant \"beta\" "
            "does not set it in grants.env");
}

TEST_F(PolicyTest, ReadWriteNeedOnReadOnlyGrantIsDeniedNamingBothRules) {
  const Decision d = policy_->Evaluate("acme", "writer");
  EXPECT_EQ(d.code, DecisionCode::kReadOnlyGrant);
  EXPECT_EQ(d.Reason(),
            "tool \"writer\" needs folder /data/out read-write "
            "tools.writer.needs.files[0] (p.yaml:19:15) but tenant \"acme\" "
            "has it read-only tenants.acme.grants.files[0] (p.yaml:31:15)");
  EXPECT_THAT(d.files, IsEmpty());
}

TEST_F(PolicyTest, EnvGrantsAreOnlyTheNeededVariables) {
  LoadOptions options;
  options.filesystem = &fs_;
  LoadResult result = LoadPolicyText(R"(version: 1
tools:
  w:
    module: sha256:0000000000000000000000000000000000000000000000000000000000000002
    needs: {files: [{path: /data/out, mode: rw}], env: [LANG]}
tenants:
  t:
    tools: [w]
    grants:
      files: [{host: /srv/beta, guest: /data, mode: rw}]
      env: {LANG: C.UTF-8, SECRET: hunter2}
)",
                                     "q.yaml", "/", options);
  ASSERT_TRUE(result.ok()) << result.ToString();
  const Decision d = result.policy->Evaluate("t", "w");
  ASSERT_TRUE(d.allowed()) << d.Reason();
  ASSERT_EQ(d.env.size(), 1u);
  EXPECT_EQ(d.env[0].name, "LANG");
  EXPECT_EQ(d.env[0].value, "C.UTF-8");
  ASSERT_EQ(d.files.size(), 1u);
  EXPECT_EQ(d.files[0].HostPath(), "/srv/beta/out");
  EXPECT_EQ(d.files[0].guest_path, "/data/out");
  EXPECT_FALSE(d.files[0].read_only);
}

TEST_F(PolicyTest, MissingFolderGrantIsDeniedNamingTheFolder) {
  LoadOptions options;
  options.filesystem = &fs_;
  LoadResult result = LoadPolicyText(R"(version: 1
tools:
  g:
    module: sha256:0000000000000000000000000000000000000000000000000000000000000002
    needs: {files: [/logs]}
tenants:
  t: {tools: [g]}
)",
                                     "q.yaml", "/", options);
  ASSERT_TRUE(result.ok()) << result.ToString();
  const Decision d = result.policy->Evaluate("t", "g");
  EXPECT_EQ(d.code, DecisionCode::kMissingFileGrant);
  EXPECT_EQ(d.Reason(),
            "tool \"g\" needs folder /logs tools.g.needs.files[0] "
            "(q.yaml:5:21) but tenant \"t\" has no grant that covers it");
  // Load time already said so, at the allowlist entry.
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].ToString(),
            "q.yaml:7:15: warning: tenants.t.tools[0]: allows \"g\" but every "
            "call will be denied: " +
                d.Reason());
}

TEST_F(PolicyTest, CredentialsResolveToTheirTenant) {
  ASSERT_NE(policy_->TenantForToken(kToken), nullptr);
  EXPECT_EQ(policy_->TenantForToken(kToken)->name, "acme");
  EXPECT_EQ(policy_->TenantForToken("acme-secret-tokeN"), nullptr);
  EXPECT_EQ(policy_->TenantForToken(""), nullptr);
  EXPECT_EQ(policy_->TenantForMtlsSubject("CN=acme-agents")->name, "acme");
  EXPECT_EQ(policy_->TenantForMtlsSubject("CN=acme-agents "), nullptr);
  EXPECT_EQ(policy_->TenantForUnixUid(1000)->name, "acme");
  EXPECT_EQ(policy_->TenantForUnixUid(1001)->name, "beta");
  EXPECT_EQ(policy_->TenantForUnixUid(0), nullptr);
}

TEST(HashTokenTest, IsLowerCaseHexSha256) {
  EXPECT_EQ(HashToken("test"),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
}

TEST_F(PolicyTest, ToolsAndModulesAreCompiled) {
  const Tool* grep = policy_->FindTool("grep");
  ASSERT_NE(grep, nullptr);
  EXPECT_EQ(grep->module_path, "/etc/airlock/tools/grep.wasm");
  EXPECT_EQ(grep->module_sha256, HashToken(WasmHeader() + "grep"));
  EXPECT_EQ(grep->description, "Search files for a pattern");
  EXPECT_EQ(grep->input_schema_json,
            R"({"properties":{"pattern":{"type":"string"}},)"
            R"("required":["pattern"],"type":"object"})");
  const Tool* jq = policy_->FindTool("json-query");
  EXPECT_EQ(jq->module_path, "");
  EXPECT_EQ(jq->module_sha256,
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  std::vector<std::string> names;
  for (const Tool* t : policy_->ToolsFor(*policy_->FindTenant("acme"))) {
    names.push_back(t->name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"grep", "json-query",
                                             "json-format", "writer"}));
  EXPECT_EQ(policy_->tenants().size(), 2u);
  EXPECT_EQ(policy_->tools().size(), 5u);
}

// The digest names the exact policy text: same text, same digest.
TEST_F(PolicyTest, DigestIsTheSha256OfTheText) {
  EXPECT_EQ(policy_->digest(), HashToken(ExamplePolicy()));
}

// A Decision keeps its policy alive: views stay valid after the last other
// reference is gone (a call in flight keeps the policy it started with).
TEST_F(PolicyTest, DecisionOutlivesOtherReferencesToItsPolicy) {
  Decision d = policy_->Evaluate("beta", "grep");
  policy_.reset();
  ASSERT_EQ(d.files.size(), 1u);
  EXPECT_EQ(d.files[0].HostPath(), "/srv/beta");
  EXPECT_THAT(d.Reason(), HasSubstr("tenants.beta.tools[0]"));
}

// Tenant limits above the defaults are reported: they never apply.
TEST_F(PolicyTest, IneffectiveLimitsAreWarnedAbout) {
  LoadOptions options;
  options.filesystem = &fs_;
  LoadResult result = LoadPolicyText(R"(version: 1
defaults: {limits: {fuel: 1000, rate: 10/s}}
tools:
  a: {module: "sha256:0000000000000000000000000000000000000000000000000000000000000002"}
tenants:
  t: {tools: [a], limits: {fuel: 5000, rate: 1000/min, memory: 1GiB}}
)",
                                     "q.yaml", "/", options);
  ASSERT_TRUE(result.ok()) << result.ToString();
  EXPECT_EQ(result.ToString(),
            "q.yaml:6:34: warning: tenants.t.limits.fuel: above defaults "
            "(line 2); has no effect, the most restrictive limit applies\n"
            "q.yaml:6:46: warning: tenants.t.limits.rate: above defaults "
            "(line 2); has no effect, the most restrictive limit applies\n"
            "q.yaml:6:64: warning: tenants.t.limits.memory: above the built-in "
            "default; has no effect, the most restrictive limit applies\n");
  // 1000/min is looser than 10/s (600/min): the defaults' rate applies.
  EXPECT_EQ(result.policy->Evaluate("t", "a").limits.rate.ToString(), "10/s");
}

// ${VAR} expands in module paths and host folders; slashes doubled by the
// expansion (a value ending in /) are dropped.
TEST_F(PolicyTest, VariablesExpandInModuleAndHostPaths) {
  LoadOptions options;
  options.filesystem = &fs_;
  options.getenv = [](const char* name) -> const char* {
    if (std::string(name) == "TOOLS") return "/etc/airlock/tools/";
    if (std::string(name) == "SRV") return "/srv";
    return nullptr;
  };
  LoadResult result = LoadPolicyText(R"(version: 1
tools:
  g: {module: "${TOOLS}/grep.wasm", needs: {files: [/data]}}
tenants:
  t:
    tools: [g]
    grants: {files: [{host: "${SRV}/acme/data", guest: /data}]}
)",
                                     "q.yaml", "/", options);
  ASSERT_TRUE(result.ok()) << result.ToString();
  EXPECT_EQ(result.policy->FindTool("g")->module_path,
            "/etc/airlock/tools/grep.wasm");
  const Decision d = result.policy->Evaluate("t", "g");
  ASSERT_EQ(d.files.size(), 1u);
  EXPECT_EQ(d.files[0].HostPath(), "/srv/acme/data");
}

}  // namespace
}  // namespace airlock::policy
