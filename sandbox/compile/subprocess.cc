#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sandbox/compile/subprocess_internal.h"

namespace airlock::sandbox::compile_internal {
namespace {

// Closes a descriptor on scope exit.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Moves `fd` to a number >= 3 (close-on-exec), so that the child's dup2()
// onto 0..2 never meets a source that already is 0..2 (possible when the
// caller runs with a standard stream closed).
int AboveStdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return moved;
}

absl::Status ErrnoStatus(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", strerror(errno)));
}

// Everything the child needs, computed before fork(): after it, the child
// may only make async-signal-safe calls (the parent may have threads).
struct ChildSetup {
  const char* path;
  char* const* argv;
  const char* working_dir;  // or nullptr
  bool new_process_group;
  pid_t parent;
  bool limit_as;
  rlimit as;
  bool limit_cpu;
  rlimit cpu;
  int stdin_fd;
  int stdout_fd;
  int stderr_fd;
  int exec_error_fd;  // receives errno if setup or exec fails
};

// Reports errno to the parent through `fd` and exits.
[[noreturn]] void ChildFail(int fd) {
  int err = errno;
  ssize_t ignored = write(fd, &err, sizeof(err));
  (void)ignored;
  _exit(127);
}

[[noreturn]] void ChildMain(const ChildSetup& s) {
  auto fail = [&s]() { ChildFail(s.exec_error_fd); };
  if (s.new_process_group && setpgid(0, 0) != 0) fail();
  // Die with the thread that started us: it waits for us, so this only
  // fires when the parent itself dies, and then nothing would ever reap or
  // time us out.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != s.parent) _exit(127);
  const rlimit no_core = {0, 0};
  if (setrlimit(RLIMIT_CORE, &no_core) != 0) fail();
  if (s.limit_as && setrlimit(RLIMIT_AS, &s.as) != 0) fail();
  if (s.limit_cpu && setrlimit(RLIMIT_CPU, &s.cpu) != 0) fail();
  // Ignored signals and the signal mask survive execve; give the program
  // the defaults it expects (a caller that ignores SIGCHLD would break the
  // helper's own waitpid()).
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (dup2(s.stdin_fd, 0) < 0 || dup2(s.stdout_fd, 1) < 0 ||
      dup2(s.stderr_fd, 2) < 0) {
    fail();
  }
  if (s.working_dir != nullptr && chdir(s.working_dir) != 0) fail();
    // Descriptors the caller opened without O_CLOEXEC must not leak into the
    // child (a leaked pipe end would, for one, delay EOF for its owner).
#ifdef SYS_close_range
  syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
#endif
  execv(s.path, s.argv);
  ChildFail(s.exec_error_fd);
}

// Appends what is readable now from non-blocking `fd` to `result`, keeping
// at most `max` bytes. Returns false at end of file (or on error).
bool ReadAvailable(int fd, size_t max, SubprocessResult& result) {
  char buf[16384];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n > 0) {
      size_t room = max - std::min(max, result.output.size());
      size_t keep = std::min(room, static_cast<size_t>(n));
      result.output.append(buf, keep);
      if (keep < static_cast<size_t>(n)) result.output_truncated = true;
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

// True once `pid` has terminated; leaves it unreaped (a zombie keeps its
// pid and process group id from being reused until we reap it).
bool HasTerminated(pid_t pid) {
  siginfo_t info = {};
  for (;;) {
    if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
      return info.si_pid == pid;
    }
    if (errno != EINTR) return true;  // ECHILD: nothing left to wait for
  }
}

void WaitTerminated(pid_t pid) {
  siginfo_t info = {};
  while (waitid(P_PID, pid, &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
}

rlimit ClampedLimit(int resource, rlim_t soft, rlim_t hard) {
  rlimit current = {};
  getrlimit(resource, &current);
  rlimit limit;
  limit.rlim_max = std::min(hard, current.rlim_max);
  limit.rlim_cur = std::min(soft, limit.rlim_max);
  return limit;
}

}  // namespace

absl::StatusOr<std::string> FindExecutable(absl::string_view name) {
  auto executable = [](const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           access(path.c_str(), X_OK) == 0;
  };
  if (name.empty()) return absl::InvalidArgumentError("empty program name");
  if (name.find('/') != absl::string_view::npos) {
    std::string path(name);
    if (executable(path)) return path;
    return absl::NotFoundError(
        absl::StrCat("'", name, "' does not exist or is not executable"));
  }
  const char* env_path = getenv("PATH");
  absl::string_view search =
      env_path != nullptr ? env_path : "/usr/local/bin:/usr/bin:/bin";
  for (absl::string_view dir : absl::StrSplit(search, ':')) {
    std::string path = absl::StrCat(dir.empty() ? "." : dir, "/", name);
    if (executable(path)) return path;
  }
  return absl::NotFoundError(absl::StrCat("'", name, "' not found in PATH"));
}

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  if (abbrev == nullptr) return absl::StrCat("signal ", signal);
  return absl::StrCat("SIG", abbrev);
}

std::string FirstLines(absl::string_view text, int max_lines) {
  size_t end = 0;
  for (int line = 0; line < max_lines && end < text.size(); ++line) {
    size_t newline = text.find('\n', end);
    end = newline == absl::string_view::npos ? text.size() : newline + 1;
  }
  absl::string_view kept = text.substr(0, end);
  while (!kept.empty() && (kept.back() == '\n' || kept.back() == '\r')) {
    kept.remove_suffix(1);
  }
  return std::string(kept);
}

absl::StatusOr<SubprocessResult> RunSubprocess(
    const SubprocessOptions& options) {
  if (options.argv.empty()) return absl::InvalidArgumentError("no program");
  absl::StatusOr<std::string> path = FindExecutable(options.argv[0]);
  if (!path.ok()) return path.status();

  std::vector<char*> argv;
  for (const std::string& arg : options.argv) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);

