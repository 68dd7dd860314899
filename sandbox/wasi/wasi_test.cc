// Tests of the WASI host through its imports, called as the guest would:
// Resolve() -> HostFunction::call with a fake guest memory.
#include "sandbox/wasi/wasi.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace airlock::sandbox {
namespace {

namespace fs = std::filesystem;

// WASI errno values the tests expect.
constexpr uint32_t kSuccess = 0;
constexpr uint32_t kBadf = 8;
constexpr uint32_t kExist = 20;
constexpr uint32_t kFault = 21;
constexpr uint32_t kInval = 28;
constexpr uint32_t kIo = 29;
constexpr uint32_t kIsdir = 31;
constexpr uint32_t kLoop = 32;
constexpr uint32_t kNoent = 44;
constexpr uint32_t kNotdir = 54;
constexpr uint32_t kNotsock = 57;
constexpr uint32_t kNotsup = 58;
constexpr uint32_t kRofs = 69;
constexpr uint32_t kNotcapable = 76;

constexpr uint64_t kRightFdRead = 1 << 1;
constexpr uint64_t kRightFdSeek = 1 << 2;
constexpr uint64_t kRightFdWrite = 1 << 6;
constexpr uint64_t kRightPathCreateFile = 1 << 10;
constexpr uint64_t kRightFdReaddir = 1 << 14;
constexpr uint64_t kRightFdFilestatSetSize = 1 << 22;
constexpr uint64_t kReadRights = kRightFdRead | kRightFdSeek | kRightFdReaddir;
constexpr uint64_t kRwRights = kReadRights | kRightFdWrite;

constexpr uint32_t kOflagCreat = 1;
constexpr uint32_t kOflagDirectory = 2;
constexpr uint32_t kOflagExcl = 4;
constexpr uint32_t kOflagTrunc = 8;
constexpr uint32_t kFollow = 1;

// Guest memory layout used by the tests.
constexpr uint32_t kMemSize = 1 << 20;
constexpr uint32_t kPath = 1024;   // path strings
constexpr uint32_t kPath2 = 8192;  // second path string
constexpr uint32_t kOut = 16384;   // result cells
constexpr uint32_t kIov = 20480;   // iovec arrays
constexpr uint32_t kBuf = 32768;   // data buffers
constexpr uint32_t kRwFd = 3;      // preopen of the read-write grant
constexpr uint32_t kRoFd = 4;      // preopen of the read-only grant

class WasiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/airlock_wasi_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    fs::create_directories(root_ / "rw" / "sub");
    fs::create_directories(root_ / "ro");
    fs::create_directories(root_ / "outside");
    WriteHostFile(root_ / "ro" / "data.txt", "read only data");
    WriteHostFile(root_ / "outside" / "secret.txt", "secret");
    WriteHostFile(root_ / "rw" / "hello.txt", "hello");
    memory_buf_.assign(kMemSize, 0);
    memory_.base = memory_buf_.data();
    memory_.size = kMemSize;
    memory_.pages = kMemSize / AIRLOCK_PAGE_SIZE;
    memory_.max_pages = memory_.pages;
    memory_.registration = -1;
  }
  void TearDown() override {
    ctx_.reset();
    fs::remove_all(root_);
  }

  static void WriteHostFile(const fs::path& p, const std::string& data) {
    std::ofstream(p, std::ios::binary) << data;
  }
  static std::string ReadHostFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  WasiConfig DefaultConfig() {
    WasiConfig config;
    config.args = {"prog", "arg1"};
    config.dirs.push_back({(root_ / "rw").string(), "/rw", false});
    config.dirs.push_back({(root_ / "ro").string(), "/ro", true});
    config.write_stdout = [this](std::string_view s) {
      stdout_chunks_.emplace_back(s);
      return true;
    };
    config.write_stderr = [this](std::string_view s) {
      stderr_ += s;
      return true;
    };
    return config;
  }
  void MakeContext(WasiConfig config) {
    auto ctx = WasiContext::Create(std::move(config));
    ASSERT_TRUE(ctx.ok()) << ctx.status();
    ctx_ = *std::move(ctx);
    ctx_->Bind(&memory_, &header_);
  }

  absl::StatusOr<std::shared_ptr<HostFunction>> Lookup(
      const char* name, const char* module = "wasi_snapshot_preview1") {
    airlock_import_desc desc{};
    desc.module = module;
    desc.name = name;
    desc.kind = AIRLOCK_EXTERN_FUNC;
    auto ext = ctx_->Resolve(desc);
    if (!ext.ok()) return ext.status();
    return std::get<std::shared_ptr<HostFunction>>(*ext);
  }

  // Calls `name` with `args` (in signature order; i32 and i64 alike) and
  // returns the trap kind; the errno result lands in *result.
  int CallRaw(const char* name, std::vector<uint64_t> args, uint32_t* result) {
    auto fn = Lookup(name);
    EXPECT_TRUE(fn.ok()) << fn.status();
    if (!fn.ok()) return -1;
    const std::string& type = (*fn)->type;
    std::vector<airlock_value> values(args.size());
    size_t i = 0;
    for (char c : type) {
      if (c == '>') break;
      EXPECT_LT(i, args.size()) << name;
      if (c == 'I') {
        values[i].i64 = args[i];
      } else {
        values[i].i32 = static_cast<uint32_t>(args[i]);
      }
      ++i;
    }
    EXPECT_EQ(i, args.size()) << name << " takes " << type;
    airlock_value results[1] = {};
    results[0].i32 = 0xdead;
    int trap = (*fn)->call(values.data(), results);
    *result = results[0].i32;
    return trap;
  }
  uint32_t Call(const char* name, std::vector<uint64_t> args) {
    uint32_t result = 0;
    EXPECT_EQ(CallRaw(name, std::move(args), &result), AIRLOCK_TRAP_NONE)
        << name;
    return result;
  }

  void Put(uint32_t addr, std::string_view s) {
    std::memcpy(memory_buf_.data() + addr, s.data(), s.size());
  }
  template <typename T>
  void PutT(uint32_t addr, T v) {
    std::memcpy(memory_buf_.data() + addr, &v, sizeof v);
  }
  template <typename T>
  T GetT(uint32_t addr) {
    T v;
    std::memcpy(&v, memory_buf_.data() + addr, sizeof v);
    return v;
  }
  std::string GetStr(uint32_t addr, size_t n) {
    return std::string(reinterpret_cast<const char*>(memory_buf_.data() + addr),
                       n);
  }

  uint32_t Open(uint32_t dir, std::string_view path, uint32_t oflags,
                uint64_t rights, uint32_t* fd, uint32_t dirflags = kFollow,
                uint32_t fdflags = 0) {
    Put(kPath, path);
    uint32_t err = Call("path_open", {dir, dirflags, kPath, path.size(), oflags,
                                      rights, rights, fdflags, kOut});
    if (err == kSuccess && fd != nullptr) *fd = GetT<uint32_t>(kOut);
    return err;
  }
  uint32_t PathCall(const char* name, uint32_t dir, std::string_view path) {
    Put(kPath, path);
    return Call(name, {dir, kPath, path.size()});
  }
  // Writes `data` to `fd` with one iovec; returns errno.
  uint32_t Write(uint32_t fd, std::string_view data) {
    Put(kBuf, data);
    PutT<uint32_t>(kIov, kBuf);
    PutT<uint32_t>(kIov + 4, static_cast<uint32_t>(data.size()));
    return Call("fd_write", {fd, kIov, 1, kOut});
  }
  uint32_t Read(uint32_t fd, uint32_t max, std::string* out) {
    PutT<uint32_t>(kIov, kBuf);
    PutT<uint32_t>(kIov + 4, max);
    uint32_t err = Call("fd_read", {fd, kIov, 1, kOut});
    if (err == kSuccess) *out = GetStr(kBuf, GetT<uint32_t>(kOut));
    return err;
  }

  fs::path root_;
  std::vector<uint8_t> memory_buf_;
  airlock_memory memory_{};
  airlock_instance_header header_{};
  std::unique_ptr<WasiContext> ctx_;
  std::vector<std::string> stdout_chunks_;
  std::string stderr_;
};

