/*
 * airlock_rt.h — the C ABI between translated Wasm modules and the airlock
 * runtime.
 *
 * Every module is translated to C by sandbox/translate (our own writer over
 * libwabt's IR), compiled to a shared object and dlopen()ed. The generated C
 * includes this header (and nothing of WABT). It plays the role of WABT's
 * wasm-rt.h, but is ours: WABT 1.0.32's writer cannot translate SIMD, is
 * quadratic in the function count and recurses without bound, and its
 * runtime keeps trap state in globals, so we own both sides of the contract.
 * See docs/engine.md.
 *
 * Conventions
 * - Every Wasm function (defined, imported, or reached through a funcref) is
 *   a C function whose first parameter is an opaque context (`void*`): the
 *   owning instance for translated functions, an airlock_host_func for host
 *   functions (reached through a generated typed thunk). Multiple results are
 *   returned in a struct whose members are the results in order.
 * - All state of one instance lives in one calloc()ed block whose first member
 *   is an airlock_instance_header. Nothing in generated code is global or
 *   mutable static state.
 * - Memory: one reservation per memory large enough that any 32-bit address
 *   plus 32-bit offset plus access size lands inside it; pages beyond the
 *   current size are PROT_NONE, so generated loads and stores carry no bounds
 *   check and an out-of-bounds access faults inside the reservation. The
 *   runtime's fault handler turns such a fault (and only such a fault) into
 *   the trap `memory_out_of_bounds`. The base address never moves.
 * - Traps: airlock_rt_trap() unwinds to the innermost airlock call scope of
 *   the current thread (siglongjmp). Generated code never holds resources
 *   across a call that can trap.
 *
 * Bump AIRLOCK_ABI_VERSION for any change to this file's types or functions;
 * it is part of the compile cache key.
 */
#ifndef AIRLOCK_SANDBOX_ABI_AIRLOCK_RT_H_
#define AIRLOCK_SANDBOX_ABI_AIRLOCK_RT_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AIRLOCK_ABI_VERSION 2

/* Wasm page size and the per-memory reservation (4 GiB of addresses, 4 GiB
 * of maximal static offset, plus one page for the widest access). */
#define AIRLOCK_PAGE_SIZE 65536u
#define AIRLOCK_MAX_PAGES 65536u
#define AIRLOCK_MEMORY_RESERVATION \
  ((uint64_t)8 * 1024 * 1024 * 1024 + AIRLOCK_PAGE_SIZE)

/* Stable trap kinds. The names (airlock_trap_name) are part of the public
 * contract: CLI output, API results, metrics labels. Never renumber. */
typedef enum airlock_trap_kind {
  AIRLOCK_TRAP_NONE = 0,
  AIRLOCK_TRAP_OUT_OF_FUEL = 1,
  AIRLOCK_TRAP_UNREACHABLE = 2,
  AIRLOCK_TRAP_MEMORY_OUT_OF_BOUNDS = 3,
  AIRLOCK_TRAP_CALL_STACK_EXHAUSTED = 4,
  AIRLOCK_TRAP_INTEGER_DIVIDE_BY_ZERO = 5,
  AIRLOCK_TRAP_INTEGER_OVERFLOW = 6,
  AIRLOCK_TRAP_INVALID_CONVERSION_TO_INTEGER = 7,
  AIRLOCK_TRAP_INDIRECT_CALL_TYPE_MISMATCH = 8,
  AIRLOCK_TRAP_UNDEFINED_TABLE_ELEMENT = 9,
  AIRLOCK_TRAP_TABLE_OUT_OF_BOUNDS = 10,
  AIRLOCK_TRAP_TIMEOUT = 11,
  /* Not traps: ways a run ends early that unwind like one. */
  AIRLOCK_TRAP_EXIT = 12, /* WASI proc_exit; code in the header */
  AIRLOCK_TRAP_HOST_ERROR =
      13, /* a host function failed; message kept by host */
} airlock_trap_kind;

