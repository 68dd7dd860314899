// airlock-compile: translates one Wasm module to C and compiles it to a
// shared object. Runs in a child process of Compiler (sandbox/compile), under
// the time and memory limits the parent set, because the module is
// untrusted: translating it or compiling the C may be slow, large, or crash.
//
//   airlock-compile [--key KEY] [--no-fuel] [--cc CC] [--cc-family gcc|clang]
//                   [--jobs N] [--opt-level N] --out PATH [--workdir DIR]
//                   MODULE.wasm
//
// Writes the translated headers and units to a fresh directory under
// --workdir (default $TMPDIR or /tmp), compiles the units with up to --jobs
// C compilers at once, links them and moves the result to --out. The
// directory is removed whatever happens. Exit status: see compile_internal.h
// (0 ok, 2 module rejected, 3 C compiler failed, 4 usage or I/O, 5 out of
// memory); the reason is on stderr.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "sandbox/compile/compile_internal.h"
#include "sandbox/compile/subprocess_internal.h"
#include "sandbox/translate/translate.h"

namespace airlock::sandbox::compile_internal {
namespace {

constexpr int kCompilerOutputLines = 20;

struct Flags {
  std::string key;
  bool fuel = true;
  std::string cc = "cc";
  std::string cc_family;  // empty: ask `cc --version`
  int jobs = 2;
  int opt_level = kDefaultOptLevel;
  std::string out;
  std::string workdir;
  std::string module;
};

// A failure and the exit status that reports it.
struct Failure {
  int exit_code;
  std::string message;
};

[[noreturn]] void Exit(const Failure& failure) {
  fprintf(stderr, "%s\n", failure.message.c_str());
  fflush(stderr);
  _exit(failure.exit_code);
}

void OutOfMemory() {
  static const char kMessage[] =
      "airlock-compile: out of memory (the compile's address-space limit)\n";
  ssize_t ignored = write(2, kMessage, sizeof(kMessage) - 1);
  (void)ignored;
  _exit(kExitOutOfMemory);
}

Failure Usage(absl::string_view message) {
  return {kExitUsageOrIo, absl::StrCat("airlock-compile: ", message)};
}

bool ParseFlags(int argc, char** argv, Flags& flags, Failure& failure) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (!absl::StartsWith(arg, "--")) {
      if (!flags.module.empty()) {
        failure = Usage("more than one module given");
        return false;
      }
      flags.module = std::string(arg);
      continue;
    }
    absl::string_view name = arg;
    std::string value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
      has_value = true;
    }
    if (name == "--no-fuel") {
      flags.fuel = false;
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        failure = Usage(absl::StrCat(name, " needs a value"));
        return false;
      }
      value = argv[++i];
    }
    if (name == "--key") {
      flags.key = value;
    } else if (name == "--cc") {
      flags.cc = value;
    } else if (name == "--cc-family") {
      if (value != "gcc" && value != "clang") {
        failure = Usage("--cc-family must be gcc or clang");
        return false;
      }
      flags.cc_family = value;
    } else if (name == "--jobs") {
      if (!absl::SimpleAtoi(value, &flags.jobs) || flags.jobs < 1 ||
          flags.jobs > 256) {
        failure = Usage("--jobs must be a number from 1 to 256");
        return false;
      }
    } else if (name == "--opt-level") {
      if (!absl::SimpleAtoi(value, &flags.opt_level) || flags.opt_level < 0 ||
          flags.opt_level > 3) {
        failure = Usage("--opt-level must be 0, 1, 2 or 3");
        return false;
      }
    } else if (name == "--out") {
      flags.out = value;
    } else if (name == "--workdir") {
      flags.workdir = value;
    } else {
      failure = Usage(absl::StrCat("unknown flag ", name));
      return false;
    }
  }
  if (flags.module.empty() || flags.out.empty()) {
    failure = Usage(
        "usage: airlock-compile [--key KEY] [--no-fuel] [--cc CC] "
        "[--cc-family gcc|clang] [--jobs N] [--opt-level N] --out PATH "
        "[--workdir DIR] MODULE.wasm");
    return false;
  }
  return true;
}

