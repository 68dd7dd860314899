/*
 * A hand-written module in the shape sandbox/translate generates, for the
 * runtime's unit tests: it exercises every runtime entry point of
 * airlock_rt.h without depending on the translator.
 *
 * Imports:  env.add (func ii>i), env.fail (func >), env.reenter (func >),
 *           env.mode (global I: 1 = init faults like a data segment out of
 *           bounds, 2 = start traps unreachable, 3 = start exits with 7).
 * Memory:   2 pages, max 10, exported as "memory"; holds 42 at address 16
 *           (a data segment). Loads and stores use a static offset of 16.
 * Table:    funcref, 3 elements, max 10, exported as "table":
 *           [0] = double (i>i), [1] = null, [2] = seven (>i).
 * Globals:  "counter" (mutable i32), set to 100 by the start function.
 */
#include <stdint.h>
#include <string.h>

#include "sandbox/abi/airlock_rt.h"

typedef struct Instance {
  airlock_instance_header h;
  airlock_memory mem;
  airlock_memory* mem_slot;
  airlock_table tab;
  airlock_table* tab_slot;
  uint32_t counter;
  airlock_ref imp_add;
  airlock_ref imp_fail;
  airlock_ref imp_reenter;
  uint64_t* imp_mode;
} Instance;

#define STACK_CHECK(in)                                              \
  do {                                                               \
    if ((uintptr_t)__builtin_frame_address(0) < (in)->h.stack_limit) \
      airlock_rt_trap(AIRLOCK_TRAP_CALL_STACK_EXHAUSTED);            \
  } while (0)

static const char kSig_v_v[] = ">";
static const char kSig_i_i[] = "i>i";
static const char kSig_ii_i[] = "ii>i";
static const char kSig_v_i[] = ">i";
static const char kSig_i_v[] = "i>";
static const char kSig_ii_v[] = "ii>";
static const char kSig_f_i[] = "f>i";
static const char kSig_v_I[] = ">I";

/* ---- Thunks: typed C calls to an airlock_host_func ---- */

static uint32_t thunk_ii_i(void* ctx, uint32_t a, uint32_t b) {
  airlock_host_func* f = (airlock_host_func*)ctx;
  airlock_value args[2], results[1];
  args[0].i32 = a;
  args[1].i32 = b;
  int trap = f->call(f->ctx, args, results);
  if (trap != AIRLOCK_TRAP_NONE) airlock_rt_trap(trap);
  return results[0].i32;
}

static void thunk_v_v(void* ctx) {
  airlock_host_func* f = (airlock_host_func*)ctx;
  int trap = f->call(f->ctx, NULL, NULL);
  if (trap != AIRLOCK_TRAP_NONE) airlock_rt_trap(trap);
}

/* ---- Functions ---- */

static void f_unreachable(void* ctx) {
  (void)ctx;
  airlock_rt_trap(AIRLOCK_TRAP_UNREACHABLE);
}

static uint32_t f_load(void* ctx, uint32_t addr) {
  Instance* in = (Instance*)ctx;
  /* No bounds check: the guard region faults. memcpy: Wasm accesses may be
   * unaligned. */
  uint32_t value;
  memcpy(&value, in->mem.base + (uint64_t)addr + 16, sizeof value);
  return value;
}

static void f_store(void* ctx, uint32_t addr, uint32_t value) {
  Instance* in = (Instance*)ctx;
  memcpy(in->mem.base + (uint64_t)addr + 16, &value, sizeof value);
}

static uint32_t f_grow(void* ctx, uint32_t delta) {
  return airlock_rt_memory_grow(&((Instance*)ctx)->mem, delta);
}

static uint32_t f_size(void* ctx) { return ((Instance*)ctx)->mem.pages; }

static uint32_t f_table_grow(void* ctx, uint32_t delta) {
  airlock_ref null_ref = {NULL, NULL, NULL};
  return airlock_rt_table_grow(&((Instance*)ctx)->tab, delta, null_ref);
}

