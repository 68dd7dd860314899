// The worker pool end to end: real zygote, real confined workers, real
// compiled guests. What a caller of WorkerPool::Run can observe: outputs,
// outcomes, worker reuse and replacement, the broker, caps and queueing.
#include "sandbox/pool/pool.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "sandbox/engine.h"

namespace airlock::sandbox {
namespace {

// Open fds of this process.
size_t CountFds() {
  size_t n = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)entry;
    ++n;
  }
  return n;
}

// Processes whose parent is `ppid`.
std::set<pid_t> ChildrenOf(pid_t ppid) {
  std::set<pid_t> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.empty() || name[0] < '0' || name[0] > '9') continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == ppid) children.insert(std::stoi(name));
  }
  return children;
}

class PoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/airlock_pool_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    Engine::Config config;
    config.compiler.cache_dir = *dir_ + "/cache";
    config.compiler.helper_path = AIRLOCK_COMPILE_HELPER;
    absl::StatusOr<std::unique_ptr<Engine>> engine =
        Engine::Create(std::move(config));
    ASSERT_TRUE(engine.ok()) << engine.status();
    std::ifstream in(POOL_GUEST_WASM, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    absl::StatusOr<std::shared_ptr<const CompiledModule>> module =
        (*engine)->Compile(
            std::span<const uint8_t>(
                reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
            CompileOptions{});
    ASSERT_TRUE(module.ok()) << module.status();
    module_ = new std::shared_ptr<const CompiledModule>(*module);
    engine_ = engine->release();
  }
  static void TearDownTestSuite() {
    delete module_;
    delete engine_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  std::unique_ptr<WorkerPool> MakePool(PoolOptions options = {}) {
    options.worker_binary = AIRLOCK_WORKER;
    options.test_hooks = true;
    options.log = [this](std::string_view line) { log_.emplace_back(line); };
    absl::StatusOr<std::unique_ptr<WorkerPool>> pool =
        WorkerPool::Create(std::move(options));
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? *std::move(pool) : nullptr;
  }

  PoolCall Call(std::vector<std::string> args, std::string tenant = "acme") {
    PoolCall call;
    call.tenant = std::move(tenant);
    call.module = *module_;
    call.args = {"guest.wasm"};
    call.args.insert(call.args.end(), args.begin(), args.end());
    call.limits.timeout = absl::Seconds(20);
    call.on_output = [this](OutputStream stream, std::string_view data) {
      (stream == OutputStream::kStdout ? out_ : err_).append(data);
    };
    return call;
  }

  static std::string* dir_;
  static Engine* engine_;
  static std::shared_ptr<const CompiledModule>* module_;
  std::string out_, err_;
  std::vector<std::string> log_;
};

std::string* PoolTest::dir_ = nullptr;
Engine* PoolTest::engine_ = nullptr;
std::shared_ptr<const CompiledModule>* PoolTest::module_ = nullptr;

// stdin reaches the guest and its stdout comes back; the second call of the
// same tenant reuses the warm worker.
TEST_F(PoolTest, RunsCallsAndReusesTheWarmWorker) {
  std::unique_ptr<WorkerPool> pool = MakePool();
  ASSERT_NE(pool, nullptr);
  PoolCall call = Call({"echo"});
  call.input = "hello from the caller";
  absl::StatusOr<PoolResult> first = pool->Run(call);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->outcome, PoolResult::Outcome::kExited);
  EXPECT_EQ(first->exit_code, 0u);
  EXPECT_TRUE(first->new_worker);
  EXPECT_GT(first->fuel_used, 0);
  EXPECT_EQ(out_, "hello from the caller");
  out_.clear();
  absl::StatusOr<PoolResult> second = pool->Run(call);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->new_worker);
  EXPECT_EQ(out_, "hello from the caller");
  EXPECT_EQ(second->fuel_used, first->fuel_used);  // fresh instance each time
  EXPECT_EQ(pool->stats().workers_started, 1u);
}

// A worker never serves two tenants.
TEST_F(PoolTest, TenantsGetTheirOwnWorkers) {
  std::unique_ptr<WorkerPool> pool = MakePool();
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(pool->Run(Call({"exit", "0"}, "acme")).ok());
  absl::StatusOr<PoolResult> other = pool->Run(Call({"exit", "0"}, "globex"));
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->new_worker);
  EXPECT_EQ(pool->stats().workers_started, 2u);
}

