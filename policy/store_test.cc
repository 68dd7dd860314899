// Tests of PolicyStore against real policy files in a temporary folder:
// the first load, reloads that change, fail or change nothing, snapshots
// held across reloads, and concurrent readers and reloaders.
#include "policy/store.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/policy.h"

namespace airlock::policy {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// A registered module's digest, so the policy needs no module file.
const std::string kModule = absl::StrCat("sha256:", std::string(64, 'a'));

// A valid policy: tools `tools`, and tenant "acme" allowed `allowed`.
std::string PolicyText(const std::vector<std::string>& tools,
                       const std::string& allowed) {
  std::string text = "version: 1\ntools:\n";
  for (const std::string& tool : tools) {
    absl::StrAppend(&text, "  ", tool, ":\n    module: ", kModule, "\n");
  }
  absl::StrAppend(&text,
                  "tenants:\n"
                  "  acme:\n"
                  "    credentials:\n"
                  "      - unix_uid: 1000\n"
                  "    tools: [",
                  allowed, "]\n");
  return text;
}

// Two errors: an unknown key (line 2, column 1) and a bad unit (line 6).
constexpr char kTwoErrors[] =
    "version: 1\n"
    "bogus: 1\n"
    "tools:\n"
    "  grep:\n"
    "    module: "
    "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
    "    limits: {timeout: 5parsecs}\n";

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "store_test.XXXXXX").string();
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

// Collects log lines; thread-safe.
class LogLines {
 public:
  std::function<void(std::string_view)> Sink() {
    return [this](std::string_view line) {
      absl::MutexLock lock(&mu_);
      lines_.emplace_back(line);
    };
  }
  std::vector<std::string> lines() const {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_;
};

class StoreTest : public ::testing::Test {
 protected:
  std::string policy_path() const { return dir_.path() + "/policy.yaml"; }

  std::unique_ptr<PolicyStore> OpenStore() {
    PolicyStore::Options options;
    options.path = policy_path();
    options.log = log_.Sink();
    options.now = [this] { return now_; };
    auto store = PolicyStore::Open(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  TempDir dir_;
  LogLines log_;
  absl::Time now_ = absl::FromUnixSeconds(1700000000);
};

// A policy that does not load cannot start the store, and the error names
// every problem at FILE:LINE:COL, one per line.
TEST_F(StoreTest, OpenFailsWithEveryError) {
  WriteFile(policy_path(), kTwoErrors);
  PolicyStore::Options options;
  options.path = policy_path();
  options.log = log_.Sink();
  auto store = PolicyStore::Open(std::move(options));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> lines =
      absl::StrSplit(store.status().message(), '\n');
  EXPECT_THAT(lines, Contains(HasSubstr(policy_path() + ":2:1: error:")));
  EXPECT_THAT(lines, Contains(HasSubstr(policy_path() + ":6:")));
}

// A missing file cannot start the store either; the error names it.
TEST_F(StoreTest, OpenFailsOnMissingFile) {
  PolicyStore::Options options;
  options.path = policy_path();
  options.log = log_.Sink();
  auto store = PolicyStore::Open(std::move(options));
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr(policy_path()));
}

// The first load is generation 0 and is logged with its digest and size.
TEST_F(StoreTest, OpenLoadsGenerationZero) {
  WriteFile(policy_path(), PolicyText({"grep"}, "grep"));
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  PolicyStore::Snapshot snapshot = store->Current();
  ASSERT_NE(snapshot.policy, nullptr);
  EXPECT_EQ(snapshot.generation, 0u);
  EXPECT_TRUE(snapshot.policy->Evaluate("acme", "grep").allowed());
  EXPECT_THAT(log_.lines(), Contains(absl::StrCat(
                                "policy: loaded ", policy_path(), " (digest ",
                                snapshot.policy->digest().substr(0, 12),
                                ", 1 tenants, 1 tools)")));
  PolicyStore::Counters counters = store->counters();
  EXPECT_EQ(counters.reloads_ok, 0u);
  EXPECT_EQ(counters.last_reload_time, now_);
}

// Reload swaps in an edited policy, bumps the generation and logs it.
TEST_F(StoreTest, ReloadPicksUpChange) {
  WriteFile(policy_path(), PolicyText({"grep"}, "grep"));
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Current().policy->Evaluate("acme", "sed").code,
            DecisionCode::kUnknownTool);

  WriteFile(policy_path(), PolicyText({"grep", "sed"}, "grep, sed"));
  now_ += absl::Minutes(1);
  EXPECT_TRUE(store->Reload().ok());

