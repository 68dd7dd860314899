// spectest: runs the WebAssembly 2.0 core spec suite through airlock's AOT
// path (compile with sandbox::Compiler, run in sandbox::Instance).
//
//   spectest [--suite DIR] [--cache DIR] [--helper PATH] [--wast2json PATH]
//            [--filter SUBSTR] [--jobs N] [--no-fuel] [-v]
//
// Prints one line per script, `NAME.wast: P passed, F failed, S skipped`,
// followed by its failures, then timings, and last
// `spec: N passed, M failed, K skipped`. Exits 1 if anything failed or fewer
// than 99% of the judged commands (passed + failed) passed, 2 on a usage or
// setup error.
//
// Scripts run in parallel, each in a child process of its own (this
// executable with --worker SCRIPT): modules of one script depend on each
// other and run in order; a crash or hang costs only its script.
#include <limits.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "sandbox/compile/compiler.h"
#include "sandbox/runtime/instance.h"
#include "tests/spec/script_process.h"
#include "tests/spec/wast_runner.h"

#ifndef AIRLOCK_SPEC_SUITE
#define AIRLOCK_SPEC_SUITE "../shared/testsuites/wasm-spec-2.0"
#endif
#ifndef AIRLOCK_SPEC_CACHE
#define AIRLOCK_SPEC_CACHE "spectest-cache"
#endif
#ifndef AIRLOCK_COMPILE_HELPER
#define AIRLOCK_COMPILE_HELPER "airlock-compile"
#endif
#ifndef AIRLOCK_WAST2JSON
#define AIRLOCK_WAST2JSON "wast2json"
#endif

namespace airlock::spectest {
namespace {

constexpr double kRequiredPassRate = 0.99;
// Failures printed per script unless -v.
constexpr size_t kMaxMessages = 100;
// Guest code runs on a worker thread; give it a stack of a known size
// rather than whatever RLIMIT_STACK says.
constexpr size_t kWorkerStackBytes = 8 << 20;
// A script's process is killed after this long (a cold compile of the
// largest script takes minutes on a loaded 2-core machine).
constexpr absl::Duration kScriptTimeout = absl::Minutes(30);

struct Flags {
  std::string suite = AIRLOCK_SPEC_SUITE;
  std::string cache = AIRLOCK_SPEC_CACHE;
  std::string helper = AIRLOCK_COMPILE_HELPER;
  std::string wast2json = AIRLOCK_WAST2JSON;
  std::string filter;
  int jobs = 0;  // 0: one per core
  bool fuel = true;
  bool verbose = false;
  // Internal, for the child processes.
  std::string worker;    // run this one script and report on kWorkerFd
  std::string temp_dir;  // where the worker converts its script
  int compile_jobs = 1;  // CompilerConfig::jobs
};

void Usage() {
  std::fprintf(
      stderr,
      "usage: spectest [--suite DIR] [--cache DIR] [--helper PATH]\n"
      "                [--wast2json PATH] [--filter SUBSTR] [--jobs N]\n"
      "                [--no-fuel] [-v]\n"
      "  --suite DIR      the .wast files (default %s)\n"
      "  --cache DIR      compile cache (default %s)\n"
      "  --helper PATH    airlock-compile (default %s)\n"
      "  --wast2json PATH (default %s)\n"
      "  --filter SUBSTR  only scripts whose file name contains SUBSTR\n"
      "  --jobs N         scripts run in parallel (default: cores)\n"
      "  --no-fuel        compile without fuel metering\n"
      "  -v               every failure, per-script timings\n",
      AIRLOCK_SPEC_SUITE, AIRLOCK_SPEC_CACHE, AIRLOCK_COMPILE_HELPER,
      AIRLOCK_WAST2JSON);
}

// Accepts `--flag value` and `--flag=value`.
std::optional<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    absl::string_view name = arg;
    std::optional<std::string> value;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    }
    auto take = [&](std::string& out) {
      if (!value) {
        if (i + 1 >= argc) return false;
        value = argv[++i];
      }
      out = *value;
      return true;
    };
    if (name == "-v" || name == "--verbose") {
      flags.verbose = true;
    } else if (name == "--no-fuel") {
      flags.fuel = false;
    } else if (name == "--suite") {
      if (!take(flags.suite)) return std::nullopt;
    } else if (name == "--cache") {
      if (!take(flags.cache)) return std::nullopt;
    } else if (name == "--helper") {
      if (!take(flags.helper)) return std::nullopt;
    } else if (name == "--wast2json") {
      if (!take(flags.wast2json)) return std::nullopt;
    } else if (name == "--filter") {
      if (!take(flags.filter)) return std::nullopt;
    } else if (name == "--worker") {
      if (!take(flags.worker)) return std::nullopt;
    } else if (name == "--temp-dir") {
      if (!take(flags.temp_dir)) return std::nullopt;
    } else if (name == "--compile-jobs") {
      std::string jobs;
      if (!take(jobs) || !absl::SimpleAtoi(jobs, &flags.compile_jobs) ||
          flags.compile_jobs < 1) {
        return std::nullopt;
      }
    } else if (name == "--jobs" || name == "-j") {
      std::string jobs;
      if (!take(jobs) || !absl::SimpleAtoi(jobs, &flags.jobs) ||
          flags.jobs < 1) {
        std::fprintf(stderr, "spectest: --jobs needs a positive number\n");
        return std::nullopt;
      }
    } else {
      std::fprintf(stderr, "spectest: unknown argument %s\n", argv[i]);
      return std::nullopt;
    }
  }
  return flags;
}

