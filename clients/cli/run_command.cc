#include "clients/cli/run_command.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/cli/module_file.h"
#include "nlohmann/json.hpp"
#include "policy/units.h"
#include "sandbox/engine.h"
#include "sandbox/pool/pool.h"

namespace airlock::cli {

namespace {

using sandbox::TrapKind;

// How long past the timeout airlock keeps waiting for a reader that does
// not take the guest's output; the engine's own timeout trap comes first.
constexpr absl::Duration kStalledOutputGrace = absl::Milliseconds(200);

// Writes all of `data` to `fd`, retrying short writes. False on error (e.g.
// EPIPE: SIGPIPE is ignored by main, so a closed pipe is an error here).
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// WriteAll for an fd whose reader may stop reading (a pipe, a socket, a
// terminal): waits for room with poll() and writes at most PIPE_BUF bytes at
// a time, which a pipe that polls writable takes without blocking, so the
// wait ends at `give_up`. False on error or when `give_up` passes first.
bool WriteAllBefore(int fd, std::string_view data, absl::Time give_up) {
  if (give_up == absl::InfiniteFuture()) return WriteAll(fd, data);
  while (!data.empty()) {
    const absl::Duration left = give_up - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    struct pollfd pfd = {fd, POLLOUT, 0};
    const int64_t ms = absl::ToInt64Milliseconds(left) + 1;
    const int ready =
        poll(&pfd, 1, ms > INT_MAX ? INT_MAX : static_cast<int>(ms));
    if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    if (ready < 0) return false;
    // POLLERR/POLLHUP: the write below reports the error (e.g. EPIPE).
    const ssize_t n =
        write(fd, data.data(), std::min<size_t>(data.size(), PIPE_BUF));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// One line on stderr, in one write so it is not interleaved.
void PrintLine(std::string line) {
  line.push_back('\n');
  WriteAll(STDERR_FILENO, line);
}

// Status messages may span lines (e.g. C compiler output); the contract is
// one error line.
std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      if (!out.empty() && out.back() != ' ') out += "; ";
    } else if (c != '\r') {
      out.push_back(c);
    }
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == ';')) {
    out.pop_back();
  }
  return out;
}

int Fail(int status, const std::string& message) {
  PrintLine("airlock: error: " + OneLine(message));
  return status;
}

// Engine errors that are about the module (rejected, unlinkable, too big)
// versus failures of airlock or its environment.
int ExitStatusForError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kCancelled:
      return kExitInternalError;
    default:
      return kExitModuleError;
  }
}

std::string Quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// Catches the common wrong-file cases before starting a compile, with a
// message that says what the file is. Full validation is the compiler's.
absl::Status CheckLooksLikeWasm(const std::string& path,
                                const std::vector<uint8_t>& bytes) {
  static constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6d};
  if (bytes.empty()) {
    return absl::InvalidArgumentError(Quoted(path) +
                                      " is empty, not a Wasm module");
  }
  if (bytes.size() >= 4 && std::memcmp(bytes.data(), kMagic, 4) == 0) {
    return absl::OkStatus();
  }
  size_t i = 0;
  while (i < bytes.size() && (bytes[i] == ' ' || bytes[i] == '\t' ||
                              bytes[i] == '\n' || bytes[i] == '\r')) {
    ++i;
  }
  if (i < bytes.size() && (bytes[i] == '(' || bytes[i] == ';')) {
    return absl::InvalidArgumentError(
        Quoted(path) +
        " is not a Wasm binary (it looks like WebAssembly text; convert it "
        "with wat2wasm)");
  }
  if (bytes.size() < 4 &&
      std::memcmp(bytes.data(), kMagic, bytes.size()) == 0) {
    return absl::InvalidArgumentError(
        Quoted(path) + " is not a Wasm module (truncated header)");
  }
  return absl::InvalidArgumentError(
      Quoted(path) + " is not a Wasm module (no \\0asm magic number)");
}