  PolicyStore::Snapshot snapshot = store->Current();
  EXPECT_EQ(snapshot.generation, 1u);
  EXPECT_TRUE(snapshot.policy->Evaluate("acme", "sed").allowed());
  PolicyStore::Counters counters = store->counters();
  EXPECT_EQ(counters.reloads_ok, 1u);
  EXPECT_EQ(counters.reloads_failed, 0u);
  EXPECT_EQ(counters.reloads_unchanged, 0u);
  EXPECT_EQ(counters.last_reload_time, now_);
  EXPECT_THAT(log_.lines(), Contains(absl::StrCat(
                                "policy: reloaded ", policy_path(), " (digest ",
                                snapshot.policy->digest().substr(0, 12),
                                ", 1 tenants, 2 tools)")));
}

// An invalid edit keeps the last good policy in force, counts a failure,
// and logs every error at FILE:LINE:COL; fixing the file recovers.
TEST_F(StoreTest, InvalidEditKeepsLastGoodPolicy) {
  WriteFile(policy_path(), PolicyText({"grep"}, "grep"));
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  PolicyStore::Snapshot before = store->Current();
  const std::string digest = before.policy->digest().substr(0, 12);

  WriteFile(policy_path(), kTwoErrors);
  now_ += absl::Minutes(1);
  absl::Status status = store->Reload();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(policy_path() + ":2:1: error:"));

  PolicyStore::Snapshot after = store->Current();
  EXPECT_EQ(after.policy, before.policy);
  EXPECT_EQ(after.generation, 0u);
  EXPECT_TRUE(after.policy->Evaluate("acme", "grep").allowed());
  PolicyStore::Counters counters = store->counters();
  EXPECT_EQ(counters.reloads_failed, 1u);
  EXPECT_EQ(counters.reloads_ok, 0u);
  EXPECT_THAT(counters.last_error, HasSubstr(policy_path() + ":2:1: error:"));
  EXPECT_THAT(counters.last_error, HasSubstr(policy_path() + ":6:"));
  // The time of the policy in force, not of the failed attempt.
  EXPECT_EQ(counters.last_reload_time, now_ - absl::Minutes(1));
  std::vector<std::string> lines = log_.lines();
  EXPECT_THAT(lines,
              Contains(absl::StrCat("policy: reload of ", policy_path(),
                                    " failed, keeping digest ", digest, ":")));
  EXPECT_THAT(lines, Contains(AllOf(HasSubstr(policy_path() + ":2:1: error:"),
                                    HasSubstr("bogus"))));
  EXPECT_THAT(lines, Contains(HasSubstr(policy_path() + ":6:")));

  WriteFile(policy_path(), PolicyText({"grep", "sed"}, "sed"));
  EXPECT_TRUE(store->Reload().ok());
  EXPECT_EQ(store->Current().generation, 1u);
  EXPECT_THAT(store->counters().last_error, IsEmpty());
  EXPECT_EQ(store->counters().reloads_failed, 1u);
}

// Reloading a file whose bytes did not change (rewritten identically) keeps
// the policy and generation, and is counted as unchanged.
TEST_F(StoreTest, UnchangedFileCountsUnchanged) {
  WriteFile(policy_path(), PolicyText({"grep"}, "grep"));
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  PolicyStore::Snapshot before = store->Current();

  EXPECT_TRUE(store->Reload().ok());
  WriteFile(policy_path(), PolicyText({"grep"}, "grep"));
  EXPECT_TRUE(store->Reload().ok());

  PolicyStore::Snapshot after = store->Current();
  EXPECT_EQ(after.policy, before.policy);
  EXPECT_EQ(after.generation, 0u);
  PolicyStore::Counters counters = store->counters();
  EXPECT_EQ(counters.reloads_unchanged, 2u);
  EXPECT_EQ(counters.reloads_ok, 0u);
  EXPECT_EQ(counters.reloads_failed, 0u);
}

// A caller holding a snapshot keeps deciding with the policy it started
// with, while new callers see the reloaded one.
TEST_F(StoreTest, SnapshotHeldAcrossReloadKeepsOldPolicy) {
  WriteFile(policy_path(), PolicyText({"grep", "sed"}, "grep"));
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  PolicyStore::Snapshot held = store->Current();

  WriteFile(policy_path(), PolicyText({"grep", "sed"}, "sed"));
  ASSERT_TRUE(store->Reload().ok());
  WriteFile(policy_path(), PolicyText({"sed"}, "sed"));
  ASSERT_TRUE(store->Reload().ok());

  EXPECT_EQ(held.generation, 0u);
  EXPECT_TRUE(held.policy->Evaluate("acme", "grep").allowed());
  EXPECT_EQ(held.policy->Evaluate("acme", "sed").code,
            DecisionCode::kToolNotAllowed);
  PolicyStore::Snapshot now = store->Current();
  EXPECT_EQ(now.generation, 2u);
  EXPECT_EQ(now.policy->Evaluate("acme", "grep").code,
            DecisionCode::kUnknownTool);
  EXPECT_TRUE(now.policy->Evaluate("acme", "sed").allowed());
}

