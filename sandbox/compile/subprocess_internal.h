// Private to sandbox/compile: runs a program in a child process under
// resource limits and a wall-clock deadline, capturing a bounded amount of
// its output. Used by Compiler (to run airlock-compile and `cc --version`)
// and by airlock-compile (to run the C compiler, several at once).
//
// Thread-safe: may be called from several threads at once. The child is
// created with fork() and only calls async-signal-safe functions before
// execv(), so callers may have other threads; every descriptor this code
// opens is close-on-exec, so concurrent children never inherit each other's
// pipes. REQUIRES: the process does not ignore SIGCHLD (with SIG_IGN the
// kernel reaps children before we can read their status).
#ifndef AIRLOCK_SANDBOX_COMPILE_SUBPROCESS_INTERNAL_H_
#define AIRLOCK_SANDBOX_COMPILE_SUBPROCESS_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace airlock::sandbox::compile_internal {

struct SubprocessOptions {
  // argv[0] is the program: a path, or a name looked up in $PATH.
  std::vector<std::string> argv;
  std::string working_dir;  // empty: the caller's
  // Put the child in a process group of its own; on timeout, and once it
  // has exited, the whole group is killed, so nothing it started outlives
  // it.
  bool new_process_group = false;
  uint64_t address_space_limit = 0;  // RLIMIT_AS in bytes; 0: inherited
  uint64_t cpu_seconds_limit = 0;    // RLIMIT_CPU soft limit; 0: inherited
  // stdin is always /dev/null and core dumps are always off. Captured
  // streams go, interleaved, into SubprocessResult::output; the others to
  // /dev/null.
  bool capture_stdout = false;
  bool capture_stderr = true;
  size_t max_output_bytes = 64 << 10;  // the rest is read and dropped
  absl::Time deadline = absl::InfiniteFuture();
};

struct SubprocessResult {
  bool timed_out = false;  // killed (SIGKILL) at the deadline
  int exit_code = -1;      // when it exited normally, else -1
  int term_signal = 0;     // when a signal ended it, else 0
  std::string output;      // at most max_output_bytes
  bool output_truncated = false;
  bool exited_ok() const { return !timed_out && exit_code == 0; }
};

// Runs the program to completion (or the deadline). Errors only when the
// program could not be started (not found, not executable, fork failed);
// how it ended is in the result.
absl::StatusOr<SubprocessResult> RunSubprocess(
    const SubprocessOptions& options);

// The path of `name` as execv() needs it: `name` itself if it contains a
// '/', else the first executable match in $PATH. NotFound otherwise.
absl::StatusOr<std::string> FindExecutable(absl::string_view name);

// "SIGSEGV", "SIGKILL", ... ; "signal N" for others.
std::string SignalName(int signal);

// The first `max_lines` lines of `text` (without a trailing newline).
std::string FirstLines(absl::string_view text, int max_lines);

}  // namespace airlock::sandbox::compile_internal

#endif  // AIRLOCK_SANDBOX_COMPILE_SUBPROCESS_INTERNAL_H_
