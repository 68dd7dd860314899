// text_search: grep over the workspace: the lines of the files under a path
// that contain a text (or match a regular expression, guest/lib/regex).
//
// Arguments (manifest.json has the schema):
//   pattern         the text to find, or with regex=true an RE2 expression;
//                   it cannot contain a newline (lines are searched one by
//                   one); a bad expression is invalid_arguments with the
//                   engine's message ("pattern: missing ) ...")
//   path            folder or file (default /workspace), absolute or
//                   relative to /workspace, normalised lexically
//                   (guest/lib/files): anything outside /workspace is
//                   permission_denied, a missing path not_found
//   regex           treat pattern as a regular expression (default false)
//   ignore_case     case-insensitive (default false)
//   max_results     stop after this many lines (default 200, at most
//                   10000 by the schema)
//   include         only files whose name matches this glob: * ? [a-z]
//                   [!a-z] {py,pyi}; names only, no /
//   include_hidden  also search names starting with "." (default false:
//                   .git and friends would dominate)
//   max_file_bytes  skip files larger than this (default 1 MiB)
// Result: {"results": [{"path", "line", "column", "text"}], "count",
//          "truncated", "files_searched", "files_skipped", "errors"}
//   line, column  1-based; column counts characters (code points; a byte
//                 that is not valid UTF-8 counts as one) to the first match
//   text          the line without its "\n" or "\r\n"; a line longer than
//                 kMaxLineBytes is cut around the first match, "…" marking
//                 a cut; bytes that are not valid UTF-8 shown as U+FFFD
//   truncated     more matching lines exist than were listed (max_results
//                 or the result size limit), or the search stopped at the
//                 scan limits (see note)
//   files_skipped binary files (a NUL byte in the first 8 KiB) and files
//                 over max_file_bytes
//   errors        [{"path", "message"}] for folders and files that could
//                 not be read (at most kMaxErrors), the search goes on
//   note          present when the search stopped early at a scan limit
//                 or at the result size limit (kMaxResultBytes)
// Order: each folder's entries sorted by name (byte order), a subfolder's
// files right after it (depth first); lines in file order. Symlinks met in
// the walk are not followed (the path argument itself may be one inside
// /workspace). One call reads a bounded amount (kScanBudget) and opens at
// most kMaxFiles files, so it always finishes within its fuel, and lists
// at most kMaxResultBytes of results, so its memory and output stay
// bounded whatever max_results is.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airlock/tool.h"
#include "files/files.h"
#include "regex/regex.h"

namespace tool = airlock::tool;
namespace files = airlock::files;
namespace re = airlock::regex;

namespace {

constexpr std::string_view kRoot = "/workspace";
// A NUL byte in this much of a file's start makes it binary (as grep does).
constexpr size_t kBinaryProbeBytes = 8192;
// Longer lines are shown cut around the match.
constexpr size_t kMaxLineBytes = 400;
constexpr size_t kContextBeforeMatch = 100;
constexpr size_t kMaxErrors = 20;
// Scan limits of one call, so that it always finishes within its fuel: at
// most kMaxFiles files, and file contents worth kScanBudget fuel, counted
// per byte at the engine's measured cost: about 10 when the pattern starts
// with a literal text (a substring search finds the candidate lines), 50
// when the DFA reads every byte, several hundred when the DFA gave up and
// the Pike VM does.
constexpr size_t kMaxFiles = 20000;
constexpr uint64_t kScanBudget = 640'000'000;
constexpr uint64_t kCostLiteral = 10;
constexpr uint64_t kCostDfa = 50;
constexpr uint64_t kCostVm = 400;
constexpr size_t kMaxNamesPerFolder = 100000;
// Policies cap a call's output at 1 MiB by default: stop listing results
// well before that (truncated, with a note), leaving room for the errors
// and the counts. This also bounds the guest's memory: results are held as
// JSON until the end, and a million short matches would not fit in 64 MiB.
constexpr size_t kMaxResultBytes = 768 << 10;

// "12.5 MiB"
std::string MiB(size_t bytes) {
  size_t tenths = bytes * 10 / (size_t{1} << 20);
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) +
         " MiB";
}

