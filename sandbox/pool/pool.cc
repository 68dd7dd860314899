#include "sandbox/pool/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "sandbox/unique_fd.h"
#include "sandbox/wasi/direct_path_broker.h"
#include "sandbox/worker/channel.h"
#include "sandbox/worker/protocol.pb.h"
#include "sandbox/worker/remote_path_broker.h"

namespace airlock::sandbox {

using worker::Channel;

namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(10);
constexpr absl::Duration kExitReportTimeout = absl::Seconds(5);

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? absl::StrCat("SIG", abbrev)
                           : absl::StrCat("signal ", sig);
}

worker::TestHook ToProto(TestHook hook) {
  switch (hook) {
    case TestHook::kNone:
      return worker::TEST_HOOK_NONE;
    case TestHook::kSocket:
      return worker::TEST_HOOK_SOCKET;
    case TestHook::kExecve:
      return worker::TEST_HOOK_EXECVE;
    case TestHook::kOpen:
      return worker::TEST_HOOK_OPEN;
    case TestHook::kPtrace:
      return worker::TEST_HOOK_PTRACE;
    case TestHook::kSegfault:
      return worker::TEST_HOOK_SEGFAULT;
  }
  return worker::TEST_HOOK_NONE;
}

// A worker process as the supervisor sees it.
struct Worker {
  pid_t pid = 0;
  UniqueFd pidfd;  // invalid when the kernel has no pidfd_open
  Channel channel;
  std::string tenant;
  std::string module_key;
  uint32_t calls = 0;
  absl::Time idle_since;

  // Kills the process (race-free through the pidfd when there is one).
  void Kill() {
    if (pidfd.valid()) {
      syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
    } else if (pid > 0) {
      kill(pid, SIGKILL);
    }
  }
};

}  // namespace

struct WorkerPool::State {
  PoolOptions options;
  pid_t zygote_pid = 0;
  Channel control;  // to the zygote; sends under send_mu
  std::mutex send_mu;
  std::thread reader;  // zygote events, idle reaping

  mutable std::mutex mu;
  std::condition_variable cv;  // worker freed, spawn answered, exit seen
  bool stopping = false;
  std::deque<std::unique_ptr<Worker>> idle;
  size_t alive = 0;
  std::map<std::string, size_t> alive_per_tenant;
  uint64_t next_request = 1;
  uint64_t next_call = 1;
  std::map<uint64_t, worker::ZygoteEvent> spawn_replies;  // + fds below
  std::map<uint64_t, UniqueFd> spawn_pidfds;
  std::map<pid_t, worker::Exited> exits;  // reported, not yet collected
  std::string confinement_logged;
  PoolStats stats;

  void Log(std::string_view line) {
    if (options.log) options.log(line);
  }

