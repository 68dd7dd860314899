#include "tests/wasi/wasi_test_spec.h"

#include "gtest/gtest.h"

namespace airlock::wasitest {
namespace {

using Env = std::vector<std::pair<std::string, std::string>>;

// Missing fields take the documented defaults.
TEST(ParseTestSpecTest, LegacyDefaults) {
  absl::StatusOr<TestSpec> spec = ParseTestSpec("{}");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_TRUE(spec->args.empty());
  EXPECT_TRUE(spec->env.empty());
  EXPECT_FALSE(spec->root.has_value());
  EXPECT_EQ(spec->exit_code, 0u);
  EXPECT_EQ(spec->expected_stdout, "");
  EXPECT_EQ(spec->expected_stderr, "");
  spec = ParseTestSpec(R"({"root": null})");
  ASSERT_TRUE(spec.ok());
  EXPECT_FALSE(spec->root.has_value());
}

TEST(ParseTestSpecTest, LegacyAllFields) {
  absl::StatusOr<TestSpec> spec = ParseTestSpec(R"({
    "args": ["first", "the \"second\" arg"],
    "env": {"a": "text", "c": "new\nline"},
    "root": "fs-tests.dir", "exit_code": 33,
    "stdout": "hello", "stderr": "oops"})");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->args,
            (std::vector<std::string>{"first", "the \"second\" arg"}));
  EXPECT_EQ(spec->env, (Env{{"a", "text"}, {"c", "new\nline"}}));
  EXPECT_EQ(spec->root, "fs-tests.dir");
  EXPECT_EQ(spec->exit_code, 33u);
  EXPECT_EQ(spec->expected_stdout, "hello");
  EXPECT_EQ(spec->expected_stderr, "oops");
}

TEST(ParseTestSpecTest, Operations) {
  absl::StatusOr<TestSpec> spec = ParseTestSpec(R"({"operations": [
    {"type": "run", "args": ["x"], "env": {"K": "V"}, "root": "r"},
    {"type": "read", "payload": "he"},
    {"type": "read", "id": "stdout", "payload": "llo"},
    {"type": "read", "id": "stderr", "payload": "e"},
    {"type": "wait", "exit_code": 3}]})");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->args, std::vector<std::string>{"x"});
  EXPECT_EQ(spec->env, (Env{{"K", "V"}}));
  EXPECT_EQ(spec->root, "r");
  EXPECT_EQ(spec->expected_stdout, "hello");
  EXPECT_EQ(spec->expected_stderr, "e");
  EXPECT_EQ(spec->exit_code, 3u);
}

// No operations: the default [run, wait].
TEST(ParseTestSpecTest, OperationsDefault) {
  absl::StatusOr<TestSpec> spec = ParseTestSpec(R"({"proposals": []})");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->exit_code, 0u);
}

// The specification's validation rules.
TEST(ParseTestSpecTest, RejectsInvalidSequences) {
  for (const char* text : {
           R"({"operations": [{"type": "run"}]})",
           R"({"operations": [{"type": "wait"}]})",
           R"({"operations": [{"type": "read"}, {"type": "run"},
                              {"type": "wait"}]})",
           R"({"operations": [{"type": "run"}, {"type": "run"}]})",
           R"({"operations": [{"type": "dance"}]})",
           R"({"operations": []})",
           R"({"args": "not-an-array"})",
           R"({"exit_code": -1})",
           R"([1, 2])",
           "{",
       }) {
    absl::StatusOr<TestSpec> spec = ParseTestSpec(text);
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(ParseTestSpecTest, UnsupportedProposalsAreUnimplemented) {
  EXPECT_EQ(ParseTestSpec(R"({"proposals": ["sockets"]})").status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(ParseTestSpec(R"({"operations": [{"type": "run"},
               {"type": "connect"}, {"type": "wait"}]})")
                .status()
                .code(),
            absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace airlock::wasitest
