// Call scopes (the trap targets), the fault handler and the registry of
// memory reservations it consults, and per-thread signal/stack setup.
//
// Design:
// - Each thread keeps a stack of call scopes (a linked list through the
//   frames of RunInCallScope). airlock_rt_trap() and the fault handler
//   siglongjmp to the innermost one. Nothing here is global except the
//   reservation registry and the saved previous signal actions.
// - sigsetjmp(env, 0) does not save the signal mask, so entering guest code
//   costs no system call. The fault handler restores the mask the thread had
//   at the fault (from the ucontext) before it jumps, so SIGSEGV is not left
//   blocked.
// - The fault handler claims a fault only when the address lies inside a
//   registered reservation AND the thread is inside a call scope; anything
//   else goes to the previous handler, or to the default action, so a real
//   host crash still crashes.

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string_view>

#include "absl/base/attributes.h"
#include "sandbox/abi/airlock_rt.h"
#include "sandbox/runtime/instance.h"
#include "sandbox/runtime/runtime_internal.h"
#include "sandbox/runtime/trap.h"

namespace airlock::sandbox {
namespace {

struct CallScope {
  sigjmp_buf env;
  CallScope* prev;
  // Written by airlock_rt_trap / the fault handler right before the jump.
  volatile int trap;
};

// The innermost call scope of this thread, or null. initial-exec TLS: the
// fault handler reads it, and initial-exec access never allocates, so it is
// async-signal-safe (the runtime is linked into the executable, never
// dlopen()ed, so the static TLS model is always available).
ABSL_CONST_INIT thread_local CallScope* tls_scope
    __attribute__((tls_model("initial-exec"))) = nullptr;

// ---- Reservation registry ----

// A slot is free (base == 0), claimed while being filled (base == 1), or
// published (base = reservation start, size = its length).
constexpr uintptr_t kClaimed = 1;
struct ReservationSlot {
  std::atomic<uintptr_t> base{0};
  std::atomic<uintptr_t> size{0};
};
ReservationSlot g_reservations[internal::kMaxReservations];
// One past the highest slot ever used: the handler scans [0, high water).
std::atomic<int> g_high_water{0};

bool InRegisteredReservation(uintptr_t addr) {
  int n = g_high_water.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    uintptr_t base = g_reservations[i].base.load(std::memory_order_acquire);
    if (base <= kClaimed || addr < base) continue;
    uintptr_t size = g_reservations[i].size.load(std::memory_order_acquire);
    // Re-check the base: the slot may have been released and reused between
    // the two loads, and then `size` belongs to another reservation.
    if (addr - base < size &&
        g_reservations[i].base.load(std::memory_order_acquire) == base) {
      return true;
    }
  }
  return false;
}

// ---- Fault handler ----

struct sigaction g_prev_segv;
struct sigaction g_prev_bus;

// Hands a fault we do not own to whoever would have had it without us.
void ForwardFault(int sig, siginfo_t* info, void* context) {
  const struct sigaction& prev = sig == SIGBUS ? g_prev_bus : g_prev_segv;
  if (prev.sa_flags & SA_SIGINFO) {
    prev.sa_sigaction(sig, info, context);
    return;
  }
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
    return;
  }
  // Default action. Ignoring a synchronous fault is not possible (it would
  // re-fault forever), so SIG_IGN is treated as SIG_DFL, as the kernel does.
  // Returning re-executes the faulting instruction, which now kills the
  // process with the real signal and a core dump, as without us. A signal
  // sent by kill() is not re-executed: raise it again; it is delivered when
  // this handler returns and unblocks it.
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  if (info->si_code <= 0) raise(sig);
}

