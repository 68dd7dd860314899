#include "clients/cli/run_command.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

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
#include "nlohmann/json.hpp"
#include "sandbox/engine.h"

namespace airlock::cli {

namespace {

using sandbox::TrapKind;

// Largest module we read; real modules are a few tens of MB at most.
constexpr off_t kMaxModuleBytes = off_t{1} << 30;

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

// Reads the whole module file. Errors name the file.
absl::StatusOr<std::vector<uint8_t>> ReadModule(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError("cannot read " + Quoted(path) + ": " +
                               std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const bool is_dir = S_ISDIR(st.st_mode);
    close(fd);
    return absl::InvalidArgumentError(
        Quoted(path) + (is_dir ? " is a folder, not a Wasm module"
                               : " is not a regular file"));
  }
  if (st.st_size > kMaxModuleBytes) {
    close(fd);
    return absl::InvalidArgumentError(Quoted(path) +
                                      " is too large (over 1 GiB)");
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return absl::NotFoundError("cannot read " + Quoted(path) + ": " +
                                 std::strerror(error));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  close(fd);
  bytes.resize(done);
  return bytes;
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

  absl::StatusOr<std::vector<uint8_t>> wasm = ReadModule(flags.module_path);
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

  sandbox::WasiConfig wasi;
  wasi.args.push_back(flags.module_path);
  wasi.args.insert(wasi.args.end(), flags.guest_args.begin(),
                   flags.guest_args.end());
  wasi.env = flags.env;
  for (const DirFlag& dir : flags.dirs) {
    wasi.dirs.push_back(
        sandbox::DirGrant{dir.host_path, dir.guest_path, dir.read_only});
  }
  // Slightly earlier than the engine's own deadline; ReadStdin adds a grace
  // period on top.
  const absl::Time deadline = absl::Now() + flags.timeout;
  wasi.read_stdin = [deadline](uint8_t* buffer, size_t max) {
    return ReadStdin(deadline, buffer, max);
  };
  wasi.write_stdout = [](std::string_view data) {
    return WriteAll(STDOUT_FILENO, data);
  };
  wasi.write_stderr = [](std::string_view data) {
    return WriteAll(STDERR_FILENO, data);
  };

  sandbox::RunLimits limits;
  limits.fuel = flags.fuel.value_or(INT64_MAX);
  limits.max_memory_bytes = flags.max_memory_bytes;
  limits.timeout = flags.timeout;
  absl::StatusOr<sandbox::RunResult> result =
      (*engine)->RunCommand(*std::move(module), std::move(wasi), limits);
  if (!result.ok()) {
    return Fail(
        ExitStatusForError(result.status()),
        flags.module_path + ": " + std::string(result.status().message()));
  }

  int status;
  if (result->exited()) {
    status = static_cast<int>(result->exit_code);
    if (result->exit_code > kExitMaxGuestCode) {
      PrintLine("airlock: guest exit code " +
                std::to_string(result->exit_code) +
                " is outside 0..125; exiting with 125");
      status = kExitMaxGuestCode;
    }
  } else {
    PrintLine("airlock: trap: " + std::string(sandbox::TrapName(result->trap)));
    status = kExitTrap;
  }

  if (flags.stats) {
    nlohmann::ordered_json stats;
    if (flags.metering) {
      stats["fuel_used"] = result->fuel_used;
    } else {
      stats["fuel_used"] = nullptr;
    }
    stats["peak_memory_bytes"] = result->peak_memory_bytes;
    stats["compile_ms"] = Milliseconds(compile_time);
    stats["run_ms"] = Milliseconds(result->run_time);
    stats["cache"] = compile_stats.cache_hit ? "hit" : "miss";
    if (result->exited()) {
      stats["exit_code"] = result->exit_code;
    } else {
      stats["trap"] = std::string(sandbox::TrapName(result->trap));
    }
    PrintLine(stats.dump());
  }
  return status;
}

}  // namespace airlock::cli
