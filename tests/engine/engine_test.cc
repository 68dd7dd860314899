// End-to-end tests of the engine: compile through the real compile helper
// and C compiler, instantiate, run. Each test asserts what a user sees: the
// trap kind, the exit code, the output, the fuel used.
#include "sandbox/engine.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "sandbox/runtime/instance.h"

namespace airlock::sandbox {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

class NoImports : public ImportResolver {
 public:
  absl::StatusOr<Extern> Resolve(const airlock_import_desc& i) override {
    return absl::NotFoundError(
        absl::StrCat("unknown import: ", i.module, ".", i.name));
  }
};

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cache_dir_ =
        new std::string(fs::temp_directory_path() /
                        ("airlock-engine-test-" + std::to_string(getpid())));
    Engine::Config config;
    config.compiler.cache_dir = *cache_dir_;
    config.compiler.helper_path = AIRLOCK_COMPILE_HELPER;
    auto engine = Engine::Create(config);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = engine->release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    fs::remove_all(*cache_dir_);
    delete cache_dir_;
  }

  std::shared_ptr<const CompiledModule> Compile(const std::string& path,
                                                bool fuel = true) {
    auto m = engine_->Compile(ReadFile(path), {.fuel = fuel});
    EXPECT_TRUE(m.ok()) << path << ": " << m.status();
    return m.ok() ? *m : nullptr;
  }

  // Calls `name` on a fresh instance of traps.wat.
  CallOutcome CallTraps(const std::string& name,
                        std::vector<airlock_value> args = {},
                        int64_t fuel = INT64_MAX, bool metered = true,
                        absl::Duration timeout = absl::InfiniteDuration(),
                        airlock_value* result = nullptr) {
    auto module = Compile(TRAPS_WASM, metered);
    if (!module) return {TrapKind::kHostError};
    NoImports none;
    auto inst = Instance::Create(module, none,
                                 {.max_memory_bytes = 1 << 20, .fuel = fuel});
    EXPECT_TRUE(inst.ok()) << inst.status();
    if (!inst.ok()) return {TrapKind::kHostError};
    airlock_value res[1] = {};
    CallOptions opts;
    if (timeout != absl::InfiniteDuration()) {
      opts.deadline = absl::Now() + timeout;
      opts.watchdog = &engine_->watchdog();
    }
    const airlock_export_desc* e = module->FindExport(name);
    EXPECT_NE(e, nullptr) << name;
    size_t nres = e && absl::StrContains(e->type, ">") &&
                          std::string(e->type).back() != '>'
                      ? 1
                      : 0;
    auto out = (*inst)->Call(name, args, std::span(res, nres), opts);
    EXPECT_TRUE(out.ok()) << out.status();
    if (result) *result = res[0];
    return out.ok() ? *out : CallOutcome{TrapKind::kHostError};
  }

  RunResult Run(const std::string& wasm, std::vector<std::string> args,
                RunLimits limits = {}, std::string* out = nullptr,
                std::vector<DirGrant> dirs = {}) {
    auto module = Compile(wasm);
    if (!module) return {TrapKind::kHostError};
    WasiConfig wasi;
    wasi.args = std::move(args);
    wasi.args.insert(wasi.args.begin(), "guest");
    wasi.dirs = std::move(dirs);
    wasi.read_stdin = [](uint8_t*, size_t) -> int64_t { return 0; };
    wasi.write_stdout = [out](std::string_view d) {
      if (out) out->append(d);
      return true;
    };
    wasi.write_stderr = [](std::string_view) { return true; };
    auto r = engine_->RunCommand(module, std::move(wasi), limits);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : RunResult{TrapKind::kHostError};
  }

  static std::string* cache_dir_;
  static Engine* engine_;
};
std::string* EngineTest::cache_dir_ = nullptr;
Engine* EngineTest::engine_ = nullptr;

airlock_value I32(uint32_t v) {
  airlock_value x{};
  x.i32 = v;
  return x;
}

