// PathBroker's per-op calls: each is one PathRequest through Handle().
#include "sandbox/wasi/path_broker.h"

#include <string>
#include <utility>

namespace airlock::sandbox {

PathReply PathBroker::Open(uint32_t dir, std::string path, uint32_t open_flags,
                           bool want_dir_handle) {
  PathRequest r;
  r.op = PathOp::kOpen;
  r.dir = dir;
  r.path = std::move(path);
  r.open_flags = open_flags;
  r.want_dir_handle = want_dir_handle;
  return Handle(r);
}

namespace {
PathRequest OnePath(PathOp op, uint32_t dir, std::string path) {
  PathRequest r;
  r.op = op;
  r.dir = dir;
  r.path = std::move(path);
  return r;
}
PathRequest TwoPaths(PathOp op, uint32_t dir, std::string path, uint32_t dir2,
                     std::string path2) {
  PathRequest r = OnePath(op, dir, std::move(path));
  r.dir2 = dir2;
  r.path2 = std::move(path2);
  return r;
}
}  // namespace

uint16_t PathBroker::Mkdir(uint32_t dir, std::string path) {
  return Handle(OnePath(PathOp::kMkdir, dir, std::move(path))).error;
}

uint16_t PathBroker::Rmdir(uint32_t dir, std::string path) {
  return Handle(OnePath(PathOp::kRmdir, dir, std::move(path))).error;
}

uint16_t PathBroker::Unlink(uint32_t dir, std::string path) {
  return Handle(OnePath(PathOp::kUnlink, dir, std::move(path))).error;
}

uint16_t PathBroker::Rename(uint32_t dir, std::string path, uint32_t dir2,
                            std::string path2) {
  return Handle(TwoPaths(PathOp::kRename, dir, std::move(path), dir2,
                         std::move(path2)))
      .error;
}

uint16_t PathBroker::Symlink(std::string contents, uint32_t dir,
                             std::string path) {
  PathRequest r = OnePath(PathOp::kSymlink, dir, std::move(path));
  r.path2 = std::move(contents);
  return Handle(r).error;
}

uint16_t PathBroker::Link(uint32_t dir, std::string path, bool follow_symlinks,
                          uint32_t dir2, std::string path2) {
  PathRequest r =
      TwoPaths(PathOp::kLink, dir, std::move(path), dir2, std::move(path2));
  r.follow_symlinks = follow_symlinks;
  return Handle(r).error;
}

PathReply PathBroker::Readlink(uint32_t dir, std::string path) {
  return Handle(OnePath(PathOp::kReadlink, dir, std::move(path)));
}

PathReply PathBroker::Stat(uint32_t dir, std::string path,
                           bool follow_symlinks) {
  PathRequest r = OnePath(PathOp::kStat, dir, std::move(path));
  r.follow_symlinks = follow_symlinks;
  return Handle(r);
}

uint16_t PathBroker::SetTimes(uint32_t dir, std::string path,
                              bool follow_symlinks, uint64_t atim_ns,
                              uint64_t mtim_ns, uint32_t fst_flags) {
  PathRequest r = OnePath(PathOp::kSetTimes, dir, std::move(path));
  r.follow_symlinks = follow_symlinks;
  r.atim_ns = atim_ns;
  r.mtim_ns = mtim_ns;
  r.fst_flags = fst_flags;
  return Handle(r).error;
}

uint16_t PathBroker::Close(uint32_t dir) {
  PathRequest r;
  r.op = PathOp::kClose;
  r.dir = dir;
  return Handle(r).error;
}

}  // namespace airlock::sandbox
