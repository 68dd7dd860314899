#include "sandbox/worker/channel.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace airlock::sandbox::worker {

namespace {

absl::Status ErrnoError(const char* what, int err) {
  if (err == EPIPE || err == ECONNRESET || err == ENOTCONN) {
    return absl::UnavailableError(absl::StrCat(what, ": peer is gone"));
  }
  return absl::InternalError(absl::StrCat(what, ": ", strerror(err)));
}

}  // namespace

absl::Status Channel::Pair(Channel* a, Channel* b) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    return ErrnoError("socketpair", errno);
  }
  // A packet must fit the send buffer (EMSGSIZE otherwise); ask for room
  // for a couple of the largest (the kernel caps it at wmem_max).
  for (int fd : fds) {
    const int size = static_cast<int>(2 * kMaxPacketBytes);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  *a = Channel(UniqueFd(fds[0]));
  *b = Channel(UniqueFd(fds[1]));
  return absl::OkStatus();
}

absl::Status Channel::Send(const google::protobuf::MessageLite& message,
                           const std::vector<int>& fds) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) {
    return absl::InternalError("cannot serialise message");
  }
  if (bytes.size() > kMaxPacketBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("message of ", bytes.size(), " bytes is larger than ",
                     kMaxPacketBytes));
  }
  if (fds.size() > kMaxFdsPerPacket) {
    return absl::InvalidArgumentError("too many fds in one message");
  }
  // An empty message is a zero-length packet, which a reader cannot tell
  // from EOF: always send at least one byte (a leading tag byte of 0 is
  // not valid protobuf, so the reader strips exactly this padding).
  bytes.insert(bytes.begin(), '\x01');
  iovec iov{bytes.data(), bytes.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerPacket)];
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  while (true) {
    const ssize_t n = sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
    if (n >= 0) return absl::OkStatus();
    if (errno == EINTR) continue;
    return ErrnoError("sendmsg", errno);
  }
}

absl::Status Channel::Receive(google::protobuf::MessageLite* message,
                              std::vector<UniqueFd>* fds, absl::Time deadline) {
  if (deadline != absl::InfiniteFuture()) {
    while (true) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        return absl::DeadlineExceededError("no message before the deadline");
      }
      pollfd p{fd_.get(), POLLIN, 0};
      const int timeout_ms = static_cast<int>(
          std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 1 << 30));
      const int r = poll(&p, 1, timeout_ms);
      if (r > 0) break;
      if (r < 0 && errno != EINTR) return ErrnoError("poll", errno);
    }
  }
  // The packet's size first (MSG_PEEK | MSG_TRUNC returns the full length),
  // so the buffer is exactly as large as the message.
  ssize_t size;
  do {
    size = recv(fd_.get(), nullptr, 0, MSG_PEEK | MSG_TRUNC);
  } while (size < 0 && errno == EINTR);
  if (size < 0) return ErrnoError("recv", errno);
  std::string buffer(
      static_cast<size_t>(std::min<ssize_t>(size, kMaxPacketBytes + 1)), '\0');
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerPacket)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoError("recvmsg", errno);
  // Take ownership of received fds before anything can fail.
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr;
       cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
      continue;
    }
    const size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof fd);
      fds->emplace_back(fd);
    }
  }
  if (n == 0) return absl::UnavailableError("peer closed the channel");
  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
    return absl::DataLossError("message cut: larger than the channel allows");
  }
  if (buffer[0] != '\x01' ||
      !message->ParseFromArray(buffer.data() + 1, static_cast<int>(n - 1))) {
    return absl::DataLossError("malformed message");
  }
  return absl::OkStatus();
}

}  // namespace airlock::sandbox::worker
