#include "policy/watcher.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace airlock::policy {
namespace {

using Clock = std::chrono::steady_clock;

// Folder events that may change what the policy path reads: its content
// (in-place writes, truncation, cp), its name being replaced (rename over
// it, a ConfigMap's `..data` swap), creation and deletion, and permissions
// (chmod can make an unreadable file readable). *_SELF: the folder itself
// went away, so the watches must be recomputed.
constexpr uint32_t kFolderEvents = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB |
                                   IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                                   IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
                                   IN_ONLYDIR | IN_EXCL_UNLINK;

// Symlinks followed before giving up, as the kernel does (ELOOP).
constexpr int kMaxSymlinks = 40;

// A steady stream of changes is cut into reloads this many debounces apart.
constexpr int kMaxDebounces = 10;

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~UniqueFd() { Reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

std::string ErrnoText(const char* call, int error) {
  return absl::StrCat(call, ": ", strerror(error));
}

std::string Join(const std::string& dir, const std::string& name) {
  return dir == "/" ? absl::StrCat("/", name) : absl::StrCat(dir, "/", name);
}

std::string Parent(const std::string& dir) {
  size_t slash = dir.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : dir.substr(0, slash);
}

// Resolves `path` as the kernel would, and returns, folder by folder (each
// folder free of symlinks), the names whose change may change what `path`
// reads: every symlink met on the way and the final file. A missing
// component ends the walk: its folder is watched for it to appear.
std::map<std::string, std::set<std::string>> WatchPoints(
    const std::string& path) {
  std::map<std::string, std::set<std::string>> points;
  std::string resolved = "/";
  if (path.empty() || path[0] != '/') {
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof(cwd)) == nullptr) return points;
    resolved = cwd;
  }
  std::deque<std::string> pending;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    pending.emplace_back(part);
  }
  int symlinks = 0;
  while (!pending.empty()) {
    std::string name = std::move(pending.front());
    pending.pop_front();
    if (name == ".") continue;
    if (name == "..") {
      resolved = Parent(resolved);
      continue;
    }
    std::string candidate = Join(resolved, name);
    struct stat st;
    if (lstat(candidate.c_str(), &st) != 0) {
      points[resolved].insert(name);
      break;
    }
    if (S_ISLNK(st.st_mode)) {
      points[resolved].insert(name);
      char target[PATH_MAX];
      ssize_t n = readlink(candidate.c_str(), target, sizeof(target) - 1);
      if (n <= 0 || ++symlinks > kMaxSymlinks) break;
      absl::string_view link(target, static_cast<size_t>(n));
      if (link[0] == '/') resolved = "/";
      std::vector<absl::string_view> parts =
          absl::StrSplit(link, '/', absl::SkipEmpty());
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
        pending.emplace_front(*it);
      }
      continue;
    }
    if (pending.empty()) points[resolved].insert(name);
    resolved = std::move(candidate);
  }
  return points;
}

}  // namespace

struct PolicyWatcher::State {
  struct Watch {
    std::string folder;
    absl::flat_hash_set<std::string> names;
  };

  State(PolicyStore& store, Options options) : store(store), options(options) {}

  PolicyStore& store;
  const Options options;
  UniqueFd stop;     // eventfd: the destructor writes to it
  UniqueFd inotify;  // invalid when inotify is unavailable
  UniqueFd signals;  // signalfd for SIGHUP; invalid unless options.sighup
  // Touched only by the watcher thread once it runs.
  absl::flat_hash_map<int, Watch> watches;  // by watch descriptor
  std::string watch_errors;                 // as last logged

  void Run();
  // Points the inotify watches at the folders WatchPoints names now.
  void UpdateWatches();
  // True when an event may have changed the policy file.
  bool DrainInotify();
  // True when SIGHUP arrived.
  bool DrainSignals();
  std::string Describe() const;
};

void PolicyWatcher::State::Run() {
  const Clock::duration debounce = absl::ToChronoNanoseconds(
      std::max(options.debounce, absl::ZeroDuration()));
  // The burst of changes not yet reloaded, if any: its first and last
  // event.
  bool pending = false;
  Clock::time_point first_change;
  Clock::time_point last_change;
  auto reload_due = [&] {
    return std::min(last_change + debounce,
                    first_change + kMaxDebounces * debounce);
  };

  for (;;) {
    int timeout_ms = -1;  // no change pending: wait for one
    if (pending) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(reload_due() -
                                                               Clock::now());
      timeout_ms =
          static_cast<int>(std::clamp<int64_t>(left.count(), 0, INT32_MAX));
    }
    pollfd fds[3];
    nfds_t count = 0;
    fds[count++] = {stop.get(), POLLIN, 0};
    if (inotify.valid()) fds[count++] = {inotify.get(), POLLIN, 0};
    if (signals.valid()) fds[count++] = {signals.get(), POLLIN, 0};
    if (poll(fds, count, timeout_ms) < 0) {
      if (errno == EINTR) continue;
      store.Log(absl::StrCat("policy: watcher of ", store.path(),
                             " stopped: ", ErrnoText("poll", errno)));
      return;
    }
    if (fds[0].revents != 0) return;  // the destructor

    bool sighup = signals.valid() && DrainSignals();
    if (inotify.valid() && DrainInotify()) {
      last_change = Clock::now();
      if (!pending) first_change = last_change;
      pending = true;
    }
    bool settled = pending && Clock::now() >= reload_due();
    if (!sighup && !settled) continue;

    if (sighup) {
      store.Log(absl::StrCat("policy: SIGHUP: reloading ", store.path()));
    }
    pending = false;
    // Before the reload: a change made after the new watches are in place
    // is seen by them, one made before is read by this reload.
    UpdateWatches();
    // The store logs the outcome and counts it.
    store.Reload().IgnoreError();
  }
}

