// The processes on the far side of the pool: the zygote, which forks
// workers, and the worker, which loads one compiled module, confines itself
// (confine.h) and then runs calls of one tenant, talking to the supervisor
// over a Channel (protocol.proto). Both run in the `airlock-worker`
// executable (worker_main.cc); these functions are its body, separate so
// tests can drive them.
#ifndef AIRLOCK_SANDBOX_WORKER_WORKER_H_
#define AIRLOCK_SANDBOX_WORKER_WORKER_H_

#include <string>

#include "sandbox/worker/channel.h"

namespace airlock::sandbox::worker {

struct ZygoteOptions {
  // Honour Call.test_hook (forbidden syscalls on request, for the seccomp
  // death tests). Never set in production.
  bool test_hooks = false;
  // Move the zygote into a network namespace of its own (only a loopback
  // device, down) before it forks anything: every worker inherits it.
  // Creating a namespace costs ~0.5 ms; doing it once instead of per worker
  // keeps worker start under a millisecond. Workers of different tenants
  // share this empty namespace, and seccomp denies them sockets anyway;
  // what it adds is that even a seccomp bypass reaches no host network.
  bool network_namespace = true;
};

// Serves Spawn requests on `control` until the supervisor closes it: forks
// a worker per request (which runs RunWorker and never returns), answers
// with its pid (and a pidfd), and reports every worker's exit. Builds the
// seccomp filter once, so a worker only installs it.
// REQUIRES: the process is single-threaded (it forks).
// Returns the process exit status.
int RunZygote(Channel control, const ZygoteOptions& options);

}  // namespace airlock::sandbox::worker

#endif  // AIRLOCK_SANDBOX_WORKER_WORKER_H_