/* A reference value. funcref: {sig, fn, ctx}, null when fn == NULL.
 * externref: the host value is in ctx, null when ctx == NULL; sig and fn are
 * NULL. */
typedef struct airlock_ref {
  const char* sig;  /* canonical signature, see airlock_sig_equal */
  void (*fn)(void); /* typed C function; cast before calling */
  void* ctx;        /* first argument of fn */
} airlock_ref;

/* A Wasm value, for generic (untyped) calls: invoke wrappers, host calls. */
typedef union airlock_value {
  uint32_t i32;
  uint64_t i64;
  float f32;
  double f64;
  uint8_t v128[16];
  airlock_ref ref;
} airlock_value;

/* Memory accounting for one instance: all memories and tables together. */
typedef struct airlock_budget {
  uint64_t limit; /* bytes; 0 = unlimited */
  uint64_t used;
  uint64_t peak;
} airlock_budget;

typedef struct airlock_memory {
  uint8_t* base;      /* start of the reservation; never moves */
  uint64_t size;      /* current size in bytes (pages * 64 KiB) */
  uint32_t pages;     /* current size in pages */
  uint32_t max_pages; /* declared maximum, or AIRLOCK_MAX_PAGES */
  uint64_t reserved;  /* bytes reserved at base */
  airlock_budget* budget;
  int registration; /* fault-handler registration slot, -1 if none */
} airlock_memory;

typedef struct airlock_table {
  airlock_ref* elems;
  uint32_t size;
  uint32_t max;      /* declared maximum, or UINT32_MAX */
  uint32_t capacity; /* allocated elements */
  uint8_t is_funcref;
  airlock_budget* budget;
} airlock_table;

/* The first member of every instance. Written by the runtime before any
 * generated code runs. */
typedef struct airlock_instance_header {
  int64_t fuel;           /* remaining fuel, if the module is metered */
  uint32_t interrupt;     /* set (atomically) to ask the guest to stop */
  uint32_t exit_code;     /* set with AIRLOCK_TRAP_EXIT */
  uintptr_t stack_limit;  /* guest code traps below this stack address */
  airlock_budget* budget; /* charged for memories and tables we create */
  void* embedder;         /* owned by the embedder */
  const struct airlock_module_desc* module;
} airlock_instance_header;

/* A host function, bound to a function import through the import's thunk:
 * the importing instance's slot becomes {sig, thunk, &host_func}. `call`
 * returns AIRLOCK_TRAP_NONE, or a trap kind to raise in the guest. */
typedef int (*airlock_host_call_fn)(void* ctx, const airlock_value* args,
                                    airlock_value* results);
typedef struct airlock_host_func {
  airlock_host_call_fn call;
  void* ctx;
} airlock_host_func;

typedef enum airlock_extern_kind {
  AIRLOCK_EXTERN_FUNC = 0,
  AIRLOCK_EXTERN_TABLE = 1,
  AIRLOCK_EXTERN_MEMORY = 2,
  AIRLOCK_EXTERN_GLOBAL = 3,
} airlock_extern_kind;

/* Type strings.
 * Value types: i=i32 I=i64 f=f32 F=f64 v=v128 r=funcref e=externref.
 * Function signature: params, '>', results, e.g. "iI>f", ">" for [] -> [].
 * Global type: one value type letter, prefixed with 'm' if mutable ("mi").
 * Table type: "r" or "e".  Memory type: "". */

/* One import. The embedder fills the slot at `offset` in the instance:
 *   func:   airlock_ref (for a host function: {type, thunk, &host_func})
 *   table:  airlock_table*
 *   memory: airlock_memory*
 *   global: pointer to the value cell (uint32_t*, uint64_t*, ..., airlock_ref*)
 */