  // The zygote's events: spawn replies and worker exits. Also closes idle
  // workers past their idle timeout.
  void ReadEvents() {
    while (true) {
      worker::ZygoteEvent event;
      std::vector<UniqueFd> fds;
      absl::Status status =
          control.Receive(&event, &fds, absl::Now() + absl::Seconds(1));
      std::vector<std::unique_ptr<Worker>> expired;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (status.ok() && event.has_spawned()) {
          const uint64_t id = event.spawned().request_id();
          if (!fds.empty()) spawn_pidfds[id] = std::move(fds[0]);
          spawn_replies[id] = event;
        } else if (status.ok() && event.has_exited()) {
          exits[event.exited().pid()] = event.exited();
          // Forget exits nobody asks for (idle workers that ended) before
          // the map grows: keep the newest few hundred.
          while (exits.size() > 1024) exits.erase(exits.begin());
        }
        const absl::Time now = absl::Now();
        while (!idle.empty() &&
               now - idle.front()->idle_since > options.idle_timeout) {
          expired.push_back(std::move(idle.front()));
          idle.pop_front();
          ForgetLocked(expired.back()->tenant);
        }
        if (!status.ok() && !absl::IsDeadlineExceeded(status)) {
          stopping = true;  // the zygote is gone
        }
      }
      cv.notify_all();
      expired.clear();  // closing the channel ends the worker
      if (!status.ok() && !absl::IsDeadlineExceeded(status)) return;
    }
  }

  // Drops one worker of `tenant` (alive, or reserved by Acquire) from the
  // counts. REQUIRES: mu held.
  void ForgetLocked(const std::string& tenant) {
    --alive;
    if (--alive_per_tenant[tenant] == 0) alive_per_tenant.erase(tenant);
    cv.notify_all();
  }

  void Discard(std::unique_ptr<Worker> w, bool kill) {
    if (kill) w->Kill();
    std::lock_guard<std::mutex> lock(mu);
    ForgetLocked(w->tenant);
  }

  // Takes an idle worker for (tenant, key), or reserves room for a new one
  // (returns null and sets *reserved), waiting until `deadline`.
  absl::StatusOr<std::unique_ptr<Worker>> Acquire(const std::string& tenant,
                                                  const std::string& key,
                                                  absl::Time deadline,
                                                  bool* reserved) {
    std::unique_lock<std::mutex> lock(mu);
    std::unique_ptr<Worker> evicted;
    while (true) {
      if (stopping) return absl::UnavailableError("the worker pool stopped");
      for (auto it = idle.begin(); it != idle.end(); ++it) {
        if ((*it)->tenant == tenant && (*it)->module_key == key) {
          std::unique_ptr<Worker> w = std::move(*it);
          idle.erase(it);
          return w;
        }
      }
      const bool tenant_full =
          alive_per_tenant[tenant] >= options.max_workers_per_tenant;
      if (tenant_full || alive >= options.max_workers) {
        // Full, but an idle worker can make room: the tenant's own (kept
        // for another module) when the tenant is at its cap, else anyone's.
        for (auto it = idle.begin(); it != idle.end(); ++it) {
          if (tenant_full && (*it)->tenant != tenant) continue;
          evicted = std::move(*it);
          idle.erase(it);
          ForgetLocked(evicted->tenant);
          break;
        }
      }
      const bool tenant_room =
          alive_per_tenant[tenant] < options.max_workers_per_tenant;
      if (tenant_room && alive < options.max_workers) {
        ++alive;
        ++alive_per_tenant[tenant];
        *reserved = true;
        lock.unlock();
        evicted.reset();
        return std::unique_ptr<Worker>();
      }
      if (deadline == absl::InfiniteFuture()) {
        cv.wait(lock);
      } else {
        const absl::Duration left = deadline - absl::Now();
        if (left <= absl::ZeroDuration()) {
          return absl::DeadlineExceededError(absl::StrCat(
              "no worker became free for tenant ", tenant,
              " before the call's deadline (", alive, " of ",
              options.max_workers, " workers alive, ", alive_per_tenant[tenant],
              " of ", options.max_workers_per_tenant,
              " for this tenant, all busy)"));
        }
        cv.wait_for(lock, absl::ToChronoMilliseconds(left) +
                              std::chrono::milliseconds(1));
      }
    }
  }

  // Starts a worker for `call` (room already reserved).
  absl::StatusOr<std::unique_ptr<Worker>> Start(const PoolCall& call,
                                                const std::string& key) {
    Channel ours, theirs;
    if (absl::Status s = Channel::Pair(&ours, &theirs); !s.ok()) return s;
    UniqueFd module_fd(open(call.module->path().c_str(), O_RDONLY | O_CLOEXEC));
    if (!module_fd.valid()) {
      return absl::UnavailableError(absl::StrCat("cannot open compiled module ",
                                                 call.module->path(), ": ",
                                                 strerror(errno)));
    }
    worker::Spawn spawn;
    uint64_t id;
    {
      std::lock_guard<std::mutex> lock(mu);
      id = next_request++;
    }
    spawn.set_request_id(id);
    spawn.set_tenant(call.tenant);
    spawn.set_cache_key(key);
    spawn.set_address_space_bytes(call.limits.max_memory_bytes +
                                  options.address_space_overhead_bytes);
    // The WASI fd table holds up to 1024 fds; the worker needs room for all
    // of them (each broker open arrives as an fd) plus its own few, so a
    // guest hits EMFILE at the same point as in process.
    spawn.set_max_open_files(1100);
    spawn.set_landlock(options.landlock);
    {
      std::lock_guard<std::mutex> lock(send_mu);
      absl::Status sent = control.Send(spawn, {theirs.fd(), module_fd.get()});
      if (!sent.ok()) {
        return absl::UnavailableError(
            absl::StrCat("the zygote is gone: ", sent.message()));
      }
    }
    theirs = Channel();
    module_fd.Reset();

    auto w = std::make_unique<Worker>();
    {
      std::unique_lock<std::mutex> lock(mu);
      const bool answered =
          cv.wait_for(lock, absl::ToChronoMilliseconds(kStartTimeout),
                      [&] { return stopping || spawn_replies.count(id) > 0; });
      if (!answered || stopping) {
        spawn_replies.erase(id);
        return absl::UnavailableError("the zygote did not start a worker");
      }
      const worker::Spawned spawned = spawn_replies[id].spawned();
      spawn_replies.erase(id);
      if (auto it = spawn_pidfds.find(id); it != spawn_pidfds.end()) {
        w->pidfd = std::move(it->second);
        spawn_pidfds.erase(it);
      }
      if (spawned.pid() <= 0) {
        return absl::UnavailableError(
            absl::StrCat("cannot start a worker: ", spawned.error()));
      }
      w->pid = spawned.pid();
    }
    w->channel = std::move(ours);
    w->tenant = call.tenant;
    w->module_key = key;

    worker::FromWorker message;
    std::vector<UniqueFd> fds;
    absl::Status status =
        w->channel.Receive(&message, &fds, absl::Now() + kStartTimeout);
    if (!status.ok() || !message.has_ready()) {
      w->Kill();
      const std::string why = LostReason(w->pid);
      return absl::UnavailableError(
          absl::StrCat("the worker did not start: ",
                       why.empty() ? std::string(status.message()) : why));
    }
    if (!message.ready().error().empty()) {
      w->Kill();
      return absl::UnavailableError(
          absl::StrCat("the worker did not start: ", message.ready().error()));
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      ++stats.workers_started;
      if (message.ready().confinement() != confinement_logged) {
        confinement_logged = message.ready().confinement();
        Log(absl::StrCat("pool: workers confined: ", confinement_logged));
      }
    }
    return w;
  }

  // Waits for the zygote's report of `pid`'s exit; "" if none came.
  std::string LostReason(pid_t pid, int* signal = nullptr) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, absl::ToChronoMilliseconds(kExitReportTimeout),
                [&] { return stopping || exits.count(pid) > 0; });
    auto it = exits.find(pid);
    if (it == exits.end()) return "";
    const worker::Exited exited = it->second;
    exits.erase(it);
    if (exited.signal() != 0) {
      if (signal != nullptr) *signal = exited.signal();
      return absl::StrCat("killed by ", SignalName(exited.signal()));
    }
    return absl::StrCat("exited with status ", exited.exit_status());
  }
};

