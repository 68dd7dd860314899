// airlock-tool-test: runs a tool's test cases (guest/tools/NAME/NAME_test.json)
// through the real engine, in process: the module is compiled like `airlock
// run` compiles it (fuel metering on) and each case runs in a fresh instance
// with fresh folders.
//
//   airlock-tool-test [--cache-dir DIR] [--compile-helper PATH]
//                     [--filter TEXT] MODULE.wasm CASES.json...
//
// A case file is a JSON array of cases (docs/writing-tools.md):
//   name         string, required
//   args         any JSON value: stdin is its compact dump
//   stdin        string: stdin verbatim (instead of args; neither = empty)
//   result       the expected result (exit 0), compared as a whole
//   error        the expected {"code","message"[,"details"]} (exit 1, or 70
//                for code "internal"); exactly one of result/error
//   grants       [{"guest": "/workspace", "mode": "ro"|"rw"}]: a fresh
//                temporary folder each, preopened at that guest path
//   files        {GUEST_PATH: "content" | {"symlink": "target"} |
//                 {"dir": true}}, created before the run under a grant
//   files_after  the same form, checked after the run; null = must not exist
//   max_fuel     the case fails when it uses more fuel than this
//   comment      free text, ignored
// Output: per case "PASS name (fuel N, mem M KiB)" or "FAIL name: what
// differs (expected X, got Y)", then "N passed, M failed". Exit status 0
// when all passed, 1 when one failed, 2 for a usage error or a malformed case
// file (named with the case index and the problem; nothing runs then).
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "sandbox/engine.h"

