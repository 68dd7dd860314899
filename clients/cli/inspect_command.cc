#include "clients/cli/inspect_command.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "clients/cli/module_file.h"
#include "clients/cli/run_command.h"
#include "nlohmann/json.hpp"
#include "policy/units.h"

namespace airlock::cli {

namespace {

using sandbox::ModuleInfo;

constexpr std::string_view kHelp =
    R"(usage: airlock inspect [--json] MODULE.wasm

Print what a module is, without compiling or running it: whether airlock
accepts it (and if not, why, with byte offsets), its size and sha256, its
airlock.manifest section, imports, exports, memories, tables, counts of
functions, globals and segments, the start function, custom sections, and
whether it is a WASI command (_start) or reactor (_initialize).

  --json       one JSON object instead of text (see docs/cli.md)
  -h, --help   this help

exit status: 0 valid, 1 not valid (malformed, unsupported feature or
invalid; everything readable is still printed), 2 usage error, 126 the file
is unreadable or not a Wasm module.
)";

// Limits of the child that decodes: a module that needs more to decode
// cannot be compiled either (the compile helper has similar limits).
constexpr rlim_t kDecodeCpuSeconds = 120;
constexpr uint64_t kDecodeMemoryBytes = uint64_t{4} << 30;

absl::string_view AV(std::string_view s) { return {s.data(), s.size()}; }

std::string Quoted(std::string_view text) {
  return absl::StrCat("\"", AV(text), "\"");
}

void Write(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

int Fail(int status, std::string_view message) {
  Write(STDERR_FILENO, absl::StrCat("airlock: error: ", AV(message), "\n"));
  return status;
}

// Names, paths and messages may hold any bytes: control characters (a
// terminal escape sequence in an export name) and invalid UTF-8 are shown
// as \xNN, and a backslash as \\, so the text is safe to print and says
// exactly which bytes there are.
std::string Printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    if (c >= 0x20 && c < 0x7f) {
      len = 1;
    } else if (c >= 0xc2 && c <= 0xf4) {
      // A UTF-8 sequence: 2, 3 or 4 bytes, continuation bytes 10xxxxxx, no
      // overlong forms, surrogates or code points past U+10FFFF, and no C1
      // controls (U+0080..U+009F).
      const size_t want = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
      bool ok = i + want <= s.size();
      for (size_t k = 1; ok && k < want; ++k) {
        ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
      }
      if (ok) {
        const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
        if (c == 0xc2 && c1 < 0xa0) ok = false;
        if (c == 0xe0 && c1 < 0xa0) ok = false;
        if (c == 0xed && c1 >= 0xa0) ok = false;
        if (c == 0xf0 && c1 < 0x90) ok = false;
        if (c == 0xf4 && c1 >= 0x90) ok = false;
      }
      if (ok) len = want;
    }
    if (len == 0) {
      absl::StrAppendFormat(&out, "\\x%02x", c);
      ++i;
    } else if (c == '\\') {
      out += "\\\\";
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string Plural(uint64_t n, std::string_view one, std::string_view many) {
  return absl::StrCat(n, " ", AV(n == 1 ? one : many));
}

// "2 pages (128KiB)".
std::string Pages(uint64_t pages) {
  std::string s = Plural(pages, "page", "pages");
  if (std::optional<uint64_t> bytes =
          sandbox::MemoryInfo::PagesToBytes(pages)) {
    absl::StrAppend(&s, " (", policy::FormatByteSize(*bytes), ")");
  }
  return s;
}

std::string MemoryLine(const sandbox::MemoryInfo& m) {
  std::string s = absl::StrCat(
      "  ", m.index, ": initial ", Pages(m.initial_pages), ", ",
      m.max_pages ? "max " + Pages(*m.max_pages) : std::string("no max"));
  if (m.shared) s += ", shared";
  if (m.memory64) s += ", memory64";
  if (m.imported) s += ", imported";
  return s + "\n";
}

std::string TableLine(const sandbox::TableInfo& t) {
  return absl::StrCat("  ", t.index, ": ", t.element_type, ", initial ",
                      t.initial, ", ",
                      t.max ? absl::StrCat("max ", *t.max) : "no max",
                      t.imported ? ", imported" : "", "\n");
}

// Rows of "  NAME  DESCRIPTION", names padded to one column (up to a
// width, so one long name does not push every row far right).
std::string Table(
    const std::vector<std::pair<std::string, std::string>>& rows) {
  size_t width = 0;
  for (const auto& [name, text] : rows) width = std::max(width, name.size());
  width = std::min<size_t>(width, 60);
  std::string out;
  for (const auto& [name, text] : rows) {
    std::string padded = name;
    if (padded.size() < width) padded.resize(width, ' ');
    absl::StrAppend(&out, "  ", padded, "  ", text, "\n");
  }
  return out;
}

std::string ValidityLine(const ModuleInfo& info) {
  switch (info.validity) {
    case ModuleInfo::Validity::kValid:
      return "yes";
    case ModuleInfo::Validity::kMalformed:
      return "no: malformed module (it does not decode)";
    case ModuleInfo::Validity::kUnsupportedFeature:
      return "no: unsupported feature";
    case ModuleInfo::Validity::kInvalid:
      return absl::StrCat("no: invalid module (",
                          Plural(info.errors.size(), "error", "errors"), ")");
  }
  return "?";
}

std::string WasiLine(const ModuleInfo& info) {
  if (!info.decoded) return "unknown (the module does not decode)";
  switch (info.wasi) {
    case sandbox::WasiKind::kCommand:
      return "command (exports _start)";
    case sandbox::WasiKind::kReactor:
      return "reactor (exports _initialize; airlock run needs _start)";
    case sandbox::WasiKind::kNone:
      return "neither (no _start or _initialize export; airlock run needs "
             "_start)";
  }
  return "?";
}

std::string ManifestLine(const ModuleInfo& info) {
  if (!info.manifest) return "no airlock.manifest section";
  const sandbox::Manifest& m = *info.manifest;
  std::string s =
      m.error.empty()
          ? absl::StrCat("airlock.manifest, ",
                         Plural(m.text.size(), "byte", "bytes"), " (below)")
          : "airlock.manifest " + Printable(m.error);
  if (m.sections > 1) {
    absl::StrAppend(&s, "; ", m.sections,
                    " airlock.manifest sections, the first is used");
  }
  return s;
}

std::string HexOffset(uint64_t offset) {
  return absl::StrFormat("0x%x", offset);
}

// The process exit status for a report.
int StatusFor(const ModuleInfo& info) {
  return info.valid() ? 0 : kExitInspectNotValid;
}

struct ChildOutcome {
  int status = 0;       // the child's exit status, if it exited
  bool died = false;    // killed by a signal before printing anything
  std::string message;  // why it died, or why there is no child
  bool no_child = false;
};

// Decodes in a child process and writes the report from there, so a libwabt
// abort costs only the child.
ChildOutcome InspectInChild(const std::vector<uint8_t>& wasm,
                            const std::string& path, bool json) {
  ChildOutcome outcome;
  const pid_t pid = fork();
  if (pid < 0) {
    outcome.no_child = true;
    outcome.message = absl::StrCat(
        "cannot start a process to decode the module: ", strerror(errno));
    return outcome;
  }
  if (pid == 0) {
    // libwabt's assertion message would be a second stderr line; a core
    // dump of a decoder bug helps no one here.
    const int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null_fd >= 0) dup2(null_fd, STDERR_FILENO);
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    struct rlimit cpu = {kDecodeCpuSeconds, kDecodeCpuSeconds};
    setrlimit(RLIMIT_CPU, &cpu);
    // On top of what the process already maps (the module included).
    const uint64_t memory = kDecodeMemoryBytes + 2 * wasm.size();
    struct rlimit as = {memory, memory};
    setrlimit(RLIMIT_AS, &as);
    absl::StatusOr<ModuleInfo> info = sandbox::InspectModule(wasm);
    if (!info.ok()) _exit(kExitModuleError);  // the parent checked already
    Write(STDOUT_FILENO,
          json ? InspectJson(path, *info) : InspectText(path, *info));
    _exit(StatusFor(*info));
  }
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) {
      outcome.no_child = true;
      outcome.message = absl::StrCat("waitpid: ", strerror(errno));
      return outcome;
    }
  }
  if (WIFEXITED(wstatus)) {
    outcome.status = WEXITSTATUS(wstatus);
    return outcome;
  }
  const int sig = WTERMSIG(wstatus);
  const char* name = sigabbrev_np(sig);
  outcome.died = true;
  outcome.message = absl::StrCat(
      "the decoder (libwabt) died of ",
      name != nullptr ? absl::StrCat("SIG", name)
                      : absl::StrCat("signal ", sig),
      sig == SIGXCPU ? " (over its CPU time limit)" : "",
      ": a decoder bug on a malformed module, or a module too large to "
      "decode");
  return outcome;
}

}  // namespace

