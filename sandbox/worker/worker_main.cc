// airlock-worker: the zygote the worker pool starts (sandbox/pool). It is
// exec'd once by the supervisor, with its end of the control channel as an
// fd, and forks a confined worker per request (worker.h).
//
//   airlock-worker --zygote-fd=N [--no-network-namespace] [--test-hooks]
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>

#include "sandbox/worker/worker.h"

int main(int argc, char** argv) {
  // A closed channel must be an error from sendmsg, not a signal.
  signal(SIGPIPE, SIG_IGN);
  int control_fd = -1;
  airlock::sandbox::worker::ZygoteOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--zygote-fd=", 0) == 0) {
      control_fd = atoi(arg.c_str() + strlen("--zygote-fd="));
    } else if (arg == "--no-network-namespace") {
      options.network_namespace = false;
    } else if (arg == "--test-hooks") {
      options.test_hooks = true;
    } else {
      fprintf(stderr,
              "airlock-worker: unknown argument \"%s\" (this program is "
              "started by airlock's worker pool, not by hand)\n",
              arg.c_str());
      return 2;
    }
  }
  if (control_fd < 0) {
    fprintf(stderr,
            "airlock-worker: missing --zygote-fd (this program is started by "
            "airlock's worker pool, not by hand)\n");
    return 2;
  }
  return airlock::sandbox::worker::RunZygote(
      airlock::sandbox::worker::Channel(airlock::sandbox::UniqueFd(control_fd)),
      options);
}
