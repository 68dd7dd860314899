// Watchdog: one thread sleeping until the earliest armed deadline.
//
// Deadlines are kept ordered (std::map keyed by deadline and token) rather
// than in a heap with lazy deletion, so Disarm removes its entry at once and
// a stream of short calls with long deadlines does not pile up garbage.
// Interrupt() is called with the mutex held: once Disarm returns, the
// watchdog never touches that instance again, so it may be destroyed.

#include <cstdint>
#include <map>
#include <thread>
#include <unordered_map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "sandbox/runtime/instance.h"

namespace airlock::sandbox {

struct Watchdog::Impl {
  using Key = std::pair<absl::Time, uint64_t>;  // deadline, token

  absl::Mutex mu;
  absl::CondVar wake;
  std::map<Key, Instance*> pending ABSL_GUARDED_BY(mu);
  std::unordered_map<uint64_t, absl::Time> deadlines ABSL_GUARDED_BY(mu);
  uint64_t next_token ABSL_GUARDED_BY(mu) = 1;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  std::thread thread;

  void Run() {
    absl::MutexLock lock(&mu);
    while (!stopping) {
      if (pending.empty()) {
        wake.Wait(&mu);
        continue;
      }
      auto first = pending.begin();
      if (first->first.first > absl::Now()) {
        // Woken early by Arm (an earlier deadline), Disarm or shutdown.
        wake.WaitWithDeadline(&mu, first->first.first);
        continue;
      }
      first->second->Interrupt();
      deadlines.erase(first->first.second);
      pending.erase(first);
    }
  }
};

Watchdog::Watchdog() : impl_(std::make_unique<Impl>()) {
  impl_->thread = std::thread([impl = impl_.get()] { impl->Run(); });
}

Watchdog::~Watchdog() {
  {
    absl::MutexLock lock(&impl_->mu);
    impl_->stopping = true;
    impl_->wake.Signal();
  }
  impl_->thread.join();
}

uint64_t Watchdog::Arm(Instance* instance, absl::Time deadline) {
  absl::MutexLock lock(&impl_->mu);
  uint64_t token = impl_->next_token++;
  auto [it, inserted] =
      impl_->pending.emplace(Impl::Key(deadline, token), instance);
  impl_->deadlines.emplace(token, deadline);
  // Only a new earliest deadline changes how long the thread must sleep.
  if (it == impl_->pending.begin()) impl_->wake.Signal();
  return token;
}

void Watchdog::Disarm(uint64_t token) {
  absl::MutexLock lock(&impl_->mu);
  auto it = impl_->deadlines.find(token);
  if (it == impl_->deadlines.end()) return;  // fired already, or unknown
  impl_->pending.erase(Impl::Key(it->second, token));
  impl_->deadlines.erase(it);
}

}  // namespace airlock::sandbox
