// A wasi-testsuite test's specification (the JSON file beside foo.wasm), as
// ../shared/testsuites/WASI-TEST-SPECIFICATION.md defines it: the legacy
// form ({"args", "env", "root", "exit_code", "stdout", "stderr"}) and the
// operation-based form ({"proposals", "operations": [run, read, wait, ...]}),
// both reduced to one run with its expectations.
#ifndef AIRLOCK_TESTS_WASI_WASI_TEST_SPEC_H_
#define AIRLOCK_TESTS_WASI_WASI_TEST_SPEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace airlock::wasitest {

struct TestSpec {
  std::vector<std::string> args;                         // after argv[0]
  std::vector<std::pair<std::string, std::string>> env;  // the whole env
  // Folder, relative to the test's folder, preopened as the guest's "/".
  std::optional<std::string> root;
  uint32_t exit_code = 0;
  // Whole expected output of each stream (operation-based specs: the
  // concatenated payloads of its `read` operations).
  std::string expected_stdout;
  std::string expected_stderr;
};

// Parses a specification file's text. InvalidArgument for malformed JSON,
// wrong field types or an operation sequence the spec's validation rules
// reject; Unimplemented for what this runner cannot do (proposals such as
// sockets/http, connect/send/recv, more than one run).
absl::StatusOr<TestSpec> ParseTestSpec(std::string_view json_text);

}  // namespace airlock::wasitest

#endif  // AIRLOCK_TESTS_WASI_WASI_TEST_SPEC_H_