// The compile helper is installed next to the airlock executable.
std::string HelperPath() {
  char buffer[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n <= 0) return "airlock-compile";
  std::string exe(buffer, static_cast<size_t>(n));
  const size_t slash = exe.rfind('/');
  return exe.substr(0, slash + 1) + "airlock-compile";
}

// Reading stdin blocks; with a deadline we wait only until shortly after it,
// so the watchdog's timeout trap (not a read error) ends the guest.
int64_t ReadStdin(absl::Time deadline, uint8_t* buffer, size_t max) {
  const absl::Time give_up = deadline + absl::Milliseconds(200);
  for (;;) {
    if (deadline != absl::InfiniteFuture()) {
      const absl::Duration remaining = give_up - absl::Now();
      if (remaining <= absl::ZeroDuration()) return -1;
      struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
      const int64_t ms = absl::ToInt64Milliseconds(remaining) + 1;
      const int ready =
          poll(&pfd, 1, ms > INT_MAX ? INT_MAX : static_cast<int>(ms));
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) continue;  // loop re-checks the deadline
      if (ready < 0) return -1;
    }
    const ssize_t n = read(STDIN_FILENO, buffer, max);
    if (n < 0 && errno == EINTR) continue;
    return n < 0 ? -1 : n;
  }
}

double Milliseconds(absl::Duration d) {
  // Microsecond resolution keeps the JSON short and stable.
  return static_cast<double>(absl::ToInt64Microseconds(d)) / 1000.0;
}

// The guest's stdout and stderr, written through to ours as they arrive,
// with the --max-output cap over both together. A reader that stops
// reading cannot hold a run past its timeout: writes to a pipe, socket or
// terminal wait for room only until `give_up` (the timeout plus a grace
// period, so the engine's timeout trap, not the write error, ends the run);
// after that, output is dropped.
class OutputSink {
 public:
  OutputSink(uint64_t max_bytes, absl::Time give_up)
      : max_bytes_(max_bytes),
        give_up_(give_up),
        stdout_may_block_(MayBlock(STDOUT_FILENO)),
        stderr_may_block_(MayBlock(STDERR_FILENO)) {}
  // False once the cap is reached (the guest sees its write fail), our own
  // output is gone, or the reader stalled past `give_up`.
  bool Write(int fd, std::string_view data) {
    if (stalled_) return false;
    if (max_bytes_ > 0 && written_ + data.size() > max_bytes_) {
      data = data.substr(0, max_bytes_ - written_);
      truncated_ = true;
    }
    written_ += data.size();
    const bool may_block =
        fd == STDOUT_FILENO ? stdout_may_block_ : stderr_may_block_;
    if (!WriteAllBefore(fd, data,
                        may_block ? give_up_ : absl::InfiniteFuture())) {
      stalled_ = absl::Now() >= give_up_;
      return false;
    }
    return !truncated_;
  }
  uint64_t written() const { return written_; }
  bool truncated() const { return truncated_; }

 private:
  // Regular files and /dev/null never make a writer wait for a reader.
  static bool MayBlock(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) return true;
    return !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
  }

  const uint64_t max_bytes_;  // 0: unlimited
  const absl::Time give_up_;
  const bool stdout_may_block_;
  const bool stderr_may_block_;
  uint64_t written_ = 0;
  bool truncated_ = false;
  bool stalled_ = false;
};

// How a run ended, in either mode.
struct Outcome {
  sandbox::RunResult result;
  bool worker_lost = false;
  std::string lost_reason;
  bool truncated = false;
  absl::Duration worker_start_time;  // isolated: 0 when a worker was reused
};

// The airlock-worker executable is installed next to airlock.
std::string WorkerPath() {
  const std::string helper = HelperPath();
  return helper.substr(0, helper.rfind('/') + 1) + "airlock-worker";
}

