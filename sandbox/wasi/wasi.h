// WASI preview1 host ("wasi_snapshot_preview1"), capability-scoped: the guest
// sees only the args, env, stdio and folders it was given. One WasiContext
// per run; nothing survives it.
#ifndef AIRLOCK_SANDBOX_WASI_WASI_H_
#define AIRLOCK_SANDBOX_WASI_WASI_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sandbox/runtime/instance.h"
#include "sandbox/wasi/path_broker.h"

namespace airlock::sandbox {

// A host folder made visible to the guest at `guest_path`.
struct DirGrant {
  std::string host_path;   // must exist and be a directory
  std::string guest_path;  // e.g. "/data" or "."
  bool read_only = true;
};

struct WasiConfig {
  std::vector<std::string> args;  // argv, argv[0] included
  std::vector<std::pair<std::string, std::string>> env;  // only these
  // The preopened folders the guest sees (fds 3, 4, ... in this order).
  std::vector<DirGrant> dirs;
  // Where every path call goes. Null: WasiContext::Create opens `dirs` in a
  // DirectPathBroker of its own. Set: the host opens nothing; `dirs` only
  // names the preopens (guest_path, read_only as the guest sees them;
  // host_path unused), and dirs[i] must be the broker's grant handle i.
  std::shared_ptr<PathBroker> broker;
  // stdin: reads up to `max` bytes into `buf`; returns bytes read, 0 at EOF,
  // -1 on error. May block; should return early when `interrupted()` is set.
  std::function<int64_t(uint8_t* buf, size_t max)> read_stdin;
  // stdout/stderr: called as the guest writes (streamed, not buffered).
  // Return false to fail the write (EIO) (e.g. output limit reached).
  std::function<bool(std::string_view data)> write_stdout;
  std::function<bool(std::string_view data)> write_stderr;
  // Deterministic clock/random for tests may come later; real ones now.
};

class WasiContext : public ImportResolver {
 public:
  // Opens the granted folders when config.broker is null (errors name the
  // folder and why); with a broker, checks only the guest paths.
  static absl::StatusOr<std::unique_ptr<WasiContext>> Create(WasiConfig config);
  ~WasiContext() override;

  // Resolves "wasi_snapshot_preview1" (and the older "wasi_unstable" names
  // where identical) functions; NotFound naming module.field otherwise.
  absl::StatusOr<Extern> Resolve(const airlock_import_desc& import) override;

  // Binds the guest memory all calls read and write (null if the module
  // exports none: calls that need memory then fail with EFAULT) and the
  // instance header (its `interrupt` flag makes blocking calls return early;
  // proc_exit sets its `exit_code`). OnInitialized calls it for instances
  // created with this context as resolver; tests call it with a bare memory.
  void Bind(airlock_memory* memory, airlock_instance_header* header);

  // Binds to the instance's exported "memory" and header as soon as the
  // instance is initialised, so a start function may call WASI too.
  void OnInitialized(Instance& instance) override;

 private:
  explicit WasiContext(WasiConfig config);
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace airlock::sandbox

#endif  // AIRLOCK_SANDBOX_WASI_WASI_H_
