// Threat: poll_oneoff with thousands of subscriptions (host time and memory
// proportional to a guest-chosen count), counts that overflow
// count * sizeof(subscription) in 32 bits, arrays that run past the end of
// memory, and a sleep that never ends.
// Expected: exit 0 (or, with argument "forever", the trap "timeout" under
// --timeout 300ms after these lines and "sleeping for ever"), stdout:
//   10000 clock subscriptions, timeout 0: ok, 10000 events, all in order
//   65536 clock subscriptions, timeout 1ms: ok, 65536 events, all in order
//   5000 fd_read subscriptions on fd 99: ok, 5000 events, all EBADF
//   65537 subscriptions: EINVAL
//   0 subscriptions: EINVAL
//   4294967295 subscriptions: EINVAL
//   subscriptions past the end of memory: EFAULT
//   events past the end of memory: EFAULT
// (65536 is the documented maximum; a larger count is EINVAL.)
#include "hostile.h"

#define SUB_SIZE 48
#define EVENT_SIZE 32

static uint8_t subs[65537 * SUB_SIZE];
static uint8_t events[65537 * EVENT_SIZE];

static void Clock(uint32_t i, uint64_t timeout) {
  uint8_t* s = subs + (size_t)i * SUB_SIZE;
  memset(s, 0, SUB_SIZE);
  uint64_t userdata = 1000000 + i;
  memcpy(s, &userdata, 8);
  s[8] = 0;         // eventtype clock
  uint32_t id = 1;  // monotonic
  memcpy(s + 16, &id, 4);
  memcpy(s + 24, &timeout, 8);  // relative
}

static void FdRead(uint32_t i, uint32_t fd) {
  uint8_t* s = subs + (size_t)i * SUB_SIZE;
  memset(s, 0, SUB_SIZE);
  uint64_t userdata = 1000000 + i;
  memcpy(s, &userdata, 8);
  s[8] = 1;  // eventtype fd_read
  memcpy(s + 16, &fd, 4);
}

// Polls `n` prepared subscriptions; checks each event's userdata (in
// subscription order) and errno.
static void Poll(const char* what, uint32_t n, uint16_t want_error) {
  uint32_t nevents = 0;
  int32_t err =
      raw_poll_oneoff(ADDR(subs), ADDR(events), (int32_t)n, ADDR(&nevents));
  uint32_t good = 0;
  for (uint32_t i = 0; i < nevents; ++i) {
    uint64_t userdata;
    uint16_t error;
    memcpy(&userdata, events + (size_t)i * EVENT_SIZE, 8);
    memcpy(&error, events + (size_t)i * EVENT_SIZE + 8, 2);
    good += userdata == 1000000 + i && error == want_error;
  }
  Put(what);
  Put(": ");
  Put(ErrnoName(err));
  Put(", ");
  PutU(nevents);
  Put(" events, ");
  Put(good == nevents ? (want_error ? "all EBADF\n" : "all in order\n")
                      : "WRONG\n");
}

int main(int argc, char** argv) {
  for (uint32_t i = 0; i < 10000; ++i) Clock(i, 0);
  Poll("10000 clock subscriptions, timeout 0", 10000, 0);
  for (uint32_t i = 0; i < 65537; ++i) Clock(i, 1000000);
  Poll("65536 clock subscriptions, timeout 1ms", 65536, 0);
  for (uint32_t i = 0; i < 5000; ++i) FdRead(i, 99);
  Poll("5000 fd_read subscriptions on fd 99", 5000, 8);

  uint32_t nevents = 0;
  Report("65537 subscriptions",
         raw_poll_oneoff(ADDR(subs), ADDR(events), 65537, ADDR(&nevents)));
  Report("0 subscriptions",
         raw_poll_oneoff(ADDR(subs), ADDR(events), 0, ADDR(&nevents)));
  Report("4294967295 subscriptions",
         raw_poll_oneoff(ADDR(subs), ADDR(events), -1, ADDR(&nevents)));
  const uint32_t end = MEMORY_END();
  Report("subscriptions past the end of memory",
         raw_poll_oneoff((int32_t)(end - 10 * SUB_SIZE + 8), ADDR(events), 10,
                         ADDR(&nevents)));
  for (uint32_t i = 0; i < 10; ++i) Clock(i, 0);
  Report("events past the end of memory",
         raw_poll_oneoff(ADDR(subs), (int32_t)(end - 10 * EVENT_SIZE + 8), 10,
                         ADDR(&nevents)));

  if (argc > 1 && strcmp(argv[1], "forever") == 0) {
    Put("sleeping for ever\n");
    Clock(0, UINT64_MAX);
    raw_poll_oneoff(ADDR(subs), ADDR(events), 1, ADDR(&nevents));
    Put("woke up\n");
  }
  return 0;
}
