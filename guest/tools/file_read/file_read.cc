// file_read: reads a text file under /workspace, optionally a range of lines.
//
// Arguments (manifest.json has the schema):
//   path        absolute, or relative to /workspace; normalised lexically
//               (guest/lib/files/files.h): anything outside /workspace is
//               permission_denied
//   start_line  first line returned, 1-based (default 1)
//   max_lines   how many lines at most (default: all)
//   max_bytes   how many bytes of content at most (default 256 KiB, at most
//               1 MiB)
// Result: {"path", "content", "start_line", "end_line", "total_lines",
//          "truncated", "size_bytes"}
//   content     the lines start_line..end_line as stored, line endings
//               included ("\n" or "\r\n"); a last line without a newline
//               counts as a line
//   end_line    the last line returned; start_line - 1 when none is (an
//               empty file, or start_line past the end: not an error)
//   total_lines lines in the file; omitted when counting them would mean
//               reading more than 16 MiB of the file
//   truncated   true when max_bytes cut the content: it ends at the last
//               whole line that fits, or, when even the first line does not
//               fit, inside that line at a character boundary
// Errors: not_found (no such file), invalid_arguments (a folder, not a
// regular file, or not a text file: a NUL byte in the first 8 KiB or in the
// content, or invalid UTF-8 in the content), permission_denied (outside
// /workspace, or a symlink leading out of it). Binary files are refused,
// not encoded: this tool is for text.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "airlock/tool.h"
#include "files/files.h"

namespace tool = airlock::tool;
namespace files = airlock::files;

namespace {

constexpr std::string_view kRoot = "/workspace";
constexpr size_t kChunk = 64 * 1024;
// A NUL byte within this prefix marks a binary file (as git and grep do).
constexpr uint64_t kBinaryProbe = 8 * 1024;
// Once the requested lines are collected, the rest of the file is read only
// to count lines, and only up to this many bytes of the file in total.
constexpr uint64_t kCountLimit = 16 * 1024 * 1024;

// The number of '\n' bytes in `data`, 8 bytes at a time: counting lines is
// most of the work of reading far into a big file, and a byte loop costs
// about four times the fuel.
size_t CountNewlines(std::string_view data) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full;
  size_t count = 0;
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, data.data() + i, 8);
    uint64_t x = word ^ (kOnes * '\n');  // zero bytes where the newlines are
    // High bit of each byte: set when that byte of x is not zero.
    uint64_t nonzero = ((x & kLow7) + kLow7) | x;
    count += static_cast<size_t>(__builtin_popcountll(~nonzero & ~kLow7));
  }
  for (; i < data.size(); ++i) count += data[i] == '\n';
  return count;
}

// Collects the requested lines of a stream of chunks, within a byte budget.
class LineCollector {
 public:
  LineCollector(int64_t start, int64_t max_lines, size_t max_bytes)
      : start_(start), max_lines_(max_lines), max_bytes_(max_bytes) {}

  // Feeds the next bytes of the file.
  void Feed(std::string_view data) {
    if (data.empty()) return;
    if (collecting_ && line_ < start_) {
      // Lines before the range are only counted, a chunk at a time, until
      // the chunk where the range starts.
      size_t newlines = CountNewlines(data);
      if (line_ + static_cast<int64_t>(newlines) < start_) {
        SkipCounted(data, newlines);
        return;
      }
      while (line_ < start_) {  // the chunk has enough newlines
        auto nl = static_cast<const char*>(
            std::memchr(data.data(), '\n', data.size()));
        data.remove_prefix(nl - data.data() + 1);
        ++line_;
      }
      partial_ = false;
    }
    while (!data.empty()) {
      if (!collecting_) {
        SkipCounted(data, CountNewlines(data));
        return;
      }
      const void* nl = std::memchr(data.data(), '\n', data.size());
      size_t len = nl == nullptr
                       ? data.size()
                       : static_cast<const char*>(nl) - data.data() + 1;
      AddToLine(data.substr(0, len));
      if (nl == nullptr) {
        partial_ = true;
      } else {
        if (collecting_) EndLine();
        ++line_;
        partial_ = false;
      }
      data.remove_prefix(len);
    }
  }

  // Ends the stream (the file was read to its end).
  void Finish() {
    if (partial_ && collecting_ && line_ >= start_) EndLine();
  }

  // Whether the caller still needs bytes to collect lines.
  bool collecting() const { return collecting_; }
  // Lines seen, once the whole file was fed and Finish called.
  int64_t total_lines() const { return partial_ ? line_ : line_ - 1; }
  int64_t returned() const { return returned_; }
  bool truncated() const { return truncated_; }
  std::string& content() { return content_; }

