#include "sandbox/compile/compiler.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sandbox/runtime/instance.h"
#include "sandbox/translate/translate.h"

namespace airlock::sandbox {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// (module (func (export "answer") (result i32) (i32.const N))), N < 64.
std::vector<uint8_t> AnswerModule(uint8_t n) {
  return {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // magic, version
      0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,        // type: [] -> [i32]
      0x03, 0x02, 0x01, 0x00,                          // func 0: type 0
      0x07, 0x0a, 0x01, 0x06, 'a',  'n',  's',  'w',
      'e',  'r',  0x00, 0x00,                          // export "answer"
      0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, n,    0x0b,  // i32.const n; end
  };
}

class NoImports : public ImportResolver {
 public:
  absl::StatusOr<Extern> Resolve(const airlock_import_desc& import) override {
    return absl::NotFoundError(import.name);
  }
};

// Runs the module's "answer" export; -1 if that fails.
int64_t Answer(std::shared_ptr<const CompiledModule> module) {
  NoImports resolver;
  absl::StatusOr<std::unique_ptr<Instance>> instance =
      Instance::Create(std::move(module), resolver, InstanceLimits{});
  if (!instance.ok()) return -1;
  airlock_value result[1] = {};
  absl::StatusOr<CallOutcome> outcome = (*instance)->Call("answer", {}, result);
  if (!outcome.ok() || !outcome->ok()) return -1;
  return result[0].i32;
}

void WriteExecutable(const std::string& path, const std::string& contents) {
  std::ofstream(path) << contents;
  chmod(path.c_str(), 0755);
}

class CompilerTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = testing::TempDir() + "/compiler_test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    cache_dir_ = dir_ + "/cache";
  }
  void TearDown() override { fs::remove_all(dir_); }

  CompilerConfig Config() {
    CompilerConfig config;
    config.cache_dir = cache_dir_;
    config.helper_path = AIRLOCK_COMPILE_HELPER;
    return config;
  }

  std::unique_ptr<Compiler> NewCompiler(CompilerConfig config) {
    absl::StatusOr<std::unique_ptr<Compiler>> compiler =
        Compiler::Create(std::move(config));
    EXPECT_TRUE(compiler.ok()) << compiler.status();
    return compiler.ok() ? *std::move(compiler) : nullptr;
  }

  std::string ArtifactPath(const Compiler& compiler,
                           const std::vector<uint8_t>& wasm,
                           const CompileOptions& options = {}) {
    std::string key = compiler.CacheKey(Sha256Hex(wasm), options);
    return absl::StrCat(cache_dir_, "/", key.substr(0, 2), "/", key, ".so");
  }

  // Bytes of every file in the cache's entry folders.
  uint64_t CacheBytes() {
    uint64_t total = 0;
    for (const auto& file : fs::recursive_directory_iterator(cache_dir_)) {
      if (file.is_regular_file() &&
          file.path().parent_path() != fs::path(cache_dir_)) {
        total += file.file_size();
      }
    }
    return total;
  }

  std::string dir_;
  std::string cache_dir_;
};