void HandleFault(int sig, siginfo_t* info, void* context) {
  CallScope* scope = tls_scope;
  // si_code > 0: raised by the kernel for a fault (not sent by a process),
  // so si_addr is the faulting address.
  if (scope != nullptr && info->si_code > 0 &&
      InRegisteredReservation(reinterpret_cast<uintptr_t>(info->si_addr))) {
    scope->trap = AIRLOCK_TRAP_MEMORY_OUT_OF_BOUNDS;
    // The scope's jmp_buf holds no signal mask: restore the one from before
    // the fault (the kernel blocked `sig` for the handler).
    auto* uc = static_cast<ucontext_t*>(context);
    sigprocmask(SIG_SETMASK, &uc->uc_sigmask, nullptr);
    siglongjmp(scope->env, 1);
  }
  ForwardFault(sig, info, context);
}

void InstallHandlersOnce() {
  struct sigaction sa = {};
  sa.sa_sigaction = &HandleFault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  // Read the previous actions before installing ours, so the handler never
  // sees them half-written.
  sigaction(SIGSEGV, nullptr, &g_prev_segv);
  sigaction(SIGBUS, nullptr, &g_prev_bus);
  if (sigaction(SIGSEGV, &sa, nullptr) != 0 ||
      sigaction(SIGBUS, &sa, nullptr) != 0) {
    perror("airlock: cannot install the SIGSEGV/SIGBUS handlers");
    abort();
  }
}

// ---- Per-thread setup ----

// The thread's alternate signal stack, if we installed it. Without one, a
// fault on an exhausted native stack could not run the handler at all.
class AltStack {
 public:
  AltStack() = default;
  AltStack(const AltStack&) = delete;
  AltStack& operator=(const AltStack&) = delete;

  void Ensure() {
    if (checked_) return;
    checked_ = true;
    stack_t current;
    if (sigaltstack(nullptr, &current) == 0 &&
        !(current.ss_flags & SS_DISABLE)) {
      return;  // The embedder (or a library) installed one: keep it.
    }
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_t size = std::max<size_t>(kSize, static_cast<size_t>(SIGSTKSZ));
    size = (size + page - 1) / page * page;
    // One PROT_NONE guard page below, so a handler overflowing its stack
    // faults instead of writing into a neighbour mapping.
    void* mem = mmap(nullptr, size + page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) return;  // Faults still work off-stack.
    mprotect(mem, page, PROT_NONE);
    stack_t ss = {};
    ss.ss_sp = static_cast<char*>(mem) + page;
    ss.ss_size = size;
    if (sigaltstack(&ss, nullptr) != 0) {
      munmap(mem, size + page);
      return;
    }
    mem_ = mem;
    len_ = size + page;
    stack_ = ss.ss_sp;
  }

  ~AltStack() {
    if (mem_ == nullptr) return;
    stack_t current;
    if (sigaltstack(nullptr, &current) == 0 && current.ss_sp == stack_) {
      if (current.ss_flags & SS_ONSTACK) return;  // cannot happen; leak
      stack_t off = {};
      off.ss_flags = SS_DISABLE;
      if (sigaltstack(&off, nullptr) != 0) return;  // still in use: leak
    }
    munmap(mem_, len_);
  }

 private:
  static constexpr size_t kSize = 64 * 1024;
  bool checked_ = false;
  void* mem_ = nullptr;
  size_t len_ = 0;
  void* stack_ = nullptr;
};

thread_local AltStack tls_alt_stack;

// Stack kept free below the guest for host code the guest calls (WASI
// functions) and for the libc functions they use. The fault handler itself
// runs on the alternate stack.
constexpr uintptr_t kStackMargin = 128 * 1024;

thread_local uintptr_t tls_stack_limit = 0;

uintptr_t ComputeStackLimit() {
  pthread_attr_t attr;
  void* addr = nullptr;
  size_t size = 0;
  bool known = false;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    known = pthread_attr_getstack(&attr, &addr, &size) == 0 && size > 0;
    pthread_attr_destroy(&attr);
  }
  auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  if (!known) {
    // Unknown bounds (should not happen on Linux): assume a conservative
    // 256 KiB of stack below this frame.
    return here - 256 * 1024 + kStackMargin / 2;
  }
  auto low = reinterpret_cast<uintptr_t>(addr);
  // Small thread stacks keep a quarter for the host, not all of them.
  uintptr_t margin = std::min<uintptr_t>(kStackMargin, size / 4);
  return low + margin;
}

