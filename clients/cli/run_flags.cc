#include "clients/cli/run_flags.h"

#include <limits>
#include <string>

#include "absl/status/status.h"
#include "policy/units.h"

namespace airlock::cli {

namespace {

absl::Status UsageError(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

std::string Quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// Splits `--name=value` into name and value; `has_value` says whether `=`
// was present.
void SplitFlag(const std::string& arg, std::string* name, std::string* value,
               bool* has_value) {
  const size_t eq = arg.find('=');
  *has_value = eq != std::string::npos;
  *name = *has_value ? arg.substr(0, eq) : arg;
  *value = *has_value ? arg.substr(eq + 1) : std::string();
}

absl::StatusOr<DirFlag> ParseDirFlag(const std::string& flag,
                                     const std::string& value, bool read_only) {
  const std::string hint = " (use HOST or HOST::GUEST)";
  DirFlag dir;
  dir.read_only = read_only;
  const size_t sep = value.find("::");
  if (sep == std::string::npos) {
    dir.host_path = value;
    dir.guest_path = value;
  } else {
    dir.host_path = value.substr(0, sep);
    dir.guest_path = value.substr(sep + 2);
  }
  if (dir.host_path.empty() || dir.guest_path.empty()) {
    return UsageError(flag + ": invalid folder grant " + Quoted(value) + hint);
  }
  return dir;
}

}  // namespace

absl::StatusOr<RunFlags> ParseRunFlags(std::span<const std::string> args) {
  RunFlags flags;
  bool fuel_given = false;
  size_t i = 0;
  // Prefixes an error from a value parser with the flag's name.
  auto flag_error = [](const std::string& flag, const absl::Status& status) {
    return UsageError(flag + ": " + std::string(status.message()));
  };
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.empty() || arg[0] != '-' || arg == "-") break;  // MODULE
    if (arg == "-h" || arg == "--help") {
      flags.help = true;
      return flags;
    }
    std::string name, value;
    bool has_value = false;
    SplitFlag(arg, &name, &value, &has_value);

    // Flags without a value.
    if (name == "--stats" || name == "--no-fuel" || name == "--no-isolate") {
      if (has_value) return UsageError(name + ": takes no value");
      if (name == "--stats") flags.stats = true;
      if (name == "--no-fuel") flags.metering = false;
      if (name == "--no-isolate") flags.isolate = false;
      continue;
    }
    const bool takes_value =
        name == "--dir" || name == "--dir-ro" || name == "--env" ||
        name == "--fuel" || name == "--max-memory" || name == "--timeout" ||
        name == "--max-output" || name == "--max-input" ||
        name == "--cache-dir" || name == "--compile-timeout";
    if (!takes_value) {
      return UsageError("unknown flag " + Quoted(name) +
                        " (see airlock run --help)");
    }
    if (!has_value) {
      if (i + 1 >= args.size()) return UsageError(name + ": missing value");
      value = args[++i];
    }

    if (name == "--dir" || name == "--dir-ro") {
      absl::StatusOr<DirFlag> dir =
          ParseDirFlag(name, value, /*read_only=*/name == "--dir-ro");
      if (!dir.ok()) return dir.status();
      for (const DirFlag& other : flags.dirs) {
        if (other.guest_path == dir->guest_path) {
          return UsageError(name + ": guest path " + Quoted(dir->guest_path) +
                            " is granted twice");
        }
      }
      flags.dirs.push_back(*std::move(dir));
    } else if (name == "--env") {
      const size_t eq = value.find('=');
      if (eq == std::string::npos || eq == 0) {
        return UsageError("--env: invalid variable " + Quoted(value) +
                          " (use NAME=VALUE)");
      }
      std::string key = value.substr(0, eq);
      std::string val = value.substr(eq + 1);
      bool replaced = false;
      for (auto& [k, v] : flags.env) {
        if (k == key) {
          v = val;
          replaced = true;
        }
      }
      if (!replaced) flags.env.emplace_back(std::move(key), std::move(val));
    } else if (name == "--fuel") {
      absl::StatusOr<int64_t> fuel = policy::ParseCount(value, "fuel");
      if (!fuel.ok()) return flag_error(name, fuel.status());
      flags.fuel = *fuel;
      fuel_given = true;
    } else if (name == "--max-memory") {
      absl::StatusOr<uint64_t> size = policy::ParseByteSize(value);
      if (!size.ok()) return flag_error(name, size.status());
      flags.max_memory_bytes = *size;
    } else if (name == "--max-output" || name == "--max-input") {
      absl::StatusOr<uint64_t> size = policy::ParseByteSize(value);
      if (!size.ok()) return flag_error(name, size.status());
      if (name == "--max-output") {
        flags.max_output_bytes = *size;
      } else {
        flags.max_input_bytes = *size;
      }
    } else if (name == "--timeout") {
      absl::StatusOr<absl::Duration> timeout = policy::ParseDuration(value);
      if (!timeout.ok()) return flag_error(name, timeout.status());
      flags.timeout = *timeout;
    } else if (name == "--compile-timeout") {
      absl::StatusOr<absl::Duration> timeout = policy::ParseDuration(value);
      if (!timeout.ok()) return flag_error(name, timeout.status());
      flags.compile_timeout = *timeout;
    } else if (name == "--cache-dir") {
      if (value.empty()) return UsageError("--cache-dir: empty path");
      flags.cache_dir = value;
    }
  }
  if (fuel_given && !flags.metering) {
    return UsageError("--fuel and --no-fuel cannot be combined");
  }
  if (i >= args.size()) {
    return UsageError("missing MODULE.wasm (see airlock run --help)");
  }
  flags.module_path = args[i];
  flags.guest_args.assign(args.begin() + i + 1, args.end());
  return flags;
}

