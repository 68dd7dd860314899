// Private to sandbox/runtime: the pieces the C ABI functions, the fault
// handler and Instance share.
#ifndef AIRLOCK_SANDBOX_RUNTIME_RUNTIME_INTERNAL_H_
#define AIRLOCK_SANDBOX_RUNTIME_RUNTIME_INTERNAL_H_

#include <cstdint>
#include <string>

namespace airlock::sandbox::internal {

// Why the last airlock_rt_memory_init / airlock_rt_table_init on this thread
// failed. Instance::Create clears it before running a module's init and
// reads it when init returns -1 (same thread: init runs synchronously).
void SetRuntimeError(std::string message);
// Returns the recorded reason ("" if none) and clears it.
std::string TakeRuntimeError();

// The process-wide registry of memory reservations the fault handler may
// claim faults in. Lock-free and async-signal-safe to read.
// Returns the slot, or -1 if all slots are taken.
int RegisterReservation(const void* base, uint64_t size);
// REQUIRES: `slot` came from RegisterReservation and was not released yet.
void UnregisterReservation(int slot);
// The number of slots in the registry (= the most live memories).
inline constexpr int kMaxReservations = 4096;

// "128 MiB", "64 KiB", "1.5 GiB", "100 bytes": for error messages.
std::string FormatBytes(uint64_t bytes);

}  // namespace airlock::sandbox::internal

#endif  // AIRLOCK_SANDBOX_RUNTIME_RUNTIME_INTERNAL_H_
