// bench/tools: what a typical call of each bundled tool costs
// (docs/performance.md, "Bundled tools"; the fuel column is what
// docs/tools.md quotes). For each tool the bench generates a realistic input
// (a 200-item JSON document, a 2 MB source tree, a 10,000-row CSV...), runs
// it through the real CLI the way a caller would:
//
//   airlock run --stats --cache-dir DIR [--dir-ro X::/workspace |
//               --dir X::/scratch] TOOL.wasm  < arguments.json
//
// (isolated, the default; CLI default limits, so the figures are the call's
// true cost): every tool once untimed to warm the compile cache, then N
// timed rounds over all the tools (interleaved, so that load from other
// work hits them alike).
// Every run must exit 0 with a JSON object without "error" on stdout that
// passes a tool-specific check (e.g. regex found the 20 planted matches);
// anything else fails the bench, naming the tool and showing its output.
//
// One table: fuel, wall time of the whole `airlock run` process (p50, p90),
// the guest's run_ms (p50) and peak memory from --stats, output bytes, the
// ratio of wall p50 to echo's (echo is the fixed cost of a call, so the
// ratio shows what the tool adds), and whether the call stays within the
// policy's built-in limits (1e9 fuel, 64 MiB, 1 MiB of arguments and of
// output).
//
//   tools_bench [--runs N] [--tools a,b,...] [--airlock PATH]
//               [--tools-dir DIR] [--cache-dir DIR] [--keep]
#include <fcntl.h>
#include <openssl/sha.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// The policy's built-in limits (docs/policy.md, "Limits keys"): what every
// bundled tool's typical call must fit in.
constexpr uint64_t kDefaultFuel = 1'000'000'000;
constexpr uint64_t kDefaultMemory = 64ull << 20;
constexpr uint64_t kDefaultInput = 1ull << 20;
constexpr uint64_t kDefaultOutput = 1ull << 20;

// The bundled tools, in the order of guest/tools/CMakeLists.txt.
const char* const kTools[] = {
    "echo",       "calc",     "json_query", "regex", "text_search", "file_read",
    "file_write", "list_dir", "hash",       "diff",  "csv"};

// One tool's typical call. `check` returns "" when the result is what the
// generated input must give, else what is wrong.
struct Call {
  std::string tool;
  std::string description;
  std::string args;                // stdin: the arguments as JSON
  std::vector<std::string> flags;  // grants (--dir-ro / --dir)
  std::function<std::string(const Json&)> check;
};

// One `airlock run` process.
struct Run {
  int status = -1;  // exit status, or -1 when it did not exit normally
  std::string out, err;
  double wall_ms = 0;
  Json stats;  // the --stats line (null when missing)
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

bool WriteFile(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  return static_cast<bool>(out);
}

// Runs `argv` with stdin from `in`, stdout and stderr to files in `io_dir`;
// the wall time covers spawn to exit, what a caller of the CLI waits for.
Run Spawn(const std::vector<std::string>& argv, const fs::path& in,
          const fs::path& io_dir) {
  Run run;
  const std::string out_path = io_dir / "stdout", err_path = io_dir / "stderr";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> cargv;
  for (const std::string& a : argv)
    cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int rc =
      posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    run.err = std::string("cannot start ") + argv[0] + ": " + strerror(rc);
    return run;
  }
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  run.wall_ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
  if (WIFEXITED(wstatus)) run.status = WEXITSTATUS(wstatus);
  run.out = ReadFile(out_path);
  run.err = ReadFile(err_path);
  // --stats is the last line of stderr.
  std::string_view err = run.err;
  while (!err.empty() && err.back() == '\n') err.remove_suffix(1);
  const size_t nl = err.rfind('\n');
  const std::string_view last =
      nl == std::string_view::npos ? err : err.substr(nl + 1);
  if (!last.empty() && last.front() == '{') {
    run.stats = Json::parse(last, nullptr, /*allow_exceptions=*/false);
    if (run.stats.is_discarded()) run.stats = nullptr;
  }
  return run;
}

