// Command-line flags of `airlock run`, parsed by hand (no flags library: the
// grammar is small and every error message is part of the interface, see
// docs/cli.md). Parsing is pure: it touches neither the filesystem nor the
// environment, so every message can be tested exactly.
#ifndef AIRLOCK_CLIENTS_CLI_RUN_FLAGS_H_
#define AIRLOCK_CLIENTS_CLI_RUN_FLAGS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace airlock::cli {

// Defaults, documented in docs/cli.md.
inline constexpr uint64_t kDefaultMaxMemoryBytes = 256ull << 20;
inline constexpr uint64_t kDefaultMaxInputBytes = 64ull << 20;
inline constexpr absl::Duration kDefaultCompileTimeout = absl::Seconds(120);

// A folder granted with --dir (read-write) or --dir-ro.
struct DirFlag {
  std::string host_path;
  std::string guest_path;
  bool read_only = false;
};

struct RunFlags {
  std::vector<DirFlag> dirs;  // in the order given
  // In the order first given; a repeated key keeps its last value.
  std::vector<std::pair<std::string, std::string>> env;
  // --fuel: the fuel limit. Unset: unlimited, but still counted when
  // metering is on (so --stats can report it).
  std::optional<int64_t> fuel;
  bool metering = true;  // false with --no-fuel
  uint64_t max_memory_bytes = kDefaultMaxMemoryBytes;
  absl::Duration timeout = absl::InfiniteDuration();
  std::string cache_dir;  // empty: the default (see DefaultCacheDir)
  // --compile-timeout: wall time allowed to compile a module that is not
  // cached yet (not counted in --timeout).
  absl::Duration compile_timeout = kDefaultCompileTimeout;
  bool stats = false;
  // --no-isolate: run in this process instead of a confined worker (for
  // debugging: the guest is still in its Wasm sandbox, but nothing else).
  bool isolate = true;
  // --max-output: stdout + stderr of the guest together; more is cut and
  // reported. Unset: unlimited.
  std::optional<uint64_t> max_output_bytes;
  // --max-input: isolated runs read all of stdin before the guest starts;
  // more than this is an error.
  uint64_t max_input_bytes = kDefaultMaxInputBytes;
  bool help = false;  // --help / -h: print help, ignore the rest
  std::string module_path;
  std::vector<std::string> guest_args;  // after MODULE, passed verbatim
};

// Parses the arguments after `run`. Flags come before MODULE; everything
// after MODULE (or after `--`) belongs to the guest. Every error is a usage
// error whose message starts with the flag it concerns, e.g.
//   --max-memory: invalid size "64XB" (use e.g. 64MiB)
// Values with units are parsed by policy/units.h, so flags and policies
// accept the same spellings.
absl::StatusOr<RunFlags> ParseRunFlags(std::span<const std::string> args);

// The cache directory when --cache-dir is not given: $AIRLOCK_CACHE_DIR,
// else $XDG_CACHE_HOME/airlock, else $HOME/.cache/airlock, else
// /tmp/airlock-cache. `getenv_fn` is injected for tests.
std::string DefaultCacheDir(
    const std::function<const char*(const char*)>& getenv_fn);

// Text of `airlock run --help`.
std::string RunHelpText();

}  // namespace airlock::cli

#endif  // AIRLOCK_CLIENTS_CLI_RUN_FLAGS_H_
