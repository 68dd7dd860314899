// Tests of the path broker: DirectPathBroker request by request (what a
// worker could ask the supervisor), and a WasiContext whose every path call
// goes through a broker of the test's own.
#include "sandbox/wasi/path_broker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sandbox/wasi/direct_path_broker.h"
#include "sandbox/wasi/wasi.h"

namespace airlock::sandbox {
namespace {

namespace fs = std::filesystem;

// WASI errno values the tests expect.
constexpr uint16_t kSuccess = 0;
constexpr uint16_t kBadf = 8;
constexpr uint16_t kExist = 20;
constexpr uint16_t kInval = 28;
constexpr uint16_t kIsdir = 31;
constexpr uint16_t kLoop = 32;
constexpr uint16_t kMfile = 33;
constexpr uint16_t kNametoolong = 37;
constexpr uint16_t kNoent = 44;
constexpr uint16_t kNotdir = 54;
constexpr uint16_t kNotempty = 55;
constexpr uint16_t kNotsup = 58;
constexpr uint16_t kRofs = 69;
constexpr uint16_t kXdev = 75;
constexpr uint16_t kNotcapable = 76;

constexpr uint32_t kRw = 0;  // handle of the read-write grant
constexpr uint32_t kRo = 1;  // handle of the read-only grant

void WriteHostFile(const fs::path& p, const std::string& data) {
  std::ofstream(p, std::ios::binary) << data;
}

std::string ReadHostFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Reads an fd from its start.
std::string ReadFd(int fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  off_t off = 0;
  while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
    out.append(buf, static_cast<size_t>(n));
    off += n;
  }
  return out;
}

// The names in a directory fd (on a dup: the original keeps its offset).
std::set<std::string> ListFd(int fd) {
  std::set<std::string> names;
  DIR* d = fdopendir(dup(fd));
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) names.insert(e->d_name);
  closedir(d);
  return names;
}

// A temporary tree: rw/ (read-write grant 0), ro/ (read-only grant 1), and
// outside/, which no grant covers.
class TempTree {
 public:
  TempTree() {
    char tmpl[] = "/tmp/airlock_path_broker_test_XXXXXX";
    if (mkdtemp(tmpl) != nullptr) root_ = tmpl;
    fs::create_directories(root_ / "rw" / "sub");
    fs::create_directories(root_ / "ro" / "dir");
    fs::create_directories(root_ / "ro" / "sub");
    fs::create_directories(root_ / "outside");
    WriteHostFile(root_ / "rw" / "hello.txt", "hello");
    WriteHostFile(root_ / "rw" / "sub" / "inner.txt", "inner");
    WriteHostFile(root_ / "ro" / "data.txt", "read only data");
    WriteHostFile(root_ / "outside" / "secret.txt", "secret");
  }
  ~TempTree() { fs::remove_all(root_); }
  const fs::path& root() const { return root_; }
  std::vector<DirGrant> Grants() const {
    return {{(root_ / "rw").string(), "/rw", false},
            {(root_ / "ro").string(), "/ro", true}};
  }

 private:
  fs::path root_;
};

class DirectPathBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tree_.root().empty());
    auto broker = DirectPathBroker::Create(tree_.Grants());
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);
  }
  fs::path Path(const std::string& rel) const { return tree_.root() / rel; }

  // Opens and takes ownership of the fd (closed at the end of the test).
  PathReply Open(uint32_t dir, const std::string& path, uint32_t flags,
                 bool want_dir_handle = false) {
    PathReply r = broker_->Open(dir, path, flags, want_dir_handle);
    if (r.fd >= 0) fds_.push_back(r.fd);
    if (r.error != kSuccess) {
      EXPECT_EQ(r.fd, -1) << path;
      EXPECT_EQ(r.new_dir, kNoDirHandle) << path;
    }
    return r;
  }
  void TearDown() override {
    for (int fd : fds_) close(fd);
  }

  TempTree tree_;
  std::unique_ptr<DirectPathBroker> broker_;
  std::vector<int> fds_;
};

// Create refuses a folder that is missing or not a directory, naming it,
// and a grant without a guest path.
TEST(DirectPathBrokerCreateTest, BadGrantsAreErrorsNamingTheFolder) {
  TempTree tree;
  auto missing = DirectPathBroker::Create(
      {{(tree.root() / "absent").string(), "/x", true}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()),
              ::testing::HasSubstr((tree.root() / "absent").string()));

  auto file = DirectPathBroker::Create(
      {{(tree.root() / "rw" / "hello.txt").string(), "/x", true}});
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()),
              ::testing::HasSubstr("hello.txt"));

  auto unnamed =
      DirectPathBroker::Create({{(tree.root() / "rw").string(), "", true}});
  ASSERT_FALSE(unnamed.ok());
  EXPECT_EQ(unnamed.status().code(), absl::StatusCode::kInvalidArgument);
}

