// The compile cache on disk, per entry, in <cache_dir>/<key[0:2]>/:
//   <key>.so      the artifact
//   <key>.meta    its size and sha256: the entry's commit record
//   <key>.lock    flock()ed by whoever writes or deletes the entry
//   <key>.tmp-*   files being written
// and <cache_dir>/cc-<hash>.id, the memoised first line of `cc --version`.
//
// Readers take no lock: an entry is used only if its .meta exists and
// matches the .so byte for byte (size and sha256), and the .so then loads.
// Writers (a compile, the deletion of a corrupt entry, eviction) hold the
// entry's lock. A compile writes the .so and the .meta under temporary
// names, fsyncs both, renames the .so into place and the .meta last, then
// fsyncs the directory: a .meta that exists always describes a complete
// .so, and a reader that sees a half-published, half-deleted or replaced
// pair only sees a mismatch, which sends it to the locked slow path (wait
// for the writer, look again) and never makes it delete anything.
#include "sandbox/compile/compiler.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "sandbox/abi/airlock_rt.h"
#include "sandbox/compile/compile_internal.h"
#include "sandbox/compile/engine_version.h"
#include "sandbox/compile/subprocess_internal.h"

namespace airlock::sandbox {
namespace {

using compile_internal::CCompilerFamily;
using compile_internal::CCompilerFamilyFromVersion;
using compile_internal::FindExecutable;
using compile_internal::FirstLines;
using compile_internal::RunSubprocess;
using compile_internal::SignalName;
using compile_internal::SubprocessOptions;
using compile_internal::SubprocessResult;

constexpr size_t kKeyLength = 64;  // sha256 hex
constexpr char kMetaHeader[] = "airlock-cache-entry 1";
constexpr size_t kMaxHelperOutput = 64 << 10;
constexpr int kHelperOutputLines = 25;

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " ", path, ": ", strerror(errno)));
}

// Closes a descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr ||
        EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
      abort();  // only on allocation failure inside OpenSSL
    }
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size) {
    EVP_DigestUpdate(ctx_, data, size);
  }
  std::string HexDigest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_, digest, &size);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * size);
    for (unsigned int i = 0; i < size; ++i) {
      hex.push_back(kHex[digest[i] >> 4]);
      hex.push_back(kHex[digest[i] & 15]);
    }
    return hex;
  }

 private:
  EVP_MD_CTX* ctx_;
};

// sha256 of the first `size` bytes of open file `fd`, read through a
// private mapping (no copy; the file is usually in the page cache).
absl::StatusOr<std::string> FileSha256(int fd, uint64_t size,
                                       const std::string& path) {
  Sha256 sha;
  if (size > 0) {
    void* data =
        mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (data == MAP_FAILED) return ErrnoError("cannot map", path);
    sha.Update(data, size);
    munmap(data, size);
  }
  return sha.HexDigest();
}

struct EntryPaths {
  std::string dir;
  std::string so;
  std::string meta;
  std::string lock;
};

EntryPaths PathsFor(const std::string& cache_dir, const std::string& key) {
  EntryPaths paths;
  paths.dir = absl::StrCat(cache_dir, "/", key.substr(0, 2));
  std::string base = absl::StrCat(paths.dir, "/", key);
  paths.so = base + ".so";
  paths.meta = base + ".meta";
  paths.lock = base + ".lock";
  return paths;
}

struct EntryMeta {
  uint64_t size = 0;
  std::string sha256;
};

std::string FormatMeta(const std::string& key, const EntryMeta& meta) {
  return absl::StrCat(kMetaHeader, "\nkey ", key, "\nsize ", meta.size,
                      "\nsha256 ", meta.sha256, "\n");
}

std::optional<EntryMeta> ParseMeta(absl::string_view text,
                                   const std::string& key) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.size() != 5 || lines[0] != kMetaHeader ||
      lines[1] != absl::StrCat("key ", key) || !lines[4].empty()) {
    return std::nullopt;
  }
  EntryMeta meta;
  if (!absl::ConsumePrefix(&lines[2], "size ") ||
      !absl::SimpleAtoi(lines[2], &meta.size) ||
      !absl::ConsumePrefix(&lines[3], "sha256 ") || lines[3].size() != 64) {
    return std::nullopt;
  }
  meta.sha256 = std::string(lines[3]);
  return meta;
}

