// Tests of the runtime against hand-written modules (testdata/*.c) shaped
// like the translator's output: traps, the fault handler, memories, tables,
// budgets, imports, nested calls, the watchdog and resource release.
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sandbox/abi/airlock_rt.h"
#include "sandbox/runtime/compiled_module.h"
#include "sandbox/runtime/instance.h"
#include "sandbox/runtime/runtime_internal.h"
#include "sandbox/runtime/trap.h"

namespace airlock::sandbox {
namespace {

using ::testing::HasSubstr;

constexpr char kTestModuleKey[] = "runtime-test-module";
constexpr char kImportModuleKey[] = "runtime-import-module";

std::shared_ptr<const CompiledModule> LoadTestModule() {
  auto module = CompiledModule::Load(AIRLOCK_TEST_MODULE_PATH, kTestModuleKey);
  EXPECT_TRUE(module.ok()) << module.status();
  return module.ok() ? *module : nullptr;
}

std::shared_ptr<const CompiledModule> LoadImportModule() {
  auto module =
      CompiledModule::Load(AIRLOCK_IMPORT_MODULE_PATH, kImportModuleKey);
  EXPECT_TRUE(module.ok()) << module.status();
  return module.ok() ? *module : nullptr;
}

// Resolves imports from a map "module.field" -> Extern.
class MapResolver : public ImportResolver {
 public:
  void Set(const std::string& name, Extern ext) { map_[name] = ext; }
  void Erase(const std::string& name) { map_.erase(name); }
  absl::StatusOr<Extern> Resolve(const airlock_import_desc& import) override {
    auto it = map_.find(absl::StrCat(import.module, ".", import.name));
    if (it == map_.end()) return absl::NotFoundError("not provided");
    return it->second;
  }

