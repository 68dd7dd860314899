// `airlock run`: compile (cached) and run one WASI command module with the
// process's stdio, and turn the outcome into an exit status.
#ifndef AIRLOCK_CLIENTS_CLI_RUN_COMMAND_H_
#define AIRLOCK_CLIENTS_CLI_RUN_COMMAND_H_

#include "clients/cli/run_flags.h"

namespace airlock::cli {

// Exit statuses of the `airlock` executable (docs/cli.md). Guest exit codes
// 0..125 are passed through unchanged; these are the others.
inline constexpr int kExitUsage = 2;            // bad flag or command line
inline constexpr int kExitMaxGuestCode = 125;   // larger guest codes clamp here
inline constexpr int kExitModuleError = 126;    // the module cannot be run
inline constexpr int kExitInternalError = 127;  // airlock itself failed
inline constexpr int kExitTrap = 134;        // the guest trapped (128+SIGABRT)
inline constexpr int kExitWorkerLost = 135;  // the worker process died

// Runs `flags.module_path` with stdin/stdout/stderr of this process. Writes
// at most one `airlock: ...` line to stderr (plus the --stats JSON object)
// and returns the process exit status.
int RunCommand(const RunFlags& flags);

}  // namespace airlock::cli

#endif  // AIRLOCK_CLIENTS_CLI_RUN_COMMAND_H_
