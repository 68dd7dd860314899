// Threat: reach the host's root through /proc: a symlink planted in a
// read-write grant pointing at /proc/self/root, and, with /proc itself
// granted read-only, the magic links /proc/self/root, /proc/self/cwd,
// /proc/self/exe and /proc/self/fd/N (which the kernel resolves to any
// file, wherever it is, ignoring the path they seem to name).
// Run with --dir RW::/rw --dir-ro /proc::/proc (fds 3 and 4).
// Expected: exit 0, stdout:
//   symlink root_link -> /proc/self/root: ok
//   rw root_link/etc/passwd: ENOTCAPABLE   (an absolute link target)
//   proc self: ok                          (a plain relative symlink)
//   proc self/root/etc/passwd: ELOOP        (magic links are refused)
//   proc self/root: ELOOP
//   proc self/cwd: ELOOP
//   proc self/exe: ELOOP
//   proc self/fd/3: ELOOP
//   proc thread-self/root/etc/passwd: ELOOP
//   proc self/root without following: ELOOP
// ELOOP is what Linux reports for RESOLVE_NO_MAGICLINKS.
#include "hostile.h"

static void Open(const char* label, int32_t dir, int32_t lookup,
                 const char* path, int32_t oflags) {
  ReportPath(
      label, path,
      OpenAt(dir, lookup, path, oflags, R_FD_READ | R_FD_READDIR, 0, NULL));
}

int main(void) {
  const int32_t rw = 3, proc = 4;
  const char* target = "/proc/self/root";
  const char* link = "root_link";
  Report("symlink root_link -> /proc/self/root",
         raw_path_symlink(ADDR(target), strlen(target), rw, ADDR(link),
                          strlen(link)));
  Open("rw", rw, LOOKUP_FOLLOW, "root_link/etc/passwd", 0);
  Open("proc", proc, LOOKUP_FOLLOW, "self", O_DIRECTORY_);
  Open("proc", proc, LOOKUP_FOLLOW, "self/root/etc/passwd", 0);
  Open("proc", proc, LOOKUP_FOLLOW, "self/root", O_DIRECTORY_);
  Open("proc", proc, LOOKUP_FOLLOW, "self/cwd", O_DIRECTORY_);
  Open("proc", proc, LOOKUP_FOLLOW, "self/exe", 0);
  Open("proc", proc, LOOKUP_FOLLOW, "self/fd/3", 0);
  Open("proc", proc, LOOKUP_FOLLOW, "thread-self/root/etc/passwd", 0);
  Report("proc self/root without following",
         OpenAt(proc, 0, "self/root", 0, R_FD_READ, 0, NULL));
  return 0;
}