absl::StatusOr<Outcome> RunInProcess(
    const RunFlags& flags, sandbox::Engine& engine,
    std::shared_ptr<const sandbox::CompiledModule> module,
    std::vector<std::string> args, std::vector<sandbox::DirGrant> dirs,
    const sandbox::RunLimits& limits, OutputSink& sink) {
  sandbox::WasiConfig wasi;
  wasi.args = std::move(args);
  wasi.env = flags.env;
  wasi.dirs = std::move(dirs);
  // Slightly earlier than the engine's own deadline; ReadStdin adds a grace
  // period on top.
  const absl::Time deadline = absl::Now() + flags.timeout;
  wasi.read_stdin = [deadline](uint8_t* buffer, size_t max) {
    return ReadStdin(deadline, buffer, max);
  };
  wasi.write_stdout = [&sink](std::string_view data) {
    return sink.Write(STDOUT_FILENO, data);
  };
  wasi.write_stderr = [&sink](std::string_view data) {
    return sink.Write(STDERR_FILENO, data);
  };
  absl::StatusOr<sandbox::RunResult> result =
      engine.RunCommand(std::move(module), std::move(wasi), limits);
  if (!result.ok()) return result.status();
  Outcome outcome;
  outcome.result = *result;
  outcome.truncated = sink.truncated();
  return outcome;
}

// Reads all of stdin, at most `max` bytes (OutOfRange beyond: a usage
// error). Gives up at `deadline` (DeadlineExceeded): the run's timeout
// counts from the start, so a caller that never closes stdin gets the
// timeout trap, as it would from a guest blocked reading it.
absl::StatusOr<std::string> ReadAllStdin(uint64_t max, absl::Time deadline) {
  std::string data;
  char buffer[65536];
  while (true) {
    if (deadline != absl::InfiniteFuture()) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        return absl::DeadlineExceededError("stdin still open at the timeout");
      }
      struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
      const int64_t ms = absl::ToInt64Milliseconds(left) + 1;
      const int ready =
          poll(&pfd, 1, ms > INT_MAX ? INT_MAX : static_cast<int>(ms));
      if (ready <= 0) continue;  // EINTR or timeout: re-check the deadline
    }
    const ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF, or no stdin at all (closed): empty input
    data.append(buffer, static_cast<size_t>(n));
    if (data.size() > max) {
      return absl::OutOfRangeError(
          "--max-input: stdin is larger than " + policy::FormatByteSize(max) +
          " (isolated runs read stdin whole; raise --max-input, or use "
          "--no-isolate to stream it)");
    }
  }
  return data;
}

