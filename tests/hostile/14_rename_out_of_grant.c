// Threat: move files across the edge of a grant with rename and link: out
// of a read-write grant into a read-only one, above the grant, to an
// absolute path, out of a read-only grant, and pulling an outside file in.
// Run with --dir RW::/rw --dir-ro RO::/ro --dir RW2::/rw2 (fds 3, 4, 5);
// rw/note.txt, ro/readme.txt and outside.txt (next to the folders) exist.
// Expected: only moves between places the guest may write succeed (inside
// rw, and from rw to the second read-write grant rw2, which cli.md allows);
// the rest fail without touching anything. Exit 0, stdout:
//   rename rw/note.txt -> ro/note.txt: EROFS
//   rename rw/note.txt -> rw/../escaped.txt: ENOTCAPABLE
//   rename rw/note.txt -> rw//tmp/escaped.txt: ENOTCAPABLE
//   rename ro/readme.txt -> rw/stolen.txt: EROFS
//   rename rw/../outside.txt -> rw/pulled.txt: ENOTCAPABLE
//   link rw/note.txt -> rw/../linked.txt: ENOTCAPABLE
//   link ro/readme.txt -> rw/linked.txt: EROFS
//   rename rw/note.txt -> rw/renamed.txt: ok
//   rename rw/renamed.txt -> rw2/moved.txt: ok
//   rename rw2/moved.txt -> rw/note.txt: ok
#include "hostile.h"

static const int32_t kRw = 3, kRo = 4, kRw2 = 5;

static const char* Name(int32_t fd) {
  return fd == kRw ? "rw" : fd == kRo ? "ro" : "rw2";
}

// Prints "grant/path -> grant/path".
static void Move(int32_t from_fd, const char* from, int32_t to_fd,
                 const char* to) {
  Put(Name(from_fd));
  Put("/");
  Put(from);
  Put(" -> ");
  Put(Name(to_fd));
  Put("/");
  Put(to);
}

static void Rename(int32_t from_fd, const char* from, int32_t to_fd,
                   const char* to) {
  Put("rename ");
  Move(from_fd, from, to_fd, to);
  EndReport(raw_path_rename(from_fd, ADDR(from), strlen(from), to_fd, ADDR(to),
                            strlen(to)));
}

static void Link(int32_t from_fd, const char* from, int32_t to_fd,
                 const char* to) {
  Put("link ");
  Move(from_fd, from, to_fd, to);
  EndReport(raw_path_link(from_fd, 0, ADDR(from), strlen(from), to_fd, ADDR(to),
                          strlen(to)));
}

int main(void) {
  Rename(kRw, "note.txt", kRo, "note.txt");
  Rename(kRw, "note.txt", kRw, "../escaped.txt");
  Rename(kRw, "note.txt", kRw, "/tmp/escaped.txt");
  Rename(kRo, "readme.txt", kRw, "stolen.txt");
  Rename(kRw, "../outside.txt", kRw, "pulled.txt");
  Link(kRw, "note.txt", kRw, "../linked.txt");
  Link(kRo, "readme.txt", kRw, "linked.txt");
  Rename(kRw, "note.txt", kRw, "renamed.txt");
  Rename(kRw, "renamed.txt", kRw2, "moved.txt");
  Rename(kRw2, "moved.txt", kRw, "note.txt");
  return 0;
}