void PrepareThread() {
  if (tls_stack_limit == 0) tls_stack_limit = ComputeStackLimit();
  tls_alt_stack.Ensure();
}

TrapKind ToTrapKind(int kind) {
  if (kind >= AIRLOCK_TRAP_NONE && kind <= AIRLOCK_TRAP_HOST_ERROR) {
    return static_cast<TrapKind>(kind);
  }
  return TrapKind::kHostError;
}

}  // namespace

namespace internal {

int RegisterReservation(const void* base, uint64_t size) {
  for (int i = 0; i < kMaxReservations; ++i) {
    ReservationSlot& slot = g_reservations[i];
    uintptr_t expected = 0;
    if (slot.base.load(std::memory_order_relaxed) != 0 ||
        !slot.base.compare_exchange_strong(expected, kClaimed,
                                           std::memory_order_acq_rel)) {
      continue;
    }
    slot.size.store(size, std::memory_order_release);
    slot.base.store(reinterpret_cast<uintptr_t>(base),
                    std::memory_order_release);
    int high = g_high_water.load(std::memory_order_relaxed);
    while (high < i + 1 && !g_high_water.compare_exchange_weak(
                               high, i + 1, std::memory_order_acq_rel)) {
    }
    return i;
  }
  return -1;
}

void UnregisterReservation(int slot) {
  if (slot < 0 || slot >= kMaxReservations) return;
  // Unpublish before the size goes, then free the slot.
  g_reservations[slot].base.store(kClaimed, std::memory_order_release);
  g_reservations[slot].size.store(0, std::memory_order_release);
  g_reservations[slot].base.store(0, std::memory_order_release);
}

}  // namespace internal

void InstallFaultHandlers() {
  static std::once_flag once;
  std::call_once(once, &InstallHandlersOnce);
  PrepareThread();
}

CallOutcome RunInCallScope(airlock_instance_header* header,
                           void (*fn)(void* arg), void* arg) {
  PrepareThread();
  CallScope scope;
  scope.prev = tls_scope;
  scope.trap = AIRLOCK_TRAP_NONE;
  if (header != nullptr) header->stack_limit = tls_stack_limit;
  if (sigsetjmp(scope.env, 0) == 0) {
    tls_scope = &scope;
    fn(arg);
  }
  tls_scope = scope.prev;
  CallOutcome outcome;
  outcome.trap = ToTrapKind(scope.trap);
  if (outcome.trap == TrapKind::kExit && header != nullptr) {
    outcome.exit_code = header->exit_code;
  }
  return outcome;
}

}  // namespace airlock::sandbox

extern "C" void airlock_rt_trap(int kind) {
  using airlock::sandbox::CallScope;
  using airlock::sandbox::tls_scope;
  CallScope* scope = tls_scope;
  if (scope == nullptr) {
    // Generated code runs only inside RunInCallScope; a trap outside any
    // scope means the runtime's invariant is broken. Crashing is the only
    // safe answer (there is nowhere to unwind to).
    std::string_view name =
        airlock::sandbox::TrapName(airlock::sandbox::ToTrapKind(kind));
    fprintf(stderr,
            "airlock: trap %d (%.*s) raised outside any call scope; "
            "aborting\n",
            kind, static_cast<int>(name.size()), name.data());
    abort();
  }
  // A trap that claims "none" would read as a normal return; report it as a
  // host error instead (only buggy host functions can cause it).
  scope->trap = kind == AIRLOCK_TRAP_NONE ? AIRLOCK_TRAP_HOST_ERROR : kind;
  siglongjmp(scope->env, 1);
}