/* Recurses until the stack check traps. */
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static uint32_t f_recurse(void* ctx, uint32_t n) {
  Instance* in = (Instance*)ctx;
  STACK_CHECK(in);
  volatile uint32_t pad[16];
  pad[n % 16] = n;
  /* Not a tail call: the addition after the call keeps the frame. */
  return f_recurse(ctx, n + 1) + pad[n % 16];
}

static void f_spin(void* ctx) {
  Instance* in = (Instance*)ctx;
  for (;;) {
    if (__atomic_load_n(&in->h.interrupt, __ATOMIC_RELAXED)) {
      airlock_rt_poll(&in->h, in->h.fuel);
    }
  }
}

/* Consumes one unit of fuel per iteration, like metered code: the counter
 * lives in a local and is written back on the way out. */
static void f_burn(void* ctx, uint32_t n) {
  Instance* in = (Instance*)ctx;
  int64_t fuel = in->h.fuel;
  for (uint32_t i = 0; i < n; ++i) {
    fuel -= 1;
    if (fuel < 0) airlock_rt_poll(&in->h, fuel);
  }
  in->h.fuel = fuel;
}

static uint32_t f_div(void* ctx, uint32_t a, uint32_t b) {
  (void)ctx;
  if (b == 0) airlock_rt_trap(AIRLOCK_TRAP_INTEGER_DIVIDE_BY_ZERO);
  if (a == 0x80000000u && b == 0xFFFFFFFFu) {
    airlock_rt_trap(AIRLOCK_TRAP_INTEGER_OVERFLOW);
  }
  return (uint32_t)((int32_t)a / (int32_t)b);
}

static uint32_t f_trunc(void* ctx, float x) {
  (void)ctx;
  if (x != x) airlock_rt_trap(AIRLOCK_TRAP_INVALID_CONVERSION_TO_INTEGER);
  if (!(x > -2147483904.0f && x < 2147483648.0f)) {
    airlock_rt_trap(AIRLOCK_TRAP_INTEGER_OVERFLOW);
  }
  return (uint32_t)(int32_t)x;
}

static uint32_t f_double(void* ctx, uint32_t x) {
  (void)ctx;
  return 2 * x;
}

static uint32_t f_seven(void* ctx) {
  (void)ctx;
  return 7;
}

static uint32_t f_call_indirect(void* ctx, uint32_t index, uint32_t x) {
  Instance* in = (Instance*)ctx;
  if (index >= in->tab.size) airlock_rt_trap(AIRLOCK_TRAP_TABLE_OUT_OF_BOUNDS);
  airlock_ref ref = in->tab.elems[index];
  if (ref.fn == NULL) airlock_rt_trap(AIRLOCK_TRAP_UNDEFINED_TABLE_ELEMENT);
  if (!airlock_sig_equal(ref.sig, kSig_i_i)) {
    airlock_rt_trap(AIRLOCK_TRAP_INDIRECT_CALL_TYPE_MISMATCH);
  }
  return ((uint32_t(*)(void*, uint32_t))ref.fn)(ref.ctx, x);
}

static void f_exit(void* ctx, uint32_t code) {
  Instance* in = (Instance*)ctx;
  in->h.exit_code = code;
  airlock_rt_trap(AIRLOCK_TRAP_EXIT);
}

static uint32_t f_call_add(void* ctx, uint32_t a, uint32_t b) {
  Instance* in = (Instance*)ctx;
  return ((uint32_t(*)(void*, uint32_t, uint32_t))in->imp_add.fn)(
      in->imp_add.ctx, a, b);
}

static void f_call_fail(void* ctx) {
  Instance* in = (Instance*)ctx;
  ((void (*)(void*))in->imp_fail.fn)(in->imp_fail.ctx);
}

static uint32_t f_reenter(void* ctx) {
  Instance* in = (Instance*)ctx;
  ((void (*)(void*))in->imp_reenter.fn)(in->imp_reenter.ctx);
  return 1;
}

