// A guest for the pool's tests; argv[1] picks what it does:
//   echo               copy stdin to stdout
//   exit N             exit with code N
//   loop               spin forever (for timeouts)
//   spew N             write N bytes of 'x' to stdout, ignoring errors;
//                      and exit 0
//   read PATH          print the file's contents
//   write PATH TEXT    create PATH with TEXT; exit 0, or print the errno
//                      name and exit 1
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 100;
  const char* what = argv[1];
  if (strcmp(what, "echo") == 0) {
    char buffer[4096];
    ssize_t n;
    while ((n = read(0, buffer, sizeof buffer)) > 0) write(1, buffer, n);
    return 0;
  }
  if (strcmp(what, "exit") == 0 && argc > 2) return atoi(argv[2]);
  if (strcmp(what, "loop") == 0) {
    volatile unsigned long i = 0;
    for (;;) ++i;
  }
  if (strcmp(what, "spew") == 0 && argc > 2) {
    static char block[65536];
    memset(block, 'x', sizeof block);
    long left = atol(argv[2]);
    while (left > 0) {
      const long n = left < (long)sizeof block ? left : (long)sizeof block;
      write(1, block, n);
      left -= n;
    }
    return 0;
  }
  if (strcmp(what, "read") == 0 && argc > 2) {
    FILE* f = fopen(argv[2], "r");
    if (f == NULL) {
      printf("open: %s\n", strerror(errno));
      return 1;
    }
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, f)) > 0)
      fwrite(buffer, 1, n, stdout);
    fclose(f);
    return 0;
  }
  if (strcmp(what, "write") == 0 && argc > 3) {
    FILE* f = fopen(argv[2], "w");
    if (f == NULL) {
      printf("open: %s\n", strerror(errno));
      return 1;
    }
    fputs(argv[3], f);
    fclose(f);
    return 0;
  }
  return 100;
}