std::string InspectText(const std::string& path, const ModuleInfo& info) {
  std::string out;
  absl::StrAppend(&out, "module:    ", Printable(path), "\n");
  absl::StrAppend(&out, "size:      ", Plural(info.size_bytes, "byte", "bytes"),
                  "\n");
  absl::StrAppend(&out, "sha256:    ", info.sha256, "\n");
  absl::StrAppend(&out, "valid:     ", ValidityLine(info), "\n");
  for (const sandbox::ModuleError& e : info.errors) {
    absl::StrAppend(&out, "  ", Printable(e.ToString()), "\n");
  }
  absl::StrAppend(&out, "wasi:      ", WasiLine(info), "\n");
  absl::StrAppend(&out, "manifest:  ", ManifestLine(info), "\n");

  if (info.decoded) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const sandbox::ImportInfo& i : info.imports) {
      rows.emplace_back(Printable(i.module) + "." + Printable(i.name),
                        i.TypeString());
    }
    absl::StrAppend(&out, "\nimports (", info.imports.size(), "):\n",
                    Table(rows));
    rows.clear();
    for (const sandbox::ExportInfo& e : info.exports) {
      rows.emplace_back(Printable(e.name), e.TypeString());
    }
    absl::StrAppend(&out, "exports (", info.exports.size(), "):\n",
                    Table(rows));
    absl::StrAppend(&out, "memories (", info.memories.size(), "):\n");
    for (const sandbox::MemoryInfo& m : info.memories) out += MemoryLine(m);
    absl::StrAppend(&out, "tables (", info.tables.size(), "):\n");
    for (const sandbox::TableInfo& t : info.tables) out += TableLine(t);
    absl::StrAppend(&out, "functions:         ", info.functions, " (",
                    info.imported_functions, " imported, ",
                    info.functions - info.imported_functions, " defined)\n");
    absl::StrAppend(&out, "globals:           ", info.globals, " (",
                    info.imported_globals, " imported)\n");
    absl::StrAppend(&out, "data segments:     ", info.data_segments, "\n");
    absl::StrAppend(&out, "element segments:  ", info.element_segments, "\n");
    absl::StrAppend(&out, "start function:    ",
                    info.start_function ? absl::StrCat(*info.start_function)
                                        : std::string("none"),
                    "\n");
  } else {
    out +=
        "\nimports, exports, memories, tables and counts: not available "
        "(the module does not decode)\n";
  }

  std::vector<std::pair<std::string, std::string>> rows;
  for (const sandbox::CustomSectionInfo& c : info.custom_sections) {
    rows.emplace_back(Printable(c.name),
                      absl::StrCat(Plural(c.size, "byte", "bytes"), " at ",
                                   HexOffset(c.offset)));
  }
  absl::StrAppend(&out, "custom sections (", info.custom_sections.size(),
                  "):\n", Table(rows));

  if (info.manifest && info.manifest->error.empty()) {
    // Control characters are escaped by the dump; the parser accepted only
    // valid UTF-8.
    const std::string json = info.manifest->json.dump(
        2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    out += "\nmanifest (airlock.manifest):\n";
    for (absl::string_view line : absl::StrSplit(json, '\n')) {
      absl::StrAppend(&out, "  ", line, "\n");
    }
  }
  return out;
}