absl::StatusOr<Outcome> RunIsolated(
    const RunFlags& flags,
    std::shared_ptr<const sandbox::CompiledModule> module,
    std::vector<std::string> args, std::vector<sandbox::DirGrant> dirs,
    const sandbox::RunLimits& limits, OutputSink& sink) {
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> input =
      ReadAllStdin(flags.max_input_bytes, start + flags.timeout);
  if (absl::IsDeadlineExceeded(input.status())) {
    Outcome timed_out;
    timed_out.result.trap = TrapKind::kTimeout;
    timed_out.result.run_time = absl::Now() - start;
    return timed_out;
  }
  if (!input.ok()) return input.status();
  sandbox::PoolOptions options;
  options.worker_binary = WorkerPath();
  options.max_workers = 1;
  options.log = [](std::string_view line) {
    // Confinement notes are for operators of long-running pools; a CLI
    // run only reports what went wrong.
    if (line.find("lost") != std::string_view::npos) return;
    if (line.find("confined") != std::string_view::npos) return;
    PrintLine("airlock: " + std::string(line));
  };
  // Tests of the seccomp filter ask the worker to make a forbidden syscall
  // (it can only kill its own worker): AIRLOCK_WORKER_TEST_HOOK=socket.
  const char* hook = std::getenv("AIRLOCK_WORKER_TEST_HOOK");
  options.test_hooks = hook != nullptr;
  absl::StatusOr<std::unique_ptr<sandbox::WorkerPool>> pool =
      sandbox::WorkerPool::Create(std::move(options));
  if (!pool.ok()) {
    return absl::UnavailableError(std::string(pool.status().message()));
  }
  sandbox::PoolCall call;
  call.tenant = "cli";
  call.module = std::move(module);
  call.args = std::move(args);
  call.env = flags.env;
  call.dirs = std::move(dirs);
  call.limits = limits;
  // What reading stdin took counts against the timeout.
  call.limits.timeout =
      std::max(absl::ZeroDuration(), limits.timeout - (absl::Now() - start));
  call.max_output_bytes = flags.max_output_bytes.value_or(0);
  call.input = *std::move(input);
  call.on_output = [&sink](sandbox::OutputStream stream,
                           std::string_view data) {
    sink.Write(stream == sandbox::OutputStream::kStderr ? STDERR_FILENO
                                                        : STDOUT_FILENO,
               data);
  };
  if (hook != nullptr) {
    const std::string h = hook;
    call.test_hook = h == "socket"     ? sandbox::TestHook::kSocket
                     : h == "execve"   ? sandbox::TestHook::kExecve
                     : h == "open"     ? sandbox::TestHook::kOpen
                     : h == "ptrace"   ? sandbox::TestHook::kPtrace
                     : h == "segfault" ? sandbox::TestHook::kSegfault
                                       : sandbox::TestHook::kNone;
  }
  absl::StatusOr<sandbox::PoolResult> result = (*pool)->Run(call);
  if (!result.ok()) return result.status();
  Outcome outcome;
  outcome.result.trap = result->trap;
  outcome.result.exit_code = result->exit_code;
  outcome.result.fuel_used = result->fuel_used;
  outcome.result.peak_memory_bytes = result->peak_memory_bytes;
  outcome.result.run_time = result->run_time;
  outcome.worker_lost =
      result->outcome == sandbox::PoolResult::Outcome::kWorkerLost;
  outcome.lost_reason = result->lost_reason;
  outcome.truncated = result->output_truncated || sink.truncated();
  outcome.worker_start_time = result->queue_time;
  return outcome;
}

}  // namespace

