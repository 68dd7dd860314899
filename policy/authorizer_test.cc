// Tests of the audited decision path: every decision reaches the audit sink
// with the policy version that made it, and credentials resolve to tenants
// under the current policy.
#include "policy/authorizer.h"

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/audit.h"
#include "policy/policy.h"
#include "policy/store.h"

namespace airlock::policy {
namespace {

using ::testing::IsEmpty;
using ::testing::Optional;

const std::string kModule = absl::StrCat("sha256:", std::string(64, 'a'));

// Tenant "acme" (uid 1000, mTLS subject CN=acme-agents, token "acme-secret")
// may call `allowed` among tools grep and sed.
std::string PolicyText(const std::string& allowed) {
  return absl::StrCat(
      "version: 1\n"
      "tools:\n"
      "  grep:\n"
      "    module: ",
      kModule,
      "\n"
      "  sed:\n"
      "    module: ",
      kModule,
      "\n"
      "tenants:\n"
      "  acme:\n"
      "    credentials:\n"
      "      - token_sha256: ",
      HashToken("acme-secret"),
      "\n"
      "      - mtls_subject: \"CN=acme-agents\"\n"
      "      - unix_uid: 1000\n"
      "    tools: [",
      allowed, "]\n");
}

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "authorizer_test.XXXXXX")
            .string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// What a sink can keep of a record: the record's decision is only borrowed.
struct Kept {
  absl::Time time;
  std::string tenant;
  std::string tool;
  DecisionCode code;
  std::string digest;
  uint64_t generation;
};

class RecordingSink : public AuditSink {
 public:
  void Record(const AuditRecord& record) override {
    absl::MutexLock lock(&mu_);
    const Decision& d = record.decision;
    kept_.push_back({record.time, d.tenant_name, d.tool_name, d.code,
                     d.policy ? d.policy->digest() : "",
                     record.policy_generation});
  }
  std::vector<Kept> kept() const {
    absl::MutexLock lock(&mu_);
    return kept_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<Kept> kept_;
};

class AuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(path_, PolicyText("grep"));
    PolicyStore::Options options;
    options.path = path_;
    options.log = [](std::string_view) {};
    auto store = PolicyStore::Open(std::move(options));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    authorizer_ =
        std::make_unique<Authorizer>(*store_, sink_, [this] { return now_; });
  }

  TempDir dir_;
  std::string path_ = dir_.path() + "/policy.yaml";
  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  RecordingSink sink_;
  std::unique_ptr<PolicyStore> store_;
  std::unique_ptr<Authorizer> authorizer_;
};

// Each decision, allowed or denied, leaves exactly one audit record naming
// tenant, tool, verdict, policy digest and generation, stamped by the clock.
TEST_F(AuthorizerTest, RecordsOneAuditRecordPerDecision) {
  const std::string digest = store_->Current().policy->digest();

  Decision allowed = authorizer_->Authorize("acme", "grep");
  EXPECT_TRUE(allowed.allowed());
  ASSERT_EQ(sink_.kept().size(), 1u);

  now_ += absl::Seconds(1);
  Decision denied = authorizer_->Authorize("acme", "sed");
  EXPECT_EQ(denied.code, DecisionCode::kToolNotAllowed);
  Decision unknown = authorizer_->Authorize("globex", "grep");
  EXPECT_EQ(unknown.code, DecisionCode::kUnknownTenant);

  std::vector<Kept> kept = sink_.kept();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].tenant, "acme");
  EXPECT_EQ(kept[0].tool, "grep");
  EXPECT_EQ(kept[0].code, DecisionCode::kAllowed);
  EXPECT_EQ(kept[0].digest, digest);
  EXPECT_EQ(kept[0].generation, 0u);
  EXPECT_EQ(kept[0].time, absl::FromUnixSeconds(1700000000));
  EXPECT_EQ(kept[1].tool, "sed");
  EXPECT_EQ(kept[1].code, DecisionCode::kToolNotAllowed);
  EXPECT_EQ(kept[1].digest, digest);
  EXPECT_EQ(kept[1].time, absl::FromUnixSeconds(1700000001));
  EXPECT_EQ(kept[2].tenant, "globex");
  EXPECT_EQ(kept[2].code, DecisionCode::kUnknownTenant);
  EXPECT_EQ(kept[2].digest, digest);
}

// After a reload, decisions follow the new policy and their records carry
// its digest and generation; a decision taken before keeps its policy.
TEST_F(AuthorizerTest, RecordsFollowReloads) {
  Decision before = authorizer_->Authorize("acme", "sed");
  EXPECT_EQ(before.code, DecisionCode::kToolNotAllowed);

  WriteFile(path_, PolicyText("grep, sed"));
  ASSERT_TRUE(store_->Reload().ok());
  const std::string new_digest = store_->Current().policy->digest();

  Decision after = authorizer_->Authorize("acme", "sed");
  EXPECT_TRUE(after.allowed());
  std::vector<Kept> kept = sink_.kept();
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_NE(kept[0].digest, new_digest);
  EXPECT_EQ(kept[0].generation, 0u);
  EXPECT_EQ(kept[1].digest, new_digest);
  EXPECT_EQ(kept[1].generation, 1u);
  EXPECT_EQ(kept[1].code, DecisionCode::kAllowed);
  // The earlier decision still explains itself with the policy it used.
  ASSERT_NE(before.policy, nullptr);
  EXPECT_NE(before.policy->digest(), new_digest);
  EXPECT_FALSE(before.Reason().empty());
}

// Credentials resolve to the tenant's name, and unknown ones to nothing;
// resolving is not a decision, so nothing is audited.
TEST_F(AuthorizerTest, ResolvesCredentials) {
  EXPECT_THAT(authorizer_->ResolveToken("acme-secret"),
              Optional(std::string("acme")));
  EXPECT_EQ(authorizer_->ResolveToken("wrong"), std::nullopt);
  EXPECT_THAT(authorizer_->ResolveMtlsSubject("CN=acme-agents"),
              Optional(std::string("acme")));
  EXPECT_EQ(authorizer_->ResolveMtlsSubject("CN=other"), std::nullopt);
  EXPECT_THAT(authorizer_->ResolveUnixUid(1000), Optional(std::string("acme")));
  EXPECT_EQ(authorizer_->ResolveUnixUid(1001), std::nullopt);
  EXPECT_THAT(sink_.kept(), IsEmpty());
}

// Credentials follow reloads: a tenant removed from the policy no longer
// resolves.
TEST_F(AuthorizerTest, ResolvesUnderCurrentPolicy) {
  WriteFile(path_,
            absl::StrCat("version: 1\ntools:\n  grep:\n    module: ", kModule,
                         "\ntenants:\n  other:\n    credentials:\n"
                         "      - unix_uid: 1001\n    tools: [grep]\n"));
  ASSERT_TRUE(store_->Reload().ok());
  EXPECT_EQ(authorizer_->ResolveUnixUid(1000), std::nullopt);
  EXPECT_THAT(authorizer_->ResolveUnixUid(1001),
              Optional(std::string("other")));
}

}  // namespace
}  // namespace airlock::policy
