#include "files/files.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace airlock::files {

std::string Normalise(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(i, end - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = end + 1;
  }
  if (parts.empty()) return "/";
  std::string out;
  for (std::string_view part : parts) {
    out += '/';
    out += part;
  }
  return out;
}

std::optional<tool::ToolError> Resolve(std::string_view arg,
                                       std::string_view root,
                                       std::string_view verb,
                                       std::string* out) {
  if (arg.empty()) return tool::InvalidArguments("path: must not be empty");
  if (arg.find('\0') != std::string_view::npos) {
    return tool::InvalidArguments("path: must not contain a NUL character");
  }
  std::string joined;
  if (arg.front() == '/') {
    joined = arg;
  } else {
    joined.reserve(root.size() + 1 + arg.size());
    joined.append(root).append("/").append(arg);
  }
  std::string path = Normalise(joined);
  bool inside = path == root || (path.size() > root.size() &&
                                 path.compare(0, root.size(), root) == 0 &&
                                 path[root.size()] == '/');
  if (!inside) {
    std::string message = path;
    if (path != arg) message += " (from \"" + std::string(arg) + "\")";
    message += ": outside " + std::string(root) + " (this tool can only " +
               std::string(verb) + " under " + std::string(root) + ")";
    return tool::PermissionDenied(std::move(message));
  }
  *out = std::move(path);
  return std::nullopt;
}

bool RootAvailable(std::string_view root) {
  struct stat st;
  return stat(std::string(root).c_str(), &st) == 0;
}

tool::ToolError FileError(std::string_view path, int err,
                          std::string_view root) {
  std::string p(path);
  std::string r(root);
  // wasi-libc fails a path under no preopened folder before asking the
  // host; tell the caller the folder is missing rather than the file.
  if ((err == ENOENT || err == ENOTCAPABLE) && !RootAvailable(root)) {
    return tool::PermissionDenied(
        r + " is not available to this call (no folder grant for it)");
  }
  switch (err) {
    case ENOENT:
      return tool::NotFound(p + ": no such file or folder");
    case ENOTDIR:
      return tool::NotFound(p + ": a parent of it is not a folder");
    case ENOTCAPABLE:
      return tool::PermissionDenied(p + ": leads outside " + r +
                                    " (through a symlink)");
    case EROFS:
      return tool::PermissionDenied(p + ": " + r +
                                    " is read-only for this call");
    case EACCES:
    case EPERM:
      return tool::PermissionDenied(p + ": " + std::strerror(err));
    case ELOOP:
      return tool::InvalidArguments(p + ": too many levels of symlinks");
    case ENOTSUP:
      return tool::InvalidArguments(p + ": not a regular file or folder");
    case ENAMETOOLONG:
      return tool::InvalidArguments(p + ": name too long");
    default:
      return tool::IoError(p, err);
  }
}

size_t FindInvalidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return i;
    }
    if (n - i < len) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

size_t Utf8Floor(std::string_view text, size_t n) {
  if (n >= text.size()) return text.size();
  auto continuation = [&](size_t i) {
    return (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
  };
  // A sequence is at most 4 bytes: back off over at most 3 continuations.
  size_t cut = n;
  for (int back = 0; back < 3 && cut > 0 && continuation(cut); ++back) --cut;
  // Still inside a run of continuation bytes: not UTF-8 at all; cut at n
  // and let validation report it.
  return continuation(cut) ? n : cut;
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view DirName(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace airlock::files
