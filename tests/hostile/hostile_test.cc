// Runs every module of the hostile corpus through the real `airlock run`,
// once per mode, and checks exactly what a user sees: the exit status (never
// a signal), stderr and stdout. After each case the granted tree is checked
// (nothing outside the read-write folders changed); after the whole corpus,
// that this process has no leftover children and no more open fds than
// when it started.
//
// The table states the right outcome of every case, in both modes; no case
// is skipped.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <ostream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "hostile_modules.h"

namespace {

namespace fs = std::filesystem;

// How airlock runs the guest; the flags go right after `run`. Every case
// runs in every mode and expects the same outcome.
struct Mode {
  const char* name;
  std::vector<std::string> flags;
};
const std::vector<Mode>& Modes() {
  static const auto* const modes = new std::vector<Mode>{
      {"in_process", {"--no-isolate"}},
      {"isolated", {}},  // the default: a confined worker from the pool
  };
  return *modes;
}

// One run of one module and the outcome expected of it.
//
// In `flags` and `args`, {rw}, {rw2} and {ro} stand for folders of the
// case's temporary tree: it holds ro/ (readme.txt "read-only data\n",
// sub/inner.txt "inner\n"), rw/ (note.txt "rw data\n"), rw2/ (empty) and
// outside.txt ("outside\n"), which no grant covers. In `err`, {module}
// stands for the module path as passed to airlock.
struct HostileCase {
  std::string name;    // unique; the gtest name is <mode>_<name>
  std::string module;  // file name without extension, e.g. "01_infinite_loop"
  std::vector<std::string> flags;  // `airlock run` flags before the module
  std::vector<std::string> args;   // guest arguments after the module
  std::string in;                  // written to stdin (from a thread)
  // The runner reads nothing from stdout until airlock has exited (a
  // consumer that stalls); stdout is then not checked.
  bool stdout_stalled = false;
  int status = 0;   // expected exit status
  std::string err;  // expected stderr, exactly
  std::string out;  // expected stdout, exactly (or its prefix, see out_size)
  // If >= 0: stdout must be this many bytes and start with `out`.
  int64_t out_size = -1;
};

// gtest prints parameters with these (the name says everything).
void PrintTo(const Mode& mode, std::ostream* os) { *os << mode.name; }
void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }

std::string Trap(const char* kind) {
  return absl::StrCat("airlock: trap: ", kind, "\n");
}

std::string Clamped(const char* code) {
  return absl::StrCat("airlock: guest exit code ", code,
                      " is outside 0..125; exiting with 125\n");
}

// 3000 arguments / 1000 variables of 100 bytes each (15_huge_args_environ).
std::vector<std::string> ManyArgs() {
  std::vector<std::string> args;
  for (int i = 0; i < 3000; ++i) {
    std::string a = absl::StrFormat("arg%04d", i);
    a.resize(100, 'x');
    args.push_back(a);
  }
  return args;
}
std::vector<std::string> ManyEnvFlags() {
  std::vector<std::string> flags;
  for (int i = 0; i < 1000; ++i) {
    std::string v = absl::StrFormat("VAR%04d=", i);
    v.resize(100, 'x');
    flags.push_back("--env");
    flags.push_back(v);
  }
  return flags;
}