// Reads a small file whole. NotFound if it does not exist.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return absl::NotFoundError(path);
    return ErrnoError("cannot open", path);
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot read", path);
    if (n == 0) return text;
    text.append(buf, n);
    if (text.size() > 65536) {
      return absl::DataLossError(absl::StrCat(path, " is too large"));
    }
  }
}

absl::Status FsyncPath(const std::string& path, int flags) {
  Fd fd(open(path.c_str(), flags | O_CLOEXEC));
  if (fd.get() < 0 || fsync(fd.get()) != 0) {
    return ErrnoError("cannot sync", path);
  }
  return absl::OkStatus();
}

// Writes `contents` to a fresh temporary file next to `final_path` and
// renames it into place; with `sync`, fsyncs it first (the directory is the
// caller's to sync).
absl::Status WriteFileAtomically(const std::string& final_path,
                                 absl::string_view contents, bool sync) {
  std::string tmp = final_path + ".tmp-XXXXXX";
  Fd fd(mkostemp(tmp.data(), O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError("cannot create", tmp);
  absl::Cleanup remove_tmp = [&tmp] { unlink(tmp.c_str()); };
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = write(fd.get(), contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot write", tmp);
    done += n;
  }
  if (sync && fsync(fd.get()) != 0) return ErrnoError("cannot sync", tmp);
  if (rename(tmp.c_str(), final_path.c_str()) != 0) {
    return ErrnoError("cannot rename to", final_path);
  }
  std::move(remove_tmp).Cancel();
  return absl::OkStatus();
}

// An exclusive flock() on an entry's lock file, released on destruction.
// Lock files may be deleted (by eviction, while holding them); after
// acquiring, we check that the file we locked is still the one at the path,
// and otherwise start over, so two holders never lock different inodes.
class EntryLock {
 public:
  // Unavailable when `wait` is false and someone else holds it.
  static absl::StatusOr<EntryLock> Acquire(const std::string& path, bool wait) {
    for (;;) {
      Fd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
      if (fd.get() < 0) return ErrnoError("cannot open lock file", path);
      int op = LOCK_EX | (wait ? 0 : LOCK_NB);
      while (flock(fd.get(), op) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK) return absl::UnavailableError("busy");
        return ErrnoError("cannot lock", path);
      }
      struct stat held, current;
      if (fstat(fd.get(), &held) != 0) return ErrnoError("cannot stat", path);
      if (stat(path.c_str(), &current) == 0 && current.st_ino == held.st_ino &&
          current.st_dev == held.st_dev) {
        return EntryLock(path, std::move(fd));
      }
    }
  }

  // Deletes the lock file; the lock stays held until destruction.
  void RemoveFile() { unlink(path_.c_str()); }

 private:
  EntryLock(std::string path, Fd fd)
      : path_(std::move(path)), fd_(std::move(fd)) {}
  std::string path_;
  Fd fd_;
};

// Deletes an entry's files (meta first: without it the .so is unused).
void RemoveEntry(const EntryPaths& paths) {
  unlink(paths.meta.c_str());
  unlink(paths.so.c_str());
}

// Loads the cache entry if it is complete and intact: its .meta matches the
// .so's size and sha256 and the .so loads for `key`. NotFound when there is
// no entry; DataLoss (with the reason) when it is corrupt. Touches the .so
// (its mtime orders eviction).
//
// The whole .so is hashed on every hit, before dlopen() maps it: a flipped
// byte in code would otherwise run. SHA-256 (SHA-NI, OpenSSL) runs at about
// 1.4-1.8 GB/s here: 0.02 ms for a 16 KB hello-world artifact, 0.07 ms for
// 100 KB, 6-11 ms for 10 MB (zlib's crc32 was not much faster: 4-8 ms). Small
// artifacts stay far inside the cached-start budget; a 10 MB one is a large
// program whose dlopen() and relocation cost the same order anyway.
absl::StatusOr<std::shared_ptr<const CompiledModule>> LoadEntry(
    const EntryPaths& paths, const std::string& key) {
  absl::StatusOr<std::string> meta_text = ReadSmallFile(paths.meta);
  if (!meta_text.ok()) return meta_text.status();
  std::optional<EntryMeta> meta = ParseMeta(*meta_text, key);
  if (!meta.has_value()) {
    return absl::DataLossError(absl::StrCat(paths.meta, " is malformed"));
  }
  Fd fd(open(paths.so.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return absl::NotFoundError(paths.so);
    return ErrnoError("cannot open", paths.so);
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoError("cannot stat", paths.so);
  if (static_cast<uint64_t>(st.st_size) != meta->size) {
    return absl::DataLossError(absl::StrCat(paths.so, " has ", st.st_size,
                                            " bytes, expected ", meta->size));
  }
  absl::StatusOr<std::string> sha = FileSha256(fd.get(), meta->size, paths.so);
  if (!sha.ok()) return sha.status();
  if (*sha != meta->sha256) {
    return absl::DataLossError(
        absl::StrCat(paths.so, " does not match its sha256"));
  }
  absl::StatusOr<std::shared_ptr<const CompiledModule>> module =
      CompiledModule::Load(paths.so, key);
  if (!module.ok()) {
    return absl::DataLossError(module.status().message());
  }
  futimens(fd.get(), nullptr);  // best effort: only eviction order suffers
  return module;
}

// Moves the helper's output into the cache as the entry for `key`: syncs
// it, renames it into place, then writes the .meta (see the top of this
// file). REQUIRES: the entry's lock is held.
absl::Status Publish(const std::string& tmp_so, const EntryPaths& paths,
                     const std::string& key) {
  EntryMeta meta;
  {
    Fd fd(open(tmp_so.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st;
    if (fd.get() < 0 || fstat(fd.get(), &st) != 0) {
      return ErrnoError("cannot open", tmp_so);
    }
    meta.size = st.st_size;
    absl::StatusOr<std::string> sha = FileSha256(fd.get(), meta.size, tmp_so);
    if (!sha.ok()) return sha.status();
    meta.sha256 = *std::move(sha);
    if (fsync(fd.get()) != 0) return ErrnoError("cannot sync", tmp_so);
  }
  if (rename(tmp_so.c_str(), paths.so.c_str()) != 0) {
    return ErrnoError("cannot rename to", paths.so);
  }
  if (absl::Status status =
          WriteFileAtomically(paths.meta, FormatMeta(key, meta), /*sync=*/true);
      !status.ok()) {
    return status;
  }
  return FsyncPath(paths.dir, O_RDONLY | O_DIRECTORY);
}

bool IsLowerHex(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

// Deletes least recently used entries (oldest .so mtime first) until the
// cache holds at most `max_bytes`. Skips `keep` (just published) and
// entries whose lock is held (being compiled or read-repaired). Other
// processes may evict at the same time: files already gone are fine.
void EvictLeastRecentlyUsed(const std::string& cache_dir, uint64_t max_bytes,
                            const std::string& keep) {
  struct Entry {
    std::string dir;
    std::vector<std::string> files;  // names inside dir, the lock excluded
    uint64_t bytes = 0;
    timespec last_used = {0, 0};
  };
  std::map<std::string, Entry> entries;
  uint64_t total = 0;
  std::error_code error;
  for (const auto& shard :
       std::filesystem::directory_iterator(cache_dir, error)) {
    std::string shard_name = shard.path().filename();
    if (shard_name.size() != 2 || !IsLowerHex(shard_name)) continue;
    std::error_code shard_error;
    for (const auto& file :
         std::filesystem::directory_iterator(shard.path(), shard_error)) {
      std::string name = file.path().filename();
      if (name.size() <= kKeyLength || name[kKeyLength] != '.' ||
          !IsLowerHex(absl::string_view(name).substr(0, kKeyLength))) {
        continue;
      }
      struct stat st;
      if (lstat(file.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        continue;
      }
      Entry& entry = entries[name.substr(0, kKeyLength)];
      entry.dir = shard.path();
      absl::string_view suffix = absl::string_view(name).substr(kKeyLength);
      if (suffix == ".lock") continue;
      entry.files.push_back(name);
      entry.bytes += st.st_size;
      total += st.st_size;
      // The .so's mtime is its last use; files without one (stale
      // temporaries of a crashed compile) count by their own age.
      if (suffix == ".so" || entry.last_used.tv_sec == 0) {
        entry.last_used = st.st_mtim;
      }
    }
  }
  if (total <= max_bytes) return;
  std::vector<std::pair<std::string, Entry*>> order;
  for (auto& [key, entry] : entries) order.emplace_back(key, &entry);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    const timespec& x = a.second->last_used;
    const timespec& y = b.second->last_used;
    return std::tie(x.tv_sec, x.tv_nsec) < std::tie(y.tv_sec, y.tv_nsec);
  });
  for (auto& [key, entry] : order) {
    if (total <= max_bytes) break;
    if (key == keep) continue;
    std::string lock_path = absl::StrCat(entry->dir, "/", key, ".lock");
    absl::StatusOr<EntryLock> lock = EntryLock::Acquire(lock_path, false);
    if (!lock.ok()) continue;
    // The .meta first, so no reader trusts a half-deleted entry.
    std::sort(entry->files.begin(), entry->files.end(),
              [](const std::string& a, const std::string& b) {
                return absl::EndsWith(a, ".meta") > absl::EndsWith(b, ".meta");
              });
    for (const std::string& name : entry->files) {
      unlink(absl::StrCat(entry->dir, "/", name).c_str());
    }
    lock->RemoveFile();
    total -= std::min(total, entry->bytes);
  }
}

std::string Machine() {
  struct utsname name;
  if (uname(&name) != 0) return "unknown";
  return name.machine;
}

std::string FormatSeconds(absl::Duration duration) {
  return absl::StrFormat("%g s", absl::ToDoubleSeconds(duration));
}

// The first line of `cc --version`, memoised in the cache directory per
// compiler binary (its resolved path, inode, size and mtime), because
// running it costs about a millisecond on every start of the process.
absl::StatusOr<std::string> CompilerIdentity(const std::string& cc,
                                             const std::string& cache_dir) {
  absl::StatusOr<std::string> path = FindExecutable(cc);
  if (!path.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "C compiler '", cc, "' not found: install gcc (scripts/install-deps)"));
  }
  std::string memo;
  char* real = realpath(path->c_str(), nullptr);
  struct stat st;
  if (real != nullptr && stat(real, &st) == 0) {
    std::string binary = absl::StrCat(real, "\n", st.st_dev, ":", st.st_ino,
                                      "\n", st.st_size, "\n", st.st_mtim.tv_sec,
                                      ".", st.st_mtim.tv_nsec, "\n", cc);
    memo =
        absl::StrCat(cache_dir, "/cc-",
                     Sha256Hex({reinterpret_cast<const uint8_t*>(binary.data()),
                                binary.size()})
                         .substr(0, 16),
                     ".id");
  }
  free(real);
  if (!memo.empty()) {
    absl::StatusOr<std::string> known = ReadSmallFile(memo);
    if (known.ok() && !known->empty()) {
      return std::string(absl::StripTrailingAsciiWhitespace(*known));
    }
  }
  SubprocessOptions options;
  options.argv = {*path, "--version"};
  options.capture_stdout = true;
  options.capture_stderr = true;
  options.deadline = absl::Now() + absl::Seconds(30);
  absl::StatusOr<SubprocessResult> result = RunSubprocess(options);
  if (!result.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "C compiler '", cc, "' does not run: ", result.status().message()));
  }
  std::string identity = FirstLines(result->output, 1);
  if (!result->exited_ok() || identity.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "C compiler '", cc, "' does not work: '", cc, " --version' ",
        result->timed_out ? "timed out"
        : result->term_signal != 0
            ? absl::StrCat("died of ", SignalName(result->term_signal))
            : absl::StrCat("exited with status ", result->exit_code),
        ": ", FirstLines(result->output, 5)));
  }
  if (!memo.empty()) {
    // Best effort: without the memo we just ask again next time.
    WriteFileAtomically(memo, identity + "\n", /*sync=*/false).IgnoreError();
  }
  return identity;
}

