// `airlock policy check|explain|hash-token` as an operator sees them: exact
// output lines and exit statuses, on policy files in a temporary folder.
#include "clients/cli/policy_command.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "clients/cli/run_command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace airlock::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Outcome {
  int status;
  std::string out;
  std::string err;
};

class PolicyCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/airlock_policy_cli.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::filesystem::create_directories(dir_ + "/data");
    std::filesystem::create_directories(dir_ + "/tools");
    std::ofstream(dir_ + "/tools/grep.wasm", std::ios::binary)
        << std::string("\0asm\1\0\0\0", 8);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  // A valid policy: acme may call grep (needs /data) but not json-fmt.
  std::string GoodPolicy() {
    return Write("good.yaml", R"(version: 1
defaults:
  limits: {fuel: 2_000_000_000, timeout: 5s}
tools:
  grep:
    module: tools/grep.wasm
    needs: {files: [/data]}
  json-fmt:
    module: sha256:0000000000000000000000000000000000000000000000000000000000000001
tenants:
  acme:
    credentials:
      - token_sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
      - unix_uid: 1000
    tools: [grep]
    grants:
      files: [{host: )" + dir_ + R"(/data, guest: /data}]
    limits: {timeout: 2s}
  other:
    tools: [json-fmt]
)");
  }

  Outcome Run(std::vector<std::string> args, std::string stdin_data = "") {
    Outcome o{0, "", ""};
    PolicyIo io;
    io.out = [&](std::string_view s) { o.out += s; };
    io.err = [&](std::string_view s) { o.err += s; };
    io.read_stdin = [&](std::string* data) {
      *data = stdin_data;
      return true;
    };
    o.status = PolicyCommand(args, io);
    return o;
  }

  std::string dir_;
};

TEST_F(PolicyCommandTest, CheckPrintsOneSummaryLineForAValidPolicy) {
  const Outcome o = Run({"check", GoodPolicy()});
  EXPECT_EQ(o.status, 0);
  EXPECT_EQ(o.out, "ok: 2 tenants, 2 tools\n");
  EXPECT_EQ(o.err, "");
}

// Every error, each as FILE:LINE:COL: error: ..., and exit 1.
TEST_F(PolicyCommandTest, CheckReportsEveryErrorAndExitsOne) {
  const std::string path = Write("bad.yaml", R"(version: 1
defaults:
  limits: {memory: 64MB, timeout: 5}
tenants:
  acme: {tools: [grepp], credentials: [{token_sha256: hunter2}]}
)");
  const Outcome o = Run({"check", path});
  EXPECT_EQ(o.status, kExitPolicyInvalid);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, path +
                       ":3:20: error: defaults.limits.memory: invalid size "
                       "\"64MB\" (use e.g. 64MiB)\n" +
                       path +
                       ":3:35: error: defaults.limits.timeout: invalid "
                       "duration \"5\" (use e.g. 5s, 500ms or 2m)\n" +
                       path +
                       ":5:18: error: tenants.acme.tools[0]: unknown tool "
                       "\"grepp\"\n" +
                       path +
                       ":5:55: error: tenants.acme.credentials[0]."
                       "token_sha256: expected 64 hex digits: the sha256 of "
                       "the token, not the token itself (make it with: "
                       "airlock policy hash-token)\n");
}

TEST_F(PolicyCommandTest, CheckOfAMissingFileNamesIt) {
  const Outcome o = Run({"check", dir_ + "/nope.yaml"});
  EXPECT_EQ(o.status, kExitPolicyInvalid);
  EXPECT_EQ(o.err, dir_ + "/nope.yaml:1:1: error: cannot read policy: " + dir_ +
                       "/nope.yaml: No such file or directory\n");
}

// Warnings are printed but pass, unless --strict.
TEST_F(PolicyCommandTest, StrictTurnsWarningsIntoFailure) {
  const std::string path = Write("warn.yaml", R"(version: 1
tools:
  t: {module: "sha256:0000000000000000000000000000000000000000000000000000000000000001"}
tenants:
  a: {tools: [t, "x-*"]}
)");
  Outcome o = Run({"check", path});
  EXPECT_EQ(o.status, 0);
  EXPECT_EQ(o.out, "ok: 1 tenant, 1 tool\n");
  EXPECT_EQ(o.err, path +
                       ":5:18: warning: tenants.a.tools[1]: glob \"x-*\" "
                       "matches no tool\n");
  o = Run({"check", "--strict", path});
  EXPECT_EQ(o.status, kExitPolicyInvalid);
  EXPECT_THAT(o.err, HasSubstr("warnings are errors with --strict"));
}

