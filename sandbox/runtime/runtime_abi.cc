// The C ABI functions generated modules call (sandbox/abi/airlock_rt.h),
// except airlock_rt_trap, which lives with the call scopes.
//
// None of these abort: failures are reported to the guest (-1 / UINT32_MAX)
// and, for init, the reason is recorded for Instance::Create.

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sandbox/abi/airlock_rt.h"
#include "sandbox/runtime/runtime_internal.h"

namespace airlock::sandbox::internal {
namespace {

thread_local std::string tls_runtime_error;

// Tables larger than this are refused whatever their declared maximum
// (Wasmtime uses the same default): a guest must not be able to make us
// allocate gigabytes of host heap for one table.
constexpr uint64_t kMaxTableElements = 10'000'000;

// Charges `bytes` to `budget` if they fit under its limit (0 = none).
bool Charge(airlock_budget* budget, uint64_t bytes) {
  if (budget == nullptr) return true;
  if (budget->limit != 0 &&
      (budget->used > budget->limit || bytes > budget->limit - budget->used)) {
    return false;
  }
  budget->used += bytes;
  if (budget->used > budget->peak) budget->peak = budget->used;
  return true;
}

void Uncharge(airlock_budget* budget, uint64_t bytes) {
  if (budget == nullptr) return;
  budget->used = bytes > budget->used ? 0 : budget->used - bytes;
}

// " (X already in use by this instance)" when part of the budget is taken.
std::string AlreadyUsed(const airlock_budget* budget) {
  if (budget == nullptr || budget->used == 0) return "";
  return absl::StrCat(" (", FormatBytes(budget->used),
                      " already in use by this instance)");
}

}  // namespace

void SetRuntimeError(std::string message) {
  tls_runtime_error = std::move(message);
}

std::string TakeRuntimeError() {
  std::string message = std::move(tls_runtime_error);
  tls_runtime_error.clear();
  return message;
}

std::string FormatBytes(uint64_t bytes) {
  static constexpr struct {
    uint64_t size;
    const char* name;
  } kUnits[] = {{1ull << 40, "TiB"},
                {1ull << 30, "GiB"},
                {1ull << 20, "MiB"},
                {1ull << 10, "KiB"}};
  for (const auto& unit : kUnits) {
    if (bytes < unit.size) continue;
    if (bytes % unit.size == 0) {
      return absl::StrCat(bytes / unit.size, " ", unit.name);
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.1f %s",
             static_cast<double>(bytes) / static_cast<double>(unit.size),
             unit.name);
    return buf;
  }
  return absl::StrCat(bytes, bytes == 1 ? " byte" : " bytes");
}

}  // namespace airlock::sandbox::internal

using airlock::sandbox::internal::AlreadyUsed;
using airlock::sandbox::internal::Charge;
using airlock::sandbox::internal::FormatBytes;
using airlock::sandbox::internal::kMaxTableElements;
using airlock::sandbox::internal::SetRuntimeError;
using airlock::sandbox::internal::Uncharge;