  Fd devnull(AboveStdio(open("/dev/null", O_RDWR | O_CLOEXEC)));
  if (devnull.get() < 0) return ErrnoStatus("open /dev/null");
  const bool capture = options.capture_stdout || options.capture_stderr;
  Fd out_read, out_write;
  if (capture) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus("pipe");
    out_read.Reset(AboveStdio(fds[0]));
    out_write.Reset(AboveStdio(fds[1]));
    if (out_read.get() < 0 || out_write.get() < 0) return ErrnoStatus("pipe");
  }
  Fd error_read, error_write;
  {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus("pipe");
    error_read.Reset(AboveStdio(fds[0]));
    error_write.Reset(AboveStdio(fds[1]));
    if (error_read.get() < 0 || error_write.get() < 0) {
      return ErrnoStatus("pipe");
    }
  }

  ChildSetup setup = {};
  setup.path = path->c_str();
  setup.argv = argv.data();
  setup.working_dir =
      options.working_dir.empty() ? nullptr : options.working_dir.c_str();
  setup.new_process_group = options.new_process_group;
  setup.parent = getpid();
  setup.limit_as = options.address_space_limit != 0;
  if (setup.limit_as) {
    setup.as = ClampedLimit(RLIMIT_AS, options.address_space_limit,
                            options.address_space_limit);
  }
  setup.limit_cpu = options.cpu_seconds_limit != 0;
  if (setup.limit_cpu) {
    // SIGXCPU at the soft limit; SIGKILL a little later if it is ignored.
    setup.cpu = ClampedLimit(RLIMIT_CPU, options.cpu_seconds_limit,
                             options.cpu_seconds_limit + 5);
  }
  setup.stdin_fd = devnull.get();
  setup.stdout_fd = options.capture_stdout ? out_write.get() : devnull.get();
  setup.stderr_fd = options.capture_stderr ? out_write.get() : devnull.get();
  setup.exec_error_fd = error_write.get();

  pid_t pid = fork();
  if (pid < 0) return ErrnoStatus("fork");
  if (pid == 0) ChildMain(setup);

  out_write.Reset();
  error_write.Reset();
  // The error pipe closes on a successful execv (close-on-exec), or carries
  // the errno of the step that failed.
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(error_read.get(), &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  if (n == sizeof(child_errno)) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return absl::FailedPreconditionError(
        absl::StrCat("cannot run '", *path, "': ", strerror(child_errno)));
  }

  SubprocessResult result;
  // A pidfd wakes poll() when the child exits even while something it
  // started still holds the output pipe open; without one (old kernels,
  // seccomp) we poll for the exit every few milliseconds.
  Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  bool pipe_open = capture;
  if (pipe_open) {
    fcntl(out_read.get(), F_SETFL, fcntl(out_read.get(), F_GETFL) | O_NONBLOCK);
  }
  for (;;) {
    if (HasTerminated(pid)) break;
    absl::Duration remaining = options.deadline - absl::Now();
    if (remaining <= absl::ZeroDuration()) {
      kill(options.new_process_group ? -pid : pid, SIGKILL);
      result.timed_out = true;
      WaitTerminated(pid);
      break;
    }
    // poll() timeout: until the deadline (-1: none), rounded up.
    int64_t wait_ms = -1;
    if (options.deadline != absl::InfiniteFuture()) {
      wait_ms = std::min<int64_t>(absl::ToInt64Milliseconds(absl::Ceil(
                                      remaining, absl::Milliseconds(1))),
                                  INT_MAX);
    }
    if (pidfd.get() < 0 && (wait_ms < 0 || wait_ms > 5)) wait_ms = 5;
    pollfd fds[2];
    int nfds = 0;
    if (pipe_open) fds[nfds++] = {out_read.get(), POLLIN, 0};
    if (pidfd.get() >= 0) fds[nfds++] = {pidfd.get(), POLLIN, 0};
    int ready = poll(fds, nfds, static_cast<int>(wait_ms));
    if (ready < 0 && errno != EINTR) return ErrnoStatus("poll");
    if (pipe_open && ready > 0 && fds[0].revents != 0) {
      pipe_open =
          ReadAvailable(out_read.get(), options.max_output_bytes, result);
    }
  }
  // Anything the child started that is still running goes with it. The
  // child is a zombie until reaped below, so its group id cannot have been
  // reused by an unrelated process.
  if (options.new_process_group) kill(-pid, SIGKILL);
  if (pipe_open) {
    ReadAvailable(out_read.get(), options.max_output_bytes, result);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return ErrnoStatus("waitpid");
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace airlock::sandbox::compile_internal