WorkerPool::WorkerPool(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

absl::StatusOr<std::unique_ptr<WorkerPool>> WorkerPool::Create(
    PoolOptions options) {
  if (access(options.worker_binary.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("worker executable ", options.worker_binary,
                     " is missing or not executable: ", strerror(errno)));
  }
  auto state = std::make_unique<State>();
  state->options = std::move(options);
  if (!state->options.log) {
    state->options.log = [](std::string_view line) {
      fprintf(stderr, "airlock: %.*s\n", static_cast<int>(line.size()),
              line.data());
    };
  }
  Channel ours, theirs;
  if (absl::Status s = Channel::Pair(&ours, &theirs); !s.ok()) return s;
  // The zygote gets its end as fd 3, /dev/null as stdin and stdout, our
  // stderr. fork+exec (not a bare fork) gives it a clean single-threaded
  // image whatever threads this process has.
  std::vector<std::string> argv_storage = {state->options.worker_binary,
                                           "--zygote-fd=3"};
  if (state->options.test_hooks) argv_storage.push_back("--test-hooks");
  if (!state->options.network_namespace) {
    argv_storage.push_back("--no-network-namespace");
  }
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int their_fd = theirs.fd();
  const pid_t pid = fork();
  if (pid < 0) {
    return absl::UnavailableError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    const int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
    }
    if (dup2(their_fd, 3) < 0) _exit(127);  // dup2 clears FD_CLOEXEC
    execv(argv[0], argv.data());
    _exit(127);
  }
  theirs = Channel();
  state->zygote_pid = pid;
  state->control = std::move(ours);
  State* raw = state.get();
  state->reader = std::thread([raw] { raw->ReadEvents(); });
  return std::unique_ptr<WorkerPool>(new WorkerPool(std::move(state)));
}

WorkerPool::~WorkerPool() {
  std::deque<std::unique_ptr<Worker>> idle;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stopping = true;
    idle.swap(state_->idle);
  }
  state_->cv.notify_all();
  idle.clear();  // channels close: the workers exit
  // Closing the control channel ends the zygote, which reaps its workers.
  shutdown(state_->control.fd(), SHUT_RDWR);
  if (state_->reader.joinable()) state_->reader.join();
  state_->control = Channel();
  if (state_->zygote_pid > 0) waitpid(state_->zygote_pid, nullptr, 0);
}