// Every preview1 function resolves with the signature wasi-libc imports it
// with, so real modules link.
TEST_F(WasiTest, ImportsHaveThePreview1Signatures) {
  MakeContext(DefaultConfig());
  const std::map<std::string, std::string> expected = {
      {"args_get", "ii>i"},
      {"args_sizes_get", "ii>i"},
      {"environ_get", "ii>i"},
      {"environ_sizes_get", "ii>i"},
      {"clock_res_get", "ii>i"},
      {"clock_time_get", "iIi>i"},
      {"fd_advise", "iIIi>i"},
      {"fd_allocate", "iII>i"},
      {"fd_close", "i>i"},
      {"fd_datasync", "i>i"},
      {"fd_fdstat_get", "ii>i"},
      {"fd_fdstat_set_flags", "ii>i"},
      {"fd_fdstat_set_rights", "iII>i"},
      {"fd_filestat_get", "ii>i"},
      {"fd_filestat_set_size", "iI>i"},
      {"fd_filestat_set_times", "iIIi>i"},
      {"fd_pread", "iiiIi>i"},
      {"fd_prestat_get", "ii>i"},
      {"fd_prestat_dir_name", "iii>i"},
      {"fd_pwrite", "iiiIi>i"},
      {"fd_read", "iiii>i"},
      {"fd_readdir", "iiiIi>i"},
      {"fd_renumber", "ii>i"},
      {"fd_seek", "iIii>i"},
      {"fd_sync", "i>i"},
      {"fd_tell", "ii>i"},
      {"fd_write", "iiii>i"},
      {"path_create_directory", "iii>i"},
      {"path_filestat_get", "iiiii>i"},
      {"path_filestat_set_times", "iiiiIIi>i"},
      {"path_link", "iiiiiii>i"},
      {"path_open", "iiiiiIIii>i"},
      {"path_readlink", "iiiiii>i"},
      {"path_remove_directory", "iii>i"},
      {"path_rename", "iiiiii>i"},
      {"path_symlink", "iiiii>i"},
      {"path_unlink_file", "iii>i"},
      {"poll_oneoff", "iiii>i"},
      {"proc_exit", "i>"},
      {"sched_yield", ">i"},
      {"random_get", "ii>i"},
      {"sock_accept", "iii>i"},
      {"sock_recv", "iiiiii>i"},
      {"sock_send", "iiiii>i"},
      {"sock_shutdown", "ii>i"},
  };
  for (const auto& [name, type] : expected) {
    auto fn = Lookup(name.c_str());
    ASSERT_TRUE(fn.ok()) << name << ": " << fn.status();
    EXPECT_EQ((*fn)->type, type) << name;
  }
  auto old = Lookup("fd_seek", "wasi_unstable");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ((*old)->type, "iIii>i");
}

// An import the host does not provide fails to resolve, naming it.
TEST_F(WasiTest, UnknownImportIsNotFound) {
  MakeContext(DefaultConfig());
  auto fn = Lookup("nope");
  ASSERT_FALSE(fn.ok());
  EXPECT_EQ(fn.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(fn.status().message(),
            "unknown import: wasi_snapshot_preview1.nope");
  auto other = Lookup("fd_write", "env");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().message(), "unknown import: env.fd_write");
}

// A grant whose folder does not exist is an error naming the folder.
TEST_F(WasiTest, MissingGrantFolderIsAnError) {
  WasiConfig config;
  config.dirs.push_back({(root_ / "absent").string(), "/x", true});
  auto ctx = WasiContext::Create(std::move(config));
  ASSERT_FALSE(ctx.ok());
  EXPECT_THAT(std::string(ctx.status().message()),
              ::testing::HasSubstr((root_ / "absent").string()));
}

// fd_write on stdout/stderr reaches the callbacks at once, one chunk per
// call with the iovecs joined.
TEST_F(WasiTest, StdoutAndStderrGoToCallbacks) {
  MakeContext(DefaultConfig());
  Put(kBuf, "hello, world\n");
  PutT<uint32_t>(kIov, kBuf);
  PutT<uint32_t>(kIov + 4, 7);
  PutT<uint32_t>(kIov + 8, kBuf + 7);
  PutT<uint32_t>(kIov + 12, 6);
  EXPECT_EQ(Call("fd_write", {1, kIov, 2, kOut}), kSuccess);
  EXPECT_EQ(GetT<uint32_t>(kOut), 13u);
  EXPECT_THAT(stdout_chunks_, ::testing::ElementsAre("hello, world\n"));
  EXPECT_EQ(Write(2, "oops"), kSuccess);
  EXPECT_EQ(stderr_, "oops");
  // An invalid fd is reported before the iovecs are looked at.
  EXPECT_EQ(Call("fd_write", {99, 0, 0, kOut}), kBadf);
}