std::string DefaultCacheDir(
    const std::function<const char*(const char*)>& getenv_fn) {
  auto non_empty = [&](const char* name) -> const char* {
    const char* value = getenv_fn(name);
    return value != nullptr && value[0] != '\0' ? value : nullptr;
  };
  if (const char* dir = non_empty("AIRLOCK_CACHE_DIR")) return dir;
  if (const char* xdg = non_empty("XDG_CACHE_HOME")) {
    return std::string(xdg) + "/airlock";
  }
  if (const char* home = non_empty("HOME")) {
    return std::string(home) + "/.cache/airlock";
  }
  return "/tmp/airlock-cache";
}

std::string RunHelpText() {
  return R"(usage: airlock run [FLAGS] MODULE.wasm [ARGS...]

Compiles MODULE.wasm ahead of time (cached), runs its _start in a fresh
fuel-metered, memory-capped sandbox with WASI preview1, and exits with the
guest's exit code. ARGS are passed to the guest after argv[0] = MODULE.wasm.

flags:
  --dir HOST[::GUEST]     grant folder HOST read-write, seen by the guest at
                          GUEST (default: HOST as written)
  --dir-ro HOST[::GUEST]  the same, read-only
  --env NAME=VALUE        set a guest environment variable (the guest sees
                          no other variables)
  --fuel N                fuel limit, e.g. 1_000_000 (default: unlimited,
                          still counted); trap out_of_fuel when exhausted
  --no-fuel               compile without fuel metering (fastest)
  --max-memory SIZE       cap on all memories and tables together, e.g.
                          64MiB; units B, KiB, MiB, GiB (default: 256MiB)
  --timeout DURATION      wall-clock limit, e.g. 500ms, 5s, 2m (default:
                          none); trap timeout when exceeded
  --compile-timeout DURATION
                          wall-clock limit for compiling a module that is
                          not cached yet (default: 2m; not part of --timeout)
  --cache-dir DIR         compiled-module cache (default: $AIRLOCK_CACHE_DIR,
                          else $XDG_CACHE_HOME/airlock, else ~/.cache/airlock)
  --max-output SIZE       cap on stdout + stderr together, e.g. 1MiB; the
                          rest is cut and reported (default: unlimited)
  --max-input SIZE        stdin is read whole before an isolated run
                          starts; at most this much (default: 64MiB)
  --no-isolate            run in this process, not in a confined worker
                          (for debugging; stdin is then streamed)
  --stats                 print one JSON object of run statistics to stderr
  -h, --help              this help

exit status:
  0-125   the guest's exit code (a larger guest code is reported as 125)
  2       usage error (bad flag)
  126     the module cannot be run (unreadable, not Wasm, invalid,
          unsupported feature, unknown import, over the memory cap, ...)
  127     airlock itself failed (compile helper missing, cache unusable, ...)
  134     the guest trapped; stderr names the trap: "airlock: trap: <kind>"
  135     the worker process died; stderr says how:
          "airlock: worker lost: killed by SIGSYS"

See docs/cli.md for details.
)";
}

}  // namespace airlock::cli
