#include "sandbox/engine.h"

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace airlock::sandbox {
namespace {

// (module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param
// i32)))
//   (func (export "_start") (local $i i32)
//     (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
//       (br_if $l (i32.lt_u (local.get $i) (i32.const 1000))))
//     (call $exit (i32.const 3))))
constexpr char kCountThenExit3[] =
    "0061736d0100000001080260017f0060000002240116776173695f736e617073686f745f"
    "70726576696577310970726f635f65786974000003020101070a01065f73746172740001"
    "0a1c011a01017f0340200041016a2100200041e807490d000b410310000b";
// fd_write(1, "hello\n") from an exported memory of one page.
constexpr char kHello[] =
    "0061736d01000000010c0260047f7f7f7f017f60000002230116776173695f736e617073"
    "686f745f70726576696577310866645f77726974650000030201010503010001071302066d"
    "656d6f72790200065f737461727400010a1d011b004100411036020041044106360200"
    "410141004101410810001a0b0b0c010041100b0668656c6c6f0a";
// (module (func $boom unreachable) (start $boom) (func (export "_start")))
constexpr char kStartTraps[] =
    "0061736d010000000104016000000303020000070a01065f737461727400010801000a08"
    "020300000b02000b";
// (module (func (export "main")))
constexpr char kNoStart[] =
    "0061736d0100000001040160000003020100070801046d61696e00000a040102000b";
// (module (import "env" "launch_missiles" (func)) (func (export "_start")))
constexpr char kUnknownImport[] =
    "0061736d0100000001040160000002170103656e760f6c61756e63685f6d697373696c65"
    "73000003020100070a01065f737461727400010a040102000b";

class EngineFacadeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/airlock_engine_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    cache_dir_ = new std::string(tmpl);
    Engine::Config config;
    config.compiler.cache_dir = *cache_dir_;
    config.compiler.helper_path = AIRLOCK_COMPILE_HELPER;
    absl::StatusOr<std::unique_ptr<Engine>> engine =
        Engine::Create(std::move(config));
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = engine->release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    std::error_code ec;
    std::filesystem::remove_all(*cache_dir_, ec);
    delete cache_dir_;
  }

  std::shared_ptr<const CompiledModule> Compile(const char* hex,
                                                bool fuel = true) {
    const std::string bytes = absl::HexStringToBytes(hex);
    CompileOptions options;
    options.fuel = fuel;
    absl::StatusOr<std::shared_ptr<const CompiledModule>> module =
        engine_->Compile(
            std::span<const uint8_t>(
                reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
            options);
    EXPECT_TRUE(module.ok()) << module.status();
    return module.ok() ? *module : nullptr;
  }

  absl::StatusOr<RunResult> Run(std::shared_ptr<const CompiledModule> module,
                                const RunLimits& limits = {},
                                std::string* out = nullptr) {
    WasiConfig wasi;
    wasi.args = {"test.wasm"};
    wasi.write_stdout = [out](std::string_view data) {
      if (out != nullptr) out->append(data.data(), data.size());
      return true;
    };
    return engine_->RunCommand(std::move(module), std::move(wasi), limits);
  }

  static std::string* cache_dir_;
  static Engine* engine_;
};

std::string* EngineFacadeTest::cache_dir_ = nullptr;
Engine* EngineFacadeTest::engine_ = nullptr;

// proc_exit's code is the result; a fresh instance per run means the same
// fuel every time. (End-to-end behaviour is in tests/engine.)
TEST_F(EngineFacadeTest, ExitCodeAndFuel) {
  std::shared_ptr<const CompiledModule> module = Compile(kCountThenExit3);
  ASSERT_NE(module, nullptr);
  absl::StatusOr<RunResult> first = Run(module);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->exited());
  EXPECT_EQ(first->trap, TrapKind::kExit);
  EXPECT_EQ(first->exit_code, 3u);
  EXPECT_GT(first->fuel_used, 1000);  // at least one unit per iteration
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<RunResult> again = Run(module);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->fuel_used, first->fuel_used);
  }
}

// A limit below what the loop needs traps with out_of_fuel, and all of the
// limit counts as used.
TEST_F(EngineFacadeTest, FuelLimit) {
  std::shared_ptr<const CompiledModule> module = Compile(kCountThenExit3);
  ASSERT_NE(module, nullptr);
  RunLimits limits;
  limits.fuel = 500;
  absl::StatusOr<RunResult> result = Run(module, limits);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->trap, TrapKind::kOutOfFuel);
  EXPECT_FALSE(result->exited());
  EXPECT_EQ(result->fuel_used, 500);
}

TEST_F(EngineFacadeTest, UnmeteredReportsNoFuel) {
  std::shared_ptr<const CompiledModule> module =
      Compile(kCountThenExit3, /*fuel=*/false);
  ASSERT_NE(module, nullptr);
  absl::StatusOr<RunResult> result = Run(module);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 3u);
  EXPECT_EQ(result->fuel_used, 0);
}

TEST_F(EngineFacadeTest, ReturnFromStartIsExitZeroAndOutputStreams) {
  std::shared_ptr<const CompiledModule> module = Compile(kHello);
  ASSERT_NE(module, nullptr);
  std::string out;
  absl::StatusOr<RunResult> result = Run(module, {}, &out);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->trap, TrapKind::kNone);
  EXPECT_EQ(result->exit_code, 0u);
  EXPECT_EQ(out, "hello\n");
  EXPECT_EQ(result->peak_memory_bytes, 65536u);
}

// A trap in the start function is the run's outcome, not an error.
TEST_F(EngineFacadeTest, TrapDuringInstantiationIsAResult) {
  std::shared_ptr<const CompiledModule> module = Compile(kStartTraps);
  ASSERT_NE(module, nullptr);
  absl::StatusOr<RunResult> result = Run(module);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->trap, TrapKind::kUnreachable);
}

TEST_F(EngineFacadeTest, Errors) {
  std::shared_ptr<const CompiledModule> module = Compile(kNoStart);
  ASSERT_NE(module, nullptr);
  absl::StatusOr<RunResult> result = Run(module);
  EXPECT_EQ(result.status().message(),
            "module has no _start export: not a WASI command");

  module = Compile(kUnknownImport);
  ASSERT_NE(module, nullptr);
  result = Run(module);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(result.status().message().find("env.launch_missiles"),
            absl::string_view::npos)
      << result.status();

  EXPECT_FALSE(Run(nullptr).ok());
}

}  // namespace
}  // namespace airlock::sandbox