const std::vector<HostileCase>& Cases() {
  static const auto* const cases = new std::vector<HostileCase>{
      {.name = "01_infinite_loop_timeout",
       .module = "01_infinite_loop",
       .flags = {"--timeout", "300ms"},
       .status = 134,
       .err = Trap("timeout")},
      {.name = "01_infinite_loop_fuel",
       .module = "01_infinite_loop",
       .flags = {"--fuel", "1_000_000"},
       .status = 134,
       .err = Trap("out_of_fuel")},
      {.name = "02_deep_recursion",
       .module = "02_deep_recursion",
       .status = 134,
       .err = Trap("call_stack_exhausted")},
      {.name = "03_memory_bomb_4MiB",
       .module = "03_memory_bomb",
       .flags = {"--max-memory", "4MiB"},
       .out = "memory.grow(1) returned -1 at 64 pages (4194304 bytes)\n"
              "memory.grow(65536) returned -1\n"
              "memory.grow(0) returned 64\n"},
      {.name = "03_memory_bomb_default_cap",
       .module = "03_memory_bomb",
       .out = "memory.grow(1) returned -1 at 4096 pages (268435456 bytes)\n"
              "memory.grow(65536) returned -1\n"
              "memory.grow(0) returned 4096\n"},
      {.name = "04_data_segment_over_cap",
       .module = "04_data_segment_over_cap",
       .flags = {"--max-memory", "1MiB"},
       .status = 126,
       .err = "airlock: error: {module}: memory of 17 pages (1.1 MiB) exceeds "
              "the memory cap of 1 MiB\n"},
      {.name = "04_data_segment_under_default_cap",
       .module = "04_data_segment_over_cap"},
      {.name = "05_initial_memory_over_cap",
       .module = "05_initial_memory_over_cap",
       .status = 126,
       .err = "airlock: error: {module}: memory of 65536 pages (4 GiB) "
              "exceeds the memory cap of 256 MiB\n"},
      {.name = "06_data_segment_beyond_memory",
       .module = "06_data_segment_beyond_memory",
       .status = 134,
       .err = Trap("memory_out_of_bounds")},
      {.name = "07_output_flood_max_output",
       .module = "07_output_flood",
       .flags = {"--max-output", "1MiB"},
       .err = "airlock: output cut at 1MiB (--max-output)\n",
       .out = "hostile output flood: 100 MiB through a 1 MiB --max-output "
              "cap.\n",
       .out_size = 1 << 20},
      {.name = "07_output_flood_uncapped",
       .module = "07_output_flood",
       .out = "hostile output flood: 100 MiB through a 1 MiB --max-output "
              "cap.\n",
       .out_size = 100 << 20},
      {.name = "07_output_flood_stalled_consumer_timeout",
       .module = "07_output_flood",
       .flags = {"--timeout", "300ms"},
       .stdout_stalled = true,
       .status = 134,
       .err = Trap("timeout")},
      {.name = "08_read_fds_3_to_1024",
       .module = "08_read_fds_3_to_1024",
       .out = "fd_read on fds 3..1024: 1022 EBADF, 0 other\n"
              "fd_write on fds 3..1024: 1022 EBADF, 0 other\n"
              "fd_seek on fds 3..1024: 1022 EBADF, 0 other\n"
              "fd_fdstat_get on fds 3..1024: 1022 EBADF, 0 other\n"
              "fd_prestat_get on fds 3..1024: 1022 EBADF, 0 other\n"
              "fd_readdir on fds 3..1024: 1022 EBADF, 0 other\n"
              "fd_close on fds 3..1024: 1022 EBADF, 0 other\n"
              "fd_renumber on fds 3..1024: 1022 EBADF, 0 other\n"
              "path_open on fds 3..1024: 1022 EBADF, 0 other\n"
              "fd_read on fd 2147483647: EBADF\n"
              "fd_read on fd 4294967295: EBADF\n"},
      {.name = "09_path_dotdot",
       .module = "09_path_dotdot",
       .flags = {"--dir", "{rw}::/rw", "--dir-ro", "{ro}::/ro"},
       .out = "rw ../outside.txt: ENOTCAPABLE\n"
              "rw ../../etc/passwd: ENOTCAPABLE\n"
              "rw ../../../../../../../../../../etc/passwd: ENOTCAPABLE\n"
              "ro sub/../../outside.txt: ENOTCAPABLE\n"
              "ro sub/../readme.txt: ok\n"
              "ro ../rw/note.txt: ENOTCAPABLE\n"
              "rw ./../rw/note.txt: ENOTCAPABLE\n"
              "rw ..: ENOTCAPABLE\n"
              "rw .: ok\n"
              "ro sub/..: ok\n"
              "path_filestat_get rw ../outside.txt: ENOTCAPABLE\n"
              "path_create_directory rw ../planted: ENOTCAPABLE\n"},
      {.name = "10_path_absolute",
       .module = "10_path_absolute",
       .flags = {"--dir", "{rw}::/rw", "--dir-ro", "{ro}::/ro"},
       .out = "rw /etc/passwd: ENOTCAPABLE\n"
              "rw //etc/passwd: ENOTCAPABLE\n"
              "rw /: ENOTCAPABLE\n"
              "ro /ro/readme.txt: ENOTCAPABLE\n"
              "ro /proc/self/environ: ENOTCAPABLE\n"
              "path_filestat_get rw /etc/passwd: ENOTCAPABLE\n"
              "path_symlink rw /etc/shadow_link: ENOTCAPABLE\n"},
      {.name = "11_symlink_to_etc",
       .module = "11_symlink_to_etc",
       .flags = {"--dir", "{rw}::/rw"},
       .out = "symlink etc_link -> /etc: ok\n"
              "symlink up_link -> ..: ok\n"
              "symlink good_link -> note.txt: ok\n"
              "open etc_link/passwd: ENOTCAPABLE\n"
              "open etc_link (directory): ENOTCAPABLE\n"
              "open etc_link without following: ELOOP\n"
              "open up_link/outside.txt: ENOTCAPABLE\n"
              "open good_link: ok, read \"rw data\"\n"
              "readlink etc_link: ok, \"/etc\"\n"
              "filestat etc_link/passwd: ENOTCAPABLE\n"
              "link etc_link/passwd -> stolen: ENOTCAPABLE\n"
              "mkdir etc_link/planted: ENOTCAPABLE\n"
              "unlink up_link/outside.txt: ENOTCAPABLE\n"
              "rename note.txt -> up_link/escaped.txt: ENOTCAPABLE\n"
              "open deep/a/b/c/passwd: ENOTCAPABLE\n"},
      {.name = "12_proc_self_root",
       .module = "12_proc_self_root",
       .flags = {"--dir", "{rw}::/rw", "--dir-ro", "/proc::/proc"},
       .out = "symlink root_link -> /proc/self/root: ok\n"
              "rw root_link/etc/passwd: ENOTCAPABLE\n"
              "proc self: ok\n"
              "proc self/root/etc/passwd: ELOOP\n"
              "proc self/root: ELOOP\n"
              "proc self/cwd: ELOOP\n"
              "proc self/exe: ELOOP\n"
              "proc self/fd/3: ELOOP\n"
              "proc thread-self/root/etc/passwd: ELOOP\n"
              "proc self/root without following: ELOOP\n"},
      {.name = "13_write_readonly_grant",
       .module = "13_write_readonly_grant",
       .flags = {"--dir-ro", "{ro}::/ro"},
       .out = "create new.txt: EROFS\n"
              "open readme.txt for writing: EROFS\n"
              "open readme.txt with O_TRUNC: EROFS\n"
              "open readme.txt for appending: EROFS\n"
              "open readme.txt for reading: ok\n"
              "fd_write on the read-only fd: EBADF\n"
              "fd_filestat_set_size on the read-only fd: EBADF\n"
              "fd_allocate on the read-only fd: EBADF\n"
              "fd_fdstat_set_rights to all rights: ENOTCAPABLE\n"
              "fd_write after asking for more rights: EBADF\n"
              "mkdir planted: EROFS\n"
              "unlink readme.txt: EROFS\n"
              "rmdir sub: EROFS\n"
              "rename readme.txt -> renamed.txt: EROFS\n"
              "symlink link -> readme.txt: EROFS\n"
              "set times of readme.txt: EROFS\n"
              "open sub: ok\n"
              "create sub/new.txt through sub's fd: EROFS\n"},
      {.name = "14_rename_out_of_grant",
       .module = "14_rename_out_of_grant",
       .flags = {"--dir", "{rw}::/rw", "--dir-ro", "{ro}::/ro", "--dir",
                 "{rw2}::/rw2"},
       .out = "rename rw/note.txt -> ro/note.txt: EROFS\n"
              "rename rw/note.txt -> rw/../escaped.txt: ENOTCAPABLE\n"
              "rename rw/note.txt -> rw//tmp/escaped.txt: ENOTCAPABLE\n"
              "rename ro/readme.txt -> rw/stolen.txt: EROFS\n"
              "rename rw/../outside.txt -> rw/pulled.txt: ENOTCAPABLE\n"
              "link rw/note.txt -> rw/../linked.txt: ENOTCAPABLE\n"
              "link ro/readme.txt -> rw/linked.txt: EROFS\n"
              "rename rw/note.txt -> rw/renamed.txt: ok\n"
              "rename rw/renamed.txt -> rw2/moved.txt: ok\n"
              "rename rw2/moved.txt -> rw/note.txt: ok\n"},
      {.name = "15_huge_args_environ",
       .module = "15_huge_args_environ",
       .flags = ManyEnvFlags(),
       .args = ManyArgs(),
       .out = "args_sizes_get: ok, argc=3001\n"
              "args_sizes_get with argc pointer past the end of memory: "
              "EFAULT\n"
              "args_sizes_get with size pointer 0xffffffff: EFAULT\n"
              "args_get with the strings one byte past the end of memory: "
              "EFAULT\n"
              "args_get with the pointers one entry past the end of memory: "
              "EFAULT\n"
              "args_get with the pointers at 0xfffffff0: EFAULT\n"
              "args_get with the strings at 0xffffffff: EFAULT\n"
              "failed args_get calls wrote nothing: yes\n"
              "args_get ending exactly at the end of memory: ok\n"
              "args: 3000 of 100 bytes intact\n"
              "environ_sizes_get: ok, count=1000\n"
              "environ_sizes_get with count pointer past the end of memory: "
              "EFAULT\n"
              "environ_sizes_get with size pointer 0xffffffff: EFAULT\n"
              "environ_get with the strings one byte past the end of memory: "
              "EFAULT\n"
              "environ_get with the pointers one entry past the end of "
              "memory: EFAULT\n"
              "environ_get with the pointers at 0xfffffff0: EFAULT\n"
              "environ_get with the strings at 0xffffffff: EFAULT\n"
              "failed environ_get calls wrote nothing: yes\n"
              "environ_get ending exactly at the end of memory: ok\n"
              "environ: 1000 of 100 bytes intact\n"},
      {.name = "16_call_indirect_past_table",
       .module = "16_call_indirect_past_table",
       .status = 134,
       .err = Trap("undefined_table_element")},
      {.name = "17_table_access_out_of_bounds",
       .module = "17_table_access_out_of_bounds",
       .status = 134,
       .err = Trap("table_out_of_bounds")},
      {.name = "18_call_indirect_signature_mismatch",
       .module = "18_call_indirect_signature_mismatch",
       .status = 134,
       .err = Trap("indirect_call_type_mismatch")},
      {.name = "19_start_function_traps",
       .module = "19_start_function_traps",
       .status = 134,
       .err = Trap("memory_out_of_bounds"),
       .out = "start ran\n"},
      {.name = "20_unreachable",
       .module = "20_unreachable",
       .status = 134,
       .err = Trap("unreachable"),
       .out = "before\n"},
      {.name = "21_integer_divide_by_zero",
       .module = "21_integer_divide_by_zero",
       .status = 134,
       .err = Trap("integer_divide_by_zero")},
      {.name = "22_invalid_conversion",
       .module = "22_invalid_conversion",
       .status = 134,
       .err = Trap("invalid_conversion_to_integer")},
      {.name = "23_integer_overflow",
       .module = "23_integer_overflow",
       .status = 134,
       .err = Trap("integer_overflow")},
      {.name = "24_many_functions",
       .module = "24_many_functions",
       // A cold compile takes about 150 s of C compiler CPU (3 ms per
       // function); more than the default 120 s limit on a loaded machine.
       .flags = {"--compile-timeout", "15m"},
       .out = "50000 functions called, sum 1249975000\n"},
      {.name = "24_many_functions_2000",
       .module = "24_many_functions_2000",
       .out = "2000 functions called, sum 1999000\n"},
      {.name = "25_deep_nesting",
       .module = "25_deep_nesting",
       .out = "out of 20000 nested blocks\n"},
      {.name = "26_never_reads_stdin",
       .module = "26_never_reads_stdin",
       .in = std::string(16 << 20, 'z'),
       .out = "done without reading stdin\n"},
      {.name = "27_unknown_import",
       .module = "27_unknown_import",
       .status = 126,
       .err = "airlock: error: {module}: unknown import: env.system\n"},
      {.name = "28_import_wrong_signature",
       .module = "28_import_wrong_signature",
       .status = 126,
       .err = "airlock: error: {module}: incompatible import type for "
              "wasi_snapshot_preview1.fd_write: expected func i>i, got func "
              "iiii>i\n"},
      {.name = "29_start_function_loops_timeout",
       .module = "29_start_function_loops",
       .flags = {"--timeout", "300ms"},
       .status = 134,
       .err = Trap("timeout")},
      {.name = "29_start_function_loops_fuel",
       .module = "29_start_function_loops",
       .flags = {"--fuel", "1_000_000"},
       .status = 134,
       .err = Trap("out_of_fuel")},
      {.name = "30_memory_fill_out_of_bounds",
       .module = "30_memory_fill_out_of_bounds",
       .status = 134,
       .err = Trap("memory_out_of_bounds"),
       .out = "before\n"},
      {.name = "31_memory_copy_out_of_bounds",
       .module = "31_memory_copy_out_of_bounds",
       .status = 134,
       .err = Trap("memory_out_of_bounds")},
      {.name = "32_memory_init_out_of_bounds",
       .module = "32_memory_init_out_of_bounds",
       .status = 134,
       .err = Trap("memory_out_of_bounds")},
      {.name = "33_bulk_fill_out_of_fuel",
       .module = "33_bulk_fill_out_of_fuel",
       .flags = {"--fuel", "100_000"},
       .status = 134,
       .err = Trap("out_of_fuel")},
      {.name = "34_bulk_ops_straight_line_fuel",
       .module = "34_bulk_ops_straight_line",
       .flags = {"--fuel", "1000"},
       .status = 134,
       .err = Trap("out_of_fuel")},
      {.name = "34_bulk_ops_straight_line_timeout",
       .module = "34_bulk_ops_straight_line",
       .flags = {"--timeout", "100ms"},
       .status = 134,
       .err = Trap("timeout")},
      {.name = "35_proc_exit_0",
       .module = "35_proc_exit_codes",
       .args = {"0"},
       .out = "exiting\n"},
      {.name = "35_proc_exit_125",
       .module = "35_proc_exit_codes",
       .args = {"125"},
       .status = 125,
       .out = "exiting\n"},
      {.name = "35_proc_exit_126",
       .module = "35_proc_exit_codes",
       .args = {"126"},
       .status = 125,
       .err = Clamped("126"),
       .out = "exiting\n"},
      {.name = "35_proc_exit_134",
       .module = "35_proc_exit_codes",
       .args = {"134"},
       .status = 125,
       .err = Clamped("134"),
       .out = "exiting\n"},
      {.name = "35_proc_exit_255",
       .module = "35_proc_exit_codes",
       .args = {"255"},
       .status = 125,
       .err = Clamped("255"),
       .out = "exiting\n"},
      {.name = "35_proc_exit_256",
       .module = "35_proc_exit_codes",
       .args = {"256"},
       .status = 125,
       .err = Clamped("256"),
       .out = "exiting\n"},
      {.name = "35_proc_exit_4294967295",
       .module = "35_proc_exit_codes",
       .args = {"4294967295"},
       .status = 125,
       .err = Clamped("4294967295"),
       .out = "exiting\n"},
      {.name = "36_random_get_huge",
       .module = "36_random_get_huge",
       .out = "random_get of 0 bytes: ok\n"
              "random_get of 4294967295 bytes at 0: EFAULT\n"
              "random_get of 2147483648 bytes at 16: EFAULT\n"
              "random_get ending one byte past memory: EFAULT\n"
              "random_get of 2 bytes at 0xffffffff: EFAULT\n"
              "failed calls wrote nothing: yes\n"
              "random_get of 16 MiB up to the end of memory: ok\n"
              "the 16 MiB are not all zero: yes\n"},
      {.name = "37_poll_oneoff_many",
       .module = "37_poll_oneoff_many",
       .out = "10000 clock subscriptions, timeout 0: ok, 10000 events, all in "
              "order\n"
              "65536 clock subscriptions, timeout 1ms: ok, 65536 events, all "
              "in order\n"
              "5000 fd_read subscriptions on fd 99: ok, 5000 events, all "
              "EBADF\n"
              "65537 subscriptions: EINVAL\n"
              "0 subscriptions: EINVAL\n"
              "4294967295 subscriptions: EINVAL\n"
              "subscriptions past the end of memory: EFAULT\n"
              "events past the end of memory: EFAULT\n"},
      {.name = "37_poll_oneoff_sleep_forever_timeout",
       .module = "37_poll_oneoff_many",
       .flags = {"--timeout", "300ms"},
       .args = {"forever"},
       .status = 134,
       .err = Trap("timeout"),
       .out = "10000 clock subscriptions, timeout 0: ok, 10000 events, all in "
              "order\n"
              "65536 clock subscriptions, timeout 1ms: ok, 65536 events, all "
              "in order\n"
              "5000 fd_read subscriptions on fd 99: ok, 5000 events, all "
              "EBADF\n"
              "65537 subscriptions: EINVAL\n"
              "0 subscriptions: EINVAL\n"
              "4294967295 subscriptions: EINVAL\n"
              "subscriptions past the end of memory: EFAULT\n"
              "events past the end of memory: EFAULT\n"
              "sleeping for ever\n"},
      {.name = "38_fd_write_huge_iovec_count",
       .module = "38_fd_write_huge_iovec_count",
       .in = "hostile stdin\n",
       .out = std::string(1023, '.') +
              "\n"
              "fd_write with 1024 iovecs: ok, 1024 bytes\n"
              "fd_write with 1025 iovecs: EINVAL\n"
              "fd_write with 4294967295 iovecs: EINVAL\n"
              "fd_write with the iovec array past the end of memory: EFAULT\n"
              "fd_write with a buffer of 4294967295 bytes: EFAULT\n"
              "fd_write with a buffer wrapping around 32 bits: EFAULT\n"
              "fd_write with nwritten out of bounds: EFAULT\n"
              "fd_read with 1025 iovecs: EINVAL\n"
              "fd_read into a buffer past the end of memory: EFAULT\n"
              "fd_read with nread out of bounds: EFAULT\n"
              "fd_read: ok, \"hostile stdin\"\n"},
      {
          .name = "39_fd_exhaustion",
          .module = "39_fd_exhaustion",
          .flags = {"--dir-ro", "{ro}::/ro"},
          .out = "opened 1020 files, then EMFILE\n"
                 "closed 1020 files: all ok\n"
                 "open after closing: ok\n",
      },
      {.name = "40_path_bad_strings",
       .module = "40_path_bad_strings",
       .flags = {"--dir-ro", "{ro}::/ro"},
       .out = "path of 5000 bytes: ENAMETOOLONG\n"
              "path with a NUL inside: EINVAL\n"
              "path past the end of memory: EFAULT\n"
              "path wrapping around 32 bits: EFAULT\n"
              "path of 4294967295 bytes: EFAULT\n"
              "empty path: ENOENT\n"
              "fd result out of bounds: EFAULT\n"
              "path_open relative to stdin: ENOTDIR\n"
              "path_open relative to a file: ENOTDIR\n"
              "readlink into a buffer past the end of memory: EFAULT\n"},
      {.name = "41_exit_in_start_function",
       .module = "41_exit_in_start_function",
       .status = 3,
       .out = "start ran\n"},
      {.name = "42_table_grow_bomb",
       .module = "42_table_grow_bomb",
       .flags = {"--max-memory", "4MiB"},
       .out = "table.grow(16777216) = -1\n"
              "table.grow(4294967295) = -1\n"
              "table.grow(1000) = 1\n"
              "memory.grow(10) = 1\n"},
      {.name = "43_recursion_into_host_calls",
       .module = "43_recursion_into_host_calls",
       .flags = {"--dir-ro", "{ro}::/ro"},
       .status = 134,
       .err = Trap("call_stack_exhausted")},
      {.name = "44_big_frame_recursion",
       .module = "44_big_frame_recursion",
       .status = 134,
       .err = Trap("call_stack_exhausted")},
  };
  return *cases;
}