// In a read-write grant a file opens for reading and writing, and a created
// file lands in the folder.
TEST_F(DirectPathBrokerTest, OpenInReadWriteGrant) {
  PathReply r = Open(kRw, "hello.txt", O_RDONLY);
  ASSERT_EQ(r.error, kSuccess);
  EXPECT_EQ(ReadFd(r.fd), "hello");
  EXPECT_TRUE(S_ISREG(r.stat.mode));
  EXPECT_EQ(r.stat.size, 5u);
  EXPECT_EQ(r.new_dir, kNoDirHandle);  // a file has no handle
  EXPECT_EQ(fcntl(r.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);

  PathReply w = Open(kRw, "sub/new.txt", O_WRONLY | O_CREAT | O_EXCL);
  ASSERT_EQ(w.error, kSuccess);
  ASSERT_EQ(write(w.fd, "abc", 3), 3);
  EXPECT_EQ(ReadHostFile(Path("rw/sub/new.txt")), "abc");
  EXPECT_EQ(Open(kRw, "sub/new.txt", O_WRONLY | O_CREAT | O_EXCL).error,
            kExist);
  EXPECT_EQ(Open(kRw, "missing", O_RDONLY).error, kNoent);
  // The file was opened blocking although the broker opens O_NONBLOCK.
  EXPECT_EQ(fcntl(w.fd, F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(fcntl(Open(kRw, "hello.txt", O_RDONLY | O_NONBLOCK).fd, F_GETFL) &
                O_NONBLOCK,
            0);
  // A directory opened for writing is EISDIR, as open(2) says.
  EXPECT_EQ(Open(kRw, "sub", O_WRONLY | O_DIRECTORY).error, kIsdir);
}

// A read-only grant refuses every open that could write with EROFS, and
// what it does open cannot be written through.
TEST_F(DirectPathBrokerTest, ReadOnlyGrantGivesReadOnlyFds) {
  for (uint32_t flags :
       {O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_RDONLY | O_CREAT,
        O_RDONLY | O_APPEND, O_WRONLY | O_CREAT | O_EXCL}) {
    EXPECT_EQ(Open(kRo, "data.txt", flags).error, kRofs) << flags;
    EXPECT_EQ(Open(kRo, "new.txt", flags).error, kRofs) << flags;
  }
  EXPECT_EQ(Open(kRo, "dir", O_WRONLY | O_DIRECTORY).error, kRofs);
  EXPECT_FALSE(fs::exists(Path("ro/new.txt")));
  EXPECT_EQ(ReadHostFile(Path("ro/data.txt")), "read only data");

  PathReply r = Open(kRo, "data.txt", O_RDONLY);
  ASSERT_EQ(r.error, kSuccess);
  EXPECT_EQ(fcntl(r.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
  EXPECT_EQ(write(r.fd, "x", 1), -1);
  EXPECT_EQ(errno, EBADF);
  EXPECT_EQ(ftruncate(r.fd, 0), -1);
  EXPECT_EQ(ReadHostFile(Path("ro/data.txt")), "read only data");

  PathReply d = Open(kRo, "dir", O_RDONLY | O_DIRECTORY);
  ASSERT_EQ(d.error, kSuccess);
  EXPECT_EQ(fcntl(d.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
}

// `..`, absolute paths, /proc/self/root and symlinks planted to point out
// of a grant are ENOTCAPABLE for every op, and nothing outside changes.
TEST_F(DirectPathBrokerTest, EscapesAreNotCapable) {
  for (const char* grant : {"rw", "ro"}) {
    const std::string g = grant;
    fs::create_symlink("/etc", Path(g + "/etc_link"));
    fs::create_symlink("/proc/self/root", Path(g + "/proc_link"));
    fs::create_symlink("../outside", Path(g + "/up_link"));
  }
  for (const char* path :
       {"..", "../outside/secret.txt", "sub/../../outside/secret.txt",
        "/etc/passwd", "/proc/self/root/etc/passwd", "etc_link/passwd",
        "etc_link", "proc_link/etc/passwd", "up_link/secret.txt"}) {
    for (uint32_t dir : {kRw, kRo}) {
      EXPECT_EQ(Open(dir, path, O_RDONLY).error, kNotcapable) << path;
      EXPECT_EQ(broker_->Stat(dir, path, /*follow_symlinks=*/true).error,
                kNotcapable)
          << path;
    }
  }
  EXPECT_EQ(Open(kRw, "../outside/new", O_WRONLY | O_CREAT).error, kNotcapable);
  EXPECT_EQ(Open(kRw, "up_link/new", O_WRONLY | O_CREAT).error, kNotcapable);
  EXPECT_EQ(broker_->Mkdir(kRw, "../outside/d"), kNotcapable);
  EXPECT_EQ(broker_->Mkdir(kRw, "up_link/d"), kNotcapable);
  EXPECT_EQ(broker_->Mkdir(kRw, ".."), kNotcapable);
  EXPECT_EQ(broker_->Mkdir(kRw, "/tmp/d"), kNotcapable);
  EXPECT_EQ(broker_->Unlink(kRw, "../outside/secret.txt"), kNotcapable);
  EXPECT_EQ(broker_->Unlink(kRw, "up_link/secret.txt"), kNotcapable);
  EXPECT_EQ(broker_->Unlink(kRw, "/etc/passwd"), kNotcapable);
  EXPECT_EQ(broker_->Rmdir(kRw, "../outside"), kNotcapable);
  EXPECT_EQ(broker_->Rmdir(kRw, ".."), kNotcapable);
  EXPECT_EQ(broker_->Symlink("x", kRw, "../outside/l"), kNotcapable);
  EXPECT_EQ(broker_->SetTimes(kRw, "../outside/secret.txt", true, 0, 0, 4),
            kNotcapable);
  EXPECT_EQ(broker_->Readlink(kRw, "up_link/x").error, kNotcapable);
  EXPECT_EQ(ReadHostFile(Path("outside/secret.txt")), "secret");
  EXPECT_FALSE(fs::exists(Path("outside/new")));
  EXPECT_FALSE(fs::exists(Path("outside/d")));
  EXPECT_FALSE(fs::is_symlink(Path("outside/l")));
  // Without following, a final symlink is ELOOP (O_NOFOLLOW), not followed.
  EXPECT_EQ(Open(kRw, "etc_link", O_RDONLY | O_NOFOLLOW).error, kLoop);
  // `..` that stays inside is fine.
  EXPECT_EQ(Open(kRw, "sub/../hello.txt", O_RDONLY).error, kSuccess);
}

// A grant that holds /proc magic links (a grant of /proc/self) cannot be
// used to jump through them: RESOLVE_NO_MAGICLINKS makes them ELOOP.
TEST(DirectPathBrokerMagicLinkTest, MagicLinksAreRefused) {
  auto broker = DirectPathBroker::Create({{"/proc/self", "/proc", true}});
  ASSERT_TRUE(broker.ok()) << broker.status();
  for (const char* path : {"root/etc/passwd", "root", "cwd", "exe", "fd/0"}) {
    PathReply r = (*broker)->Open(0, path, O_RDONLY, false);
    EXPECT_EQ(r.error, kLoop) << path;
    EXPECT_EQ(r.fd, -1) << path;
  }
}

// A directory opened with want_dir_handle gets a handle that resolves
// beneath it, keeps the grant's rights, and lives until it is closed.
TEST_F(DirectPathBrokerTest, DirectoryHandleLifecycle) {
  PathReply sub = Open(kRw, "sub", O_RDONLY | O_DIRECTORY, true);
  ASSERT_EQ(sub.error, kSuccess);
  ASSERT_NE(sub.new_dir, kNoDirHandle);
  EXPECT_GT(sub.new_dir, kRo);  // never a grant's number
  EXPECT_TRUE(S_ISDIR(sub.stat.mode));
  EXPECT_THAT(ListFd(sub.fd), ::testing::Contains("inner.txt"));
  EXPECT_EQ(ReadFd(Open(sub.new_dir, "inner.txt", O_RDONLY).fd), "inner");
  EXPECT_EQ(broker_->Mkdir(sub.new_dir, "made"), kSuccess);
  EXPECT_TRUE(fs::is_directory(Path("rw/sub/made")));
  // Beneath the handle's own directory: `..` out of it is an escape.
  EXPECT_EQ(Open(sub.new_dir, "../hello.txt", O_RDONLY).error, kNotcapable);
  // A second open gets a different handle.
  PathReply again = Open(kRw, "sub", O_RDONLY | O_DIRECTORY, true);
  ASSERT_EQ(again.error, kSuccess);
  EXPECT_NE(again.new_dir, sub.new_dir);

  EXPECT_EQ(broker_->Close(sub.new_dir), kSuccess);
  EXPECT_EQ(broker_->Close(sub.new_dir), kBadf);
  EXPECT_EQ(Open(sub.new_dir, "inner.txt", O_RDONLY).error, kBadf);
  EXPECT_EQ(broker_->Mkdir(sub.new_dir, "x"), kBadf);
  EXPECT_EQ(broker_->Close(12345), kBadf);
  EXPECT_EQ(broker_->Close(kNoDirHandle), kBadf);
  // Grant handles cannot be closed and keep working.
  EXPECT_EQ(broker_->Close(kRw), kInval);
  EXPECT_EQ(Open(kRw, "hello.txt", O_RDONLY).error, kSuccess);
  // Not asked for, or not a directory: no handle.
  EXPECT_EQ(Open(kRw, "sub", O_RDONLY | O_DIRECTORY).new_dir, kNoDirHandle);
  EXPECT_EQ(Open(kRw, "hello.txt", O_RDONLY, true).new_dir, kNoDirHandle);

  // A handle beneath a read-only grant is read-only too.
  PathReply ro_dir = Open(kRo, "dir", O_RDONLY | O_DIRECTORY, true);
  ASSERT_EQ(ro_dir.error, kSuccess);
  EXPECT_EQ(Open(ro_dir.new_dir, "f", O_WRONLY | O_CREAT).error, kRofs);
  EXPECT_EQ(broker_->Mkdir(ro_dir.new_dir, "d"), kRofs);
  EXPECT_FALSE(fs::exists(Path("ro/dir/f")));
}

// At most kMaxOpenedDirs handles are held; one more is EMFILE until one is
// closed.
TEST_F(DirectPathBrokerTest, HandleTableIsBounded) {
  std::vector<uint32_t> handles;
  for (size_t i = 0; i < DirectPathBroker::kMaxOpenedDirs; ++i) {
    PathReply r = broker_->Open(kRw, "sub", O_RDONLY | O_DIRECTORY, true);
    ASSERT_EQ(r.error, kSuccess) << i;
    close(r.fd);
    handles.push_back(r.new_dir);
  }
  EXPECT_EQ(Open(kRw, "sub", O_RDONLY | O_DIRECTORY, true).error, kMfile);
  EXPECT_EQ(broker_->Close(handles.back()), kSuccess);
  EXPECT_EQ(Open(kRw, "sub", O_RDONLY | O_DIRECTORY, true).error, kSuccess);
}

// Open of "." with O_DIRECTORY on a grant handle is how a worker gets a
// real directory fd of a preopen: readable with getdents, not writable.
TEST_F(DirectPathBrokerTest, OpenDotGivesTheGrantFolder) {
  for (uint32_t dir : {kRw, kRo}) {
    PathReply r = Open(dir, ".", O_RDONLY | O_DIRECTORY);
    ASSERT_EQ(r.error, kSuccess);
    EXPECT_TRUE(S_ISDIR(r.stat.mode));
    EXPECT_EQ(fcntl(r.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
    EXPECT_THAT(ListFd(r.fd),
                ::testing::Contains(dir == kRw ? "hello.txt" : "data.txt"));
  }
}

// FIFOs (and other non-files) are refused at once, without blocking: a
// read open is ENOTSUP, a write open without a reader ENXIO (the
// non-blocking open(2) of a FIFO says so before the broker can look).
TEST_F(DirectPathBrokerTest, FifoIsNotSupportedAndDoesNotBlock) {
  ASSERT_EQ(mkfifo(Path("rw/fifo").c_str(), 0600), 0);
  EXPECT_EQ(Open(kRw, "fifo", O_RDONLY).error, kNotsup);
  EXPECT_EQ(Open(kRw, "fifo", O_WRONLY).error, 60u);  // ENXIO
  EXPECT_EQ(Open(kRo, "../rw/fifo", O_RDONLY).error, kNotcapable);
}

// Requests a well-behaved host never sends are refused, not acted on.
TEST_F(DirectPathBrokerTest, MalformedRequestsAreRefused) {
  EXPECT_EQ(Open(kRw, std::string("hello.txt\0x", 11), O_RDONLY).error, kInval);
  EXPECT_EQ(Open(kRw, std::string(5000, 'a'), O_RDONLY).error, kNametoolong);
  EXPECT_EQ(broker_->Symlink(std::string("a\0b", 3), kRw, "l"), kInval);
  EXPECT_EQ(Open(kRw, ".", O_PATH).error, kInval);
  EXPECT_EQ(Open(kRw, ".", O_TMPFILE | O_RDWR).error, kInval);
  EXPECT_EQ(Open(kRw, "hello.txt", O_ACCMODE).error, kInval);
  EXPECT_EQ(Open(kRw, "hello.txt", O_RDONLY | O_ASYNC).error, kInval);
  PathRequest unknown;
  unknown.op = static_cast<PathOp>(99);
  unknown.dir = kRw;
  unknown.path = "hello.txt";
  EXPECT_EQ(broker_->Handle(unknown).error, kInval);
  // Unknown handles, for every op that takes one.
  const uint32_t bad = 77;
  EXPECT_EQ(Open(bad, "hello.txt", O_RDONLY).error, kBadf);
  EXPECT_EQ(broker_->Mkdir(bad, "d"), kBadf);
  EXPECT_EQ(broker_->Rmdir(bad, "d"), kBadf);
  EXPECT_EQ(broker_->Unlink(bad, "hello.txt"), kBadf);
  EXPECT_EQ(broker_->Rename(kRw, "hello.txt", bad, "x"), kBadf);
  EXPECT_EQ(broker_->Rename(bad, "hello.txt", kRw, "x"), kBadf);
  EXPECT_EQ(broker_->Symlink("x", bad, "l"), kBadf);
  EXPECT_EQ(broker_->Link(kRw, "hello.txt", false, bad, "x"), kBadf);
  EXPECT_EQ(broker_->Readlink(bad, "l").error, kBadf);
  EXPECT_EQ(broker_->Stat(bad, "hello.txt", true).error, kBadf);
  EXPECT_EQ(broker_->SetTimes(bad, "hello.txt", true, 0, 0, 2), kBadf);
  EXPECT_TRUE(fs::exists(Path("rw/hello.txt")));
}

// mkdir, rmdir and unlink behave like POSIX inside a read-write grant.
TEST_F(DirectPathBrokerTest, MkdirRmdirUnlink) {
  EXPECT_EQ(broker_->Mkdir(kRw, "d"), kSuccess);
  EXPECT_TRUE(fs::is_directory(Path("rw/d")));
  EXPECT_EQ(broker_->Mkdir(kRw, "d"), kExist);
  EXPECT_EQ(broker_->Mkdir(kRw, "."), kExist);
  EXPECT_EQ(broker_->Mkdir(kRw, ""), kNoent);
  EXPECT_EQ(broker_->Unlink(kRw, "d"), kIsdir);
  EXPECT_EQ(broker_->Unlink(kRw, "hello.txt/"), kNotdir);
  EXPECT_EQ(broker_->Rmdir(kRw, "hello.txt"), kNotdir);
  EXPECT_EQ(broker_->Rmdir(kRw, "sub"), kNotempty);
  EXPECT_EQ(broker_->Rmdir(kRw, "."), kInval);
  EXPECT_EQ(broker_->Rmdir(kRw, "d/"), kSuccess);
  EXPECT_FALSE(fs::exists(Path("rw/d")));
  EXPECT_EQ(broker_->Unlink(kRw, "hello.txt"), kSuccess);
  EXPECT_FALSE(fs::exists(Path("rw/hello.txt")));
  EXPECT_EQ(broker_->Unlink(kRw, "hello.txt"), kNoent);
}

// Every mutation on a read-only grant is EROFS and changes nothing.
TEST_F(DirectPathBrokerTest, ReadOnlyGrantRefusesMutations) {
  EXPECT_EQ(broker_->Mkdir(kRo, "d"), kRofs);
  EXPECT_EQ(broker_->Rmdir(kRo, "dir"), kRofs);
  EXPECT_EQ(broker_->Unlink(kRo, "data.txt"), kRofs);
  EXPECT_EQ(broker_->Rename(kRo, "data.txt", kRo, "moved.txt"), kRofs);
  EXPECT_EQ(broker_->Rename(kRw, "hello.txt", kRo, "hello.txt"), kRofs);
  EXPECT_EQ(broker_->Rename(kRo, "data.txt", kRw, "stolen.txt"), kRofs);
  EXPECT_EQ(broker_->Symlink("data.txt", kRo, "l"), kRofs);
  EXPECT_EQ(broker_->Link(kRo, "data.txt", false, kRo, "again"), kRofs);
  EXPECT_EQ(broker_->Link(kRo, "data.txt", false, kRw, "writable"), kRofs);
  EXPECT_EQ(broker_->SetTimes(kRo, "data.txt", true, 0, 0, /*MTIM_NOW=*/8),
            kRofs);
  EXPECT_TRUE(fs::exists(Path("ro/data.txt")));
  EXPECT_TRUE(fs::is_directory(Path("ro/dir")));
  EXPECT_FALSE(fs::exists(Path("ro/d")));
  EXPECT_FALSE(fs::exists(Path("ro/moved.txt")));
  EXPECT_FALSE(fs::exists(Path("ro/l")));
  EXPECT_FALSE(fs::exists(Path("rw/stolen.txt")));
  EXPECT_FALSE(fs::exists(Path("rw/writable")));
}

// rename works within and between read-write grants and cannot move a file
// out of a grant or bring one in.
TEST_F(DirectPathBrokerTest, RenameStaysInside) {
  fs::create_directories(Path("rw2"));
  auto two = DirectPathBroker::Create({{Path("rw").string(), "/rw", false},
                                       {Path("rw2").string(), "/b", false}});
  ASSERT_TRUE(two.ok()) << two.status();
  PathBroker& b = **two;
  EXPECT_EQ(b.Rename(0, "hello.txt", 0, "../outside/hello.txt"), kNotcapable);
  EXPECT_EQ(b.Rename(0, "hello.txt", 0, "/tmp/hello.txt"), kNotcapable);
  EXPECT_EQ(b.Rename(0, "hello.txt", 0, ".."), kNotcapable);
  EXPECT_EQ(b.Rename(0, "../outside/secret.txt", 0, "got.txt"), kNotcapable);
  EXPECT_EQ(b.Rename(0, "hello.txt", 0, "."), 10u);  // EBUSY, as Linux says
  EXPECT_TRUE(fs::exists(Path("rw/hello.txt")));
  EXPECT_TRUE(fs::exists(Path("outside/secret.txt")));
  EXPECT_FALSE(fs::exists(Path("rw/got.txt")));

  EXPECT_EQ(b.Rename(0, "hello.txt", 0, "sub/renamed.txt"), kSuccess);
  EXPECT_EQ(ReadHostFile(Path("rw/sub/renamed.txt")), "hello");
  EXPECT_EQ(b.Rename(0, "sub/renamed.txt", 1, "moved.txt"), kSuccess);
  EXPECT_EQ(ReadHostFile(Path("rw2/moved.txt")), "hello");
  EXPECT_FALSE(fs::exists(Path("rw/sub/renamed.txt")));
}

// Between grants on two filesystems rename is EXDEV, as rename(2) says.
TEST_F(DirectPathBrokerTest, RenameAcrossFilesystemsIsXdev) {
  struct stat tmp_st, shm_st;
  if (stat("/dev/shm", &shm_st) != 0 ||
      stat(tree_.root().c_str(), &tmp_st) != 0 ||
      shm_st.st_dev == tmp_st.st_dev) {
    GTEST_SKIP() << "no second filesystem at /dev/shm";
  }
  char tmpl[] = "/dev/shm/airlock_path_broker_test_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  auto two = DirectPathBroker::Create(
      {{Path("rw").string(), "/rw", false}, {tmpl, "/shm", false}});
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ((*two)->Rename(0, "hello.txt", 1, "hello.txt"), kXdev);
  EXPECT_TRUE(fs::exists(Path("rw/hello.txt")));
  fs::remove_all(tmpl);
}

// symlink stores its contents as given; following it cannot leave the
// grant, and readlink returns the contents.
TEST_F(DirectPathBrokerTest, SymlinkAndReadlink) {
  EXPECT_EQ(broker_->Symlink("/etc", kRw, "abs"), kSuccess);
  EXPECT_EQ(fs::read_symlink(Path("rw/abs")), "/etc");
  EXPECT_EQ(Open(kRw, "abs/passwd", O_RDONLY).error, kNotcapable);
  EXPECT_EQ(broker_->Symlink("hello.txt", kRw, "rel"), kSuccess);
  EXPECT_EQ(ReadFd(Open(kRw, "rel", O_RDONLY).fd), "hello");
  EXPECT_EQ(broker_->Symlink("x", kRw, "rel"), kExist);
  EXPECT_EQ(broker_->Symlink("x", kRw, "."), kExist);

  PathReply link = broker_->Readlink(kRw, "abs");
  EXPECT_EQ(link.error, kSuccess);
  EXPECT_EQ(link.data, "/etc");
  const std::string long_target(4000, 'x');
  EXPECT_EQ(broker_->Symlink(long_target, kRw, "long"), kSuccess);
  EXPECT_EQ(broker_->Readlink(kRw, "long").data, long_target);
  // Not a link: readlinkat(fd, "") says ENOENT (EINVAL on newer kernels).
  EXPECT_THAT(broker_->Readlink(kRw, "hello.txt").error,
              ::testing::AnyOf(kNoent, kInval));
  EXPECT_EQ(broker_->Readlink(kRw, "missing").error, kNoent);
}

// Hard links stay inside read-write grants; a followed symlink links its
// target, never anything outside.
TEST_F(DirectPathBrokerTest, LinkStaysInside) {
  EXPECT_EQ(broker_->Link(kRw, "hello.txt", false, kRw, "again.txt"), kSuccess);
  EXPECT_EQ(ReadHostFile(Path("rw/again.txt")), "hello");
  EXPECT_EQ(broker_->Link(kRw, "hello.txt", false, kRw, "../outside/l"),
            kNotcapable);
  EXPECT_EQ(broker_->Link(kRw, "../outside/secret.txt", false, kRw, "stolen"),
            kNotcapable);
  fs::create_symlink("hello.txt", Path("rw/rel"));
  fs::create_symlink("../outside/secret.txt", Path("rw/up"));
  EXPECT_EQ(broker_->Link(kRw, "rel", true, kRw, "followed"), kSuccess);
  EXPECT_FALSE(fs::is_symlink(Path("rw/followed")));
  EXPECT_EQ(ReadHostFile(Path("rw/followed")), "hello");
  EXPECT_EQ(broker_->Link(kRw, "up", true, kRw, "stolen"), kNotcapable);
  // Not followed: the link itself is linked (and still cannot escape).
  EXPECT_EQ(broker_->Link(kRw, "up", false, kRw, "up2"), kSuccess);
  EXPECT_TRUE(fs::is_symlink(Path("rw/up2")));
  EXPECT_EQ(Open(kRw, "up2", O_RDONLY).error, kNotcapable);
  EXPECT_EQ(broker_->Link(kRw, "sub", false, kRw, "sub2"), 63u);  // EPERM
  EXPECT_EQ(broker_->Link(kRw, "hello.txt/", false, kRw, "x"), kNotdir);
  EXPECT_FALSE(fs::exists(Path("rw/stolen")));
}

// stat reports the fields the WASI host needs, of the link itself unless
// asked to follow.
TEST_F(DirectPathBrokerTest, Stat) {
  struct stat host;
  ASSERT_EQ(stat(Path("rw/hello.txt").c_str(), &host), 0);
  PathReply r = broker_->Stat(kRw, "hello.txt", false);
  ASSERT_EQ(r.error, kSuccess);
  EXPECT_EQ(r.stat.dev, host.st_dev);
  EXPECT_EQ(r.stat.ino, host.st_ino);
  EXPECT_EQ(r.stat.mode, host.st_mode);
  EXPECT_EQ(r.stat.nlink, 1u);
  EXPECT_EQ(r.stat.size, 5u);
  EXPECT_EQ(r.stat.mtim_ns,
            static_cast<uint64_t>(host.st_mtim.tv_sec) * 1000000000ull +
                host.st_mtim.tv_nsec);
  fs::create_symlink("hello.txt", Path("rw/rel"));
  EXPECT_TRUE(S_ISLNK(broker_->Stat(kRw, "rel", false).stat.mode));
  EXPECT_TRUE(S_ISREG(broker_->Stat(kRw, "rel", true).stat.mode));
  EXPECT_TRUE(S_ISDIR(broker_->Stat(kRo, ".", false).stat.mode));
  EXPECT_EQ(broker_->Stat(kRw, "missing", false).error, kNoent);
}

// set times writes the times asked for, and refuses contradictory flags.
TEST_F(DirectPathBrokerTest, SetTimes) {
  const uint64_t t = 1'000'000'000ull * 1'600'000'000ull + 123;
  // ATIM | MTIM: both set to t.
  EXPECT_EQ(broker_->SetTimes(kRw, "hello.txt", true, t, t, 1 | 4), kSuccess);
  PathReply r = broker_->Stat(kRw, "hello.txt", true);
  EXPECT_EQ(r.stat.atim_ns, t);
  EXPECT_EQ(r.stat.mtim_ns, t);
  // MTIM together with MTIM_NOW.
  EXPECT_EQ(broker_->SetTimes(kRw, "hello.txt", true, 0, 0, 4 | 8), kInval);
  EXPECT_EQ(broker_->SetTimes(kRw, "hello.txt", true, 0, 0, 16), kInval);
  EXPECT_EQ(broker_->SetTimes(kRw, "missing", true, 0, 0, 8), kNoent);
}

size_t OpenFdCount() {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    (void)e;
    ++n;
  }
  return n;
}

// A broker (and the WasiContext using it) leaves no fd behind: grant fds,
// handle fds and the fds of files and directories the guest left open are
// all closed when they go.
TEST(PathBrokerLifetimeTest, NoFdOutlivesTheBroker) {
  TempTree tree;
  const size_t before = OpenFdCount();
  {
    auto broker = DirectPathBroker::Create(tree.Grants());
    ASSERT_TRUE(broker.ok()) << broker.status();
    WasiConfig config;
    config.dirs = tree.Grants();
    config.broker = *std::move(broker);
    auto ctx = WasiContext::Create(std::move(config));
    ASSERT_TRUE(ctx.ok()) << ctx.status();
    std::vector<uint8_t> mem(1 << 16);
    airlock_memory memory{};
    memory.base = mem.data();
    memory.size = mem.size();
    airlock_instance_header header{};
    (*ctx)->Bind(&memory, &header);
    airlock_import_desc desc{};
    desc.module = "wasi_snapshot_preview1";
    desc.kind = AIRLOCK_EXTERN_FUNC;
    desc.name = "path_open";
    auto open = std::get<std::shared_ptr<HostFunction>>(*(*ctx)->Resolve(desc));
    desc.name = "fd_filestat_get";
    auto stat = std::get<std::shared_ptr<HostFunction>>(*(*ctx)->Resolve(desc));
    std::memcpy(mem.data() + 100, "sub", 3);
    std::memcpy(mem.data() + 200, "hello.txt", 9);
    for (auto [path, len, oflags] :
         {std::tuple{100u, 3u, 2u}, std::tuple{200u, 9u, 0u}}) {
      airlock_value args[9] = {};
      args[0].i32 = 3;  // the rw preopen
      args[1].i32 = 1;
      args[2].i32 = path;
      args[3].i32 = len;
      args[4].i32 = oflags;
      args[5].i64 = args[6].i64 = (1 << 1) | (1 << 13) | (1 << 14);
      args[8].i32 = 300;
      airlock_value result[1] = {};
      open->call(args, result);
      EXPECT_EQ(result[0].i32, kSuccess);
    }
    // A preopen's own directory fd is fetched too.
    airlock_value args[2] = {};
    args[0].i32 = 4;
    args[1].i32 = 400;
    airlock_value result[1] = {};
    stat->call(args, result);
    EXPECT_EQ(result[0].i32, kSuccess);
    EXPECT_GT(OpenFdCount(), before + 2);
  }
  EXPECT_EQ(OpenFdCount(), before);
}

// A broker that forwards to a DirectPathBroker and records every request,
// as a worker's transport would see them.
class RecordingBroker : public PathBroker {
 public:
  explicit RecordingBroker(std::unique_ptr<PathBroker> inner)
      : inner_(std::move(inner)) {}
  PathReply Handle(const PathRequest& request) override {
    requests.push_back(request);
    return inner_->Handle(request);
  }
  // The ops recorded for `path`, in order.
  std::vector<PathOp> OpsOn(const std::string& path) const {
    std::vector<PathOp> ops;
    for (const PathRequest& r : requests) {
      if (r.path == path) ops.push_back(r.op);
    }
    return ops;
  }
  std::vector<PathRequest> requests;

 private:
  std::unique_ptr<PathBroker> inner_;
};

constexpr uint32_t kMemSize = 1 << 16;
constexpr uint32_t kPathAddr = 1024;
constexpr uint32_t kPath2Addr = 2048;
constexpr uint32_t kOut = 4096;
constexpr uint32_t kIov = 5120;
constexpr uint32_t kBuf = 8192;
constexpr uint64_t kRightFdRead = 1 << 1;
constexpr uint64_t kRightFdWrite = 1 << 6;
constexpr uint64_t kRightPathOpen = 1 << 13;
constexpr uint64_t kRightFdReaddir = 1 << 14;
constexpr uint32_t kOflagCreat = 1;
constexpr uint32_t kOflagDirectory = 2;

// A WasiContext over a RecordingBroker, called through its imports as a
// guest would call them.
class BrokeredWasiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tree_.root().empty());
    memory_buf_.assign(kMemSize, 0);
    memory_.base = memory_buf_.data();
    memory_.size = kMemSize;
    memory_.pages = kMemSize / AIRLOCK_PAGE_SIZE;
    memory_.max_pages = memory_.pages;
    memory_.registration = -1;
  }
  // `broker_grants` are what the broker serves; the guest sees `dirs`.
  void MakeContext(const std::vector<DirGrant>& broker_grants,
                   std::vector<DirGrant> dirs) {
    auto direct = DirectPathBroker::Create(broker_grants);
    ASSERT_TRUE(direct.ok()) << direct.status();
    recorder_ = std::make_shared<RecordingBroker>(*std::move(direct));
    WasiConfig config;
    config.dirs = std::move(dirs);
    config.broker = recorder_;
    auto ctx = WasiContext::Create(std::move(config));
    ASSERT_TRUE(ctx.ok()) << ctx.status();
    ctx_ = *std::move(ctx);
    ctx_->Bind(&memory_, &header_);
  }
  // The guest's view: the preopens name no host folder at all.
  static std::vector<DirGrant> GuestView(bool rw_read_only = false) {
    return {{"/nonexistent/never/opened", "/rw", rw_read_only},
            {"/nonexistent/never/opened", "/ro", true}};
  }

  uint32_t Call(const char* name, std::vector<uint64_t> args) {
    airlock_import_desc desc{};
    desc.module = "wasi_snapshot_preview1";
    desc.name = name;
    desc.kind = AIRLOCK_EXTERN_FUNC;
    auto ext = ctx_->Resolve(desc);
    EXPECT_TRUE(ext.ok()) << ext.status();
    if (!ext.ok()) return 0xffff;
    auto fn = std::get<std::shared_ptr<HostFunction>>(*ext);
    std::vector<airlock_value> values(args.size());
    size_t i = 0;
    for (char c : fn->type) {
      if (c == '>') break;
      if (c == 'I') {
        values[i].i64 = args[i];
      } else {
        values[i].i32 = static_cast<uint32_t>(args[i]);
      }
      ++i;
    }
    EXPECT_EQ(i, args.size()) << name;
    airlock_value result[1] = {};
    EXPECT_EQ(fn->call(values.data(), result), AIRLOCK_TRAP_NONE) << name;
    return result[0].i32;
  }
  void Put(uint32_t addr, std::string_view s) {
    std::memcpy(memory_buf_.data() + addr, s.data(), s.size());
  }
  template <typename T>
  T Get(uint32_t addr) {
    T v;
    std::memcpy(&v, memory_buf_.data() + addr, sizeof v);
    return v;
  }
  template <typename T>
  void PutT(uint32_t addr, T v) {
    std::memcpy(memory_buf_.data() + addr, &v, sizeof v);
  }
  uint32_t Open(uint32_t dir, std::string_view path, uint32_t oflags,
                uint64_t rights, uint32_t* fd) {
    Put(kPathAddr, path);
    uint32_t err = Call("path_open", {dir, 1, kPathAddr, path.size(), oflags,
                                      rights, rights, 0, kOut});
    if (err == kSuccess) *fd = Get<uint32_t>(kOut);
    return err;
  }
  uint32_t Write(uint32_t fd, std::string_view data) {
    Put(kBuf, data);
    PutT<uint32_t>(kIov, kBuf);
    PutT<uint32_t>(kIov + 4, static_cast<uint32_t>(data.size()));
    return Call("fd_write", {fd, kIov, 1, kOut});
  }
  std::string Read(uint32_t fd) {
    PutT<uint32_t>(kIov, kBuf);
    PutT<uint32_t>(kIov + 4, 1000);
    EXPECT_EQ(Call("fd_read", {fd, kIov, 1, kOut}), kSuccess);
    return std::string(reinterpret_cast<const char*>(memory_buf_.data() + kBuf),
                       Get<uint32_t>(kOut));
  }
  // The names fd_readdir lists for `fd`.
  std::set<std::string> Readdir(uint32_t fd) {
    EXPECT_EQ(Call("fd_readdir", {fd, kBuf, 4096, 0, kOut}), kSuccess);
    std::set<std::string> names;
    const uint32_t used = Get<uint32_t>(kOut);
    for (uint32_t pos = 0; pos + 24 <= used;) {
      const uint32_t namlen = Get<uint32_t>(kBuf + pos + 16);
      names.insert(std::string(
          reinterpret_cast<const char*>(memory_buf_.data() + kBuf + pos + 24),
          namlen));
      pos += 24 + namlen;
    }
    return names;
  }
  uint32_t TwoPathCall(const char* name, uint32_t dir, std::string_view from,
                       uint32_t dir2, std::string_view to) {
    Put(kPathAddr, from);
    Put(kPath2Addr, to);
    return Call(name,
                {dir, kPathAddr, from.size(), dir2, kPath2Addr, to.size()});
  }

  TempTree tree_;
  std::vector<uint8_t> memory_buf_;
  airlock_memory memory_{};
  airlock_instance_header header_{};
  std::shared_ptr<RecordingBroker> recorder_;
  std::unique_ptr<WasiContext> ctx_;
};

// With a broker configured the guest works end to end (create, write, read
// back, readdir, rename, unlink) and every path operation is a request to
// that broker; the preopens' host paths are never opened.
TEST_F(BrokeredWasiTest, EveryPathCallGoesThroughTheBroker) {
  MakeContext(tree_.Grants(), GuestView());
  EXPECT_TRUE(recorder_->requests.empty());  // nothing opened up front
  const fs::path rw = tree_.root() / "rw";

  uint32_t fd;
  ASSERT_EQ(Open(3, "new.txt", kOflagCreat, kRightFdRead | kRightFdWrite, &fd),
            kSuccess);
  EXPECT_EQ(Write(fd, "brokered"), kSuccess);
  EXPECT_EQ(Call("fd_close", {fd}), kSuccess);
  EXPECT_EQ(ReadHostFile(rw / "new.txt"), "brokered");
  ASSERT_EQ(Open(3, "new.txt", 0, kRightFdRead, &fd), kSuccess);
  EXPECT_EQ(Read(fd), "brokered");
  EXPECT_EQ(Call("fd_close", {fd}), kSuccess);

  // readdir of a preopen: the broker hands out the grant folder itself.
  const std::set<std::string> listed = Readdir(3);
  EXPECT_EQ(listed.count("new.txt"), 1u);
  EXPECT_EQ(listed.count("hello.txt"), 1u);
  EXPECT_THAT(recorder_->OpsOn("."), ::testing::ElementsAre(PathOp::kOpen));
  const PathRequest& dot = recorder_->requests.back();
  EXPECT_EQ(dot.dir, 0u);
  EXPECT_NE(dot.open_flags & O_DIRECTORY, 0u);
  EXPECT_EQ(dot.open_flags & O_ACCMODE, static_cast<uint32_t>(O_RDONLY));
  // ...once: the fd is kept for later calls.
  EXPECT_THAT(Readdir(3), ::testing::Contains("new.txt"));
  EXPECT_EQ(recorder_->OpsOn(".").size(), 1u);

  EXPECT_EQ(TwoPathCall("path_rename", 3, "new.txt", 3, "renamed.txt"),
            kSuccess);
  EXPECT_TRUE(fs::exists(rw / "renamed.txt"));
  Put(kPathAddr, "renamed.txt");
  EXPECT_EQ(Call("path_unlink_file", {3, kPathAddr, 11}), kSuccess);
  EXPECT_FALSE(fs::exists(rw / "renamed.txt"));
  Put(kPathAddr, "made");
  EXPECT_EQ(Call("path_create_directory", {3, kPathAddr, 4}), kSuccess);
  EXPECT_TRUE(fs::is_directory(rw / "made"));
  Put(kPathAddr, "hello.txt");
  EXPECT_EQ(Call("path_filestat_get", {3, 1, kPathAddr, 9, kBuf}), kSuccess);
  EXPECT_EQ(Get<uint64_t>(kBuf + 32), 5u);  // size

  EXPECT_THAT(
      recorder_->OpsOn("new.txt"),
      ::testing::ElementsAre(PathOp::kOpen, PathOp::kOpen, PathOp::kRename));
  EXPECT_THAT(recorder_->OpsOn("renamed.txt"),
              ::testing::ElementsAre(PathOp::kUnlink));
  EXPECT_THAT(recorder_->OpsOn("made"), ::testing::ElementsAre(PathOp::kMkdir));
  EXPECT_THAT(recorder_->OpsOn("hello.txt"),
              ::testing::ElementsAre(PathOp::kStat));
  EXPECT_EQ(recorder_->requests.size(), 7u);  // nothing else was asked
}

// A directory the guest opens gets a broker handle: paths relative to it go
// to the broker with that handle, and closing the fd releases it.
TEST_F(BrokeredWasiTest, GuestDirectoryFdsUseTheirOwnHandle) {
  MakeContext(tree_.Grants(), GuestView());
  uint32_t dfd;
  ASSERT_EQ(Open(3, "sub", kOflagDirectory,
                 kRightFdRead | kRightFdReaddir | kRightPathOpen, &dfd),
            kSuccess);
  ASSERT_EQ(recorder_->requests.size(), 1u);
  EXPECT_TRUE(recorder_->requests[0].want_dir_handle);
  EXPECT_THAT(Readdir(dfd), ::testing::Contains("inner.txt"));
  uint32_t fd;
  ASSERT_EQ(Open(dfd, "inner.txt", 0, kRightFdRead, &fd), kSuccess);
  EXPECT_EQ(Read(fd), "inner");
  const uint32_t handle = recorder_->requests.back().dir;
  EXPECT_GT(handle, 1u);  // not a grant's
  EXPECT_EQ(Call("fd_close", {dfd}), kSuccess);
  ASSERT_EQ(recorder_->requests.back().op, PathOp::kClose);
  EXPECT_EQ(recorder_->requests.back().dir, handle);
  // The broker no longer knows the handle.
  EXPECT_EQ(recorder_->Close(handle), kBadf);

  // Directory fds still open when the context goes are released too.
  ASSERT_EQ(Open(3, "sub", kOflagDirectory, kRightFdReaddir, &dfd), kSuccess);
  recorder_->requests.clear();
  ctx_.reset();
  ASSERT_EQ(recorder_->requests.size(), 1u);
  EXPECT_EQ(recorder_->requests[0].op, PathOp::kClose);
  EXPECT_EQ(recorder_->Close(recorder_->requests[0].dir), kBadf);
}

// The broker's grant rights win over what the guest is told: a folder the
// guest believes writable but the broker serves read-only refuses writes.
TEST_F(BrokeredWasiTest, BrokerEnforcesReadOnlyWhateverTheHostBelieves) {
  MakeContext({{(tree_.root() / "ro").string(), "/rw", true}},
              {{"/unused", "/rw", false}});
  uint32_t fd;
  EXPECT_EQ(Open(3, "new.txt", kOflagCreat, kRightFdWrite, &fd), kRofs);
  EXPECT_EQ(Open(3, "data.txt", 0, kRightFdRead | kRightFdWrite, &fd), kRofs);
  Put(kPathAddr, "data.txt");
  EXPECT_EQ(Call("path_unlink_file", {3, kPathAddr, 8}), kRofs);
  EXPECT_FALSE(fs::exists(tree_.root() / "ro" / "new.txt"));
  EXPECT_TRUE(fs::exists(tree_.root() / "ro" / "data.txt"));
  ASSERT_EQ(Open(3, "data.txt", 0, kRightFdRead, &fd), kSuccess);
  EXPECT_EQ(Read(fd), "read only data");
}

// With a broker the guest paths are still checked; the host paths are not
// looked at.
TEST_F(BrokeredWasiTest, GuestPathsAreCheckedWithABroker) {
  auto direct = DirectPathBroker::Create({});
  ASSERT_TRUE(direct.ok());
  WasiConfig config;
  config.broker = *std::move(direct);
  config.dirs = {{"/nonexistent", "", false}};
  auto ctx = WasiContext::Create(std::move(config));
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace airlock::sandbox
