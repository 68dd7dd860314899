// PolicyWatcher: reloads a PolicyStore when its file changes or the process
// gets SIGHUP, from one background thread.
//
// Changes are seen with inotify on the file's FOLDER, not on the file: a
// watch on the file itself follows its inode and goes deaf when an editor
// writes a temporary file and renames it over, or when a Kubernetes
// ConfigMap update swaps the `..data` symlink the file points through. Every
// symlink met while resolving the path is watched the same way (as a name in
// its folder), and so is the folder of the final file; the watches are
// recomputed before every reload, so they follow the symlinks as they move.
// Events for other names in those folders are ignored. A burst of events
// (truncate, write, write, close) becomes one reload once the folder has
// been quiet for `debounce`.
//
// When inotify is unavailable (no kernel support, watch limit reached) the
// watcher logs why and carries on with SIGHUP alone.
#ifndef AIRLOCK_POLICY_WATCHER_H_
#define AIRLOCK_POLICY_WATCHER_H_

#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "policy/store.h"

namespace airlock::policy {

class PolicyWatcher {
 public:
  struct Options {
    // Reload on SIGHUP. When false, no signal is touched.
    bool sighup = true;
    // How long the watched folders must be quiet after a change before the
    // reload (a steady stream of changes still reloads every 10 × this).
    absl::Duration debounce = absl::Milliseconds(100);
  };

  // Starts the watcher thread for `store`, which must outlive the watcher.
  // Logs through store.Log(). A change made between PolicyStore::Open and
  // Start is seen only with the next change or SIGHUP: start the watcher
  // right after Open.
  //
  // With options.sighup, blocks SIGHUP in the calling thread and reads it
  // through a signalfd. A process-directed signal goes to any one thread
  // that does not block it, and its default action ends the process; the
  // signalfd sees it only while it is blocked in EVERY thread. Threads
  // inherit their creator's signal mask, so:
  // REQUIRES (sighup): call before the process starts other threads, or
  // block SIGHUP in all of them yourself. SIGHUP stays blocked after the
  // watcher is gone (unblocking it would let a later SIGHUP end the
  // process). Only one watcher per process should read SIGHUP: each signal
  // wakes only one of them.
  //
  // Errors: the kernel refused an eventfd, a signalfd or a thread.
  static absl::StatusOr<std::unique_ptr<PolicyWatcher>> Start(
      PolicyStore& store, Options options);
  static absl::StatusOr<std::unique_ptr<PolicyWatcher>> Start(
      PolicyStore& store) {
    return Start(store, Options());
  }

  // Wakes the thread and joins it (after the reload it may be running),
  // closing every descriptor the watcher opened.
  ~PolicyWatcher();

  PolicyWatcher(const PolicyWatcher&) = delete;
  PolicyWatcher& operator=(const PolicyWatcher&) = delete;

 private:
  struct State;
  explicit PolicyWatcher(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
  std::thread thread_;
};

}  // namespace airlock::policy

#endif  // AIRLOCK_POLICY_WATCHER_H_