// Why `run` is not a successful call of `call`, or "".
std::string Verify(const Call& call, const Run& run) {
  if (run.status != 0) {
    return "exit status " + std::to_string(run.status) + " (expected 0)";
  }
  if (!run.stats.is_object() || !run.stats["fuel_used"].is_number() ||
      !run.stats["peak_memory_bytes"].is_number() ||
      !run.stats["run_ms"].is_number()) {
    return "no --stats line with fuel_used, peak_memory_bytes and run_ms on "
           "stderr";
  }
  const Json result = Json::parse(run.out, nullptr, false);
  if (result.is_discarded()) return "stdout is not JSON";
  if (!result.is_object()) return "stdout is not a JSON object";
  if (result.contains("error")) return "the result is an error";
  return call.check(result);
}

// The 1, 5 and 15 minute load averages: "1.52 1.20 0.98".
std::string LoadAverage() {
  const std::string text = ReadFile("/proc/loadavg");
  size_t end = 0;
  for (int i = 0; i < 3 && end != std::string::npos; ++i) {
    end = text.find(' ', end == 0 ? 0 : end + 1);
  }
  return text.substr(0, end);
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i =
      std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * v.size()));
  return v[i];
}

// 1234567 -> "1,234,567".
std::string Commas(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Head(const std::string& s, size_t n = 600) {
  return s.size() <= n
             ? s
             : s.substr(0, n) + "... (" + std::to_string(s.size()) + " bytes)";
}

// `text` for a Markdown table cell: a | would end the cell, even inside
// backticks.
std::string Cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

// Percent of a limit: "0.04%", "3.0%", "12%".
std::string Percent(double part, double whole) {
  const double p = 100.0 * part / whole;
  return Fixed(p, p < 1 ? 2 : p < 10 ? 1 : 0) + "%";
}

// Deterministic inputs: a fixed-seed generator (mt19937_64's output is fixed
// by the standard), used through modulo only, so every machine generates
// the same bytes and the fuel figures are comparable.
class Gen {
 public:
  uint64_t Next(uint64_t n) { return rng_() % n; }
  const std::string& Pick(const std::vector<std::string>& v) {
    return v[Next(v.size())];
  }

 private:
  std::mt19937_64 rng_{20261125};
};

const std::vector<std::string> kWords = {
    "count", "buffer", "item",  "total", "node",   "value",  "index",
    "table", "entry",  "state", "token", "offset", "length", "cache",
    "flag",  "limit",  "queue", "name",  "size",   "result"};

std::string Ident(Gen& g) { return g.Pick(kWords) + "_" + g.Pick(kWords); }

// A line of C-like source (never containing "parse_config").
std::string CodeLine(Gen& g) {
  switch (g.Next(6)) {
    case 0:
      return "  int " + Ident(g) + " = " + Ident(g) + "(" + Ident(g) + ", " +
             std::to_string(g.Next(1000)) + ");\n";
    case 1:
      return "  if (" + Ident(g) + " > " + std::to_string(g.Next(100)) +
             ") return " + Ident(g) + ";\n";
    case 2:
      return "  // " + g.Pick(kWords) + " the " + g.Pick(kWords) + " of " +
             g.Pick(kWords) + " before the " + g.Pick(kWords) + ".\n";
    case 3:
      return "static void " + Ident(g) + "(struct " + g.Pick(kWords) + " *" +
             g.Pick(kWords) + ") {\n";
    case 4:
      return "  " + Ident(g) + "->" + g.Pick(kWords) + " += " + Ident(g) +
             ";\n";
    default:
      return "}\n";
  }
}

// Lines of CodeLine text, `bytes` long in total (the last line padded).
std::string CodeText(Gen& g, size_t bytes) {
  std::string text;
  for (;;) {
    std::string line = CodeLine(g);
    if (text.size() + line.size() + 8 > bytes) break;
    text += line;
  }
  const size_t rest = bytes - text.size();  // >= 8
  text += "//" + std::string(rest - 3, '-') + "\n";
  return text;
}

std::string Sha256Hex(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : md) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// "what: expected E, got G" when they differ.
template <typename T>
std::string Expect(const char* what, const Json& got, const T& expected) {
  if (got == Json(expected)) return "";
  return std::string(what) + ": expected " + Json(expected).dump() + ", got " +
         got.dump();
}

// The typical calls. Files the calls read or write go under `root`.
std::vector<Call> MakeCalls(const fs::path& root) {
  Gen g;
  std::vector<Call> calls;

  {
    const std::string text = "hello from the tools benchmark";
    calls.push_back(
        {"echo",
         "a 30-character text",
         Json{{"text", text}}.dump(),
         {},
         [text](const Json& r) { return Expect("text", r["text"], text); }});
  }
  {
    // 10 binary operators: * + / - ^ % + * - //.
    const std::string expr =
        "(1234 * 5678 + 91011) / 7 - 3^4 % 5 + sqrt(2) * 100 - 42 // 5";
    const double expected =
        (1234.0 * 5678 + 91011) / 7 - 1 + std::sqrt(2.0) * 100 - 8;
    calls.push_back({"calc",
                     "a 10-operator expression with sqrt",
                     Json{{"expression", expr}}.dump(),
                     {},
                     [expected](const Json& r) -> std::string {
                       if (!r["value"].is_number() ||
                           std::fabs(r["value"].get<double>() - expected) >
                               1e-6) {
                         return "value: expected " + Fixed(expected, 9) +
                                ", got " + r["value"].dump();
                       }
                       return "";
                     }});
  }
  {
    Json items = Json::array();
    Json names = Json::array();
    const std::vector<std::string> tags = {"new", "sale", "eco", "bulk",
                                           "gift"};
    for (int i = 0; i < 200; ++i) {
      const double price = static_cast<double>(50 + g.Next(2000)) / 100.0 * 2;
      const std::string name = "item-" + std::to_string(i);
      items.push_back({{"id", i},
                       {"name", name},
                       {"price", price},
                       {"qty", g.Next(50)},
                       {"in_stock", g.Next(4) != 0},
                       {"tags", {g.Pick(tags), g.Pick(tags)}}});
      if (price > 10) names.push_back(name);
    }
    const Json args = {{"document", {{"items", items}}},
                       {"query", ".items[] | select(.price > 10) | .name"}};
    calls.push_back({"json_query",
                     "`.items[] | select(.price > 10) | .name`, 200 items (" +
                         std::to_string(args.dump().size() / 1000) + " KB)",
                     args.dump(),
                     {},
                     [names](const Json& r) {
                       return Expect("results", r["results"], names);
                     }});
  }
  {
    // 20 lines of ~100 bytes, one address each.
    std::string text;
    for (int i = 0; i < 20; ++i) {
      std::string line = "Ticket " + std::to_string(1000 + i) + ": " +
                         g.Pick(kWords) + " " + g.Pick(kWords) +
                         " reported by " + g.Pick(kWords) + std::to_string(i) +
                         "@" + g.Pick(kWords) + "mail.com about the " +
                         g.Pick(kWords) + " " + g.Pick(kWords);
      while (line.size() < 101) line += " " + g.Pick(kWords);
      text += line.substr(0, 101) + "\n";
    }
    calls.push_back(
        {"regex",
         "`(\\w+)@(\\w+)\\.com` (2 groups) in " + Commas(text.size()) +
             " bytes, 20 matches",
         Json{{"pattern", "(\\w+)@(\\w+)\\.com"}, {"text", text}}.dump(),
         {},
         [](const Json& r) { return Expect("count", r["count"], 20); }});
  }
  {
    // 10 modules x (10 .c + 10 .h) = 200 files of 10,000 bytes; a literal
    // planted once in 3 of every 10 files: 60 matching lines.
    const fs::path tree = root / "text_search";
    int planted = 0;
    uint64_t total = 0;
    for (int m = 0; m < 10; ++m) {
      for (const char* sub : {"src", "include"}) {
        const fs::path dir = tree / ("mod_" + std::to_string(m)) / sub;
        fs::create_directories(dir);
        for (int f = 0; f < 10; ++f) {
          std::string text = CodeText(g, 10'000);
          if (f < 3) {
            // One line inserted in the first half; the file is cut back to
            // its size at a line end.
            const std::string line =
                "  if (parse_config(&state, path) != 0) return -1;\n";
            const size_t at = text.find('\n', g.Next(text.size() / 2)) + 1;
            text.insert(at, line);
            text.resize(text.rfind('\n', 10'000 - 1) + 1);
            ++planted;
          }
          total += text.size();
          WriteFile(dir / ("file_" + std::to_string(f) +
                           (sub[0] == 's' ? ".c" : ".h")),
                    text);
        }
      }
    }
    calls.push_back({"text_search",
                     "a literal in 200 files, " + Fixed(total / 1e6, 1) +
                         " MB (" + std::to_string(planted) + " hits)",
                     Json{{"pattern", "parse_config"}}.dump(),
                     {"--dir-ro", tree.string() + "::/workspace"},
                     [planted](const Json& r) {
                       std::string e = Expect("count", r["count"], planted);
                       if (e.empty()) {
                         e = Expect("files_searched", r["files_searched"], 200);
                       }
                       return e;
                     }});
  }
  {
    // 200 lines, 10 KiB.
    const fs::path dir = root / "file_read";
    fs::create_directories(dir);
    std::string text;
    for (int i = 0; i < 199; ++i) {
      std::string line = CodeLine(g);
      line.pop_back();
      line.resize(50, ' ');
      text += line + "\n";
    }
    text += std::string(10240 - text.size() - 1, '/') + "\n";
    WriteFile(dir / "main.c", text);
    calls.push_back({"file_read",
                     "a whole 10 KiB file of 200 lines",
                     Json{{"path", "main.c"}}.dump(),
                     {"--dir-ro", dir.string() + "::/workspace"},
                     [text](const Json& r) {
                       std::string e = Expect("content", r["content"], text);
                       if (e.size() > 200) e = "content differs";
                       if (e.empty()) {
                         e = Expect("total_lines", r["total_lines"], 200);
                       }
                       return e;
                     }});
  }
  {
    const fs::path dir = root / "file_write";
    fs::create_directories(dir);
    std::string text = CodeText(g, 4096);
    calls.push_back({"file_write",
                     "4 KiB into /scratch (replacing it)",
                     Json{{"path", "report.txt"}, {"content", text}}.dump(),
                     {"--dir", dir.string() + "::/scratch"},
                     [dir, text](const Json& r) {
                       std::string e =
                           Expect("bytes_written", r["bytes_written"], 4096);
                       if (e.empty() && ReadFile(dir / "report.txt") != text) {
                         e = "/scratch/report.txt does not hold the content";
                       }
                       return e;
                     }});
  }
  {
    // 40 files and 10 folders.
    const fs::path dir = root / "list_dir";
    for (int i = 0; i < 10; ++i) {
      fs::create_directories(dir / ("dir_" + std::to_string(i)));
    }
    for (int i = 0; i < 40; ++i) {
      WriteFile(dir / (Ident(g) + "_" + std::to_string(i) + ".txt"),
                std::string(g.Next(4096), 'x'));
    }
    calls.push_back(
        {"list_dir",
         "a folder of 50 entries (40 files)",
         "{}",
         {"--dir-ro", dir.string() + "::/workspace"},
         [](const Json& r) { return Expect("count", r["count"], 50); }});
  }
  {
    // Text (words and line breaks) that makes the arguments exactly 1 MiB:
    // the largest call the policy's default input limit admits. A line
    // break is two bytes in JSON ("\\n").
    const size_t room = kDefaultInput - Json{{"text", ""}}.dump().size();
    std::string text;
    size_t json_bytes = 0;
    while (json_bytes < room) {
      const std::string word = g.Pick(kWords);
      const char sep = g.Next(12) == 0 ? '\n' : ' ';
      for (char c : word + sep) {
        const size_t n = c == '\n' ? 2 : 1;
        if (json_bytes + n > room) break;
        text += c;
        json_bytes += n;
      }
      if (json_bytes + 1 == room) {  // no room for a line break: a space
        text += ' ';
        ++json_bytes;
      }
    }
    const std::string digest = Sha256Hex(text);
    calls.push_back({"hash",
                     "sha256 of " + Commas(text.size()) +
                         " bytes of text (1 MiB of arguments)",
                     Json{{"text", text}}.dump(),
                     {},
                     [digest](const Json& r) {
                       return Expect("digest", r["digest"], digest);
                     }});
  }
  {
    // 2,000 unique lines; 50 changes at least 20 lines apart: 30 lines
    // changed, 10 inserted, 10 deleted.
    std::vector<std::string> old_lines;
    for (int i = 0; i < 2000; ++i) {
      std::string line = CodeLine(g);
      line.insert(line.size() - 1, "  // " + std::to_string(i));
      old_lines.push_back(line);
    }
    std::string old_text, new_text;
    int added = 0, removed = 0;
    std::vector<int> at;
    for (int c = 0; c < 50; ++c) at.push_back(c * 40 + 5 + g.Next(15));
    size_t next = 0;
    for (int i = 0; i < 2000; ++i) {
      old_text += old_lines[i];
      if (next < at.size() && i == at[next]) {
        const int kind = next % 5;  // 0-2 change, 3 insert, 4 delete
        if (kind <= 2) {
          new_text += "  changed_" + std::to_string(i) + " = 1;\n";
          ++added, ++removed;
        } else if (kind == 3) {
          new_text +=
              old_lines[i] + "  inserted_" + std::to_string(i) + "();\n";
          ++added;
        } else {
          ++removed;
        }
        ++next;
        continue;
      }
      new_text += old_lines[i];
    }
    calls.push_back({"diff",
                     "two 2,000-line texts, 50 changes",
                     Json{{"old", old_text}, {"new", new_text}}.dump(),
                     {},
                     [added, removed](const Json& r) {
                       std::string e = Expect("added", r["added"], added);
                       if (e.empty()) {
                         e = Expect("removed", r["removed"], removed);
                       }
                       if (e.empty()) e = Expect("hunks", r["hunks"], 50);
                       return e;
                     }});
  }
  {
    const std::vector<std::string> cities = {
        "Berlin", "Lyon", "Porto", "Oslo",  "Turin", "Ghent", "Cork",
        "Graz",   "Brno", "Split", "Malmo", "Leeds", "Basel", "Riga"};
    const std::vector<std::string> names = {"Smith, Ann",  "Lee",   "Garcia",
                                            "\"Big\" Co",  "Novak", "Okafor",
                                            "Jensen, Per", "Rossi"};
    std::string csv = "id,customer,city,amount,date\n";
    for (int i = 1; i <= 10000; ++i) {
      std::string name = g.Pick(names);
      if (name.find_first_of(",\"") != std::string::npos) {
        std::string quoted = "\"";
        for (char c : name)
          quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        name = quoted + "\"";
      }
      csv += std::to_string(i) + "," + name + "," + g.Pick(cities) + "," +
             std::to_string(g.Next(100000)) + "." +
             std::to_string(10 + g.Next(90)) + ",2026-" +
             std::to_string(10 + g.Next(3)) + "-" +
             std::to_string(10 + g.Next(19)) + "\n";
    }
    calls.push_back(
        {"csv",
         "10,000 rows x 5 columns (" + std::to_string(csv.size() / 1000) +
             " KB) with stats, 1,000 rows returned",
         Json{{"text", csv}, {"stats", true}}.dump(),
         {},
         [](const Json& r) {
           std::string e = Expect("row_count", r["row_count"], 10000);
           if (e.empty()) e = Expect("truncated", r["truncated"], true);
           if (e.empty() && r["stats"].size() != 5) e = "stats: expected 5";
           return e;
         }});
  }
  return calls;
}

struct Row {
  std::string tool, description;
  std::string problem;  // "" when every run succeeded
  uint64_t fuel = 0, fuel_min = 0, fuel_max = 0;
  double wall50 = 0, wall90 = 0, run50 = 0;
  uint64_t peak = 0, out_bytes = 0, in_bytes = 0;
};

int Usage() {
  fprintf(stderr,
          "usage: tools_bench [--runs N] [--tools a,b,...] [--airlock PATH]\n"
          "                   [--tools-dir DIR] [--cache-dir DIR] [--keep]\n"
          "  --runs N       timed runs per tool after one untimed warm-up "
          "(default 20)\n"
          "  --tools LIST   only these tools (echo, the baseline, always "
          "runs)\n"
          "  --airlock      the CLI (default %s)\n"
          "  --tools-dir    where TOOL.wasm are (default %s)\n"
          "  --cache-dir    compile cache (default %s)\n"
          "  --keep         keep the generated inputs (the folder is "
          "printed)\n",
          AIRLOCK_BIN, AIRLOCK_TOOLS_DIR, AIRLOCK_TOOLS_BENCH_CACHE);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  std::string airlock = AIRLOCK_BIN, tools_dir = AIRLOCK_TOOLS_DIR,
              cache_dir = AIRLOCK_TOOLS_BENCH_CACHE, only;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--runs" && has_value) {
      runs = std::atoi(argv[++i]);
      if (runs < 1) {
        fprintf(stderr, "tools_bench: --runs: must be >= 1, got %s\n", argv[i]);
        return 2;
      }
    } else if (arg == "--tools" && has_value) {
      only = "," + std::string(argv[++i]) + ",";
    } else if (arg == "--airlock" && has_value) {
      airlock = argv[++i];
    } else if (arg == "--tools-dir" && has_value) {
      tools_dir = argv[++i];
    } else if (arg == "--cache-dir" && has_value) {
      cache_dir = argv[++i];
    } else if (arg == "--keep") {
      keep = true;
    } else {
      if (arg != "--help" && arg != "-h") {
        fprintf(stderr, "tools_bench: unknown or incomplete flag: %s\n",
                arg.c_str());
      }
      return Usage();
    }
  }
  if (!only.empty()) {
    for (size_t b = 1; b < only.size();) {
      const size_t e = only.find(',', b);
      const std::string name = only.substr(b, e - b);
      if (!name.empty() &&
          std::find_if(std::begin(kTools), std::end(kTools),
                       [&](auto t) { return name == t; }) == std::end(kTools)) {
        fprintf(stderr, "tools_bench: --tools: unknown tool \"%s\"\n",
                name.c_str());
        return 2;
      }
      b = e + 1;
    }
  }

  char tmpl[] = "/tmp/airlock_tools_bench.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    perror("tools_bench: mkdtemp");
    return 1;
  }
  const fs::path root = tmpl;
  const fs::path io_dir = root / "io";
  fs::create_directories(io_dir);
  const std::string load_start = LoadAverage();

  const std::vector<Call> calls = MakeCalls(root);
  std::vector<Row> rows(calls.size());
  std::vector<std::vector<std::string>> cmds(calls.size());
  std::vector<fs::path> inputs(calls.size());
  bool failed = false;
  for (size_t c = 0; c < calls.size(); ++c) {
    const Call& call = calls[c];
    Row& row = rows[c];
    row.tool = call.tool;
    row.description = call.description;
    row.in_bytes = call.args.size();
    if (!only.empty() && call.tool != "echo" &&
        only.find("," + call.tool + ",") == std::string::npos) {
      row.problem = "not selected (--tools)";
      continue;
    }
    const fs::path wasm = fs::path(tools_dir) / (call.tool + ".wasm");
    if (!fs::exists(wasm)) {
      row.problem = "not built: " + wasm.string() + " is missing";
      fprintf(stderr, "FAIL %s: %s\n", call.tool.c_str(), row.problem.c_str());
      failed = true;
      continue;
    }
    inputs[c] = io_dir / (call.tool + ".json");
    WriteFile(inputs[c], call.args);
    cmds[c] = {airlock, "run", "--stats", "--cache-dir", cache_dir};
    cmds[c].insert(cmds[c].end(), call.flags.begin(), call.flags.end());
    cmds[c].push_back(wasm.string());
  }

  // Round 0 is the untimed warm-up (compiles on a cold cache). The timed
  // rounds interleave the tools, so that load from other work on the
  // machine hits every tool, echo included, alike.
  std::vector<std::vector<double>> wall(calls.size()), run_ms(calls.size()),
      fuel(calls.size());
  for (int round = 0; round <= runs; ++round) {
    for (size_t c = 0; c < calls.size(); ++c) {
      const Call& call = calls[c];
      Row& row = rows[c];
      if (!row.problem.empty()) continue;
      const Run run = Spawn(cmds[c], inputs[c], io_dir);
      const std::string problem = Verify(call, run);
      if (!problem.empty()) {
        row.problem = problem;
        std::string line;
        for (const std::string& a : cmds[c]) line += a + " ";
        fprintf(stderr,
                "FAIL %s (%s): %s\n  command: %s< %s\n  stdout: %s\n  "
                "stderr: %s\n",
                call.tool.c_str(), round == 0 ? "warm-up" : "timed run",
                problem.c_str(), line.c_str(), inputs[c].c_str(),
                Head(run.out).c_str(), Head(run.err).c_str());
        failed = true;
        continue;
      }
      if (round == 0) {
        fprintf(stderr, "%-12s warm-up: cache %s, compile_ms %.0f\n",
                call.tool.c_str(),
                run.stats.value("cache", std::string("?")).c_str(),
                run.stats.value("compile_ms", 0.0));
        continue;
      }
      wall[c].push_back(run.wall_ms);
      run_ms[c].push_back(run.stats["run_ms"].get<double>());
      fuel[c].push_back(run.stats["fuel_used"].get<double>());
      row.peak = std::max<uint64_t>(
          row.peak, run.stats["peak_memory_bytes"].get<uint64_t>());
      row.out_bytes = run.out.size();
    }
  }
  double echo_wall50 = 0;
  for (size_t c = 0; c < calls.size(); ++c) {
    Row& row = rows[c];
    if (!row.problem.empty()) continue;
    row.wall50 = Percentile(wall[c], 50);
    row.wall90 = Percentile(wall[c], 90);
    row.run50 = Percentile(run_ms[c], 50);
    row.fuel = static_cast<uint64_t>(Percentile(fuel[c], 50));
    row.fuel_min = static_cast<uint64_t>(Percentile(fuel[c], 0));
    row.fuel_max = static_cast<uint64_t>(Percentile(fuel[c], 100));
    if (row.tool == "echo") echo_wall50 = row.wall50;
  }

  printf(
      "tools bench: `airlock run --stats` (isolated, warm cache), %d timed "
      "run%s per tool (interleaved) after one untimed warm-up; load average "
      "%s at the start, %s at the end\n\n",
      runs, runs == 1 ? "" : "s", load_start.c_str(), LoadAverage().c_str());
  printf(
      "| tool | typical call | fuel | wall p50 ms | wall p90 ms | run_ms p50 "
      "| peak MiB | output bytes | × echo | within defaults |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
  for (const Row& row : rows) {
    if (!row.problem.empty()) {
      printf("| %s | %s | %s | | | | | | | |\n", row.tool.c_str(),
             Cell(row.description).c_str(), Cell(row.problem).c_str());
      continue;
    }
    std::string within;
    auto over = [&](const std::string& what) {
      within += (within.empty() ? "NO: " : ", ") + what;
    };
    if (row.fuel_max > kDefaultFuel) over("fuel over 1e9");
    if (row.peak > kDefaultMemory) over("memory over 64 MiB");
    if (row.in_bytes > kDefaultInput) over("arguments over 1 MiB");
    if (row.out_bytes > kDefaultOutput) over("output over 1 MiB");
    if (within.empty()) {
      within = "yes (" + Percent(row.fuel_max, kDefaultFuel) + " of fuel, " +
               Percent(row.peak, kDefaultMemory) + " of memory)";
    }
    std::string fuel = Commas(row.fuel);
    if (row.fuel_min != row.fuel_max) {
      fuel += " (" + Commas(row.fuel_min) + "–" + Commas(row.fuel_max) + ")";
    }
    printf("| %s | %s | %s | %.1f | %.1f | %.2f | %.1f | %s | %s | %s |\n",
           row.tool.c_str(), Cell(row.description).c_str(), fuel.c_str(),
           row.wall50, row.wall90, row.run50, row.peak / (1024.0 * 1024.0),
           Commas(row.out_bytes).c_str(),
           echo_wall50 > 0 ? (Fixed(row.wall50 / echo_wall50, 2) + "×").c_str()
                           : "",
           within.c_str());
  }
  printf(
      "\nwall: the whole `airlock run` process (start, cache load, worker, "
      "call, exit); run_ms: the guest's instantiate + run (--stats); within "
      "defaults: the policy's built-in limits, 1e9 fuel, 64 MiB, 1 MiB of "
      "arguments and of output\n");

  if (keep) {
    printf("inputs kept in %s\n", root.c_str());
  } else {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  if (failed) fprintf(stderr, "tools_bench: FAILED (see above)\n");
  return failed ? 1 : 0;
}