void PolicyWatcher::State::UpdateWatches() {
  if (!inotify.valid()) return;
  absl::flat_hash_map<int, Watch> next;
  std::vector<std::string> errors;
  for (auto& [folder, names] : WatchPoints(store.path())) {
    int wd = inotify_add_watch(inotify.get(), folder.c_str(), kFolderEvents);
    if (wd < 0) {
      int error = errno;
      errors.push_back(absl::StrCat(
          folder, " (", ErrnoText("inotify_add_watch", error),
          error == ENOSPC ? ": raise fs.inotify.max_user_watches" : "", ")"));
      continue;
    }
    // Two paths to one folder share a descriptor: merge their names.
    Watch& watch = next[wd];
    watch.folder = folder;
    watch.names.insert(names.begin(), names.end());
  }
  for (const auto& [wd, watch] : watches) {
    if (!next.contains(wd)) inotify_rm_watch(inotify.get(), wd);
  }
  watches = std::move(next);

  // A lasting problem is logged once, not on every reload.
  std::string text = absl::StrJoin(errors, ", ");
  if (text != watch_errors && !text.empty()) {
    store.Log(absl::StrCat("policy: cannot watch ", text, " for changes to ",
                           store.path(),
                           options.sighup ? "; reload it with SIGHUP" : ""));
  }
  watch_errors = std::move(text);
}

bool PolicyWatcher::State::DrainInotify() {
  bool changed = false;
  // Room for at least one event with the longest name.
  constexpr size_t kBufferSize = 16 * (sizeof(inotify_event) + NAME_MAX + 1);
  alignas(inotify_event) char buffer[kBufferSize];
  for (;;) {
    ssize_t n = read(inotify.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: drained
    for (char* p = buffer; p < buffer + n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(p);
      p += sizeof(inotify_event) + event->len;
      if (event->mask & IN_Q_OVERFLOW) {
        changed = true;  // events were lost: assume ours was one
        continue;
      }
      auto it = watches.find(event->wd);
      if (it == watches.end()) continue;  // a watch we removed
      if (event->mask & IN_IGNORED) {
        watches.erase(it);  // the folder is gone; recompute on reload
        changed = true;
        continue;
      }
      if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        changed = true;
        continue;
      }
      // event->name is NUL-padded to event->len.
      if (event->len > 0 && it->second.names.contains(event->name)) {
        changed = true;
      }
    }
  }
  return changed;
}

bool PolicyWatcher::State::DrainSignals() {
  bool got = false;
  signalfd_siginfo info;
  for (;;) {
    ssize_t n = read(signals.get(), &info, sizeof(info));
    if (n < 0 && errno == EINTR) continue;
    if (n != sizeof(info)) break;  // EAGAIN: drained
    got = true;
  }
  return got;
}

std::string PolicyWatcher::State::Describe() const {
  std::vector<std::string> folders;
  for (const auto& [wd, watch] : watches) folders.push_back(watch.folder);
  std::sort(folders.begin(), folders.end());
  return absl::StrJoin(folders, ", ");
}

absl::StatusOr<std::unique_ptr<PolicyWatcher>> PolicyWatcher::Start(
    PolicyStore& store, Options options) {
  auto state = std::make_unique<State>(store, options);

  state->stop = UniqueFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!state->stop.valid()) {
    return absl::InternalError(
        absl::StrCat("policy: watcher: ", ErrnoText("eventfd", errno)));
  }

  if (options.sighup) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    state->signals = UniqueFd(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!state->signals.valid()) {
      return absl::InternalError(
          absl::StrCat("policy: watcher: ", ErrnoText("signalfd", errno)));
    }
    // See the header: the signalfd only sees SIGHUP while every thread
    // blocks it; the watcher thread inherits this mask.
    int error = pthread_sigmask(SIG_BLOCK, &set, nullptr);
    if (error != 0) {
      return absl::InternalError(absl::StrCat(
          "policy: watcher: ", ErrnoText("pthread_sigmask", error)));
    }
  }

  state->inotify = UniqueFd(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (state->inotify.valid()) {
    state->UpdateWatches();
  } else {
    store.Log(absl::StrCat("policy: cannot watch ", store.path(),
                           " for changes (", ErrnoText("inotify_init1", errno),
                           ")",
                           options.sighup ? "; reload it with SIGHUP" : ""));
  }
  std::vector<std::string> how;
  if (!state->watches.empty()) {
    how.push_back(absl::StrCat("inotify on ", state->Describe()));
  }
  if (options.sighup) how.push_back("SIGHUP");
  if (!how.empty()) {
    store.Log(absl::StrCat("policy: watching ", store.path(), " (",
                           absl::StrJoin(how, ", "), ")"));
  }

  std::unique_ptr<PolicyWatcher> watcher(new PolicyWatcher(std::move(state)));
  try {
    watcher->thread_ = std::thread([s = watcher->state_.get()] { s->Run(); });
  } catch (const std::system_error& e) {
    return absl::ResourceExhaustedError(
        absl::StrCat("policy: watcher: cannot start a thread: ", e.what()));
  }
  return watcher;
}

PolicyWatcher::PolicyWatcher(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

PolicyWatcher::~PolicyWatcher() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    // Cannot fail short of a counter overflow; the thread polls for it.
    while (write(state_->stop.get(), &one, sizeof(one)) < 0 && errno == EINTR) {
    }
    thread_.join();
  }
}

}  // namespace airlock::policy
