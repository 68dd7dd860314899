// Threat: exit codes the shell cannot represent or that collide with
// airlock's own statuses: proc_exit(126), (127), (134) would look like "module
// cannot run", "airlock failed" and "trapped"; 256 would wrap to 0 (success)
// if passed to exit(2) unchecked; 4294967295 is -1 as an i32.
// The module calls proc_exit(argv[1]) directly (after printing "exiting\n",
// so output before the exit must survive it).
// Expected (cli.md): 0..125 are the exit status as given (e.g. 125 -> 125,
// no note). Anything above is clamped to 125, with one stderr line
//   airlock: guest exit code N is outside 0..125; exiting with 125
// e.g. N = 126, 255, 256, 4294967295.
#include "hostile.h"

int main(int argc, char** argv) {
  if (argc < 2) return 1;
  uint32_t code = 0;
  for (const char* p = argv[1]; *p >= '0' && *p <= '9'; ++p) {
    code = code * 10 + (uint32_t)(*p - '0');
  }
  Put("exiting\n");
  raw_proc_exit((int32_t)code);
}
