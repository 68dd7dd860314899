// Tests run under the real confinement: each forks a child, which confines
// itself and then does what a worker does (or must not do); the parent
// judges by the child's wait status. Checks inside a child print what failed
// to stderr and exit non-zero (gtest's assertions do not cross fork()).
#include "sandbox/worker/confine.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sandbox/abi/airlock_rt.h"
#include "sandbox/engine.h"
#include "sandbox/wasi/path_broker.h"
#include "sandbox/worker/seccomp_policy.h"

namespace airlock::sandbox::worker {
namespace {

// ---- Child-side helpers ----

[[noreturn]] void ChildFail(int line, const char* what) {
  char message[512];
  const int n =
      snprintf(message, sizeof message,
               "confine_test child, line %d: check failed: %s\n", line, what);
  if (n > 0) {
    ssize_t ignored = write(2, message, static_cast<size_t>(n));
    (void)ignored;
  }
  _exit(1);
}
#define CHILD_CHECK(cond)                    \
  do {                                       \
    if (!(cond)) ChildFail(__LINE__, #cond); \
  } while (0)

// Exit status of a child that found the kernel or its privileges unable to
// give it what the test needs: the parent skips.
constexpr int kChildSkipped = 77;

// Forks, runs `body` in the child, and returns the child's wait status
// (exit 0 when `body` returns).
int RunInChild(const std::function<void()>& body) {
  fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    body();
    _exit(0);
  }
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  return status;
}

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return absl::StrCat("killed by ", strsignal(WTERMSIG(status)));
  }
  return absl::StrCat("status ", status);
}

// The address space this process maps now (vsize of /proc/self/stat).
uint64_t MappedBytes() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 23 && fields >> field; ++i) {
  }
  return std::stoull(field);
}

// What a worker would ask for: what it maps now, room for two Wasm memory
// reservations, and a heap.
ConfineOptions WorkerOptions(const std::string* bpf = nullptr) {
  ConfineOptions options;
  options.address_space_bytes =
      MappedBytes() + 2 * AIRLOCK_MEMORY_RESERVATION + (1ull << 30);
  options.seccomp_bpf = bpf;
  return options;
}

ConfineReport ConfineOrDie(const ConfineOptions& options) {
  absl::StatusOr<ConfineReport> report = ConfineCurrentProcess(options);
  if (!report.ok()) {
    const std::string message =
        absl::StrCat("ConfineCurrentProcess: ", report.status().ToString());
    ChildFail(__LINE__, message.c_str());
  }
  return *std::move(report);
}

// ---- Forbidden calls ----

struct Forbidden {
  const char* name;
  void (*call)();
};

const Forbidden kForbidden[] = {
    {"socket", [] { socket(AF_INET, SOCK_STREAM, 0); }},
    {"socketpair",
     [] {
       int fds[2];
       socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
     }},
    {"execve",
     [] {
       char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
       execve("/bin/true", argv, environ);
     }},
#ifdef SYS_open
    {"open", [] { syscall(SYS_open, "/etc/passwd", O_RDONLY); }},
#endif
    {"openat", [] { openat(AT_FDCWD, "/etc/passwd", O_RDONLY); }},
    {"openat2",
     [] {
       struct {
         uint64_t flags, mode, resolve;
       } how = {O_RDONLY, 0, 0};
       syscall(SYS_openat2, AT_FDCWD, "/etc/passwd", &how, sizeof how);
     }},
    {"ptrace", [] { ptrace(PTRACE_TRACEME, 0, nullptr, nullptr); }},
    {"fork", [] { fork(); }},
    {"thread", [] { std::thread([] {}).join(); }},
    {"mmap_exec",
     [] {
       mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
            -1, 0);
     }},
    {"mprotect_exec",
     [] {
       void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
       mprotect(page, 4096, PROT_READ | PROT_EXEC);
     }},
    {"ioctl_TIOCGWINSZ",
     [] {
       winsize size;
       ioctl(1, TIOCGWINSZ, &size);
     }},
    {"kill_parent", [] { kill(getppid(), 0); }},
    {"tgkill_parent", [] { syscall(SYS_tgkill, getppid(), getppid(), 0); }},
    {"futex_lock_pi",
     [] {
       uint32_t word = 0;
       syscall(SYS_futex, &word, FUTEX_LOCK_PI, 0, nullptr, nullptr, 0);
     }},
    {"fcntl_setown", [] { fcntl(2, F_SETOWN, getppid()); }},
    {"prctl", [] { prctl(PR_SET_DUMPABLE, 1, 0, 0, 0); }},
    {"unshare", [] { unshare(CLONE_NEWNS); }},