// Readers are answered while a reload is busy loading: the loader below
// waits for a reader, so a reader that waited for the loader would only get
// its answer after the loader gave up.
TEST_F(StoreTest, ReadersDoNotWaitForLoading) {
  WriteFile(policy_path(), PolicyText({"grep"}, "grep"));
  std::atomic<bool> slow{false};
  absl::Notification loading;
  absl::Notification reader_done;
  std::atomic<bool> reader_answered_during_load{false};
  PolicyStore::Options options;
  options.path = policy_path();
  options.log = log_.Sink();
  options.loader = [&](const std::string& path) {
    if (slow) {
      loading.Notify();
      reader_answered_during_load =
          reader_done.WaitForNotificationWithTimeout(absl::Seconds(30));
    }
    return LoadPolicyFile(path);
  };
  auto store = PolicyStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();

  slow = true;
  WriteFile(policy_path(), PolicyText({"grep", "sed"}, "sed"));
  std::thread reloader([&] { EXPECT_TRUE((*store)->Reload().ok()); });
  loading.WaitForNotification();
  EXPECT_EQ((*store)->Current().generation, 0u);
  reader_done.Notify();
  reloader.join();
  EXPECT_TRUE(reader_answered_during_load);
  EXPECT_EQ((*store)->Current().generation, 1u);
}

// Concurrent reloads run one at a time, and readers running meanwhile always
// get a policy, with generations that never go backwards.
TEST_F(StoreTest, ConcurrentReloadsAreSerialised) {
  WriteFile(policy_path(), PolicyText({"grep"}, "grep"));
  std::atomic<int> inside{0};
  std::atomic<int> most_inside{0};
  std::atomic<int> file_version{0};
  PolicyStore::Options options;
  options.path = policy_path();
  options.log = [](std::string_view) {};
  options.loader = [&](const std::string& path) {
    int now_inside = ++inside;
    int seen = most_inside.load();
    while (now_inside > seen &&
           !most_inside.compare_exchange_weak(seen, now_inside)) {
    }
    // Each load sees a different policy, so each reload swaps.
    int version = ++file_version;
    std::string tool = absl::StrCat("tool", version);
    LoadResult result =
        LoadPolicyText(PolicyText({tool}, tool), path, "/nonexistent");
    --inside;
    return result;
  };
  auto store = PolicyStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();

  constexpr int kThreads = 4;
  constexpr int kReloadsEach = 25;
  std::atomic<bool> done{false};
  std::atomic<bool> reader_ok{true};
  std::thread reader([&] {
    uint64_t last = 0;
    while (!done) {
      PolicyStore::Snapshot s = (*store)->Current();
      if (s.policy == nullptr || s.generation < last) reader_ok = false;
      last = s.generation;
    }
  });
  std::vector<std::thread> reloaders;
  for (int i = 0; i < kThreads; ++i) {
    reloaders.emplace_back([&] {
      for (int j = 0; j < kReloadsEach; ++j) {
        EXPECT_TRUE((*store)->Reload().ok());
      }
    });
  }
  for (std::thread& t : reloaders) t.join();
  done = true;
  reader.join();

  EXPECT_EQ(most_inside.load(), 1);
  EXPECT_TRUE(reader_ok);
  EXPECT_EQ((*store)->Current().generation, kThreads * kReloadsEach);
  EXPECT_EQ((*store)->counters().reloads_ok, kThreads * kReloadsEach);
}

// Warnings of a successful load are logged (a glob matching no tool is a
// warning, not an error).
TEST_F(StoreTest, WarningsAreLogged) {
  WriteFile(policy_path(), PolicyText({"grep"}, "grep, \"nothing-*\""));
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(log_.lines(),
              Contains(AllOf(HasSubstr("policy: " + policy_path() + ":"),
                             HasSubstr(": warning:"))));

  WriteFile(policy_path(), PolicyText({"grep", "sed"}, "sed, \"none-*\""));
  ASSERT_TRUE(store->Reload().ok());
  EXPECT_THAT(log_.lines(), Contains(HasSubstr("none-*")));
}

}  // namespace
}  // namespace airlock::policy
