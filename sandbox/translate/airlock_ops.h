/*
 * airlock_ops.h — scalar Wasm operations for translated modules.
 *
 * Included by every generated translation unit, after airlock_rt.h. Each
 * helper implements one Wasm instruction exactly as the spec says, including
 * traps, NaN and signed-zero rules. Integers are unsigned in generated code;
 * signed operations cast. Memory accesses use memcpy so they are
 * alignment-safe on every host; compilers turn them into single loads.
 */
#ifndef AIRLOCK_OPS_H_
#define AIRLOCK_OPS_H_

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef int8_t s8;
typedef uint16_t u16;
typedef int16_t s16;
typedef uint32_t u32;
typedef int32_t s32;
typedef uint64_t u64;
typedef int64_t s64;
typedef float f32;
typedef double f64;

#define AL_LIKELY(x) __builtin_expect(!!(x), 1)
#define AL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define AL_HIDDEN __attribute__((visibility("hidden")))
#define AL_TRAP(kind) airlock_rt_trap(AIRLOCK_TRAP_##kind)

/* ---- constants and reinterpretation ---- */
static inline f32 al_f32_bits(u32 x) {
  f32 r;
  memcpy(&r, &x, 4);
  return r;
}
static inline f64 al_f64_bits(u64 x) {
  f64 r;
  memcpy(&r, &x, 8);
  return r;
}
static inline u32 al_bits_f32(f32 x) {
  u32 r;
  memcpy(&r, &x, 4);
  return r;
}
static inline u64 al_bits_f64(f64 x) {
  u64 r;
  memcpy(&r, &x, 8);
  return r;
}

/* ---- loads and stores (p = base + index + offset, guarded) ----
 * A load must happen even when its value is unused: it is how an
 * out-of-bounds access traps. The empty asm with the value as input keeps
 * the compiler from deleting it without hindering other optimisation.
 * Floats are loaded as integer bits (the asm constraint "r" is portable). */
#define AL_FORCE_READ(v) __asm__ volatile("" ::"r"(v))
/* The same for a 128-bit vector: in a vector register where the
 * architecture has a constraint for one, else through memory. */
#if defined(__x86_64__)
#define AL_FORCE_READ_VEC(v) __asm__ volatile("" ::"x"(v))
#elif defined(__aarch64__)
#define AL_FORCE_READ_VEC(v) __asm__ volatile("" ::"w"(v))
#else
#define AL_FORCE_READ_VEC(v) __asm__ volatile("" ::"m"(v))
#endif
#define AL_LOAD(name, T, R)           \
  static inline R name(const u8* p) { \
    T v;                              \
    memcpy(&v, p, sizeof v);          \
    AL_FORCE_READ(v);                 \
    return (R)v;                      \
  }
AL_LOAD(al_ld_i32, u32, u32)
AL_LOAD(al_ld_i64, u64, u64)
static inline f32 al_ld_f32(const u8* p) {
  u32 v;
  memcpy(&v, p, 4);
  AL_FORCE_READ(v);
  return al_f32_bits(v);
}
static inline f64 al_ld_f64(const u8* p) {
  u64 v;
  memcpy(&v, p, 8);
  AL_FORCE_READ(v);
  return al_f64_bits(v);
}
AL_LOAD(al_ld_i32_8s, s8, u32)
AL_LOAD(al_ld_i32_8u, u8, u32)
AL_LOAD(al_ld_i32_16s, s16, u32)
AL_LOAD(al_ld_i32_16u, u16, u32)
AL_LOAD(al_ld_i64_8s, s8, u64)
AL_LOAD(al_ld_i64_8u, u8, u64)
AL_LOAD(al_ld_i64_16s, s16, u64)
AL_LOAD(al_ld_i64_16u, u16, u64)
AL_LOAD(al_ld_i64_32s, s32, u64)
AL_LOAD(al_ld_i64_32u, u32, u64)
#define AL_STORE(name, T, V)            \
  static inline void name(u8* p, V v) { \
    T t = (T)v;                         \
    memcpy(p, &t, sizeof t);            \
  }