// Runs `body` on a new thread with a kWorkerStackBytes stack.
class WorkerThread {
 public:
  explicit WorkerThread(std::function<void()> body) : body_(std::move(body)) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, kWorkerStackBytes);
    int error = pthread_create(&thread_, &attr, &WorkerThread::Start, this);
    pthread_attr_destroy(&attr);
    if (error != 0) {
      std::fprintf(stderr, "spectest: cannot start a thread\n");
      std::abort();
    }
  }
  ~WorkerThread() { pthread_join(thread_, nullptr); }
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

 private:
  static void* Start(void* self) {
    static_cast<WorkerThread*>(self)->body_();
    return nullptr;
  }
  std::function<void()> body_;
  pthread_t thread_;
};

std::vector<std::filesystem::path> FindScripts(const Flags& flags) {
  std::vector<std::filesystem::path> scripts;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(flags.suite, error)) {
    const std::filesystem::path& path = entry.path();
    if (path.extension() != ".wast") continue;
    if (path.filename().string().find(flags.filter) == std::string::npos) {
      continue;
    }
    scripts.push_back(path);
  }
  std::sort(scripts.begin(), scripts.end());
  return scripts;
}

void PrintReport(const WastReport& report, bool verbose) {
  std::printf("%s: %d passed, %d failed, %d skipped\n", report.name.c_str(),
              report.passed, report.failed, report.skipped);
  size_t shown = 0;
  for (const std::string& message : report.messages) {
    if (!verbose && shown == kMaxMessages) {
      std::printf("  %s: ... %zu more (-v shows all)\n", report.name.c_str(),
                  report.messages.size() - shown);
      break;
    }
    std::printf("  %s:%s\n", report.name.c_str(), message.c_str());
    ++shown;
  }
  std::fflush(stdout);
}

sandbox::CompilerConfig MakeCompilerConfig(const Flags& flags) {
  sandbox::CompilerConfig config;
  config.cache_dir = flags.cache;
  config.helper_path = flags.helper;
  config.jobs = flags.compile_jobs;
  return config;
}

std::string TempDir() {
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
}

// The child process: one script, on a thread with a known stack size.
int WorkerMain(const Flags& flags) {
  auto compiler = sandbox::Compiler::Create(MakeCompilerConfig(flags));
  if (!compiler.ok()) {
    std::fprintf(stderr, "spectest: %s\n",
                 compiler.status().ToString().c_str());
    return 2;
  }
  sandbox::Watchdog watchdog;
  WastRunnerOptions options;
  options.wast2json = flags.wast2json;
  options.temp_dir = flags.temp_dir.empty() ? TempDir() : flags.temp_dir;
  options.compile.fuel = flags.fuel;
  options.watchdog = &watchdog;
  options.verbose = flags.verbose;
  int status = 0;
  {
    WorkerThread thread(
        [&] { status = RunScriptWorker(flags.worker, **compiler, options); });
  }
  return status;
}