// Converts a glob (for file names) to an anchored regular expression; on
// error returns false with *error set.
bool GlobToRegex(std::string_view glob, std::string* out, std::string* error) {
  if (glob.find('/') != std::string_view::npos) {
    *error = "include: \"" + std::string(glob) +
             "\" has a /: it matches file names only (choose the folder with "
             "path)";
    return false;
  }
  std::string rx = "\\A(?:";
  bool in_braces = false;
  size_t brace_at = 0;
  for (size_t i = 0; i < glob.size(); ++i) {
    char c = glob[i];
    switch (c) {
      case '*':
        rx += ".*";
        break;
      case '?':
        rx += ".";
        break;
      case '[': {
        size_t j = i + 1;
        if (j < glob.size() && (glob[j] == '!' || glob[j] == '^')) ++j;
        if (j < glob.size() && glob[j] == ']') ++j;  // []] holds a ]
        while (j < glob.size() && glob[j] != ']') ++j;
        if (j >= glob.size()) {
          *error = "include: missing ] for the [ at offset " +
                   std::to_string(i) + " of \"" + std::string(glob) + "\"";
          return false;
        }
        rx += '[';
        size_t k = i + 1;
        if (glob[k] == '!' || glob[k] == '^') {
          rx += '^';
          ++k;
        }
        for (; k < j; ++k) {
          char m = glob[k];
          if (m == '\\' || m == '[' || (m == ']' && k != i + 1) ||
              (m == '^' && k == i + 1)) {
            rx += '\\';
          }
          rx += m;
        }
        rx += ']';
        i = j;
        break;
      }
      case '{':
        if (in_braces) {
          *error = "include: nested { at offset " + std::to_string(i) +
                   " of \"" + std::string(glob) + "\"";
          return false;
        }
        in_braces = true;
        brace_at = i;
        rx += "(?:";
        break;
      case ',':
        rx += in_braces ? "|" : ",";
        break;
      case '}':
        if (in_braces) {
          in_braces = false;
          rx += ")";
        } else {
          rx += "\\}";
        }
        break;
      case '\\':
        if (i + 1 < glob.size()) {
          rx += re::QuoteMeta(glob.substr(i + 1, 1));
          ++i;
        } else {
          rx += "\\\\";
        }
        break;
      default:
        rx += re::QuoteMeta(std::string_view(&c, 1));
    }
  }
  if (in_braces) {
    *error = "include: missing } for the { at offset " +
             std::to_string(brace_at) + " of \"" + std::string(glob) + "\"";
    return false;
  }
  rx += ")\\z";
  *out = std::move(rx);
  return true;
}

// `line` made valid UTF-8 (each invalid byte becomes U+FFFD).
std::string ValidUtf8(std::string_view line) {
  // Most lines are ASCII: copied whole, not character by character (which
  // costs some 100 fuel per byte).
  if (std::none_of(line.begin(), line.end(), [](char c) {
        return static_cast<unsigned char>(c) >= 0x80;
      })) {
    return std::string(line);
  }
  std::string out;
  out.reserve(line.size());
  size_t i = 0;
  while (i < line.size()) {
    size_t width;
    uint32_t c = re::DecodeUtf8(line, i, &width);
    if (c == 0xFFFD && line.substr(i, 3) != "\xEF\xBF\xBD") {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(line.substr(i, width));
    }
    i += width;
  }
  return out;
}

// Characters (code points, an invalid byte being one) in line[0, end).
size_t CountChars(std::string_view line, size_t end) {
  size_t n = 0;
  size_t i = 0;
  while (i < end) {
    size_t width;
    re::DecodeUtf8(line, i, &width);
    i += width;
    ++n;
  }
  return n;
}