int RunCommand(const RunFlags& flags) {
  // Grants are checked here, before any work, so a typo is a usage error.
  for (const DirFlag& dir : flags.dirs) {
    const std::string flag = dir.read_only ? "--dir-ro" : "--dir";
    struct stat st {};
    if (stat(dir.host_path.c_str(), &st) != 0) {
      return Fail(kExitUsage, flag + ": " + Quoted(dir.host_path) + ": " +
                                  std::strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
      return Fail(kExitUsage,
                  flag + ": " + Quoted(dir.host_path) + " is not a folder");
    }
  }

  absl::StatusOr<std::vector<uint8_t>> wasm = ReadModuleFile(flags.module_path);
  if (!wasm.ok()) {
    return Fail(kExitModuleError, std::string(wasm.status().message()));
  }
  if (absl::Status s = CheckLooksLikeWasm(flags.module_path, *wasm); !s.ok()) {
    return Fail(kExitModuleError, std::string(s.message()));
  }

  sandbox::Engine::Config config;
  config.compiler.cache_dir =
      flags.cache_dir.empty()
          ? DefaultCacheDir([](const char* name) -> const char* {
              return std::getenv(name);
            })
          : flags.cache_dir;
  config.compiler.helper_path = HelperPath();
  config.compiler.timeout = flags.compile_timeout;
  absl::StatusOr<std::unique_ptr<sandbox::Engine>> engine =
      sandbox::Engine::Create(std::move(config));
  if (!engine.ok()) {
    return Fail(kExitInternalError, std::string(engine.status().message()));
  }

  sandbox::CompileOptions compile_options;
  compile_options.fuel = flags.metering;
  sandbox::CompileStats compile_stats;
  const absl::Time compile_start = absl::Now();
  absl::StatusOr<std::shared_ptr<const sandbox::CompiledModule>> module =
      (*engine)->Compile(*wasm, compile_options, &compile_stats);
  const absl::Duration compile_time = absl::Now() - compile_start;
  if (!module.ok()) {
    return Fail(
        ExitStatusForError(module.status()),
        flags.module_path + ": " + std::string(module.status().message()));
  }

  std::vector<std::string> args = {flags.module_path};
  args.insert(args.end(), flags.guest_args.begin(), flags.guest_args.end());
  std::vector<sandbox::DirGrant> dirs;
  for (const DirFlag& dir : flags.dirs) {
    dirs.push_back(
        sandbox::DirGrant{dir.host_path, dir.guest_path, dir.read_only});
  }
  sandbox::RunLimits limits;
  limits.fuel = flags.fuel.value_or(INT64_MAX);
  limits.max_memory_bytes = flags.max_memory_bytes;
  limits.timeout = flags.timeout;

  // Output goes to our stdout/stderr as the guest writes it, up to
  // --max-output.
  OutputSink sink(flags.max_output_bytes.value_or(0),
                  flags.timeout == absl::InfiniteDuration()
                      ? absl::InfiniteFuture()
                      : absl::Now() + flags.timeout + kStalledOutputGrace);
  absl::StatusOr<Outcome> outcome =
      flags.isolate
          ? RunIsolated(flags, *std::move(module), std::move(args),
                        std::move(dirs), limits, sink)
          : RunInProcess(flags, **engine, *std::move(module), std::move(args),
                         std::move(dirs), limits, sink);
  if (!outcome.ok()) {
    const int status = outcome.status().code() == absl::StatusCode::kOutOfRange
                           ? kExitUsage
                           : ExitStatusForError(outcome.status());
    const std::string prefix =
        status == kExitUsage ? "" : flags.module_path + ": ";
    return Fail(status, prefix + std::string(outcome.status().message()));
  }
  if (outcome->truncated) {
    PrintLine("airlock: output cut at " +
              policy::FormatByteSize(*flags.max_output_bytes) +
              " (--max-output)");
  }

  int status;
  if (outcome->worker_lost) {
    PrintLine("airlock: worker lost: " + outcome->lost_reason);
    status = kExitWorkerLost;
  } else if (outcome->result.exited()) {
    status = static_cast<int>(outcome->result.exit_code);
    if (outcome->result.exit_code > kExitMaxGuestCode) {
      PrintLine("airlock: guest exit code " +
                std::to_string(outcome->result.exit_code) +
                " is outside 0..125; exiting with 125");
      status = kExitMaxGuestCode;
    }
  } else {
    PrintLine("airlock: trap: " +
              std::string(sandbox::TrapName(outcome->result.trap)));
    status = kExitTrap;
  }

  if (flags.stats) {
    const sandbox::RunResult& result = outcome->result;
    nlohmann::ordered_json stats;
    if (flags.metering) {
      stats["fuel_used"] = result.fuel_used;
    } else {
      stats["fuel_used"] = nullptr;
    }
    stats["peak_memory_bytes"] = result.peak_memory_bytes;
    stats["compile_ms"] = Milliseconds(compile_time);
    stats["run_ms"] = Milliseconds(result.run_time);
    stats["cache"] = compile_stats.cache_hit ? "hit" : "miss";
    stats["isolated"] = flags.isolate;
    if (flags.isolate) {
      stats["worker_start_ms"] = Milliseconds(outcome->worker_start_time);
    }
    stats["output_bytes"] = sink.written();
    if (outcome->worker_lost) {
      stats["worker_lost"] = outcome->lost_reason;
    } else if (result.exited()) {
      stats["exit_code"] = result.exit_code;
    } else {
      stats["trap"] = std::string(sandbox::TrapName(result.trap));
    }
    PrintLine(stats.dump());
  }
  return status;
}

}  // namespace airlock::cli