AL_STORE(al_st_i32, u32, u32)
AL_STORE(al_st_i64, u64, u64)
AL_STORE(al_st_f32, f32, f32)
AL_STORE(al_st_f64, f64, f64)
AL_STORE(al_st_i32_8, u8, u32)
AL_STORE(al_st_i32_16, u16, u32)
AL_STORE(al_st_i64_8, u8, u64)
AL_STORE(al_st_i64_16, u16, u64)
AL_STORE(al_st_i64_32, u32, u64)

/* ---- integer ---- */
static inline u32 al_i32_div_s(u32 a, u32 b) {
  if (AL_UNLIKELY(b == 0)) AL_TRAP(INTEGER_DIVIDE_BY_ZERO);
  if (AL_UNLIKELY(a == 0x80000000u && b == 0xffffffffu))
    AL_TRAP(INTEGER_OVERFLOW);
  return (u32)((s32)a / (s32)b);
}
static inline u32 al_i32_div_u(u32 a, u32 b) {
  if (AL_UNLIKELY(b == 0)) AL_TRAP(INTEGER_DIVIDE_BY_ZERO);
  return a / b;
}
static inline u32 al_i32_rem_s(u32 a, u32 b) {
  if (AL_UNLIKELY(b == 0)) AL_TRAP(INTEGER_DIVIDE_BY_ZERO);
  if (AL_UNLIKELY(b == 0xffffffffu)) return 0;
  return (u32)((s32)a % (s32)b);
}
static inline u32 al_i32_rem_u(u32 a, u32 b) {
  if (AL_UNLIKELY(b == 0)) AL_TRAP(INTEGER_DIVIDE_BY_ZERO);
  return a % b;
}
static inline u64 al_i64_div_s(u64 a, u64 b) {
  if (AL_UNLIKELY(b == 0)) AL_TRAP(INTEGER_DIVIDE_BY_ZERO);
  if (AL_UNLIKELY(a == 0x8000000000000000ull && b == ~0ull))
    AL_TRAP(INTEGER_OVERFLOW);
  return (u64)((s64)a / (s64)b);
}
static inline u64 al_i64_div_u(u64 a, u64 b) {
  if (AL_UNLIKELY(b == 0)) AL_TRAP(INTEGER_DIVIDE_BY_ZERO);
  return a / b;
}
static inline u64 al_i64_rem_s(u64 a, u64 b) {
  if (AL_UNLIKELY(b == 0)) AL_TRAP(INTEGER_DIVIDE_BY_ZERO);
  if (AL_UNLIKELY(b == ~0ull)) return 0;
  return (u64)((s64)a % (s64)b);
}
static inline u64 al_i64_rem_u(u64 a, u64 b) {
  if (AL_UNLIKELY(b == 0)) AL_TRAP(INTEGER_DIVIDE_BY_ZERO);
  return a % b;
}
static inline u32 al_i32_rotl(u32 a, u32 b) {
  b &= 31;
  return b ? (a << b) | (a >> (32 - b)) : a;
}
static inline u32 al_i32_rotr(u32 a, u32 b) {
  b &= 31;
  return b ? (a >> b) | (a << (32 - b)) : a;
}
static inline u64 al_i64_rotl(u64 a, u64 b) {
  b &= 63;
  return b ? (a << b) | (a >> (64 - b)) : a;
}
static inline u64 al_i64_rotr(u64 a, u64 b) {
  b &= 63;
  return b ? (a >> b) | (a << (64 - b)) : a;
}
static inline u32 al_i32_clz(u32 a) { return a ? (u32)__builtin_clz(a) : 32; }
static inline u32 al_i32_ctz(u32 a) { return a ? (u32)__builtin_ctz(a) : 32; }
static inline u64 al_i64_clz(u64 a) { return a ? (u64)__builtin_clzll(a) : 64; }
static inline u64 al_i64_ctz(u64 a) { return a ? (u64)__builtin_ctzll(a) : 64; }