static uint32_t f_bump(void* ctx) { return ++((Instance*)ctx)->counter; }

static uint64_t f_mode(void* ctx) { return *((Instance*)ctx)->imp_mode; }

/* ---- Export wrappers: func_ref and generic invoke ---- */

#define REF(name, sig)                                     \
  static airlock_ref ref_##name(void* inst) {              \
    airlock_ref r = {sig, (void (*)(void))f_##name, inst}; \
    return r;                                              \
  }

#define INVOKE_V_V(name)                                        \
  REF(name, kSig_v_v)                                           \
  static void invoke_##name(void* inst, const airlock_value* a, \
                            airlock_value* r) {                 \
    (void)a;                                                    \
    (void)r;                                                    \
    f_##name(inst);                                             \
  }
#define INVOKE_V_I(name)                                        \
  REF(name, kSig_v_i)                                           \
  static void invoke_##name(void* inst, const airlock_value* a, \
                            airlock_value* r) {                 \
    (void)a;                                                    \
    r[0].i32 = f_##name(inst);                                  \
  }
#define INVOKE_V_BIG_I(name)                                    \
  REF(name, kSig_v_I)                                           \
  static void invoke_##name(void* inst, const airlock_value* a, \
                            airlock_value* r) {                 \
    (void)a;                                                    \
    r[0].i64 = f_##name(inst);                                  \
  }
#define INVOKE_I_I(name)                                        \
  REF(name, kSig_i_i)                                           \
  static void invoke_##name(void* inst, const airlock_value* a, \
                            airlock_value* r) {                 \
    r[0].i32 = f_##name(inst, a[0].i32);                        \
  }
#define INVOKE_I_V(name)                                        \
  REF(name, kSig_i_v)                                           \
  static void invoke_##name(void* inst, const airlock_value* a, \
                            airlock_value* r) {                 \
    (void)r;                                                    \
    f_##name(inst, a[0].i32);                                   \
  }
#define INVOKE_II_I(name)                                       \
  REF(name, kSig_ii_i)                                          \
  static void invoke_##name(void* inst, const airlock_value* a, \
                            airlock_value* r) {                 \
    r[0].i32 = f_##name(inst, a[0].i32, a[1].i32);              \
  }
#define INVOKE_II_V(name)                                       \
  REF(name, kSig_ii_v)                                          \
  static void invoke_##name(void* inst, const airlock_value* a, \
                            airlock_value* r) {                 \
    (void)r;                                                    \
    f_##name(inst, a[0].i32, a[1].i32);                         \
  }
#define INVOKE_F_I(name)                                        \
  REF(name, kSig_f_i)                                           \
  static void invoke_##name(void* inst, const airlock_value* a, \
                            airlock_value* r) {                 \
    r[0].i32 = f_##name(inst, a[0].f32);                        \
  }

INVOKE_V_V(unreachable)
INVOKE_I_I(load)
INVOKE_II_V(store)
INVOKE_I_I(grow)
INVOKE_V_I(size)
INVOKE_I_I(table_grow)
INVOKE_I_I(recurse)
INVOKE_V_V(spin)
INVOKE_I_V(burn)
INVOKE_II_I(div)
INVOKE_F_I(trunc)
INVOKE_I_I(double)
INVOKE_V_I(seven)
INVOKE_II_I(call_indirect)
INVOKE_I_V(exit)
INVOKE_II_I(call_add)
INVOKE_V_V(call_fail)
INVOKE_V_I(reenter)
INVOKE_V_I(bump)
INVOKE_V_BIG_I(mode)

/* ---- Lifecycle ---- */

