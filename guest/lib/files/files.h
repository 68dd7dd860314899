// Shared helpers of the file tools (file_read, file_write, list_dir): turning
// a path argument into a guest path under the tool's folder, naming failed
// file operations as tool errors, and UTF-8 checks.
//
// Path rules (the same for every file tool):
// - A relative path is relative to the tool's folder: "src/a.c" with folder
//   /workspace is /workspace/src/a.c.
// - The path is normalised lexically before anything touches the file
//   system: empty and "." components are dropped, ".." removes the previous
//   component (at "/" it stays "/"). So "/workspace/../etc/passwd" is
//   "/etc/passwd", which is outside /workspace and refused with
//   permission_denied without being looked up.
// - Symlinks inside the folder are followed by the host only while they stay
//   inside it; one that leads out (e.g. to /etc) fails with ENOTCAPABLE,
//   reported as permission_denied.
#ifndef AIRLOCK_GUEST_LIB_FILES_FILES_H_
#define AIRLOCK_GUEST_LIB_FILES_FILES_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "airlock/tool.h"

namespace airlock::files {

// `path` (absolute) normalised lexically as described above.
std::string Normalise(std::string_view path);

// Resolves the path argument `arg` against the tool's folder `root` (an
// absolute, normalised guest path such as "/workspace"). On success stores
// the normalised absolute path in *out and returns nullopt. Otherwise the
// error: invalid_arguments for an empty path or one containing NUL,
// permission_denied for a path outside `root` (`verb` says what the tool
// does there, e.g. "read files": "... (this tool can only read files under
// /workspace)").
std::optional<tool::ToolError> Resolve(std::string_view arg,
                                       std::string_view root,
                                       std::string_view verb, std::string* out);

// The tool error for a failed operation on `path` (under `root`) with errno
// `err`, with a message saying why in the tool's terms:
//   ENOENT            not_found  "PATH: no such file or folder", or, when
//                     `root` itself is missing, permission_denied "ROOT is
//                     not available to this call (no folder grant for it)"
//   ENOTDIR           not_found  "PATH: a parent of it is not a folder"
//   ENOTCAPABLE       permission_denied "PATH: leads outside ROOT (through a
//                     symlink)" (or ROOT not granted, as for ENOENT)
//   EROFS             permission_denied "PATH: ROOT is read-only for this call"
//   EACCES, EPERM     permission_denied "PATH: <strerror>"
//   ELOOP             invalid_arguments "PATH: too many levels of symlinks"
//   ENOTSUP           invalid_arguments "PATH: not a regular file or folder"
//   ENAMETOOLONG      invalid_arguments "PATH: name too long"
//   others            io_error "PATH: <strerror>"
tool::ToolError FileError(std::string_view path, int err,
                          std::string_view root);

// True when `root` can be looked up (its grant is present).
bool RootAvailable(std::string_view root);

// The offset of the first byte of `text` that is not part of valid UTF-8
// (overlong forms, surrogates and code points above U+10FFFF are invalid),
// or npos when all of it is valid.
size_t FindInvalidUtf8(std::string_view text);

// The largest n' <= n such that text[0, n') does not end inside a UTF-8
// sequence (n' is n when text[n] is not a continuation byte). n <= size.
size_t Utf8Floor(std::string_view text, size_t n);

// The final component of a normalised absolute path ("" for "/").
std::string_view BaseName(std::string_view path);
// Everything before the final component ("/" for "/a").
std::string_view DirName(std::string_view path);

}  // namespace airlock::files

#endif  // AIRLOCK_GUEST_LIB_FILES_FILES_H_
