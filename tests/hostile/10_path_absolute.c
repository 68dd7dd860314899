// Threat: absolute paths handed straight to the host's path_open, past
// wasi-libc (which would map them onto a preopen): a host that passed them
// to openat() would open the host's own /etc/passwd.
// Run with --dir RW::/rw --dir-ro RO::/ro (fds 3 and 4).
// Expected: exit 0, stdout:
//   rw /etc/passwd: ENOTCAPABLE
//   rw //etc/passwd: ENOTCAPABLE
//   rw /: ENOTCAPABLE
//   ro /ro/readme.txt: ENOTCAPABLE   (guest paths are a libc idea; the host
//                                     only knows paths relative to the fd)
//   ro /proc/self/environ: ENOTCAPABLE
//   path_filestat_get rw /etc/passwd: ENOTCAPABLE
//   path_symlink rw /etc/shadow_link: ENOTCAPABLE  (absolute link path)
#include "hostile.h"

static void Open(const char* label, int32_t dir, const char* path,
                 int32_t oflags) {
  ReportPath(label, path,
             OpenAt(dir, LOOKUP_FOLLOW, path, oflags, R_FD_READ, 0, NULL));
}

int main(void) {
  const int32_t rw = 3, ro = 4;
  Open("rw", rw, "/etc/passwd", 0);
  Open("rw", rw, "//etc/passwd", 0);
  Open("rw", rw, "/", O_DIRECTORY_);
  Open("ro", ro, "/ro/readme.txt", 0);
  Open("ro", ro, "/proc/self/environ", 0);
  uint8_t stat[64];
  const char* passwd = "/etc/passwd";
  Report("path_filestat_get rw /etc/passwd",
         raw_path_filestat_get(rw, LOOKUP_FOLLOW, ADDR(passwd), strlen(passwd),
                               ADDR(stat)));
  const char* target = "note.txt";
  const char* link = "/etc/shadow_link";
  Report("path_symlink rw /etc/shadow_link",
         raw_path_symlink(ADDR(target), strlen(target), rw, ADDR(link),
                          strlen(link)));
  return 0;
}