/* ---- float ---- */
/* NaN in -> a quiet NaN out (an "arithmetic NaN"): a + b quiets. */
static inline f32 al_f32_min(f32 a, f32 b) {
  if (AL_UNLIKELY(a != a || b != b)) return a + b;
  if (AL_UNLIKELY(a == 0 && b == 0)) return signbit(a) ? a : b;
  return a < b ? a : b;
}
static inline f32 al_f32_max(f32 a, f32 b) {
  if (AL_UNLIKELY(a != a || b != b)) return a + b;
  if (AL_UNLIKELY(a == 0 && b == 0)) return signbit(a) ? b : a;
  return a > b ? a : b;
}
static inline f64 al_f64_min(f64 a, f64 b) {
  if (AL_UNLIKELY(a != a || b != b)) return a + b;
  if (AL_UNLIKELY(a == 0 && b == 0)) return signbit(a) ? a : b;
  return a < b ? a : b;
}
static inline f64 al_f64_max(f64 a, f64 b) {
  if (AL_UNLIKELY(a != a || b != b)) return a + b;
  if (AL_UNLIKELY(a == 0 && b == 0)) return signbit(a) ? b : a;
  return a > b ? a : b;
}
/* Sign operations are bit operations: they never touch NaN payloads. */
static inline f32 al_f32_abs(f32 a) {
  return al_f32_bits(al_bits_f32(a) & 0x7fffffffu);
}
static inline f32 al_f32_neg(f32 a) {
  return al_f32_bits(al_bits_f32(a) ^ 0x80000000u);
}
static inline f32 al_f32_copysign(f32 a, f32 b) {
  return al_f32_bits((al_bits_f32(a) & 0x7fffffffu) |
                     (al_bits_f32(b) & 0x80000000u));
}
static inline f64 al_f64_abs(f64 a) {
  return al_f64_bits(al_bits_f64(a) & 0x7fffffffffffffffull);
}
static inline f64 al_f64_neg(f64 a) {
  return al_f64_bits(al_bits_f64(a) ^ 0x8000000000000000ull);
}
static inline f64 al_f64_copysign(f64 a, f64 b) {
  return al_f64_bits((al_bits_f64(a) & 0x7fffffffffffffffull) |
                     (al_bits_f64(b) & 0x8000000000000000ull));
}
/* Rounding: a NaN input gives a quiet NaN (x + x quiets), never a signal. */
static inline f32 al_f32_ceil(f32 a) { return a != a ? a + a : ceilf(a); }
static inline f32 al_f32_floor(f32 a) { return a != a ? a + a : floorf(a); }
static inline f32 al_f32_trunc(f32 a) { return a != a ? a + a : truncf(a); }
static inline f32 al_f32_nearest(f32 a) {
  return a != a ? a + a : nearbyintf(a);
}
static inline f32 al_f32_sqrt(f32 a) { return sqrtf(a); }
static inline f64 al_f64_ceil(f64 a) { return a != a ? a + a : ceil(a); }
static inline f64 al_f64_floor(f64 a) { return a != a ? a + a : floor(a); }
static inline f64 al_f64_trunc(f64 a) { return a != a ? a + a : trunc(a); }
static inline f64 al_f64_nearest(f64 a) {
  return a != a ? a + a : nearbyint(a);
}
static inline f64 al_f64_sqrt(f64 a) { return sqrt(a); }

/* ---- promote / demote ----
 * A NaN becomes a quiet NaN with the payload carried over, built from bits:
 * the compiler may otherwise fold demote(promote(x)) into x and keep a
 * signalling NaN, which Wasm forbids (the result must be arithmetic). */