// Every trap kind surfaces with its stable name.
TEST_F(EngineTest, EachTrapKind) {
  EXPECT_EQ(CallTraps("unreachable").trap, TrapKind::kUnreachable);
  EXPECT_EQ(CallTraps("oob_load").trap, TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(CallTraps("oob_store_far").trap, TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(CallTraps("div_zero").trap, TrapKind::kIntegerDivideByZero);
  EXPECT_EQ(CallTraps("div_overflow").trap, TrapKind::kIntegerOverflow);
  EXPECT_EQ(CallTraps("trunc_nan").trap, TrapKind::kInvalidConversionToInteger);
  EXPECT_EQ(CallTraps("trunc_big").trap, TrapKind::kIntegerOverflow);
  EXPECT_EQ(CallTraps("sig_mismatch").trap,
            TrapKind::kIndirectCallTypeMismatch);
  EXPECT_EQ(CallTraps("null_slot").trap, TrapKind::kUndefinedTableElement);
  EXPECT_EQ(CallTraps("past_table").trap, TrapKind::kUndefinedTableElement);
  EXPECT_EQ(CallTraps("table_get_oob").trap, TrapKind::kTableOutOfBounds);
  EXPECT_EQ(CallTraps("recurse", {I32(0)}).trap, TrapKind::kCallStackExhausted);
  EXPECT_EQ(TrapName(TrapKind::kIndirectCallTypeMismatch),
            "indirect_call_type_mismatch");
}

// A loop runs out of fuel; so does loop-free recursion when fuel is shorter
// than the stack.
TEST_F(EngineTest, FuelExhaustion) {
  EXPECT_EQ(CallTraps("spin", {}, 1'000'000).trap, TrapKind::kOutOfFuel);
  EXPECT_EQ(CallTraps("recurse", {I32(0)}, 5'000).trap, TrapKind::kOutOfFuel);
}

// Without fuel, a deadline stops a runaway loop with `timeout`.
TEST_F(EngineTest, TimeoutStopsRunawayLoop) {
  EXPECT_EQ(CallTraps("spin", {}, INT64_MAX, /*metered=*/false,
                      absl::Milliseconds(200))
                .trap,
            TrapKind::kTimeout);
  EXPECT_EQ(CallTraps("spin", {}, INT64_MAX, /*metered=*/true,
                      absl::Milliseconds(200))
                .trap,
            TrapKind::kTimeout);
}

// Same module and input => same fuel; more work => more fuel.
TEST_F(EngineTest, FuelIsDeterministic) {
  RunResult a = Run(FUEL_GUEST_WASM, {"100000"});
  RunResult b = Run(FUEL_GUEST_WASM, {"100000"});
  RunResult c = Run(FUEL_GUEST_WASM, {"200000"});
  ASSERT_TRUE(a.exited());
  EXPECT_GT(a.fuel_used, 100000);
  EXPECT_EQ(a.fuel_used, b.fuel_used);
  EXPECT_GT(c.fuel_used, a.fuel_used);
  EXPECT_EQ(a.exit_code, (100000ul * 100001ul / 2) & 0x7f);
}

// The fuel budget of a run is a hard limit.
TEST_F(EngineTest, RunOutOfFuel) {
  RunResult r = Run(FUEL_GUEST_WASM, {"100000000"}, {.fuel = 1'000'000});
  EXPECT_EQ(r.trap, TrapKind::kOutOfFuel);
  EXPECT_GE(r.fuel_used, 1'000'000);
}

// memory.grow stops at the declared maximum and at the instance cap.
TEST_F(EngineTest, MemoryGrowRespectsMaxAndCap) {
  airlock_value r{};
  // Declared max is 4 pages; 1 MiB cap = 16 pages: the max decides.
  CallTraps("grow", {I32(3)}, INT64_MAX, true, absl::InfiniteDuration(), &r);
  EXPECT_EQ(r.i32, 1u);  // old size
  CallTraps("grow", {I32(4)}, INT64_MAX, true, absl::InfiniteDuration(), &r);
  EXPECT_EQ(r.i32, 0xffffffffu);
}

// A module whose initial memory is over the cap fails at instantiation with
// an error that says so.
TEST_F(EngineTest, InitialMemoryOverCapIsAnError) {
  auto module = Compile(BIG_MEMORY_WASM);
  ASSERT_NE(module, nullptr);
  WasiConfig wasi;
  wasi.args = {"guest"};
  auto r = engine_->RunCommand(module, wasi, {.max_memory_bytes = 4 << 20});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::StrContains(r.status().message(), "cap")) << r.status();
  // Under a larger cap it runs.
  auto ok = engine_->RunCommand(module, wasi, {.max_memory_bytes = 64 << 20});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(ok->exited());
  EXPECT_GE(ok->peak_memory_bytes, 16u << 20);
}

// A data segment beyond the memory fails instantiation cleanly.
TEST_F(EngineTest, DataSegmentBeyondMemoryFailsCleanly) {
  auto module = Compile(BIG_DATA_WASM);
  ASSERT_NE(module, nullptr);
  WasiConfig wasi;
  wasi.args = {"guest"};
  auto r = engine_->RunCommand(module, wasi, {.max_memory_bytes = 4 << 20});
  if (r.ok()) {
    EXPECT_EQ(r->trap, TrapKind::kMemoryOutOfBounds);
  } else {
    EXPECT_TRUE(absl::StrContains(r.status().message(), "memory_out_of_bounds"))
        << r.status();
  }
}

// Paths cannot leave a grant: not with "..", not absolute, not through a
// symlink planted inside a read-write grant; read-only grants refuse writes.
TEST_F(EngineTest, PathEscapesAreRefused) {
  fs::path root = fs::path(*cache_dir_) / "grant";
  fs::create_directories(root / "rw" / "sub");
  fs::create_directories(root / "ro");
  std::ofstream(root / "rw" / "inside.txt") << "hi";
  std::ofstream(root / "ro" / "file.txt") << "ro";
  std::error_code ec;
  fs::create_directory_symlink("/etc", root / "rw" / "etc_link", ec);
  std::string out;
  RunResult r = Run(FS_PROBE_WASM,
                    {"/rw/inside.txt", "/rw/../../etc/passwd", "/etc/passwd",
                     "/rw/etc_link/passwd", "/rw/sub/../../ro/file.txt",
                     "/ro/file.txt", "write:/ro/new.txt", "write:/rw/new.txt",
                     "rename:/rw/inside.txt:/ro/moved.txt"},
                    {}, &out,
                    {{(root / "rw").string(), "/rw", false},
                     {(root / "ro").string(), "/ro", true}});
  ASSERT_TRUE(r.exited()) << TrapName(r.trap);
  EXPECT_TRUE(absl::StrContains(out, "/rw/inside.txt: ok\n")) << out;
  EXPECT_FALSE(absl::StrContains(out, "/rw/../../etc/passwd: ok")) << out;
  EXPECT_FALSE(absl::StrContains(out, "/etc/passwd: ok\n/rw")) << out;
  EXPECT_FALSE(absl::StrContains(out, "/rw/etc_link/passwd: ok")) << out;
  EXPECT_TRUE(absl::StrContains(out, "/ro/file.txt: ok")) << out;
  EXPECT_FALSE(absl::StrContains(out, "write:/ro/new.txt: ok")) << out;
  EXPECT_TRUE(absl::StrContains(out, "write:/rw/new.txt: ok")) << out;
  EXPECT_FALSE(
      absl::StrContains(out, "rename:/rw/inside.txt:/ro/moved.txt: ok"))
      << out;
  EXPECT_FALSE(fs::exists(root / "ro" / "new.txt"));
  EXPECT_FALSE(fs::exists(root / "ro" / "moved.txt"));
  EXPECT_TRUE(fs::exists(root / "rw" / "inside.txt"));
}

// WASI is usable from a module's start function, not only from _start.
TEST_F(EngineTest, StartFunctionCanCallWasi) {
  std::string out;
  RunResult r = Run(START_WASI_WASM, {}, {}, &out);
  ASSERT_TRUE(r.exited()) << TrapName(r.trap);
  EXPECT_EQ(out, "from start\n");
}

}  // namespace
}  // namespace airlock::sandbox
