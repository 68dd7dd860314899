// file_write: writes or appends text to a file under /scratch.
//
// Arguments (manifest.json has the schema):
//   path         absolute, or relative to /scratch; normalised lexically
//                (guest/lib/files/files.h): anything outside /scratch (e.g.
//                /workspace) is permission_denied
//   content      the text to write, at most 1 MiB as UTF-8
//   append       add content to the end of the file, creating it if missing
//                (default false: replace the file's content)
//   create_dirs  create missing parent folders first (default false: a
//                missing parent folder is not_found)
//   overwrite    when not appending and the file exists: replace it (true,
//                the default) or fail with already_exists (false)
// Result: {"path", "bytes_written", "created"}; created is true when the file
// did not exist before the call.
//
// Replacing is atomic: the content goes to a temporary file in the same
// folder (".airlock-write-<random>"), which is then renamed over the target
// (overwrite true) or hard-linked to it (overwrite false, so an existing
// file is never replaced even if it appears meanwhile). A reader sees the
// old file or the new one, never half of it; the temporary file is removed
// on any error. A replaced file gets fresh permissions (the host's default
// for new files). Appending writes in place, not atomically.
//
// The final component must not be a symlink (invalid_arguments): replacing
// would swap the link for a file, which is rarely what the caller means.
// Other errors: invalid_arguments (the path names a folder or a special
// file, a parent is a file), not_found (a parent folder is missing),
// permission_denied (outside /scratch, /scratch granted read-only, a
// symlink leading out of /scratch), too_large (content over 1 MiB).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "airlock/tool.h"
#include "files/files.h"

namespace tool = airlock::tool;
namespace files = airlock::files;

namespace {

constexpr std::string_view kRoot = "/scratch";
constexpr size_t kMaxContentBytes = 1024 * 1024;

// Writes all of `data` to `fd`; 0 or the errno.
int WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

// Creates every missing folder from `root` down to `dir` (inclusive).
std::optional<tool::ToolError> MakeDirs(const std::string& dir) {
  size_t pos = kRoot.size();
  while (pos < dir.size()) {
    size_t next = dir.find('/', pos + 1);
    if (next == std::string::npos) next = dir.size();
    std::string prefix = dir.substr(0, next);
    if (mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST) {
      return files::FileError(prefix, errno, kRoot);
    }
    pos = next;
  }
  return std::nullopt;
}

// A name for the temporary file that no other call picks.
std::string TempName(const std::string& dir) {
  unsigned char bytes[8] = {};
  getentropy(bytes, sizeof bytes);
  std::string name = dir == "/" ? "/" : dir + "/";
  name += ".airlock-write-";
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char b : bytes) {
    name += kHex[b >> 4];
    name += kHex[b & 15];
  }
  return name;
}

tool::Result Append(const std::string& path, const std::string& content,
                    bool created) {
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0666);
  if (fd < 0) return files::FileError(path, errno, kRoot);
  int err = WriteAll(fd, content);
  if (close(fd) != 0 && err == 0) err = errno;
  if (err != 0) return files::FileError(path, err, kRoot);
  return tool::Json{
      {"path", path}, {"bytes_written", content.size()}, {"created", created}};
}

tool::Result Replace(const std::string& path, const std::string& content,
                     bool created, bool overwrite) {
  std::string dir(files::DirName(path));
  std::string temp;
  int fd = -1;
  // A clash with another call's temporary file is all but impossible; retry
  // a few times rather than fail on one.
  for (int attempt = 0; attempt < 4 && fd < 0; ++attempt) {
    temp = TempName(dir);
    fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    // Report the target, not the temporary name the caller never chose.
    return files::FileError(path, errno, kRoot);
  }
  int err = WriteAll(fd, content);
  if (close(fd) != 0 && err == 0) err = errno;
  if (err == 0) {
    if (overwrite) {
      if (rename(temp.c_str(), path.c_str()) != 0) err = errno;
    } else if (link(temp.c_str(), path.c_str()) != 0) {
      err = errno;
    }
  }
  // After a rename the temporary name is gone; after a link (or an error)
  // it still names the file.
  if (!overwrite || err != 0) unlink(temp.c_str());
  if (err == EEXIST && !overwrite) {
    return tool::ToolError{
        "already_exists",
        path + ": already exists (pass overwrite: true to replace it)",
        {}};
  }
  if (err == EISDIR) {
    return tool::InvalidArguments(path + ": is a folder");
  }
  if (err != 0) return files::FileError(path, err, kRoot);
  return tool::Json{
      {"path", path}, {"bytes_written", content.size()}, {"created", created}};
}

tool::Result Handle(const tool::Json& args) {
  std::string path;
  if (auto error = files::Resolve(args["path"].get_ref<const std::string&>(),
                                  kRoot, "write files", &path)) {
    return *error;
  }
  const std::string& content = args["content"].get_ref<const std::string&>();
  bool append = args["append"].get<bool>();
  bool create_dirs = args["create_dirs"].get<bool>();
  bool overwrite = args["overwrite"].get<bool>();

  if (content.size() > kMaxContentBytes) {
    return tool::TooLarge("content: " + std::to_string(content.size()) +
                          " bytes, more than the limit of " +
                          std::to_string(kMaxContentBytes));
  }
  if (path == kRoot) {
    return tool::InvalidArguments(path + ": is a folder");
  }
  std::string dir(files::DirName(path));
  if (create_dirs) {
    if (auto error = MakeDirs(dir)) return *error;
  }

  bool created = false;
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      return tool::InvalidArguments(path + ": is a folder");
    }
    if (S_ISLNK(st.st_mode)) {
      return tool::InvalidArguments(
          path + ": is a symlink (file_write does not write through symlinks)");
    }
    if (!S_ISREG(st.st_mode)) {
      return tool::InvalidArguments(path + ": not a regular file");
    }
    if (!append && !overwrite) {
      return tool::ToolError{
          "already_exists",
          path + ": already exists (pass overwrite: true to replace it)",
          {}};
    }
  } else if (errno == ENOENT) {
    created = true;
    struct stat parent;
    if (stat(dir.c_str(), &parent) != 0) {
      if (errno == ENOENT && files::RootAvailable(kRoot)) {
        return tool::NotFound(
            dir + ": no such folder (pass create_dirs: true to create it)");
      }
      return files::FileError(dir, errno, kRoot);
    }
    if (!S_ISDIR(parent.st_mode)) {
      return tool::InvalidArguments(dir + ": not a folder");
    }
  } else {
    return files::FileError(path, errno, kRoot);
  }
  return append ? Append(path, content, created)
                : Replace(path, content, created, overwrite);
}

}  // namespace

AIRLOCK_TOOL_MAIN(Handle)
