// The PathBroker that acts on the filesystem itself: what a supervisor runs
// for a worker, and what in-process runs use directly (WasiContext builds
// one from WasiConfig::dirs when no broker is given). The rules it enforces
// are stated in path_broker.h.
#ifndef AIRLOCK_SANDBOX_WASI_DIRECT_PATH_BROKER_H_
#define AIRLOCK_SANDBOX_WASI_DIRECT_PATH_BROKER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "sandbox/wasi/path_broker.h"
#include "sandbox/wasi/wasi.h"

namespace airlock::sandbox {

class DirectPathBroker : public PathBroker {
 public:
  // At most this many handles from kOpen are held at once; one more is
  // EMFILE (the WASI host never holds more than its 1024 fds).
  static constexpr size_t kMaxOpenedDirs = 1024;

  // Opens the folder of each grant (handle i is grants[i]). Errors name the
  // folder and its guest path: InvalidArgument for an empty guest path or
  // one containing NUL, the open's errno as a status for a folder that
  // cannot be opened as a directory, FailedPrecondition when the kernel has
  // no openat2 (Linux < 5.6: there is no safe resolution without it).
  static absl::StatusOr<std::unique_ptr<DirectPathBroker>> Create(
      const std::vector<DirGrant>& grants);

  ~DirectPathBroker() override;
  DirectPathBroker(const DirectPathBroker&) = delete;
  DirectPathBroker& operator=(const DirectPathBroker&) = delete;

  // Thread-safe: requests may arrive concurrently from any thread; a handle
  // closed while another request uses it stays valid for that request.
  PathReply Handle(const PathRequest& request) override;

 private:
  struct Dir;  // an open directory fd and the rights of its grant
  using DirRef = std::shared_ptr<const Dir>;

  explicit DirectPathBroker(std::vector<DirRef> grants);
  // The directory named by `handle`, or null.
  DirRef Find(uint32_t handle);
  // Stores `dir` under a new handle; kNoDirHandle when kMaxOpenedDirs are
  // held.
  uint32_t Add(DirRef dir);
  // One per kind of op (named Serve* so as not to hide PathBroker's calls).
  PathReply ServeOpen(const PathRequest& request);
  uint16_t ServeMutation(const PathRequest& request);
  uint16_t ServeTwoPaths(const PathRequest& request);
  PathReply ServeQuery(const PathRequest& request);
  uint16_t ServeClose(uint32_t handle);

  const std::vector<DirRef> grants_;  // immutable after Create
  std::mutex mu_;
  std::map<uint32_t, DirRef> opened_;  // guarded by mu_
  uint32_t next_handle_;               // guarded by mu_
};

}  // namespace airlock::sandbox

#endif  // AIRLOCK_SANDBOX_WASI_DIRECT_PATH_BROKER_H_
