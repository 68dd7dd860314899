// Tests of PolicyWatcher with real files, inotify and signals: the ways
// people and tools change a policy file (in-place write, write-then-rename,
// a Kubernetes ConfigMap's `..data` symlink swap, SIGHUP), shutdown, and
// descriptor hygiene. Every wait polls the store with a deadline.
#include "policy/watcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/policy.h"
#include "policy/store.h"

namespace airlock::policy {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;

const std::string kModule = absl::StrCat("sha256:", std::string(64, 'a'));

// A valid policy defining `tool`, which tenant "acme" may call.
std::string PolicyWithTool(const std::string& tool) {
  return absl::StrCat("version: 1\ntools:\n  ", tool,
                      ":\n    module: ", kModule,
                      "\ntenants:\n  acme:\n    credentials:\n"
                      "      - unix_uid: 1000\n    tools: [",
                      tool, "]\n");
}

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "watcher_test.XXXXXX")
            .string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Truncates and rewrites `path` in place (same inode), like `cp` or an
// editor that saves in place.
void WriteInPlace(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  ASSERT_TRUE(out.good()) << path;
}

// Writes a temporary file beside `path` and renames it over `path`, like
// vim, emacs and most "atomic save" code.
void WriteAndRename(const std::string& path, const std::string& text) {
  std::string temp = path + ".tmp~";
  WriteInPlace(temp, text);
  ASSERT_EQ(rename(temp.c_str(), path.c_str()), 0) << strerror(errno);
}

// Waits up to 10 s for `condition`.
bool WaitFor(const std::function<bool()>& condition) {
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

bool HasTool(const PolicyStore& store, const std::string& tool) {
  return store.Current().policy->FindTool(tool) != nullptr;
}

std::set<int> OpenFds() {
  std::set<int> fds;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return fds;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') fds.insert(atoi(entry->d_name));
  }
  fds.erase(dirfd(dir));
  closedir(dir);
  return fds;
}

bool SighupBlockedInThisThread() {
  sigset_t mask;
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  return sigismember(&mask, SIGHUP) == 1;
}

