// The `airlock` command-line tool. See docs/cli.md.
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/cli/inspect_command.h"
#include "clients/cli/policy_command.h"
#include "clients/cli/run_command.h"
#include "clients/cli/run_flags.h"
#include "sandbox/abi/airlock_rt.h"

#ifndef AIRLOCK_VERSION
#define AIRLOCK_VERSION "unknown"
#endif

namespace {

constexpr std::string_view kHelp = R"(usage: airlock COMMAND [ARGS...]

commands:
  run [FLAGS] MODULE.wasm [ARGS...]   run a WASI command module in a sandbox
                                      (see airlock run --help)
  inspect [--json] MODULE.wasm        show whether a module is valid, its
                                      digest, manifest, imports and exports
                                      (see airlock inspect --help)
  policy check|explain|hash-token     validate and explain capability
                                      policies (see airlock policy --help)
  version                             print the version
  help                                this help
)";

void Write(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads all of stdin (at most 1 MiB: a token, not a file).
bool ReadStdin(std::string* data) {
  char buffer[4096];
  while (data->size() < (1u << 20)) {
    const ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    data->append(buffer, static_cast<size_t>(n));
  }
  return false;
}

int UsageError(const std::string& message) {
  Write(STDERR_FILENO, "airlock: error: " + message + "\n");
  return airlock::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed stdout must fail the guest's write (EPIPE -> EIO), not kill us.
  signal(SIGPIPE, SIG_IGN);

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    Write(STDERR_FILENO, kHelp);
    return airlock::cli::kExitUsage;
  }
  const std::string& command = args[0];
  if (command == "help" || command == "--help" || command == "-h") {
    Write(STDOUT_FILENO, kHelp);
    return 0;
  }
  if (command == "version" || command == "--version") {
    Write(STDOUT_FILENO, "airlock " AIRLOCK_VERSION " (module ABI " +
                             std::to_string(AIRLOCK_ABI_VERSION) + ")\n");
    return 0;
  }
  if (command == "run") {
    absl::StatusOr<airlock::cli::RunFlags> flags = airlock::cli::ParseRunFlags(
        std::span<const std::string>(args).subspan(1));
    if (!flags.ok()) return UsageError(std::string(flags.status().message()));
    if (flags->help) {
      Write(STDOUT_FILENO, airlock::cli::RunHelpText());
      return 0;
    }
    return airlock::cli::RunCommand(*flags);
  }
  if (command == "inspect") {
    return airlock::cli::InspectCommand(
        std::span<const std::string>(args).subspan(1));
  }
  if (command == "policy") {
    airlock::cli::PolicyIo io;
    io.out = [](std::string_view text) { Write(STDOUT_FILENO, text); };
    io.err = [](std::string_view text) { Write(STDERR_FILENO, text); };
    io.read_stdin = ReadStdin;
    io.stdin_is_terminal = isatty(STDIN_FILENO) == 1;
    return airlock::cli::PolicyCommand(
        std::span<const std::string>(args).subspan(1), io);
  }
  return UsageError("unknown command \"" + command + "\" (see airlock --help)");
}
