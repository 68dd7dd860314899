// Zygote and worker (worker.h). The worker's life:
//   1. fork from the zygote; close everything but its channel and module fd;
//   2. dlopen the module through /proc/self/fd/N (the last path it opens);
//   3. start the watchdog thread, then confine itself: no_new_privs,
//      rlimits, network namespace, Landlock, seccomp (TSYNC);
//   4. send Ready, then run Calls until the supervisor closes the channel.
// Each call: receive its stdin, build a WASI host whose path operations go
// to the supervisor's broker (RemotePathBroker), run `_start` in a fresh
// instance, stream stdout/stderr as Output messages, send CallDone.
#include "sandbox/worker/worker.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/base/internal/sysinfo.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "sandbox/command.h"
#include "sandbox/runtime/compiled_module.h"
#include "sandbox/runtime/instance.h"
#include "sandbox/worker/confine.h"
#include "sandbox/worker/protocol.pb.h"
#include "sandbox/worker/remote_path_broker.h"
#include "sandbox/worker/seccomp_policy.h"

namespace airlock::sandbox::worker {

namespace {

// Leaves the worker with exactly its channel as fd 3 and its module as fd 4
// (plus 0-2): everything else the zygote had open is closed. close_range
// (Linux 5.9) is one syscall; older kernels get the /proc/self/fd walk.
void KeepOnlyChannelAndModule(int* channel_fd, int* module_fd) {
  // Move both above 4 first so the dup2s below cannot clobber each other.
  const int channel = fcntl(*channel_fd, F_DUPFD_CLOEXEC, 5);
  const int module = fcntl(*module_fd, F_DUPFD_CLOEXEC, 5);
  dup3(channel, 3, O_CLOEXEC);
  dup3(module, 4, O_CLOEXEC);
  *channel_fd = 3;
  *module_fd = 4;
  if (syscall(SYS_close_range, 5u, ~0u, 0u) == 0) return;
  std::vector<int> to_close;
  if (DIR* dir = opendir("/proc/self/fd")) {
    const int dir_fd = dirfd(dir);
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
      const int fd = atoi(entry->d_name);
      if (fd > 4 && fd != dir_fd) to_close.push_back(fd);
    }
    closedir(dir);
  }
  for (int fd : to_close) close(fd);
}

// Forbidden syscalls on request: the pool's seccomp death tests.
void RunTestHook(TestHook hook) {
  switch (hook) {
    case TEST_HOOK_SOCKET:
      socket(AF_INET, SOCK_STREAM, 0);
      break;
    case TEST_HOOK_EXECVE: {
      char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
      execve("/bin/true", argv, nullptr);
      break;
    }
    case TEST_HOOK_OPEN:
      syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
      break;
    case TEST_HOOK_PTRACE:
      ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
      break;
    case TEST_HOOK_SEGFAULT:
      // A fault in host code, not in a guest memory: the runtime's handler
      // must not claim it, so the worker dies with SIGSEGV.
      *static_cast<volatile int*>(nullptr) = 1;
      break;
    default:
      break;
  }
}

class Worker {
 public:
  // `network` describes the namespace the zygote gave every worker.
  Worker(Channel channel, bool test_hooks, std::string network)
      : channel_(std::move(channel)),
        test_hooks_(test_hooks),
        network_(std::move(network)) {}

  // Steps 2-4 of the worker's life. Returns the process exit status.
  int Run(const Spawn& spawn, UniqueFd module_fd, const std::string& bpf) {
    Ready ready;
    // Step 2: the module, loaded through the fd the supervisor sent.
    const std::string path = absl::StrCat("/proc/self/fd/", module_fd.get());
    absl::StatusOr<std::shared_ptr<const CompiledModule>> module =
        CompiledModule::Load(path, spawn.cache_key());
    module_fd.Reset();
    if (!module.ok()) {
      ready.set_error(std::string(module.status().message()));
      SendReady(ready);
      return 1;
    }
    module_ = *std::move(module);
    // Step 3. The watchdog thread starts inside confinement, after Landlock
    // and before seccomp (which forbids new threads): no thread is created
    // later, and every thread has every layer.
    ConfineOptions confine;
    confine.start_threads = [this] {
      watchdog_ = std::make_unique<Watchdog>();
    };
    confine.address_space_bytes = spawn.address_space_bytes();
    confine.max_open_files = spawn.max_open_files();
    // The zygote already entered a network namespace for all its workers.
    confine.network_namespace = false;
    confine.landlock = spawn.landlock();
    confine.seccomp_bpf = &bpf;
    absl::StatusOr<ConfineReport> report = ConfineCurrentProcess(confine);
    if (!report.ok()) {
      ready.set_error(absl::StrCat("cannot confine the worker: ",
                                   report.status().message()));
      SendReady(ready);
      return 1;
    }
    ready.set_confinement(
        absl::StrCat(DescribeForLog(*report), "; ", network_));
    if (!SendReady(ready)) return 1;

    // Step 4.
    while (true) {
      ToWorker message;
      std::vector<UniqueFd> fds;
      absl::Status status = channel_.Receive(&message, &fds);
      if (absl::IsUnavailable(status)) return 0;  // supervisor closed: done
      if (!status.ok() || !message.has_call()) return 1;
      if (!ServeCall(message.call())) return 1;
    }
  }

