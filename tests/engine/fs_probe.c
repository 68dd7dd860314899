// Test guest: for each argument, tries to open it and prints
// "PATH: ok" or "PATH: <errno name>". With "write:PATH" it tries to create
// the file for writing; with "rename:A:B" it renames.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char* Name(int e) {
  switch (e) {
    case ENOENT:
      return "ENOENT";
    case EACCES:
      return "EACCES";
    case EPERM:
      return "EPERM";
    case ENOTCAPABLE:
      return "ENOTCAPABLE";
    case EROFS:
      return "EROFS";
    case ELOOP:
      return "ELOOP";
    case EXDEV:
      return "EXDEV";
    case EBADF:
      return "EBADF";
    case ENOTDIR:
      return "ENOTDIR";
    default:
      return "other";
  }
}

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    int rc;
    if (strncmp(a, "write:", 6) == 0) {
      rc = open(a + 6, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    } else if (strncmp(a, "rename:", 7) == 0) {
      char buf[512];
      snprintf(buf, sizeof buf, "%s", a + 7);
      char* colon = strchr(buf, ':');
      if (!colon) return 2;
      *colon = 0;
      rc = rename(buf, colon + 1);
    } else {
      rc = open(a, O_RDONLY);
    }
    if (rc < 0) {
      printf("%s: %s\n", a, Name(errno));
    } else {
      printf("%s: ok\n", a);
    }
  }
  return 0;
}