// A failing stdout callback (e.g. output limit) fails the write with EIO.
TEST_F(WasiTest, RefusedOutputIsEio) {
  WasiConfig config = DefaultConfig();
  config.write_stdout = [](std::string_view) { return false; };
  MakeContext(std::move(config));
  EXPECT_EQ(Write(1, "x"), 29u);
}

// stdin reads come from the callback; no callback reads as EOF.
TEST_F(WasiTest, StdinReadsFromCallback) {
  WasiConfig config = DefaultConfig();
  std::string input = "input!";
  config.read_stdin = [&input](uint8_t* buf, size_t max) -> int64_t {
    size_t n = std::min(max, input.size());
    std::memcpy(buf, input.data(), n);
    input.erase(0, n);
    return static_cast<int64_t>(n);
  };
  MakeContext(std::move(config));
  std::string got;
  EXPECT_EQ(Read(0, 4, &got), kSuccess);
  EXPECT_EQ(got, "inpu");
  EXPECT_EQ(Read(0, 100, &got), kSuccess);
  EXPECT_EQ(got, "t!");
  EXPECT_EQ(Read(0, 100, &got), kSuccess);
  EXPECT_EQ(got, "");
}

// args and environ are exactly what the config gave.
TEST_F(WasiTest, ArgsAndEnvironAsGiven) {
  WasiConfig config = DefaultConfig();
  config.args = {"prog", "the \"second\" arg", ""};
  config.env = {{"a", "text"}, {"b", "new\nline"}};
  MakeContext(std::move(config));

  EXPECT_EQ(Call("args_sizes_get", {kOut, kOut + 4}), kSuccess);
  EXPECT_EQ(GetT<uint32_t>(kOut), 3u);
  EXPECT_EQ(GetT<uint32_t>(kOut + 4), 5u + 17u + 1u);
  EXPECT_EQ(Call("args_get", {kOut, kBuf}), kSuccess);
  EXPECT_EQ(GetT<uint32_t>(kOut), kBuf);
  EXPECT_EQ(GetT<uint32_t>(kOut + 4), kBuf + 5);
  EXPECT_EQ(GetT<uint32_t>(kOut + 8), kBuf + 22);
  EXPECT_EQ(GetStr(kBuf, 23), std::string("prog\0the \"second\" arg\0\0", 23));

  EXPECT_EQ(Call("environ_sizes_get", {kOut, kOut + 4}), kSuccess);
  EXPECT_EQ(GetT<uint32_t>(kOut), 2u);
  EXPECT_EQ(GetT<uint32_t>(kOut + 4), 7u + 11u);
  EXPECT_EQ(Call("environ_get", {kOut, kBuf}), kSuccess);
  EXPECT_EQ(GetT<uint32_t>(kOut + 4), kBuf + 7);
  EXPECT_EQ(GetStr(kBuf, 18), std::string("a=text\0b=new\nline\0", 18));
}

// No args and no env: zero counts.
TEST_F(WasiTest, EmptyArgsAndEnviron) {
  MakeContext(WasiConfig{});
  EXPECT_EQ(Call("args_sizes_get", {kOut, kOut + 4}), kSuccess);
  EXPECT_EQ(GetT<uint32_t>(kOut), 0u);
  EXPECT_EQ(GetT<uint32_t>(kOut + 4), 0u);
  EXPECT_EQ(Call("environ_sizes_get", {kOut, kOut + 4}), kSuccess);
  EXPECT_EQ(GetT<uint32_t>(kOut), 0u);
  // No grants: fd 3 is not a preopen.
  EXPECT_EQ(Call("fd_prestat_get", {3, kOut}), kBadf);
}

// Pointers outside guest memory, including ones that wrap around in 32
// bits, are EFAULT and nothing is written.
TEST_F(WasiTest, BadPointersAreEfault) {
  MakeContext(DefaultConfig());
  EXPECT_EQ(Call("args_sizes_get", {kMemSize - 2, kOut}), kFault);
  EXPECT_EQ(Call("args_get", {kMemSize - 4, kBuf}), kFault);
  EXPECT_EQ(Call("fd_write", {1, kMemSize - 4, 1, kOut}), kFault);
  PutT<uint32_t>(kIov, 0xFFFFFFF0u);
  PutT<uint32_t>(kIov + 4, 0x20);
  EXPECT_EQ(Call("fd_write", {1, kIov, 1, kOut}), kFault);
  PutT<uint32_t>(kIov, kMemSize - 4);
  PutT<uint32_t>(kIov + 4, 5);
  EXPECT_EQ(Call("fd_write", {1, kIov, 1, kOut}), kFault);
  EXPECT_EQ(Call("random_get", {kMemSize - 10, 11}), kFault);
  EXPECT_EQ(Call("random_get", {0xFFFFFFFFu, 2}), kFault);
  EXPECT_EQ(Call("clock_time_get", {1, 0, kMemSize - 7}), kFault);
  EXPECT_EQ(Call("path_open", {kRwFd, kFollow, kMemSize - 3, 10, 0, kReadRights,
                               kReadRights, 0, kOut}),
            kFault);
  EXPECT_EQ(Call("fd_prestat_dir_name", {kRwFd, kMemSize - 1, 3}), kFault);
  EXPECT_TRUE(stdout_chunks_.empty());
  // A length-0 buffer right at the end of memory is fine.
  EXPECT_EQ(Call("random_get", {kMemSize, 0}), kSuccess);
  // Too many iovecs.
  EXPECT_EQ(Call("fd_write", {1, kIov, 5000, kOut}), kInval);
}

// Without a bound memory every call that needs one is EFAULT.
TEST_F(WasiTest, NoMemoryIsEfault) {
  MakeContext(DefaultConfig());
  ctx_->Bind(nullptr, &header_);
  EXPECT_EQ(Call("args_sizes_get", {0, 4}), kFault);
  EXPECT_EQ(Call("fd_close", {kRoFd}), kSuccess);
}

// proc_exit unwinds with the exit trap and records the code.
TEST_F(WasiTest, ProcExitSetsExitCode) {
  MakeContext(DefaultConfig());
  uint32_t ignored;
  EXPECT_EQ(CallRaw("proc_exit", {33}, &ignored), AIRLOCK_TRAP_EXIT);
  EXPECT_EQ(header_.exit_code, 33u);
}

// random_get fills the buffer (and only it).
TEST_F(WasiTest, RandomGetFills) {
  MakeContext(DefaultConfig());
  EXPECT_EQ(Call("random_get", {kBuf, 64}), kSuccess);
  std::string r = GetStr(kBuf, 64);
  EXPECT_NE(r, std::string(64, '\0'));
  EXPECT_EQ(GetT<uint8_t>(kBuf + 64), 0);
  EXPECT_EQ(Call("random_get", {kBuf + 100, 0}), kSuccess);
}