// A tenant at its worker cap whose workers are idle but hold another
// module gets one of them replaced, at once: it does not wait for the idle
// timeout (regression: the call waited until its deadline).
TEST_F(PoolTest, TenantAtItsCapReplacesAnIdleWorkerOfAnotherModule) {
  std::ifstream in(POOL_GUEST_WASM, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  // The same guest compiled without metering: another module for the pool.
  absl::StatusOr<std::shared_ptr<const CompiledModule>> unmetered =
      engine_->Compile(
          std::span<const uint8_t>(
              reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
          CompileOptions{.fuel = false});
  ASSERT_TRUE(unmetered.ok()) << unmetered.status();
  PoolOptions options;
  options.max_workers_per_tenant = 1;
  std::unique_ptr<WorkerPool> pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(pool->Run(Call({"exit", "0"})).ok());
  PoolCall other = Call({"exit", "3"});
  other.module = *unmetered;
  other.deadline = absl::Now() + absl::Seconds(20);
  absl::StatusOr<PoolResult> r = pool->Run(other);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 3u);
  EXPECT_TRUE(r->new_worker);
  EXPECT_EQ(pool->stats().workers_started, 2u);
  // And back: the first module's worker was the one replaced.
  absl::StatusOr<PoolResult> back = pool->Run(Call({"exit", "0"}));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->new_worker);
}

TEST_F(PoolTest, ExitCodesAndLargeInputPassThrough) {
  std::unique_ptr<WorkerPool> pool = MakePool();
  ASSERT_NE(pool, nullptr);
  absl::StatusOr<PoolResult> r = pool->Run(Call({"exit", "42"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 42u);
  // Larger than one chunk and than the socket buffer.
  PoolCall call = Call({"echo"});
  call.input.assign(3 << 20, 'i');
  r = pool->Run(call);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(out_.size(), 3u << 20);
}

// An overrunning guest ends with trap timeout; the worker is replaced and
// the pool keeps serving.
TEST_F(PoolTest, TimeoutTrapsAndThePoolRecovers) {
  std::unique_ptr<WorkerPool> pool = MakePool();
  ASSERT_NE(pool, nullptr);
  PoolCall call = Call({"loop"});
  call.limits.timeout = absl::Milliseconds(300);
  absl::StatusOr<PoolResult> r = pool->Run(call);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, PoolResult::Outcome::kTrapped);
  EXPECT_EQ(r->trap, TrapKind::kTimeout);
  absl::StatusOr<PoolResult> after = pool->Run(Call({"exit", "7"}));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->exit_code, 7u);
  EXPECT_TRUE(after->new_worker);  // the trapped worker was not reused
}

// Output beyond the cap is cut (exactly at the cap) and flagged.
TEST_F(PoolTest, OutputIsCappedAndFlagged) {
  std::unique_ptr<WorkerPool> pool = MakePool();
  ASSERT_NE(pool, nullptr);
  PoolCall call = Call({"spew", "10000000"});
  call.max_output_bytes = 1 << 20;
  absl::StatusOr<PoolResult> r = pool->Run(call);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0u);
  EXPECT_TRUE(r->output_truncated);
  EXPECT_EQ(r->output_bytes, 1u << 20);
  EXPECT_EQ(out_.size(), 1u << 20);
}

