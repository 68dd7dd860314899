// `airlock inspect MODULE.wasm [--json]`: what a module is, without
// compiling or running it (docs/cli.md, "airlock inspect").
#ifndef AIRLOCK_CLIENTS_CLI_INSPECT_COMMAND_H_
#define AIRLOCK_CLIENTS_CLI_INSPECT_COMMAND_H_

#include <span>
#include <string>

#include "sandbox/ingest/module_info.h"

namespace airlock::cli {

// Exit status when the module is Wasm but not valid (besides 0, kExitUsage
// and kExitModuleError for a file that is unreadable or not Wasm).
inline constexpr int kExitInspectNotValid = 1;

// Runs `airlock inspect ARGS...` (ARGS after `inspect`) with the process's
// stdout and stderr, and returns the exit status. libwabt decodes the module
// in a child process: it aborts on some malformed modules, and that must
// not take airlock down.
int InspectCommand(std::span<const std::string> args);

// The report for `info` read from `path`: the text form, and the --json
// form (one JSON object, pretty-printed, ending in a newline).
std::string InspectText(const std::string& path,
                        const sandbox::ModuleInfo& info);
std::string InspectJson(const std::string& path,
                        const sandbox::ModuleInfo& info);

}  // namespace airlock::cli

#endif  // AIRLOCK_CLIENTS_CLI_INSPECT_COMMAND_H_
