// PolicyStore: the policy a daemon currently enforces, replaced as a whole
// on reload. Readers take a Snapshot (a shared_ptr to an immutable Policy
// plus its generation); a call in flight keeps the snapshot it started with,
// whatever reloads happen meanwhile. A reload that fails keeps the last good
// policy: a typo in an edited file never leaves the daemon without one.
#ifndef AIRLOCK_POLICY_STORE_H_
#define AIRLOCK_POLICY_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "policy/policy.h"

namespace airlock::policy {

class PolicyStore {
 public:
  struct Options {
    // The policy file; diagnostics and log lines name it as given here.
    std::string path;
    // Loads `path`; LoadPolicyFile with default LoadOptions when empty.
    std::function<LoadResult(const std::string&)> loader;
    // Receives one line (no trailing newline) per event: loads, reloads,
    // each diagnostic. stderr when empty. Called from whichever thread
    // reloads; must be thread-safe.
    std::function<void(std::string_view)> log;
    // The clock for Counters::last_reload_time; absl::Now when empty.
    std::function<absl::Time()> now;
  };

  // What a reader sees: one policy and its generation, taken together.
  struct Snapshot {
    std::shared_ptr<const Policy> policy;  // never null
    // How many policies the store swapped in before this one (0: the one
    // Open loaded). Goes into audit records with the policy's digest.
    uint64_t generation = 0;
  };

  // For the daemon's metrics. Open's load is not a reload.
  struct Counters {
    uint64_t reloads_ok = 0;         // a changed policy was swapped in
    uint64_t reloads_failed = 0;     // the last good policy was kept
    uint64_t reloads_unchanged = 0;  // loaded fine, same content: no swap
    // Every diagnostic of the last reload, one per line, if it failed;
    // empty once a reload succeeds (changed or not).
    std::string last_error;
    // When the policy in use was loaded (by Open or by the last reload
    // that swapped).
    absl::Time last_reload_time;
  };

  // Loads `options.path`. The first load must succeed: otherwise
  // InvalidArgument whose message is every diagnostic, one per line.
  // Warnings of a successful load are logged.
  static absl::StatusOr<std::unique_ptr<PolicyStore>> Open(Options options);

  PolicyStore(const PolicyStore&) = delete;
  PolicyStore& operator=(const PolicyStore&) = delete;

  // The policy in use. Thread-safe; never waits for a reload's loading,
  // only (briefly) for another reader's or the swap's shared_ptr copy.
  Snapshot Current() const;

  // Loads the file again. When it loads and its content differs, swaps it
  // in (generation + 1) and logs `policy: reloaded FILE (digest
  // 0123456789ab, N tenants, M tools)`. When it loads with the same
  // content, keeps the current policy and counts it unchanged. When it
  // fails, keeps the last good policy, logs `policy: reload of FILE failed,
  // keeping digest 0123456789ab:` and then each diagnostic, and counts the
  // failure. Returns OK in the first two cases, InvalidArgument with every
  // diagnostic otherwise.
  //
  // "Same content" means the same file digest and, tool by tool, the same
  // module digest: replacing a module file the policy names by path
  // changes what the policy runs even though the policy's bytes did not.
  //
  // Thread-safe; concurrent reloads run one after the other.
  absl::Status Reload();

  Counters counters() const;

  // The path given to Open.
  const std::string& path() const { return options_.path; }

  // Writes `line` to Options::log, so components around the store (the
  // watcher) log to the same place.
  void Log(std::string_view line) const;

 private:
  explicit PolicyStore(Options options);
  LoadResult Load() const;
  // Each warning (and each error too when `errors_too`), in file order.
  void LogDiagnostics(const LoadResult& result, bool errors_too) const;

  Options options_;  // loader, log and now are always set

  // Serialises Reload; held while loading, which may take long (it hashes
  // every module file), so readers never take it.
  absl::Mutex reload_mu_;

  // Held only to copy or replace `current_`: readers wait at most for a
  // shared_ptr copy.
  mutable absl::Mutex current_mu_;
  Snapshot current_ ABSL_GUARDED_BY(current_mu_);

  mutable absl::Mutex counters_mu_;
  Counters counters_ ABSL_GUARDED_BY(counters_mu_);
};

}  // namespace airlock::policy

#endif  // AIRLOCK_POLICY_STORE_H_