// sha256 is the standard one (the digest users see in stats and the API).
TEST(Sha256HexTest, KnownVector) {
  const std::string abc = "abc";
  EXPECT_EQ(Sha256Hex({reinterpret_cast<const uint8_t*>(abc.data()), 3}),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// The first compile misses and builds; later compiles, also by a new
// Compiler (a restarted process), load the cached artifact.
TEST_F(CompilerTest, MissThenHit) {
  std::unique_ptr<Compiler> compiler = NewCompiler(Config());
  ASSERT_NE(compiler, nullptr);
  const std::vector<uint8_t> wasm = AnswerModule(42);

  CompileStats stats;
  auto module = compiler->Compile(wasm, {}, &stats);
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_FALSE(stats.cache_hit);
  EXPECT_GT(stats.compile_time, absl::ZeroDuration());
  EXPECT_EQ(stats.digest, Sha256Hex(wasm));
  EXPECT_EQ(Answer(*module), 42);
  EXPECT_TRUE(fs::exists(ArtifactPath(*compiler, wasm)));

  module = compiler->Compile(wasm, {}, &stats);
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_TRUE(stats.cache_hit);
  EXPECT_EQ(stats.compile_time, absl::ZeroDuration());
  EXPECT_EQ(Answer(*module), 42);

  std::unique_ptr<Compiler> restarted = NewCompiler(Config());
  ASSERT_NE(restarted, nullptr);
  module = restarted->Compile(wasm, {}, &stats);
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_TRUE(stats.cache_hit);
}

// Fuel on and off are different artifacts, both cached.
TEST_F(CompilerTest, FuelIsPartOfTheKey) {
  std::unique_ptr<Compiler> compiler = NewCompiler(Config());
  ASSERT_NE(compiler, nullptr);
  const std::vector<uint8_t> wasm = AnswerModule(42);
  const std::string digest = Sha256Hex(wasm);
  EXPECT_NE(compiler->CacheKey(digest, {.fuel = true}),
            compiler->CacheKey(digest, {.fuel = false}));

  CompileStats stats;
  ASSERT_TRUE(compiler->Compile(wasm, {.fuel = true}, &stats).ok());
  auto unmetered = compiler->Compile(wasm, {.fuel = false}, &stats);
  ASSERT_TRUE(unmetered.ok()) << unmetered.status();
  EXPECT_FALSE(stats.cache_hit);
  EXPECT_FALSE((*unmetered)->desc().fuel_metered);
  EXPECT_EQ(Answer(*unmetered), 42);
}

// A truncated artifact is detected and rebuilt, not loaded.
TEST_F(CompilerTest, TruncatedArtifactIsRebuilt) {
  std::unique_ptr<Compiler> compiler = NewCompiler(Config());
  ASSERT_NE(compiler, nullptr);
  const std::vector<uint8_t> wasm = AnswerModule(42);
  ASSERT_TRUE(compiler->Compile(wasm, {}).ok());
  const std::string path = ArtifactPath(*compiler, wasm);
  fs::resize_file(path, fs::file_size(path) / 2);

  CompileStats stats;
  auto module = compiler->Compile(wasm, {}, &stats);
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_FALSE(stats.cache_hit);
  EXPECT_EQ(Answer(*module), 42);
  // And the rebuilt entry is good again.
  ASSERT_TRUE(compiler->Compile(wasm, {}, &stats).ok());
  EXPECT_TRUE(stats.cache_hit);
}

// An artifact with the right size but changed bytes is detected and rebuilt.
TEST_F(CompilerTest, FlippedBytesAreRebuilt) {
  std::unique_ptr<Compiler> compiler = NewCompiler(Config());
  ASSERT_NE(compiler, nullptr);
  const std::vector<uint8_t> wasm = AnswerModule(42);
  ASSERT_TRUE(compiler->Compile(wasm, {}).ok());
  const std::string path = ArtifactPath(*compiler, wasm);
  const uint64_t size = fs::file_size(path);
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    for (uint64_t offset : {size / 3, size / 2}) {
      file.seekg(offset);
      char byte = 0;
      file.get(byte);
      file.seekp(offset);
      file.put(static_cast<char>(byte ^ 0xff));
    }
  }
  ASSERT_EQ(fs::file_size(path), size);

  CompileStats stats;
  auto module = compiler->Compile(wasm, {}, &stats);
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_FALSE(stats.cache_hit);
  EXPECT_EQ(Answer(*module), 42);
}

// Four threads compiling one module: one compiles, the others wait and load
// its artifact.
TEST_F(CompilerTest, ConcurrentThreadsCompileOnce) {
  std::unique_ptr<Compiler> compiler = NewCompiler(Config());
  ASSERT_NE(compiler, nullptr);
  const std::vector<uint8_t> wasm = AnswerModule(42);
  std::atomic<int> misses{0}, answers{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      CompileStats stats;
      auto module = compiler->Compile(wasm, {}, &stats);
      if (!module.ok()) return;
      if (!stats.cache_hit) ++misses;
      if (Answer(*module) == 42) ++answers;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(misses.load(), 1);
  EXPECT_EQ(answers.load(), 4);
}

// Two processes compiling one module into one cache: one compiles, the
// other waits and loads its artifact.
TEST_F(CompilerTest, ConcurrentProcessesCompileOnce) {
  const std::vector<uint8_t> wasm = AnswerModule(42);
  int start[2];
  ASSERT_EQ(pipe(start), 0);
  std::vector<pid_t> children;
  for (int i = 0; i < 2; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(start[1]);
      auto compiler = Compiler::Create(Config());
      if (!compiler.ok()) _exit(1);
      char byte;
      if (read(start[0], &byte, 1) != 0) _exit(1);  // wait for the start
      CompileStats stats;
      auto module = (*compiler)->Compile(wasm, {}, &stats);
      if (!module.ok() || Answer(*module) != 42) _exit(2);
      _exit(stats.cache_hit ? 11 : 10);
    }
    children.push_back(pid);
  }
  close(start[0]);
  close(start[1]);  // both start now
  int misses = 0, hits = 0;
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 10) ++misses;
    if (WEXITSTATUS(status) == 11) ++hits;
  }
  EXPECT_EQ(misses, 1);
  EXPECT_EQ(hits, 1);
}