extern "C" {

void airlock_rt_poll(airlock_instance_header* header, int64_t fuel) {
  // Fuel first: running out of fuel is deterministic, a timeout is not, so
  // when both hold the deterministic outcome wins.
  if (fuel < 0) {
    header->fuel = fuel;
    airlock_rt_trap(AIRLOCK_TRAP_OUT_OF_FUEL);
  }
  if (__atomic_load_n(&header->interrupt, __ATOMIC_ACQUIRE) != 0) {
    // Keep the fuel figure exact for metered modules (unmetered ones may
    // pass anything here).
    if (header->module != nullptr && header->module->fuel_metered) {
      header->fuel = fuel;
    }
    airlock_rt_trap(AIRLOCK_TRAP_TIMEOUT);
  }
}

int airlock_rt_memory_init(airlock_memory* memory, airlock_budget* budget,
                           uint32_t initial, uint32_t max) {
  *memory = airlock_memory{};
  memory->registration = -1;
  memory->budget = budget;
  if (max > AIRLOCK_MAX_PAGES) max = AIRLOCK_MAX_PAGES;
  if (initial > max) {
    SetRuntimeError(absl::StrCat("memory of ", initial,
                                 " pages exceeds its maximum of ", max,
                                 " pages"));
    return -1;
  }
  const uint64_t bytes = uint64_t{initial} * AIRLOCK_PAGE_SIZE;
  if (!Charge(budget, bytes)) {
    SetRuntimeError(
        absl::StrCat("memory of ", initial, " pages (", FormatBytes(bytes),
                     ") exceeds the memory cap of ", FormatBytes(budget->limit),
                     AlreadyUsed(budget)));
    return -1;
  }
  // The whole reservation is PROT_NONE and MAP_NORESERVE: it costs address
  // space only. The accessible prefix is what the guest may touch.
  void* base = mmap(nullptr, AIRLOCK_MEMORY_RESERVATION, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) {
    int err = errno;
    Uncharge(budget, bytes);
    SetRuntimeError(
        absl::StrCat("cannot reserve ", FormatBytes(AIRLOCK_MEMORY_RESERVATION),
                     " of address space for a memory: ", strerror(err)));
    return -1;
  }
  if (bytes != 0 && mprotect(base, bytes, PROT_READ | PROT_WRITE) != 0) {
    int err = errno;
    munmap(base, AIRLOCK_MEMORY_RESERVATION);
    Uncharge(budget, bytes);
    SetRuntimeError(absl::StrCat("cannot commit a memory of ", initial,
                                 " pages (", FormatBytes(bytes),
                                 "): ", strerror(err)));
    return -1;
  }
  int slot = airlock::sandbox::internal::RegisterReservation(
      base, AIRLOCK_MEMORY_RESERVATION);
  if (slot < 0) {
    munmap(base, AIRLOCK_MEMORY_RESERVATION);
    Uncharge(budget, bytes);
    SetRuntimeError(
        absl::StrCat("too many live memories in this process (the limit is ",
                     airlock::sandbox::internal::kMaxReservations, ")"));
    return -1;
  }
  memory->base = static_cast<uint8_t*>(base);
  memory->size = bytes;
  memory->pages = initial;
  memory->max_pages = max;
  memory->reserved = AIRLOCK_MEMORY_RESERVATION;
  memory->registration = slot;
  return 0;
}

uint32_t airlock_rt_memory_grow(airlock_memory* memory, uint32_t delta) {
  const uint32_t old_pages = memory->pages;
  if (delta == 0) return old_pages;
  if (memory->base == nullptr) return UINT32_MAX;
  const uint64_t new_pages = uint64_t{old_pages} + delta;
  if (new_pages > memory->max_pages || new_pages > AIRLOCK_MAX_PAGES) {
    return UINT32_MAX;
  }
  const uint64_t added = uint64_t{delta} * AIRLOCK_PAGE_SIZE;
  if (!Charge(memory->budget, added)) return UINT32_MAX;
  if (mprotect(memory->base + memory->size, added, PROT_READ | PROT_WRITE) !=
      0) {
    Uncharge(memory->budget, added);
    return UINT32_MAX;
  }
  memory->pages = static_cast<uint32_t>(new_pages);
  memory->size = new_pages * AIRLOCK_PAGE_SIZE;
  return old_pages;
}

void airlock_rt_memory_free(airlock_memory* memory) {
  if (memory->base == nullptr) return;
  // Unregister first: once unmapped, the range may be reused by host
  // allocations, whose faults must not be taken for guest traps.
  airlock::sandbox::internal::UnregisterReservation(memory->registration);
  munmap(memory->base, memory->reserved);
  Uncharge(memory->budget, memory->size);
  memory->base = nullptr;
  memory->size = 0;
  memory->pages = 0;
  memory->reserved = 0;
  memory->registration = -1;
}

int airlock_rt_table_init(airlock_table* table, airlock_budget* budget,
                          uint8_t is_funcref, uint32_t initial, uint32_t max) {
  *table = airlock_table{};
  table->is_funcref = is_funcref;
  table->budget = budget;
  table->max = max;
  if (initial > max) {
    SetRuntimeError(absl::StrCat("table of ", initial,
                                 " elements exceeds its maximum of ", max,
                                 " elements"));
    return -1;
  }
  if (initial > kMaxTableElements) {
    SetRuntimeError(absl::StrCat("table of ", initial,
                                 " elements exceeds the limit of ",
                                 kMaxTableElements, " elements"));
    return -1;
  }
  const uint64_t bytes = uint64_t{initial} * sizeof(airlock_ref);
  if (!Charge(budget, bytes)) {
    SetRuntimeError(
        absl::StrCat("table of ", initial, " elements (", FormatBytes(bytes),
                     ") exceeds the memory cap of ", FormatBytes(budget->limit),
                     AlreadyUsed(budget)));
    return -1;
  }
  if (initial != 0) {
    // calloc: every element starts null (all-zero airlock_ref).
    table->elems =
        static_cast<airlock_ref*>(calloc(initial, sizeof(airlock_ref)));
    if (table->elems == nullptr) {
      Uncharge(budget, bytes);
      SetRuntimeError(absl::StrCat("out of host memory for a table of ",
                                   initial, " elements"));
      return -1;
    }
  }
  table->size = initial;
  table->capacity = initial;
  return 0;
}

uint32_t airlock_rt_table_grow(airlock_table* table, uint32_t delta,
                               airlock_ref init) {
  const uint32_t old_size = table->size;
  const uint64_t new_size = uint64_t{old_size} + delta;
  if (new_size > table->max || new_size > kMaxTableElements) {
    return UINT32_MAX;
  }
  if (delta == 0) return old_size;
  const uint64_t added = uint64_t{delta} * sizeof(airlock_ref);
  if (!Charge(table->budget, added)) return UINT32_MAX;
  if (new_size > table->capacity) {
    // Geometric growth keeps repeated table.grow by 1 linear overall. Only
    // the elements the guest can see are charged to the budget.
    uint64_t capacity = std::max<uint64_t>(
        new_size, std::min<uint64_t>({uint64_t{table->capacity} * 2, table->max,
                                      kMaxTableElements}));
    auto* elems = static_cast<airlock_ref*>(
        realloc(table->elems, capacity * sizeof(airlock_ref)));
    if (elems == nullptr) {
      Uncharge(table->budget, added);
      return UINT32_MAX;
    }
    table->elems = elems;
    table->capacity = static_cast<uint32_t>(capacity);
  }
  for (uint64_t i = old_size; i < new_size; ++i) table->elems[i] = init;
  table->size = static_cast<uint32_t>(new_size);
  return old_size;
}

void airlock_rt_table_free(airlock_table* table) {
  free(table->elems);
  Uncharge(table->budget, uint64_t{table->size} * sizeof(airlock_ref));
  table->elems = nullptr;
  table->size = 0;
  table->capacity = 0;
}

int airlock_sig_equal(const char* a, const char* b) {
  if (a == b) return 1;
  if (a == nullptr || b == nullptr) return 0;
  return strcmp(a, b) == 0;
}

}  // extern "C"