std::string ModulePath(const std::string& name) {
  for (const HostileModule& m : kHostileModules) {
    if (name == m.name) return m.path;
  }
  return "";
}

// ---- Running airlock ----

struct Result {
  int status = -1;  // exit status; -1 if killed by a signal
  int signal = 0;
  std::string out;       // the first kKeptBytes of stdout
  int64_t out_size = 0;  // all of stdout
  std::string err;
  bool hung = false;  // killed by the runner after kHardDeadline
};

// Enough for every exact expectation; big outputs are checked by size and
// prefix.
constexpr size_t kKeptBytes = 4 << 20;
// A case still running after this long is killed and fails. Longer than
// airlock's own 120 s compile limit: a cold cache compiles the module first.
// A case that raises the compile limit (--compile-timeout) gets that plus
// this.
constexpr auto kHardDeadline = std::chrono::seconds(150);

// Writes `data` to `fd` (non-blocking) until done, the reader is gone
// (EPIPE), or `stop` is set; then closes `fd`.
void FeedStdin(int fd, const std::string& data, const std::atomic<bool>& stop) {
  size_t done = 0;
  while (done < data.size() && !stop.load()) {
    struct pollfd p = {fd, POLLOUT, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      break;  // EPIPE: airlock exited without reading it all
    }
  }
  close(fd);
}