// Over the size bound, the least recently used entries go; the newest
// entry and recently used ones stay.
TEST_F(CompilerTest, EvictionKeepsCacheUnderBound) {
  const std::vector<uint8_t> a = AnswerModule(1), b = AnswerModule(2),
                             c = AnswerModule(3);
  uint64_t entry_bytes;
  {
    std::unique_ptr<Compiler> probe = NewCompiler(Config());
    ASSERT_NE(probe, nullptr);
    ASSERT_TRUE(probe->Compile(a, {}).ok());
    entry_bytes = CacheBytes();
  }
  CompilerConfig config = Config();
  config.cache_max_bytes = entry_bytes * 5 / 2;  // room for two entries
  std::unique_ptr<Compiler> compiler = NewCompiler(config);
  ASSERT_NE(compiler, nullptr);

  CompileStats stats;
  ASSERT_TRUE(compiler->Compile(b, {}, &stats).ok());
  EXPECT_FALSE(stats.cache_hit);
  // Make b older than a's next use, whatever the clock resolution.
  const std::string b_path = ArtifactPath(*compiler, b);
  fs::last_write_time(b_path,
                      fs::last_write_time(b_path) - std::chrono::hours(1));
  ASSERT_TRUE(compiler->Compile(a, {}, &stats).ok());
  EXPECT_TRUE(stats.cache_hit);  // a is now the most recently used
  ASSERT_TRUE(compiler->Compile(c, {}, &stats).ok());
  EXPECT_FALSE(stats.cache_hit);

  EXPECT_LE(CacheBytes(), config.cache_max_bytes);
  EXPECT_FALSE(fs::exists(b_path));
  EXPECT_TRUE(fs::exists(ArtifactPath(*compiler, a)));
  EXPECT_TRUE(fs::exists(ArtifactPath(*compiler, c)));
  ASSERT_TRUE(compiler->Compile(b, {}, &stats).ok());
  EXPECT_FALSE(stats.cache_hit);
  EXPECT_LE(CacheBytes(), config.cache_max_bytes);
}

// An entry bigger than the whole bound is still kept (it was just built and
// is about to be used).
TEST_F(CompilerTest, JustPublishedEntryIsNeverEvicted) {
  CompilerConfig config = Config();
  config.cache_max_bytes = 1;
  std::unique_ptr<Compiler> compiler = NewCompiler(config);
  ASSERT_NE(compiler, nullptr);
  const std::vector<uint8_t> wasm = AnswerModule(42);
  ASSERT_TRUE(compiler->Compile(wasm, {}).ok());
  EXPECT_TRUE(fs::exists(ArtifactPath(*compiler, wasm)));
}

// Not Wasm: InvalidArgument carrying the translator's own message.
TEST_F(CompilerTest, NonWasmIsRejectedWithTheTranslatorsMessage) {
  std::unique_ptr<Compiler> compiler = NewCompiler(Config());
  ASSERT_NE(compiler, nullptr);
  const std::string text = "#!/bin/sh\necho this is not a wasm module\n";
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()),
                                 text.size());
  absl::StatusOr<TranslatedModule> direct = TranslateToC(bytes, {});
  ASSERT_FALSE(direct.ok());
  std::string expected(
      std::vector<std::string>(absl::StrSplit(direct.status().message(), '\n'))
          .front());

  auto module = compiler->Compile(bytes, {});
  ASSERT_FALSE(module.ok());
  EXPECT_EQ(module.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(module.status().message(), HasSubstr(expected));
}

// A helper that overruns the wall-clock limit is killed, with everything it
// started, and the compile fails with ResourceExhausted.
TEST_F(CompilerTest, TimeoutKillsTheHelperAndItsChildren) {
  const std::string helper = dir_ + "/slow-helper";
  const std::string pid_file = dir_ + "/sleep.pid";
  WriteExecutable(helper, absl::StrCat("#!/bin/sh\nsleep 30 &\necho $! > ",
                                       pid_file, "\nwait\n"));
  CompilerConfig config = Config();
  config.helper_path = helper;
  config.timeout = absl::Milliseconds(500);
  std::unique_ptr<Compiler> compiler = NewCompiler(config);
  ASSERT_NE(compiler, nullptr);

  const absl::Time start = absl::Now();
  auto module = compiler->Compile(AnswerModule(42), {});
  ASSERT_FALSE(module.ok());
  EXPECT_EQ(module.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(module.status().message(), HasSubstr("0.5 s time limit"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));

  // The helper's own child (think: a C compiler) is gone too.
  pid_t sleeper = 0;
  std::ifstream(pid_file) >> sleeper;
  ASSERT_GT(sleeper, 0);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    std::ifstream stat(absl::StrCat("/proc/", sleeper, "/stat"));
    std::string pid, comm, state;
    gone = !(stat >> pid >> comm >> state) || state == "Z";
    if (!gone) usleep(10000);
  }
  EXPECT_TRUE(gone);
}