static inline f64 al_f64_promote_f32(f32 x) {
  if (AL_UNLIKELY(x != x)) {
    u32 b = al_bits_f32(x);
    return al_f64_bits(((u64)(b >> 31) << 63) | 0x7ff8000000000000ull |
                       ((u64)(b & 0x003fffffu) << 29));
  }
  return (f64)x;
}
static inline f32 al_f32_demote_f64(f64 x) {
  if (AL_UNLIKELY(x != x)) {
    u64 b = al_bits_f64(x);
    return al_f32_bits((u32)((b >> 63) << 31) | 0x7fc00000u |
                       (u32)((b >> 29) & 0x003fffffu));
  }
  return (f32)x;
}

/* ---- conversions that trap ---- */
#define AL_TRUNC(name, F, R, S, lo_ok, hi_ok)                          \
  static inline R name(F a) {                                          \
    if (AL_UNLIKELY(a != a)) AL_TRAP(INVALID_CONVERSION_TO_INTEGER);   \
    if (AL_UNLIKELY(!((lo_ok) && (hi_ok)))) AL_TRAP(INTEGER_OVERFLOW); \
    return (R)(S)a;                                                    \
  }
AL_TRUNC(al_i32_trunc_f32_s, f32, u32, s32, a >= -2147483648.0f,
         a < 2147483648.0f)
AL_TRUNC(al_i32_trunc_f32_u, f32, u32, u32, a > -1.0f, a < 4294967296.0f)
AL_TRUNC(al_i32_trunc_f64_s, f64, u32, s32, a > -2147483649.0, a < 2147483648.0)
AL_TRUNC(al_i32_trunc_f64_u, f64, u32, u32, a > -1.0, a < 4294967296.0)
AL_TRUNC(al_i64_trunc_f32_s, f32, u64, s64, a >= -9223372036854775808.0f,
         a < 9223372036854775808.0f)
AL_TRUNC(al_i64_trunc_f32_u, f32, u64, u64, a > -1.0f,
         a < 18446744073709551616.0f)
AL_TRUNC(al_i64_trunc_f64_s, f64, u64, s64, a >= -9223372036854775808.0,
         a < 9223372036854775808.0)
AL_TRUNC(al_i64_trunc_f64_u, f64, u64, u64, a > -1.0,
         a < 18446744073709551616.0)

/* ---- saturating conversions ---- */
#define AL_TRUNC_SAT(name, F, R, S, lo, hi, lo_val, hi_val) \
  static inline R name(F a) {                               \
    if (a != a) return 0;                                   \
    if (!(a lo)) return (R)(lo_val);                        \
    if (!(a hi)) return (R)(hi_val);                        \
    return (R)(S)a;                                         \
  }
AL_TRUNC_SAT(al_i32_trunc_sat_f32_s, f32, u32, s32, >= -2147483648.0f,
             < 2147483648.0f, 0x80000000u, 0x7fffffffu)
AL_TRUNC_SAT(al_i32_trunc_sat_f32_u, f32, u32, u32, > -1.0f, < 4294967296.0f,
             0u, 0xffffffffu)
AL_TRUNC_SAT(al_i32_trunc_sat_f64_s, f64, u32, s32, > -2147483649.0,
             < 2147483648.0, 0x80000000u, 0x7fffffffu)
AL_TRUNC_SAT(al_i32_trunc_sat_f64_u, f64, u32, u32, > -1.0, < 4294967296.0, 0u,
             0xffffffffu)
AL_TRUNC_SAT(al_i64_trunc_sat_f32_s, f32, u64, s64, >= -9223372036854775808.0f,
             < 9223372036854775808.0f, 0x8000000000000000ull,
             0x7fffffffffffffffull)
AL_TRUNC_SAT(al_i64_trunc_sat_f32_u, f32, u64, u64, > -1.0f,
             < 18446744073709551616.0f, 0ull, ~0ull)