 private:
  // Passes over `data` (not empty), which holds `newlines` newlines.
  void SkipCounted(std::string_view data, size_t newlines) {
    line_ += static_cast<int64_t>(newlines);
    partial_ = data.back() != '\n';
  }

  void AddToLine(std::string_view piece) {
    size_t room = max_bytes_ - content_.size();
    // Keep a few bytes past the room: enough to find a character boundary
    // when this line has to be cut.
    size_t keep = room + 4 - pending_.size();
    pending_.append(piece.substr(0, std::min(piece.size(), keep)));
    if (pending_.size() > room) Truncate();
  }

  void EndLine() {
    content_ += pending_;
    pending_.clear();
    ++returned_;
    if (max_lines_ > 0 && returned_ >= max_lines_) collecting_ = false;
  }

  // The current line does not fit in what is left of max_bytes.
  void Truncate() {
    if (content_.empty()) {
      // Not even one whole line fits: return its head rather than nothing.
      size_t cut = files::Utf8Floor(pending_, max_bytes_);
      content_.assign(pending_, 0, cut);
      if (cut > 0) returned_ = 1;
    }
    pending_.clear();
    truncated_ = true;
    collecting_ = false;
  }

  const int64_t start_;
  const int64_t max_lines_;  // 0: no limit
  const size_t max_bytes_;
  int64_t line_ = 1;      // number of the line the next byte belongs to
  bool partial_ = false;  // bytes of line_ seen but not its newline
  bool collecting_ = true;
  bool truncated_ = false;
  int64_t returned_ = 0;
  std::string pending_;  // the part of line_ collected so far
  std::string content_;
};

tool::Result Handle(const tool::Json& args) {
  std::string path;
  if (auto error = files::Resolve(args["path"].get_ref<const std::string&>(),
                                  kRoot, "read files", &path)) {
    return *error;
  }
  int64_t start_line = args["start_line"].get<int64_t>();
  int64_t max_lines =
      args.contains("max_lines") ? args["max_lines"].get<int64_t>() : 0;
  size_t max_bytes = args["max_bytes"].get<size_t>();

  struct stat st;
  if (stat(path.c_str(), &st) != 0) return files::FileError(path, errno, kRoot);
  if (S_ISDIR(st.st_mode)) {
    return tool::InvalidArguments(path +
                                  ": is a directory (list it with list_dir)");
  }
  if (!S_ISREG(st.st_mode)) {
    return tool::InvalidArguments(path + ": not a regular file");
  }
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return files::FileError(path, errno, kRoot);

  LineCollector lines(start_line, max_lines, max_bytes);
  std::vector<char> buffer(kChunk);
  uint64_t offset = 0;
  bool eof = false;
  while (lines.collecting() || offset < kCountLimit) {
    ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      return files::FileError(path, err, kRoot);
    }
    if (n == 0) {
      eof = true;
      break;
    }
    std::string_view data(buffer.data(), static_cast<size_t>(n));
    if (offset < kBinaryProbe &&
        std::memchr(data.data(), '\0',
                    std::min<uint64_t>(data.size(), kBinaryProbe - offset))) {
      close(fd);
      return tool::InvalidArguments(
          path + ": not a text file (it contains NUL bytes)");
    }
    offset += data.size();
    lines.Feed(data);
  }
  close(fd);
  if (eof) lines.Finish();

  std::string& content = lines.content();
  if (std::memchr(content.data(), '\0', content.size()) != nullptr) {
    return tool::InvalidArguments(path +
                                  ": not a text file (it contains NUL bytes)");
  }
  size_t bad = files::FindInvalidUtf8(content);
  if (bad != std::string::npos) {
    int64_t line = start_line;
    for (size_t i = 0; i < bad; ++i) line += content[i] == '\n';
    return tool::InvalidArguments(path +
                                  ": not a text file (invalid UTF-8 in line " +
                                  std::to_string(line) + ")");
  }

  tool::Json result;
  result["path"] = path;
  result["content"] = std::move(content);
  result["start_line"] = start_line;
  result["end_line"] = start_line + lines.returned() - 1;
  if (eof) result["total_lines"] = lines.total_lines();
  result["truncated"] = lines.truncated();
  result["size_bytes"] = static_cast<uint64_t>(st.st_size);
  return result;
}

}  // namespace

AIRLOCK_TOOL_MAIN(Handle)
