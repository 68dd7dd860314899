// Runs one spec script (.wast) through airlock's AOT path: wast2json turns
// it into a JSON command list and binary modules; each module is compiled
// by sandbox::Compiler and instantiated as a sandbox::Instance; every
// assertion is checked against what the instance does.
#ifndef AIRLOCK_TESTS_SPEC_WAST_RUNNER_H_
#define AIRLOCK_TESTS_SPEC_WAST_RUNNER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "sandbox/compile/compiler.h"
#include "sandbox/runtime/instance.h"

namespace airlock::spectest {

struct WastRunnerOptions {
  std::string wast2json = "wast2json";  // path, or a name found on PATH
  std::string temp_dir = "/tmp";        // where the converted files go
  sandbox::CompileOptions compile;
  // Every call into the guest (and every start function) is stopped with
  // trap `timeout` after this long, so a miscompiled loop fails one
  // assertion instead of hanging the suite. Needs `watchdog`.
  absl::Duration call_timeout = absl::Seconds(60);
  sandbox::Watchdog* watchdog = nullptr;
  bool verbose = false;  // also report the timings of the script
};

// The outcome of one script. Counts are of the script's commands: each
// module definition, register, action and assertion counts once.
struct WastReport {
  std::string name;  // file name, e.g. "i32.wast"
  int passed = 0;
  int failed = 0;
  // Commands a binary engine cannot judge: assertions on modules in text
  // format (assert_malformed on text that wast2json cannot encode).
  int skipped = 0;
  int commands = 0;  // in the script, once it was converted
  // One line per failure ("LINE: what was expected; what happened"), and
  // with `verbose` further notes.
  std::vector<std::string> messages;
  absl::Duration elapsed;
  absl::Duration compile_time;  // sum of CompileStats::compile_time
  int modules = 0;              // modules handed to the compiler
  int cache_hits = 0;
};

// Converts `wast_path` into a fresh directory under options.temp_dir, runs
// all its commands in order on the calling thread, and removes the
// directory. Problems with the script itself (wast2json fails, bad JSON)
// are reported as one failure. `compiler` is used from this thread only.
// `before_command`, if set, is called before each command with its line
// and the report so far (for progress and crash diagnosis).
WastReport RunWastFile(
    const std::string& wast_path, sandbox::Compiler& compiler,
    const WastRunnerOptions& options,
    const std::function<void(int line, const WastReport& report)>&
        before_command = nullptr);

}  // namespace airlock::spectest

#endif  // AIRLOCK_TESTS_SPEC_WAST_RUNNER_H_