// Runs airlock with `args`. stdin gets `in` from a thread (so a guest that
// never reads cannot deadlock the runner); stdout and stderr are read until
// both reach EOF and the process is reaped.
Result RunAirlock(const std::vector<std::string>& args, const std::string& in,
                  bool stdout_stalled,
                  std::chrono::seconds hard_deadline = kHardDeadline) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << strerror(errno);
    return {};
  }
  std::vector<std::string> argv_storage = args;
  argv_storage.insert(argv_storage.begin(), AIRLOCK_BINARY);
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    // As from a shell: SIGPIPE at its default (this process ignores it),
    // and a soft fd limit that does not make the guest's fd table (1024)
    // depend on the caller's ulimit.
    signal(SIGPIPE, SIG_DFL);
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
      nofile.rlim_cur = std::min<rlim_t>(nofile.rlim_max, 4096);
      setrlimit(RLIMIT_NOFILE, &nofile);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  std::atomic<bool> stop_feeding{false};
  std::thread feeder(FeedStdin, in_pipe[1], std::cref(in),
                     std::cref(stop_feeding));

  Result result;
  const auto start = std::chrono::steady_clock::now();
  int fds[2] = {out_pipe[0], err_pipe[0]};
  // Readable when the child exits; without one (old kernel) the loop polls
  // for the exit every few milliseconds.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  bool reaped = false;
  int wstatus = 0;
  while (fds[0] >= 0 || fds[1] >= 0 || !reaped) {
    if (!reaped && waitpid(pid, &wstatus, WNOHANG) == pid) reaped = true;
    if (!result.hung &&
        std::chrono::steady_clock::now() - start > hard_deadline) {
      result.hung = true;
      kill(pid, SIGKILL);
    }
    if (result.hung && reaped) break;  // a descendant may hold the pipes
    struct pollfd p[3];
    int n = 0;
    int which[3];
    for (int i = 0; i < 2; ++i) {
      if (fds[i] < 0 || (i == 0 && stdout_stalled && !reaped)) continue;
      p[n] = {fds[i], POLLIN, 0};
      which[n++] = i;
    }
    if (!reaped && pidfd >= 0) {
      p[n] = {pidfd, POLLIN, 0};
      which[n++] = 2;
    }
    if (poll(p, n, pidfd >= 0 ? 100 : 5) <= 0) continue;
    for (int k = 0; k < n; ++k) {
      if (p[k].revents == 0 || which[k] == 2) continue;
      const int i = which[k];
      char buffer[65536];
      const ssize_t got = read(fds[i], buffer, sizeof buffer);
      if (got > 0) {
        if (i == 0) {
          result.out_size += got;
          const size_t keep = std::min<size_t>(static_cast<size_t>(got),
                                               kKeptBytes - result.out.size());
          result.out.append(buffer, keep);
        } else {
          result.err.append(buffer, static_cast<size_t>(got));
        }
      } else if (got == 0 || errno != EINTR) {
        close(fds[i]);
        fds[i] = -1;
      }
    }
  }
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
  if (pidfd >= 0) close(pidfd);
  stop_feeding = true;
  feeder.join();
  if (!reaped) waitpid(pid, &wstatus, 0);
  if (WIFEXITED(wstatus)) result.status = WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) result.signal = WTERMSIG(wstatus);
  return result;
}