 private:
  bool SendReady(const Ready& ready) {
    FromWorker message;
    *message.mutable_ready() = ready;
    return channel_.Send(message).ok();
  }

  // Runs one call; false when the channel broke (the worker exits).
  bool ServeCall(const Call& call) {
    // argv and env too big for the Call packet come first, in chunks.
    CallEnvironment big_environment;
    if (call.environment_bytes() > 0) {
      std::string serialized;
      while (true) {
        ToWorker message;
        std::vector<UniqueFd> fds;
        if (!channel_.Receive(&message, &fds).ok() ||
            !message.has_environment()) {
          return false;
        }
        serialized += message.environment().data();
        if (serialized.size() > call.environment_bytes()) return false;
        if (message.environment().eof()) break;
      }
      if (serialized.size() != call.environment_bytes() ||
          !big_environment.ParseFromString(serialized)) {
        return false;
      }
    }
    const auto& args =
        call.environment_bytes() > 0 ? big_environment.args() : call.args();
    const auto& env =
        call.environment_bytes() > 0 ? big_environment.env() : call.env();
    std::string input;
    while (true) {
      ToWorker message;
      std::vector<UniqueFd> fds;
      if (!channel_.Receive(&message, &fds).ok() || !message.has_input()) {
        return false;
      }
      input += message.input().data();
      if (message.input().eof()) break;
    }
    if (test_hooks_) RunTestHook(call.test_hook());

    const uint64_t call_id = call.call_id();
    WasiConfig wasi;
    for (const std::string& arg : args) wasi.args.push_back(arg);
    for (const EnvVar& var : env) {
      wasi.env.emplace_back(var.name(), var.value());
    }
    for (const Preopen& preopen : call.preopens()) {
      DirGrant dir;
      dir.guest_path = preopen.guest_path();
      dir.read_only = preopen.read_only();
      wasi.dirs.push_back(std::move(dir));
    }
    wasi.broker = std::make_shared<RemotePathBroker>(&channel_, call_id);
    size_t input_offset = 0;
    wasi.read_stdin = [&](uint8_t* buf, size_t max) -> int64_t {
      const size_t n = std::min(max, input.size() - input_offset);
      memcpy(buf, input.data() + input_offset, n);
      input_offset += n;
      return static_cast<int64_t>(n);
    };
    // Output streams to the supervisor in chunks as the guest writes it;
    // past the call's cap, writes fail (the guest sees EIO) and the call is
    // flagged. The supervisor counts too: it never trusts this count.
    uint64_t output_bytes = 0;
    bool truncated = false;
    bool channel_broken = false;
    const uint64_t max_output = call.max_output_bytes();
    auto writer = [&](Stream stream) {
      return [&, stream](std::string_view data) -> bool {
        if (max_output > 0 && output_bytes + data.size() > max_output) {
          data = data.substr(0, max_output - output_bytes);
          truncated = true;
        }
        output_bytes += data.size();
        for (size_t at = 0; at < data.size(); at += kChunkBytes) {
          FromWorker message;
          Output* output = message.mutable_output();
          output->set_call_id(call_id);
          output->set_stream(stream);
          output->set_data(std::string(data.substr(at, kChunkBytes)));
          if (!channel_.Send(message).ok()) channel_broken = true;
        }
        return !truncated && !channel_broken;
      };
    };
    wasi.write_stdout = writer(STREAM_STDOUT);
    wasi.write_stderr = writer(STREAM_STDERR);

    RunLimits limits;
    limits.fuel = call.fuel() > 0 ? call.fuel() : INT64_MAX;
    limits.max_memory_bytes = call.max_memory_bytes();
    if (call.timeout_us() > 0) {
      limits.timeout = absl::Microseconds(call.timeout_us());
    }
    absl::StatusOr<RunResult> result =
        RunWasiCommand(module_, std::move(wasi), limits, *watchdog_);
    if (channel_broken) return false;

    FromWorker message;
    CallDone* done = message.mutable_done();
    done->set_call_id(call_id);
    done->set_output_truncated(truncated);
    if (!result.ok()) {
      done->set_error_code(static_cast<int>(result.status().code()));
      done->set_error(std::string(result.status().message()));
    } else {
      done->set_trap(static_cast<int>(result->trap));
      done->set_exit_code(result->exit_code);
      done->set_fuel_used(result->fuel_used);
      done->set_peak_memory_bytes(result->peak_memory_bytes);
      done->set_run_time_us(absl::ToInt64Microseconds(result->run_time));
    }
    return channel_.Send(message).ok();
  }

