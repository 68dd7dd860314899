#include "sandbox/worker/seccomp_policy.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace airlock::sandbox::worker {
namespace {

struct ArchCase {
  const char* name;
  uint32_t scmp_arch;
  uint32_t audit_arch;
};

const ArchCase kArches[] = {
    {"x86_64", SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64},
    {"aarch64", SCMP_ARCH_AARCH64, AUDIT_ARCH_AARCH64},
    {"riscv64", SCMP_ARCH_RISCV64, AUDIT_ARCH_RISCV64},
};

std::vector<sock_filter> Instructions(const std::string& bpf) {
  std::vector<sock_filter> program(bpf.size() / sizeof(sock_filter));
  std::memcpy(program.data(), bpf.data(), program.size() * sizeof(sock_filter));
  return program;
}

// Forks, runs `body` in the child, and returns the child's wait status
// (exit 0 when `body` returns).
int RunInChild(const std::function<void()>& body) {
  const pid_t pid = fork();
  if (pid == 0) {
    body();
    _exit(0);
  }
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  return status;
}

class SeccompPolicyArchTest : public ::testing::TestWithParam<ArchCase> {};

// Each supported architecture gets a filter whose first instructions kill
// the process when a call comes from any other architecture.
TEST_P(SeccompPolicyArchTest, ExportsAFilterThatChecksItsArchitecture) {
  absl::StatusOr<SeccompPolicy> policy =
      SeccompPolicy::Build(GetParam().scmp_arch);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->audit_arch(), GetParam().audit_arch);
  absl::StatusOr<std::string> bpf = policy->ExportBpf();
  ASSERT_TRUE(bpf.ok()) << bpf.status();
  ASSERT_FALSE(bpf->empty());
  ASSERT_EQ(bpf->size() % sizeof(sock_filter), 0u);
  const std::vector<sock_filter> program = Instructions(*bpf);
  ASSERT_LE(program.size(), size_t{BPF_MAXINSNS});
  ASSERT_GE(program.size(), 3u);

  EXPECT_EQ(program[0].code, BPF_LD | BPF_W | BPF_ABS);
  EXPECT_EQ(program[0].k, offsetof(seccomp_data, arch));
  EXPECT_EQ(program[1].code, BPF_JMP | BPF_JEQ | BPF_K);
  EXPECT_EQ(program[1].k, GetParam().audit_arch);
  // Where a foreign architecture jumps: an immediate kill-process return.
  const size_t mismatch = 2 + program[1].jf;
  ASSERT_LT(mismatch, program.size());
  EXPECT_EQ(program[mismatch].code, BPF_RET | BPF_K);
  EXPECT_EQ(program[mismatch].k, SECCOMP_RET_KILL_PROCESS);
}

INSTANTIATE_TEST_SUITE_P(Arches, SeccompPolicyArchTest,
                         ::testing::ValuesIn(kArches),
                         [](const ::testing::TestParamInfo<ArchCase>& info) {
                           return info.param.name;
                         });

// A call that an architecture lacks (poll on aarch64 and riscv64, which
// only have ppoll) is left out of that filter instead of failing the build.
TEST(SeccompPolicyTest, SkipsSyscallsAnArchitectureLacks) {
  absl::StatusOr<SeccompPolicy> x86 = SeccompPolicy::Build(SCMP_ARCH_X86_64);
  ASSERT_TRUE(x86.ok()) << x86.status();
  EXPECT_TRUE(x86->absent_syscalls().empty());
  for (uint32_t arch : {SCMP_ARCH_AARCH64, SCMP_ARCH_RISCV64}) {
    absl::StatusOr<SeccompPolicy> policy = SeccompPolicy::Build(arch);
    ASSERT_TRUE(policy.ok()) << policy.status();
    const std::vector<std::string>& absent = policy->absent_syscalls();
    EXPECT_NE(std::find(absent.begin(), absent.end(), "poll"), absent.end());
    EXPECT_EQ(std::find(absent.begin(), absent.end(), "ppoll"), absent.end());
  }
}

// Only the three architectures the project supports get a policy; the error
// names them.
TEST(SeccompPolicyTest, RefusesOtherArchitectures) {
  absl::StatusOr<SeccompPolicy> policy = SeccompPolicy::Build(SCMP_ARCH_X86);
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(policy.status().message().find("x86-64, aarch64 and riscv64"),
            absl::string_view::npos)
      << policy.status();
}

// Bytes that are not a worker filter for this machine are refused before
// the kernel sees them: the process stays unconfined and can still open a
// file afterwards.
TEST(SeccompPolicyTest, InstallPrebuiltRefusesWhatIsNotANativeWorkerFilter) {
  const uint32_t foreign = seccomp_arch_native() == SCMP_ARCH_AARCH64
                               ? SCMP_ARCH_X86_64
                               : SCMP_ARCH_AARCH64;
  absl::StatusOr<SeccompPolicy> policy = SeccompPolicy::Build(foreign);
  ASSERT_TRUE(policy.ok()) << policy.status();
  absl::StatusOr<std::string> foreign_bpf = policy->ExportBpf();
  ASSERT_TRUE(foreign_bpf.ok()) << foreign_bpf.status();

  const int status = RunInChild([&] {
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    for (const std::string& bad :
         {std::string(), std::string("1234567"), *foreign_bpf}) {
      absl::Status s = SeccompPolicy::InstallPrebuilt(bad);
      if (s.code() != absl::StatusCode::kInvalidArgument) _exit(1);
    }
    if (access("/proc/self/stat", R_OK) != 0) _exit(2);
  });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// The zygote's flow: one export, installed by several forked children.
// Each child may signal itself but dies signalling its parent, so the
// own-process rule names each child, not the process that built it.
TEST(SeccompPolicyTest, FilterExportedBeforeForkNamesEachChildAsItself) {
  absl::StatusOr<SeccompPolicy> policy = SeccompPolicy::Build();
  ASSERT_TRUE(policy.ok()) << policy.status();
  absl::StatusOr<std::string> bpf = policy->ExportBpf();
  ASSERT_TRUE(bpf.ok()) << bpf.status();

  for (int child = 0; child < 2; ++child) {
    int progress[2];
    ASSERT_EQ(pipe(progress), 0);
    const int status = RunInChild([&] {
      close(progress[0]);
      prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
      if (!SeccompPolicy::InstallPrebuilt(*bpf).ok()) _exit(1);
      const pid_t self = getpid();
      if (syscall(SYS_tgkill, self, syscall(SYS_gettid), 0) != 0) _exit(2);
      const char installed = 'i';
      if (write(progress[1], &installed, 1) != 1) _exit(3);
      syscall(SYS_tgkill, getppid(), getppid(), 0);
    });
    close(progress[1]);
    char seen = 0;
    EXPECT_EQ(read(progress[0], &seen, 1), 1);
    close(progress[0]);
    EXPECT_EQ(seen, 'i');
    ASSERT_TRUE(WIFSIGNALED(status))
        << "child " << child << " status " << status;
    EXPECT_EQ(WTERMSIG(status), SIGSYS);
  }
}

}  // namespace
}  // namespace airlock::sandbox::worker