// The start of the character holding byte i of `s` (i <= size): back over
// at most 3 continuation bytes.
size_t CharStart(std::string_view s, size_t i) {
  for (int k = 0; k < 3 && i > 0 && i < s.size() &&
                  (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
       ++k) {
    --i;
  }
  return i;
}

// What the result shows of a line whose first match starts at byte `at`.
std::string ShownLine(std::string_view line, size_t at) {
  if (line.size() <= kMaxLineBytes) return ValidUtf8(line);
  size_t begin = at > kContextBeforeMatch ? at - kContextBeforeMatch : 0;
  begin = CharStart(line, begin);
  size_t end = std::min(line.size(), begin + kMaxLineBytes);
  end = CharStart(line, end);
  std::string out;
  if (begin > 0) out += "\u2026";
  out += ValidUtf8(line.substr(begin, end - begin));
  if (end < line.size()) out += "\u2026";
  return out;
}

struct Search {
  const re::Regex* pattern = nullptr;
  const re::Regex* include = nullptr;  // null: every file
  bool include_hidden = false;
  size_t max_results = 0;
  size_t max_file_bytes = 0;

  tool::Json results = tool::Json::array();
  size_t result_bytes = 0;  // of results as compact JSON, with commas
  tool::Json errors = tool::Json::array();
  bool truncated = false;
  bool done = false;  // max_results passed, or a scan limit reached
  std::string note;   // why the search stopped early, if it did
  size_t files_searched = 0;
  size_t files_skipped = 0;
  size_t files_opened = 0;
  size_t bytes_scanned = 0;
  uint64_t spent = 0;  // of kScanBudget
  std::string buffer;  // the current file, reused

  void AddError(const std::string& path, int err) {
    if (errors.size() >= kMaxErrors) return;
    errors.push_back(
        tool::Json{{"path", path},
                   {"message", files::FileError(path, err, kRoot).message}});
  }

  // Stops the search at a scan limit; the results so far stand.
  void Stop(std::string why) {
    done = true;
    truncated = true;
    note = std::move(why);
  }

  // Reads the file at `path` (`size` bytes by fstat) into buffer; false
  // (and an error entry) when it cannot be read.
  bool Read(const std::string& path, int fd, size_t size) {
    buffer.resize(size);
    size_t got = 0;
    while (got < size) {
      ssize_t n = read(fd, buffer.data() + got, size - got);
      if (n < 0) {
        if (errno == EINTR) continue;
        AddError(path, errno);
        return false;
      }
      if (n == 0) break;  // shrank meanwhile
      got += static_cast<size_t>(n);
    }
    buffer.resize(got);
    return true;
  }

  // Adds a result unless it would take the results past kMaxResultBytes
  // (then stops the search); false when it did not fit.
  bool AddResult(tool::Json result) {
    size_t size = tool::DumpJson(result).size() + 1;
    if (result_bytes + size > kMaxResultBytes) {
      Stop("stopped after " + std::to_string(results.size()) +
           " results: more would pass " +
           std::to_string(kMaxResultBytes >> 10) +
           " KiB of JSON, the most one call returns; narrow the pattern or "
           "the path, or use include");
      return false;
    }
    result_bytes += size;
    results.push_back(std::move(result));
    return true;
  }

  void SearchFile(const std::string& path) {
    if (files_opened == kMaxFiles) {
      Stop("stopped after opening " + std::to_string(kMaxFiles) +
           " files, the most one call opens: search a smaller path or use "
           "include");
      return;
    }
    ++files_opened;
    int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) {
      AddError(path, errno);
      return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
      AddError(path, errno);
      close(fd);
      return;
    }
    size_t size = static_cast<size_t>(st.st_size);
    if (size > max_file_bytes) {
      ++files_skipped;
      close(fd);
      return;
    }
    uint64_t cost = !pattern->literal_prefix().empty() ? kCostLiteral
                    : pattern->dfa_gave_up()           ? kCostVm
                                                       : kCostDfa;
    if (spent + size * cost > kScanBudget) {
      close(fd);
      size_t files = files_searched + files_skipped;
      Stop("stopped after reading " + MiB(bytes_scanned) + " in " +
           std::to_string(files) + (files == 1 ? " file" : " files") +
           ", the most one call reads with this pattern: search a smaller "
           "path or use include");
      return;
    }
    spent += size * cost;
    bool ok = Read(path, fd, size);
    close(fd);
    if (!ok) return;
    bytes_scanned += buffer.size();
    std::string_view text = buffer;
    if (std::memchr(text.data(), 0, std::min(text.size(), kBinaryProbeBytes))) {
      ++files_skipped;
      return;
    }
    ++files_searched;

    size_t line_no = 1;
    size_t counted_to = 0;  // line_no is the number of the line at counted_to
    size_t pos = 0;
    while (pos < text.size()) {
      size_t line = pattern->FindLine(text, pos);
      if (line == re::kNoPos) break;
      size_t nl = text.find('\n', line);
      size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
      size_t end = nl == std::string_view::npos ? text.size() : nl;
      if (nl != std::string_view::npos && end > line && text[end - 1] == '\r') {
        --end;
      }
      if (results.size() == max_results) {
        truncated = true;
        done = true;
        return;
      }
      while (counted_to < line) {
        const void* hit =
            std::memchr(text.data() + counted_to, '\n', line - counted_to);
        if (hit == nullptr) break;
        counted_to =
            static_cast<size_t>(static_cast<const char*>(hit) - text.data()) +
            1;
        ++line_no;
      }
      counted_to = line;
      std::string_view content = text.substr(line, end - line);
      re::Span match;
      size_t at = pattern->Search(content, 0, &match, 1) ? match.begin : 0;
      // Built member by member: an initializer list copies each value
      // through temporaries.
      tool::Json result = tool::Json::object();
      result["path"] = path;
      result["line"] = line_no;
      result["column"] = CountChars(content, at) + 1;
      result["text"] = ShownLine(content, at);
      if (!AddResult(std::move(result))) return;
      pos = next;
    }
  }

  // Searches the folder `root` depth first, in name order.
  void Walk(const std::string& root) {
    struct Frame {
      std::string dir;
      std::vector<std::string> names;
      size_t next = 0;
    };
    std::vector<Frame> stack;
    auto open_folder = [&](const std::string& dir) {
      Frame frame{dir, {}, 0};
      DIR* d = opendir(dir.c_str());
      if (d == nullptr) {
        AddError(dir, errno);
        return;
      }
      errno = 0;
      while (struct dirent* de = readdir(d)) {
        std::string_view name = de->d_name;
        if (name == "." || name == "..") continue;
        if (!include_hidden && name.front() == '.') continue;
        if (frame.names.size() == kMaxNamesPerFolder) break;
        frame.names.emplace_back(name);
      }
      int err = errno;
      closedir(d);
      if (err != 0) AddError(dir, err);
      std::sort(frame.names.begin(), frame.names.end());
      stack.push_back(std::move(frame));
    };
    open_folder(root);
    while (!stack.empty() && !done) {
      Frame& frame = stack.back();
      if (frame.next == frame.names.size()) {
        stack.pop_back();
        continue;
      }
      std::string path = frame.dir + "/" + frame.names[frame.next];
      const std::string& name = frame.names[frame.next];
      ++frame.next;
      struct stat st;
      if (lstat(path.c_str(), &st) != 0) {
        AddError(path, errno);
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        open_folder(path);  // `frame` may dangle from here on
      } else if (S_ISREG(st.st_mode)) {
        if (include && !include->Contains(name)) continue;
        SearchFile(path);
      }
      // Symlinks and other kinds are not followed.
    }
  }
};

