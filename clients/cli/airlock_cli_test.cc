// Runs the real build/bin/airlock as a user would and checks what the user
// sees: exit status, stderr lines, stdout. Every case also checks that the
// process exited (never killed by a signal, never a core dump).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace {

// Modules, as hex of the binary; the WebAssembly text is beside each.
// (module (func (export "_start")))
constexpr char kOk[] =
    "0061736d0100000001040160000003020100070a01065f737461727400000a040102000b";
// (module (func (export "_start") unreachable))
constexpr char kUnreachable[] =
    "0061736d0100000001040160000003020100070a01065f737461727400000a0501030000"
    "0b";
// (module (func (export "_start") (loop (br 0))))
constexpr char kLoop[] =
    "0061736d0100000001040160000003020100070a01065f737461727400000a0901070003"
    "400c000b0b";
// (module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param
// i32)))
//   (func (export "_start") (call $exit (i32.const 7))))
constexpr char kExit7[] =
    "0061736d0100000001080260017f0060000002240116776173695f736e617073686f745f"
    "70726576696577310970726f635f65786974000003020101070a01065f73746172740001"
    "0a08010600410710000b";
// The same with (i32.const 200).
constexpr char kExit200[] =
    "0061736d0100000001080260017f0060000002240116776173695f736e617073686f745f"
    "70726576696577310970726f635f65786974000003020101070a01065f73746172740001"
    "0a0901070041c80110000b";
// fd_write(1, "hello\n") from an exported memory.
constexpr char kHello[] =
    "0061736d01000000010c0260047f7f7f7f017f60000002230116776173695f736e617073"
    "686f745f70726576696577310866645f77726974650000030201010503010001071302066d"
    "656d6f72790200065f737461727400010a1d011b004100411036020041044106360200"
    "410141004101410810001a0b0b0c010041100b0668656c6c6f0a";
// (module (import "env" "launch_missiles" (func)) (func (export "_start")))
constexpr char kUnknownImport[] =
    "0061736d0100000001040160000002170103656e760f6c61756e63685f6d697373696c65"
    "73000003020100070a01065f737461727400010a040102000b";
// (module (memory (export "memory") 100) (func (export "_start"))): 6.25 MiB
constexpr char kBigMemory[] =
    "0061736d01000000010401600000030201000503010064071302066d656d6f7279020006"
    "5f737461727400000a040102000b";
// A `cat`: fd_read(0) into a 1 KiB buffer and fd_write(1) it, until EOF.
constexpr char kCat[] =
    "0061736d01000000010c0260047f7f7f7f017f60000002440216776173695f736e617073"
    "686f745f70726576696577310766645f72656164000016776173695f736e617073686f74"
    "5f70726576696577310866645f77726974650000030201010503010001071302066d656d"
    "6f72790200065f737461727400020a4d014b0002400340410041c0003602004104418008"
    "360200410041004101410810000d014108280200450d01411041c0003602004114410828"
    "0200360200410141104101411810011a0c000b0b0b";
// (module (func $boom unreachable) (start $boom) (func (export "_start")))
constexpr char kStartTraps[] =
    "0061736d010000000104016000000303020000070a01065f737461727400010801000a08"
    "020300000b02000b";
// (module (memory 1) (data (i32.const 65535) "ab") (func (export "_start")))
constexpr char kSegmentOutOfBounds[] =
    "0061736d01000000010401600000030201000503010001070a01065f737461727400000a"
    "040102000b0b0a010041ffff030b026162";
// (module (func (export "main")))
constexpr char kNoStart[] =
    "0061736d0100000001040160000003020100070801046d61696e00000a040102000b";
// (module (memory 1 1 shared) (func (export "_start"))): threads proposal.
constexpr char kSharedMemory[] =
    "0061736d0100000001040160000003020100050401030101070a01065f73746172740000"
    "0a040102000b";