class LogLines {
 public:
  std::function<void(std::string_view)> Sink() {
    return [this](std::string_view line) {
      absl::MutexLock lock(&mu_);
      lines_.emplace_back(line);
    };
  }
  std::vector<std::string> lines() const {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_;
};

class WatcherTest : public ::testing::Test {
 protected:
  std::unique_ptr<PolicyStore> OpenStore(const std::string& path) {
    PolicyStore::Options options;
    options.path = path;
    options.log = log_.Sink();
    auto store = PolicyStore::Open(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::unique_ptr<PolicyWatcher> StartWatcher(PolicyStore& store,
                                              bool sighup = false) {
    PolicyWatcher::Options options;
    options.sighup = sighup;
    options.debounce = absl::Milliseconds(20);
    auto watcher = PolicyWatcher::Start(store, options);
    EXPECT_TRUE(watcher.ok()) << watcher.status();
    return watcher.ok() ? std::move(*watcher) : nullptr;
  }

  TempDir dir_;
  LogLines log_;
};

// Saving the file in place (truncate and write, as `cp` does) reloads it.
TEST_F(WatcherTest, SeesInPlaceWrite) {
  std::string path = dir_.path() + "/policy.yaml";
  WriteInPlace(path, PolicyWithTool("grep"));
  auto store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  auto watcher = StartWatcher(*store);
  ASSERT_NE(watcher, nullptr);

  WriteInPlace(path, PolicyWithTool("sed"));
  ASSERT_TRUE(WaitFor([&] { return HasTool(*store, "sed"); }));
  EXPECT_EQ(store->Current().generation, 1u);

  WriteInPlace(path, PolicyWithTool("awk"));
  EXPECT_TRUE(WaitFor([&] { return HasTool(*store, "awk"); }));
}

// Writing a temporary file and renaming it over the policy (which replaces
// the inode a file watch would follow) reloads it, again and again.
TEST_F(WatcherTest, SeesWriteTempThenRename) {
  std::string path = dir_.path() + "/policy.yaml";
  WriteInPlace(path, PolicyWithTool("grep"));
  auto store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  auto watcher = StartWatcher(*store);
  ASSERT_NE(watcher, nullptr);

  WriteAndRename(path, PolicyWithTool("sed"));
  ASSERT_TRUE(WaitFor([&] { return HasTool(*store, "sed"); }));
  WriteAndRename(path, PolicyWithTool("awk"));
  ASSERT_TRUE(WaitFor([&] { return HasTool(*store, "awk"); }));
  EXPECT_EQ(store->Current().generation, 2u);
}

// A Kubernetes ConfigMap volume: policy.yaml -> ..data/policy.yaml, and an
// update atomically renames a new `..data` symlink over the old one, then
// deletes the old folder. Each update reloads, including after the folder
// the file really lived in is gone.
TEST_F(WatcherTest, SeesConfigMapSymlinkSwap) {
  const std::string& root = dir_.path();
  // Lays out version `n` with `text` and points ..data at it.
  auto publish = [&](int n, const std::string& text) {
    std::string version = absl::StrCat("..2024_01_01_00_00_0", n, ".", n);
    ASSERT_EQ(mkdir((root + "/" + version).c_str(), 0755), 0);
    WriteInPlace(root + "/" + version + "/policy.yaml", text);
    std::string temp = root + "/..data_tmp";
    ASSERT_EQ(symlink(version.c_str(), temp.c_str()), 0) << strerror(errno);
    ASSERT_EQ(rename(temp.c_str(), (root + "/..data").c_str()), 0)
        << strerror(errno);
    if (n > 1) {
      std::filesystem::remove_all(
          absl::StrCat(root, "/..2024_01_01_00_00_0", n - 1, ".", n - 1));
    }
  };
  publish(1, PolicyWithTool("grep"));
  ASSERT_EQ(symlink("..data/policy.yaml", (root + "/policy.yaml").c_str()), 0);

  auto store = OpenStore(root + "/policy.yaml");
  ASSERT_NE(store, nullptr);
  auto watcher = StartWatcher(*store);
  ASSERT_NE(watcher, nullptr);

  publish(2, PolicyWithTool("sed"));
  ASSERT_TRUE(WaitFor([&] { return HasTool(*store, "sed"); }));
  publish(3, PolicyWithTool("awk"));
  ASSERT_TRUE(WaitFor([&] { return HasTool(*store, "awk"); }));
  EXPECT_EQ(store->Current().generation, 2u);

  // An in-place edit of the file behind the links is seen too.
  WriteInPlace(root + "/..2024_01_01_00_00_03.3/policy.yaml",
               PolicyWithTool("cut"));
  EXPECT_TRUE(WaitFor([&] { return HasTool(*store, "cut"); }));
}

// Changes to other files in the folder do not reload the policy.
TEST_F(WatcherTest, IgnoresOtherFilesInFolder) {
  std::string path = dir_.path() + "/policy.yaml";
  WriteInPlace(path, PolicyWithTool("grep"));
  auto store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  auto watcher = StartWatcher(*store);
  ASSERT_NE(watcher, nullptr);

  WriteInPlace(dir_.path() + "/other.yaml", "not a policy");
  WriteAndRename(dir_.path() + "/notes.txt", "hello");
  // Then a real change: once it is in, the others would have been handled
  // already (one thread, events in order). Renamed in, so no reload can
  // catch it half-written.
  WriteAndRename(path, PolicyWithTool("sed"));
  ASSERT_TRUE(WaitFor([&] { return HasTool(*store, "sed"); }));
  PolicyStore::Counters counters = store->counters();
  EXPECT_EQ(counters.reloads_unchanged, 0u);
  EXPECT_EQ(counters.reloads_failed, 0u);
  EXPECT_EQ(counters.reloads_ok, 1u);
}

// A write that is briefly invalid halfway through still ends with the
// complete file loaded.
TEST_F(WatcherTest, BurstOfWritesEndsWithFinalContent) {
  std::string path = dir_.path() + "/policy.yaml";
  WriteInPlace(path, PolicyWithTool("grep"));
  auto store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  auto watcher = StartWatcher(*store);
  ASSERT_NE(watcher, nullptr);

  std::string text = PolicyWithTool("sed");
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text.substr(0, 30) << std::flush;
    out << text.substr(30) << std::flush;
  }
  ASSERT_TRUE(WaitFor([&] { return HasTool(*store, "sed"); }));
  EXPECT_TRUE(WaitFor([&] { return store->counters().last_error.empty(); }));
}

// SIGHUP reloads the policy even when no file event announced the change;
// Start blocked SIGHUP in this thread first, so the signal cannot end the
// test process.
TEST_F(WatcherTest, SighupReloads) {
  std::string path = dir_.path() + "/policy.yaml";
  WriteInPlace(path, PolicyWithTool("grep"));
  auto store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  // Changed before the watcher exists: only SIGHUP can bring it in.
  WriteInPlace(path, PolicyWithTool("sed"));
  auto watcher = StartWatcher(*store, /*sighup=*/true);
  ASSERT_NE(watcher, nullptr);
  ASSERT_TRUE(SighupBlockedInThisThread());

  ASSERT_EQ(kill(getpid(), SIGHUP), 0);
  ASSERT_TRUE(WaitFor([&] { return HasTool(*store, "sed"); }));
  EXPECT_THAT(log_.lines(), Contains(HasSubstr("SIGHUP")));

  // A second signal, with nothing changed, reloads and finds it unchanged.
  ASSERT_EQ(kill(getpid(), SIGHUP), 0);
  EXPECT_TRUE(
      WaitFor([&] { return store->counters().reloads_unchanged == 1; }));
}

// Without `sighup` the watcher leaves the signal mask alone.
TEST_F(WatcherTest, WithoutSighupLeavesSignalsAlone) {
  std::string path = dir_.path() + "/policy.yaml";
  WriteInPlace(path, PolicyWithTool("grep"));
  auto store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  // In a fresh thread, so what earlier tests did to this thread's mask does
  // not matter.
  bool blocked_after = true;
  std::thread thread([&] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    auto watcher = StartWatcher(*store, /*sighup=*/false);
    blocked_after = SighupBlockedInThisThread();
  });
  thread.join();
  EXPECT_FALSE(blocked_after);
}

// The destructor returns while a change is waiting out its debounce, rather
// than waiting for it.
TEST_F(WatcherTest, DestructorStopsWhileDebouncing) {
  std::string path = dir_.path() + "/policy.yaml";
  WriteInPlace(path, PolicyWithTool("grep"));
  auto store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  PolicyWatcher::Options options;
  options.sighup = false;
  options.debounce = absl::Hours(1);
  auto watcher = PolicyWatcher::Start(*store, options);
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  WriteInPlace(path, PolicyWithTool("sed"));

  absl::Notification stopped;
  std::thread stopper([&] {
    watcher->reset();
    stopped.Notify();
  });
  bool stopped_in_time =
      stopped.WaitForNotificationWithTimeout(absl::Seconds(10));
  if (!stopped_in_time) {
    stopper.detach();  // hung: fail without hanging the test run
    FAIL() << "~PolicyWatcher did not return";
  }
  stopper.join();
  EXPECT_EQ(store->Current().generation, 0u);
}

// A watcher, its reloads and its destruction leave no descriptor open, and
// every descriptor it holds meanwhile is close-on-exec (a tool the daemon
// spawns must not inherit them).
TEST_F(WatcherTest, LeaksNoDescriptors) {
  std::string path = dir_.path() + "/policy.yaml";
  WriteInPlace(path, PolicyWithTool("grep"));
  std::set<int> before = OpenFds();
  {
    auto store = OpenStore(path);
    ASSERT_NE(store, nullptr);
    auto watcher = StartWatcher(*store, /*sighup=*/true);
    ASSERT_NE(watcher, nullptr);
    for (int fd : OpenFds()) {
      if (before.contains(fd)) continue;
      int flags = fcntl(fd, F_GETFD);
      EXPECT_TRUE(flags >= 0 && (flags & FD_CLOEXEC) != 0) << "fd " << fd;
    }
    WriteAndRename(path, PolicyWithTool("sed"));
    ASSERT_TRUE(WaitFor([&] { return HasTool(*store, "sed"); }));
    ASSERT_EQ(kill(getpid(), SIGHUP), 0);
    ASSERT_TRUE(
        WaitFor([&] { return store->counters().reloads_unchanged == 1; }));
  }
  EXPECT_EQ(OpenFds(), before);
}

// Without inotify (here: no descriptor left for it) the watcher says so
// and SIGHUP still reloads.
TEST_F(WatcherTest, DegradesToSighupWithoutInotify) {
  std::string path = dir_.path() + "/policy.yaml";
  WriteInPlace(path, PolicyWithTool("grep"));
  auto store = OpenStore(path);
  ASSERT_NE(store, nullptr);

  // Leave exactly two free descriptor numbers: the eventfd and the
  // signalfd get them, inotify_init1 fails with EMFILE.
  rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit tight = saved;
  int free_seen = 0;
  for (int fd = 0;; ++fd) {
    if (fcntl(fd, F_GETFD) < 0 && ++free_seen == 2) {
      tight.rlim_cur = fd + 1;
      break;
    }
  }
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
  auto watcher = PolicyWatcher::Start(
      *store, {.sighup = true, .debounce = absl::Milliseconds(20)});
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  EXPECT_THAT(log_.lines(),
              Contains(AllOf(HasSubstr("cannot watch " + path),
                             HasSubstr("inotify_init1"), HasSubstr("SIGHUP"))));

  WriteInPlace(path, PolicyWithTool("sed"));
  ASSERT_EQ(kill(getpid(), SIGHUP), 0);
  EXPECT_TRUE(WaitFor([&] { return HasTool(*store, "sed"); }));
}

}  // namespace
}  // namespace airlock::policy
