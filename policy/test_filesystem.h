// An in-memory Filesystem for policy tests: folders and files exist only
// when added. Test-only.
#ifndef AIRLOCK_POLICY_TEST_FILESYSTEM_H_
#define AIRLOCK_POLICY_TEST_FILESYSTEM_H_

#include <map>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "policy/filesystem.h"

namespace airlock::policy {

// The 8-byte header of a WebAssembly binary module.
inline std::string WasmHeader() { return std::string("\0asm\1\0\0\0", 8); }

class TestFilesystem : public Filesystem {
 public:
  void AddDir(const std::string& path) { dirs_.insert(path); }
  void AddFile(const std::string& path, std::string content) {
    files_[path] = std::move(content);
  }

  absl::StatusOr<Kind> Stat(const std::string& path) const override {
    if (dirs_.count(path) > 0) return Kind::kDirectory;
    if (files_.count(path) > 0) return Kind::kFile;
    return absl::NotFoundError(path + ": No such file or directory");
  }
  absl::StatusOr<std::string> ReadFile(const std::string& path,
                                       uint64_t max_bytes) const override {
    auto it = files_.find(path);
    if (it == files_.end()) {
      return absl::NotFoundError(path + ": No such file or directory");
    }
    if (it->second.size() > max_bytes) {
      return absl::ResourceExhaustedError(path + ": too large");
    }
    return it->second;
  }

 private:
  std::set<std::string> dirs_;
  std::map<std::string, std::string> files_;
};

}  // namespace airlock::policy

#endif  // AIRLOCK_POLICY_TEST_FILESYSTEM_H_