absl::StatusOr<std::vector<uint8_t>> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot open ", path, ": ", strerror(errno)));
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return bytes;
}

bool WriteFile(const std::string& path, absl::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  out.close();
  return !out.fail();
}

// A file name the translator gave us; it must stay inside the work
// directory.
bool SafeFileName(absl::string_view name) {
  return !name.empty() && name.find('/') == absl::string_view::npos &&
         name != "." && name != "..";
}

// The C compiler's family, asked from the compiler itself.
absl::StatusOr<CCompilerFamily> DetectFamily(const std::string& cc) {
  SubprocessOptions options;
  options.argv = {cc, "--version"};
  options.capture_stdout = true;
  options.deadline = absl::Now() + absl::Seconds(30);
  absl::StatusOr<SubprocessResult> result = RunSubprocess(options);
  if (!result.ok()) return result.status();
  if (!result->exited_ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", cc, " --version' failed"));
  }
  return CCompilerFamilyFromVersion(FirstLines(result->output, 1));
}

// Runs `commands` with up to `jobs` at once. Returns the failure of the
// first command (in order) that failed; stops starting new ones after a
// failure.
std::optional<Failure> RunAll(
    const std::vector<std::vector<std::string>>& commands,
    const std::string& working_dir, int jobs) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  absl::Mutex mu;
  std::optional<std::pair<size_t, Failure>> first_failure;
  auto worker = [&]() {
    for (;;) {
      if (failed.load()) return;
      size_t index = next.fetch_add(1);
      if (index >= commands.size()) return;
      SubprocessOptions options;
      options.argv = commands[index];
      options.working_dir = working_dir;
      options.capture_stdout = true;
      options.capture_stderr = true;
      absl::StatusOr<SubprocessResult> result = RunSubprocess(options);
      std::optional<Failure> failure;
      if (!result.ok()) {
        failure =
            Failure{kExitCCompilerFailed,
                    absl::StrCat("C compiler: ", result.status().message())};
      } else if (!result->exited_ok()) {
        std::string how =
            result->term_signal != 0
                ? absl::StrCat("killed by ", SignalName(result->term_signal))
                : absl::StrCat("exit status ", result->exit_code);
        // A compiler that ran out of memory hit the limit our parent set:
        // a resource problem, not a broken compiler.
        const bool out_of_memory = absl::StrContains(
            absl::AsciiStrToLower(result->output), "out of memory");
        failure = Failure{
            out_of_memory ? kExitOutOfMemory : kExitCCompilerFailed,
            absl::StrCat("C compiler failed (", how,
                         "): ", absl::StrJoin(commands[index], " "), "\n",
                         FirstLines(result->output, kCompilerOutputLines))};
      }
      if (failure.has_value()) {
        failed.store(true);
        absl::MutexLock lock(&mu);
        if (!first_failure.has_value() || index < first_failure->first) {
          first_failure.emplace(index, *std::move(failure));
        }
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  int count = std::min<int>(jobs, static_cast<int>(commands.size()));
  for (int i = 0; i < count; ++i) threads.emplace_back(worker);
  for (std::thread& thread : threads) thread.join();
  if (first_failure.has_value()) return first_failure->second;
  return std::nullopt;
}

// Compiles and links `units` (already written to `dir`) into `dir`/out.so.
std::optional<Failure> Build(const Flags& flags, CCompilerFamily family,
                             const std::string& dir,
                             const std::vector<CSource>& units) {
  std::vector<std::vector<std::string>> compiles;
  std::vector<std::string> link = {flags.cc, "-shared", "-o", dir + "/out.so"};
  for (const CSource& unit : units) {
    std::vector<std::string> command = {flags.cc};
    for (std::string& flag :
         CCompileFlags(family, unit.huge ? 0 : flags.opt_level)) {
      command.push_back(std::move(flag));
    }
    std::string object = absl::StrCat(dir, "/", unit.name, ".o");
    command.insert(command.end(), {"-I", dir, "-o", object,
                                   absl::StrCat(dir, "/", unit.name)});
    compiles.push_back(std::move(command));
    link.push_back(object);
  }
  if (std::optional<Failure> failure = RunAll(compiles, dir, flags.jobs)) {
    return failure;
  }
  return RunAll({link}, dir, 1);
}

// Moves `from` to `to`, copying when they are on different file systems.
bool MoveFile(const std::string& from, const std::string& to) {
  if (rename(from.c_str(), to.c_str()) == 0) return true;
  if (errno != EXDEV) return false;
  std::error_code error;
  std::filesystem::copy_file(
      from, to, std::filesystem::copy_options::overwrite_existing, error);
  return !error;
}

int Main(int argc, char** argv) {
  std::set_new_handler(OutOfMemory);
  Flags flags;
  Failure failure;
  if (!ParseFlags(argc, argv, flags, failure)) Exit(failure);

  absl::StatusOr<std::vector<uint8_t>> wasm = ReadFile(flags.module);
  if (!wasm.ok()) Exit(Usage(wasm.status().message()));

  CCompilerFamily family = flags.cc_family == "clang" ? CCompilerFamily::kClang
                                                      : CCompilerFamily::kGcc;
  if (flags.cc_family.empty()) {
    absl::StatusOr<CCompilerFamily> detected = DetectFamily(flags.cc);
    if (!detected.ok()) {
      Exit({kExitCCompilerFailed,
            absl::StrCat("C compiler: ", detected.status().message())});
    }
    family = *detected;
  }

  TranslateOptions options;
  options.fuel = flags.fuel;
  options.cache_key = flags.key;
  absl::StatusOr<TranslatedModule> translated = TranslateToC(*wasm, options);
  if (!translated.ok()) {
    if (absl::IsInvalidArgument(translated.status())) {
      // One line: the parent reports the last line as the reason.
      Exit({kExitModuleRejected,
            absl::StrReplaceAll(translated.status().message(), {{"\n", " "}})});
    }
    Exit(Usage(
        absl::StrCat("translation failed: ", translated.status().ToString())));
  }
  wasm->clear();
  wasm->shrink_to_fit();

  std::string parent = flags.workdir;
  if (parent.empty()) {
    const char* tmp = getenv("TMPDIR");
    parent = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::string dir_template = parent + "/airlock-cc-XXXXXX";
  if (mkdtemp(dir_template.data()) == nullptr) {
    Exit(Usage(absl::StrCat("cannot create a work directory in ", parent, ": ",
                            strerror(errno))));
  }
  const std::string dir = dir_template;
  // Removes the work directory on every exit path below.
  auto finish = [&dir](std::optional<Failure> failure) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    if (failure.has_value()) Exit(*failure);
    return 0;
  };

  // The units without their contents: names and how to compile them.
  std::vector<CSource> units;
  for (const std::vector<CSource>* files :
       {&translated->headers, &translated->units}) {
    for (const CSource& file : *files) {
      if (!SafeFileName(file.name)) {
        return finish(Usage(absl::StrCat(
            "translator produced a bad file name '", file.name, "'")));
      }
      if (!WriteFile(absl::StrCat(dir, "/", file.name), file.contents)) {
        return finish(Usage(absl::StrCat("cannot write ", dir, "/", file.name,
                                         ": ", strerror(errno))));
      }
    }
  }
  for (const CSource& unit : translated->units) {
    units.push_back({.name = unit.name, .contents = {}, .huge = unit.huge});
  }
  translated = TranslatedModule{};  // the C is on disk now; free it
  if (units.empty()) {
    return finish(Usage("translator produced no C units"));
  }

  if (std::optional<Failure> failure = Build(flags, family, dir, units)) {
    return finish(std::move(failure));
  }
  if (!MoveFile(dir + "/out.so", flags.out)) {
    return finish(
        Usage(absl::StrCat("cannot write ", flags.out, ": ", strerror(errno))));
  }
  return finish(std::nullopt);
}

}  // namespace
}  // namespace airlock::sandbox::compile_internal

int main(int argc, char** argv) {
  return airlock::sandbox::compile_internal::Main(argc, argv);
}