// Clocks: all four ids answer; unknown ones are EINVAL; monotonic advances.
TEST_F(WasiTest, Clocks) {
  MakeContext(DefaultConfig());
  for (uint32_t id : {0u, 1u, 2u, 3u}) {
    EXPECT_EQ(Call("clock_res_get", {id, kOut}), kSuccess) << id;
    EXPECT_GT(GetT<uint64_t>(kOut), 0u);
    EXPECT_EQ(Call("clock_time_get", {id, 1, kOut}), kSuccess) << id;
  }
  EXPECT_EQ(Call("clock_time_get", {1, 1, kOut}), kSuccess);
  uint64_t t0 = GetT<uint64_t>(kOut);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(Call("clock_time_get", {1, 1, kOut}), kSuccess);
  EXPECT_GT(GetT<uint64_t>(kOut), t0);
  EXPECT_EQ(Call("clock_time_get", {0, 1, kOut}), kSuccess);
  EXPECT_GT(GetT<uint64_t>(kOut), 1600000000ull * 1000000000ull);
  EXPECT_EQ(Call("clock_time_get", {9, 1, kOut}), kInval);
}

// Preopens are fds 3, 4 in grant order, named by guest path.
TEST_F(WasiTest, PreopensInGrantOrder) {
  MakeContext(DefaultConfig());
  EXPECT_EQ(Call("fd_prestat_get", {kRwFd, kOut}), kSuccess);
  EXPECT_EQ(GetT<uint8_t>(kOut), 0);
  EXPECT_EQ(GetT<uint32_t>(kOut + 4), 3u);
  EXPECT_EQ(Call("fd_prestat_dir_name", {kRwFd, kBuf, 3}), kSuccess);
  EXPECT_EQ(GetStr(kBuf, 3), "/rw");
  EXPECT_EQ(Call("fd_prestat_dir_name", {kRoFd, kBuf, 3}), kSuccess);
  EXPECT_EQ(GetStr(kBuf, 3), "/ro");
  EXPECT_EQ(Call("fd_prestat_get", {5, kOut}), kBadf);
  EXPECT_EQ(Call("fd_prestat_get", {1, kOut}), kBadf);
}

// Files inside a read-write grant can be created, written, read, seeked.
TEST_F(WasiTest, FileRoundTripInsideGrant) {
  MakeContext(DefaultConfig());
  uint32_t fd;
  ASSERT_EQ(Open(kRwFd, "sub/new.txt", kOflagCreat | kOflagExcl,
                 kRwRights | kRightFdFilestatSetSize, &fd),
            kSuccess);
  EXPECT_EQ(Write(fd, "0123456789"), kSuccess);
  EXPECT_EQ(GetT<uint32_t>(kOut), 10u);
  EXPECT_EQ(Call("fd_tell", {fd, kOut}), kSuccess);
  EXPECT_EQ(GetT<uint64_t>(kOut), 10u);
  EXPECT_EQ(Call("fd_seek", {fd, static_cast<uint64_t>(-4), 1, kOut}),
            kSuccess);
  EXPECT_EQ(GetT<uint64_t>(kOut), 6u);
  std::string got;
  EXPECT_EQ(Read(fd, 100, &got), kSuccess);
  EXPECT_EQ(got, "6789");
  // pread does not move the position.
  PutT<uint32_t>(kIov, kBuf);
  PutT<uint32_t>(kIov + 4, 3);
  EXPECT_EQ(Call("fd_pread", {fd, kIov, 1, 2, kOut}), kSuccess);
  EXPECT_EQ(GetStr(kBuf, 3), "234");
  EXPECT_EQ(Call("fd_seek", {fd, 0, 2, kOut}), kSuccess);
  EXPECT_EQ(GetT<uint64_t>(kOut), 10u);
  // fd_filestat_get sees the size; set_size truncates.
  EXPECT_EQ(Call("fd_filestat_get", {fd, kOut}), kSuccess);
  EXPECT_EQ(GetT<uint8_t>(kOut + 16), 4);  // regular file
  EXPECT_EQ(GetT<uint64_t>(kOut + 32), 10u);
  EXPECT_EQ(Call("fd_filestat_set_size", {fd, 3}), kSuccess);
  EXPECT_EQ(Call("fd_close", {fd}), kSuccess);
  EXPECT_EQ(Call("fd_close", {fd}), kBadf);
  EXPECT_EQ(ReadHostFile(root_ / "rw" / "sub" / "new.txt"), "012");
  // O_EXCL on an existing file.
  EXPECT_EQ(
      Open(kRwFd, "sub/new.txt", kOflagCreat | kOflagExcl, kRwRights, &fd),
      kExist);
  EXPECT_EQ(Open(kRwFd, "missing", 0, kReadRights, &fd), kNoent);
}

