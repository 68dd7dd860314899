#include "tests/spec/script_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

extern char** environ;

namespace airlock::spectest {
namespace {

// Messages may contain newlines (export names in names.wast do).
std::string Escape(absl::string_view text) {
  std::string escaped;
  for (char c : text) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string Unescape(absl::string_view text) {
  std::string plain;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      ++i;
      plain += text[i] == 'n' ? '\n' : text[i];
    } else {
      plain += text[i];
    }
  }
  return plain;
}

// Writes one record with write(2), unbuffered, so that it survives a crash
// of the child right after.
bool WriteRecord(std::string record) {
  record += '\n';
  const char* data = record.data();
  size_t left = record.size();
  while (left > 0) {
    ssize_t n = write(kWorkerFd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

// The last `max` bytes of the file at `path`, on one line.
std::string Tail(const std::string& path, size_t max) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  std::string text = contents.str();
  if (text.size() > max) text = "..." + text.substr(text.size() - max);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::string one_line;
  for (char c : text) {
    if (c == '\n') {
      one_line += " | ";
    } else {
      one_line += c;
    }
  }
  return one_line;
}

// Parses "<a> <b> ..." into `out` (all of them, or returns false).
bool ParseNumbers(absl::string_view text, std::vector<int64_t>& out) {
  out.clear();
  for (absl::string_view field : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    int64_t value;
    if (!absl::SimpleAtoi(field, &value)) return false;
    out.push_back(value);
  }
  return true;
}

}  // namespace

int RunScriptWorker(const std::string& wast_path, sandbox::Compiler& compiler,
                    const WastRunnerOptions& options) {
  // Not for the compile helpers this process starts.
  bool ok = fcntl(kWorkerFd, F_SETFD, FD_CLOEXEC) == 0;
  bool total_sent = false;
  size_t messages_sent = 0;
  auto send_progress = [&](const WastReport& report) {
    if (!total_sent) {
      ok &= WriteRecord(absl::StrCat("T ", report.commands));
      total_sent = true;
    }
    for (; messages_sent < report.messages.size(); ++messages_sent) {
      ok &= WriteRecord(
          absl::StrCat("M ", Escape(report.messages[messages_sent])));
    }
  };
  WastReport report = RunWastFile(
      wast_path, compiler, options, [&](int line, const WastReport& so_far) {
        send_progress(so_far);
        ok &= WriteRecord(absl::StrCat(
            "L ", line, " ", so_far.passed, " ", so_far.failed, " ",
            so_far.skipped, " ", so_far.modules, " ", so_far.cache_hits, " ",
            absl::ToInt64Nanoseconds(so_far.compile_time)));
      });
  send_progress(report);
  ok &= WriteRecord(
      absl::StrCat("R ", report.passed, " ", report.failed, " ", report.skipped,
                   " ", report.modules, " ", report.cache_hits, " ",
                   absl::ToInt64Nanoseconds(report.compile_time)));
  return ok ? 0 : 1;
}

WastReport RunScriptInChild(const std::string& wast_path,
                            const std::vector<std::string>& argv,
                            absl::Duration timeout,
                            const std::string& temp_dir) {
  const absl::Time start = absl::Now();
  WastReport report;
  report.name = std::filesystem::path(wast_path).filename().string();
  auto fail = [&](std::string message) {
    ++report.failed;
    report.messages.push_back(absl::StrCat("0: ", message));
    report.elapsed = absl::Now() - start;
    return report;
  };

  // Close-on-exec, so that children other threads start do not inherit
  // the write end and keep the pipe open.
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return fail(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  // The child works in a directory of ours, removed even if it crashes.
  std::string work_dir = temp_dir + "/airlock-spectest-XXXXXX";
  if (mkdtemp(work_dir.data()) == nullptr) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return fail(absl::StrCat("cannot create a directory in ", temp_dir, ": ",
                             std::strerror(errno)));
  }
  struct RemoveDir {
    std::string path;
    ~RemoveDir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } remove_dir{work_dir};
  const std::string log_path = work_dir + "/output.log";
  int log_fd =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return fail(
        absl::StrCat("cannot create ", log_path, ": ", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDERR_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], kWorkerFd);
  std::vector<std::string> args = argv;
  args.push_back("--temp-dir");
  args.push_back(work_dir);
  std::vector<char*> c_args;
  for (std::string& arg : args) c_args.push_back(arg.data());
  c_args.push_back(nullptr);
  pid_t pid;
  int error =
      posix_spawn(&pid, c_args[0], &actions, nullptr, c_args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  close(log_fd);
  if (error != 0) {
    close(pipe_fds[0]);
    return fail(
        absl::StrCat("cannot run ", argv[0], ": ", std::strerror(error)));
  }

  int line = 0;
  std::vector<int64_t> counts(3, 0);  // passed, failed, skipped so far
  bool finished = false;
  bool timed_out = false;
  std::string buffer;
  const absl::Time deadline = start + timeout;
  auto handle = [&](absl::string_view record) {
    if (record.size() < 2 || record[1] != ' ') return;
    absl::string_view body = record.substr(2);
    std::vector<int64_t> numbers;
    switch (record[0]) {
      case 'T':
        if (ParseNumbers(body, numbers) && numbers.size() == 1) {
          report.commands = static_cast<int>(numbers[0]);
        }
        break;
      case 'L':
        if (ParseNumbers(body, numbers) && numbers.size() == 7) {
          line = static_cast<int>(numbers[0]);
          counts.assign(numbers.begin() + 1, numbers.begin() + 4);
          report.modules = static_cast<int>(numbers[4]);
          report.cache_hits = static_cast<int>(numbers[5]);
          report.compile_time = absl::Nanoseconds(numbers[6]);
        }
        break;
      case 'M':
        report.messages.push_back(Unescape(body));
        break;
      case 'R':
        if (ParseNumbers(body, numbers) && numbers.size() == 6) {
          report.passed = static_cast<int>(numbers[0]);
          report.failed = static_cast<int>(numbers[1]);
          report.skipped = static_cast<int>(numbers[2]);
          report.modules = static_cast<int>(numbers[3]);
          report.cache_hits = static_cast<int>(numbers[4]);
          report.compile_time = absl::Nanoseconds(numbers[5]);
          finished = true;
        }
        break;
    }
  };
  for (;;) {
    const int64_t wait_ms = std::clamp<int64_t>(
        absl::ToInt64Milliseconds(deadline - absl::Now()), 0, 1000);
    pollfd readable{pipe_fds[0], POLLIN, 0};
    int ready = poll(&readable, 1, static_cast<int>(wait_ms));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      if (absl::Now() >= deadline) {
        kill(pid, SIGKILL);
        timed_out = true;
        break;
      }
      continue;
    }
    char chunk[1 << 16];
    ssize_t n = read(pipe_fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
    size_t begin = 0;
    for (size_t end; (end = buffer.find('\n', begin)) != std::string::npos;
         begin = end + 1) {
      handle(absl::string_view(buffer).substr(begin, end - begin));
    }
    buffer.erase(0, begin);
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  report.elapsed = absl::Now() - start;
  if (finished) return report;

  // The child died (or hung) in the middle of the script: the command it was
  // running and all later ones failed.
  std::string how;
  if (timed_out) {
    how = absl::StrCat("killed after ", absl::FormatDuration(timeout));
  } else if (WIFSIGNALED(status)) {
    how = absl::StrCat("killed by signal ", WTERMSIG(status), " (",
                       strsignal(WTERMSIG(status)), ")");
  } else {
    how = absl::StrCat("exited with status ", WEXITSTATUS(status));
  }
  report.passed = static_cast<int>(counts[0]);
  report.skipped = static_cast<int>(counts[2]);
  const int unfinished =
      report.commands - static_cast<int>(counts[0] + counts[1] + counts[2]);
  report.failed = static_cast<int>(counts[1]) + std::max(1, unfinished);
  std::string output = Tail(log_path, 1500);
  report.messages.push_back(absl::StrCat(
      line, ": the script's process ", how,
      line > 0 ? " during this command" : " before its first command",
      "; it and the ", std::max(0, unfinished - 1),
      " commands after it count as failed",
      output.empty() ? "" : absl::StrCat("; output: ", output)));
  return report;
}

}  // namespace airlock::spectest