// Turns how the helper ended into the status Compile() reports.
absl::Status HelperStatus(const SubprocessResult& result,
                          const CompilerConfig& config) {
  std::string output = FirstLines(result.output, kHelperOutputLines);
  absl::string_view last_line =
      absl::StripAsciiWhitespace(absl::string_view(output).substr(
          output.rfind('\n') == std::string::npos ? 0
                                                  : output.rfind('\n') + 1));
  auto with_detail = [&](std::string message) {
    if (!last_line.empty()) absl::StrAppend(&message, ": ", last_line);
    return message;
  };
  const uint64_t memory_mib = config.memory_limit_bytes >> 20;
  if (result.timed_out) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "compile exceeded the ", FormatSeconds(config.timeout), " time limit"));
  }
  if (result.term_signal == SIGXCPU) {
    return absl::ResourceExhaustedError(
        absl::StrCat("compile exceeded its CPU time limit of ",
                     FormatSeconds(config.timeout)));
  }
  if (result.term_signal == SIGKILL) {
    return absl::ResourceExhaustedError(
        absl::StrCat("compile was killed (SIGKILL), most likely over its ",
                     memory_mib, " MiB memory limit or its CPU time limit"));
  }
  if (result.term_signal != 0) {
    return absl::InvalidArgumentError(with_detail(absl::StrCat(
        "module translation crashed (", SignalName(result.term_signal), ")")));
  }
  switch (result.exit_code) {
    case compile_internal::kExitOk:
      return absl::OkStatus();
    case compile_internal::kExitModuleRejected:
      return absl::InvalidArgumentError(
          last_line.empty() ? "module rejected by the translator"
                            : std::string(last_line));
    case compile_internal::kExitCCompilerFailed:
      return absl::InternalError(output);
    case compile_internal::kExitOutOfMemory:
      return absl::ResourceExhaustedError(with_detail(absl::StrCat(
          "compile exceeded its ", memory_mib, " MiB memory limit")));
    default:
      return absl::InternalError(with_detail(
          absl::StrCat("compile helper ", config.helper_path,
                       " failed (exit status ", result.exit_code, ")")));
  }
}

}  // namespace