// `..`, absolute paths and symlinks cannot leave a grant, whatever the call.
TEST_F(WasiTest, PathEscapesAreRefused) {
  for (const char* grant : {"rw", "ro"}) {
    fs::create_directories(root_ / grant / "sub");
    fs::create_symlink("/etc", root_ / grant / "etc_link");
    fs::create_symlink("../outside", root_ / grant / "up_link");
    fs::create_symlink((root_ / grant / "hello.txt").string(),
                       root_ / grant / "abs_inside");
  }
  fs::create_symlink("hello.txt", root_ / "rw" / "rel_inside");
  MakeContext(DefaultConfig());
  uint32_t fd;
  for (const char* path :
       {"../x", "../outside/secret.txt", "/etc/passwd", "etc_link/passwd",
        "etc_link", "sub/../../outside/secret.txt", "up_link/secret.txt",
        "abs_inside", "..", "sub/../.."}) {
    EXPECT_EQ(Open(kRwFd, path, 0, kReadRights, &fd), kNotcapable) << path;
    EXPECT_EQ(Open(kRoFd, path, 0, kReadRights, &fd), kNotcapable) << path;
    Put(kPath, path);
    EXPECT_EQ(
        Call("path_filestat_get", {kRwFd, kFollow, kPath, strlen(path), kBuf}),
        kNotcapable)
        << path;
  }
  // Creating through an escape is refused too, and nothing appears outside.
  EXPECT_EQ(Open(kRwFd, "../outside/new", kOflagCreat, kRwRights, &fd),
            kNotcapable);
  EXPECT_EQ(Open(kRwFd, "up_link/new", kOflagCreat, kRwRights, &fd),
            kNotcapable);
  EXPECT_EQ(PathCall("path_create_directory", kRwFd, "../outside/d"),
            kNotcapable);
  EXPECT_EQ(PathCall("path_create_directory", kRwFd, "up_link/d"), kNotcapable);
  EXPECT_EQ(PathCall("path_create_directory", kRwFd, ".."), kNotcapable);
  EXPECT_EQ(PathCall("path_unlink_file", kRwFd, "../outside/secret.txt"),
            kNotcapable);
  EXPECT_EQ(PathCall("path_unlink_file", kRwFd, "/etc/passwd"), kNotcapable);
  EXPECT_EQ(PathCall("path_remove_directory", kRwFd, "../outside"),
            kNotcapable);
  EXPECT_EQ(PathCall("path_remove_directory", kRwFd, ".."), kNotcapable);
  EXPECT_EQ(PathCall("path_unlink_file", kRwFd, "up_link/secret.txt"),
            kNotcapable);
  EXPECT_TRUE(fs::exists(root_ / "outside" / "secret.txt"));
  EXPECT_FALSE(fs::exists(root_ / "outside" / "new"));
  EXPECT_FALSE(fs::exists(root_ / "outside" / "d"));

  // Without follow, a final symlink is ELOOP (O_NOFOLLOW), not followed.
  EXPECT_EQ(Open(kRwFd, "etc_link", 0, kReadRights, &fd, /*dirflags=*/0),
            kLoop);
  // Relative links that stay inside work.
  ASSERT_EQ(Open(kRwFd, "rel_inside", 0, kReadRights, &fd), kSuccess);
  std::string got;
  EXPECT_EQ(Read(fd, 100, &got), kSuccess);
  EXPECT_EQ(got, "hello");
  // `..` that stays inside is fine.
  EXPECT_EQ(Open(kRwFd, "sub/../hello.txt", 0, kReadRights, &fd), kSuccess);
  // The link itself can be inspected, its target read, without following.
  Put(kPath, "etc_link");
  EXPECT_EQ(Call("path_filestat_get", {kRwFd, 0, kPath, 8, kBuf}), kSuccess);
  EXPECT_EQ(GetT<uint8_t>(kBuf + 16), 7);  // symbolic link
  EXPECT_EQ(Call("path_readlink", {kRwFd, kPath, 8, kBuf, 64, kOut}), kSuccess);
  EXPECT_EQ(GetStr(kBuf, GetT<uint32_t>(kOut)), "/etc");
}

// A symlink the guest creates is stored as given but cannot be followed out.
TEST_F(WasiTest, GuestSymlinksCannotEscape) {
  MakeContext(DefaultConfig());
  Put(kPath, "/etc");
  Put(kPath2, "mylink");
  EXPECT_EQ(Call("path_symlink", {kPath, 4, kRwFd, kPath2, 6}), kSuccess);
  EXPECT_EQ(fs::read_symlink(root_ / "rw" / "mylink"), "/etc");
  uint32_t fd;
  EXPECT_EQ(Open(kRwFd, "mylink/passwd", 0, kReadRights, &fd), kNotcapable);
  Put(kPath, "../outside");
  Put(kPath2, "out");
  EXPECT_EQ(Call("path_symlink", {kPath, 10, kRwFd, kPath2, 3}), kSuccess);
  EXPECT_EQ(Open(kRwFd, "out/secret.txt", 0, kReadRights, &fd), kNotcapable);
  // A symlink cannot be planted outside either.
  Put(kPath2, "../outside/link");
  EXPECT_EQ(Call("path_symlink", {kPath, 4, kRwFd, kPath2, 15}), kNotcapable);
  EXPECT_FALSE(fs::is_symlink(root_ / "outside" / "link"));
}

// A read-only grant refuses every change with EROFS, and reports no write
// rights on what it opens.
TEST_F(WasiTest, ReadOnlyGrantRefusesWrites) {
  MakeContext(DefaultConfig());
  uint32_t fd;
  EXPECT_EQ(Open(kRoFd, "new.txt", kOflagCreat, kRwRights, &fd), kRofs);
  EXPECT_EQ(Open(kRoFd, "new.txt", kOflagCreat, kReadRights, &fd), kRofs);
  EXPECT_EQ(Open(kRoFd, "data.txt", 0, kRwRights, &fd), kRofs);
  EXPECT_EQ(Open(kRoFd, "data.txt", kOflagTrunc, kReadRights, &fd), kRofs);
  EXPECT_EQ(Open(kRoFd, "data.txt", 0, kReadRights, &fd, kFollow,
                 /*fdflags=append*/ 1),
            kRofs);
  EXPECT_EQ(PathCall("path_create_directory", kRoFd, "d"), kRofs);
  EXPECT_EQ(PathCall("path_unlink_file", kRoFd, "data.txt"), kRofs);
  EXPECT_EQ(PathCall("path_remove_directory", kRoFd, "d"), kRofs);
  Put(kPath, "data.txt");
  Put(kPath2, "moved.txt");
  EXPECT_EQ(Call("path_rename", {kRoFd, kPath, 8, kRoFd, kPath2, 9}), kRofs);
  EXPECT_EQ(Call("path_symlink", {kPath, 8, kRoFd, kPath2, 9}), kRofs);
  EXPECT_EQ(Call("path_link", {kRoFd, 0, kPath, 8, kRoFd, kPath2, 9}), kRofs);
  EXPECT_EQ(Call("path_filestat_set_times", {kRoFd, 0, kPath, 8, 0, 0, 2}),
            kRofs);

  // Reading works; the fd has no write right and cannot write.
  ASSERT_EQ(Open(kRoFd, "data.txt", 0, kReadRights, &fd), kSuccess);
  EXPECT_EQ(Call("fd_fdstat_get", {fd, kOut}), kSuccess);
  EXPECT_EQ(GetT<uint64_t>(kOut + 8) & kRightFdWrite, 0u);
  EXPECT_NE(GetT<uint64_t>(kOut + 8) & kRightFdRead, 0u);
  EXPECT_EQ(Write(fd, "x"), kBadf);
  EXPECT_EQ(Call("fd_filestat_set_size", {fd, 0}), kBadf);
  EXPECT_EQ(Call("fd_filestat_set_times", {fd, 0, 0, 2}), kRofs);
  std::string got;
  EXPECT_EQ(Read(fd, 100, &got), kSuccess);
  EXPECT_EQ(got, "read only data");
  // The preopen itself reports no right to create files.
  EXPECT_EQ(Call("fd_fdstat_get", {kRoFd, kOut}), kSuccess);
  EXPECT_EQ(GetT<uint8_t>(kOut), 3);  // directory
  EXPECT_EQ(GetT<uint64_t>(kOut + 8) & kRightPathCreateFile, 0u);
  EXPECT_EQ(Call("fd_fdstat_get", {kRwFd, kOut}), kSuccess);
  EXPECT_NE(GetT<uint64_t>(kOut + 8) & kRightPathCreateFile, 0u);

  EXPECT_EQ(ReadHostFile(root_ / "ro" / "data.txt"), "read only data");
  EXPECT_FALSE(fs::exists(root_ / "ro" / "new.txt"));
}

