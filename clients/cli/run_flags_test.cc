#include "clients/cli/run_flags.h"

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace airlock::cli {
namespace {

absl::StatusOr<RunFlags> Parse(std::vector<std::string> args) {
  return ParseRunFlags(args);
}

std::string ErrorOf(std::vector<std::string> args) {
  absl::StatusOr<RunFlags> flags = Parse(std::move(args));
  EXPECT_FALSE(flags.ok());
  return flags.ok() ? "" : std::string(flags.status().message());
}

// Without flags: documented defaults (unlimited but metered fuel, 256 MiB,
// no timeout) and argv after the module passed through.
TEST(ParseRunFlagsTest, DefaultsAndGuestArgs) {
  absl::StatusOr<RunFlags> flags =
      Parse({"tool.wasm", "--fuel", "x", "-v", "--"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->module_path, "tool.wasm");
  EXPECT_EQ(flags->guest_args,
            (std::vector<std::string>{"--fuel", "x", "-v", "--"}));
  EXPECT_FALSE(flags->fuel.has_value());
  EXPECT_TRUE(flags->metering);
  EXPECT_EQ(flags->max_memory_bytes, 256u << 20);
  EXPECT_EQ(flags->timeout, absl::InfiniteDuration());
  EXPECT_EQ(flags->compile_timeout, absl::Seconds(120));
  EXPECT_FALSE(flags->stats);
  EXPECT_TRUE(flags->dirs.empty());
  EXPECT_TRUE(flags->env.empty());
}

TEST(ParseRunFlagsTest, AllFlagsBothSpellings) {
  absl::StatusOr<RunFlags> flags = Parse({"--dir",
                                          "/tmp/a",
                                          "--dir-ro=/tmp/b::/data",
                                          "--env",
                                          "A=1",
                                          "--env=B=x=y",
                                          "--env",
                                          "A=2",
                                          "--fuel=1_000",
                                          "--max-memory",
                                          "1MiB",
                                          "--timeout=250ms",
                                          "--cache-dir",
                                          "/c",
                                          "--stats",
                                          "--compile-timeout",
                                          "10m",
                                          "--",
                                          "-m.wasm",
                                          "arg"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  ASSERT_EQ(flags->dirs.size(), 2u);
  EXPECT_EQ(flags->dirs[0].host_path, "/tmp/a");
  EXPECT_EQ(flags->dirs[0].guest_path, "/tmp/a");
  EXPECT_FALSE(flags->dirs[0].read_only);
  EXPECT_EQ(flags->dirs[1].host_path, "/tmp/b");
  EXPECT_EQ(flags->dirs[1].guest_path, "/data");
  EXPECT_TRUE(flags->dirs[1].read_only);
  // A repeated name keeps its first position and its last value.
  EXPECT_EQ(flags->env, (std::vector<std::pair<std::string, std::string>>{
                            {"A", "2"}, {"B", "x=y"}}));
  EXPECT_EQ(flags->fuel, 1000);
  EXPECT_EQ(flags->max_memory_bytes, 1u << 20);
  EXPECT_EQ(flags->timeout, absl::Milliseconds(250));
  EXPECT_EQ(flags->cache_dir, "/c");
  EXPECT_EQ(flags->compile_timeout, absl::Minutes(10));
  EXPECT_TRUE(flags->stats);
  EXPECT_EQ(flags->module_path, "-m.wasm");
  EXPECT_EQ(flags->guest_args, std::vector<std::string>{"arg"});
}

TEST(ParseRunFlagsTest, NoFuel) {
  absl::StatusOr<RunFlags> flags = Parse({"--no-fuel", "m.wasm"});
  ASSERT_TRUE(flags.ok());
  EXPECT_FALSE(flags->metering);
  EXPECT_EQ(ErrorOf({"--no-fuel", "--fuel", "5", "m.wasm"}),
            "--fuel and --no-fuel cannot be combined");
}

// Isolation is the default; output is unlimited and input capped at 64 MiB
// unless the flags say otherwise.
TEST(ParseRunFlagsTest, IsolationAndStreamCaps) {
  absl::StatusOr<RunFlags> flags = Parse({"m.wasm"});
  ASSERT_TRUE(flags.ok());
  EXPECT_TRUE(flags->isolate);
  EXPECT_FALSE(flags->max_output_bytes.has_value());
  EXPECT_EQ(flags->max_input_bytes, 64u << 20);
  flags = Parse(
      {"--no-isolate", "--max-output", "1MiB", "--max-input=4KiB", "m.wasm"});
  ASSERT_TRUE(flags.ok());
  EXPECT_FALSE(flags->isolate);
  EXPECT_EQ(flags->max_output_bytes, 1u << 20);
  EXPECT_EQ(flags->max_input_bytes, 4u << 10);
  EXPECT_EQ(ErrorOf({"--max-output", "1MB", "m.wasm"}),
            "--max-output: invalid size \"1MB\" (use e.g. 64MiB)");
  EXPECT_EQ(ErrorOf({"--no-isolate=yes", "m.wasm"}),
            "--no-isolate: takes no value");
}

TEST(ParseRunFlagsTest, Help) {
  absl::StatusOr<RunFlags> flags = Parse({"--stats", "--help", "--bogus"});
  ASSERT_TRUE(flags.ok());
  EXPECT_TRUE(flags->help);
}

// Each bad flag gives one message that names the flag and the fix.
TEST(ParseRunFlagsTest, ErrorMessages) {
  EXPECT_EQ(ErrorOf({"--max-memory", "64XB", "m.wasm"}),
            "--max-memory: invalid size \"64XB\" (use e.g. 64MiB)");
  EXPECT_EQ(ErrorOf({"--timeout=5", "m.wasm"}),
            "--timeout: invalid duration \"5\" (use e.g. 5s, 500ms or 2m)");
  EXPECT_EQ(ErrorOf({"--fuel", "lots", "m.wasm"}),
            "--fuel: invalid fuel \"lots\" (use a whole number, e.g. "
            "1_000_000)");
  EXPECT_EQ(ErrorOf({"--fuel"}), "--fuel: missing value");
  EXPECT_EQ(ErrorOf({"--compile-timeout", "0s", "m.wasm"}),
            "--compile-timeout: invalid duration \"0s\" (must be greater "
            "than 0)");
  EXPECT_EQ(ErrorOf({"--frobnicate", "m.wasm"}),
            "unknown flag \"--frobnicate\" (see airlock run --help)");
  EXPECT_EQ(ErrorOf({"-x", "m.wasm"}),
            "unknown flag \"-x\" (see airlock run --help)");
  EXPECT_EQ(ErrorOf({"--stats=yes", "m.wasm"}), "--stats: takes no value");
  EXPECT_EQ(ErrorOf({"--env", "NOVALUE", "m.wasm"}),
            "--env: invalid variable \"NOVALUE\" (use NAME=VALUE)");
  EXPECT_EQ(ErrorOf({"--env", "=v", "m.wasm"}),
            "--env: invalid variable \"=v\" (use NAME=VALUE)");
  EXPECT_EQ(ErrorOf({"--dir", "::/x", "m.wasm"}),
            "--dir: invalid folder grant \"::/x\" (use HOST or HOST::GUEST)");
  EXPECT_EQ(ErrorOf({"--dir-ro", "/a::", "m.wasm"}),
            "--dir-ro: invalid folder grant \"/a::\" (use HOST or "
            "HOST::GUEST)");
  EXPECT_EQ(ErrorOf({"--dir", "/a::/d", "--dir-ro", "/b::/d", "m.wasm"}),
            "--dir-ro: guest path \"/d\" is granted twice");
  EXPECT_EQ(ErrorOf({"--cache-dir=", "m.wasm"}), "--cache-dir: empty path");
  EXPECT_EQ(ErrorOf({"--stats"}),
            "missing MODULE.wasm (see airlock run --help)");
  EXPECT_EQ(ErrorOf({}), "missing MODULE.wasm (see airlock run --help)");
}

TEST(DefaultCacheDirTest, Precedence) {
  std::map<std::string, std::string> env;
  auto lookup = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_EQ(DefaultCacheDir(lookup), "/tmp/airlock-cache");
  env["HOME"] = "/home/u";
  EXPECT_EQ(DefaultCacheDir(lookup), "/home/u/.cache/airlock");
  env["XDG_CACHE_HOME"] = "/xdg";
  EXPECT_EQ(DefaultCacheDir(lookup), "/xdg/airlock");
  env["AIRLOCK_CACHE_DIR"] = "";  // empty counts as unset
  EXPECT_EQ(DefaultCacheDir(lookup), "/xdg/airlock");
  env["AIRLOCK_CACHE_DIR"] = "/explicit";
  EXPECT_EQ(DefaultCacheDir(lookup), "/explicit");
}

}  // namespace
}  // namespace airlock::cli
