// list_dir: lists the entries of a folder under /workspace.
//
// Arguments (manifest.json has the schema):
//   path            absolute, or relative to /workspace (default /workspace);
//                   normalised lexically (guest/lib/files/files.h): anything
//                   outside /workspace is permission_denied
//   recursive       also list the contents of subfolders (default false)
//   max_entries     stop after this many entries (default 1000, at most
//                   10000: each costs about 45 k fuel)
//   include_hidden  list names starting with "." (default false, as ls does:
//                   a recursive listing would otherwise be mostly .git)
// Result: {"path", "entries", "count", "truncated"}
//   entries   [{"path", "type", "size"?, "target"?, "error"?}], where path is
//             relative to the listed folder ("src/main.c"); type is file,
//             dir, symlink or other; size (bytes) is given for files;
//             target (the link's contents) for symlinks; error for a
//             subfolder a recursive listing could not open
//   order     each folder's entries sorted by name (byte order), a
//             subfolder's entries right after it (depth first)
//   truncated true when entries were left out (max_entries reached)
// Symlinks are listed, never followed (not even to a folder inside
// /workspace). The path argument itself may be a symlink to a folder inside
// /workspace; one leading out of it is permission_denied.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
// Names read from one folder at most (they are sorted in memory); a folder
// with more is listed in part and the result is marked truncated.
constexpr size_t kMaxNamesPerFolder = 100000;

enum class Type { kFile, kDir, kSymlink, kOther, kUnknown };

struct Entry {
  std::string name;
  Type type;
};

const char* TypeName(Type type) {
  switch (type) {
    case Type::kFile:
      return "file";
    case Type::kDir:
      return "dir";
    case Type::kSymlink:
      return "symlink";
    default:
      return "other";
  }
}

Type FromMode(mode_t mode) {
  if (S_ISREG(mode)) return Type::kFile;
  if (S_ISDIR(mode)) return Type::kDir;
  if (S_ISLNK(mode)) return Type::kSymlink;
  return Type::kOther;
}

// One folder being listed: its sorted entries and how far the walk got.
struct Frame {
  std::string dir;     // absolute guest path
  std::string prefix;  // relative path of its entries ("" or "sub/")
  std::vector<Entry> entries;
  size_t next = 0;
};

// Reads the names in `dir`, sorted; 0 or the errno. Sets *partial when the
// folder has more than kMaxNamesPerFolder names.
int ReadFolder(const std::string& dir, bool include_hidden,
               std::vector<Entry>* out, bool* partial) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return errno;
  errno = 0;
  while (struct dirent* de = readdir(d)) {
    std::string_view name = de->d_name;
    if (name == "." || name == "..") continue;
    if (!include_hidden && name.front() == '.') continue;
    if (out->size() == kMaxNamesPerFolder) {
      *partial = true;
      break;
    }
    Type type;
    switch (de->d_type) {
      case DT_REG:
        type = Type::kFile;
        break;
      case DT_DIR:
        type = Type::kDir;
        break;
      case DT_LNK:
        type = Type::kSymlink;
        break;
      case DT_UNKNOWN:
        type = Type::kUnknown;
        break;
      default:
        type = Type::kOther;
    }
    out->push_back({std::string(name), type});
  }
  int err = errno;
  closedir(d);
  if (err != 0 && !*partial) return err;
  std::sort(out->begin(), out->end(),
            [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return 0;
}

std::string Join(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

tool::Result Handle(const tool::Json& args) {
  std::string path;
  if (auto error = files::Resolve(args["path"].get_ref<const std::string&>(),
                                  kRoot, "list folders", &path)) {
    return *error;
  }
  bool recursive = args["recursive"].get<bool>();
  size_t max_entries = args["max_entries"].get<size_t>();
  bool include_hidden = args["include_hidden"].get<bool>();

  struct stat st;
  if (stat(path.c_str(), &st) != 0) return files::FileError(path, errno, kRoot);
  if (!S_ISDIR(st.st_mode)) {
    return tool::InvalidArguments(
        path + ": not a folder (read a file with file_read)");
  }

  tool::Json entries = tool::Json::array();
  bool truncated = false;
  std::vector<Frame> stack;
  stack.push_back({path, "", {}, 0});
  int err = ReadFolder(path, include_hidden, &stack.back().entries, &truncated);
  if (err != 0) return files::FileError(path, err, kRoot);

  while (!stack.empty()) {
    Frame& frame = stack.back();
    if (frame.next == frame.entries.size()) {
      stack.pop_back();
      continue;
    }
    if (entries.size() == max_entries) {
      truncated = true;
      break;
    }
    Entry& entry = frame.entries[frame.next++];
    std::string full = Join(frame.dir, entry.name);
    std::string rel = frame.prefix + entry.name;
    tool::Json item;
    item["path"] = rel;
    struct stat est;
    bool have_stat = false;
    if (entry.type == Type::kUnknown || entry.type == Type::kFile) {
      have_stat = lstat(full.c_str(), &est) == 0;
      entry.type =
          have_stat ? FromMode(est.st_mode)
                    : (entry.type == Type::kFile ? Type::kFile : Type::kOther);
    }
    item["type"] = TypeName(entry.type);
    if (entry.type == Type::kFile && have_stat) {
      item["size"] = static_cast<uint64_t>(est.st_size);
    }
    if (entry.type == Type::kSymlink) {
      char target[4096];
      ssize_t n = readlink(full.c_str(), target, sizeof target);
      if (n >= 0) {
        item["target"] = std::string(target, static_cast<size_t>(n));
      }
    }
    bool descend = recursive && entry.type == Type::kDir;
    Frame child;
    if (descend) {
      child.dir = full;
      child.prefix = rel + "/";
      bool partial = false;
      int child_err =
          ReadFolder(full, include_hidden, &child.entries, &partial);
      if (child_err != 0) {
        item["error"] = files::FileError(full, child_err, kRoot).message;
        descend = false;
      }
      truncated = truncated || partial;
    }
    entries.push_back(std::move(item));
    // `frame` may dangle after this push: nothing uses it below.
    if (descend) stack.push_back(std::move(child));
  }

  size_t count = entries.size();
  return tool::Json{{"path", path},
                    {"entries", std::move(entries)},
                    {"count", count},
                    {"truncated", truncated}};
}

}  // namespace

AIRLOCK_TOOL_MAIN(Handle)
