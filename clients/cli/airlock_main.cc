// The `airlock` command-line tool. See docs/cli.md.
#include <signal.h>
#include <unistd.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
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
  return UsageError("unknown command \"" + command + "\" (see airlock --help)");
}
