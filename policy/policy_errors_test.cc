// Validation: a table of bad policies, each with the exact diagnostics
// `airlock policy check` prints (FILE:LINE:COL: error: message). Every
// error is reported, not only the first.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "policy/policy.h"
#include "policy/test_filesystem.h"

namespace airlock::policy {
namespace {

// Head of a valid policy that cases extend; one tool `t`, one tenant `a`.
constexpr char kDigest[] =
    "sha256:0000000000000000000000000000000000000000000000000000000000000001";

struct BadPolicy {
  const char* name;
  std::string yaml;
  std::string expected;  // every diagnostic, one per line
};

void PrintTo(const BadPolicy& bad, std::ostream* os) { *os << bad.name; }

std::string Tool(const std::string& extra = "") {
  return std::string("tools:\n  t:\n    module: ") + kDigest + "\n" + extra;
}

std::vector<BadPolicy> Cases() {
  return {
      {"yaml_syntax", "version: 1\ntools: [a, b\n",
       "p.yaml:3:1: error: invalid YAML: end of sequence flow not found\n"},
      {"empty", "",
       "p.yaml:1:1: error: empty policy (expected a mapping with version: "
       "1)\n"},
      {"root_is_list", "- a\n- b\n",
       "p.yaml:1:1: error: expected a mapping, got a list\n"},
      {"missing_version", Tool() + "tenants: {a: {tools: [t]}}\n",
       "p.yaml:1:1: error: missing key \"version\" (write version: 1)\n"},
      {"version_2", "version: 2\n" + Tool() + "tenants: {a: {tools: [t]}}\n",
       "p.yaml:1:10: error: version: unsupported policy version \"2\" (this "
       "airlock reads version 1)\n"},
      {"unknown_top_key", "version: 1\ntenant: {}\n",
       "p.yaml:1:1: warning: no tenants: every call will be denied\n"
       "p.yaml:2:1: error: unknown key \"tenant\" (did you mean "
       "\"tenants\"?)\n"},
      {"duplicate_top_key", "version: 1\nversion: 1\ntenants: {}\n",
       "p.yaml:2:1: error: duplicate key \"version\" (first at line 1)\n"},
      {"duplicate_tool",
       "version: 1\n" + Tool() + "  t:\n    module: " + kDigest +
           "\ntenants: {a: {tools: [t]}}\n",
       "p.yaml:5:3: error: tools: duplicate key \"t\" (first at line 3)\n"},
      {"duplicate_tenant",
       "version: 1\n" + Tool() + "tenants:\n  a: {tools: [t]}\n  a: {}\n",
       "p.yaml:7:3: error: tenants: duplicate key \"a\" (first at line 6)\n"},
      {"bad_limit_values",
       "version: 1\ndefaults:\n  limits:\n    fuel: 1e9\n    memory: 64MB\n"
       "    timeout: 5\n    rate: 100/day\n    concurrency: 0\n"
       "    output: 0\n    input: 2GiB\n    walltime: 5s\n",
       "p.yaml:1:1: warning: no tenants: every call will be denied\n"
       "p.yaml:4:11: error: defaults.limits.fuel: invalid fuel \"1e9\" (use a "
       "whole number, e.g. 1_000_000)\n"
       "p.yaml:5:13: error: defaults.limits.memory: invalid size \"64MB\" (use "
       "e.g. 64MiB)\n"
       "p.yaml:6:14: error: defaults.limits.timeout: invalid duration \"5\" "
       "(use e.g. 5s, 500ms or 2m)\n"
       "p.yaml:7:11: error: defaults.limits.rate: invalid rate \"100/day\" "
       "(use e.g. 100/s, 6000/min or unlimited)\n"
       "p.yaml:8:18: error: defaults.limits.concurrency: concurrency must be "
       "between 1 and 1000000\n"
       "p.yaml:9:13: error: defaults.limits.output: invalid size \"0\" (must "
       "be greater than 0)\n"
       "p.yaml:10:12: error: defaults.limits.input: input must be at most "
       "1GiB\n"
       "p.yaml:11:5: error: defaults.limits: unknown key \"walltime\" "
       "(expected one of: fuel, memory, timeout, output, input, concurrency, "
       "rate)\n"},
      {"limit_ranges",
       "version: 1\ndefaults: {limits: {fuel: 0, memory: 4KiB, timeout: 25h}}\n"
       "tenants: {}\n",
       "p.yaml:2:27: error: defaults.limits.fuel: fuel must be greater than 0 "
       "(a call with no fuel cannot run)\n"
       "p.yaml:2:38: error: defaults.limits.memory: memory must be at least "
       "64KiB (one WebAssembly page)\n"
       "p.yaml:2:53: error: defaults.limits.timeout: timeout must be at most "
       "24h\n"},
      {"tool_problems",
       "version: 1\ntools:\n"
       "  no-module: {description: x}\n"
       "  \"bad name\": {module: " +
           std::string(kDigest) +
           "}\n"
           "  missing: {module: tools/missing.wasm}\n"
           "  notwasm: {module: tools/readme.txt}\n"
           "  digest: {module: \"sha256:abc\"}\n"
           "  schema: {module: " +
           kDigest +
           ", input_schema: {type: string}}\n"
           "  schema2: {module: " +
           kDigest +
           ", output_schema: [1]}\n"
           "  args: {module: " +
           kDigest +
           ", args: --json}\n"
           "  unknown: {module: " +
           kDigest +
           ", need: {}}\n"
           "tenants:\n  a: {tools: ['*']}\n",
       "p.yaml:3:14: error: tools.no-module: missing key \"module\" (a .wasm "
       "path or sha256:...)\n"
       "p.yaml:4:3: error: tools: invalid tool name \"bad name\" (use 1-64 "
       "letters, digits, _ or -: tool names are handed to models as function "
       "names)\n"
       "p.yaml:5:21: error: tools.missing.module: cannot read module: "
       "/etc/airlock/tools/missing.wasm: No such file or directory\n"
       "p.yaml:6:21: error: tools.notwasm.module: module "
       "/etc/airlock/tools/readme.txt is not a WebAssembly binary module (bad "
       "header)\n"
       "p.yaml:7:20: error: tools.digest.module: invalid module digest "
       "\"sha256:abc\" (use sha256: followed by 64 hex digits)\n"
       "p.yaml:8:107: error: tools.schema.input_schema: must have type: object "
       "(models pass tool arguments as a JSON object)\n"
       "p.yaml:9:109: error: tools.schema2.output_schema: expected a JSON "
       "Schema mapping, got a list\n"
       "p.yaml:10:97: error: tools.args.args: expected a list of strings, got "
       "a string\n"
       "p.yaml:11:94: error: tools.unknown: unknown key \"need\" (did you mean "
       "\"needs\"?)\n"},
      {"needs_problems",
       Tool("    needs:\n      files: [data, /a/../b, {path: /x, mode: "
            "write}, /d, /d/e, {mode: ro}]\n      env: [LANG, 1BAD, LANG]\n"
            "      network: true\n") +
           "version: 1\ntenants: {}\n",
       "p.yaml:2:3: warning: tools.t: no tenant may call this tool\n"
       "p.yaml:5:15: error: tools.t.needs.files[0]: guest path \"data\" must "
       "be absolute and normalised (no ., .., // or trailing /)\n"
       "p.yaml:5:21: error: tools.t.needs.files[1]: guest path \"/a/../b\" "
       "must be absolute and normalised (no ., .., // or trailing /)\n"
       "p.yaml:5:47: error: tools.t.needs.files[2].mode: invalid mode "
       "\"write\" (use ro for read-only or rw for read-write)\n"
       "p.yaml:5:59: error: tools.t.needs.files[4]: \"/d/e\" overlaps "
       "tools.t.needs.files[3] (\"/d\", line 5)\n"
       "p.yaml:5:65: error: tools.t.needs.files[5]: missing key \"path\"\n"
       "p.yaml:6:19: error: tools.t.needs.env[1]: invalid environment "
       "variable name \"1BAD\"\n"
       "p.yaml:6:25: error: tools.t.needs.env[2]: LANG is listed twice\n"
       "p.yaml:7:7: error: tools.t.needs: unknown key \"network\" (expected "
       "one of: files, env)\n"},
      {"tenant_problems",
       "version: 1\n" + Tool() +
           "tenants:\n"
           "  \"a b\": {}\n"
           "  c:\n"
           "    credentials:\n"
           "      - token_sha256: my-plaintext-token\n"
           "      - {unix_uid: 1000, mtls_subject: CN=x}\n"
           "      - unix_uid: -1\n"
           "      - mtls_subject: ''\n"
           "      - password: x\n"
           "    tools: [t, tt, t, 'nomatch-*']\n"
           "    toolz: []\n",
       "p.yaml:6:3: error: tenants: invalid tenant name \"a b\" (use 1-64 "
       "letters, digits, _, - or .)\n"
       "p.yaml:6:3: warning: tenants.a b: no tools listed; every call will be "
       "denied\n"
       "p.yaml:9:23: error: tenants.c.credentials[0].token_sha256: expected "
       "64 hex digits: the sha256 of the token, not the token itself (make it "
       "with: airlock policy hash-token)\n"
       "p.yaml:10:9: error: tenants.c.credentials[1]: each credential has "
       "exactly one key (token_sha256, mtls_subject or unix_uid); write one "
       "list item per credential\n"
       "p.yaml:11:19: error: tenants.c.credentials[2].unix_uid: invalid uid "
       "\"-1\" (a number from 0 to 4294967294)\n"
       "p.yaml:12:23: error: tenants.c.credentials[3].mtls_subject: empty "
       "subject\n"
       "p.yaml:13:9: error: tenants.c.credentials[4]: unknown key "
       "\"password\" (expected one of: token_sha256, mtls_subject, "
       "unix_uid)\n"
       "p.yaml:14:16: error: tenants.c.tools[1]: unknown tool \"tt\" (did you "
       "mean \"t\"?)\n"
       "p.yaml:14:20: error: tenants.c.tools[2]: \"t\" is listed twice\n"
       "p.yaml:14:23: warning: tenants.c.tools[3]: glob \"nomatch-*\" matches "
       "no tool\n"
       "p.yaml:15:5: error: tenants.c: unknown key \"toolz\" (did you mean "
       "\"tools\"?)\n"},
      {"credential_reuse",
       "version: 1\n" + Tool() +
           "tenants:\n"
           "  a: {tools: [t], credentials: [{unix_uid: 7}, {unix_uid: 7}]}\n"
           "  b: {tools: [t], credentials: [{unix_uid: 7}, {token_sha256: "
           "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08}"
           "]}\n"
           "  c: {tools: [t], credentials: [{token_sha256: "
           "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08}"
           "]}\n",
       "p.yaml:6:59: error: tenants.a.credentials[1].unix_uid: the same uid "
       "is listed twice (first at tenants.a.credentials[0].unix_uid, line "
       "6)\n"
       "p.yaml:7:44: error: tenants.b.credentials[0].unix_uid: this uid "
       "already identifies tenant \"a\" (tenants.a.credentials[0].unix_uid, "
       "line 6); a credential must resolve to one tenant\n"
       "p.yaml:8:48: error: tenants.c.credentials[0].token_sha256: this token "
       "already identifies tenant \"b\" "
       "(tenants.b.credentials[1].token_sha256, line 7); a credential must "
       "resolve to one tenant\n"},
      {"grant_problems",
       "version: 1\n" + Tool() +
           "tenants:\n"
           "  a:\n"
           "    tools: [t]\n"
           "    grants:\n"
           "      files:\n"
           "        - {guest: /x}\n"
           "        - {host: srv/data}\n"
           "        - {host: /nope}\n"
           "        - {host: /srv/file.txt}\n"
           "        - {host: /}\n"
           "        - {host: /srv/a, guest: /a, mode: rwx}\n"
           "        - {host: /srv/a, guest: /a}\n"
           "        - {host: /srv/a/sub, guest: /sub}\n"
           "        - {host: /srv/b, guest: /a/b}\n"
           "        - {host: /srv/b/}\n"
           "      env: {LANG: C.UTF-8, 'BAD-NAME': x, LIST: [1]}\n",
       "p.yaml:10:11: error: tenants.a.grants.files[0]: missing key \"host\" "
       "(the host folder to grant)\n"
       "p.yaml:11:18: error: tenants.a.grants.files[1].host: host path "
       "\"srv/data\" must be absolute and normalised (no ., .., // or trailing "
       "/)\n"
       "p.yaml:12:18: error: tenants.a.grants.files[2].host: host folder does "
       "not exist or cannot be used: /nope: No such file or directory\n"
       "p.yaml:13:18: error: tenants.a.grants.files[3].host: host path "
       "/srv/file.txt is not a folder\n"
       "p.yaml:14:18: error: tenants.a.grants.files[4].host: granting / would "
       "expose the whole host; grant a folder\n"
       "p.yaml:15:43: error: tenants.a.grants.files[5].mode: invalid mode "
       "\"rwx\" (use ro for read-only or rw for read-write)\n"
       "p.yaml:17:18: error: tenants.a.grants.files[7].host: \"/srv/a/sub\" "
       "overlaps tenants.a.grants.files[6] (\"/srv/a\", line 16); grant each "
       "host folder once\n"
       "p.yaml:18:33: error: tenants.a.grants.files[8].guest: guest path "
       "\"/a/b\" overlaps tenants.a.grants.files[6] (\"/a\", line 16)\n"
       "p.yaml:19:18: error: tenants.a.grants.files[9].host: host path "
       "\"/srv/b/\" must be absolute and normalised (no ., .., // or trailing "
       "/)\n"
       "p.yaml:20:28: error: tenants.a.grants.env: invalid environment "
       "variable name \"BAD-NAME\"\n"
       "p.yaml:20:49: error: tenants.a.grants.env.LIST: expected a string, "
       "got a list\n"},
      {"variables",
       "version: 1\ntools:\n  t: {module: \"${TOOLS}/t.wasm\"}\n"
       "  u: {module: \"${TOOLS/u.wasm\"}\n"
       "tenants:\n  a:\n    tools: [t, u]\n"
       "    grants: {files: [{host: '${DATA}/a'}, {host: '${9}'}]}\n",
       "p.yaml:3:15: error: tools.t.module: environment variable TOOLS is not "
       "set\n"
       "p.yaml:4:15: error: tools.u.module: unterminated ${ in "
       "\"${TOOLS/u.wasm\" (write ${NAME})\n"
       "p.yaml:8:29: error: tenants.a.grants.files[0].host: environment "
       "variable DATA is not set\n"
       "p.yaml:8:50: error: tenants.a.grants.files[1].host: invalid variable "
       "name \"9\" in \"${9}\"\n"},
      // A tool that is not a mapping, still named in an allowlist.
      {"tool_not_a_mapping",
       "version: 1\ntools:\n  a:\ntenants:\n  t: {tools: [a]}\n",
       "p.yaml:3:3: error: tools.a: expected a mapping, got null\n"},
      {"wrong_types",
       "version: 1\ntools: [a, b]\ntenants:\n  a: yes\n  b: {tools: t, "
       "credentials: {unix_uid: 1}, grants: []}\n",
       "p.yaml:2:8: error: tools: expected a mapping, got a list\n"

       "p.yaml:4:6: error: tenants.a: expected a mapping, got a string\n"
       "p.yaml:5:14: error: tenants.b.tools: expected a list of tool names or "
       "globs, got a string\n"
       "p.yaml:5:30: error: tenants.b.credentials: expected a list of "
       "credentials, got a mapping\n"
       "p.yaml:5:53: error: tenants.b.grants: expected a mapping, got a "
       "list\n"},
      {"alias_cycle_and_merge_keys",
       "version: 1\nbase: &b {fuel: 1}\ndefaults:\n  limits:\n    <<: *b\n"
       "tenants: {}\n",
       "p.yaml:2:1: error: unknown key \"base\" (expected one of: version, "
       "defaults, tools, tenants)\n"
       "p.yaml:5:5: error: defaults.limits: unknown key \"<<\" (YAML merge "
       "keys are not supported)\n"},
      {"alias_self_reference", "version: 1\ntenants: &t [*t]\n",
       "p.yaml:2:14: error: invalid YAML: an alias may not refer to a node "
       "containing it\n"},
      {"two_documents", "version: 1\ntenants: {}\n---\nversion: 1\n",
       "p.yaml:1:1: error: invalid YAML: a policy file holds one YAML "
       "document; found a second\n"},
      {"invalid_utf8",
       "version: 1\ntools:\n  t:\n    module: x\n    description: "
       "\"caf\xe9\"\n",
       "p.yaml:5:18: error: invalid YAML: a string is not valid UTF-8\n"},
      {"surrogate_escape", "version: 1\ntenants: {\"\\uD800\": {}}\n",
       "p.yaml:2:18: error: invalid YAML: invalid unicode: 55296\n"},
      {"nul_byte", std::string("version: 1\ntenants: {}\n\0junk", 28),
       "p.yaml:3:1: error: invalid YAML: the policy file contains a NUL "
       "byte\n"},
  };
}

class BadPolicyTest : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(BadPolicyTest, ReportsEveryErrorAtItsLocation) {
  TestFilesystem fs;
  fs.AddDir("/srv/a");
  fs.AddDir("/srv/a/sub");
  fs.AddDir("/srv/b");
  fs.AddFile("/srv/file.txt", "x");
  fs.AddFile("/etc/airlock/tools/readme.txt", "not wasm");
  LoadOptions options;
  options.filesystem = &fs;
  options.getenv = [](const char*) -> const char* { return nullptr; };
  const BadPolicy& bad = GetParam();
  LoadResult result =
      LoadPolicyText(bad.yaml, "p.yaml", "/etc/airlock", options);
  EXPECT_EQ(result.ToString(), bad.expected) << bad.yaml;
  EXPECT_FALSE(result.ok());
}

INSTANTIATE_TEST_SUITE_P(Table, BadPolicyTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<BadPolicy>& info) {
                           return std::string(info.param.name);
                         });

// Depth and size bombs get an error, not a crash or an exhausted machine.
TEST(HostileYamlTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "version: 1\ntenants: " + std::string(100000, '[');
  LoadResult result = LoadPolicyText(deep, "p.yaml", "/");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.ToString().find("p.yaml:"), std::string::npos);
}

TEST(HostileYamlTest, AliasBombIsRefused) {
  std::string yaml = "version: 1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) {
      yaml += (j ? ", *a" : "*a") + std::to_string(i - 1);
    }
    yaml += "]\n";
  }
  LoadResult result = LoadPolicyText(yaml, "p.yaml", "/");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.ToString().find("the document is too large"),
            std::string::npos)
      << result.ToString();
}

}  // namespace
}  // namespace airlock::policy