// (module (func (export "_start") (i32.const 1))): fails validation.
constexpr char kInvalid[] =
    "0061736d0100000001040160000003020100070a01065f737461727400000a0601040041"
    "010b";

// Reading it aborts libwabt 1.0.32 (an `if` in a global initializer, then
// an element segment): `airlock inspect` must survive that.
constexpr char kWabtAborts[] =
    "0061736d010000000104016000000607017f004100044009070100410"
    "00b0100";

// Appends a custom section: id 0, LEB128 size, LEB128 name length, name,
// payload.
std::string WithCustomSection(std::string module, const std::string& name,
                              const std::string& payload) {
  auto leb = [](uint64_t value, std::string* out) {
    do {
      uint8_t byte = value & 0x7f;
      value >>= 7;
      if (value != 0) byte |= 0x80;
      out->push_back(static_cast<char>(byte));
    } while (value != 0);
  };
  std::string contents;
  leb(name.size(), &contents);
  contents += name + payload;
  module.push_back('\0');
  leb(contents.size(), &module);
  return module + contents;
}

struct Result {
  int status = -1;  // exit status; -1 if killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// What airlock reads on stdin.
struct Input {
  std::string data;
  bool keep_open = false;  // true: never reaches EOF while airlock runs
};

class AirlockCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/airlock_cli_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    std::filesystem::remove_all(*dir_, ec);
    delete dir_;
  }

  // Writes `bytes` to a file in the test folder and returns its path.
  static std::string WriteFile(const std::string& name,
                               const std::string& bytes) {
    const std::string path = *dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  static std::string WriteHex(const std::string& name, const char* hex) {
    return WriteFile(name, absl::HexStringToBytes(hex));
  }
  static std::string CacheDir() { return *dir_ + "/cache"; }

  // Runs airlock with `args`; stdin gets `input.data` from a pipe.
  static Result Run(std::vector<std::string> args, const Input& input = {}) {
    args.insert(args.begin(), AIRLOCK_BINARY);
    int in_pipe[2], out_pipe[2], err_pipe[2];
    EXPECT_EQ(pipe2(in_pipe, O_CLOEXEC), 0);
    EXPECT_EQ(pipe2(out_pipe, O_CLOEXEC), 0);
    EXPECT_EQ(pipe2(err_pipe, O_CLOEXEC), 0);
    const pid_t pid = fork();
    if (pid == 0) {
      dup2(in_pipe[0], 0);
      dup2(out_pipe[1], 1);
      dup2(err_pipe[1], 2);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(99);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    // Small enough for the pipe buffer: no deadlock with the reads below.
    EXPECT_EQ(write(in_pipe[1], input.data.data(), input.data.size()),
              static_cast<ssize_t>(input.data.size()));
    if (!input.keep_open) close(in_pipe[1]);
    Result result;
    struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_fds = 2;
    while (open_fds > 0) {
      if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || fds[i].revents == 0) continue;
        char buffer[4096];
        const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
        if (n > 0) {
          sinks[i]->append(buffer, static_cast<size_t>(n));
        } else if (n == 0 || errno != EINTR) {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
        }
      }
    }
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    if (input.keep_open) close(in_pipe[1]);
    if (WIFEXITED(wstatus)) result.status = WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus)) result.signal = WTERMSIG(wstatus);
    return result;
  }

  // The common shape of every failure: exactly one stderr line, starting
  // with "airlock: error: ", nothing on stdout, the given status, no signal.
  static void ExpectOneErrorLine(const Result& r, int status) {
    EXPECT_EQ(r.signal, 0) << "killed by signal " << r.signal;
    EXPECT_EQ(r.status, status) << r.err;
    EXPECT_TRUE(absl::StartsWith(r.err, "airlock: error: ")) << r.err;
    EXPECT_TRUE(absl::EndsWith(r.err, "\n")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.out, "");
  }

  static Result RunModule(const std::string& path,
                          std::vector<std::string> flags = {},
                          const Input& input = {}) {
    std::vector<std::string> args = {"run", "--cache-dir", CacheDir()};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(path);
    return Run(args, input);
  }

  static std::string* dir_;
};

