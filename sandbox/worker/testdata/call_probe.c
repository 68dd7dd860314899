// A guest for confine_test: exercises every WASI call a confined worker
// serves without the broker, so the test sees each one survive seccomp.
// argv[1] picks what it does:
//   all    read stdin, clocks, random, poll on stdin, a sleep, sched_yield,
//          fd queries on stdio, then write a summary to stdout and stderr
//   files  fd operations on files and a directory under the preopen /data,
//          whose opens the test's broker answers with fds it opened before
//          the worker was confined (as the supervisor's broker would)
//   loop   spin forever (for the watchdog's timeout)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

// Reports which step failed, and why, on stderr; returns `step`.
static int Fail(int step) {
  fprintf(stderr, "step %d failed: %s\n", step, strerror(errno));
  return step;
}

static int All(void) {
  char input[64];
  ssize_t n = read(0, input, sizeof input - 1);  // fd_read -> read_stdin
  if (n < 0) return Fail(10);
  input[n] = 0;

  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return Fail(11);
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return Fail(12);
  if (clock_getres(CLOCK_MONOTONIC, &ts) != 0) return Fail(13);
  // Not vDSO-served on Linux: a real clock_gettime system call.
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return Fail(14);

  unsigned char random[32];
  if (getentropy(random, sizeof random) != 0) return Fail(15);  // random_get

  struct pollfd p = {0, POLLIN, 0};
  if (poll(&p, 1, 1000) != 1) return Fail(16);  // poll_oneoff: fd + clock
  struct timespec nap = {0, 2 * 1000 * 1000};
  if (nanosleep(&nap, NULL) != 0) return Fail(17);  // poll_oneoff: clock only
  if (sched_yield() != 0) return Fail(18);

  struct stat st;
  if (fstat(1, &st) != 0) return Fail(19);  // fd_filestat_get on stdout
  if (lseek(1, 0, SEEK_CUR) != -1 || errno != ESPIPE)
    return Fail(20);                           // fd_seek
  if (fcntl(1, F_GETFL) < 0) return Fail(21);  // fd_fdstat_get

  printf("stdin: %s\n", input);
  printf("random: %02x%02x\n", random[0], random[1]);
  fflush(stdout);
  fprintf(stderr, "done\n");
  return 0;
}

static int Files(void) {
  // A read-only file: read, pread, seek, stat, flags, advice.
  int in = open("/data/marker.txt", O_RDONLY);
  if (in < 0) return Fail(30);
  char text[64];
  ssize_t n = read(in, text, sizeof text - 1);  // fd_read
  if (n <= 0) return Fail(31);
  text[n] = 0;
  char first;
  if (pread(in, &first, 1, 0) != 1 || first != text[0]) return Fail(32);
  if (lseek(in, 0, SEEK_SET) != 0) return Fail(33);  // fd_seek
  struct stat st;
  if (fstat(in, &st) != 0 || st.st_size != n)
    return Fail(34);                            // fd_filestat_get
  if (fcntl(in, F_GETFL) < 0) return Fail(35);  // fd_fdstat_get
  if (posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL) != 0) return Fail(36);
  if (close(in) != 0) return Fail(37);

  // A writable file: write, pwrite, allocate, truncate, times, syncs.
  int out = open("/data/out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) return Fail(40);
  if (write(out, "written by the guest\n", 21) != 21)
    return Fail(41);                                        // fd_write
  if (pwrite(out, "W", 1, 0) != 1) return Fail(42);         // fd_pwrite
  if (posix_fallocate(out, 0, 4096) != 0) return Fail(43);  // fd_allocate
  if (ftruncate(out, 21) != 0) return Fail(44);  // fd_filestat_set_size
  struct timespec times[2] = {{1, 0}, {2, 0}};
  if (futimens(out, times) != 0) return Fail(45);  // fd_filestat_set_times
  if (fdatasync(out) != 0) return Fail(46);
  if (fsync(out) != 0) return Fail(47);
  if (close(out) != 0) return Fail(48);

  // The directory: stat of the preopen itself, then a listing.
  if (fstat(3, &st) != 0 || !S_ISDIR(st.st_mode)) return Fail(50);
  DIR* dir = opendir("/data");
  if (dir == NULL) return Fail(51);
  int entries = 0;
  struct dirent* entry;
  while ((entry = readdir(dir)) != NULL) {  // fd_readdir
    if (strcmp(entry->d_name, "marker.txt") == 0) ++entries;
  }
  closedir(dir);
  printf("marker: %s", text);
  printf("marker entries: %d\n", entries);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) return 100;
  if (strcmp(argv[1], "all") == 0) return All();
  if (strcmp(argv[1], "files") == 0) return Files();
  if (strcmp(argv[1], "loop") == 0) {
    volatile unsigned long i = 0;
    for (;;) ++i;
  }
  return 101;
}
