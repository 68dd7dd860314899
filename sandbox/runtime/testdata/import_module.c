/*
 * A hand-written module that imports its memory and table, for the
 * runtime's linking tests.
 *
 * Imports: env.memory (memory, min 1 page, max 20 pages),
 *          env.table (funcref table, min 2, no max).
 * Exports: peek (i>i) and poke (ii>) on the imported memory (no offset),
 *          table_size (>i).
 */
#include <stddef.h>
#include <stdint.h>

#include "sandbox/abi/airlock_rt.h"

typedef struct Instance {
  airlock_instance_header h;
  airlock_memory* mem;
  airlock_table* tab;
} Instance;

static const char kSig_i_i[] = "i>i";
static const char kSig_ii_v[] = "ii>";
static const char kSig_v_i[] = ">i";

static uint32_t f_peek(void* ctx, uint32_t addr) {
  return *(volatile uint32_t*)(((Instance*)ctx)->mem->base + (uint64_t)addr);
}

static void f_poke(void* ctx, uint32_t addr, uint32_t value) {
  *(volatile uint32_t*)(((Instance*)ctx)->mem->base + (uint64_t)addr) = value;
}

static uint32_t f_table_size(void* ctx) { return ((Instance*)ctx)->tab->size; }

static airlock_ref ref_peek(void* inst) {
  airlock_ref r = {kSig_i_i, (void (*)(void))f_peek, inst};
  return r;
}
static void invoke_peek(void* inst, const airlock_value* a, airlock_value* r) {
  r[0].i32 = f_peek(inst, a[0].i32);
}
static airlock_ref ref_poke(void* inst) {
  airlock_ref r = {kSig_ii_v, (void (*)(void))f_poke, inst};
  return r;
}
static void invoke_poke(void* inst, const airlock_value* a, airlock_value* r) {
  (void)r;
  f_poke(inst, a[0].i32, a[1].i32);
}
static airlock_ref ref_table_size(void* inst) {
  airlock_ref r = {kSig_v_i, (void (*)(void))f_table_size, inst};
  return r;
}
static void invoke_table_size(void* inst, const airlock_value* a,
                              airlock_value* r) {
  (void)a;
  r[0].i32 = f_table_size(inst);
}

static int init(void* inst) {
  (void)inst;
  return 0;
}

static void destroy(void* inst) { (void)inst; }

static const airlock_import_desc kImports[] = {
    {"env", "memory", AIRLOCK_EXTERN_MEMORY, "", offsetof(Instance, mem), NULL,
     1, 20, 1},
    {"env", "table", AIRLOCK_EXTERN_TABLE, "r", offsetof(Instance, tab), NULL,
     2, 0, 0},
};

static const airlock_export_desc kExports[] = {
    {"peek", AIRLOCK_EXTERN_FUNC, kSig_i_i, 0, 0, ref_peek, invoke_peek},
    {"poke", AIRLOCK_EXTERN_FUNC, kSig_ii_v, 0, 0, ref_poke, invoke_poke},
    {"table_size", AIRLOCK_EXTERN_FUNC, kSig_v_i, 0, 0, ref_table_size,
     invoke_table_size},
};

const airlock_module_desc airlock_module = {
    AIRLOCK_ABI_VERSION,
    "runtime-import-module",
    sizeof(Instance),
    0,
    sizeof(kImports) / sizeof(kImports[0]),
    kImports,
    sizeof(kExports) / sizeof(kExports[0]),
    kExports,
    init,
    NULL,
    destroy,
};