 private:
  std::map<std::string, Extern> map_;
};

std::shared_ptr<HostFunction> MakeHost(
    std::string type,
    std::function<int(const airlock_value*, airlock_value*)> call) {
  return std::make_shared<HostFunction>(
      HostFunction{std::move(type), std::move(call)});
}

// The test module's imports, with host functions that behave plainly:
// add adds, fail fails with host_error, reenter does nothing.
class TestImports : public MapResolver {
 public:
  TestImports() {
    Set("env.add",
        MakeHost("ii>i", [](const airlock_value* a, airlock_value* r) {
          r[0].i32 = a[0].i32 + a[1].i32;
          return AIRLOCK_TRAP_NONE;
        }));
    Set("env.fail", MakeHost(">", [](const airlock_value*, airlock_value*) {
          return AIRLOCK_TRAP_HOST_ERROR;
        }));
    SetReenter([] { return AIRLOCK_TRAP_NONE; });
    Set("env.mode", GlobalCell{"I", &mode});
  }
  void SetReenter(std::function<int()> fn) {
    Set("env.reenter", MakeHost(">", [fn](const airlock_value*,
                                          airlock_value*) { return fn(); }));
  }
  uint64_t mode = 0;
};

std::unique_ptr<Instance> MakeInstance(ImportResolver& resolver,
                                       InstanceLimits limits = {}) {
  auto instance = Instance::Create(LoadTestModule(), resolver, limits);
  EXPECT_TRUE(instance.ok()) << instance.status();
  return instance.ok() ? std::move(*instance) : nullptr;
}

airlock_value I32(uint32_t v) {
  airlock_value value{};
  value.i32 = v;
  return value;
}

airlock_value F32(float v) {
  airlock_value value{};
  value.f32 = v;
  return value;
}

// Calls `name` and returns how it ended; fails the test on a call error.
CallOutcome CallOutcomeOf(Instance& instance, const char* name,
                          std::vector<airlock_value> args, size_t num_results,
                          const CallOptions& options = {}) {
  std::vector<airlock_value> results(num_results);
  auto outcome = instance.Call(name, args, results, options);
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  return outcome.ok() ? *outcome : CallOutcome{TrapKind::kHostError, 0};
}

// Calls a function returning one i32 and expects it to return normally.
uint32_t CallI32(Instance& instance, const char* name,
                 std::vector<airlock_value> args) {
  airlock_value result{};
  auto outcome = instance.Call(name, args, std::span(&result, 1));
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  if (outcome.ok()) {
    EXPECT_EQ(outcome->trap, TrapKind::kNone) << TrapName(outcome->trap);
  }
  return result.i32;
}

// ---- Trap names ----

// The names are a public contract; every real trap round-trips.
TEST(TrapNameTest, NamesAreStableAndRoundTrip) {
  EXPECT_EQ(TrapName(TrapKind::kOutOfFuel), "out_of_fuel");
  EXPECT_EQ(TrapName(TrapKind::kMemoryOutOfBounds), "memory_out_of_bounds");
  EXPECT_EQ(TrapName(TrapKind::kCallStackExhausted), "call_stack_exhausted");
  EXPECT_EQ(TrapName(TrapKind::kInvalidConversionToInteger),
            "invalid_conversion_to_integer");
  EXPECT_EQ(TrapName(TrapKind::kTimeout), "timeout");
  EXPECT_EQ(TrapName(TrapKind::kExit), "exit");
  EXPECT_EQ(TrapName(TrapKind::kHostError), "host_error");
  EXPECT_EQ(TrapName(static_cast<TrapKind>(99)), "unknown");
  for (int k = AIRLOCK_TRAP_OUT_OF_FUEL; k <= AIRLOCK_TRAP_TIMEOUT; ++k) {
    auto kind = static_cast<TrapKind>(k);
    EXPECT_EQ(TrapKindFromName(TrapName(kind)), kind) << TrapName(kind);
  }
  EXPECT_EQ(TrapKindFromName("exit"), std::nullopt);
  EXPECT_EQ(TrapKindFromName("bogus"), std::nullopt);
}

// ---- Loading ----

// Load errors name the file and what is wrong with it.
TEST(CompiledModuleTest, LoadErrorsNameFileAndProblem) {
  auto missing = CompiledModule::Load("/nonexistent/m.so", kTestModuleKey);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent/m.so"));

  auto wrong_key = CompiledModule::Load(AIRLOCK_TEST_MODULE_PATH, "other-key");
  EXPECT_EQ(wrong_key.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(wrong_key.status().message(),
              HasSubstr(AIRLOCK_TEST_MODULE_PATH));
  EXPECT_THAT(wrong_key.status().message(), HasSubstr("\"other-key\""));

  std::string junk = ::testing::TempDir() + "/airlock_not_a_module.so";
  std::ofstream(junk) << "not an ELF file";
  auto bad = CompiledModule::Load(junk, kTestModuleKey);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(bad.status().message(), HasSubstr(junk));
}

TEST(CompiledModuleTest, FindsExports) {
  auto module = LoadTestModule();
  ASSERT_NE(module, nullptr);
  ASSERT_NE(module->FindExport("load"), nullptr);
  EXPECT_EQ(module->FindExport("load")->kind, AIRLOCK_EXTERN_FUNC);
  EXPECT_EQ(module->FindExport("nope"), nullptr);
  EXPECT_EQ(module->path(), AIRLOCK_TEST_MODULE_PATH);
}

// ---- Instantiation and calls ----

// Create runs init (data segment) and the start function (sets counter).
TEST(InstanceTest, CreateRunsInitAndStart) {
  TestImports imports;
  auto instance = MakeInstance(imports);
  ASSERT_NE(instance, nullptr);
  EXPECT_EQ(CallI32(*instance, "load", {I32(0)}), 42u);
  auto counter = instance->GetExport("counter");
  ASSERT_TRUE(counter.ok());
  auto* cell = std::get_if<GlobalCell>(&*counter);
  ASSERT_NE(cell, nullptr);
  EXPECT_EQ(cell->type, "mi");
  EXPECT_EQ(*static_cast<uint32_t*>(cell->cell), 100u);
  EXPECT_EQ(CallI32(*instance, "bump", {}), 101u);
  EXPECT_EQ(*static_cast<uint32_t*>(cell->cell), 101u);
  // Mutating the exported cell is visible to the guest.
  *static_cast<uint32_t*>(cell->cell) = 7;
  EXPECT_EQ(CallI32(*instance, "bump", {}), 8u);
}

// The imported global's cell is what the guest reads.
TEST(InstanceTest, ImportedGlobalIsBoundByReference) {
  TestImports imports;
  auto instance = MakeInstance(imports);
  ASSERT_NE(instance, nullptr);
  imports.mode = 0x1234567890ull;
  airlock_value result{};
  auto outcome = instance->Call("mode", {}, std::span(&result, 1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(result.i64, 0x1234567890ull);
}

// Host functions receive the guest's arguments and their results return.
TEST(InstanceTest, HostFunctionThroughThunk) {
  TestImports imports;
  std::vector<uint32_t> seen;
  imports.Set("env.add",
              MakeHost("ii>i", [&](const airlock_value* a, airlock_value* r) {
                seen = {a[0].i32, a[1].i32};
                r[0].i32 = a[0].i32 * 10 + a[1].i32;
                return AIRLOCK_TRAP_NONE;
              }));
  auto instance = MakeInstance(imports);
  ASSERT_NE(instance, nullptr);
  EXPECT_EQ(CallI32(*instance, "call_add", {I32(4), I32(2)}), 42u);
  EXPECT_EQ(seen, (std::vector<uint32_t>{4, 2}));
}

// Call checks the export's kind and the number of arguments and results.
TEST(InstanceTest, CallChecksExportAndArity) {
  TestImports imports;
  auto instance = MakeInstance(imports);
  ASSERT_NE(instance, nullptr);
  airlock_value results[2];
  airlock_value args[2] = {I32(1), I32(2)};
  auto missing = instance->Call("nope", {}, {});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  auto memory = instance->Call("memory", {}, {});
  EXPECT_EQ(memory.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(memory.status().message(), HasSubstr("memory"));
  auto too_many = instance->Call("load", args, std::span(results, 1));
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kInvalidArgument);
  auto no_result = instance->Call("load", std::span(args, 1), {});
  EXPECT_EQ(no_result.status().code(), absl::StatusCode::kInvalidArgument);
  // Wrong calls do not poison the instance.
  EXPECT_EQ(CallI32(*instance, "load", {I32(0)}), 42u);
}

// ---- Traps ----

struct TrapCase {
  const char* function;
  std::vector<airlock_value> args;
  size_t num_results;
  TrapKind expected;
};

// Every trap kind a guest can raise surfaces as that TrapKind.
TEST(TrapTest, EachTrapKindSurfaces) {
  const std::vector<TrapCase> cases = {
      {"unreachable", {}, 0, TrapKind::kUnreachable},
      {"load", {I32(0xFFFFFFF0u)}, 1, TrapKind::kMemoryOutOfBounds},
      {"load", {I32(2 * 65536 - 16)}, 1, TrapKind::kMemoryOutOfBounds},
      {"store", {I32(0xFFFFFFFFu), I32(1)}, 0, TrapKind::kMemoryOutOfBounds},
      {"recurse", {I32(0)}, 1, TrapKind::kCallStackExhausted},
      {"div", {I32(1), I32(0)}, 1, TrapKind::kIntegerDivideByZero},
      {"div",
       {I32(0x80000000u), I32(0xFFFFFFFFu)},
       1,
       TrapKind::kIntegerOverflow},
      {"trunc", {F32(NAN)}, 1, TrapKind::kInvalidConversionToInteger},
      {"call_indirect",
       {I32(2), I32(1)},
       1,
       TrapKind::kIndirectCallTypeMismatch},
      {"call_indirect", {I32(1), I32(1)}, 1, TrapKind::kUndefinedTableElement},
      {"call_indirect", {I32(3), I32(1)}, 1, TrapKind::kTableOutOfBounds},
      {"burn", {I32(1000)}, 0, TrapKind::kOutOfFuel},
      {"call_fail", {}, 0, TrapKind::kHostError},
  };
  for (const TrapCase& c : cases) {
    SCOPED_TRACE(
        absl::StrCat(c.function, " -> ", std::string(TrapName(c.expected))));
    TestImports imports;
    InstanceLimits limits;
    limits.fuel = 100;
    auto instance = MakeInstance(imports, limits);
    ASSERT_NE(instance, nullptr);
    CallOutcome outcome =
        CallOutcomeOf(*instance, c.function, c.args, c.num_results);
    EXPECT_EQ(outcome.trap, c.expected) << TrapName(outcome.trap);
  }
}

// Calls that do not trap return their results.
TEST(TrapTest, NonTrappingPathsReturn) {
  TestImports imports;
  auto instance = MakeInstance(imports);
  ASSERT_NE(instance, nullptr);
  EXPECT_EQ(CallI32(*instance, "div", {I32(-7), I32(2)}),
            static_cast<uint32_t>(-3));
  EXPECT_EQ(CallI32(*instance, "trunc", {F32(-3.5f)}),
            static_cast<uint32_t>(-3));
  EXPECT_EQ(CallI32(*instance, "call_indirect", {I32(0), I32(21)}), 42u);
  EXPECT_EQ(CallI32(*instance, "load", {I32(2 * 65536 - 20)}), 0u);
}

// proc_exit-style unwinding reports the exit code.
TEST(TrapTest, ExitCarriesCode) {
  TestImports imports;
  auto instance = MakeInstance(imports);
  ASSERT_NE(instance, nullptr);
  CallOutcome outcome = CallOutcomeOf(*instance, "exit", {I32(3)}, 0);
  EXPECT_EQ(outcome.trap, TrapKind::kExit);
  EXPECT_EQ(outcome.exit_code, 3u);
}

// A host function returning a trap kind raises that trap in the guest.
TEST(TrapTest, HostFunctionCanTrap) {
  TestImports imports;
  imports.Set("env.add",
              MakeHost("ii>i", [](const airlock_value*, airlock_value*) {
                return AIRLOCK_TRAP_UNREACHABLE;
              }));
  auto instance = MakeInstance(imports);
  ASSERT_NE(instance, nullptr);
  EXPECT_EQ(CallOutcomeOf(*instance, "call_add", {I32(1), I32(2)}, 1).trap,
            TrapKind::kUnreachable);
}

// An exception from a host function becomes host_error, not a crash.
TEST(TrapTest, HostFunctionExceptionIsHostError) {
  TestImports imports;
  imports.Set("env.add",
              MakeHost("ii>i", [](const airlock_value*, airlock_value*) -> int {
                throw std::runtime_error("boom");
              }));
  auto instance = MakeInstance(imports);
  ASSERT_NE(instance, nullptr);
  EXPECT_EQ(CallOutcomeOf(*instance, "call_add", {I32(1), I32(2)}, 1).trap,
            TrapKind::kHostError);
}

// A trapped (or exited) instance refuses further calls.
TEST(TrapTest, TrappedInstanceCannotBeCalledAgain) {
  for (const char* fn : {"unreachable", "exit"}) {
    SCOPED_TRACE(fn);
    TestImports imports;
    auto instance = MakeInstance(imports);
    ASSERT_NE(instance, nullptr);
    std::vector<airlock_value> args;
    if (std::string(fn) == "exit") args.push_back(I32(0));
    EXPECT_FALSE(CallOutcomeOf(*instance, fn, args, 0).ok());
    airlock_value arg = I32(0), result;
    auto again =
        instance->Call("load", std::span(&arg, 1), std::span(&result, 1));
    EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  }
}

// Fuel is charged and reported; running out traps out_of_fuel.
TEST(TrapTest, FuelIsConsumedAndExhausted) {
  TestImports imports;
  InstanceLimits limits;
  limits.fuel = 100;
  auto instance = MakeInstance(imports, limits);
  ASSERT_NE(instance, nullptr);
  EXPECT_TRUE(CallOutcomeOf(*instance, "burn", {I32(30)}, 0).ok());
  EXPECT_EQ(instance->fuel_remaining(), 70);
  EXPECT_EQ(CallOutcomeOf(*instance, "burn", {I32(71)}, 0).trap,
            TrapKind::kOutOfFuel);
  EXPECT_LT(instance->fuel_remaining(), 0);
}

// Deep recursion traps on threads with other stack sizes too, including a
// small one, and out-of-bounds accesses trap on any thread.
TEST(TrapTest, TrapsOnOtherThreads) {
  for (size_t stack_size : {size_t{0}, size_t{256} << 10, size_t{64} << 20}) {
    SCOPED_TRACE(stack_size);
    struct Result {
      TrapKind recurse = TrapKind::kNone;
      TrapKind load = TrapKind::kNone;
    } result;
    auto body = [](void* arg) -> void* {
      auto* r = static_cast<Result*>(arg);
      TestImports imports;
      auto a = MakeInstance(imports);
      auto b = MakeInstance(imports);
      if (a == nullptr || b == nullptr) return nullptr;
      r->recurse = CallOutcomeOf(*a, "recurse", {I32(0)}, 1).trap;
      r->load = CallOutcomeOf(*b, "load", {I32(0xFFFFFFF0u)}, 1).trap;
      return nullptr;
    };
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (stack_size != 0) pthread_attr_setstacksize(&attr, stack_size);
    pthread_t thread;
    ASSERT_EQ(pthread_create(&thread, &attr, body, &result), 0);
    pthread_join(thread, nullptr);
    pthread_attr_destroy(&attr);
    EXPECT_EQ(result.recurse, TrapKind::kCallStackExhausted);
    EXPECT_EQ(result.load, TrapKind::kMemoryOutOfBounds);
  }
}

// Threads creating, trapping and destroying instances at once each get
// their own traps (the registry and the trap targets are per thread / lock
// free, not shared state that races).
TEST(TrapTest, ConcurrentInstancesTrapIndependently) {
  auto module = LoadTestModule();
  ASSERT_NE(module, nullptr);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      TestImports imports;
      for (int i = 0; i < 200; ++i) {
        auto instance = Instance::Create(module, imports, {});
        if (!instance.ok()) {
          ++wrong;
          continue;
        }
        bool oob = (i + t) % 2 == 0;
        airlock_value arg = I32(oob ? 0xFFFFFFF0u : 0), result;
        auto outcome = (*instance)->Call("load", std::span(&arg, 1),
                                         std::span(&result, 1));
        TrapKind expected =
            oob ? TrapKind::kMemoryOutOfBounds : TrapKind::kNone;
        if (!outcome.ok() || outcome->trap != expected ||
            (!oob && result.i32 != 42)) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// ---- Call scopes ----

// Inner scopes catch their own traps; the outer one keeps running and can
// trap later with its own kind.
TEST(CallScopeTest, NestedScopes) {
  InstallFaultHandlers();
  struct State {
    CallOutcome inner;
    bool after_inner = false;
  } state;
  CallOutcome outer = RunInCallScope(
      nullptr,
      [](void* arg) {
        auto* s = static_cast<State*>(arg);
        s->inner = RunInCallScope(
            nullptr, [](void*) { airlock_rt_trap(AIRLOCK_TRAP_UNREACHABLE); },
            nullptr);
        s->after_inner = true;
        airlock_rt_trap(AIRLOCK_TRAP_INTEGER_OVERFLOW);
      },
      &state);
  EXPECT_EQ(state.inner.trap, TrapKind::kUnreachable);
  EXPECT_TRUE(state.after_inner);
  EXPECT_EQ(outer.trap, TrapKind::kIntegerOverflow);
  // And with no trap at all.
  EXPECT_TRUE(RunInCallScope(
                  nullptr, [](void*) {}, nullptr)
                  .ok());
}

// Guest -> host -> another guest: the inner instance's traps (including a
// fault) end the inner call only; the outer call returns normally.
TEST(CallScopeTest, HostReentersAnotherInstance) {
  TestImports inner_imports;
  auto inner = MakeInstance(inner_imports);
  auto inner2 = MakeInstance(inner_imports);
  ASSERT_NE(inner, nullptr);
  ASSERT_NE(inner2, nullptr);
  std::vector<TrapKind> inner_traps;
  TestImports outer_imports;
  outer_imports.SetReenter([&] {
    inner_traps.push_back(CallOutcomeOf(*inner, "unreachable", {}, 0).trap);
    inner_traps.push_back(
        CallOutcomeOf(*inner2, "load", {I32(0xFFFFFFF0u)}, 1).trap);
    return AIRLOCK_TRAP_NONE;
  });
  auto outer = MakeInstance(outer_imports);
  ASSERT_NE(outer, nullptr);
  EXPECT_EQ(CallI32(*outer, "reenter", {}), 1u);
  EXPECT_EQ(inner_traps, (std::vector<TrapKind>{TrapKind::kUnreachable,
                                                TrapKind::kMemoryOutOfBounds}));
  // The outer instance is still usable.
  EXPECT_EQ(CallI32(*outer, "load", {I32(0)}), 42u);
}

using CallScopeDeathTest = ::testing::Test;

// A genuine host crash inside a call scope (not in any Wasm memory) is not
// taken for a trap: the process dies with SIGSEGV as it would without us.
TEST(CallScopeDeathTest, NullWriteIsNotClaimed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  InstallFaultHandlers();
  EXPECT_EXIT(
      RunInCallScope(
          nullptr, [](void*) { *static_cast<volatile int*>(nullptr) = 1; },
          nullptr),
      ::testing::KilledBySignal(SIGSEGV), "");
}

void TouchGuardOutsideCallScope() {
  airlock_memory memory;
  if (airlock_rt_memory_init(&memory, nullptr, 1, 1) != 0) exit(1);
  memory.base[AIRLOCK_PAGE_SIZE + 8] = 1;
}

// A fault inside a Wasm memory's guard region outside any call scope is a
// host bug, not a trap: the process dies.
TEST(CallScopeDeathTest, GuardFaultOutsideCallScopeIsNotClaimed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  InstallFaultHandlers();
  EXPECT_EXIT(TouchGuardOutsideCallScope(), ::testing::KilledBySignal(SIGSEGV),
              "");
}

// A trap with no call scope is a broken invariant: abort with a message.
TEST(CallScopeDeathTest, TrapOutsideScopeAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(airlock_rt_trap(AIRLOCK_TRAP_UNREACHABLE),
               "outside any call scope");
}

// ---- Memories, tables, budgets ----

// memory.grow makes new pages accessible and stops at the declared max.
TEST(MemoryTest, GrowUpToMax) {
  TestImports imports;
  auto instance = MakeInstance(imports);
  ASSERT_NE(instance, nullptr);
  EXPECT_EQ(CallI32(*instance, "size", {}), 2u);
  EXPECT_EQ(CallI32(*instance, "grow", {I32(0)}), 2u);
  EXPECT_EQ(CallI32(*instance, "grow", {I32(3)}), 2u);
  EXPECT_EQ(CallI32(*instance, "size", {}), 5u);
  // A new page is readable and writable.
  CallOutcomeOf(*instance, "store", {I32(4 * 65536), I32(77)}, 0);
  EXPECT_EQ(CallI32(*instance, "load", {I32(4 * 65536)}), 77u);
  EXPECT_EQ(CallI32(*instance, "grow", {I32(6)}), UINT32_MAX);  // 11 > 10
  EXPECT_EQ(CallI32(*instance, "grow", {I32(5)}), 5u);
  EXPECT_EQ(CallI32(*instance, "grow", {I32(1)}), UINT32_MAX);
  EXPECT_EQ(CallI32(*instance, "size", {}), 10u);
  EXPECT_EQ(CallOutcomeOf(*instance, "load", {I32(10 * 65536 - 16)}, 1).trap,
            TrapKind::kMemoryOutOfBounds);
}

// A memory larger than the cap fails instantiation with a clear message.
TEST(MemoryTest, CapAtInstantiation) {
  TestImports imports;
  InstanceLimits limits;
  limits.max_memory_bytes = 64 * 1024;
  auto instance = Instance::Create(LoadTestModule(), imports, limits);
  EXPECT_EQ(instance.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(instance.status().message(),
            "memory of 2 pages (128 KiB) exceeds the memory cap of 64 KiB");
  EXPECT_EQ(InstantiationTrap(instance.status()), std::nullopt);
}

// The cap covers memories and tables together; grow past it returns -1 and
// the peak is reported.
TEST(MemoryTest, BudgetCoversMemoryAndTablesAndTracksPeak) {
  TestImports imports;
  InstanceLimits limits;
  const uint64_t table_elem = sizeof(airlock_ref);
  limits.max_memory_bytes = 3 * 65536 + 4 * table_elem;
  auto instance = MakeInstance(imports, limits);
  ASSERT_NE(instance, nullptr);
  EXPECT_EQ(instance->peak_memory_bytes(), 2 * 65536 + 3 * table_elem);
  EXPECT_EQ(CallI32(*instance, "grow", {I32(1)}), 2u);
  EXPECT_EQ(CallI32(*instance, "grow", {I32(1)}), UINT32_MAX);
  EXPECT_EQ(CallI32(*instance, "table_grow", {I32(1)}), 3u);
  EXPECT_EQ(CallI32(*instance, "table_grow", {I32(1)}), UINT32_MAX);
  EXPECT_EQ(instance->peak_memory_bytes(), limits.max_memory_bytes);
  // Grown table slots are null.
  EXPECT_EQ(CallOutcomeOf(*instance, "call_indirect", {I32(3), I32(0)}, 1).trap,
            TrapKind::kUndefinedTableElement);
}

// The runtime functions directly: budget accounting returns to zero on
// free, limits are enforced, messages name sizes.
TEST(MemoryTest, AbiFunctionsAccountAndRelease) {
  airlock_budget budget{};
  budget.limit = 256 * 1024;
  airlock_memory a, b;
  ASSERT_EQ(airlock_rt_memory_init(&a, &budget, 3, 100), 0);
  EXPECT_EQ(budget.used, 3 * 65536u);
  EXPECT_EQ(airlock_rt_memory_init(&b, &budget, 2, 2), -1);
  EXPECT_EQ(b.base, nullptr);
  airlock_rt_memory_free(&b);  // harmless after a failed init
  EXPECT_EQ(airlock_rt_memory_grow(&a, 1), 3u);
  EXPECT_EQ(airlock_rt_memory_grow(&a, 1), UINT32_MAX);
  airlock_table t;
  ASSERT_EQ(airlock_rt_table_init(&t, &budget, 0, 0, UINT32_MAX), 0);
  EXPECT_EQ(airlock_rt_table_grow(&t, 1, airlock_ref{}), UINT32_MAX);
  airlock_rt_memory_free(&a);
  EXPECT_EQ(budget.used, 0u);
  EXPECT_EQ(budget.peak, 4 * 65536u);
  airlock_ref value{nullptr, nullptr, &budget};  // an externref
  EXPECT_EQ(airlock_rt_table_grow(&t, 5, value), 0u);
  EXPECT_EQ(t.size, 5u);
  EXPECT_EQ(t.elems[4].ctx, &budget);
  EXPECT_EQ(airlock_rt_table_grow(&t, 0xFFFFFFF0u, value), UINT32_MAX);
  airlock_rt_table_free(&t);
  EXPECT_EQ(budget.used, 0u);
  // Declared limits.
  EXPECT_EQ(airlock_rt_memory_init(&a, nullptr, 3, 2), -1);
  EXPECT_EQ(airlock_rt_table_init(&t, nullptr, 1, 3, 2), -1);
}

// Why a memory could not be created is recorded for Instance::Create, with
// pages, sizes and what is already used.
TEST(MemoryTest, CapMessagesNameSizes) {
  airlock_budget budget{};
  budget.limit = 64ull << 20;
  airlock_memory memory;
  internal::TakeRuntimeError();
  EXPECT_EQ(airlock_rt_memory_init(&memory, &budget, 2048, 65536), -1);
  EXPECT_EQ(internal::TakeRuntimeError(),
            "memory of 2048 pages (128 MiB) exceeds the memory cap of 64 MiB");
  EXPECT_EQ(budget.used, 0u);
  ASSERT_EQ(airlock_rt_memory_init(&memory, &budget, 1000, 65536), 0);
  airlock_table table;
  EXPECT_EQ(airlock_rt_table_init(&table, &budget, 1, 1000000, UINT32_MAX), -1);
  EXPECT_EQ(internal::TakeRuntimeError(),
            "table of 1000000 elements (22.9 MiB) exceeds the memory cap of "
            "64 MiB (62.5 MiB already in use by this instance)");
  airlock_rt_memory_free(&memory);
  EXPECT_EQ(budget.used, 0u);
}

// Runs in a death-test child: with the address space capped at 4 GiB, an
// 8 GiB reservation cannot succeed.
void LimitAddressSpace() {
  struct rlimit limit = {4ull << 30, 4ull << 30};
  if (setrlimit(RLIMIT_AS, &limit) != 0) exit(2);
}

void InitMemoryWithoutAddressSpace() {
  LimitAddressSpace();
  airlock_memory memory;
  exit(airlock_rt_memory_init(&memory, nullptr, 1, 1) == -1 ? 0 : 1);
}

void CreateWithoutAddressSpace(std::shared_ptr<const CompiledModule> module) {
  LimitAddressSpace();
  TestImports imports;
  auto instance = Instance::Create(module, imports, {});
  if (instance.ok()) exit(1);
  fprintf(stderr, "%s\n", std::string(instance.status().message()).c_str());
  exit(0);
}

// Failing to reserve address space is an error, not an abort.
TEST(MemoryDeathTest, ReservationFailureIsAnError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(InitMemoryWithoutAddressSpace(), ::testing::ExitedWithCode(0),
              "");
}

// Instantiation that runs out of address space reports why.
TEST(MemoryDeathTest, ReservationFailureFailsCreate) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto module = LoadTestModule();
  ASSERT_NE(module, nullptr);
  EXPECT_EXIT(CreateWithoutAddressSpace(module), ::testing::ExitedWithCode(0),
              "cannot reserve 8.0 GiB of address space for a memory");
}

// ---- Imports ----

// A missing import names module and field.
TEST(ImportTest, UnknownImport) {
  TestImports imports;
  imports.Erase("env.fail");
  auto instance = Instance::Create(LoadTestModule(), imports, {});
  EXPECT_EQ(instance.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(instance.status().message(),
            "unknown import: env.fail (not provided)");
}

// Other resolver failures keep their code and name the import.
TEST(ImportTest, ResolverErrorsNameTheImport) {
  class FailingResolver : public ImportResolver {
   public:
    absl::StatusOr<Extern> Resolve(const airlock_import_desc&) override {
      return absl::PermissionDeniedError("not granted");
    }
  } resolver;
  auto instance = Instance::Create(LoadTestModule(), resolver, {});
  EXPECT_EQ(instance.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(instance.status().message(), "import env.add: not granted");
}

// Type mismatches name the import, what it expects and what it got.
TEST(ImportTest, TypeMismatches) {
  struct Case {
    const char* name;
    Extern ext;
    const char* message;
  };
  uint64_t cell = 0;
  const std::vector<Case> cases = {
      {"env.add",
       MakeHost("i>i", [](const airlock_value*, airlock_value*) { return 0; }),
       "incompatible import type for env.add: expected func ii>i, got func "
       "i>i"},
      {"env.add", GlobalCell{"i", &cell},
       "incompatible import type for env.add: expected func ii>i, got global "
       "i32"},
      {"env.mode", GlobalCell{"mI", &cell},
       "incompatible import type for env.mode: expected global i64, got "
       "global (mut i64)"},
      {"env.mode", GlobalCell{"i", &cell},
       "incompatible import type for env.mode: expected global i64, got "
       "global i32"},
      {"env.add", airlock_ref{},
       "incompatible import type for env.add: expected func ii>i, got a null "
       "reference"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    TestImports imports;
    imports.Set(c.name, c.ext);
    auto instance = Instance::Create(LoadTestModule(), imports, {});
    EXPECT_EQ(instance.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(instance.status().message(), c.message);
  }
}

// A function exported by one instance can be imported by another.
TEST(ImportTest, FunctionReferenceFromAnotherInstance) {
  TestImports imports;
  auto provider = MakeInstance(imports);
  ASSERT_NE(provider, nullptr);
  // "div" has the ii>i signature env.add needs.
  auto div = provider->GetExport("div");
  ASSERT_TRUE(div.ok());
  TestImports user_imports;
  user_imports.Set("env.add", *div);
  auto user = MakeInstance(user_imports);
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(CallI32(*user, "call_add", {I32(42), I32(6)}), 7u);
  // A reference of the wrong type is refused.
  auto load = provider->GetExport("load");
  ASSERT_TRUE(load.ok());
  user_imports.Set("env.add", *load);
  auto bad = Instance::Create(LoadTestModule(), user_imports, {});
  EXPECT_THAT(bad.status().message(),
              HasSubstr("expected func ii>i, got func i>i"));
}

// Memories and tables are shared between instances, and their limits are
// checked as Wasm linking does.
TEST(ImportTest, MemoryAndTableLinking) {
  TestImports imports;
  auto exporter = MakeInstance(imports);
  ASSERT_NE(exporter, nullptr);
  auto memory = exporter->GetExport("memory");
  auto table = exporter->GetExport("table");
  ASSERT_TRUE(memory.ok());
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(std::get<airlock_memory*>(*memory), exporter->exported_memory());
  MapResolver resolver;
  resolver.Set("env.memory", *memory);  // 2 pages, max 10: fits [1, 20]
  resolver.Set("env.table", *table);    // 3 elements, max 10: fits [2, -]
  auto importer = Instance::Create(LoadImportModule(), resolver, {});
  ASSERT_TRUE(importer.ok()) << importer.status();
  EXPECT_EQ(CallI32(**importer, "peek", {I32(16)}), 42u);
  CallOutcomeOf(**importer, "poke", {I32(20), I32(99)}, 0);
  EXPECT_EQ(CallI32(*exporter, "load", {I32(4)}), 99u);
  EXPECT_EQ(CallI32(**importer, "table_size", {}), 3u);
  EXPECT_EQ((*importer)->exported_memory(), nullptr);
}

TEST(ImportTest, MemoryAndTableLimitMismatches) {
  struct Memory {
    uint32_t initial, max;
    bool ok;
  };
  for (const Memory& m : std::vector<Memory>{{1, 20, true},
                                             {5, 10, true},
                                             {0, 20, false},
                                             {1, 21, false},
                                             {1, AIRLOCK_MAX_PAGES, false}}) {
    SCOPED_TRACE(absl::StrCat("memory ", m.initial, " ", m.max));
    airlock_memory memory;
    ASSERT_EQ(airlock_rt_memory_init(&memory, nullptr, m.initial, m.max), 0);
    airlock_table table;
    ASSERT_EQ(airlock_rt_table_init(&table, nullptr, 1, 2, UINT32_MAX), 0);
    MapResolver resolver;
    resolver.Set("env.memory", &memory);
    resolver.Set("env.table", &table);
    auto instance = Instance::Create(LoadImportModule(), resolver, {});
    EXPECT_EQ(instance.ok(), m.ok) << instance.status();
    if (!m.ok) {
      EXPECT_THAT(instance.status().message(),
                  HasSubstr("incompatible import type for env.memory: "
                            "expected memory (min 1 pages, max 20 pages)"));
    }
    instance = absl::StatusOr<std::unique_ptr<Instance>>();  // drop first
    airlock_rt_table_free(&table);
    airlock_rt_memory_free(&memory);
  }
  struct Table {
    uint8_t is_funcref;
    uint32_t initial, max;
    bool ok;
  };
  for (const Table& t : std::vector<Table>{{1, 2, UINT32_MAX, true},
                                           {1, 5, 6, true},
                                           {1, 1, UINT32_MAX, false},
                                           {0, 2, UINT32_MAX, false}}) {
    SCOPED_TRACE(absl::StrCat("table ", t.is_funcref, " ", t.initial));
    airlock_memory memory;
    ASSERT_EQ(airlock_rt_memory_init(&memory, nullptr, 1, 1), 0);
    airlock_table table;
    ASSERT_EQ(
        airlock_rt_table_init(&table, nullptr, t.is_funcref, t.initial, t.max),
        0);
    MapResolver resolver;
    resolver.Set("env.memory", &memory);
    resolver.Set("env.table", &table);
    auto instance = Instance::Create(LoadImportModule(), resolver, {});
    EXPECT_EQ(instance.ok(), t.ok) << instance.status();
    if (!t.ok) {
      EXPECT_THAT(instance.status().message(),
                  HasSubstr("incompatible import type for env.table: "
                            "expected table funcref (min 2, no max)"));
    }
    instance = absl::StatusOr<std::unique_ptr<Instance>>();
    airlock_rt_table_free(&table);
    airlock_rt_memory_free(&memory);
  }
}

// ---- Instantiation traps ----

// Traps in init (a segment out of bounds) or start fail Create, name the
// trap, and carry the kind (and exit code) as a payload.
TEST(InstantiationTest, TrapsFailCreateAndCarryTheKind) {
  struct Case {
    uint64_t mode;
    TrapKind trap;
    uint32_t exit_code;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {1, TrapKind::kMemoryOutOfBounds, 0,
            "instantiation trapped: memory_out_of_bounds"},
           {2, TrapKind::kUnreachable, 0, "instantiation trapped: unreachable"},
           {3, TrapKind::kExit, 7, "instantiation trapped: exit (code 7)"}}) {
    SCOPED_TRACE(c.message);
    TestImports imports;
    imports.mode = c.mode;
    auto instance = Instance::Create(LoadTestModule(), imports, {});
    EXPECT_EQ(instance.status().code(), absl::StatusCode::kAborted);
    EXPECT_EQ(instance.status().message(), c.message);
    std::optional<CallOutcome> trap = InstantiationTrap(instance.status());
    ASSERT_TRUE(trap.has_value());
    EXPECT_EQ(trap->trap, c.trap);
    EXPECT_EQ(trap->exit_code, c.exit_code);
  }
  EXPECT_EQ(InstantiationTrap(absl::AbortedError("x")), std::nullopt);
}

// On request, a trapped instantiation hands over the instance (its effects,
// e.g. functions stored into imported tables, must outlive the failure); it
// refuses calls but its exports stay readable.
TEST(InstantiationTest, KeepOnTrapHandsOverThePoisonedInstance) {
  TestImports imports;
  imports.mode = 2;  // start traps
  std::unique_ptr<Instance> kept;
  auto instance = Instance::Create(LoadTestModule(), imports, {}, {}, &kept);
  EXPECT_EQ(instance.status().code(), absl::StatusCode::kAborted);
  ASSERT_NE(kept, nullptr);
  auto counter = kept->GetExport("counter");
  ASSERT_TRUE(counter.ok());
  EXPECT_EQ(*static_cast<uint32_t*>(std::get<GlobalCell>(*counter).cell), 0u);
  auto call = kept->Call("bump", {}, {});
  EXPECT_EQ(call.status().code(), absl::StatusCode::kFailedPrecondition);
  // Without a trap nothing is handed over.
  imports.mode = 0;
  std::unique_ptr<Instance> untouched;
  auto ok = Instance::Create(LoadTestModule(), imports, {}, {}, &untouched);
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(untouched, nullptr);
}

// ---- Watchdog and interrupts ----

// A deadline stops an infinite loop with `timeout`.
TEST(WatchdogTest, DeadlineStopsInfiniteLoop) {
  Watchdog watchdog;
  TestImports imports;
  auto instance = MakeInstance(imports);
  ASSERT_NE(instance, nullptr);
  CallOptions options;
  options.watchdog = &watchdog;
  options.deadline = absl::Now() + absl::Milliseconds(50);
  EXPECT_EQ(CallOutcomeOf(*instance, "spin", {}, 0, options).trap,
            TrapKind::kTimeout);
  EXPECT_TRUE(instance->interrupted());
}

// Several instances with different deadlines all stop; disarmed deadlines
// never fire.
TEST(WatchdogTest, ManyDeadlinesAndDisarm) {
  Watchdog watchdog;
  std::vector<std::unique_ptr<Instance>> instances;
  TestImports imports;
  for (int i = 0; i < 4; ++i) instances.push_back(MakeInstance(imports));
  // Disarmed before expiry: not interrupted.
  uint64_t token =
      watchdog.Arm(instances[0].get(), absl::Now() + absl::Milliseconds(20));
  watchdog.Disarm(token);
  // Armed in reverse order of expiry.
  std::vector<std::thread> threads;
  std::vector<TrapKind> traps(3);
  for (int i = 1; i < 4; ++i) {
    threads.emplace_back([&, i] {
      CallOptions options;
      options.watchdog = &watchdog;
      options.deadline = absl::Now() + absl::Milliseconds(80 - 20 * i);
      traps[i - 1] = CallOutcomeOf(*instances[i], "spin", {}, 0, options).trap;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(traps, std::vector<TrapKind>(3, TrapKind::kTimeout));
  absl::SleepFor(absl::Milliseconds(40));
  EXPECT_FALSE(instances[0]->interrupted());
  EXPECT_EQ(CallI32(*instances[0], "load", {I32(0)}), 42u);
}

// A deadline that is already past stops the call at its first poll; a call
// that finishes in time is unaffected.
TEST(WatchdogTest, PastAndGenerousDeadlines) {
  Watchdog watchdog;
  TestImports imports;
  auto fast = MakeInstance(imports);
  ASSERT_NE(fast, nullptr);
  CallOptions generous;
  generous.watchdog = &watchdog;
  generous.deadline = absl::Now() + absl::Seconds(60);
  EXPECT_TRUE(CallOutcomeOf(*fast, "burn", {I32(10)}, 0, generous).ok());
  auto slow = MakeInstance(imports);
  ASSERT_NE(slow, nullptr);
  CallOptions past;
  past.watchdog = &watchdog;
  past.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_EQ(CallOutcomeOf(*slow, "spin", {}, 0, past).trap, TrapKind::kTimeout);
}

// Interrupt() from another thread stops a running call.
TEST(WatchdogTest, InterruptFromAnotherThread) {
  TestImports imports;
  auto instance = MakeInstance(imports);
  ASSERT_NE(instance, nullptr);
  std::thread stopper([&] {
    absl::SleepFor(absl::Milliseconds(20));
    instance->Interrupt();
  });
  EXPECT_EQ(CallOutcomeOf(*instance, "spin", {}, 0).trap, TrapKind::kTimeout);
  stopper.join();
}

// A deadline without a watchdog to enforce it is a caller error.
TEST(WatchdogTest, DeadlineNeedsWatchdog) {
  TestImports imports;
  auto instance = MakeInstance(imports);
  ASSERT_NE(instance, nullptr);
  CallOptions options;
  options.deadline = absl::Now() + absl::Seconds(1);
  auto outcome = instance->Call("spin", {}, {}, options);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- Resource release ----

std::vector<std::string> ReadLines(const char* path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

uint64_t VmSizeKb() {
  for (const std::string& line : ReadLines("/proc/self/status")) {
    if (line.rfind("VmSize:", 0) == 0) return std::stoull(line.substr(7));
  }
  return 0;
}

// Creating and destroying many instances (each reserving 8 GiB) returns
// every reservation and mapping: no leak of address space or registry slots
// (2000 > the 4096-slot registry would not show it, but 5000 would).
TEST(ResourceTest, InstancesReleaseTheirReservations) {
  TestImports imports;
  auto module = LoadTestModule();
  ASSERT_NE(module, nullptr);
  // Warm up allocator arenas and the handler before measuring.
  { auto warm = MakeInstance(imports); }
  size_t baseline_maps = ReadLines("/proc/self/maps").size();
  uint64_t baseline_vm = VmSizeKb();
  for (int i = 0; i < 5000; ++i) {
    auto instance = Instance::Create(module, imports, {});
    ASSERT_TRUE(instance.ok()) << i << ": " << instance.status();
    if (i % 1000 == 0) {
      EXPECT_EQ(CallI32(**instance, "load", {I32(0)}), 42u);
    }
  }
  EXPECT_LE(ReadLines("/proc/self/maps").size(), baseline_maps + 8);
  // Within 64 MiB of the baseline (a single leaked reservation is 8 GiB).
  EXPECT_LE(VmSizeKb(), baseline_vm + 64 * 1024);
}

}  // namespace
}  // namespace airlock::sandbox