std::string* AirlockCliTest::dir_ = nullptr;

// Usage errors: exit 2 and the exact line the docs promise.
TEST_F(AirlockCliTest, BadFlagIsOneUsageLine) {
  Result r = Run({"run", "--max-memory", "64XB", "m.wasm"});
  ExpectOneErrorLine(r, 2);
  EXPECT_EQ(r.err,
            "airlock: error: --max-memory: invalid size \"64XB\" (use e.g. "
            "64MiB)\n");

  r = Run({"run", "--timeout", "5", "m.wasm"});
  ExpectOneErrorLine(r, 2);
  EXPECT_EQ(r.err,
            "airlock: error: --timeout: invalid duration \"5\" (use e.g. 5s, "
            "500ms or 2m)\n");

  ExpectOneErrorLine(Run({"frobnicate"}), 2);
  ExpectOneErrorLine(Run({"run"}), 2);
  ExpectOneErrorLine(Run({"run", "--dir", *dir_ + "/no-such-dir", "m.wasm"}),
                     2);
}

TEST_F(AirlockCliTest, HelpAndVersion) {
  Result r = Run({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(absl::StrContains(r.out, "run [FLAGS] MODULE.wasm")) << r.out;
  r = Run({"run", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(absl::StrContains(r.out, "--max-memory")) << r.out;
  r = Run({"version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(absl::StartsWith(r.out, "airlock ")) << r.out;
  r = Run({});
  EXPECT_EQ(r.status, 2);
}

TEST_F(AirlockCliTest, MissingFile) {
  Result r = RunModule(*dir_ + "/nope.wasm");
  ExpectOneErrorLine(r, 126);
  EXPECT_TRUE(absl::StrContains(r.err, "nope.wasm")) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "No such file")) << r.err;
}

TEST_F(AirlockCliTest, EmptyFile) {
  Result r = RunModule(WriteFile("empty.wasm", ""));
  ExpectOneErrorLine(r, 126);
  EXPECT_TRUE(absl::StrContains(r.err, "is empty")) << r.err;
}

TEST_F(AirlockCliTest, NotWasm) {
  Result r = RunModule(WriteFile("text.wasm", "hello, world\n"));
  ExpectOneErrorLine(r, 126);
  EXPECT_TRUE(absl::StrContains(r.err, "not a Wasm module")) << r.err;

  r = RunModule(WriteFile("m.wat", "(module)\n"));
  ExpectOneErrorLine(r, 126);
  EXPECT_TRUE(absl::StrContains(r.err, "WebAssembly text")) << r.err;
}

// Cut inside the export section: the compiler must reject it, not crash.
TEST_F(AirlockCliTest, TruncatedModule) {
  const std::string ok = absl::HexStringToBytes(kOk);
  Result r = RunModule(WriteFile("truncated.wasm", ok.substr(0, 20)));
  ExpectOneErrorLine(r, 126);
  EXPECT_TRUE(absl::StrContains(r.err, "truncated.wasm")) << r.err;
  r = RunModule(WriteFile("header-only.wasm", ok.substr(0, 6)));
  ExpectOneErrorLine(r, 126);
}

TEST_F(AirlockCliTest, InvalidModule) {
  Result r = RunModule(WriteHex("invalid.wasm", kInvalid));
  ExpectOneErrorLine(r, 126);
  EXPECT_TRUE(absl::StrContains(r.err, "invalid.wasm")) << r.err;
}

// Shared memory belongs to the threads proposal, which is not supported;
// the message must name the feature.
TEST_F(AirlockCliTest, UnsupportedFeatureIsNamed) {
  Result r = RunModule(WriteHex("shared.wasm", kSharedMemory));
  ExpectOneErrorLine(r, 126);
  EXPECT_TRUE(absl::StrContains(absl::AsciiStrToLower(r.err), "thread"))
      << r.err;
}

TEST_F(AirlockCliTest, UnknownImportIsNamed) {
  Result r = RunModule(WriteHex("import.wasm", kUnknownImport));
  ExpectOneErrorLine(r, 126);
  EXPECT_TRUE(absl::StrContains(r.err, "env")) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "launch_missiles")) << r.err;
}

// 100 pages (6.25 MiB) under a 1 MiB cap: refused at instantiation.
TEST_F(AirlockCliTest, MemoryOverCap) {
  const std::string path = WriteHex("bigmem.wasm", kBigMemory);
  Result r = RunModule(path, {"--max-memory", "1MiB"});
  ExpectOneErrorLine(r, 126);
  EXPECT_TRUE(absl::StrContains(absl::AsciiStrToLower(r.err), "memory"))
      << r.err;
  // Under the default cap it runs.
  r = RunModule(path);
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(AirlockCliTest, NoStartExport) {
  Result r = RunModule(WriteHex("nostart.wasm", kNoStart));
  ExpectOneErrorLine(r, 126);
  EXPECT_TRUE(absl::StrContains(r.err, "no _start export")) << r.err;
}

TEST_F(AirlockCliTest, ExitCodes) {
  Result r = RunModule(WriteHex("ok.wasm", kOk));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  r = RunModule(WriteHex("exit7.wasm", kExit7));
  EXPECT_EQ(r.status, 7) << r.err;
  EXPECT_EQ(r.err, "");
  r = RunModule(WriteHex("exit200.wasm", kExit200));
  EXPECT_EQ(r.status, 125) << r.err;
  EXPECT_EQ(r.err,
            "airlock: guest exit code 200 is outside 0..125; exiting with "
            "125\n");
}

TEST_F(AirlockCliTest, StdoutPassesThrough) {
  Result r = RunModule(WriteHex("hello.wasm", kHello));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(AirlockCliTest, StdinPassesThrough) {
  Result r = RunModule(WriteHex("cat.wasm", kCat), {},
                       {.data = "line one\nline two\n"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "line one\nline two\n");
  EXPECT_EQ(r.err, "");
}

// In process, stdin is streamed: a guest blocked reading a stdin that never
// ends is still stopped by --timeout, with the timeout trap (not an I/O
// error), after echoing what it got.
TEST_F(AirlockCliTest, TimeoutStopsGuestBlockedOnStdin) {
  const absl::Time start = absl::Now();
  Result r = RunModule(WriteHex("cat-blocked.wasm", kCat),
                       {"--no-isolate", "--timeout", "300ms"},
                       {.data = "partial", .keep_open = true});
  EXPECT_EQ(r.status, 134) << r.err;
  EXPECT_EQ(r.out, "partial");
  EXPECT_EQ(r.err, "airlock: trap: timeout\n");
  // Compile time is included; the point is that it did not hang.
  EXPECT_LT(absl::Now() - start, absl::Seconds(60));
}

// Isolated runs read stdin whole before the guest starts; a stdin that
// never ends runs into the timeout just the same.
TEST_F(AirlockCliTest, IsolatedRunTimesOutOnEndlessStdin) {
  Result r =
      RunModule(WriteHex("cat-blocked.wasm", kCat), {"--timeout", "300ms"},
                {.data = "partial", .keep_open = true});
  EXPECT_EQ(r.status, 134) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "airlock: trap: timeout\n");
}

// --max-output cuts the guest's output exactly at the cap and says so.
TEST_F(AirlockCliTest, MaxOutputCutsAndReports) {
  for (const char* mode : {"--no-isolate", "--stats"}) {
    Result r = RunModule(WriteHex("cat-cap.wasm", kCat),
                         {mode, "--max-output", "4"}, {.data = "0123456789"});
    EXPECT_EQ(r.out, "0123") << mode;
    EXPECT_NE(r.err.find("airlock: output cut at 4B (--max-output)\n"),
              std::string::npos)
        << r.err;
  }
}

// A worker killed by the seccomp filter is reported as lost, naming the
// signal, with its own exit status.
TEST_F(AirlockCliTest, WorkerLostIsStatus135) {
  setenv("AIRLOCK_WORKER_TEST_HOOK", "socket", 1);
  Result r = RunModule(WriteHex("cat-lost.wasm", kCat), {}, {.data = "x"});
  unsetenv("AIRLOCK_WORKER_TEST_HOOK");
  EXPECT_EQ(r.status, 135) << r.err;
  EXPECT_EQ(r.err, "airlock: worker lost: killed by SIGSYS\n");
}

TEST_F(AirlockCliTest, TrapsAreOneLineAndStatus134) {
  Result r = RunModule(WriteHex("unreachable.wasm", kUnreachable));
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.status, 134);
  EXPECT_EQ(r.err, "airlock: trap: unreachable\n");

  const std::string loop = WriteHex("loop.wasm", kLoop);
  r = RunModule(loop, {"--fuel", "10_000"});
  EXPECT_EQ(r.status, 134);
  EXPECT_EQ(r.err, "airlock: trap: out_of_fuel\n");

  r = RunModule(loop, {"--timeout", "200ms"});
  EXPECT_EQ(r.status, 134);
  EXPECT_EQ(r.err, "airlock: trap: timeout\n");
}

// A trap while instantiating (start function, data segment) is reported
// like any other trap: the guest's code ran and trapped.
TEST_F(AirlockCliTest, InstantiationTrapsAreTraps) {
  Result r = RunModule(WriteHex("start-traps.wasm", kStartTraps));
  EXPECT_EQ(r.status, 134) << r.err;
  EXPECT_EQ(r.err, "airlock: trap: unreachable\n");
  r = RunModule(WriteHex("segment-oob.wasm", kSegmentOutOfBounds));
  EXPECT_EQ(r.status, 134) << r.err;
  EXPECT_EQ(r.err, "airlock: trap: memory_out_of_bounds\n");
}

// --stats: one JSON object on the last stderr line; a second run of the same
// module is a cache hit.
TEST_F(AirlockCliTest, Stats) {
  const std::string cache = *dir_ + "/stats-cache";
  const std::string path = WriteHex("stats.wasm", kExit7);
  auto run = [&] {
    return Run({"run", "--cache-dir", cache, "--stats", path});
  };
  Result first = run();
  EXPECT_EQ(first.status, 7) << first.err;
  EXPECT_TRUE(absl::StartsWith(first.err, "{\"fuel_used\":")) << first.err;
  for (const char* key :
       {"\"peak_memory_bytes\":", "\"compile_ms\":", "\"run_ms\":",
        "\"cache\":\"miss\"", "\"exit_code\":7"}) {
    EXPECT_TRUE(absl::StrContains(first.err, key))
        << key << " in " << first.err;
  }
  EXPECT_EQ(std::count(first.err.begin(), first.err.end(), '\n'), 1);
  Result second = run();
  EXPECT_TRUE(absl::StrContains(second.err, "\"cache\":\"hit\"")) << second.err;

  Result trap = Run({"run", "--cache-dir", cache, "--stats", "--fuel", "1000",
                     WriteHex("stats-loop.wasm", kLoop)});
  EXPECT_EQ(trap.status, 134);
  std::vector<std::string> lines =
      absl::StrSplit(trap.err, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << trap.err;
  EXPECT_EQ(lines[0], "airlock: trap: out_of_fuel");
  EXPECT_TRUE(absl::StrContains(lines[1], "\"trap\":\"out_of_fuel\""))
      << lines[1];
  EXPECT_TRUE(absl::StrContains(lines[1], "\"fuel_used\":1000")) << lines[1];
}

// --- airlock inspect ---

TEST_F(AirlockCliTest, InspectGoodModule) {
  Result r = Run({"inspect", HELLO_WASM});
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const char* line :
       {"valid:     yes\n", "wasi:      command (exports _start)\n",
        "manifest:  no airlock.manifest section\n",
        "  wasi_snapshot_preview1.fd_write", "func (i32, i32, i32, i32) -> i32",
        "  _start  func ", "memories (1):\n  0: initial ",
        "custom sections ("}) {
    EXPECT_TRUE(absl::StrContains(r.out, line)) << line << " in\n" << r.out;
  }
  EXPECT_TRUE(absl::StartsWith(r.out, std::string("module:    ") + HELLO_WASM))
      << r.out;
}

TEST_F(AirlockCliTest, InspectShowsTheManifest) {
  const std::string ok = absl::HexStringToBytes(kOk);
  const std::string path =
      WriteFile("manifest.wasm",
                WithCustomSection(ok, "airlock.manifest",
                                  R"({"name": "echo", "version": "1.0.0"})"));
  Result r = Run({"inspect", path});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(absl::StrContains(r.out, "manifest:  airlock.manifest, 36 bytes"))
      << r.out;
  // Pretty-printed, in the order written, indented under its heading.
  EXPECT_TRUE(absl::EndsWith(r.out,
                             "manifest (airlock.manifest):\n"
                             "  {\n"
                             "    \"name\": \"echo\",\n"
                             "    \"version\": \"1.0.0\"\n"
                             "  }\n"))
      << r.out;
  EXPECT_TRUE(
      absl::StrContains(r.out, "  airlock.manifest  53 bytes at 0x24\n"))
      << r.out;

  // A manifest that is not JSON is reported; the module is still valid and
  // everything else is printed.
  r = Run({"inspect", WriteFile("bad-manifest.wasm",
                                WithCustomSection(ok, "airlock.manifest",
                                                  "{\"name\": oops}"))});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "manifest:  airlock.manifest is not valid JSON: parse error at "
      "line 1, column 10"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "exports (1):\n  _start  func 0"))
      << r.out;
}

TEST_F(AirlockCliTest, InspectJson) {
  const std::string bytes =
      WithCustomSection(absl::HexStringToBytes(kHello), "airlock.manifest",
                        R"({"name": "hello", "needs": {"env": []}})");
  const std::string path = WriteFile("json.wasm", bytes);
  Result r = Run({"inspect", "--json", path});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["file"], path);
  EXPECT_EQ(j["valid"], true);
  EXPECT_EQ(j["size_bytes"], bytes.size());
  EXPECT_EQ(j["wasi"], "command");
  EXPECT_EQ(j["manifest"], nlohmann::json::parse(
                               R"({"name": "hello", "needs": {"env": []}})"));
  EXPECT_TRUE(j["manifest_error"].is_null());
  ASSERT_EQ(j["imports"].size(), 1u);
  EXPECT_EQ(j["imports"][0]["module"], "wasi_snapshot_preview1");
  EXPECT_EQ(j["imports"][0]["name"], "fd_write");
  EXPECT_EQ(j["imports"][0]["signature"]["params"],
            nlohmann::json({"i32", "i32", "i32", "i32"}));
  EXPECT_EQ(j["exports"][0]["name"], "memory");
  EXPECT_EQ(j["exports"][1]["name"], "_start");
  EXPECT_EQ(j["memories"][0]["initial_pages"], 1);
  EXPECT_EQ(j["memories"][0]["initial_bytes"], 65536);
  EXPECT_EQ(j["data_segments"], 1);
  EXPECT_EQ(j["custom_sections"][0]["name"], "airlock.manifest");

  // The digest is the module's sha256 (here of the 8-byte empty module).
  r = Run({"inspect", "--json",
           WriteFile("empty-module.wasm", std::string("\0asm\1\0\0\0", 8))});
  j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["sha256"],
            "93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476");
  EXPECT_EQ(j["wasi"], "none");
  EXPECT_EQ(j["manifest_error"], "no airlock.manifest section");
}

