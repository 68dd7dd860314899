// The broker across the process boundary: in a confined worker,
// RemotePathBroker forwards each path operation to the supervisor, which
// answers it with ServeBrokerRequest on its own DirectPathBroker (the only
// place a path is resolved). See sandbox/wasi/path_broker.h.
#ifndef AIRLOCK_SANDBOX_WORKER_REMOTE_PATH_BROKER_H_
#define AIRLOCK_SANDBOX_WORKER_REMOTE_PATH_BROKER_H_

#include <cstdint>

#include "sandbox/unique_fd.h"
#include "sandbox/wasi/path_broker.h"
#include "sandbox/worker/channel.h"
#include "sandbox/worker/protocol.pb.h"

namespace airlock::sandbox::worker {

// Worker side. Sends a BrokerRequest for `call_id` and waits for the reply
// on `channel` (borrowed; the worker's only channel, used by one thread).
// A broken channel answers EIO.
class RemotePathBroker : public PathBroker {
 public:
  RemotePathBroker(Channel* channel, uint64_t call_id)
      : channel_(channel), call_id_(call_id) {}
  PathReply Handle(const PathRequest& request) override;

 private:
  Channel* channel_;
  const uint64_t call_id_;
};

// Supervisor side: performs `request` with `broker` and fills `reply`; an
// opened fd goes to `*fd` (to be sent with the reply, then closed).
void ServeBrokerRequest(const BrokerRequest& request, PathBroker& broker,
                        BrokerReply* reply, UniqueFd* fd);

}  // namespace airlock::sandbox::worker

#endif  // AIRLOCK_SANDBOX_WORKER_REMOTE_PATH_BROKER_H_
