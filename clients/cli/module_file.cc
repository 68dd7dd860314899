#include "clients/cli/module_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "absl/status/status.h"

namespace airlock::cli {
namespace {

std::string Quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> ReadModuleFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError("cannot read " + Quoted(path) + ": " +
                               std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const bool is_dir = S_ISDIR(st.st_mode);
    close(fd);
    return absl::InvalidArgumentError(
        Quoted(path) + (is_dir ? " is a folder, not a Wasm module"
                               : " is not a regular file"));
  }
  if (st.st_size > kMaxModuleBytes) {
    close(fd);
    return absl::InvalidArgumentError(Quoted(path) +
                                      " is too large (over 1 GiB)");
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return absl::NotFoundError("cannot read " + Quoted(path) + ": " +
                                 std::strerror(error));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  close(fd);
  bytes.resize(done);
  return bytes;
}

}  // namespace airlock::cli
