// Reading a module file for the `airlock` commands (run, inspect), with
// errors that name the file and say what it is instead.
#ifndef AIRLOCK_CLIENTS_CLI_MODULE_FILE_H_
#define AIRLOCK_CLIENTS_CLI_MODULE_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace airlock::cli {

// Largest module we read; real modules are a few tens of MB at most.
inline constexpr int64_t kMaxModuleBytes = int64_t{1} << 30;

// The whole file. NotFound "cannot read "PATH": <strerror>" when it cannot
// be opened or read; InvalidArgument when it is a folder, not a regular
// file, or over kMaxModuleBytes.
absl::StatusOr<std::vector<uint8_t>> ReadModuleFile(const std::string& path);

}  // namespace airlock::cli

#endif  // AIRLOCK_CLIENTS_CLI_MODULE_FILE_H_
