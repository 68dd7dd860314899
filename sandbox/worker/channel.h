// One protobuf message per SOCK_SEQPACKET packet, with file descriptors
// passed alongside (SCM_RIGHTS): how supervisor, zygote and workers talk.
#ifndef AIRLOCK_SANDBOX_WORKER_CHANNEL_H_
#define AIRLOCK_SANDBOX_WORKER_CHANNEL_H_

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/message_lite.h"
#include "sandbox/unique_fd.h"

namespace airlock::sandbox::worker {

// Largest packet either side sends. A SEQPACKET packet must fit the
// socket's send buffer (net.core.wmem_max, 208 KiB by default, caps it), so
// bulk data (a call's input, its output) travels in chunks of at most
// kChunkBytes.
inline constexpr size_t kMaxPacketBytes = 160u << 10;
inline constexpr size_t kChunkBytes = 64u << 10;
inline constexpr size_t kMaxFdsPerPacket = 4;

// A connected SOCK_SEQPACKET socket. Not thread-safe: one reader and one
// writer at a time (a worker's and the supervisor's loops are both
// single-threaded per channel).
class Channel {
 public:
  Channel() = default;
  explicit Channel(UniqueFd fd) : fd_(std::move(fd)) {}

  // Both ends, close-on-exec.
  static absl::Status Pair(Channel* a, Channel* b);

  // Sends `message` and `fds` (borrowed; the receiver gets duplicates).
  // Unavailable when the peer is gone.
  absl::Status Send(const google::protobuf::MessageLite& message,
                    const std::vector<int>& fds = {});

  // Receives one message into `message`; received fds are appended to
  // `fds` (owned by the caller). Waits until `deadline` (DeadlineExceeded
  // after it). Unavailable when the peer closed (EOF), DataLoss for a
  // packet that does not parse or was cut (too large).
  absl::Status Receive(google::protobuf::MessageLite* message,
                       std::vector<UniqueFd>* fds,
                       absl::Time deadline = absl::InfiniteFuture());

  int fd() const { return fd_.get(); }
  bool valid() const { return fd_.valid(); }
  UniqueFd TakeFd() { return std::move(fd_); }

 private:
  UniqueFd fd_;
};

}  // namespace airlock::sandbox::worker

#endif  // AIRLOCK_SANDBOX_WORKER_CHANNEL_H_
