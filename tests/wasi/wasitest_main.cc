// wasitest: runs the wasi-testsuite folders (wasi-c, wasi-assemblyscript)
// through the engine facade, as WASI-TEST-SPECIFICATION.md says: every
// *.wasm is a test, its .json (or the defaults) gives args, env, the folder
// preopened as "/", and the expected exit code, stdout and stderr, compared
// exactly. Prints one line per test and last `wasi: N passed, M failed`.
//
// usage: wasitest [--cache-dir DIR] [--helper PATH] [--filter SUBSTRING]
//                 [SUITE_DIR...]
//
// A test's root folder is copied to a fresh temporary folder first, so tests
// that write never modify the shared suite (read-only in CI) and never see
// each other's files.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "sandbox/engine.h"
#include "tests/wasi/wasi_test_spec.h"

namespace fs = std::filesystem;

namespace airlock::wasitest {
namespace {

struct Options {
  std::string cache_dir = WASITEST_CACHE_DIR;
  std::string helper = AIRLOCK_COMPILE_HELPER;
  std::string filter;
  std::vector<std::string> suites;
};

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Output in one line, escaped, and cut so a runaway test stays readable.
std::string Show(const std::string& text) {
  std::string escaped = absl::CEscape(text);
  if (escaped.size() > 200) escaped = escaped.substr(0, 200) + "...";
  return "\"" + escaped + "\"";
}

// A temporary folder removed when this goes out of scope.
class TempDir {
 public:
  static absl::StatusOr<std::unique_ptr<TempDir>> Create() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base && *base ? base : "/tmp") + "/wasitest.XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      return absl::InternalError("mkdtemp failed in " + tmpl);
    }
    return std::unique_ptr<TempDir>(new TempDir(tmpl));
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  explicit TempDir(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

// Copies `from` to `to` recursively, leaving out *.cleanup artifacts. The
// copy is owned and writable by us whatever the suite's modes (it is
// read-only in CI): folders are created fresh (not with copied modes, which
// would stop us filling them as a non-root user) and files get u+rw.
absl::Status CopyTree(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  auto failed = [&](const fs::path& path) {
    return absl::InternalError("copying " + path.string() + ": " +
                               ec.message());
  };
  if (!fs::create_directory(to, ec) && ec) return failed(to);
  for (auto it = fs::recursive_directory_iterator(from, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return failed(from);
    const fs::path target = to / fs::relative(it->path(), from, ec);
    if (ec) return failed(it->path());
    if (it->path().extension() == ".cleanup") {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink(ec)) {
      fs::copy_symlink(it->path(), target, ec);
    } else if (it->is_directory(ec)) {
      fs::create_directory(target, ec);
    } else {
      fs::copy_file(it->path(), target, ec);
      if (!ec) {
        fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write,
                        fs::perm_options::add, ec);
      }
    }
    if (ec) return failed(it->path());
  }
  if (ec) return failed(from);
  return absl::OkStatus();
}

// Runs one test; returns the empty string on a pass, else why it failed.
std::string RunTest(sandbox::Engine& engine, const fs::path& wasm_path) {
  fs::path json_path = wasm_path;
  json_path.replace_extension(".json");
  TestSpec spec;
  if (fs::exists(json_path)) {
    absl::StatusOr<std::string> text = ReadFile(json_path);
    if (!text.ok()) return std::string(text.status().message());
    absl::StatusOr<TestSpec> parsed = ParseTestSpec(*text);
    if (!parsed.ok()) {
      return json_path.filename().string() + ": " +
             std::string(parsed.status().message());
    }
    spec = *std::move(parsed);
  }

  absl::StatusOr<std::string> wasm = ReadFile(wasm_path);
  if (!wasm.ok()) return std::string(wasm.status().message());
  absl::StatusOr<std::shared_ptr<const sandbox::CompiledModule>> module =
      engine.Compile(
          std::span<const uint8_t>(
              reinterpret_cast<const uint8_t*>(wasm->data()), wasm->size()),
          sandbox::CompileOptions{});
  if (!module.ok()) {
    return "compile: " + std::string(module.status().message());
  }

  std::unique_ptr<TempDir> temp;
  sandbox::WasiConfig config;
  config.args.push_back(wasm_path.filename().string());
  config.args.insert(config.args.end(), spec.args.begin(), spec.args.end());
  config.env = spec.env;
  if (spec.root.has_value()) {
    absl::StatusOr<std::unique_ptr<TempDir>> created = TempDir::Create();
    if (!created.ok()) return std::string(created.status().message());
    temp = *std::move(created);
    const fs::path copy = temp->path() / "root";
    absl::Status copied = CopyTree(wasm_path.parent_path() / *spec.root, copy);
    if (!copied.ok()) return std::string(copied.message());
    config.dirs.push_back(sandbox::DirGrant{copy.string(), "/",
                                            /*read_only=*/false});
  }
  std::string out, err;
  config.read_stdin = [](uint8_t*, size_t) -> int64_t { return 0; };
  config.write_stdout = [&out](std::string_view data) {
    out.append(data);
    return true;
  };
  config.write_stderr = [&err](std::string_view data) {
    err.append(data);
    return true;
  };
  sandbox::RunLimits limits;
  limits.max_memory_bytes = 1ull << 30;
  limits.timeout = absl::Seconds(60);
  absl::StatusOr<sandbox::RunResult> result =
      engine.RunCommand(*std::move(module), std::move(config), limits);
  if (!result.ok()) return "run: " + std::string(result.status().message());

  std::string why;
  auto add = [&why](const std::string& problem) {
    why += (why.empty() ? "" : "; ") + problem;
  };
  if (!result->exited()) {
    add("trap " + std::string(sandbox::TrapName(result->trap)) +
        ", expected exit code " + std::to_string(spec.exit_code));
  } else if (result->exit_code != spec.exit_code) {
    add("exit code " + std::to_string(result->exit_code) + ", expected " +
        std::to_string(spec.exit_code));
  }
  if (out != spec.expected_stdout) {
    add("stdout " + Show(out) + ", expected " + Show(spec.expected_stdout));
  }
  if (err != spec.expected_stderr) {
    add("stderr " + Show(err) + ", expected " + Show(spec.expected_stderr));
  }
  return why;
}

int Main(const Options& options) {
  sandbox::Engine::Config config;
  config.compiler.cache_dir = options.cache_dir;
  config.compiler.helper_path = options.helper;
  absl::StatusOr<std::unique_ptr<sandbox::Engine>> engine =
      sandbox::Engine::Create(std::move(config));
  if (!engine.ok()) {
    std::fprintf(stderr, "wasitest: %s\n",
                 std::string(engine.status().message()).c_str());
    return 2;
  }
  int passed = 0, failed = 0;
  for (const std::string& suite : options.suites) {
    std::error_code ec;
    std::vector<fs::path> tests;
    for (const fs::directory_entry& entry : fs::directory_iterator(suite, ec)) {
      if (entry.path().extension() == ".wasm") tests.push_back(entry.path());
    }
    if (ec || tests.empty()) {
      std::printf("FAIL %s: no tests found (%s)\n", suite.c_str(),
                  ec ? ec.message().c_str() : "no *.wasm");
      std::fflush(stdout);
      ++failed;
      continue;
    }
    std::sort(tests.begin(), tests.end());
    const std::string suite_name = fs::path(suite).filename().string();
    for (const fs::path& test : tests) {
      const std::string name = suite_name + "/" + test.stem().string();
      if (name.find(options.filter) == std::string::npos) continue;
      std::string why = RunTest(**engine, test);
      // One line per test, whatever the messages contain.
      std::replace(why.begin(), why.end(), '\n', ' ');
      if (why.size() > 1000) why = why.substr(0, 1000) + "...";
      if (why.empty()) {
        std::printf("PASS %s\n", name.c_str());
        ++passed;
      } else {
        std::printf("FAIL %s: %s\n", name.c_str(), why.c_str());
        ++failed;
      }
      std::fflush(stdout);
    }
  }
  std::printf("wasi: %d passed, %d failed\n", passed, failed);
  return failed > 0 ? 1 : 0;
}

}  // namespace
}  // namespace airlock::wasitest

int main(int argc, char** argv) {
  airlock::wasitest::Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "wasitest: %s: missing value\n", flag);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--cache-dir") {
      options.cache_dir = value("--cache-dir");
    } else if (arg == "--helper") {
      options.helper = value("--helper");
    } else if (arg == "--filter") {
      options.filter = value("--filter");
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr,
                   "usage: wasitest [--cache-dir DIR] [--helper PATH] "
                   "[--filter SUBSTRING] [SUITE_DIR...]\n");
      return 2;
    } else {
      options.suites.push_back(arg);
    }
  }
  if (options.suites.empty()) {
    options.suites = {WASI_TESTSUITES_DIR "/wasi-c",
                      WASI_TESTSUITES_DIR "/wasi-assemblyscript"};
  }
  return airlock::wasitest::Main(options);
}
