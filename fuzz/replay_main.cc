// A main() for a libFuzzer target built without libFuzzer (any compiler):
// runs LLVMFuzzerTestOneInput once over each file named on the command line
// and each regular file below each folder named, in sorted order. This is
// how the seed corpus and crash reproducers run in `make test`.
//
//   policy_fuzz_replay [-v] PATH...
//
// Prints "N inputs, 0 crashes" and the slowest input, and exits 0 when
// every input ran (inputs slower than 1 s are listed: they count as
// findings too, but do not change the exit status). A crash
// ends the process on the spot (the target traps), after a line naming the
// input on stderr. A PATH that does not exist is an error (exit 2).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The input being run, for the crash handler (which may only use
// async-signal-safe calls, hence a fixed buffer and write()).
char current_input[4096];

extern "C" void OnCrash(int signal) {
  static const char kPrefix[] = "policy_fuzz_replay: crash (signal) on input ";
  (void)!write(2, kPrefix, sizeof kPrefix - 1);
  (void)!write(2, current_input, strlen(current_input));
  (void)!write(2, "\n", 1);
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  bool verbose = false;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-v") {
      verbose = true;
      continue;
    }
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      for (const auto& entry : fs::recursive_directory_iterator(arg, ec)) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
      }
      if (ec) {
        std::fprintf(stderr, "policy_fuzz_replay: %s: %s\n", arg.c_str(),
                     ec.message().c_str());
        return 2;
      }
    } else if (fs::is_regular_file(arg, ec)) {
      inputs.push_back(arg);
    } else {
      std::fprintf(stderr, "policy_fuzz_replay: %s: no such file or folder\n",
                   arg.c_str());
      return 2;
    }
  }
  std::sort(inputs.begin(), inputs.end());

  for (int s : {SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE}) {
    std::signal(s, OnCrash);
  }
  double slowest_seconds = 0;
  fs::path slowest;
  for (const fs::path& path : inputs) {
    std::snprintf(current_input, sizeof current_input, "%s", path.c_str());
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "policy_fuzz_replay: cannot read %s\n",
                   path.c_str());
      return 2;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    if (verbose) std::fprintf(stderr, "running %s\n", path.c_str());
    const auto start = std::chrono::steady_clock::now();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                           bytes.size());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (seconds > 1.0) {
      std::printf("SLOW: %s took %.2f s\n", path.c_str(), seconds);
    }
    if (seconds > slowest_seconds) {
      slowest_seconds = seconds;
      slowest = path;
    }
  }
  std::printf("%zu inputs, 0 crashes\n", inputs.size());
  if (!slowest.empty()) {
    std::printf("slowest: %.1f ms, %s\n", slowest_seconds * 1e3,
                slowest.c_str());
  }
  return 0;
}
