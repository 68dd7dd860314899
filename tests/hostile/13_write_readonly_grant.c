// Threat: write into a read-only grant by every route WASI offers: create,
// truncate, open for writing or appending, write through an fd opened for
// reading, widen that fd's rights, resize it, mkdir, unlink, rmdir, rename,
// symlink, set times, and create through a subfolder's fd (rights must be
// inherited, not reset).
// Run with --dir-ro RO::/ro (fd 3); ro holds readme.txt and sub/inner.txt.
// Expected: nothing in the grant changes (the test checks the tree after
// the run); exit 0, stdout:
//   create new.txt: EROFS
//   open readme.txt for writing: EROFS
//   open readme.txt with O_TRUNC: EROFS
//   open readme.txt for appending: EROFS
//   open readme.txt for reading: ok
//   fd_write on the read-only fd: EBADF
//   fd_filestat_set_size on the read-only fd: EBADF
//   fd_allocate on the read-only fd: EBADF
//   fd_fdstat_set_rights to all rights: ENOTCAPABLE
//   fd_write after asking for more rights: EBADF
//   mkdir planted: EROFS
//   unlink readme.txt: EROFS
//   rmdir sub: EROFS
//   rename readme.txt -> renamed.txt: EROFS
//   symlink link -> readme.txt: EROFS
//   set times of readme.txt: EROFS
//   open sub: ok
//   create sub/new.txt through sub's fd: EROFS
#include "hostile.h"

static const int32_t kRo = 3;

int main(void) {
  Report("create new.txt",
         OpenAt(kRo, 0, "new.txt", O_CREAT_, R_FD_READ | R_FD_WRITE, 0, NULL));
  Report("open readme.txt for writing",
         OpenAt(kRo, 0, "readme.txt", 0, R_FD_WRITE, 0, NULL));
  Report("open readme.txt with O_TRUNC",
         OpenAt(kRo, 0, "readme.txt", O_TRUNC_, R_FD_READ, 0, NULL));
  Report("open readme.txt for appending",
         OpenAt(kRo, 0, "readme.txt", 0, R_FD_READ, FDFLAG_APPEND, NULL));

  int32_t fd = -1;
  Report("open readme.txt for reading",
         OpenAt(kRo, 0, "readme.txt", 0, R_FD_READ, 0, &fd));
  const char* text = "overwritten\n";
  uint32_t iov[2] = {(uint32_t)ADDR(text), (uint32_t)strlen(text)};
  uint32_t n = 0;
  Report("fd_write on the read-only fd",
         raw_fd_write(fd, ADDR(iov), 1, ADDR(&n)));
  Report("fd_filestat_set_size on the read-only fd",
         raw_fd_filestat_set_size(fd, 0));
  Report("fd_allocate on the read-only fd", raw_fd_allocate(fd, 0, 4096));
  Report("fd_fdstat_set_rights to all rights",
         raw_fd_fdstat_set_rights(fd, (int64_t)R_ALL, (int64_t)R_ALL));
  Report("fd_write after asking for more rights",
         raw_fd_write(fd, ADDR(iov), 1, ADDR(&n)));
  raw_fd_close(fd);

  const char* planted = "planted";
  Report("mkdir planted",
         raw_path_create_directory(kRo, ADDR(planted), strlen(planted)));
  const char* readme = "readme.txt";
  Report("unlink readme.txt",
         raw_path_unlink_file(kRo, ADDR(readme), strlen(readme)));
  const char* sub = "sub";
  Report("rmdir sub", raw_path_remove_directory(kRo, ADDR(sub), strlen(sub)));
  const char* renamed = "renamed.txt";
  Report("rename readme.txt -> renamed.txt",
         raw_path_rename(kRo, ADDR(readme), strlen(readme), kRo, ADDR(renamed),
                         strlen(renamed)));
  const char* link = "link";
  Report("symlink link -> readme.txt",
         raw_path_symlink(ADDR(readme), strlen(readme), kRo, ADDR(link),
                          strlen(link)));
  Report("set times of readme.txt",
         raw_path_filestat_set_times(kRo, 0, ADDR(readme), strlen(readme), 0, 0,
                                     /*ATIM_NOW|MTIM_NOW*/ 2 | 8));

  int32_t sub_fd = -1;
  // Directory rights only (creating files, opening, listing): asking for
  // fd_write as well would itself be refused with EROFS.
  Report("open sub",
         OpenAt(kRo, 0, "sub", O_DIRECTORY_,
                R_PATH_CREATE_FILE | R_PATH_OPEN | R_FD_READDIR, 0, &sub_fd));
  Report(
      "create sub/new.txt through sub's fd",
      OpenAt(sub_fd, 0, "new.txt", O_CREAT_, R_FD_READ | R_FD_WRITE, 0, NULL));
  return 0;
}