#if defined(__x86_64__)
    // getpid through the i386 ABI: another architecture to the filter.
    {"i386_int80",
     [] {
       long result;
       asm volatile("int $0x80" : "=a"(result) : "a"(20) : "memory");
     }},
#endif
};

class ForbiddenCallTest : public ::testing::TestWithParam<Forbidden> {};

// A confined worker that makes a call outside the allowlist is killed by
// SIGSYS on the spot (the call never runs).
TEST_P(ForbiddenCallTest, KillsTheWorkerWithSigsys) {
  const Forbidden forbidden = GetParam();
  const int status = RunInChild([&] {
    ConfineOrDie(WorkerOptions());
    forbidden.call();
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << DescribeStatus(status);
  EXPECT_EQ(WTERMSIG(status), SIGSYS) << DescribeStatus(status);
}

INSTANTIATE_TEST_SUITE_P(Calls, ForbiddenCallTest,
                         ::testing::ValuesIn(kForbidden),
                         [](const ::testing::TestParamInfo<Forbidden>& info) {
                           return info.param.name;
                         });

// ---- What a confined worker keeps ----

// The system calls a worker's own code makes keep working: pipes, clocks,
// randomness, anonymous memory, fds opened before confinement, and an
// isatty() probe that is answered "no" instead of killing.
TEST(ConfineTest, ConfinedWorkerKeepsWhatItNeeds) {
  const int status = RunInChild([] {
    int pipe_fds[2];
    CHILD_CHECK(pipe(pipe_fds) == 0);
    const int file = static_cast<int>(
        syscall(SYS_memfd_create, "confine-test", MFD_CLOEXEC));
    CHILD_CHECK(file >= 0);
    const int terminal = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);

    ConfineOrDie(WorkerOptions());

    CHILD_CHECK(write(pipe_fds[1], "ping", 4) == 4);
    char buffer[8] = {};
    CHILD_CHECK(read(pipe_fds[0], buffer, sizeof buffer) == 4);
    CHILD_CHECK(memcmp(buffer, "ping", 4) == 0);

    timespec now;
    CHILD_CHECK(clock_gettime(CLOCK_MONOTONIC, &now) == 0);
    CHILD_CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now) == 0);
    const timespec nap = {0, 1000};
    CHILD_CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &nap, nullptr) == 0);
    unsigned char random[16];
    CHILD_CHECK(getrandom(random, sizeof random, 0) == sizeof random);
    CHILD_CHECK(sched_yield() == 0);

    const size_t size = 1 << 20;
    void* memory = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHILD_CHECK(memory != MAP_FAILED);
    memset(memory, 1, size);
    CHILD_CHECK(madvise(memory, size, MADV_DONTNEED) == 0);
    CHILD_CHECK(mprotect(memory, size, PROT_READ) == 0);
    CHILD_CHECK(munmap(memory, size) == 0);
    std::vector<char> heap(64 << 20, 'x');  // a large malloc: mmap + munmap
    CHILD_CHECK(heap.back() == 'x');

    // preadv/pwritev: what the WASI host uses (plain pread/pwrite are not
    // on the allowlist).
    iovec hello = {const_cast<char*>("hello"), 5};
    CHILD_CHECK(pwritev(file, &hello, 1, 0) == 5);
    iovec into = {buffer, 5};
    CHILD_CHECK(preadv(file, &into, 1, 0) == 5);
    CHILD_CHECK(lseek(file, 0, SEEK_END) == 5);
    struct stat st;
    CHILD_CHECK(fstat(file, &st) == 0 && st.st_size == 5);
    CHILD_CHECK(ftruncate(file, 2) == 0);
    CHILD_CHECK(fsync(file) == 0);
    CHILD_CHECK(fcntl(file, F_GETFL) >= 0);
    CHILD_CHECK(close(file) == 0);

    if (terminal >= 0) {
      errno = 0;
      CHILD_CHECK(isatty(terminal) == 0);
      CHILD_CHECK(errno == ENOTTY);
    }
    CHILD_CHECK(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), 0) == 0);
  });
  ASSERT_TRUE(WIFEXITED(status)) << DescribeStatus(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// A crash in host code ends a confined worker with its own signal, not
// SIGSYS, so the pool can report what happened.
TEST(ConfineTest, HostCrashesKeepTheirSignal) {
  int status = RunInChild([] {
    ConfineOrDie(WorkerOptions());
    abort();
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << DescribeStatus(status);
  EXPECT_EQ(WTERMSIG(status), SIGABRT);

  status = RunInChild([] {
    ConfineOrDie(WorkerOptions());  // installs the runtime's fault handler
    *static_cast<volatile int*>(nullptr) = 1;
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << DescribeStatus(status);
  EXPECT_EQ(WTERMSIG(status), SIGSEGV);
}

// The zygote's path (a filter exported before fork) applies every layer:
// the limits are visible from outside, and the log line names each layer.
TEST(ConfineTest, PrebuiltFilterAndLimitsAreApplied) {
  absl::StatusOr<SeccompPolicy> policy = SeccompPolicy::Build();
  ASSERT_TRUE(policy.ok()) << policy.status();
  absl::StatusOr<std::string> bpf = policy->ExportBpf();
  ASSERT_TRUE(bpf.ok()) << bpf.status();
  const ConfineOptions options = WorkerOptions(&*bpf);

  int to_parent[2], to_child[2];
  ASSERT_EQ(pipe(to_parent), 0);
  ASSERT_EQ(pipe(to_child), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(to_parent[0]);
    close(to_child[1]);
    const ConfineReport report = ConfineOrDie(options);
    const std::string line = DescribeForLog(report) + "\n";
    CHILD_CHECK(write(to_parent[1], line.data(), line.size()) ==
                static_cast<ssize_t>(line.size()));
    close(to_parent[1]);
    char ignored;
    CHILD_CHECK(read(to_child[0], &ignored, 1) ==
                0);  // until the parent is done
    _exit(0);
  }
  close(to_parent[1]);
  close(to_child[0]);
  std::string line;
  char buffer[1024];
  ssize_t n;
  while ((n = read(to_parent[0], buffer, sizeof buffer)) > 0) {
    line.append(buffer, static_cast<size_t>(n));
  }
  close(to_parent[0]);

  rlimit limit;
  ASSERT_EQ(prlimit(pid, RLIMIT_AS, nullptr, &limit), 0);
  EXPECT_EQ(limit.rlim_cur, options.address_space_bytes);
  EXPECT_EQ(limit.rlim_max, options.address_space_bytes);
  ASSERT_EQ(prlimit(pid, RLIMIT_CORE, nullptr, &limit), 0);
  EXPECT_EQ(limit.rlim_max, 0u);
  ASSERT_EQ(prlimit(pid, RLIMIT_NOFILE, nullptr, &limit), 0);
  EXPECT_EQ(limit.rlim_max, 64u);
  ASSERT_EQ(prlimit(pid, RLIMIT_NPROC, nullptr, &limit), 0);
  EXPECT_EQ(limit.rlim_max, 0u);
  close(to_child[1]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << DescribeStatus(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);

  EXPECT_TRUE(absl::StrContains(line, "no_new_privs")) << line;
  EXPECT_TRUE(absl::StrContains(line, "open files 64, processes 0, core 0"))
      << line;
  EXPECT_TRUE(absl::StrContains(line, "not dumpable")) << line;
  EXPECT_TRUE(absl::StrContains(
      line, absl::StrCat("seccomp allowlist (", bpf->size() / 8,
                         " BPF instructions)")))
      << line;
}

// Options that would confine nothing useful are refused before any layer
// is applied.
TEST(ConfineTest, RefusesAMissingAddressSpaceLimit) {
  const int status = RunInChild([] {
    ConfineOptions options;  // address_space_bytes = 0
    absl::StatusOr<ConfineReport> report = ConfineCurrentProcess(options);
    CHILD_CHECK(report.status().code() == absl::StatusCode::kInvalidArgument);
    CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
    CHILD_CHECK(access("/proc/self/stat", R_OK) == 0);  // still unconfined
  });
  ASSERT_TRUE(WIFEXITED(status)) << DescribeStatus(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// A worker that cannot get its own network namespace (here: an
// unprivileged, multi-threaded one, which may enter no user namespace)
// is still confined, and the report says what is missing and what holds.
TEST(ConfineTest, RefusedNetworkNamespaceDegradesWithANote) {
  const int status = RunInChild([] {
    int block[2];
    CHILD_CHECK(pipe(block) == 0);
    std::thread other([fd = block[0]] {
      char ignored;
      ssize_t n = read(fd, &ignored, 1);
      (void)n;
    });
    const ConfineOptions options = WorkerOptions();
    if (getuid() == 0) {
      CHILD_CHECK(setresgid(65534, 65534, 65534) == 0);
      CHILD_CHECK(setresuid(65534, 65534, 65534) == 0);
    }
    const ConfineReport report = ConfineOrDie(options);
    CHILD_CHECK(report.network == NetworkIsolation::kHostNamespace);
    CHILD_CHECK(report.threads == 2);
    const std::string line = DescribeForLog(report);
    CHILD_CHECK(absl::StrContains(line, "network namespace: unshare("));
    CHILD_CHECK(absl::StrContains(line, "single-threaded"));
    CHILD_CHECK(absl::StrContains(line, "seccomp still denies socket"));
    CHILD_CHECK(absl::StrContains(line, "seccomp allowlist"));
    CHILD_CHECK(write(block[1], "x", 1) == 1);
    other.join();
  });
  ASSERT_TRUE(WIFEXITED(status)) << DescribeStatus(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// ---- Single layers ----

// Landlock alone: a file that is readable and exists can no longer be
// opened, while an fd opened before still reads (as the module's and the
// broker's fds must).
TEST(ConfineTest, LandlockDeniesEveryOpen) {
  char path[] = "/tmp/airlock_confine_test.XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "secret", 6), 6);
  close(fd);
  const int status = RunInChild([&] {
    const int before = open(path, O_RDONLY | O_CLOEXEC);
    CHILD_CHECK(before >= 0);
    CHILD_CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
    absl::StatusOr<int> abi = confine_internal::ApplyLandlock();
    if (!abi.ok()) {
      fprintf(stderr, "Landlock unavailable: %s\n",
              abi.status().ToString().c_str());
      _exit(kChildSkipped);
    }
    errno = 0;
    CHILD_CHECK(open(path, O_RDONLY) == -1 && errno == EACCES);
    CHILD_CHECK(open("/etc/hostname", O_RDONLY) == -1 && errno == EACCES);
    CHILD_CHECK(open("/tmp/airlock_confine_new", O_WRONLY | O_CREAT, 0600) ==
                    -1 &&
                errno == EACCES);
    char buffer[8];
    CHILD_CHECK(pread(before, buffer, 6, 0) == 6);
    if (*abi >= 6) {  // scoped signals: the parent is outside the domain
      CHILD_CHECK(kill(getppid(), 0) == -1 && errno == EPERM);
    }
  });
  unlink(path);
  if (WIFEXITED(status) && WEXITSTATUS(status) == kChildSkipped) {
    GTEST_SKIP() << "this kernel has no usable Landlock";
  }
  ASSERT_TRUE(WIFEXITED(status)) << DescribeStatus(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// The network namespace alone: the worker sees only a loopback device.
TEST(ConfineTest, OwnNetworkNamespaceHasOnlyLoopback) {
  const int status = RunInChild([] {
    absl::StatusOr<NetworkIsolation> network =
        confine_internal::EnterNetworkNamespace();
    if (!network.ok()) {
      fprintf(stderr, "no network namespace: %s\n",
              network.status().ToString().c_str());
      _exit(kChildSkipped);
    }
    ifaddrs* addresses = nullptr;
    CHILD_CHECK(getifaddrs(&addresses) == 0);
    std::set<std::string> names;
    for (ifaddrs* a = addresses; a != nullptr; a = a->ifa_next) {
      names.insert(a->ifa_name);
    }
    freeifaddrs(addresses);
    CHILD_CHECK(names == std::set<std::string>{"lo"});
  });
  if (WIFEXITED(status) && WEXITSTATUS(status) == kChildSkipped) {
    GTEST_SKIP() << "this kernel or user cannot create a network namespace";
  }
  ASSERT_TRUE(WIFEXITED(status)) << DescribeStatus(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// ---- Real engine calls under confinement ----

// Stands in for the supervisor's broker: answers opens with fds it opened
// before the worker was confined, as the real one passes fds over the
// channel. Each fd is handed out once.
class PrefetchedBroker : public PathBroker {
 public:
  // Opens `name` beneath `dir` now, for one later kOpen of `name`.
  void Prefetch(const std::string& dir, const std::string& name, int flags) {
    const int fd = open((dir + "/" + name).c_str(), flags | O_CLOEXEC, 0644);
    CHILD_CHECK(fd >= 0);
    fds_[name].push_back(fd);
  }

  PathReply Handle(const PathRequest& request) override {
    PathReply reply;
    if (request.op == PathOp::kClose) return reply;  // handles we gave out
    auto it = fds_.find(request.path);
    if (request.op != PathOp::kOpen || it == fds_.end() || it->second.empty()) {
      reply.error = 44;  // WASI ENOENT
      return reply;
    }
    reply.fd = it->second.front();
    it->second.pop_front();
    struct stat st;
    CHILD_CHECK(fstat(reply.fd, &st) == 0);
    reply.stat.mode = st.st_mode;
    reply.stat.size = static_cast<uint64_t>(st.st_size);
    reply.stat.ino = st.st_ino;
    reply.stat.nlink = st.st_nlink;
    if (S_ISDIR(st.st_mode) && request.want_dir_handle) {
      reply.new_dir = next_handle_++;
    }
    return reply;
  }

 private:
  std::map<std::string, std::deque<int>> fds_;
  uint32_t next_handle_ = 1;
};

class ConfinedCallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/airlock_confine_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    cache_dir_ = new std::string(tmpl);
    Engine::Config config;
    config.compiler.cache_dir = *cache_dir_;
    config.compiler.helper_path = AIRLOCK_COMPILE_HELPER;
    absl::StatusOr<std::unique_ptr<Engine>> engine =
        Engine::Create(std::move(config));
    ASSERT_TRUE(engine.ok()) << engine.status();
    std::ifstream in(CALL_PROBE_WASM, std::ios::binary);
    const std::string wasm((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
    ASSERT_FALSE(wasm.empty()) << CALL_PROBE_WASM;
    absl::StatusOr<std::shared_ptr<const CompiledModule>> module =
        (*engine)->Compile(
            std::span<const uint8_t>(
                reinterpret_cast<const uint8_t*>(wasm.data()), wasm.size()),
            CompileOptions{});
    ASSERT_TRUE(module.ok()) << module.status();
    // Loaded (dlopen) here, before any child confines itself.
    module_ = new std::shared_ptr<const CompiledModule>(*std::move(module));
    engine_ = engine->release();
  }
  static void TearDownTestSuite() {
    delete module_;
    delete engine_;
    std::error_code ec;
    std::filesystem::remove_all(*cache_dir_, ec);
    delete cache_dir_;
  }

  // A WASI config for the probe guest: argv[1] = `mode`, `input` on stdin,
  // output appended to `out` and `err`.
  static WasiConfig Probe(const char* mode, const std::string* input,
                          std::string* out, std::string* err) {
    WasiConfig wasi;
    wasi.args = {"call_probe", mode};
    auto offset = std::make_shared<size_t>(0);
    wasi.read_stdin = [input, offset](uint8_t* buf, size_t max) -> int64_t {
      if (input == nullptr) return 0;
      const size_t n = std::min(max, input->size() - *offset);
      memcpy(buf, input->data() + *offset, n);
      *offset += n;
      return static_cast<int64_t>(n);
    };
    wasi.write_stdout = [out](std::string_view data) {
      out->append(data.data(), data.size());
      return true;
    };
    wasi.write_stderr = [err](std::string_view data) {
      err->append(data.data(), data.size());
      return true;
    };
    return wasi;
  }

  static std::string* cache_dir_;
  static Engine* engine_;
  static std::shared_ptr<const CompiledModule>* module_;
};

std::string* ConfinedCallTest::cache_dir_ = nullptr;
Engine* ConfinedCallTest::engine_ = nullptr;
std::shared_ptr<const CompiledModule>* ConfinedCallTest::module_ = nullptr;

// The worker's life: module loaded and watchdog thread started, then
// confinement, then calls. Every WASI call that needs no path (stdin,
// stdout/stderr callbacks, clocks, random, poll_oneoff, sched_yield, fd
// queries) works under the filter, many times over (abseil's lazy set-up
// on the first contended lock included), and the watchdog thread still
// stops a runaway guest.
TEST_F(ConfinedCallTest, RunsCallsAndTimesOutUnderConfinement) {
  const int status = RunInChild([] {
    Watchdog watchdog;
    const ConfineReport report = ConfineOrDie(WorkerOptions());
    CHILD_CHECK(report.threads == 2);
    CHILD_CHECK(report.seccomp_instructions > 0);
    // The watchdog thread predates the per-thread layers: the log says so.
    if (report.landlock_abi > 0) {
      CHILD_CHECK(absl::StrContains(
          DescribeForLog(report),
          "Landlock: applied to the calling thread only, not to the 1 "
          "thread started before it"));
    }

    RunLimits limits;
    limits.timeout = absl::Seconds(30);  // armed: the watchdog takes part
    const std::string input = "hello";
    for (int i = 0; i < 40; ++i) {
      std::string out, err;
      absl::StatusOr<RunResult> result = RunWasiCommand(
          *module_, Probe("all", &input, &out, &err), limits, watchdog);
      CHILD_CHECK(result.ok());
      CHILD_CHECK(result->trap == TrapKind::kNone);
      CHILD_CHECK(result->exit_code == 0);
      CHILD_CHECK(absl::StartsWith(out, "stdin: hello\nrandom: "));
      CHILD_CHECK(err == "done\n");
    }

    limits.timeout = absl::Milliseconds(50);
    std::string out, err;
    absl::StatusOr<RunResult> result = RunWasiCommand(
        *module_, Probe("loop", nullptr, &out, &err), limits, watchdog);
    CHILD_CHECK(result.ok());
    CHILD_CHECK(result->trap == TrapKind::kTimeout);
  });
  ASSERT_TRUE(WIFEXITED(status)) << DescribeStatus(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// File calls on fds the broker passed: read, pread, seek, stat, advise on a
// read-only file; write, pwrite, allocate, truncate, set times, sync on a
// writable one; stat and readdir on directories. The guest's writes and
// times land in the host file.
TEST_F(ConfinedCallTest, FileCallsOnBrokerFdsWork) {
  char tmpl[] = "/tmp/airlock_confine_files.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  {
    std::ofstream marker(dir + "/marker.txt");
    marker << "from the host\n";
  }
  const int status = RunInChild([&] {
    auto broker = std::make_shared<PrefetchedBroker>();
    broker->Prefetch(dir, "marker.txt", O_RDONLY);
    broker->Prefetch(dir, "out.txt", O_RDWR | O_CREAT | O_TRUNC);
    broker->Prefetch(dir, ".", O_RDONLY | O_DIRECTORY);  // fstat(3)
    broker->Prefetch(dir, ".", O_RDONLY | O_DIRECTORY);  // opendir
    Watchdog watchdog;
    ConfineOrDie(WorkerOptions());

    std::string out, err;
    WasiConfig wasi = Probe("files", nullptr, &out, &err);
    wasi.dirs.push_back(DirGrant{"", "/data", /*read_only=*/false});
    wasi.broker = broker;
    absl::StatusOr<RunResult> result =
        RunWasiCommand(*module_, std::move(wasi), RunLimits{}, watchdog);
    CHILD_CHECK(result.ok());
    if (!err.empty()) fprintf(stderr, "guest stderr: %s", err.c_str());
    CHILD_CHECK(result->trap == TrapKind::kNone && result->exit_code == 0);
    CHILD_CHECK(out == "marker: from the host\nmarker entries: 1\n");
  });
  std::ifstream written(dir + "/out.txt");
  const std::string contents((std::istreambuf_iterator<char>(written)),
                             std::istreambuf_iterator<char>());
  struct stat st = {};
  stat((dir + "/out.txt").c_str(), &st);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  ASSERT_TRUE(WIFEXITED(status)) << DescribeStatus(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(contents, "Written by the guest\n");
  EXPECT_EQ(st.st_mtim.tv_sec, 2);  // the guest's futimens
}

}  // namespace
}  // namespace airlock::sandbox::worker