PoolStats WorkerPool::stats() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  PoolStats s = state_->stats;
  s.workers = state_->alive;
  s.idle_workers = state_->idle.size();
  return s;
}

absl::StatusOr<PoolResult> WorkerPool::Run(const PoolCall& call) {
  State& s = *state_;
  if (call.module == nullptr) {
    return absl::InvalidArgumentError("pool call without a module");
  }
  const char* key_c = call.module->desc().cache_key;
  const std::string key = key_c != nullptr ? key_c : "";
  PoolResult result;

  // The folders are opened here, in the supervisor; a bad grant fails the
  // call before any worker is involved.
  absl::StatusOr<std::unique_ptr<PathBroker>> broker =
      DirectPathBroker::Create(call.dirs);
  if (!broker.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("WASI setup: ", broker.status().message()));
  }

  uint64_t call_id;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    call_id = s.next_call++;
    ++s.stats.calls;
  }
  worker::ToWorker to;
  worker::Call* c = to.mutable_call();
  c->set_call_id(call_id);
  for (const std::string& arg : call.args) c->add_args(arg);
  for (const auto& [name, value] : call.env) {
    worker::EnvVar* var = c->add_env();
    var->set_name(name);
    var->set_value(value);
  }
  for (const DirGrant& dir : call.dirs) {
    worker::Preopen* p = c->add_preopens();
    p->set_guest_path(dir.guest_path);
    p->set_read_only(dir.read_only);
  }
  c->set_fuel(call.limits.fuel);
  c->set_max_memory_bytes(call.limits.max_memory_bytes);
  if (call.limits.timeout != absl::InfiniteDuration()) {
    c->set_timeout_us(absl::ToInt64Microseconds(call.limits.timeout));
  }
  c->set_max_output_bytes(call.max_output_bytes);
  c->set_test_hook(ToProto(call.test_hook));

  // A call travels in one packet, stdin in chunks after it. argv and env
  // that do not fit beside the rest follow the Call in chunks too.
  std::string environment;
  if (to.ByteSizeLong() + 1 > worker::kMaxPacketBytes) {
    worker::CallEnvironment env;
    *env.mutable_args() = std::move(*c->mutable_args());
    *env.mutable_env() = std::move(*c->mutable_env());
    c->clear_args();
    c->clear_env();
    environment = env.SerializeAsString();
    c->set_environment_bytes(environment.size());
    if (to.ByteSizeLong() + 1 > worker::kMaxPacketBytes) {
      return absl::OutOfRangeError(absl::StrCat(
          "the call takes ", to.ByteSizeLong(),
          " bytes without its arguments and environment; at most ",
          worker::kMaxPacketBytes - 1, " fit in an isolated call"));
    }
  }
  const absl::Time queued = absl::Now();
  bool reserved = false;
  absl::StatusOr<std::unique_ptr<Worker>> acquired =
      s.Acquire(call.tenant, key, call.deadline, &reserved);
  if (!acquired.ok()) return acquired.status();
  std::unique_ptr<Worker> w = *std::move(acquired);
  if (reserved) {
    absl::StatusOr<std::unique_ptr<Worker>> started = s.Start(call, key);
    if (!started.ok()) {
      std::lock_guard<std::mutex> lock(s.mu);
      s.ForgetLocked(call.tenant);  // the room Acquire reserved
      return started.status();
    }
    w = *std::move(started);
    result.new_worker = true;
  }
  result.queue_time = absl::Now() - queued;

  // The worker's own watchdog stops the guest at the timeout; the
  // supervisor's deadline is the backstop for a worker that does not come
  // back (stuck in host code, or confused).
  const absl::Time started = absl::Now();
  const absl::Time kill_at =
      call.limits.timeout == absl::InfiniteDuration()
          ? absl::InfiniteFuture()
          : started + call.limits.timeout + s.options.kill_grace;

  auto lost = [&](std::string fallback) -> absl::StatusOr<PoolResult> {
    w->Kill();
    int signal = 0;
    std::string why = s.LostReason(w->pid, &signal);
    result.outcome = PoolResult::Outcome::kWorkerLost;
    result.signal = signal;
    result.lost_reason = why.empty() ? fallback : why;
    {
      std::lock_guard<std::mutex> lock(s.mu);
      ++s.stats.workers_lost;
    }
    s.Log(absl::StrCat("pool: worker ", w->pid, " of tenant ", call.tenant,
                       " lost: ", result.lost_reason));
    s.Discard(std::move(w), /*kill=*/false);
    return result;
  };

  bool sent = w->channel.Send(to).ok();
  for (size_t at = 0; sent && !environment.empty(); at += worker::kChunkBytes) {
    worker::ToWorker chunk;
    const size_t n = std::min(worker::kChunkBytes, environment.size() - at);
    chunk.mutable_environment()->set_data(environment.substr(at, n));
    const bool eof = at + n >= environment.size();
    chunk.mutable_environment()->set_eof(eof);
    sent = w->channel.Send(chunk).ok();
    if (eof) break;
  }
  for (size_t at = 0; sent; at += worker::kChunkBytes) {
    worker::ToWorker input;
    const size_t n =
        std::min(worker::kChunkBytes,
                 at < call.input.size() ? call.input.size() - at : size_t{0});
    input.mutable_input()->set_data(call.input.substr(at, n));
    const bool eof = at + n >= call.input.size();
    input.mutable_input()->set_eof(eof);
    sent = w->channel.Send(input).ok();
    if (eof) break;
  }
  if (!sent) return lost("the worker closed its channel");

  while (true) {
    worker::FromWorker message;
    std::vector<UniqueFd> fds;
    absl::Status status = w->channel.Receive(&message, &fds, kill_at);
    if (absl::IsDeadlineExceeded(status)) {
      // Overran: the worker's own watchdog did not end the call in time.
      w->Kill();
      s.LostReason(w->pid);
      s.Discard(std::move(w), /*kill=*/false);
      result.outcome = PoolResult::Outcome::kTrapped;
      result.trap = TrapKind::kTimeout;
      result.run_time = absl::Now() - started;
      return result;
    }
    if (!status.ok()) return lost(std::string(status.message()));
    if (message.has_output()) {
      const worker::Output& out = message.output();
      std::string_view data = out.data();
      // The supervisor enforces the cap itself: it never trusts the
      // worker's count.
      if (call.max_output_bytes > 0 &&
          result.output_bytes + data.size() > call.max_output_bytes) {
        data = data.substr(0, call.max_output_bytes - result.output_bytes);
        result.output_truncated = true;
      }
      result.output_bytes += data.size();
      if (!data.empty() && call.on_output) {
        call.on_output(out.stream() == worker::STREAM_STDERR
                           ? OutputStream::kStderr
                           : OutputStream::kStdout,
                       data);
      }
      continue;
    }
    if (message.has_broker_request()) {
      worker::ToWorker reply;
      UniqueFd reply_fd;
      worker::ServeBrokerRequest(message.broker_request(), **broker,
                                 reply.mutable_broker_reply(), &reply_fd);
      std::vector<int> reply_fds;
      if (reply_fd.valid()) reply_fds.push_back(reply_fd.get());
      if (!w->channel.Send(reply, reply_fds).ok()) {
        return lost("the worker closed its channel");
      }
      continue;
    }
    if (!message.has_done()) return lost("unexpected message from worker");
    const worker::CallDone& done = message.done();
    if (done.error_code() != 0) {
      // The module could not run (an error, not an outcome). The worker is
      // fine but will not do better next time for this module: recycle.
      s.Discard(std::move(w), /*kill=*/true);
      return absl::Status(static_cast<absl::StatusCode>(done.error_code()),
                          done.error());
    }
    result.trap = static_cast<TrapKind>(done.trap());
    result.exit_code = done.exit_code();
    result.fuel_used = done.fuel_used();
    result.peak_memory_bytes = done.peak_memory_bytes();
    result.run_time = absl::Microseconds(done.run_time_us());
    result.output_truncated |= done.output_truncated();
    const bool exited =
        result.trap == TrapKind::kNone || result.trap == TrapKind::kExit;
    result.outcome =
        exited ? PoolResult::Outcome::kExited : PoolResult::Outcome::kTrapped;
    // A worker goes back to the pool only after a clean exit: after a trap
    // its state is in doubt (the instance is gone, but the process saw a
    // fault or an interrupted host call), so it is replaced.
    if (exited && ++w->calls < s.options.max_calls_per_worker) {
      w->idle_since = absl::Now();
      std::lock_guard<std::mutex> lock(s.mu);
      if (!s.stopping) {
        s.idle.push_back(std::move(w));
        s.cv.notify_all();
        return result;
      }
    }
    s.Discard(std::move(w), /*kill=*/true);
    return result;
  }
}

}  // namespace airlock::sandbox