TEST_F(AirlockCliTest, InspectInvalidModule) {
  Result r = Run({"inspect", WriteHex("inspect-invalid.wasm", kInvalid)});
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(absl::StrContains(r.out,
                                "valid:     no: invalid module (1 "
                                "error)\n  type mismatch"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "(at byte offset 0x")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "exports (1):")) << r.out;

  r = Run(
      {"inspect", "--json", WriteHex("inspect-shared.wasm", kSharedMemory)});
  EXPECT_EQ(r.status, 1) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["problem"], "unsupported_feature");
  EXPECT_EQ(j["memories"][0]["shared"], true);
}

// Broken modules: exit 1 with a report, never a signal, nothing on stderr.
TEST_F(AirlockCliTest, InspectBrokenModules) {
  const std::string ok = absl::HexStringToBytes(kOk);
  std::string huge_custom = ok;
  huge_custom += std::string("\0\xff\xff\xff\xff\x0f", 6);  // 4 GiB - 1
  std::string random = ok.substr(0, 8);
  for (int i = 0; i < 4096; ++i) random.push_back(static_cast<char>(i * 7919));
  const std::pair<const char*, std::string> cases[] = {
      {"truncated", ok.substr(0, 20)},
      {"huge-custom", huge_custom},
      {"random", random},
      {"wabt-aborts", absl::HexStringToBytes(kWabtAborts)},
  };
  for (const auto& [name, bytes] : cases) {
    Result r = Run({"inspect", WriteFile(std::string(name) + ".wasm", bytes)});
    EXPECT_EQ(r.signal, 0) << name;
    EXPECT_EQ(r.status, 1) << name << ": " << r.err;
    EXPECT_EQ(r.err, "") << name;
    EXPECT_TRUE(absl::StrContains(r.out, "valid:     no: malformed module"))
        << name << ": " << r.out;
    EXPECT_TRUE(absl::StrContains(r.out, "sha256:    ")) << name;
  }
  Result r = Run({"inspect", WriteHex("wabt-aborts.wasm", kWabtAborts)});
  EXPECT_TRUE(absl::StrContains(r.out, "the decoder (libwabt) died of SIGABRT"))
      << r.out;
}

