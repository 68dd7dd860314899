#include "sandbox/worker/remote_path_broker.h"

#include <vector>

namespace airlock::sandbox::worker {

namespace {

constexpr uint16_t kWasiIo = 29;     // EIO
constexpr uint16_t kWasiInval = 28;  // EINVAL

}  // namespace

PathReply RemotePathBroker::Handle(const PathRequest& request) {
  FromWorker message;
  BrokerRequest* r = message.mutable_broker_request();
  r->set_call_id(call_id_);
  r->set_op(static_cast<uint32_t>(request.op));
  r->set_dir(request.dir);
  r->set_path(request.path);
  r->set_dir2(request.dir2);
  r->set_path2(request.path2);
  r->set_open_flags(request.open_flags);
  r->set_want_dir_handle(request.want_dir_handle);
  r->set_follow_symlinks(request.follow_symlinks);
  r->set_atim_ns(request.atim_ns);
  r->set_mtim_ns(request.mtim_ns);
  r->set_fst_flags(request.fst_flags);
  PathReply reply;
  reply.error = kWasiIo;
  if (!channel_->Send(message).ok()) return reply;
  ToWorker answer;
  std::vector<UniqueFd> fds;
  if (!channel_->Receive(&answer, &fds).ok() || !answer.has_broker_reply()) {
    return reply;
  }
  const BrokerReply& b = answer.broker_reply();
  if (b.has_fd() != (fds.size() == 1) || b.error() > UINT16_MAX) return reply;
  reply.error = static_cast<uint16_t>(b.error());
  if (b.has_fd()) reply.fd = fds[0].Release();
  reply.new_dir = b.new_dir();
  reply.data = b.data();
  reply.stat.dev = b.dev();
  reply.stat.ino = b.ino();
  reply.stat.mode = b.mode();
  reply.stat.nlink = b.nlink();
  reply.stat.size = b.size();
  reply.stat.atim_ns = b.atim_ns();
  reply.stat.mtim_ns = b.mtim_ns();
  reply.stat.ctim_ns = b.ctim_ns();
  return reply;
}

void ServeBrokerRequest(const BrokerRequest& request, PathBroker& broker,
                        BrokerReply* reply, UniqueFd* fd) {
  if (request.op() > static_cast<uint32_t>(PathOp::kClose)) {
    reply->set_error(kWasiInval);
    reply->set_new_dir(kNoDirHandle);
    return;
  }
  PathRequest r;
  r.op = static_cast<PathOp>(request.op());
  r.dir = request.dir();
  r.path = request.path();
  r.dir2 = request.dir2();
  r.path2 = request.path2();
  r.open_flags = request.open_flags();
  r.want_dir_handle = request.want_dir_handle();
  r.follow_symlinks = request.follow_symlinks();
  r.atim_ns = request.atim_ns();
  r.mtim_ns = request.mtim_ns();
  r.fst_flags = request.fst_flags();
  PathReply answer = broker.Handle(r);
  fd->Reset(answer.fd);
  reply->set_error(answer.error);
  reply->set_has_fd(fd->valid());
  reply->set_new_dir(answer.new_dir);
  reply->set_data(answer.data);
  reply->set_dev(answer.stat.dev);
  reply->set_ino(answer.stat.ino);
  reply->set_mode(answer.stat.mode);
  reply->set_nlink(answer.stat.nlink);
  reply->set_size(answer.stat.size);
  reply->set_atim_ns(answer.stat.atim_ns);
  reply->set_mtim_ns(answer.stat.mtim_ns);
  reply->set_ctim_ns(answer.stat.ctim_ns);
}

}  // namespace airlock::sandbox::worker