std::string InspectJson(const std::string& path, const ModuleInfo& info) {
  nlohmann::ordered_json j = {{"file", path}};
  j.update(sandbox::ModuleInfoToJson(info));
  return j.dump(2, ' ', false,
                nlohmann::ordered_json::error_handler_t::replace) +
         "\n";
}

int InspectCommand(std::span<const std::string> args) {
  bool json = false;
  std::string path;
  bool flags_done = false;
  for (const std::string& arg : args) {
    if (!flags_done && (arg == "-h" || arg == "--help")) {
      Write(STDOUT_FILENO, kHelp);
      return 0;
    }
    if (!flags_done && arg == "--json") {
      json = true;
    } else if (!flags_done && arg == "--") {
      flags_done = true;
    } else if (!flags_done && arg.size() > 1 && arg[0] == '-') {
      return Fail(kExitUsage, "inspect: unknown flag " + Quoted(arg) +
                                  " (see airlock inspect --help)");
    } else if (path.empty()) {
      path = arg;
    } else {
      return Fail(kExitUsage, "inspect: more than one MODULE given");
    }
  }
  if (path.empty()) return Fail(kExitUsage, "inspect: missing MODULE.wasm");

  absl::StatusOr<std::vector<uint8_t>> wasm = ReadModuleFile(path);
  if (!wasm.ok()) {
    return Fail(kExitModuleError,
                Printable(std::string(wasm.status().message())));
  }
  if (absl::Status s = sandbox::CheckWasmHeader(*wasm); !s.ok()) {
    return Fail(kExitModuleError,
                absl::StrCat(Printable(Quoted(path)), ": ", s.message()));
  }
  const ChildOutcome child = InspectInChild(*wasm, path, json);
  if (child.no_child) return Fail(kExitInternalError, child.message);
  if (!child.died) return child.status;

  // The child died before printing: report what needs no decoding.
  absl::StatusOr<ModuleInfo> info =
      sandbox::InspectModuleUndecoded(*wasm, child.message);
  if (!info.ok()) {
    return Fail(kExitModuleError, std::string(info.status().message()));
  }
  Write(STDOUT_FILENO,
        json ? InspectJson(path, *info) : InspectText(path, *info));
  return StatusFor(*info);
}

}  // namespace airlock::cli