TEST_F(PolicyCommandTest, ExplainAllowedShowsRuleLimitsAndGrants) {
  const std::string path = GoodPolicy();
  const Outcome o =
      Run({"explain", path, "--tenant", "acme", "--tool", "grep"});
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_THAT(o.out, StartsWith("decision: allow\nreason:   tenant \"acme\" "
                                "may call \"grep\": tenants.acme.tools[0] (" +
                                path + ":15:13)\n"));
  EXPECT_THAT(o.out, HasSubstr("  timeout     2s             "
                               "tenants.acme.limits.timeout (" +
                               path + ":18:23)\n"));
  EXPECT_THAT(o.out, HasSubstr("  fuel        2_000_000_000  "
                               "defaults.limits.fuel"));
  EXPECT_THAT(o.out, HasSubstr("  input       1MiB           built-in "
                               "default\n"));
  EXPECT_THAT(o.out,
              HasSubstr("  folder /data = " + dir_ + "/data (read-only)"));
}

TEST_F(PolicyCommandTest, ExplainDeniedExitsFourWithTheReason) {
  const std::string path = GoodPolicy();
  Outcome o = Run({"explain", path, "--tenant", "acme", "--tool", "json-fmt"});
  EXPECT_EQ(o.status, kExitPolicyDenied);
  EXPECT_THAT(o.out,
              StartsWith("decision: deny (tool_not_allowed)\nreason:   deny "
                         "by default: tenant \"acme\" has no tools entry that "
                         "matches \"json-fmt\" tenants.acme (" +
                         path + ":11:3)\n"));
  o = Run({"explain", path, "--tenant", "nobody", "--tool", "grep"});
  EXPECT_EQ(o.status, kExitPolicyDenied);
  EXPECT_THAT(o.out, StartsWith("decision: deny (unknown_tenant)\n"));
}

// Credentials resolve the tenant the way the daemon will.
TEST_F(PolicyCommandTest, ExplainResolvesCredentials) {
  const std::string path = GoodPolicy();
  Outcome o =
      Run({"explain", path, "--token-stdin", "--tool", "grep"}, "test\n");
  EXPECT_EQ(o.status, 0) << o.out << o.err;
  EXPECT_THAT(o.out, HasSubstr("tenant \"acme\" may call \"grep\""));
  o = Run({"explain", path, "--uid", "1000", "--tool", "grep"});
  EXPECT_EQ(o.status, 0);
  o = Run({"explain", path, "--uid", "1001", "--tool", "grep"});
  EXPECT_EQ(o.status, kExitPolicyDenied);
  EXPECT_EQ(o.out,
            "decision: deny (unauthenticated)\nreason:   no tenant has uid "
            "1001 as a credential: unauthenticated\n");
}

TEST_F(PolicyCommandTest, ExplainJsonCarriesRequestNarrowing) {
  const std::string path = GoodPolicy();
  const Outcome o = Run({"explain", path, "--tenant", "acme", "--tool", "grep",
                         "--fuel", "1_000", "--json"});
  EXPECT_EQ(o.status, 0);
  EXPECT_THAT(o.out, HasSubstr("\"fuel\": {\n      \"source\": \"request\",\n"
                               "      \"value\": 1000\n"));
  EXPECT_THAT(o.out, HasSubstr("\"code\": \"allowed\""));
  EXPECT_THAT(o.out, HasSubstr("\"read_only\": true"));
}

TEST_F(PolicyCommandTest, ExplainUsageErrorsNameTheProblem) {
  const std::string path = GoodPolicy();
  EXPECT_EQ(Run({"explain", path, "--tool", "grep"}).err,
            "airlock: error: policy: explain: give exactly one of --tenant, "
            "--uid, --mtls-subject, --token-stdin\n");
  EXPECT_EQ(Run({"explain", path, "--tenant", "acme"}).err,
            "airlock: error: policy: explain: missing --tool\n");
  const Outcome o = Run({"explain", path, "--tenant", "acme", "--tool", "grep",
                         "--memory", "12MB"});
  EXPECT_EQ(o.status, kExitUsage);
  EXPECT_EQ(o.err,
            "airlock: error: policy: explain: --memory: invalid size \"12MB\" "
            "(use e.g. 64MiB)\n");
}

TEST_F(PolicyCommandTest, HashTokenHashesStdinWithoutTheNewline) {
  const std::string expected =
      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n";
  EXPECT_EQ(Run({"hash-token"}, "test\n").out, expected);
  EXPECT_EQ(Run({"hash-token"}, "test").out, expected);
  EXPECT_EQ(Run({"hash-token"}, "test\r\n").out, expected);
  const Outcome empty = Run({"hash-token"}, "\n");
  EXPECT_EQ(empty.status, kExitUsage);
  EXPECT_EQ(empty.err, "airlock: error: policy: empty token on stdin\n");
  EXPECT_EQ(Run({"hash-token", "secret"}).status, kExitUsage);
}

TEST_F(PolicyCommandTest, UnknownSubcommandIsAUsageError) {
  const Outcome o = Run({"chek", GoodPolicy()});
  EXPECT_EQ(o.status, kExitUsage);
  EXPECT_EQ(o.err,
            "airlock: error: policy: unknown command \"chek\" (see airlock "
            "policy --help)\n");
}

}  // namespace
}  // namespace airlock::cli
