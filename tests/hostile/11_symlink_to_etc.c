// Threat: plant symlinks inside a read-write grant that point out of it (at
// /etc, and at the folder above the grant), then use them as a way out for
// every kind of path call: open, stat, hard link, mkdir, unlink, rename.
// Run with --dir RW::/rw (fd 3); rw/note.txt holds "rw data\n".
// Expected: creating the links succeeds (a symlink is just data); every use
// that would follow one out of the grant fails with ENOTCAPABLE; a link that
// stays inside the grant works. Exit 0, stdout:
//   symlink etc_link -> /etc: ok
//   symlink up_link -> ..: ok
//   symlink good_link -> note.txt: ok
//   open etc_link/passwd: ENOTCAPABLE
//   open etc_link (directory): ENOTCAPABLE
//   open etc_link without following: ELOOP
//   open up_link/outside.txt: ENOTCAPABLE
//   open good_link: ok, read "rw data"
//   readlink etc_link: ok, "/etc"
//   filestat etc_link/passwd: ENOTCAPABLE
//   link etc_link/passwd -> stolen: ENOTCAPABLE
//   mkdir etc_link/planted: ENOTCAPABLE
//   unlink up_link/outside.txt: ENOTCAPABLE
//   rename note.txt -> up_link/escaped.txt: ENOTCAPABLE
//   open deep/a/b/c/passwd: ENOTCAPABLE   (the link is a few folders down)
#include "hostile.h"

static const int32_t kRw = 3;

static int32_t Symlink(const char* target, const char* path) {
  return raw_path_symlink(ADDR(target), strlen(target), kRw, ADDR(path),
                          strlen(path));
}

int main(void) {
  Report("symlink etc_link -> /etc", Symlink("/etc", "etc_link"));
  Report("symlink up_link -> ..", Symlink("..", "up_link"));
  Report("symlink good_link -> note.txt", Symlink("note.txt", "good_link"));

  Report("open etc_link/passwd",
         OpenAt(kRw, LOOKUP_FOLLOW, "etc_link/passwd", 0, R_FD_READ, 0, NULL));
  Report("open etc_link (directory)",
         OpenAt(kRw, LOOKUP_FOLLOW, "etc_link", O_DIRECTORY_, R_FD_READDIR, 0,
                NULL));
  Report("open etc_link without following",
         OpenAt(kRw, 0, "etc_link", 0, R_FD_READ, 0, NULL));
  Report(
      "open up_link/outside.txt",
      OpenAt(kRw, LOOKUP_FOLLOW, "up_link/outside.txt", 0, R_FD_READ, 0, NULL));

  int32_t fd = -1;
  int32_t err = OpenAt(kRw, LOOKUP_FOLLOW, "good_link", 0, R_FD_READ, 0, &fd);
  if (err == 0) {
    char text[64] = {0};
    uint32_t iov[2] = {(uint32_t)ADDR(text), sizeof text - 1};
    uint32_t n = 0;
    err = raw_fd_read(fd, ADDR(iov), 1, ADDR(&n));
    if (n > 0 && text[n - 1] == '\n') text[n - 1] = 0;
    Put("open good_link: ");
    Put(ErrnoName(err));
    Put(", read \"");
    Put(text);
    Put("\"\n");
    raw_fd_close(fd);
  } else {
    Report("open good_link", err);
  }

  char target[64] = {0};
  uint32_t used = 0;
  const char* link = "etc_link";
  err = raw_path_readlink(kRw, ADDR(link), strlen(link), ADDR(target),
                          sizeof target - 1, ADDR(&used));
  Put("readlink etc_link: ");
  Put(ErrnoName(err));
  Put(", \"");
  PutN(target, used);
  Put("\"\n");

  uint8_t stat[64];
  const char* passwd = "etc_link/passwd";
  Report("filestat etc_link/passwd",
         raw_path_filestat_get(kRw, LOOKUP_FOLLOW, ADDR(passwd), strlen(passwd),
                               ADDR(stat)));
  const char* stolen = "stolen";
  Report("link etc_link/passwd -> stolen",
         raw_path_link(kRw, LOOKUP_FOLLOW, ADDR(passwd), strlen(passwd), kRw,
                       ADDR(stolen), strlen(stolen)));
  const char* planted = "etc_link/planted";
  Report("mkdir etc_link/planted",
         raw_path_create_directory(kRw, ADDR(planted), strlen(planted)));
  const char* victim = "up_link/outside.txt";
  Report("unlink up_link/outside.txt",
         raw_path_unlink_file(kRw, ADDR(victim), strlen(victim)));
  const char* note = "note.txt";
  const char* escaped = "up_link/escaped.txt";
  Report("rename note.txt -> up_link/escaped.txt",
         raw_path_rename(kRw, ADDR(note), strlen(note), kRw, ADDR(escaped),
                         strlen(escaped)));

  const char* dirs[] = {"deep", "deep/a", "deep/a/b"};
  for (int i = 0; i < 3; ++i) {
    raw_path_create_directory(kRw, ADDR(dirs[i]), strlen(dirs[i]));
  }
  const char* deep_target = "../../../../../etc";
  const char* deep_link = "deep/a/b/c";
  raw_path_symlink(ADDR(deep_target), strlen(deep_target), kRw, ADDR(deep_link),
                   strlen(deep_link));
  Report(
      "open deep/a/b/c/passwd",
      OpenAt(kRw, LOOKUP_FOLLOW, "deep/a/b/c/passwd", 0, R_FD_READ, 0, NULL));
  return 0;
}
