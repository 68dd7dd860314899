// Threat: climb out of a folder grant with "..": straight up, after a
// detour through a subfolder, and sideways into a sibling grant.
// Run with --dir RW::/rw --dir-ro RO::/ro (fds 3 and 4); the test tree has
// outside.txt next to both folders and ro/sub/inner.txt inside.
// Expected: exit 0, stdout (one line per attempt):
//   rw ../outside.txt: ENOTCAPABLE
//   rw ../../etc/passwd: ENOTCAPABLE
//   rw ../../../../../../../../../../etc/passwd: ENOTCAPABLE
//   ro sub/../../outside.txt: ENOTCAPABLE
//   ro sub/../readme.txt: ok                 (stays inside: allowed)
//   ro ../rw/note.txt: ENOTCAPABLE           (a sibling grant, by fd 4)
//   rw ./../rw/note.txt: ENOTCAPABLE
//   rw ..: ENOTCAPABLE                       (opening the parent folder)
//   rw .: ok
//   ro sub/..: ok
// and path_filestat_get / path_create_directory through ".." also fail
// with ENOTCAPABLE.
#include "hostile.h"

static void Open(const char* label, int32_t dir, const char* path,
                 int32_t oflags) {
  ReportPath(label, path,
             OpenAt(dir, LOOKUP_FOLLOW, path, oflags, R_FD_READ | R_FD_READDIR,
                    0, NULL));
}

int main(void) {
  const int32_t rw = 3, ro = 4;
  Open("rw", rw, "../outside.txt", 0);
  Open("rw", rw, "../../etc/passwd", 0);
  Open("rw", rw, "../../../../../../../../../../etc/passwd", 0);
  Open("ro", ro, "sub/../../outside.txt", 0);
  Open("ro", ro, "sub/../readme.txt", 0);
  Open("ro", ro, "../rw/note.txt", 0);
  Open("rw", rw, "./../rw/note.txt", 0);
  Open("rw", rw, "..", O_DIRECTORY_);
  Open("rw", rw, ".", O_DIRECTORY_);
  Open("ro", ro, "sub/..", O_DIRECTORY_);
  uint8_t stat[64];
  const char* up = "../outside.txt";
  Report("path_filestat_get rw ../outside.txt",
         raw_path_filestat_get(rw, LOOKUP_FOLLOW, ADDR(up), strlen(up),
                               ADDR(stat)));
  const char* newdir = "../planted";
  Report("path_create_directory rw ../planted",
         raw_path_create_directory(rw, ADDR(newdir), strlen(newdir)));
  return 0;
}