tool::Result Handle(const tool::Json& args) {
  const std::string& pattern_arg =
      args["pattern"].get_ref<const std::string&>();
  if (pattern_arg.find('\n') != std::string::npos) {
    return tool::InvalidArguments(
        "pattern: contains a newline, but lines are searched one at a time");
  }
  std::string path;
  if (auto error = files::Resolve(args["path"].get_ref<const std::string&>(),
                                  kRoot, "search files", &path)) {
    return *error;
  }
  re::Options options;
  options.case_insensitive = args["ignore_case"].get<bool>();
  bool is_regex = args["regex"].get<bool>();
  re::CompileError compile_error;
  std::optional<re::Regex> pattern =
      re::Regex::Compile(is_regex ? pattern_arg : re::QuoteMeta(pattern_arg),
                         options, &compile_error);
  if (!pattern) {
    return tool::InvalidArguments("pattern: " + compile_error.message);
  }
  std::optional<re::Regex> include;
  if (args.contains("include")) {
    std::string rx, message;
    if (!GlobToRegex(args["include"].get_ref<const std::string&>(), &rx,
                     &message)) {
      return tool::InvalidArguments(message);
    }
    include = re::Regex::Compile(rx, {}, &compile_error);
    if (!include) {
      return tool::InvalidArguments("include: " + compile_error.message);
    }
  }

  Search search;
  search.pattern = &*pattern;
  search.include = include ? &*include : nullptr;
  search.include_hidden = args["include_hidden"].get<bool>();
  search.max_results = args["max_results"].get<size_t>();
  search.max_file_bytes = args["max_file_bytes"].get<size_t>();

  struct stat st;
  if (stat(path.c_str(), &st) != 0) return files::FileError(path, errno, kRoot);
  if (S_ISDIR(st.st_mode)) {
    search.Walk(path);
  } else if (S_ISREG(st.st_mode)) {
    search.SearchFile(path);
  } else {
    return tool::InvalidArguments(path + ": not a regular file or folder");
  }

  size_t count = search.results.size();
  tool::Json result = tool::Json::object();
  result["results"] = std::move(search.results);
  result["count"] = count;
  result["truncated"] = search.truncated;
  result["files_searched"] = search.files_searched;
  result["files_skipped"] = search.files_skipped;
  result["errors"] = std::move(search.errors);
  if (!search.note.empty()) result["note"] = search.note;
  return result;
}

}  // namespace

AIRLOCK_TOOL_MAIN(Handle)