typedef struct airlock_import_desc {
  const char* module;
  const char* name;
  uint8_t kind;
  const char* type;
  uint32_t offset;
  void (*thunk)(void); /* func: calls an airlock_host_func passed as ctx */
  uint32_t min;        /* table/memory: declared minimum */
  uint32_t max;        /* table/memory: declared maximum if has_max */
  uint8_t has_max;
} airlock_import_desc;

typedef struct airlock_export_desc {
  const char* name;
  uint8_t kind;
  const char* type; /* as for imports; for memory/table the limits below */
  /* table/memory/global: the cell (global) or pointer slot (table/memory,
   * always an airlock_table* / airlock_memory* slot) at `offset`; for an
   * imported global re-exported, `indirect` says the slot holds a pointer. */
  uint32_t offset;
  uint8_t indirect;
  /* func: a reference to call it from other modules or to store in tables. */
  airlock_ref (*func_ref)(void* instance);
  /* func: call with generic values (args: params in order; results: in
   * order). Traps unwind through it. */
  void (*invoke)(void* instance, const airlock_value* args,
                 airlock_value* results);
  /* Length of `name` in bytes: Wasm names may contain NUL. 0 means
   * strlen(name) (the same for the empty name). */
  uint32_t name_len;
} airlock_export_desc;

typedef struct airlock_module_desc {
  uint32_t abi_version;   /* AIRLOCK_ABI_VERSION when generated */
  const char* cache_key;  /* the key the artifact was compiled for */
  uint32_t instance_size; /* bytes to calloc for an instance */
  uint8_t fuel_metered;   /* 1 if the code counts fuel */
  uint32_t num_imports;
  const airlock_import_desc* imports;
  uint32_t num_exports;
  const airlock_export_desc* exports;
  /* Creates memories and tables, initialises globals, element and data
   * segments. Runs inside a call scope (segments out of bounds trap).
   * Returns 0, or -1 if a memory or table could not be created (the
   * runtime recorded why: over the budget, or out of host memory). */
  int (*init)(void* instance);
  /* The start function, or NULL. Runs inside a call scope. */
  void (*start)(void* instance);
  /* Frees what init created. Safe after a failed or partial init. */
  void (*destroy)(void* instance);
} airlock_module_desc;

/* The one symbol the runtime looks up in a compiled module. */
#define AIRLOCK_MODULE_SYMBOL "airlock_module"

/* ---- Runtime functions, provided by the embedding executable ---- */

/* Unwinds to the innermost call scope on this thread. */
__attribute__((noreturn)) void airlock_rt_trap(int kind);
/* Slow path of fuel and interrupt checks: traps with out_of_fuel if
 * fuel < 0, with timeout if an interrupt was requested; else returns. */
void airlock_rt_poll(airlock_instance_header* header, int64_t fuel);
/* Creates a memory of `initial` pages (maximum `max` pages), charged to
 * `budget`. Returns 0, or -1 (reason recorded by the runtime). */
int airlock_rt_memory_init(airlock_memory* memory, airlock_budget* budget,
                           uint32_t initial, uint32_t max);
/* memory.grow: returns the old size in pages or UINT32_MAX. */
uint32_t airlock_rt_memory_grow(airlock_memory* memory, uint32_t delta);
void airlock_rt_memory_free(airlock_memory* memory);
int airlock_rt_table_init(airlock_table* table, airlock_budget* budget,
                          uint8_t is_funcref, uint32_t initial, uint32_t max);
/* table.grow: returns the old size or UINT32_MAX. */
uint32_t airlock_rt_table_grow(airlock_table* table, uint32_t delta,
                               airlock_ref init);
void airlock_rt_table_free(airlock_table* table);

/* Signature equality across modules: pointer equality is the fast path. */
int airlock_sig_equal(const char* a, const char* b);

#ifdef __cplusplus
}
#endif

#endif /* AIRLOCK_SANDBOX_ABI_AIRLOCK_RT_H_ */
