#include "policy/filesystem.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace airlock::policy {

namespace {

absl::Status ErrnoStatus(int error, const std::string& path) {
  const std::string message = absl::StrCat(path, ": ", std::strerror(error));
  switch (error) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::UnavailableError(message);
  }
}

class PosixFilesystem : public Filesystem {
 public:
  absl::StatusOr<Kind> Stat(const std::string& path) const override {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return ErrnoStatus(errno, path);
    if (S_ISDIR(st.st_mode)) return Kind::kDirectory;
    if (S_ISREG(st.st_mode)) return Kind::kFile;
    return Kind::kOther;
  }

  absl::StatusOr<std::string> ReadFile(const std::string& path,
                                       uint64_t max_bytes) const override {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return ErrnoStatus(errno, path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
      const int error = errno;
      close(fd);
      return ErrnoStatus(error, path);
    }
    if (!S_ISREG(st.st_mode)) {
      close(fd);
      return absl::InvalidArgumentError(absl::StrCat(path, ": not a file"));
    }
    if (static_cast<uint64_t>(st.st_size) > max_bytes) {
      close(fd);
      return absl::ResourceExhaustedError(absl::StrCat(
          path, ": larger than ", max_bytes, " bytes (", st.st_size, ")"));
    }
    std::string data;
    char buffer[65536];
    while (true) {
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int error = errno;
        close(fd);
        return ErrnoStatus(error, path);
      }
      if (n == 0) break;
      data.append(buffer, static_cast<size_t>(n));
      if (data.size() > max_bytes) {
        close(fd);
        return absl::ResourceExhaustedError(
            absl::StrCat(path, ": larger than ", max_bytes, " bytes"));
      }
    }
    close(fd);
    return data;
  }
};

}  // namespace

const Filesystem& RealFilesystem() {
  // Stateless; a function-local constant, not mutable global state.
  static const PosixFilesystem kFilesystem;
  return kFilesystem;
}

}  // namespace airlock::policy