// Files go through the broker: a read-only grant reads, refuses writes; a
// read-write grant takes writes.
TEST_F(PoolTest, FilesGoThroughTheBrokerWithTheGrantsRights) {
  const std::string ro = *dir_ + "/ro", rw = *dir_ + "/rw";
  std::filesystem::create_directories(ro);
  std::filesystem::create_directories(rw);
  std::ofstream(ro + "/note.txt") << "read me";
  std::unique_ptr<WorkerPool> pool = MakePool();
  ASSERT_NE(pool, nullptr);
  auto with_grants = [&](std::vector<std::string> args) {
    PoolCall call = Call(std::move(args));
    call.dirs = {DirGrant{ro, "/ro", true}, DirGrant{rw, "/rw", false}};
    return call;
  };
  absl::StatusOr<PoolResult> r =
      pool->Run(with_grants({"read", "/ro/note.txt"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(out_, "read me");
  out_.clear();
  r = pool->Run(with_grants({"write", "/ro/new.txt", "x"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 1u);
  EXPECT_EQ(out_, "open: Read-only file system\n");
  EXPECT_FALSE(std::filesystem::exists(ro + "/new.txt"));
  out_.clear();
  r = pool->Run(with_grants({"write", "/rw/new.txt", "written"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0u) << out_;
  std::ifstream written(rw + "/new.txt");
  std::string text((std::istreambuf_iterator<char>(written)),
                   std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "written");
  out_.clear();
  r = pool->Run(with_grants({"read", "/etc/passwd"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 1u);
  EXPECT_NE(out_.find("open: "), std::string::npos);
}

// The seccomp filter kills a worker that makes a forbidden syscall; the
// call ends with worker_lost naming SIGSYS, and the pool replaces it.
TEST_F(PoolTest, ForbiddenSyscallsKillTheWorker) {
  std::unique_ptr<WorkerPool> pool = MakePool();
  ASSERT_NE(pool, nullptr);
  for (TestHook hook : {TestHook::kSocket, TestHook::kExecve, TestHook::kOpen,
                        TestHook::kPtrace}) {
    PoolCall call = Call({"exit", "0"});
    call.test_hook = hook;
    absl::StatusOr<PoolResult> r = pool->Run(call);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->outcome, PoolResult::Outcome::kWorkerLost)
        << static_cast<int>(hook);
    EXPECT_EQ(r->signal, SIGSYS);
    EXPECT_EQ(r->lost_reason, "killed by SIGSYS");
  }
  absl::StatusOr<PoolResult> after = pool->Run(Call({"exit", "5"}));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->exit_code, 5u);
  EXPECT_EQ(pool->stats().workers_lost, 4u);
}

// A crash in host code (not a guest trap) is a lost worker too.
TEST_F(PoolTest, HostCrashIsAWorkerLost) {
  std::unique_ptr<WorkerPool> pool = MakePool();
  ASSERT_NE(pool, nullptr);
  PoolCall call = Call({"exit", "0"});
  call.test_hook = TestHook::kSegfault;
  absl::StatusOr<PoolResult> r = pool->Run(call);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, PoolResult::Outcome::kWorkerLost);
  EXPECT_EQ(r->lost_reason, "killed by SIGSEGV");
}

// With every worker busy and no room for another, a call waits, and gives
// up at its deadline with a clear error.
TEST_F(PoolTest, QueuedCallGivesUpAtItsDeadline) {
  PoolOptions options;
  options.max_workers = 1;
  std::unique_ptr<WorkerPool> pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  std::thread busy([&] {
    PoolCall call = Call({"loop"}, "acme");
    call.limits.timeout = absl::Seconds(2);
    call.on_output = nullptr;
    (void)pool->Run(call);
  });
  absl::SleepFor(absl::Milliseconds(500));  // let `busy` take the worker
  PoolCall call = Call({"exit", "0"}, "globex");
  call.deadline = absl::Now() + absl::Milliseconds(200);
  absl::StatusOr<PoolResult> r = pool->Run(call);
  EXPECT_TRUE(absl::IsDeadlineExceeded(r.status())) << r.status();
  busy.join();
  // Once the worker is free (here: replaced), the next call runs.
  call.deadline = absl::Now() + absl::Seconds(20);
  r = pool->Run(call);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0u);
}

// argv and env too big for one channel packet (here 300 KiB of argv, 160
// KiB fit) follow the call in chunks: the guest gets all of them.
TEST_F(PoolTest, HugeArgvAndEnvTravelInChunks) {
  std::unique_ptr<WorkerPool> pool = MakePool();
  ASSERT_NE(pool, nullptr);
  std::vector<std::string> args(3000, std::string(100, 'x'));
  args.insert(args.begin(), "exit");
  args.insert(args.begin() + 1, "7");
  PoolCall call = Call(args);
  for (int i = 0; i < 1000; ++i) {
    call.env.emplace_back("V" + std::to_string(i), std::string(100, 'y'));
  }
  absl::StatusOr<PoolResult> r = pool->Run(call);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, PoolResult::Outcome::kExited);
  EXPECT_EQ(r->exit_code, 7u);
  // The worker stays in step with the channel: the next call works.
  r = pool->Run(Call({"exit", "0"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0u);
  EXPECT_FALSE(r->new_worker);
}

// A bad grant fails the call before any worker is involved.
TEST_F(PoolTest, BadGrantIsAnError) {
  std::unique_ptr<WorkerPool> pool = MakePool();
  ASSERT_NE(pool, nullptr);
  PoolCall call = Call({"exit", "0"});
  call.dirs = {DirGrant{*dir_ + "/no-such-folder", "/data", true}};
  absl::StatusOr<PoolResult> r = pool->Run(call);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no-such-folder"), std::string::npos)
      << r.status();
  EXPECT_EQ(pool->stats().workers_started, 0u);
}

// After a pool is gone, nothing of it remains: no process, no fd.
TEST_F(PoolTest, NothingLeaksWhenThePoolStops) {
  const size_t fds_before = CountFds();
  const std::set<pid_t> children_before = ChildrenOf(getpid());
  {
    std::unique_ptr<WorkerPool> pool = MakePool();
    ASSERT_NE(pool, nullptr);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(pool->Run(Call({"exit", "0"}, "t" + std::to_string(i))).ok());
    }
    PoolCall crash = Call({"exit", "0"});
    crash.test_hook = TestHook::kSocket;
    ASSERT_TRUE(pool->Run(crash).ok());
  }
  EXPECT_EQ(CountFds(), fds_before);
  EXPECT_EQ(ChildrenOf(getpid()), children_before);
}

}  // namespace
}  // namespace airlock::sandbox