// rename stays beneath the grants: no way out, and not into a read-only
// grant; between two read-write grants it works.
TEST_F(WasiTest, RenameCannotLeaveTheGrant) {
  fs::create_directories(root_ / "rw2");
  WasiConfig config = DefaultConfig();
  config.dirs.push_back({(root_ / "rw2").string(), "/rw2", false});
  MakeContext(std::move(config));
  const uint32_t rw2 = 5;
  Put(kPath, "hello.txt");
  Put(kPath2, "../outside/hello.txt");
  EXPECT_EQ(Call("path_rename", {kRwFd, kPath, 9, kRwFd, kPath2, 20}),
            kNotcapable);
  Put(kPath2, "/tmp/hello.txt");
  EXPECT_EQ(Call("path_rename", {kRwFd, kPath, 9, kRwFd, kPath2, 14}),
            kNotcapable);
  Put(kPath2, "..");
  EXPECT_EQ(Call("path_rename", {kRwFd, kPath, 9, kRwFd, kPath2, 2}),
            kNotcapable);
  Put(kPath2, "hello.txt");
  EXPECT_EQ(Call("path_rename", {kRwFd, kPath, 9, kRoFd, kPath2, 9}), kRofs);
  Put(kPath, "../outside/secret.txt");
  EXPECT_EQ(Call("path_rename", {kRwFd, kPath, 21, kRwFd, kPath2, 9}),
            kNotcapable);
  EXPECT_TRUE(fs::exists(root_ / "rw" / "hello.txt"));
  EXPECT_TRUE(fs::exists(root_ / "outside" / "secret.txt"));

  Put(kPath, "hello.txt");
  Put(kPath2, "moved.txt");
  EXPECT_EQ(Call("path_rename", {kRwFd, kPath, 9, rw2, kPath2, 9}), kSuccess);
  EXPECT_EQ(ReadHostFile(root_ / "rw2" / "moved.txt"), "hello");
  EXPECT_FALSE(fs::exists(root_ / "rw" / "hello.txt"));
}

// Hard links follow the same rules as rename.
TEST_F(WasiTest, LinkStaysInside) {
  MakeContext(DefaultConfig());
  Put(kPath, "hello.txt");
  Put(kPath2, "../outside/l");
  EXPECT_EQ(Call("path_link", {kRwFd, 0, kPath, 9, kRwFd, kPath2, 12}),
            kNotcapable);
  Put(kPath, "../outside/secret.txt");
  Put(kPath2, "stolen");
  EXPECT_EQ(Call("path_link", {kRwFd, 0, kPath, 21, kRwFd, kPath2, 6}),
            kNotcapable);
  Put(kPath, "hello.txt");
  Put(kPath2, "again.txt");
  EXPECT_EQ(Call("path_link", {kRwFd, 0, kPath, 9, kRwFd, kPath2, 9}),
            kSuccess);
  EXPECT_EQ(ReadHostFile(root_ / "rw" / "again.txt"), "hello");
  EXPECT_FALSE(fs::exists(root_ / "rw" / "stolen"));
}

// Directory operations inside a grant behave like POSIX.
TEST_F(WasiTest, DirectoryOperations) {
  MakeContext(DefaultConfig());
  EXPECT_EQ(PathCall("path_create_directory", kRwFd, "d"), kSuccess);
  EXPECT_TRUE(fs::is_directory(root_ / "rw" / "d"));
  EXPECT_EQ(PathCall("path_create_directory", kRwFd, "d"), kExist);
  EXPECT_EQ(PathCall("path_create_directory", kRwFd, "."), kExist);
  EXPECT_EQ(PathCall("path_unlink_file", kRwFd, "d"), kIsdir);
  EXPECT_EQ(PathCall("path_unlink_file", kRwFd, "hello.txt/"), kNotdir);
  EXPECT_EQ(PathCall("path_remove_directory", kRwFd, "hello.txt"), kNotdir);
  EXPECT_EQ(PathCall("path_remove_directory", kRwFd, "d/"), kSuccess);
  EXPECT_FALSE(fs::exists(root_ / "rw" / "d"));
  EXPECT_EQ(PathCall("path_unlink_file", kRwFd, "hello.txt"), kSuccess);
  EXPECT_FALSE(fs::exists(root_ / "rw" / "hello.txt"));
  EXPECT_EQ(PathCall("path_unlink_file", kRwFd, "hello.txt"), kNoent);
  EXPECT_EQ(PathCall("path_unlink_file", kRwFd, ""), kNoent);
  // Path calls need a directory fd.
  EXPECT_EQ(PathCall("path_create_directory", 1, "x"), kNotdir);
  EXPECT_EQ(PathCall("path_create_directory", 77, "x"), kBadf);
  // NUL inside a path is refused.
  EXPECT_EQ(PathCall("path_create_directory", kRwFd, std::string("a\0b", 3)),
            kInval);
}

