// `airlock policy`: check, explain and hash-token (docs/policy.md, "The
// CLI"). Operators run these before a policy reaches a daemon.
#ifndef AIRLOCK_CLIENTS_CLI_POLICY_COMMAND_H_
#define AIRLOCK_CLIENTS_CLI_POLICY_COMMAND_H_

#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace airlock::cli {

// Exit statuses of `airlock policy` (besides 0 and kExitUsage = 2).
inline constexpr int kExitPolicyInvalid = 1;  // errors in the policy file
inline constexpr int kExitPolicyDenied = 4;   // explain: the call is denied

// Where the command reads and writes; the process's stdio in main, strings
// in tests.
struct PolicyIo {
  std::function<void(std::string_view)> out;
  std::function<void(std::string_view)> err;
  // Reads all of stdin (hash-token); false on a read error.
  std::function<bool(std::string* data)> read_stdin;
  bool stdin_is_terminal = false;
};

// Runs `airlock policy ARGS...` (ARGS after `policy`) and returns the exit
// status.
int PolicyCommand(std::span<const std::string> args, const PolicyIo& io);

}  // namespace airlock::cli

#endif  // AIRLOCK_CLIENTS_CLI_POLICY_COMMAND_H_