namespace airlock {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;  // std::map objects: key order never matters
using sandbox::TrapKind;

constexpr int64_t kFuel = 1'000'000'000;
constexpr uint64_t kMemory = 64ull << 20;
constexpr absl::Duration kTimeout = absl::Seconds(10);
// More output than any case should produce; the rest is dropped (and the
// case fails on the truncated JSON).
constexpr size_t kMaxOutput = 64ull << 20;
constexpr size_t kBrief = 160;

struct Grant {
  std::string guest;
  bool read_only = true;
};

struct Case {
  std::string name;
  std::string stdin_text;
  bool expect_error = false;
  Json expected;  // the result, or {"error": ...}
  std::vector<Grant> grants;
  Json files = Json::object();
  Json files_after;  // null: no check
  std::optional<int64_t> max_fuel;
};

std::string Dump(const Json& v) {
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// `v` for a message: compact JSON, cut to kBrief bytes.
std::string Brief(const Json& v) {
  std::string s = Dump(v);
  if (s.size() <= kBrief) return s;
  size_t n = kBrief;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "... (" + std::to_string(s.size()) + " bytes)";
}

std::string BriefText(std::string_view s) {
  return Brief(Json(std::string(s)));
}

bool IsGuestPath(const std::string& p) {
  if (p.size() < 2 || p[0] != '/' || p.back() == '/') return false;
  for (size_t start = 1; start <= p.size();) {
    size_t end = p.find('/', start);
    if (end == std::string::npos) end = p.size();
    std::string_view part(p.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

bool Under(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

// Checks a files/files_after map; "" or the problem.
std::string CheckFiles(const Json& files, const std::vector<Grant>& grants,
                       const char* key, bool allow_null) {
  if (!files.is_object())
    return absl::StrCat("\"", key, "\" must be an object");
  for (const auto& [path, v] : files.items()) {
    std::string at = absl::StrCat("\"", key, "\" ", BriefText(path));
    if (!IsGuestPath(path)) {
      return at + ": must be an absolute, normalised guest path";
    }
    bool covered = false;
    for (const Grant& g : grants) covered = covered || Under(path, g.guest);
    if (!covered) return at + ": is not under any of the case's grants";
    bool ok = v.is_string() || (allow_null && v.is_null());
    if (v.is_object() && v.size() == 1) {
      if (auto t = v.find("symlink"); t != v.end() && t->is_string()) ok = true;
      if (auto d = v.find("dir"); d != v.end() && *d == true) ok = true;
    }
    if (!ok) {
      return at + ": must be file content (a string), {\"symlink\": TARGET}" +
             " or {\"dir\": true}" + (allow_null ? " or null (absent)" : "") +
             ", got " + Brief(v);
    }
  }
  return "";
}

// Parses one case; "" or the problem.
std::string ParseCase(const Json& c, Case* out) {
  if (!c.is_object()) return "a case must be an object, got " + Brief(c);
  static const char* const kKeys[] = {
      "name",   "args",  "stdin",       "result",   "error",
      "grants", "files", "files_after", "max_fuel", "comment"};
  for (const auto& [k, v] : c.items()) {
    bool known = false;
    for (const char* key : kKeys) known = known || k == key;
    if (!known) {
      return "unknown key " + BriefText(k) +
             " (allowed: name, args, stdin, result, error, grants, files, "
             "files_after, max_fuel, comment)";
    }
  }
  auto name = c.find("name");
  if (name == c.end() || !name->is_string() ||
      name->get<std::string>().empty()) {
    return "\"name\" must be a non-empty string";
  }
  out->name = name->get<std::string>();
  auto args = c.find("args");
  auto in = c.find("stdin");
  if (args != c.end() && in != c.end()) {
    return "has both \"args\" and \"stdin\" (stdin is args dumped)";
  }
  if (args != c.end()) out->stdin_text = Dump(*args);
  if (in != c.end()) {
    if (!in->is_string()) return "\"stdin\" must be a string";
    out->stdin_text = in->get<std::string>();
  }
  auto result = c.find("result");
  auto error = c.find("error");
  if ((result == c.end()) == (error == c.end())) {
    return "needs exactly one of \"result\" and \"error\"";
  }
  if (result != c.end()) {
    out->expected = *result;
  } else {
    if (!error->is_object() || !error->contains("code") ||
        !error->contains("message") || !(*error)["code"].is_string() ||
        !(*error)["message"].is_string()) {
      return "\"error\" must be {\"code\": STRING, \"message\": STRING"
             "[, \"details\": ...]}";
    }
    for (const auto& [k, v] : error->items()) {
      if (k != "code" && k != "message" && k != "details") {
        return "\"error\" has unknown key " + BriefText(k);
      }
    }
    out->expect_error = true;
    out->expected = Json{{"error", *error}};
  }
  if (auto g = c.find("grants"); g != c.end()) {
    if (!g->is_array()) return "\"grants\" must be an array";
    for (size_t i = 0; i < g->size(); ++i) {
      const Json& grant = (*g)[i];
      std::string at = "\"grants\"[" + std::to_string(i) + "]";
      if (!grant.is_object()) return at + ": must be {\"guest\", \"mode\"}";
      for (const auto& [k, v] : grant.items()) {
        if (k != "guest" && k != "mode") {
          return at + ": unknown key " + BriefText(k) +
                 " (allowed: guest, mode)";
        }
      }
      auto guest = grant.find("guest");
      if (guest == grant.end() || !guest->is_string() ||
          !IsGuestPath(guest->get<std::string>())) {
        return at + ": \"guest\" must be an absolute, normalised guest path";
      }
      Grant parsed{guest->get<std::string>(), true};
      if (auto mode = grant.find("mode"); mode != grant.end()) {
        if (*mode != "ro" && *mode != "rw") {
          return at + ": \"mode\" must be \"ro\" or \"rw\", got " +
                 Brief(*mode);
        }
        parsed.read_only = *mode == "ro";
      }
      for (const Grant& other : out->grants) {
        if (other.guest == parsed.guest || Under(other.guest, parsed.guest) ||
            Under(parsed.guest, other.guest)) {
          return at + ": overlaps the grant of " + other.guest;
        }
      }
      out->grants.push_back(parsed);
    }
  }
  if (auto f = c.find("files"); f != c.end()) {
    if (std::string e = CheckFiles(*f, out->grants, "files", false);
        !e.empty()) {
      return e;
    }
    out->files = *f;
  }
  if (auto f = c.find("files_after"); f != c.end()) {
    if (std::string e = CheckFiles(*f, out->grants, "files_after", true);
        !e.empty()) {
      return e;
    }
    out->files_after = *f;
  }
  if (auto m = c.find("max_fuel"); m != c.end()) {
    if (!m->is_number_integer() || m->get<int64_t>() <= 0) {
      return "\"max_fuel\" must be a positive integer, got " + Brief(*m);
    }
    out->max_fuel = m->get<int64_t>();
  }
  return "";
}

// Loads a case file; on a problem prints "FILE: case I (NAME): problem".
bool LoadCases(const std::string& file, std::vector<Case>* cases) {
  std::ifstream f(file, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "%s: cannot read the case file\n", file.c_str());
    return false;
  }
  std::string text{std::istreambuf_iterator<char>(f), {}};
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::exception& e) {
    std::fprintf(stderr, "%s: not valid JSON: %s\n", file.c_str(), e.what());
    return false;
  }
  if (!doc.is_array() || doc.empty()) {
    std::fprintf(stderr, "%s: must be a non-empty JSON array of cases\n",
                 file.c_str());
    return false;
  }
  for (size_t i = 0; i < doc.size(); ++i) {
    Case c;
    if (std::string e = ParseCase(doc[i], &c); !e.empty()) {
      std::string label = c.name.empty() ? "" : " (" + BriefText(c.name) + ")";
      std::fprintf(stderr, "%s: case %zu%s: %s\n", file.c_str(), i,
                   label.c_str(), e.c_str());
      return false;
    }
    for (const Case& other : *cases) {
      if (other.name == c.name) {
        std::fprintf(stderr, "%s: case %zu: duplicate name %s\n", file.c_str(),
                     i, BriefText(c.name).c_str());
        return false;
      }
    }
    cases->push_back(std::move(c));
  }
  return true;
}

// Maps a guest path to its host path under the case's grant folders.
fs::path HostPath(const std::string& guest,
                  const std::vector<std::pair<Grant, fs::path>>& dirs) {
  for (const auto& [g, host] : dirs) {
    if (Under(guest, g.guest)) return host / guest.substr(g.guest.size() + 1);
  }
  return {};
}

// Creates `files`; "" or the problem.
std::string MakeFiles(const Json& files,
                      const std::vector<std::pair<Grant, fs::path>>& dirs) {
  for (const auto& [guest, v] : files.items()) {
    fs::path host = HostPath(guest, dirs);
    std::error_code ec;
    fs::create_directories(host.parent_path(), ec);
    if (ec) return "cannot create the folder of " + guest + ": " + ec.message();
    if (v.is_string()) {
      std::ofstream f(host, std::ios::binary | std::ios::trunc);
      f << v.get<std::string>();
      f.close();
      if (!f) return "cannot write " + guest;
    } else if (v.contains("symlink")) {
      fs::create_symlink(v["symlink"].get<std::string>(), host, ec);
      if (ec) return "cannot create symlink " + guest + ": " + ec.message();
    } else {
      fs::create_directories(host, ec);
      if (ec) return "cannot create folder " + guest + ": " + ec.message();
    }
  }
  return "";
}

// Checks `files_after`; "" or what differs.
std::string CheckFilesAfter(
    const Json& files, const std::vector<std::pair<Grant, fs::path>>& dirs) {
  for (const auto& [guest, v] : files.items()) {
    fs::path host = HostPath(guest, dirs);
    std::error_code ec;
    fs::file_status st = fs::symlink_status(host, ec);
    bool exists = fs::exists(st);
    auto kind = [&]() -> std::string {
      if (!exists) return "absent";
      if (fs::is_symlink(st)) return "a symlink";
      if (fs::is_directory(st)) return "a folder";
      if (fs::is_regular_file(st)) return "a file";
      return "something else";
    };
    if (v.is_null()) {
      if (exists) return guest + " (expected absent, got " + kind() + ")";
    } else if (v.is_string()) {
      if (!fs::is_regular_file(st)) {
        return guest + " (expected a file, got " + kind() + ")";
      }
      std::ifstream f(host, std::ios::binary);
      std::string got{std::istreambuf_iterator<char>(f), {}};
      if (got != v.get<std::string>()) {
        return guest + " content (expected " + Brief(v) + ", got " +
               BriefText(got) + ")";
      }
    } else if (v.contains("symlink")) {
      if (!fs::is_symlink(st)) {
        return guest + " (expected a symlink, got " + kind() + ")";
      }
      std::string target = fs::read_symlink(host, ec).string();
      if (target != v["symlink"].get<std::string>()) {
        return guest + " symlink target (expected " + Brief(v["symlink"]) +
               ", got " + BriefText(target) + ")";
      }
    } else if (!fs::is_directory(st)) {
      return guest + " (expected a folder, got " + kind() + ")";
    }
  }
  return "";
}

// The first place where `got` differs from `want`, as "POINTER (expected X,
// got Y)".
std::string Diff(const Json& want, const Json& got, const std::string& at) {
  std::string where = at.empty() ? "/" : at;
  if (want.type() != got.type() && !(want.is_number() && got.is_number())) {
    return where + " (expected " + Brief(want) + ", got " + Brief(got) + ")";
  }
  if (want.is_object()) {
    for (const auto& [k, v] : want.items()) {
      if (!got.contains(k)) {
        return where + " (expected property " + BriefText(k) + ", got none)";
      }
      if (v != got[k]) return Diff(v, got[k], at + "/" + k);
    }
    for (const auto& [k, v] : got.items()) {
      if (!want.contains(k)) {
        return at + "/" + k + " (expected no such property, got " + Brief(v) +
               ")";
      }
    }
  } else if (want.is_array()) {
    for (size_t i = 0; i < want.size() && i < got.size(); ++i) {
      if (want[i] != got[i]) {
        return Diff(want[i], got[i], at + "/" + std::to_string(i));
      }
    }
    if (want.size() != got.size()) {
      return where + " length (expected " + std::to_string(want.size()) +
             " items, got " + std::to_string(got.size()) + ")";
    }
  }
  return where + " (expected " + Brief(want) + ", got " + Brief(got) + ")";
}

struct Options {
  std::string cache_dir = AIRLOCK_TOOL_TEST_CACHE;
  std::string helper = AIRLOCK_COMPILE_HELPER;
  std::string filter;
  std::string module;
  std::vector<std::string> case_files;
};

class Runner {
 public:
  Runner(sandbox::Engine& engine,
         std::shared_ptr<const sandbox::CompiledModule> module,
         std::string tool, fs::path scratch)
      : engine_(engine),
        module_(std::move(module)),
        tool_(std::move(tool)),
        scratch_(std::move(scratch)) {}

  // Runs one case; prints PASS/FAIL; returns whether it passed.
  bool Run(const Case& c, int index) {
    std::string failure = RunCase(c, index);
    if (failure.empty()) {
      std::printf("PASS %s (fuel %lld, mem %llu KiB)\n", c.name.c_str(),
                  static_cast<long long>(fuel_),
                  static_cast<unsigned long long>(peak_ >> 10));
    } else {
      std::printf("FAIL %s: %s\n", c.name.c_str(), failure.c_str());
      if (!stderr_.empty()) {
        std::printf("  guest stderr: %s\n", BriefText(stderr_).c_str());
      }
    }
    std::fflush(stdout);
    return failure.empty();
  }

 private:
  std::string RunCase(const Case& c, int index) {
    fuel_ = 0;
    peak_ = 0;
    stderr_.clear();
    fs::path root = scratch_ / std::to_string(index);
    std::error_code ec;
    fs::remove_all(root, ec);
    std::vector<std::pair<Grant, fs::path>> dirs;
    sandbox::WasiConfig wasi;
    wasi.args = {tool_};
    for (size_t i = 0; i < c.grants.size(); ++i) {
      fs::path host = root / ("grant" + std::to_string(i));
      fs::create_directories(host, ec);
      if (ec) return "cannot create a grant folder: " + ec.message();
      dirs.emplace_back(c.grants[i], host);
      wasi.dirs.push_back(
          {host.string(), c.grants[i].guest, c.grants[i].read_only});
    }
    if (std::string e = MakeFiles(c.files, dirs); !e.empty()) return e;

    size_t offset = 0;
    const std::string& in = c.stdin_text;
    wasi.read_stdin = [&in, &offset](uint8_t* buf, size_t max) -> int64_t {
      size_t n = std::min(max, in.size() - offset);
      std::copy_n(in.data() + offset, n, buf);
      offset += n;
      return static_cast<int64_t>(n);
    };
    std::string out;
    wasi.write_stdout = [&out](std::string_view d) {
      if (out.size() + d.size() > kMaxOutput) return false;
      out.append(d);
      return true;
    };
    wasi.write_stderr = [this](std::string_view d) {
      if (stderr_.size() < kMaxOutput) stderr_.append(d);
      return true;
    };
    auto r = engine_.RunCommand(
        module_, std::move(wasi),
        {.fuel = kFuel, .max_memory_bytes = kMemory, .timeout = kTimeout});
    std::string result = Check(c, r, out);
    if (result.empty() && !c.files_after.is_null()) {
      result = CheckFilesAfter(c.files_after, dirs);
    }
    fs::remove_all(root, ec);
    return result;
  }

  std::string Check(const Case& c, const absl::StatusOr<sandbox::RunResult>& r,
                    const std::string& out) {
    int want_exit = 0;
    if (c.expect_error)
      want_exit = c.expected["error"]["code"] == "internal" ? 70 : 1;
    if (!r.ok()) {
      return "the engine refused to run it: " +
             std::string(r.status().message());
    }
    fuel_ = r->fuel_used;
    peak_ = r->peak_memory_bytes;
    if (!r->exited()) {
      return absl::StrCat("trapped (expected exit ", want_exit, ", got trap ",
                          std::string(sandbox::TrapName(r->trap)), ") after ",
                          fuel_, " fuel; stdout: ", BriefText(out));
    }
    if (static_cast<int>(r->exit_code) != want_exit) {
      return absl::StrCat("exit code (expected ", want_exit, ", got ",
                          r->exit_code, "); stdout: ", BriefText(out));
    }
    if (out.empty() || out.back() != '\n' || out.find('\n') != out.size() - 1) {
      return "stdout is not one line ending in a newline (expected " +
             Brief(c.expected) + ", got " + BriefText(out) + ")";
    }
    Json got = Json::parse(out, nullptr, false);
    if (got.is_discarded()) {
      return "stdout is not JSON (expected " + Brief(c.expected) + ", got " +
             BriefText(out) + ")";
    }
    if (got != c.expected) {
      return (c.expect_error ? "error " : "result ") +
             Diff(c.expected, got, "");
    }
    if (c.max_fuel && fuel_ > *c.max_fuel) {
      return absl::StrCat("fuel (expected <= ", *c.max_fuel, ", got ", fuel_,
                          ")");
    }
    return "";
  }

  sandbox::Engine& engine_;
  std::shared_ptr<const sandbox::CompiledModule> module_;
  std::string tool_;
  fs::path scratch_;
  int64_t fuel_ = 0;
  uint64_t peak_ = 0;
  std::string stderr_;
};

int Usage() {
  std::fputs(
      "usage: airlock-tool-test [--cache-dir DIR] [--compile-helper PATH]\n"
      "                         [--filter TEXT] MODULE.wasm CASES.json...\n"
      "Runs a tool's test cases through the engine (docs/writing-tools.md).\n",
      stderr);
  return 2;
}

int Main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    if (a == "--cache-dir") {
      if (!value(&opt.cache_dir)) return Usage();
    } else if (a == "--compile-helper") {
      if (!value(&opt.helper)) return Usage();
    } else if (a == "--filter") {
      if (!value(&opt.filter)) return Usage();
    } else if (a.starts_with("-")) {
      return Usage();
    } else if (opt.module.empty()) {
      opt.module = a;
    } else {
      opt.case_files.emplace_back(a);
    }
  }
  if (opt.module.empty() || opt.case_files.empty()) return Usage();

  std::vector<Case> cases;
  for (const std::string& file : opt.case_files) {
    if (!LoadCases(file, &cases)) return 2;
  }

  std::ifstream f(opt.module, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "%s: cannot read the module\n", opt.module.c_str());
    return 2;
  }
  std::vector<uint8_t> wasm{std::istreambuf_iterator<char>(f), {}};
  sandbox::Engine::Config config;
  config.compiler.cache_dir = opt.cache_dir;
  config.compiler.helper_path = opt.helper;
  auto engine = sandbox::Engine::Create(config);
  if (!engine.ok()) {
    std::fprintf(stderr, "airlock-tool-test: %s\n",
                 std::string(engine.status().message()).c_str());
    return 2;
  }
  sandbox::CompileStats stats;
  auto module = (*engine)->Compile(wasm, {.fuel = true}, &stats);
  if (!module.ok()) {
    std::fprintf(stderr, "%s: does not compile: %s\n", opt.module.c_str(),
                 std::string(module.status().message()).c_str());
    return 1;
  }
  std::printf("%s: %s in %lld ms\n", opt.module.c_str(),
              stats.cache_hit ? "loaded from the cache" : "compiled",
              static_cast<long long>(absl::ToInt64Milliseconds(
                  stats.compile_time + stats.load_time)));

  char scratch_template[] = "/tmp/airlock-tool-test-XXXXXX";
  if (!mkdtemp(scratch_template)) {
    std::perror("airlock-tool-test: mkdtemp");
    return 2;
  }
  fs::path scratch = scratch_template;
  std::string tool = fs::path(opt.module).stem().string();
  Runner runner(**engine, *module, tool, scratch);
  int passed = 0, failed = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (!opt.filter.empty() &&
        cases[i].name.find(opt.filter) == std::string::npos) {
      continue;
    }
    (runner.Run(cases[i], static_cast<int>(i)) ? passed : failed)++;
  }
  std::error_code ec;
  fs::remove_all(scratch, ec);
  std::printf("%d passed, %d failed\n", passed, failed);
  if (passed + failed == 0) {
    std::fprintf(stderr, "airlock-tool-test: no case name contains \"%s\"\n",
                 opt.filter.c_str());
    return 1;
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace airlock

int main(int argc, char** argv) { return airlock::Main(argc, argv); }