  Channel channel_;
  const bool test_hooks_;
  const std::string network_;
  std::shared_ptr<const CompiledModule> module_;
  std::unique_ptr<Watchdog> watchdog_;
};

bool SendEvent(Channel& control, const ZygoteEvent& event,
               const std::vector<int>& fds = {}) {
  return control.Send(event, fds).ok();
}

// Reaps every exited worker and reports it.
void ReapWorkers(Channel& control) {
  while (true) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    ZygoteEvent event;
    Exited* exited = event.mutable_exited();
    exited->set_pid(pid);
    if (WIFSIGNALED(status)) {
      exited->set_signal(WTERMSIG(status));
    } else {
      exited->set_exit_status(WEXITSTATUS(status));
    }
    SendEvent(control, event);
  }
}

}  // namespace

int RunZygote(Channel control, const ZygoteOptions& options) {
  // What confinement would otherwise set up in every worker (the fault
  // handlers, this thread's stack bounds from /proc/self/maps, abseil's CPU
  // count): done once here, inherited by every fork.
  InstallFaultHandlers();
  absl::base_internal::NumCPUs();

  absl::StatusOr<SeccompPolicy> policy = SeccompPolicy::Build();
  absl::StatusOr<std::string> bpf =
      policy.ok() ? policy->ExportBpf()
                  : absl::StatusOr<std::string>(policy.status());
  // One network namespace for the zygote and so for every worker (see
  // ZygoteOptions::network_namespace). Single-threaded here, so the user
  // namespace fallback works too.
  std::string network = "network: the host's namespace (not requested)";
  if (options.network_namespace) {
    absl::StatusOr<NetworkIsolation> isolation =
        confine_internal::EnterNetworkNamespace();
    network =
        isolation.ok()
            ? "network: an empty namespace of the zygote's, shared by its "
              "workers"
            : absl::StrCat("network: the host's namespace (",
                           isolation.status().message(),
                           "; seccomp still denies sockets)");
  }
  // Without a filter no worker may start; Spawn requests get the reason.
  const std::string bpf_error =
      bpf.ok() ? "" : absl::StrCat("seccomp: ", bpf.status().message());

  // SIGCHLD through a signalfd: the zygote is single-threaded and waits on
  // its control channel and its children at once.
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigset_t old_mask;
  sigprocmask(SIG_BLOCK, &chld, &old_mask);
  UniqueFd signal_fd(signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK));

  while (true) {
    pollfd polls[2] = {{control.fd(), POLLIN, 0}, {signal_fd.get(), POLLIN, 0}};
    if (poll(polls, signal_fd.valid() ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (signal_fd.valid() && (polls[1].revents & POLLIN) != 0) {
      signalfd_siginfo info;
      while (read(signal_fd.get(), &info, sizeof info) == sizeof info) {
      }
      ReapWorkers(control);
    }
    if ((polls[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    Spawn spawn;
    std::vector<UniqueFd> fds;
    absl::Status status = control.Receive(&spawn, &fds);
    if (absl::IsUnavailable(status)) break;  // supervisor gone
    if (!status.ok()) continue;
    ZygoteEvent event;
    Spawned* spawned = event.mutable_spawned();
    spawned->set_request_id(spawn.request_id());
    if (fds.size() != 2) {
      spawned->set_error("spawn request without its two fds");
      SendEvent(control, event);
      continue;
    }
    if (!bpf_error.empty()) {
      spawned->set_error(bpf_error);
      SendEvent(control, event);
      continue;
    }
    const pid_t pid = fork();
    if (pid < 0) {
      spawned->set_error(absl::StrCat("fork: ", strerror(errno)));
      SendEvent(control, event);
      continue;
    }
    if (pid == 0) {
      // The worker. Nothing of the zygote's but these two fds survives.
      int channel_fd = fds[0].Release();
      int module_fd = fds[1].Release();
      control.TakeFd().Release();
      signal_fd.Release();
      KeepOnlyChannelAndModule(&channel_fd, &module_fd);
      sigprocmask(SIG_SETMASK, &old_mask, nullptr);
      signal(SIGCHLD, SIG_DFL);
      Worker worker(Channel(UniqueFd(channel_fd)), options.test_hooks, network);
      _exit(worker.Run(spawn, UniqueFd(module_fd), *bpf));
    }
    fds.clear();  // the worker has its copies
    spawned->set_pid(pid);
    UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
    std::vector<int> reply_fds;
    if (pidfd.valid()) reply_fds.push_back(pidfd.get());
    SendEvent(control, event, reply_fds);
  }
  // The supervisor is gone: its workers see their channels close and exit;
  // reap them so none lingers as a zombie, for at most about a second. Poll
  // every millisecond: the supervisor may be waiting for this process (a
  // CLI run does, at exit), and workers exit within a few milliseconds.
  for (int i = 0; i < 1000; ++i) {
    const pid_t reaped = waitpid(-1, nullptr, WNOHANG);
    if (reaped < 0 && errno == ECHILD) break;
    if (reaped > 0) continue;
    usleep(1000);
  }
  return 0;
}

}  // namespace airlock::sandbox::worker