// ---- The granted tree ----

// Every file and folder under `root` (relative path -> content; folders
// "<dir>", symlinks "-> target"), not following symlinks.
std::map<std::string, std::string> Snapshot(const fs::path& root) {
  std::map<std::string, std::string> entries;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(root, ec))) return entries;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path rel = it->path().lexically_relative(root);
    std::string value;
    if (it->is_symlink()) {
      value = "-> " + fs::read_symlink(it->path(), ec).string();
    } else if (it->is_directory()) {
      value = "<dir>";
    } else {
      std::ifstream f(it->path(), std::ios::binary);
      value.assign(std::istreambuf_iterator<char>(f), {});
    }
    entries[rel.string()] = value;
  }
  return entries;
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// ---- The process's own state ----

int CountOpenFds() {
  int count = 0;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (struct dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the fd of `dir` itself
}

// Processes whose parent is this process, as "pid (comm) state". Zombies
// are reaped and left out: this process is a subreaper, so a helper that
// airlock killed together with its own children (e.g. the C compiler on a
// compile timeout) leaves their zombies here, with nothing left running.
std::vector<std::string> LiveChildren() {
  std::vector<std::string> children;
  const std::string self = std::to_string(getpid());
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return {"cannot read /proc"};
  while (struct dirent* e = readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream f(std::string("/proc/") + e->d_name + "/stat");
    std::string stat((std::istreambuf_iterator<char>(f)), {});
    // pid (comm) state ppid ...: comm may contain spaces and parentheses.
    const size_t close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) continue;
    char state = 0;
    long ppid = 0;
    if (std::sscanf(stat.c_str() + close_paren + 1, " %c %ld", &state, &ppid) !=
            2 ||
        std::to_string(ppid) != self) {
      continue;
    }
    if (state == 'Z') {
      waitpid(static_cast<pid_t>(std::atol(e->d_name)), nullptr, WNOHANG);
      continue;
    }
    children.push_back(stat.substr(0, close_paren + 1) + " " + state);
  }
  closedir(proc);
  return children;
}