TEST_F(AirlockCliTest, InspectNotWasm) {
  Result r = Run({"inspect", WriteFile("inspect-text.wasm", "hello, world\n")});
  ExpectOneErrorLine(r, 126);
  EXPECT_EQ(r.err, "airlock: error: \"" + *dir_ +
                       "/inspect-text.wasm\": not a Wasm module (no \\0asm "
                       "magic number)\n");
  r = Run({"inspect", "--json", WriteFile("inspect-empty.wasm", "")});
  ExpectOneErrorLine(r, 126);
  EXPECT_TRUE(absl::StrContains(r.err, "empty file")) << r.err;
  r = Run({"inspect", *dir_});
  ExpectOneErrorLine(r, 126);
  EXPECT_TRUE(absl::StrContains(r.err, "is a folder")) << r.err;
  r = Run({"inspect", *dir_ + "/no-such.wasm"});
  ExpectOneErrorLine(r, 126);
  EXPECT_TRUE(absl::StrContains(r.err, "No such file")) << r.err;
}

TEST_F(AirlockCliTest, InspectUsage) {
  ExpectOneErrorLine(Run({"inspect"}), 2);
  ExpectOneErrorLine(Run({"inspect", "--frob", "m.wasm"}), 2);
  ExpectOneErrorLine(Run({"inspect", "a.wasm", "b.wasm"}), 2);
  Result r = Run({"inspect", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(absl::StrContains(r.out, "usage: airlock inspect")) << r.out;
  r = Run({"--help"});
  EXPECT_TRUE(absl::StrContains(r.out, "inspect [--json] MODULE.wasm"))
      << r.out;
}

}  // namespace