// fd_readdir: cookies continue where the last entry left off, d_ino matches
// stat, and a too-small buffer is filled completely.
TEST_F(WasiTest, ReaddirCookiesAndTruncation) {
  for (int i = 0; i < 20; ++i) {
    WriteHostFile(root_ / "rw" / "sub" / ("file-" + std::to_string(i)), "");
  }
  fs::create_directory(root_ / "rw" / "sub" / "dir");
  MakeContext(DefaultConfig());
  uint32_t dfd;
  ASSERT_EQ(Open(kRwFd, "sub", kOflagDirectory, kReadRights, &dfd), kSuccess);

  // Read all entries with a buffer that holds about two at a time.
  const uint32_t buf_len = 70;
  uint64_t cookie = 0;
  std::map<std::string, std::pair<uint64_t, uint8_t>> seen;
  for (int rounds = 0; rounds < 100; ++rounds) {
    ASSERT_EQ(Call("fd_readdir", {dfd, kBuf, buf_len, cookie, kOut}), kSuccess);
    const uint32_t used = GetT<uint32_t>(kOut);
    uint32_t pos = 0;
    bool progressed = false;
    while (pos + 24 <= used) {
      const uint64_t next = GetT<uint64_t>(kBuf + pos);
      const uint64_t ino = GetT<uint64_t>(kBuf + pos + 8);
      const uint32_t namlen = GetT<uint32_t>(kBuf + pos + 16);
      const uint8_t type = GetT<uint8_t>(kBuf + pos + 20);
      if (pos + 24 + namlen > used) break;  // truncated entry
      seen[GetStr(kBuf + pos + 24, namlen)] = {ino, type};
      cookie = next;
      progressed = true;
      pos += 24 + namlen;
    }
    if (used < buf_len) break;  // end of directory
    EXPECT_EQ(used, buf_len);   // more to come: buffer filled exactly
    ASSERT_TRUE(progressed);
  }
  EXPECT_EQ(seen.size(), 23u);  // 20 files, dir, ".", ".."
  for (int i = 0; i < 20; ++i) {
    const std::string name = "file-" + std::to_string(i);
    ASSERT_TRUE(seen.count(name)) << name;
    struct stat st;
    ASSERT_EQ(stat((root_ / "rw" / "sub" / name).c_str(), &st), 0);
    EXPECT_EQ(seen[name].first, st.st_ino);
    EXPECT_EQ(seen[name].second, 4);  // regular file
  }
  EXPECT_EQ(seen["dir"].second, 3);
  // A buffer smaller than one header is filled too.
  ASSERT_EQ(Call("fd_readdir", {dfd, kBuf, 10, 0, kOut}), kSuccess);
  EXPECT_EQ(GetT<uint32_t>(kOut), 10u);
  // Past the end: nothing.
  ASSERT_EQ(Call("fd_readdir", {dfd, kBuf, buf_len, 1000, kOut}), kSuccess);
  EXPECT_EQ(GetT<uint32_t>(kOut), 0u);
  // Not a directory.
  EXPECT_EQ(Call("fd_readdir", {1, kBuf, buf_len, 0, kOut}), kNotdir);
}

// O_APPEND writes go to the end; pwrite leaves the position alone.
TEST_F(WasiTest, AppendAndPwrite) {
  MakeContext(DefaultConfig());
  uint32_t fd;
  ASSERT_EQ(Open(kRwFd, "log", kOflagCreat | kOflagTrunc, kRwRights, &fd,
                 kFollow, /*fdflags=append*/ 1),
            kSuccess);
  EXPECT_EQ(Write(fd, "ab"), kSuccess);
  EXPECT_EQ(Call("fd_seek", {fd, 0, 0, kOut}), kSuccess);
  EXPECT_EQ(Write(fd, "cd"), kSuccess);
  EXPECT_EQ(Call("fd_tell", {fd, kOut}), kSuccess);
  EXPECT_EQ(GetT<uint64_t>(kOut), 4u);
  Put(kBuf, "xyz");
  PutT<uint32_t>(kIov, kBuf);
  PutT<uint32_t>(kIov + 4, 3);
  EXPECT_EQ(Call("fd_pwrite", {fd, kIov, 1, 0, kOut}), kSuccess);
  EXPECT_EQ(GetT<uint32_t>(kOut), 3u);
  EXPECT_EQ(Call("fd_tell", {fd, kOut}), kSuccess);
  EXPECT_EQ(GetT<uint64_t>(kOut), 4u);
  EXPECT_EQ(Call("fd_fdstat_get", {fd, kOut}), kSuccess);
  EXPECT_EQ(GetT<uint16_t>(kOut + 2) & 1, 1);  // APPEND reported
}

// Two files in one folder have one st_dev and different inodes.
TEST_F(WasiTest, StatDevIno) {
  WriteHostFile(root_ / "rw" / "other.txt", "x");
  MakeContext(DefaultConfig());
  uint32_t a, b;
  ASSERT_EQ(Open(kRwFd, "hello.txt", 0, kReadRights, &a), kSuccess);
  ASSERT_EQ(Open(kRwFd, "other.txt", 0, kReadRights, &b), kSuccess);
  ASSERT_EQ(Call("fd_filestat_get", {a, kBuf}), kSuccess);
  ASSERT_EQ(Call("fd_filestat_get", {b, kBuf + 64}), kSuccess);
  EXPECT_EQ(GetT<uint64_t>(kBuf), GetT<uint64_t>(kBuf + 64));
  EXPECT_NE(GetT<uint64_t>(kBuf + 8), GetT<uint64_t>(kBuf + 72));
}

// fd_renumber moves an fd onto another open one.
TEST_F(WasiTest, Renumber) {
  MakeContext(DefaultConfig());
  uint32_t a, b;
  ASSERT_EQ(Open(kRwFd, "hello.txt", 0, kReadRights, &a), kSuccess);
  ASSERT_EQ(Open(kRoFd, "data.txt", 0, kReadRights, &b), kSuccess);
  EXPECT_EQ(Call("fd_renumber", {a, b}), kSuccess);
  std::string got;
  EXPECT_EQ(Read(b, 100, &got), kSuccess);
  EXPECT_EQ(got, "hello");
  EXPECT_EQ(Read(a, 100, &got), kBadf);
  EXPECT_EQ(Call("fd_renumber", {b, 99}), kBadf);
}

// sock_shutdown tells a closed fd (EBADF) from a non-socket (ENOTSOCK);
// there are no sockets.
TEST_F(WasiTest, Sockets) {
  MakeContext(DefaultConfig());
  EXPECT_EQ(Call("sock_shutdown", {1, 1}), kNotsock);
  EXPECT_EQ(Call("sock_shutdown", {99, 1}), kBadf);
  EXPECT_EQ(Call("sock_accept", {kRwFd, 0, kOut}), kNotsup);
}

// A clock subscription sleeps and reports its userdata.
TEST_F(WasiTest, PollOneoffSleeps) {
  MakeContext(DefaultConfig());
  std::memset(memory_buf_.data() + kBuf, 0, 48);
  PutT<uint64_t>(kBuf, 0x1234);         // userdata
  PutT<uint8_t>(kBuf + 8, 0);           // clock
  PutT<uint32_t>(kBuf + 16, 1);         // monotonic
  PutT<uint64_t>(kBuf + 24, 20000000);  // 20 ms
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Call("poll_oneoff", {kBuf, kBuf + 1024, 1, kOut}), kSuccess);
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(20));
  EXPECT_EQ(GetT<uint32_t>(kOut), 1u);
  EXPECT_EQ(GetT<uint64_t>(kBuf + 1024), 0x1234u);
  EXPECT_EQ(GetT<uint16_t>(kBuf + 1024 + 8), 0);
  EXPECT_EQ(GetT<uint8_t>(kBuf + 1024 + 10), 0);
  EXPECT_EQ(Call("poll_oneoff", {kBuf, kBuf + 1024, 0, kOut}), kInval);
}