// LiveChildren(), after giving processes that are being killed (SIGKILL is
// not instantaneous) up to two seconds to go.
std::vector<std::string> LiveChildrenAfterGrace() {
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::vector<std::string> children = LiveChildren();
  while (!children.empty() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    children = LiveChildren();
  }
  return children;
}

// What the process looked like before the first case: recorded by main().
struct Baseline {
  int open_fds = -1;
};
Baseline& StartingState() {
  static Baseline baseline;
  return baseline;
}

// ---- The tests ----

class HostileCorpus
    : public ::testing::TestWithParam<std::tuple<Mode, HostileCase>> {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/airlock_hostile_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    suite_dir_ = new std::string(tmpl);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*suite_dir_, ec);
    delete suite_dir_;
    suite_dir_ = nullptr;
  }

  void SetUp() override {
    const HostileCase& c = std::get<1>(GetParam());
    root_ = fs::path(*suite_dir_) /
            absl::StrCat(std::get<0>(GetParam()).name, "_", c.name);
    fs::create_directories(root_ / "ro" / "sub");
    fs::create_directories(root_ / "rw");
    fs::create_directories(root_ / "rw2");
    WriteText(root_ / "ro" / "readme.txt", "read-only data\n");
    WriteText(root_ / "ro" / "sub" / "inner.txt", "inner\n");
    WriteText(root_ / "rw" / "note.txt", "rw data\n");
    WriteText(root_ / "outside.txt", "outside\n");
    before_ = Snapshot(root_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::string Expand(const std::string& s) const {
    return absl::StrReplaceAll(s, {{"{rw}", (root_ / "rw").string()},
                                   {"{rw2}", (root_ / "rw2").string()},
                                   {"{ro}", (root_ / "ro").string()}});
  }

  // Everything but the read-write folders is as SetUp made it.
  void ExpectTreeOutsideRwUnchanged() const {
    std::map<std::string, std::string> after = Snapshot(root_);
    auto outside_rw = [](std::map<std::string, std::string> m) {
      for (auto it = m.begin(); it != m.end();) {
        const std::string& path = it->first;
        const bool in_rw = path == "rw" || path == "rw2" ||
                           absl::StartsWith(path, "rw/") ||
                           absl::StartsWith(path, "rw2/");
        it = in_rw ? m.erase(it) : std::next(it);
      }
      return m;
    };
    EXPECT_EQ(outside_rw(after), outside_rw(before_))
        << "the guest changed something outside its read-write grants";
  }

  static std::string* suite_dir_;
  fs::path root_;
  std::map<std::string, std::string> before_;
};
std::string* HostileCorpus::suite_dir_ = nullptr;

// Each case: the exit status, stderr and stdout are exactly as the table
// says, airlock was not killed by a signal, nothing outside the read-write
// grants changed, and airlock left no process running and no fd open in
// this process.
TEST_P(HostileCorpus, OutcomeIsExact) {
  const Mode& mode = std::get<0>(GetParam());
  const HostileCase& c = std::get<1>(GetParam());
  const std::string module = ModulePath(c.module);
  ASSERT_FALSE(module.empty()) << "no module " << c.module << " was built";

  std::vector<std::string> args = {"run", "--cache-dir", HOSTILE_CACHE_DIR};
  args.insert(args.end(), mode.flags.begin(), mode.flags.end());
  for (const std::string& f : c.flags) args.push_back(Expand(f));
  args.push_back(module);
  for (const std::string& a : c.args) args.push_back(Expand(a));

  std::chrono::seconds hard_deadline = kHardDeadline;
  for (size_t i = 0; i + 1 < c.flags.size(); ++i) {
    if (c.flags[i] != "--compile-timeout") continue;
    absl::Duration d;
    ASSERT_TRUE(absl::ParseDuration(c.flags[i + 1], &d)) << c.flags[i + 1];
    hard_deadline += std::chrono::seconds(absl::ToInt64Seconds(d));
  }
  const int fds_before = CountOpenFds();
  const Result r = RunAirlock(args, c.in, c.stdout_stalled, hard_deadline);
  ASSERT_FALSE(r.hung) << "still running after " << hard_deadline.count()
                       << " s: killed; stderr: " << r.err;
  EXPECT_EQ(r.signal, 0) << "airlock was killed by signal " << r.signal;
  EXPECT_EQ(r.status, c.status) << "stderr: " << r.err;
  EXPECT_EQ(r.err, absl::StrReplaceAll(c.err, {{"{module}", module}}));
  if (c.stdout_stalled) {
    // What reached the pipe before airlock stopped depends on timing.
  } else if (c.out_size >= 0) {
    EXPECT_EQ(r.out_size, c.out_size);
    EXPECT_EQ(r.out.substr(0, c.out.size()), c.out);
  } else {
    EXPECT_EQ(r.out_size, static_cast<int64_t>(c.out.size()));
    EXPECT_EQ(r.out, c.out);
  }
  ExpectTreeOutsideRwUnchanged();
  EXPECT_EQ(LiveChildrenAfterGrace(), std::vector<std::string>{})
      << "processes outlived airlock";
  EXPECT_EQ(CountOpenFds(), fds_before);
}

std::string CaseName(
    const ::testing::TestParamInfo<std::tuple<Mode, HostileCase>>& info) {
  return absl::StrCat(std::get<0>(info.param).name, "_",
                      std::get<1>(info.param).name);
}

INSTANTIATE_TEST_SUITE_P(Corpus, HostileCorpus,
                         ::testing::Combine(::testing::ValuesIn(Modes()),
                                            ::testing::ValuesIn(Cases())),
                         CaseName);

// Registered after HostileCorpus (parameterised suites run in declaration
// order, after any plain TEST), so it runs once every case has.
class HostileAftermath : public ::testing::TestWithParam<Mode> {};

// After the whole corpus nothing is left behind: no running child process
// (this process is a subreaper, so orphaned descendants of airlock, e.g. a
// pool's workers, would be here too), and no fd beyond those open before
// the first case.
TEST_P(HostileAftermath, NothingLeaked) {
  EXPECT_EQ(LiveChildrenAfterGrace(), std::vector<std::string>{});
  EXPECT_EQ(CountOpenFds(), StartingState().open_fds);
}

// One check covers every mode; the parameter only keeps it in order.
INSTANTIATE_TEST_SUITE_P(Corpus, HostileAftermath,
                         ::testing::Values(Modes().front()),
                         [](const ::testing::TestParamInfo<Mode>&) {
                           return "all_modes";
                         });

// Every module the table names was built, and every built module is in
// the table.
TEST(HostileTable, CoversEveryModule) {
  for (const HostileCase& c : Cases()) {
    EXPECT_FALSE(ModulePath(c.module).empty()) << c.name;
  }
  for (const HostileModule& m : kHostileModules) {
    EXPECT_TRUE(
        std::any_of(Cases().begin(), Cases().end(),
                    [&](const HostileCase& c) { return c.module == m.name; }))
        << m.name << " has no case";
    EXPECT_TRUE(fs::exists(m.path)) << m.path;
  }
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // A guest that exits without reading stdin closes the pipe under the
  // feeding thread: that must be EPIPE, not a signal.
  signal(SIGPIPE, SIG_IGN);
  // Orphaned descendants of airlock (compile helpers, workers) are
  // re-parented here, where NothingLeaked sees them.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  StartingState().open_fds = CountOpenFds();
  return RUN_ALL_TESTS();
}