static int init(void* inst) {
  Instance* in = (Instance*)inst;
  if (airlock_rt_memory_init(&in->mem, in->h.budget, 2, 10) != 0) return -1;
  in->mem_slot = &in->mem;
  if (airlock_rt_table_init(&in->tab, in->h.budget, 1, 3, 10) != 0) return -1;
  in->tab_slot = &in->tab;
  in->tab.elems[0] = ref_double(in);
  in->tab.elems[2] = ref_seven(in);
  /* Data segment: 42 at address 16 (load(0) reads it). */
  uint32_t answer = 42;
  memcpy(in->mem.base + 16, &answer, sizeof answer);
  if (*in->imp_mode == 1) {
    /* A segment past the end of memory: the copy faults in the guard. */
    in->mem.base[in->mem.size + 100] = 1;
  }
  return 0;
}

static void start(void* inst) {
  Instance* in = (Instance*)inst;
  if (*in->imp_mode == 2) airlock_rt_trap(AIRLOCK_TRAP_UNREACHABLE);
  if (*in->imp_mode == 3) f_exit(in, 7);
  in->counter = 100;
}

static void destroy(void* inst) {
  Instance* in = (Instance*)inst;
  airlock_rt_table_free(&in->tab);
  airlock_rt_memory_free(&in->mem);
}

static const airlock_import_desc kImports[] = {
    {"env", "add", AIRLOCK_EXTERN_FUNC, kSig_ii_i, offsetof(Instance, imp_add),
     (void (*)(void))thunk_ii_i, 0, 0, 0},
    {"env", "fail", AIRLOCK_EXTERN_FUNC, kSig_v_v, offsetof(Instance, imp_fail),
     (void (*)(void))thunk_v_v, 0, 0, 0},
    {"env", "reenter", AIRLOCK_EXTERN_FUNC, kSig_v_v,
     offsetof(Instance, imp_reenter), (void (*)(void))thunk_v_v, 0, 0, 0},
    {"env", "mode", AIRLOCK_EXTERN_GLOBAL, "I", offsetof(Instance, imp_mode),
     NULL, 0, 0, 0},
};

#define FUNC_EXPORT(name, sig) \
  { #name, AIRLOCK_EXTERN_FUNC, sig, 0, 0, ref_##name, invoke_##name }

static const airlock_export_desc kExports[] = {
    FUNC_EXPORT(unreachable, kSig_v_v),
    FUNC_EXPORT(load, kSig_i_i),
    FUNC_EXPORT(store, kSig_ii_v),
    FUNC_EXPORT(grow, kSig_i_i),
    FUNC_EXPORT(size, kSig_v_i),
    FUNC_EXPORT(table_grow, kSig_i_i),
    FUNC_EXPORT(recurse, kSig_i_i),
    FUNC_EXPORT(spin, kSig_v_v),
    FUNC_EXPORT(burn, kSig_i_v),
    FUNC_EXPORT(div, kSig_ii_i),
    FUNC_EXPORT(trunc, kSig_f_i),
    FUNC_EXPORT(double, kSig_i_i),
    FUNC_EXPORT(seven, kSig_v_i),
    FUNC_EXPORT(call_indirect, kSig_ii_i),
    FUNC_EXPORT(exit, kSig_i_v),
    FUNC_EXPORT(call_add, kSig_ii_i),
    FUNC_EXPORT(call_fail, kSig_v_v),
    FUNC_EXPORT(reenter, kSig_v_i),
    FUNC_EXPORT(bump, kSig_v_i),
    FUNC_EXPORT(mode, kSig_v_I),
    {"memory", AIRLOCK_EXTERN_MEMORY, "", offsetof(Instance, mem_slot), 0, NULL,
     NULL},
    {"table", AIRLOCK_EXTERN_TABLE, "r", offsetof(Instance, tab_slot), 0, NULL,
     NULL},
    {"counter", AIRLOCK_EXTERN_GLOBAL, "mi", offsetof(Instance, counter), 0,
     NULL, NULL},
};

const airlock_module_desc airlock_module = {
    AIRLOCK_ABI_VERSION,
    "runtime-test-module",
    sizeof(Instance),
    1,
    sizeof(kImports) / sizeof(kImports[0]),
    kImports,
    sizeof(kExports) / sizeof(kExports[0]),
    kExports,
    init,
    start,
    destroy,
};
