// bench/pool: what process isolation costs (docs/performance.md, "Worker
// pool"). In one run, on a cached echo module:
//   - per-call latency in process (Engine::RunCommand) vs through the pool
//     (a warm, confined worker): p50, p99 and the difference;
//   - new-worker start: zygote fork to a worker that loaded the module,
//     confined itself and said Ready (PoolResult::queue_time of calls that
//     started a worker);
//   - idle worker RSS (VmRSS of the worker processes; RssAnon is what the
//     worker owns, the rest is shared file pages).
//
//   pool_bench [--calls N] [--workers N]
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "sandbox/engine.h"
#include "sandbox/pool/pool.h"

namespace {

using airlock::sandbox::CompiledModule;
using airlock::sandbox::Engine;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i =
      std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * v.size()));
  return v[i];
}

// Children of `ppid`.
std::vector<pid_t> ChildrenOf(pid_t ppid) {
  std::vector<pid_t> out;
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
    if (parent == ppid) out.push_back(std::stoi(name));
  }
  return out;
}

// A field of /proc/PID/status in KiB.
long StatusKiB(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::atol(line.c_str() + field.size() + 1);
    }
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  int calls = 2000;
  int workers = 50;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--calls" && i + 1 < argc) calls = std::atoi(argv[++i]);
    if (arg == "--workers" && i + 1 < argc) workers = std::atoi(argv[++i]);
  }
  char tmpl[] = "/tmp/airlock_pool_bench.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 1;
  const std::string dir = tmpl;
  Engine::Config config;
  config.compiler.cache_dir = dir + "/cache";
  config.compiler.helper_path = AIRLOCK_COMPILE_HELPER;
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(std::move(config));
  if (!engine.ok()) {
    fprintf(stderr, "pool_bench: %s\n", engine.status().ToString().c_str());
    return 1;
  }
  std::ifstream in(ECHO_WASM, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  absl::StatusOr<std::shared_ptr<const CompiledModule>> module =
      (*engine)->Compile(
          std::span<const uint8_t>(
              reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
          airlock::sandbox::CompileOptions{});
  if (!module.ok()) {
    fprintf(stderr, "pool_bench: %s\n", module.status().ToString().c_str());
    return 1;
  }
  const std::string input = R"({"text":"hello, pool"})";

  // In process.
  std::vector<double> local_us;
  for (int i = 0; i < calls + 100; ++i) {
    std::string out;
    airlock::sandbox::WasiConfig wasi;
    wasi.args = {"echo.wasm", "echo"};
    size_t offset = 0;
    wasi.read_stdin = [&](uint8_t* buf, size_t max) -> int64_t {
      const size_t n = std::min(max, input.size() - offset);
      memcpy(buf, input.data() + offset, n);
      offset += n;
      return static_cast<int64_t>(n);
    };
    wasi.write_stdout = [&](std::string_view d) {
      out.append(d);
      return true;
    };
    const absl::Time t0 = absl::Now();
    absl::StatusOr<airlock::sandbox::RunResult> r =
        (*engine)->RunCommand(*module, std::move(wasi), {});
    const double us = absl::ToDoubleMicroseconds(absl::Now() - t0);
    if (!r.ok() || out != input) {
      fprintf(stderr, "pool_bench: in-process call failed\n");
      return 1;
    }
    if (i >= 100) local_us.push_back(us);  // after a warm-up
  }

  // Through the pool, one warm worker.
  airlock::sandbox::PoolOptions options;
  options.worker_binary = AIRLOCK_WORKER;
  options.max_workers = workers + 8;
  options.max_workers_per_tenant = 4;
  options.log = [](std::string_view line) {
    fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  };
  absl::StatusOr<std::unique_ptr<airlock::sandbox::WorkerPool>> pool =
      airlock::sandbox::WorkerPool::Create(options);
  if (!pool.ok()) {
    fprintf(stderr, "pool_bench: %s\n", pool.status().ToString().c_str());
    return 1;
  }
  std::vector<double> pool_us;
  for (int i = 0; i < calls + 100; ++i) {
    std::string out;
    airlock::sandbox::PoolCall call;
    call.tenant = "bench";
    call.module = *module;
    call.args = {"echo.wasm", "echo"};
    call.input = input;
    call.on_output = [&](airlock::sandbox::OutputStream, std::string_view d) {
      out.append(d);
    };
    const absl::Time t0 = absl::Now();
    absl::StatusOr<airlock::sandbox::PoolResult> r = (*pool)->Run(call);
    const double us = absl::ToDoubleMicroseconds(absl::Now() - t0);
    if (!r.ok() || out != input) {
      fprintf(stderr, "pool_bench: pool call failed: %s\n",
              r.ok() ? "wrong output" : r.status().ToString().c_str());
      return 1;
    }
    if (i >= 100) pool_us.push_back(us);
  }

  // New workers: one tenant each, so every call starts a worker.
  std::vector<double> start_us;
  for (int i = 0; i < workers; ++i) {
    airlock::sandbox::PoolCall call;
    call.tenant = "tenant-" + std::to_string(i);
    call.module = *module;
    call.args = {"echo.wasm", "exit", "0"};
    absl::StatusOr<airlock::sandbox::PoolResult> r = (*pool)->Run(call);
    if (!r.ok() || !r->new_worker) {
      fprintf(stderr, "pool_bench: worker start failed\n");
      return 1;
    }
    start_us.push_back(absl::ToDoubleMicroseconds(r->queue_time));
  }
  // Idle workers: grandchildren of this process (workers are the zygote's
  // children).
  std::vector<double> rss_kib, anon_kib;
  for (pid_t zygote : ChildrenOf(getpid())) {
    for (pid_t w : ChildrenOf(zygote)) {
      rss_kib.push_back(static_cast<double>(StatusKiB(w, "VmRSS")));
      anon_kib.push_back(static_cast<double>(StatusKiB(w, "RssAnon")));
    }
  }
  pool->reset();
  std::filesystem::remove_all(dir);

  const double local50 = Percentile(local_us, 50),
               local99 = Percentile(local_us, 99);
  const double pool50 = Percentile(pool_us, 50),
               pool99 = Percentile(pool_us, 99);
  printf("pool bench: cached echo module, %d calls each, one thread\n\n",
         calls);
  printf("%-40s %10s %10s\n", "per-call latency", "p50 us", "p99 us");
  printf("%-40s %10.1f %10.1f\n", "in process (Engine::RunCommand)", local50,
         local99);
  printf("%-40s %10.1f %10.1f\n", "through the pool (warm worker)", pool50,
         pool99);
  printf("%-40s %10.1f %10.1f   (ratio p50 %.2fx)\n", "added by the pool",
         pool50 - local50, pool99 - local99,
         local50 > 0 ? pool50 / local50 : 0);
  printf(
      "\nnew worker (zygote fork -> module loaded, confined, ready), %d "
      "workers: p50 %.0f us, p99 %.0f us\n",
      workers, Percentile(start_us, 50), Percentile(start_us, 99));
  printf(
      "idle worker memory, %zu workers: VmRSS p50 %.0f KiB (RssAnon p50 "
      "%.0f KiB; the rest is shared file pages)\n",
      rss_kib.size(), Percentile(rss_kib, 50), Percentile(anon_kib, 50));
  printf(
      "\npool: added p50 %.0f us (target <= 100): %s; worker start p50 %.0f "
      "us (target <= 1000): %s; idle RSS p50 %.1f MiB (target <= 4): %s\n",
      pool50 - local50, pool50 - local50 <= 100 ? "PASS" : "FAIL",
      Percentile(start_us, 50),
      Percentile(start_us, 50) <= 1000 ? "PASS" : "FAIL",
      Percentile(rss_kib, 50) / 1024,
      Percentile(rss_kib, 50) / 1024 <= 4 ? "PASS" : "FAIL");
  return 0;
}
