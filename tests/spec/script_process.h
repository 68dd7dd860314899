// Runs a spec script in a child process, so that a crash or a hang in
// generated code or in the runtime costs that script, not the whole suite.
//
// The child is this executable run with the worker flag; it runs the script
// with RunWastFile and streams its progress to the parent on file descriptor
// kWorkerFd, one line per record:
//   T <commands>                              once the script is converted
//   L <line> <passed> <failed> <skipped> <modules> <cache_hits> <compile_ns>
//                                             before each command
//   M <message>                               a report message (escaped)
//   R <passed> <failed> <skipped> <modules> <cache_hits> <compile_ns>
// If the child dies before R, the parent reports the command it was running
// and counts it and every later command as failed.
#ifndef AIRLOCK_TESTS_SPEC_SCRIPT_PROCESS_H_
#define AIRLOCK_TESTS_SPEC_SCRIPT_PROCESS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "sandbox/compile/compiler.h"
#include "tests/spec/wast_runner.h"

namespace airlock::spectest {

// The descriptor the child writes its records to.
inline constexpr int kWorkerFd = 3;

// Child side: runs `wast_path` and writes the records to kWorkerFd. Returns
// the process exit status (0 unless the records could not be written).
int RunScriptWorker(const std::string& wast_path, sandbox::Compiler& compiler,
                    const WastRunnerOptions& options);

// Parent side: runs `argv` (the worker command line, argv[0] the executable
// path) with `--temp-dir DIR` appended, and collects the report of
// `wast_path`. DIR is a fresh directory in `temp_dir`, removed when the child
// has ended; the child's stdout and stderr go to a file there, whose tail is
// reported if the child does not finish normally. A child still running
// after `timeout` is killed.
WastReport RunScriptInChild(const std::string& wast_path,
                            const std::vector<std::string>& argv,
                            absl::Duration timeout,
                            const std::string& temp_dir);

}  // namespace airlock::spectest

#endif  // AIRLOCK_TESTS_SPEC_SCRIPT_PROCESS_H_