AL_TRUNC_SAT(al_i64_trunc_sat_f64_s, f64, u64, s64, >= -9223372036854775808.0,
             < 9223372036854775808.0, 0x8000000000000000ull,
             0x7fffffffffffffffull)
AL_TRUNC_SAT(al_i64_trunc_sat_f64_u, f64, u64, u64, > -1.0,
             < 18446744073709551616.0, 0ull, ~0ull)

/* ---- bulk memory and tables (bounds checked: lengths are dynamic) ---- */
static inline void al_mem_check(const airlock_memory* m, u32 at, u32 n) {
  if (AL_UNLIKELY((u64)at + n > m->size)) AL_TRAP(MEMORY_OUT_OF_BOUNDS);
}
static inline void al_memory_fill(airlock_memory* m, u32 d, u32 v, u32 n) {
  al_mem_check(m, d, n);
  memset(m->base + d, (int)(v & 0xff), n);
}
static inline void al_memory_copy(airlock_memory* dm, airlock_memory* sm, u32 d,
                                  u32 s, u32 n) {
  al_mem_check(dm, d, n);
  al_mem_check(sm, s, n);
  memmove(dm->base + d, sm->base + s, n);
}
static inline void al_memory_init(airlock_memory* m, const u8* seg, u32 seg_len,
                                  u32 d, u32 s, u32 n) {
  al_mem_check(m, d, n);
  if (AL_UNLIKELY((u64)s + n > seg_len)) AL_TRAP(MEMORY_OUT_OF_BOUNDS);
  if (n) memcpy(m->base + d, seg + s, n);
}
static inline void al_table_check(const airlock_table* t, u32 at, u32 n) {
  if (AL_UNLIKELY((u64)at + n > t->size)) AL_TRAP(TABLE_OUT_OF_BOUNDS);
}
static inline airlock_ref al_table_get(const airlock_table* t, u32 i) {
  if (AL_UNLIKELY(i >= t->size)) AL_TRAP(TABLE_OUT_OF_BOUNDS);
  return t->elems[i];
}
static inline void al_table_set(airlock_table* t, u32 i, airlock_ref v) {
  if (AL_UNLIKELY(i >= t->size)) AL_TRAP(TABLE_OUT_OF_BOUNDS);
  t->elems[i] = v;
}
static inline void al_table_fill(airlock_table* t, u32 d, airlock_ref v,
                                 u32 n) {
  al_table_check(t, d, n);
  for (u32 i = 0; i < n; i++) t->elems[d + i] = v;
}
static inline void al_table_copy(airlock_table* dt, airlock_table* st, u32 d,
                                 u32 s, u32 n) {
  al_table_check(dt, d, n);
  al_table_check(st, s, n);
  memmove(dt->elems + d, st->elems + s, (size_t)n * sizeof(airlock_ref));
}
static inline void al_table_init(airlock_table* t, const airlock_ref* seg,
                                 u32 seg_len, u32 d, u32 s, u32 n) {
  al_table_check(t, d, n);
  if (AL_UNLIKELY((u64)s + n > seg_len)) AL_TRAP(TABLE_OUT_OF_BOUNDS);
  if (n) memcpy(t->elems + d, seg + s, (size_t)n * sizeof(airlock_ref));
}
/* call_indirect: the element, checked for presence and signature. */
static inline airlock_ref al_indirect(const airlock_table* t, u32 i,
                                      const char* sig) {
  if (AL_UNLIKELY(i >= t->size)) AL_TRAP(UNDEFINED_TABLE_ELEMENT);
  airlock_ref r = t->elems[i];
  if (AL_UNLIKELY(r.fn == 0)) AL_TRAP(UNDEFINED_TABLE_ELEMENT);
  if (AL_UNLIKELY(r.sig != sig && !airlock_sig_equal(r.sig, sig)))
    AL_TRAP(INDIRECT_CALL_TYPE_MISMATCH);
  return r;
}

#endif /* AIRLOCK_OPS_H_ */