std::string Sha256Hex(std::span<const uint8_t> data) {
  Sha256 sha;
  sha.Update(data.data(), data.size());
  return sha.HexDigest();
}

absl::StatusOr<std::unique_ptr<Compiler>> Compiler::Create(
    CompilerConfig config) {
  if (config.cache_dir.empty()) {
    return absl::InvalidArgumentError("no compile cache directory configured");
  }
  if (config.jobs < 1) {
    return absl::InvalidArgumentError("compile jobs must be at least 1");
  }
  if (config.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("compile timeout must be positive");
  }
  if (config.helper_path.empty() || !FindExecutable(config.helper_path).ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "compile helper '", config.helper_path,
        "' not found or not executable: build the airlock-compile target "
        "(it lands in build/bin)"));
  }
  // Private: the cache holds code this process will load.
  std::error_code error;
  if (std::filesystem::create_directories(config.cache_dir, error)) {
    std::filesystem::permissions(config.cache_dir,
                                 std::filesystem::perms::owner_all, error);
  }
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create the compile cache directory ",
                     config.cache_dir, ": ", error.message()));
  }
  absl::StatusOr<std::string> identity =
      CompilerIdentity(config.cc, config.cache_dir);
  if (!identity.ok()) return identity.status();
  return std::unique_ptr<Compiler>(
      new Compiler(std::move(config), *std::move(identity)));
}