// The compile runs under the configured address-space limit, and a C
// compiler that runs out of memory there is ResourceExhausted, not a broken
// compiler. (The fake compiler reports gcc's own message: how much memory a
// real cc1 needs differs between machines.)
TEST_F(CompilerTest, MemoryLimitGivesResourceExhausted) {
  const std::string cc = dir_ + "/hungry-cc";
  const std::string limit_file = dir_ + "/limit";
  WriteExecutable(
      cc, absl::StrCat("#!/bin/sh\n"
                       "if [ \"$1\" = --version ]; then echo 'hungry-cc 1.0'; "
                       "exit 0; fi\n"
                       "ulimit -v > ",
                       limit_file,
                       "\n"
                       "echo 'cc1: out of memory allocating 65536 bytes' >&2\n"
                       "exit 1\n"));
  CompilerConfig config = Config();
  config.cc = cc;
  config.memory_limit_bytes = 512 << 20;
  std::unique_ptr<Compiler> compiler = NewCompiler(config);
  ASSERT_NE(compiler, nullptr);

  auto module = compiler->Compile(AnswerModule(42), {});
  ASSERT_FALSE(module.ok());
  EXPECT_EQ(module.status().code(), absl::StatusCode::kResourceExhausted)
      << module.status();
  EXPECT_THAT(module.status().message(), HasSubstr("512 MiB memory limit"));
  std::string limit_kib;
  std::ifstream(limit_file) >> limit_kib;
  EXPECT_EQ(limit_kib, "524288");
}

// A helper that dies of a signal (as libwabt does on deep recursion) is a
// clear error naming the signal, not a crash of ours.
TEST_F(CompilerTest, CrashingHelperNamesTheSignal) {
  const std::string helper = dir_ + "/crashing-helper";
  WriteExecutable(helper, "#!/bin/sh\nkill -SEGV $$\n");
  CompilerConfig config = Config();
  config.helper_path = helper;
  std::unique_ptr<Compiler> compiler = NewCompiler(config);
  ASSERT_NE(compiler, nullptr);

  auto module = compiler->Compile(AnswerModule(42), {});
  ASSERT_FALSE(module.ok());
  EXPECT_EQ(module.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(module.status().message(), HasSubstr("crashed (SIGSEGV)"));
}

// A failing C compiler is an Internal error that shows its output.
TEST_F(CompilerTest, CCompilerFailureShowsItsOutput) {
  const std::string cc = dir_ + "/broken-cc";
  WriteExecutable(
      cc,
      "#!/bin/sh\n"
      "if [ \"$1\" = --version ]; then echo 'broken-cc 1.0'; exit 0; fi\n"
      "echo 'module_0.c:1:1: error: the sky is falling' >&2\n"
      "exit 1\n");
  CompilerConfig config = Config();
  config.cc = cc;
  std::unique_ptr<Compiler> compiler = NewCompiler(config);
  ASSERT_NE(compiler, nullptr);

  auto module = compiler->Compile(AnswerModule(42), {});
  ASSERT_FALSE(module.ok());
  EXPECT_EQ(module.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(module.status().message(), HasSubstr("the sky is falling"));
}

// Missing tools are reported by name, with what to do about it.
TEST_F(CompilerTest, CreateNamesWhatIsMissing) {
  CompilerConfig no_cc = Config();
  no_cc.cc = "airlock-no-such-cc";
  auto compiler = Compiler::Create(no_cc);
  ASSERT_FALSE(compiler.ok());
  EXPECT_THAT(
      compiler.status().message(),
      HasSubstr("C compiler 'airlock-no-such-cc' not found: install gcc"));

  CompilerConfig no_helper = Config();
  no_helper.helper_path = dir_ + "/no-such-helper";
  compiler = Compiler::Create(no_helper);
  ASSERT_FALSE(compiler.ok());
  EXPECT_THAT(compiler.status().message(), HasSubstr("airlock-compile"));
}

}  // namespace
}  // namespace airlock::sandbox