// A long sleep ends early with the timeout trap once the interrupt is set.
TEST_F(WasiTest, PollOneoffReturnsOnInterrupt) {
  MakeContext(DefaultConfig());
  std::memset(memory_buf_.data() + kBuf, 0, 48);
  PutT<uint8_t>(kBuf + 8, 0);
  PutT<uint32_t>(kBuf + 16, 1);
  PutT<uint64_t>(kBuf + 24, 60ull * 1000000000ull);  // 60 s
  std::thread interrupter([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    __atomic_store_n(&header_.interrupt, 1, __ATOMIC_RELEASE);
  });
  auto start = std::chrono::steady_clock::now();
  uint32_t err;
  EXPECT_EQ(CallRaw("poll_oneoff", {kBuf, kBuf + 1024, 1, kOut}, &err),
            AIRLOCK_TRAP_TIMEOUT);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  interrupter.join();
}

// fd subscriptions on stdio are ready at once; a bad fd is an EBADF event.
TEST_F(WasiTest, PollOneoffFdEvents) {
  MakeContext(DefaultConfig());
  std::memset(memory_buf_.data() + kBuf, 0, 3 * 48);
  PutT<uint64_t>(kBuf, 1);
  PutT<uint8_t>(kBuf + 8, 2);  // fd_write
  PutT<uint32_t>(kBuf + 16, 1);
  PutT<uint64_t>(kBuf + 48, 2);
  PutT<uint8_t>(kBuf + 48 + 8, 1);  // fd_read
  PutT<uint32_t>(kBuf + 48 + 16, 42);
  PutT<uint64_t>(kBuf + 96, 3);
  PutT<uint8_t>(kBuf + 96 + 8, 0);  // clock, 10 s: not reached
  PutT<uint32_t>(kBuf + 96 + 16, 1);
  PutT<uint64_t>(kBuf + 96 + 24, 10ull * 1000000000ull);
  const uint32_t ev = kBuf + 1024;
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Call("poll_oneoff", {kBuf, ev, 3, kOut}), kSuccess);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  ASSERT_EQ(GetT<uint32_t>(kOut), 2u);
  EXPECT_EQ(GetT<uint64_t>(ev), 1u);
  EXPECT_EQ(GetT<uint16_t>(ev + 8), 0);
  EXPECT_EQ(GetT<uint8_t>(ev + 10), 2);
  EXPECT_EQ(GetT<uint64_t>(ev + 32), 2u);
  EXPECT_EQ(GetT<uint16_t>(ev + 32 + 8), kBadf);
}

// A blocking stdin read that is interrupted ends with the timeout trap.
TEST_F(WasiTest, InterruptedStdinReadTraps) {
  WasiConfig config = DefaultConfig();
  config.read_stdin = [this](uint8_t*, size_t) -> int64_t {
    __atomic_store_n(&header_.interrupt, 1, __ATOMIC_RELEASE);
    return -1;
  };
  MakeContext(std::move(config));
  PutT<uint32_t>(kIov, kBuf);
  PutT<uint32_t>(kIov + 4, 10);
  uint32_t err;
  EXPECT_EQ(CallRaw("fd_read", {0, kIov, 1, kOut}, &err), AIRLOCK_TRAP_TIMEOUT);
}

// A stdout write that blocks past the timeout (a reader that stopped
// reading) ends with the timeout trap, whether or not the sink managed to
// write; a write that fails before the timeout is EIO, as before.
TEST_F(WasiTest, StdoutWriteBlockedPastTimeoutTraps) {
  for (bool sink_ok : {true, false}) {
    SCOPED_TRACE(sink_ok ? "sink wrote" : "sink gave up");
    WasiConfig config = DefaultConfig();
    config.write_stdout = [this, sink_ok](std::string_view) {
      __atomic_store_n(&header_.interrupt, 1, __ATOMIC_RELEASE);
      return sink_ok;
    };
    MakeContext(std::move(config));
    __atomic_store_n(&header_.interrupt, 0, __ATOMIC_RELEASE);
    PutT<uint32_t>(kIov, kBuf);
    PutT<uint32_t>(kIov + 4, 10);
    uint32_t err;
    EXPECT_EQ(CallRaw("fd_write", {1, kIov, 1, kOut}, &err),
              AIRLOCK_TRAP_TIMEOUT);
  }
  WasiConfig config = DefaultConfig();
  config.write_stdout = [](std::string_view) { return false; };
  MakeContext(std::move(config));
  __atomic_store_n(&header_.interrupt, 0, __ATOMIC_RELEASE);
  PutT<uint32_t>(kIov, kBuf);
  PutT<uint32_t>(kIov + 4, 10);
  EXPECT_EQ(Call("fd_write", {1, kIov, 1, kOut}), kIo);
}

// wasi_unstable uses its own whence numbering and filestat layout.
TEST_F(WasiTest, UnstableLayouts) {
  MakeContext(DefaultConfig());
  uint32_t fd;
  ASSERT_EQ(Open(kRwFd, "hello.txt", 0, kReadRights, &fd), kSuccess);
  auto seek = Lookup("fd_seek", "wasi_unstable");
  ASSERT_TRUE(seek.ok());
  airlock_value args[4] = {};
  args[0].i32 = fd;
  args[1].i64 = 0;
  args[2].i32 = 1;  // snapshot 0: END
  args[3].i32 = kOut;
  airlock_value result[1];
  EXPECT_EQ((*seek)->call(args, result), AIRLOCK_TRAP_NONE);
  EXPECT_EQ(result[0].i32, kSuccess);
  EXPECT_EQ(GetT<uint64_t>(kOut), 5u);
  auto stat = Lookup("fd_filestat_get", "wasi_unstable");
  ASSERT_TRUE(stat.ok());
  args[1].i32 = kBuf;
  EXPECT_EQ((*stat)->call(args, result), AIRLOCK_TRAP_NONE);
  EXPECT_EQ(GetT<uint32_t>(kBuf + 20), 1u);  // nlink (u32)
  EXPECT_EQ(GetT<uint64_t>(kBuf + 24), 5u);  // size
}

}  // namespace
}  // namespace airlock::sandbox