Compiler::Compiler(CompilerConfig config, std::string compiler_identity)
    : config_(std::move(config)),
      compiler_identity_(std::move(compiler_identity)) {}

std::string Compiler::CacheKey(const std::string& digest,
                               const CompileOptions& options) const {
  static const std::string* const kMachine = new std::string(Machine());
  CCompilerFamily family = CCompilerFamilyFromVersion(compiler_identity_);
  std::string material = absl::StrCat(
      "airlock-cache-key 1\nmodule ", digest, "\nengine ",
      AIRLOCK_ENGINE_VERSION, "\nabi ", AIRLOCK_ABI_VERSION, "\ncc ",
      compiler_identity_, "\nflags ",
      absl::StrJoin(compile_internal::CCompileFlags(
                        family, compile_internal::kDefaultOptLevel),
                    " "),
      "\nopt ", compile_internal::kDefaultOptLevel, "\nfuel ",
      options.fuel ? 1 : 0, "\narch ", *kMachine, "\n");
  return Sha256Hex(
      {reinterpret_cast<const uint8_t*>(material.data()), material.size()});
}

absl::StatusOr<std::shared_ptr<const CompiledModule>> Compiler::Compile(
    std::span<const uint8_t> wasm, const CompileOptions& options,
    CompileStats* stats) {
  const absl::Time start = absl::Now();
  CompileStats local_stats;
  CompileStats& s = stats != nullptr ? *stats : local_stats;
  s = CompileStats{};
  s.digest = Sha256Hex(wasm);
  const std::string key = CacheKey(s.digest, options);
  const EntryPaths paths = PathsFor(config_.cache_dir, key);

  auto hit = [&](std::shared_ptr<const CompiledModule> module) {
    s.cache_hit = true;
    s.load_time = absl::Now() - start;
    return module;
  };

  // Fast path, without the lock: any problem just sends us to the slow
  // path, which decides under the lock.
  if (absl::StatusOr<std::shared_ptr<const CompiledModule>> module =
          LoadEntry(paths, key);
      module.ok()) {
    return hit(*std::move(module));
  }

  if (mkdir(paths.dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoError("cannot create cache directory", paths.dir);
  }
  absl::StatusOr<EntryLock> acquired = EntryLock::Acquire(paths.lock, true);
  if (!acquired.ok()) return acquired.status();
  std::optional<EntryLock> lock(*std::move(acquired));
  // Someone may have compiled it while we waited.
  if (absl::StatusOr<std::shared_ptr<const CompiledModule>> module =
          LoadEntry(paths, key);
      module.ok()) {
    return hit(*std::move(module));
  }
  RemoveEntry(paths);  // missing, or corrupt: rebuild

  // The helper's scratch directory; ours to remove even if it is killed.
  const char* tmpdir = getenv("TMPDIR");
  std::string job =
      absl::StrCat(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp",
                   "/airlock-compile-XXXXXX");
  if (mkdtemp(job.data()) == nullptr) {
    return ErrnoError("cannot create a directory in", job);
  }
  absl::Cleanup remove_job = [&job] {
    std::error_code ignored;
    std::filesystem::remove_all(job, ignored);
  };
  std::string module_path = job + "/module.wasm";
  if (absl::Status status = WriteFileAtomically(
          module_path,
          absl::string_view(reinterpret_cast<const char*>(wasm.data()),
                            wasm.size()),
          /*sync=*/false);
      !status.ok()) {
    return status;
  }
  std::string tmp_so = absl::StrCat(paths.dir, "/", key, ".tmp-XXXXXX");
  {
    Fd fd(mkostemp(tmp_so.data(), O_CLOEXEC));
    if (fd.get() < 0) return ErrnoError("cannot create", tmp_so);
  }
  absl::Cleanup remove_tmp_so = [&tmp_so] { unlink(tmp_so.c_str()); };

  SubprocessOptions helper;
  helper.argv = {
      config_.helper_path,
      "--key=" + key,
      "--cc=" + config_.cc,
      absl::StrCat("--cc-family=",
                   compile_internal::CCompilerFamilyName(
                       CCompilerFamilyFromVersion(compiler_identity_))),
      absl::StrCat("--jobs=", config_.jobs),
      absl::StrCat("--opt-level=", compile_internal::kDefaultOptLevel),
      "--out=" + tmp_so,
      "--workdir=" + job,
  };
  if (!options.fuel) helper.argv.push_back("--no-fuel");
  helper.argv.push_back(module_path);
  helper.new_process_group = true;
  helper.address_space_limit = config_.memory_limit_bytes;
  if (config_.timeout != absl::InfiniteDuration()) {
    helper.cpu_seconds_limit = static_cast<uint64_t>(
        std::ceil(absl::ToDoubleSeconds(config_.timeout)));
    helper.deadline = absl::Now() + config_.timeout;
  }
  helper.capture_stderr = true;
  helper.max_output_bytes = kMaxHelperOutput;

  const absl::Time compile_start = absl::Now();
  absl::StatusOr<SubprocessResult> result = RunSubprocess(helper);
  s.compile_time = absl::Now() - compile_start;
  if (!result.ok()) {
    return absl::InternalError(absl::StrCat("cannot run the compile helper: ",
                                            result.status().message()));
  }
  if (absl::Status status = HelperStatus(*result, config_); !status.ok()) {
    return status;
  }
  if (absl::Status status = Publish(tmp_so, paths, key); !status.ok()) {
    RemoveEntry(paths);
    return status;
  }
  std::move(remove_tmp_so).Cancel();  // it is the entry's .so now
  absl::StatusOr<std::shared_ptr<const CompiledModule>> module =
      CompiledModule::Load(paths.so, key);
  if (!module.ok()) {
    RemoveEntry(paths);
    return absl::InternalError(
        absl::StrCat("the freshly compiled module does not load: ",
                     module.status().message()));
  }
  lock.reset();  // others may load it now; eviction takes locks itself
  EvictLeastRecentlyUsed(config_.cache_dir, config_.cache_max_bytes, key);
  s.load_time = absl::Now() - start - s.compile_time;
  return module;
}

}  // namespace airlock::sandbox
