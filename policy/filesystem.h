// The filesystem as policy validation sees it: does a host folder exist, can
// a tool module be read. An interface so tests can replace it.
#ifndef AIRLOCK_POLICY_FILESYSTEM_H_
#define AIRLOCK_POLICY_FILESYSTEM_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace airlock::policy {

class Filesystem {
 public:
  enum class Kind { kDirectory, kFile, kOther };
  virtual ~Filesystem() = default;
  // The kind of `path` (symlinks followed); NotFound / PermissionDenied /
  // ... with the OS's reason otherwise.
  virtual absl::StatusOr<Kind> Stat(const std::string& path) const = 0;
  // The whole file; an error naming why when it cannot be read or is
  // larger than `max_bytes`.
  virtual absl::StatusOr<std::string> ReadFile(const std::string& path,
                                               uint64_t max_bytes) const = 0;
};

// The process's real filesystem.
const Filesystem& RealFilesystem();

}  // namespace airlock::policy

#endif  // AIRLOCK_POLICY_FILESYSTEM_H_