int Main(int argc, char** argv) {
  std::optional<Flags> flags = ParseFlags(argc, argv);
  if (!flags) {
    Usage();
    return 2;
  }
  if (!flags->worker.empty()) return WorkerMain(*flags);
  std::vector<std::filesystem::path> scripts = FindScripts(*flags);
  if (scripts.empty()) {
    std::fprintf(stderr, "spectest: no .wast files%s%s in %s\n",
                 flags->filter.empty() ? "" : " matching ",
                 flags->filter.c_str(), flags->suite.c_str());
    return 2;
  }
  const int cores =
      std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int jobs = std::min<int>(flags->jobs > 0 ? flags->jobs : cores,
                                 static_cast<int>(scripts.size()));
  // Scripts already run in parallel; split the cores between them.
  flags->compile_jobs = std::max(1, cores / jobs);
  {
    // Fail early, once, with the compiler's own message.
    auto compiler = sandbox::Compiler::Create(MakeCompilerConfig(*flags));
    if (!compiler.ok()) {
      std::fprintf(stderr, "spectest: %s\n",
                   compiler.status().ToString().c_str());
      return 2;
    }
  }
  char self[PATH_MAX];
  const ssize_t self_size = readlink("/proc/self/exe", self, sizeof self - 1);
  if (self_size <= 0) {
    std::fprintf(stderr, "spectest: cannot find its own executable\n");
    return 2;
  }
  std::vector<std::string> worker_argv = {
      std::string(self, static_cast<size_t>(self_size)),
      "--cache",
      flags->cache,
      "--helper",
      flags->helper,
      "--wast2json",
      flags->wast2json,
      "--compile-jobs",
      absl::StrCat(flags->compile_jobs),
  };
  if (!flags->fuel) worker_argv.push_back("--no-fuel");
  if (flags->verbose) worker_argv.push_back("-v");
  const std::string temp_dir = TempDir();

  // Largest scripts first, so that one big script does not start last; the
  // reports are still printed in name order.
  std::vector<size_t> order(scripts.size());
  std::vector<uintmax_t> sizes(scripts.size());
  for (size_t i = 0; i < scripts.size(); ++i) {
    order[i] = i;
    std::error_code error;
    sizes[i] = std::filesystem::file_size(scripts[i], error);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return sizes[a] > sizes[b]; });

  std::mutex mutex;
  std::condition_variable done;
  std::vector<std::optional<WastReport>> reports(scripts.size());
  std::atomic<size_t> next{0};
  const absl::Time start = absl::Now();
  {
    std::vector<std::thread> workers;
    for (int j = 0; j < jobs; ++j) {
      workers.emplace_back([&] {
        for (size_t n; (n = next.fetch_add(1)) < scripts.size();) {
          const size_t i = order[n];
          std::vector<std::string> argv = worker_argv;
          argv.push_back("--worker");
          argv.push_back(scripts[i].string());
          WastReport report = RunScriptInChild(scripts[i].string(), argv,
                                               kScriptTimeout, temp_dir);
          std::lock_guard<std::mutex> lock(mutex);
          reports[i] = std::move(report);
          done.notify_one();
        }
      });
    }
    // Print in name order as soon as every earlier script is done.
    for (size_t printed = 0; printed < scripts.size(); ++printed) {
      std::unique_lock<std::mutex> lock(mutex);
      done.wait(lock, [&] { return reports[printed].has_value(); });
      const WastReport& report = *reports[printed];
      lock.unlock();
      PrintReport(report, flags->verbose);
    }
    for (std::thread& worker : workers) worker.join();
  }
  const absl::Duration wall = absl::Now() - start;

  int64_t passed = 0, failed = 0, skipped = 0, modules = 0, hits = 0;
  absl::Duration compile_time;
  std::vector<const WastReport*> by_time;
  for (const auto& report : reports) {
    passed += report->passed;
    failed += report->failed;
    skipped += report->skipped;
    modules += report->modules;
    hits += report->cache_hits;
    compile_time += report->compile_time;
    by_time.push_back(&*report);
  }
  std::sort(by_time.begin(), by_time.end(),
            [](const WastReport* a, const WastReport* b) {
              return a->elapsed > b->elapsed;
            });
  std::vector<std::string> slowest;
  for (size_t i = 0; i < by_time.size() && i < 5; ++i) {
    slowest.push_back(
        absl::StrCat(by_time[i]->name, " ",
                     absl::FormatDuration(absl::Trunc(
                         by_time[i]->elapsed, absl::Milliseconds(10)))));
  }
  const double rate = passed + failed == 0
                          ? 0.0
                          : static_cast<double>(passed) / (passed + failed);
  std::printf(
      "spectest: %zu scripts, %d jobs, %s wall; %lld modules given to the "
      "compiler (%lld cache hits), %s compiling; slowest: %s\n",
      scripts.size(), jobs,
      absl::FormatDuration(absl::Trunc(wall, absl::Milliseconds(10))).c_str(),
      static_cast<long long>(modules), static_cast<long long>(hits),
      absl::FormatDuration(absl::Trunc(compile_time, absl::Milliseconds(10)))
          .c_str(),
      absl::StrJoin(slowest, ", ").c_str());
  std::printf("spectest: pass rate %.3f%% of judged commands (need %.0f%%)\n",
              100.0 * rate, 100.0 * kRequiredPassRate);
  std::printf("spec: %lld passed, %lld failed, %lld skipped\n",
              static_cast<long long>(passed), static_cast<long long>(failed),
              static_cast<long long>(skipped));
  std::fflush(stdout);
  return failed > 0 || rate < kRequiredPassRate ? 1 : 0;
}

}  // namespace
}  // namespace airlock::spectest

int main(int argc, char** argv) { return airlock::spectest::Main(argc, argv); }
