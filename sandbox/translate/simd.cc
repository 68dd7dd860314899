#include "sandbox/translate/simd.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"

namespace airlock::sandbox::translate_internal {
namespace {

using wabt::Opcode;

// Helpers for the instructions where libsimde (0.7.4) does not give the
// Wasm result on every host, checked against the spec tests. They are
// written with GCC/Clang vector extensions, so they are portable C for every
// target of gcc and clang and still compile to a few vector instructions.
//  - f32x4/f64x2 min/max: simde's x86 versions return the second operand
//    for min(-0, +0) / max(+0, -0) and an unquieted signalling NaN;
//    Wasm wants -0 / +0 and an arithmetic NaN.
//  - f32x4/f64x2 abs/neg: simde's portable fallback computes abs with a
//    comparison (wrong for -0 and NaN); Wasm's are pure sign-bit
//    operations that keep NaN payloads.
//  - f32x4/f64x2 ceil/floor/trunc/nearest: simde's x86 SSE2 versions give
//    +0 for f64x2.ceil(-0.5) and pass signalling NaNs through unquieted;
//    ours are exact, independent of the rounding mode, and need no libm.
//  - i16x8.q15mulr_sat_s: simde's x86 versions return 0x8000 for
//    0x8000 * 0x8000 instead of saturating to 0x7fff.
constexpr std::string_view kPrelude = R"(#include <simde/wasm/simd128.h>

typedef float simd_f32x4 __attribute__((vector_size(16)));
typedef double simd_f64x2 __attribute__((vector_size(16)));
typedef int32_t simd_i32x4 __attribute__((vector_size(16)));
typedef int64_t simd_i64x2 __attribute__((vector_size(16)));

/* Wasm fmin/fmax per lane: NaN if either operand is NaN (x + y quiets it),
   and -0 < +0. For equal operands, OR (min) / AND (max) of the bit patterns
   picks -0 / +0 and is the identity otherwise. */
static inline simde_v128_t simd_f32x4_min(simde_v128_t a, simde_v128_t b) {
  simd_f32x4 x, y;
  simd_i32x4 xi, yi, si, r;
  memcpy(&x, &a, 16);
  memcpy(&y, &b, 16);
  memcpy(&xi, &a, 16);
  memcpy(&yi, &b, 16);
  simd_f32x4 s = x + y;
  memcpy(&si, &s, 16);
  simd_i32x4 lt = (simd_i32x4)(x < y), gt = (simd_i32x4)(x > y),
             eq = (simd_i32x4)(x == y);
  r = (lt & xi) | (gt & yi) | (eq & (xi | yi)) | (~(lt | gt | eq) & si);
  simde_v128_t out;
  memcpy(&out, &r, 16);
  return out;
}
static inline simde_v128_t simd_f32x4_max(simde_v128_t a, simde_v128_t b) {
  simd_f32x4 x, y;
  simd_i32x4 xi, yi, si, r;
  memcpy(&x, &a, 16);
  memcpy(&y, &b, 16);
  memcpy(&xi, &a, 16);
  memcpy(&yi, &b, 16);
  simd_f32x4 s = x + y;
  memcpy(&si, &s, 16);
  simd_i32x4 lt = (simd_i32x4)(x < y), gt = (simd_i32x4)(x > y),
             eq = (simd_i32x4)(x == y);
  r = (gt & xi) | (lt & yi) | (eq & (xi & yi)) | (~(lt | gt | eq) & si);
  simde_v128_t out;
  memcpy(&out, &r, 16);
  return out;
}
static inline simde_v128_t simd_f64x2_min(simde_v128_t a, simde_v128_t b) {
  simd_f64x2 x, y;
  simd_i64x2 xi, yi, si, r;
  memcpy(&x, &a, 16);
  memcpy(&y, &b, 16);
  memcpy(&xi, &a, 16);
  memcpy(&yi, &b, 16);
  simd_f64x2 s = x + y;
  memcpy(&si, &s, 16);
  simd_i64x2 lt = (simd_i64x2)(x < y), gt = (simd_i64x2)(x > y),
             eq = (simd_i64x2)(x == y);
  r = (lt & xi) | (gt & yi) | (eq & (xi | yi)) | (~(lt | gt | eq) & si);
  simde_v128_t out;
  memcpy(&out, &r, 16);
  return out;
}
static inline simde_v128_t simd_f64x2_max(simde_v128_t a, simde_v128_t b) {
  simd_f64x2 x, y;
  simd_i64x2 xi, yi, si, r;
  memcpy(&x, &a, 16);
  memcpy(&y, &b, 16);
  memcpy(&xi, &a, 16);
  memcpy(&yi, &b, 16);
  simd_f64x2 s = x + y;
  memcpy(&si, &s, 16);
  simd_i64x2 lt = (simd_i64x2)(x < y), gt = (simd_i64x2)(x > y),
             eq = (simd_i64x2)(x == y);
  r = (gt & xi) | (lt & yi) | (eq & (xi & yi)) | (~(lt | gt | eq) & si);
  simde_v128_t out;
  memcpy(&out, &r, 16);
  return out;
}

/* Sign-bit operations: abs clears, neg flips (NaN payloads kept). */
static inline simde_v128_t simd_f32x4_abs(simde_v128_t a) {
  return simde_wasm_v128_andnot(a, simde_wasm_i32x4_splat(INT32_MIN));
}
static inline simde_v128_t simd_f32x4_neg(simde_v128_t a) {
  return simde_wasm_v128_xor(a, simde_wasm_i32x4_splat(INT32_MIN));
}
static inline simde_v128_t simd_f64x2_abs(simde_v128_t a) {
  return simde_wasm_v128_andnot(a, simde_wasm_i64x2_splat(INT64_MIN));
}
static inline simde_v128_t simd_f64x2_neg(simde_v128_t a) {
  return simde_wasm_v128_xor(a, simde_wasm_i64x2_splat(INT64_MIN));
}

/* Rounding to integral, per lane. NaN and infinities: x + x (quiets NaN).
   |x| >= 2^23 (f32) / 2^52 (f64): already integral. Otherwise the integer
   conversion truncates exactly, and the result takes x's sign, which gives
   ceil(-0.5) = -0, nearest(-0.5) = -0, trunc(-0) = -0 as Wasm requires.
   MODE: 0 trunc, 1 ceil, 2 floor, 3 nearest (ties to even). */
static inline float simd_round_f32(float x, int mode) {
  uint32_t b, rb;
  memcpy(&b, &x, 4);
  uint32_t e = (b >> 23) & 0xff;
  if (e == 0xff) return x + x;
  if (e >= 127 + 23) return x;
  int32_t i = (int32_t)x;
  float t = (float)i;
  if (mode == 1 && t < x) t += 1.0f;
  if (mode == 2 && t > x) t -= 1.0f;
  if (mode == 3) {
    float f = x - t; /* exact */
    if (f > 0.5f || (f == 0.5f && (i & 1))) t += 1.0f;
    if (f < -0.5f || (f == -0.5f && (i & 1))) t -= 1.0f;
  }
  memcpy(&rb, &t, 4);
  rb = (rb & 0x7fffffffu) | (b & 0x80000000u);
  memcpy(&t, &rb, 4);
  return t;
}
static inline double simd_round_f64(double x, int mode) {
  uint64_t b, rb;
  memcpy(&b, &x, 8);
  uint64_t e = (b >> 52) & 0x7ff;
  if (e == 0x7ff) return x + x;
  if (e >= 1023 + 52) return x;
  int64_t i = (int64_t)x;
  double t = (double)i;
  if (mode == 1 && t < x) t += 1.0;
  if (mode == 2 && t > x) t -= 1.0;
  if (mode == 3) {
    double f = x - t; /* exact */
    if (f > 0.5 || (f == 0.5 && (i & 1))) t += 1.0;
    if (f < -0.5 || (f == -0.5 && (i & 1))) t -= 1.0;
  }
  memcpy(&rb, &t, 8);
  rb = (rb & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull);
  memcpy(&t, &rb, 8);
  return t;
}
static inline simde_v128_t simd_f32x4_round(simde_v128_t a, int mode) {
  float f[4];
  memcpy(f, &a, 16);
  for (int i = 0; i < 4; ++i) f[i] = simd_round_f32(f[i], mode);
  memcpy(&a, f, 16);
  return a;
}
static inline simde_v128_t simd_f64x2_round(simde_v128_t a, int mode) {
  double f[2];
  memcpy(f, &a, 16);
  for (int i = 0; i < 2; ++i) f[i] = simd_round_f64(f[i], mode);
  memcpy(&a, f, 16);
  return a;
}

/* (a * b + 0x4000) >> 15 per lane, saturated: only -32768 * -32768
   overflows. */
static inline simde_v128_t simd_i16x8_q15mulr_sat(simde_v128_t a,
                                                  simde_v128_t b) {
  int16_t x[8], y[8], r[8];
  memcpy(x, &a, 16);
  memcpy(y, &b, 16);
  for (int i = 0; i < 8; ++i) {
    int32_t p = ((int32_t)x[i] * y[i] + 0x4000) >> 15;
    r[i] = (int16_t)(p > INT16_MAX ? INT16_MAX : p);
  }
  simde_v128_t out;
  memcpy(&out, r, 16);
  return out;
}
)";

// Expands `pattern`: $0, $1, $2 become the operands and $L the lane index.
// Every pattern below names each operand exactly once, so operands are
// evaluated once (in an order C leaves unspecified).
std::string Fill(const char* pattern, std::span<const std::string> operands,
                 uint64_t lane = 0) {
  std::string out;
  for (const char* p = pattern; *p != '\0'; ++p) {
    if (p[0] == '$' && p[1] >= '0' && p[1] <= '2') {
      out += operands[p[1] - '0'];
      ++p;
    } else if (p[0] == '$' && p[1] == 'L') {
      out += std::to_string(lane);
      ++p;
    } else {
      out += *p;
    }
  }
  return out;
}

struct OpPattern {
  int arity;  // number of operands
  const char* pattern;
};

// The C pattern of an instruction without immediates, or arity 0 if `op` is
// not one.
OpPattern PatternFor(Opcode op) {
  switch (op) {
    // Splats: i32/i64 operands are unsigned; the casts truncate.
    case Opcode::I8X16Splat:
      return {1, "simde_wasm_i8x16_splat((int8_t)($0))"};
    case Opcode::I16X8Splat:
      return {1, "simde_wasm_i16x8_splat((int16_t)($0))"};
    case Opcode::I32X4Splat:
      return {1, "simde_wasm_i32x4_splat((int32_t)($0))"};
    case Opcode::I64X2Splat:
      return {1, "simde_wasm_i64x2_splat((int64_t)($0))"};
    case Opcode::F32X4Splat:
      return {1, "simde_wasm_f32x4_splat($0)"};
    case Opcode::F64X2Splat:
      return {1, "simde_wasm_f64x2_splat($0)"};

    case Opcode::I8X16Swizzle:
      return {2, "simde_wasm_i8x16_swizzle($0, $1)"};

    // Comparisons.
    case Opcode::I8X16Eq:
      return {2, "simde_wasm_i8x16_eq($0, $1)"};
    case Opcode::I8X16Ne:
      return {2, "simde_wasm_i8x16_ne($0, $1)"};
    case Opcode::I8X16LtS:
      return {2, "simde_wasm_i8x16_lt($0, $1)"};
    case Opcode::I8X16LtU:
      return {2, "simde_wasm_u8x16_lt($0, $1)"};
    case Opcode::I8X16GtS:
      return {2, "simde_wasm_i8x16_gt($0, $1)"};
    case Opcode::I8X16GtU:
      return {2, "simde_wasm_u8x16_gt($0, $1)"};
    case Opcode::I8X16LeS:
      return {2, "simde_wasm_i8x16_le($0, $1)"};
    case Opcode::I8X16LeU:
      return {2, "simde_wasm_u8x16_le($0, $1)"};
    case Opcode::I8X16GeS:
      return {2, "simde_wasm_i8x16_ge($0, $1)"};
    case Opcode::I8X16GeU:
      return {2, "simde_wasm_u8x16_ge($0, $1)"};
    case Opcode::I16X8Eq:
      return {2, "simde_wasm_i16x8_eq($0, $1)"};
    case Opcode::I16X8Ne:
      return {2, "simde_wasm_i16x8_ne($0, $1)"};
    case Opcode::I16X8LtS:
      return {2, "simde_wasm_i16x8_lt($0, $1)"};
    case Opcode::I16X8LtU:
      return {2, "simde_wasm_u16x8_lt($0, $1)"};
    case Opcode::I16X8GtS:
      return {2, "simde_wasm_i16x8_gt($0, $1)"};
    case Opcode::I16X8GtU:
      return {2, "simde_wasm_u16x8_gt($0, $1)"};
    case Opcode::I16X8LeS:
      return {2, "simde_wasm_i16x8_le($0, $1)"};
    case Opcode::I16X8LeU:
      return {2, "simde_wasm_u16x8_le($0, $1)"};
    case Opcode::I16X8GeS:
      return {2, "simde_wasm_i16x8_ge($0, $1)"};
    case Opcode::I16X8GeU:
      return {2, "simde_wasm_u16x8_ge($0, $1)"};
    case Opcode::I32X4Eq:
      return {2, "simde_wasm_i32x4_eq($0, $1)"};
    case Opcode::I32X4Ne:
      return {2, "simde_wasm_i32x4_ne($0, $1)"};
    case Opcode::I32X4LtS:
      return {2, "simde_wasm_i32x4_lt($0, $1)"};
    case Opcode::I32X4LtU:
      return {2, "simde_wasm_u32x4_lt($0, $1)"};
    case Opcode::I32X4GtS:
      return {2, "simde_wasm_i32x4_gt($0, $1)"};
    case Opcode::I32X4GtU:
      return {2, "simde_wasm_u32x4_gt($0, $1)"};
    case Opcode::I32X4LeS:
      return {2, "simde_wasm_i32x4_le($0, $1)"};
    case Opcode::I32X4LeU:
      return {2, "simde_wasm_u32x4_le($0, $1)"};
    case Opcode::I32X4GeS:
      return {2, "simde_wasm_i32x4_ge($0, $1)"};
    case Opcode::I32X4GeU:
      return {2, "simde_wasm_u32x4_ge($0, $1)"};
    case Opcode::I64X2Eq:
      return {2, "simde_wasm_i64x2_eq($0, $1)"};
    case Opcode::I64X2Ne:
      return {2, "simde_wasm_i64x2_ne($0, $1)"};
    case Opcode::I64X2LtS:
      return {2, "simde_wasm_i64x2_lt($0, $1)"};
    case Opcode::I64X2GtS:
      return {2, "simde_wasm_i64x2_gt($0, $1)"};
    case Opcode::I64X2LeS:
      return {2, "simde_wasm_i64x2_le($0, $1)"};
    case Opcode::I64X2GeS:
      return {2, "simde_wasm_i64x2_ge($0, $1)"};
    case Opcode::F32X4Eq:
      return {2, "simde_wasm_f32x4_eq($0, $1)"};
    case Opcode::F32X4Ne:
      return {2, "simde_wasm_f32x4_ne($0, $1)"};
    case Opcode::F32X4Lt:
      return {2, "simde_wasm_f32x4_lt($0, $1)"};
    case Opcode::F32X4Gt:
      return {2, "simde_wasm_f32x4_gt($0, $1)"};
    case Opcode::F32X4Le:
      return {2, "simde_wasm_f32x4_le($0, $1)"};
    case Opcode::F32X4Ge:
      return {2, "simde_wasm_f32x4_ge($0, $1)"};
    case Opcode::F64X2Eq:
      return {2, "simde_wasm_f64x2_eq($0, $1)"};
    case Opcode::F64X2Ne:
      return {2, "simde_wasm_f64x2_ne($0, $1)"};
    case Opcode::F64X2Lt:
      return {2, "simde_wasm_f64x2_lt($0, $1)"};
    case Opcode::F64X2Gt:
      return {2, "simde_wasm_f64x2_gt($0, $1)"};
    case Opcode::F64X2Le:
      return {2, "simde_wasm_f64x2_le($0, $1)"};
    case Opcode::F64X2Ge:
      return {2, "simde_wasm_f64x2_ge($0, $1)"};

    // Bitwise.
    case Opcode::V128Not:
      return {1, "simde_wasm_v128_not($0)"};
    case Opcode::V128And:
      return {2, "simde_wasm_v128_and($0, $1)"};
    case Opcode::V128Andnot:
      return {2, "simde_wasm_v128_andnot($0, $1)"};
    case Opcode::V128Or:
      return {2, "simde_wasm_v128_or($0, $1)"};
    case Opcode::V128Xor:
      return {2, "simde_wasm_v128_xor($0, $1)"};
    case Opcode::V128BitSelect:
      return {3, "simde_wasm_v128_bitselect($0, $1, $2)"};
    case Opcode::V128AnyTrue:
      return {1, "((uint32_t)simde_wasm_v128_any_true($0))"};

    // Float <-> float conversions.
    case Opcode::F32X4DemoteF64X2Zero:
      return {1, "simde_wasm_f32x4_demote_f64x2_zero($0)"};
    case Opcode::F64X2PromoteLowF32X4:
      return {1, "simde_wasm_f64x2_promote_low_f32x4($0)"};

    // i8x16.
    case Opcode::I8X16Abs:
      return {1, "simde_wasm_i8x16_abs($0)"};
    case Opcode::I8X16Neg:
      return {1, "simde_wasm_i8x16_neg($0)"};
    case Opcode::I8X16Popcnt:
      return {1, "simde_wasm_i8x16_popcnt($0)"};
    case Opcode::I8X16AllTrue:
      return {1, "((uint32_t)simde_wasm_i8x16_all_true($0))"};
    case Opcode::I8X16Bitmask:
      return {1, "((uint32_t)simde_wasm_i8x16_bitmask($0))"};
    case Opcode::I8X16NarrowI16X8S:
      return {2, "simde_wasm_i8x16_narrow_i16x8($0, $1)"};
    case Opcode::I8X16NarrowI16X8U:
      return {2, "simde_wasm_u8x16_narrow_i16x8($0, $1)"};
    case Opcode::I8X16Shl:
      return {2, "simde_wasm_i8x16_shl($0, $1)"};
    case Opcode::I8X16ShrS:
      return {2, "simde_wasm_i8x16_shr($0, $1)"};
    case Opcode::I8X16ShrU:
      return {2, "simde_wasm_u8x16_shr($0, $1)"};
    case Opcode::I8X16Add:
      return {2, "simde_wasm_i8x16_add($0, $1)"};
    case Opcode::I8X16AddSatS:
      return {2, "simde_wasm_i8x16_add_sat($0, $1)"};
    case Opcode::I8X16AddSatU:
      return {2, "simde_wasm_u8x16_add_sat($0, $1)"};
    case Opcode::I8X16Sub:
      return {2, "simde_wasm_i8x16_sub($0, $1)"};
    case Opcode::I8X16SubSatS:
      return {2, "simde_wasm_i8x16_sub_sat($0, $1)"};
    case Opcode::I8X16SubSatU:
      return {2, "simde_wasm_u8x16_sub_sat($0, $1)"};
    case Opcode::I8X16MinS:
      return {2, "simde_wasm_i8x16_min($0, $1)"};
    case Opcode::I8X16MinU:
      return {2, "simde_wasm_u8x16_min($0, $1)"};
    case Opcode::I8X16MaxS:
      return {2, "simde_wasm_i8x16_max($0, $1)"};
    case Opcode::I8X16MaxU:
      return {2, "simde_wasm_u8x16_max($0, $1)"};
    case Opcode::I8X16AvgrU:
      return {2, "simde_wasm_u8x16_avgr($0, $1)"};

    // i16x8.
    case Opcode::I16X8ExtaddPairwiseI8X16S:
      return {1, "simde_wasm_i16x8_extadd_pairwise_i8x16($0)"};
    case Opcode::I16X8ExtaddPairwiseI8X16U:
      return {1, "simde_wasm_u16x8_extadd_pairwise_u8x16($0)"};
    case Opcode::I16X8Abs:
      return {1, "simde_wasm_i16x8_abs($0)"};
    case Opcode::I16X8Neg:
      return {1, "simde_wasm_i16x8_neg($0)"};
    case Opcode::I16X8Q15mulrSatS:
      return {2, "simd_i16x8_q15mulr_sat($0, $1)"};
    case Opcode::I16X8AllTrue:
      return {1, "((uint32_t)simde_wasm_i16x8_all_true($0))"};
    case Opcode::I16X8Bitmask:
      return {1, "((uint32_t)simde_wasm_i16x8_bitmask($0))"};
    case Opcode::I16X8NarrowI32X4S:
      return {2, "simde_wasm_i16x8_narrow_i32x4($0, $1)"};
    case Opcode::I16X8NarrowI32X4U:
      return {2, "simde_wasm_u16x8_narrow_i32x4($0, $1)"};
    case Opcode::I16X8ExtendLowI8X16S:
      return {1, "simde_wasm_i16x8_extend_low_i8x16($0)"};
    case Opcode::I16X8ExtendHighI8X16S:
      return {1, "simde_wasm_i16x8_extend_high_i8x16($0)"};
    case Opcode::I16X8ExtendLowI8X16U:
      return {1, "simde_wasm_u16x8_extend_low_u8x16($0)"};
    case Opcode::I16X8ExtendHighI8X16U:
      return {1, "simde_wasm_u16x8_extend_high_u8x16($0)"};
    case Opcode::I16X8Shl:
      return {2, "simde_wasm_i16x8_shl($0, $1)"};
    case Opcode::I16X8ShrS:
      return {2, "simde_wasm_i16x8_shr($0, $1)"};
    case Opcode::I16X8ShrU:
      return {2, "simde_wasm_u16x8_shr($0, $1)"};
    case Opcode::I16X8Add:
      return {2, "simde_wasm_i16x8_add($0, $1)"};
    case Opcode::I16X8AddSatS:
      return {2, "simde_wasm_i16x8_add_sat($0, $1)"};
    case Opcode::I16X8AddSatU:
      return {2, "simde_wasm_u16x8_add_sat($0, $1)"};
    case Opcode::I16X8Sub:
      return {2, "simde_wasm_i16x8_sub($0, $1)"};
    case Opcode::I16X8SubSatS:
      return {2, "simde_wasm_i16x8_sub_sat($0, $1)"};
    case Opcode::I16X8SubSatU:
      return {2, "simde_wasm_u16x8_sub_sat($0, $1)"};
    case Opcode::I16X8Mul:
      return {2, "simde_wasm_i16x8_mul($0, $1)"};
    case Opcode::I16X8MinS:
      return {2, "simde_wasm_i16x8_min($0, $1)"};
    case Opcode::I16X8MinU:
      return {2, "simde_wasm_u16x8_min($0, $1)"};
    case Opcode::I16X8MaxS:
      return {2, "simde_wasm_i16x8_max($0, $1)"};
    case Opcode::I16X8MaxU:
      return {2, "simde_wasm_u16x8_max($0, $1)"};
    case Opcode::I16X8AvgrU:
      return {2, "simde_wasm_u16x8_avgr($0, $1)"};
    case Opcode::I16X8ExtmulLowI8X16S:
      return {2, "simde_wasm_i16x8_extmul_low_i8x16($0, $1)"};
    case Opcode::I16X8ExtmulHighI8X16S:
      return {2, "simde_wasm_i16x8_extmul_high_i8x16($0, $1)"};
    case Opcode::I16X8ExtmulLowI8X16U:
      return {2, "simde_wasm_u16x8_extmul_low_u8x16($0, $1)"};
    case Opcode::I16X8ExtmulHighI8X16U:
      return {2, "simde_wasm_u16x8_extmul_high_u8x16($0, $1)"};

    // i32x4.
    case Opcode::I32X4ExtaddPairwiseI16X8S:
      return {1, "simde_wasm_i32x4_extadd_pairwise_i16x8($0)"};
    case Opcode::I32X4ExtaddPairwiseI16X8U:
      return {1, "simde_wasm_u32x4_extadd_pairwise_u16x8($0)"};
    case Opcode::I32X4Abs:
      return {1, "simde_wasm_i32x4_abs($0)"};
    case Opcode::I32X4Neg:
      return {1, "simde_wasm_i32x4_neg($0)"};
    case Opcode::I32X4AllTrue:
      return {1, "((uint32_t)simde_wasm_i32x4_all_true($0))"};
    case Opcode::I32X4Bitmask:
      return {1, "((uint32_t)simde_wasm_i32x4_bitmask($0))"};
    case Opcode::I32X4ExtendLowI16X8S:
      return {1, "simde_wasm_i32x4_extend_low_i16x8($0)"};
    case Opcode::I32X4ExtendHighI16X8S:
      return {1, "simde_wasm_i32x4_extend_high_i16x8($0)"};
    case Opcode::I32X4ExtendLowI16X8U:
      return {1, "simde_wasm_u32x4_extend_low_u16x8($0)"};
    case Opcode::I32X4ExtendHighI16X8U:
      return {1, "simde_wasm_u32x4_extend_high_u16x8($0)"};
    case Opcode::I32X4Shl:
      return {2, "simde_wasm_i32x4_shl($0, $1)"};
    case Opcode::I32X4ShrS:
      return {2, "simde_wasm_i32x4_shr($0, $1)"};
    case Opcode::I32X4ShrU:
      return {2, "simde_wasm_u32x4_shr($0, $1)"};
    case Opcode::I32X4Add:
      return {2, "simde_wasm_i32x4_add($0, $1)"};
    case Opcode::I32X4Sub:
      return {2, "simde_wasm_i32x4_sub($0, $1)"};
    case Opcode::I32X4Mul:
      return {2, "simde_wasm_i32x4_mul($0, $1)"};
    case Opcode::I32X4MinS:
      return {2, "simde_wasm_i32x4_min($0, $1)"};
    case Opcode::I32X4MinU:
      return {2, "simde_wasm_u32x4_min($0, $1)"};
    case Opcode::I32X4MaxS:
      return {2, "simde_wasm_i32x4_max($0, $1)"};
    case Opcode::I32X4MaxU:
      return {2, "simde_wasm_u32x4_max($0, $1)"};
    case Opcode::I32X4DotI16X8S:
      return {2, "simde_wasm_i32x4_dot_i16x8($0, $1)"};
    case Opcode::I32X4ExtmulLowI16X8S:
      return {2, "simde_wasm_i32x4_extmul_low_i16x8($0, $1)"};
    case Opcode::I32X4ExtmulHighI16X8S:
      return {2, "simde_wasm_i32x4_extmul_high_i16x8($0, $1)"};
    case Opcode::I32X4ExtmulLowI16X8U:
      return {2, "simde_wasm_u32x4_extmul_low_u16x8($0, $1)"};
    case Opcode::I32X4ExtmulHighI16X8U:
      return {2, "simde_wasm_u32x4_extmul_high_u16x8($0, $1)"};

    // i64x2.
    case Opcode::I64X2Abs:
      return {1, "simde_wasm_i64x2_abs($0)"};
    case Opcode::I64X2Neg:
      return {1, "simde_wasm_i64x2_neg($0)"};
    case Opcode::I64X2AllTrue:
      return {1, "((uint32_t)simde_wasm_i64x2_all_true($0))"};
    case Opcode::I64X2Bitmask:
      return {1, "((uint32_t)simde_wasm_i64x2_bitmask($0))"};
    case Opcode::I64X2ExtendLowI32X4S:
      return {1, "simde_wasm_i64x2_extend_low_i32x4($0)"};
    case Opcode::I64X2ExtendHighI32X4S:
      return {1, "simde_wasm_i64x2_extend_high_i32x4($0)"};
    case Opcode::I64X2ExtendLowI32X4U:
      return {1, "simde_wasm_u64x2_extend_low_u32x4($0)"};
    case Opcode::I64X2ExtendHighI32X4U:
      return {1, "simde_wasm_u64x2_extend_high_u32x4($0)"};
    case Opcode::I64X2Shl:
      return {2, "simde_wasm_i64x2_shl($0, $1)"};
    case Opcode::I64X2ShrS:
      return {2, "simde_wasm_i64x2_shr($0, $1)"};
    case Opcode::I64X2ShrU:
      return {2, "simde_wasm_u64x2_shr($0, $1)"};
    case Opcode::I64X2Add:
      return {2, "simde_wasm_i64x2_add($0, $1)"};
    case Opcode::I64X2Sub:
      return {2, "simde_wasm_i64x2_sub($0, $1)"};
    case Opcode::I64X2Mul:
      return {2, "simde_wasm_i64x2_mul($0, $1)"};
    case Opcode::I64X2ExtmulLowI32X4S:
      return {2, "simde_wasm_i64x2_extmul_low_i32x4($0, $1)"};
    case Opcode::I64X2ExtmulHighI32X4S:
      return {2, "simde_wasm_i64x2_extmul_high_i32x4($0, $1)"};
    case Opcode::I64X2ExtmulLowI32X4U:
      return {2, "simde_wasm_u64x2_extmul_low_u32x4($0, $1)"};
    case Opcode::I64X2ExtmulHighI32X4U:
      return {2, "simde_wasm_u64x2_extmul_high_u32x4($0, $1)"};

    // f32x4.
    case Opcode::F32X4Ceil:
      return {1, "simd_f32x4_round($0, 1)"};
    case Opcode::F32X4Floor:
      return {1, "simd_f32x4_round($0, 2)"};
    case Opcode::F32X4Trunc:
      return {1, "simd_f32x4_round($0, 0)"};
    case Opcode::F32X4Nearest:
      return {1, "simd_f32x4_round($0, 3)"};
    case Opcode::F32X4Abs:
      return {1, "simd_f32x4_abs($0)"};
    case Opcode::F32X4Neg:
      return {1, "simd_f32x4_neg($0)"};
    case Opcode::F32X4Sqrt:
      return {1, "simde_wasm_f32x4_sqrt($0)"};
    case Opcode::F32X4Add:
      return {2, "simde_wasm_f32x4_add($0, $1)"};
    case Opcode::F32X4Sub:
      return {2, "simde_wasm_f32x4_sub($0, $1)"};
    case Opcode::F32X4Mul:
      return {2, "simde_wasm_f32x4_mul($0, $1)"};
    case Opcode::F32X4Div:
      return {2, "simde_wasm_f32x4_div($0, $1)"};
    case Opcode::F32X4Min:
      return {2, "simd_f32x4_min($0, $1)"};
    case Opcode::F32X4Max:
      return {2, "simd_f32x4_max($0, $1)"};
    case Opcode::F32X4PMin:
      return {2, "simde_wasm_f32x4_pmin($0, $1)"};
    case Opcode::F32X4PMax:
      return {2, "simde_wasm_f32x4_pmax($0, $1)"};

    // f64x2.
    case Opcode::F64X2Ceil:
      return {1, "simd_f64x2_round($0, 1)"};
    case Opcode::F64X2Floor:
      return {1, "simd_f64x2_round($0, 2)"};
    case Opcode::F64X2Trunc:
      return {1, "simd_f64x2_round($0, 0)"};
    case Opcode::F64X2Nearest:
      return {1, "simd_f64x2_round($0, 3)"};
    case Opcode::F64X2Abs:
      return {1, "simd_f64x2_abs($0)"};
    case Opcode::F64X2Neg:
      return {1, "simd_f64x2_neg($0)"};
    case Opcode::F64X2Sqrt:
      return {1, "simde_wasm_f64x2_sqrt($0)"};
    case Opcode::F64X2Add:
      return {2, "simde_wasm_f64x2_add($0, $1)"};
    case Opcode::F64X2Sub:
      return {2, "simde_wasm_f64x2_sub($0, $1)"};
    case Opcode::F64X2Mul:
      return {2, "simde_wasm_f64x2_mul($0, $1)"};
    case Opcode::F64X2Div:
      return {2, "simde_wasm_f64x2_div($0, $1)"};
    case Opcode::F64X2Min:
      return {2, "simd_f64x2_min($0, $1)"};
    case Opcode::F64X2Max:
      return {2, "simd_f64x2_max($0, $1)"};
    case Opcode::F64X2PMin:
      return {2, "simde_wasm_f64x2_pmin($0, $1)"};
    case Opcode::F64X2PMax:
      return {2, "simde_wasm_f64x2_pmax($0, $1)"};

    // Float <-> integer conversions.
    case Opcode::I32X4TruncSatF32X4S:
      return {1, "simde_wasm_i32x4_trunc_sat_f32x4($0)"};
    case Opcode::I32X4TruncSatF32X4U:
      return {1, "simde_wasm_u32x4_trunc_sat_f32x4($0)"};
    case Opcode::F32X4ConvertI32X4S:
      return {1, "simde_wasm_f32x4_convert_i32x4($0)"};
    case Opcode::F32X4ConvertI32X4U:
      return {1, "simde_wasm_f32x4_convert_u32x4($0)"};
    case Opcode::I32X4TruncSatF64X2SZero:
      return {1, "simde_wasm_i32x4_trunc_sat_f64x2_zero($0)"};
    case Opcode::I32X4TruncSatF64X2UZero:
      return {1, "simde_wasm_u32x4_trunc_sat_f64x2_zero($0)"};
    case Opcode::F64X2ConvertLowI32X4S:
      return {1, "simde_wasm_f64x2_convert_low_i32x4($0)"};
    case Opcode::F64X2ConvertLowI32X4U:
      return {1, "simde_wasm_f64x2_convert_low_u32x4($0)"};

    default:
      return {0, ""};
  }
}

}  // namespace

std::string_view SimdPrelude() { return kPrelude; }

bool IsSimdOpcode(wabt::Opcode op) {
  return !op.IsInvalid() && op.GetPrefix() == 0xfd;
}

std::string SimdConst(const uint8_t bytes[16]) {
  uint32_t words[4];
  for (int i = 0; i < 4; ++i) {
    words[i] = uint32_t{bytes[4 * i]} | uint32_t{bytes[4 * i + 1]} << 8 |
               uint32_t{bytes[4 * i + 2]} << 16 |
               uint32_t{bytes[4 * i + 3]} << 24;
  }
  char buf[128];
  std::snprintf(buf, sizeof(buf),
                "simde_wasm_i32x4_make((int32_t)0x%08xu, (int32_t)0x%08xu, "
                "(int32_t)0x%08xu, (int32_t)0x%08xu)",
                words[0], words[1], words[2], words[3]);
  return buf;
}

std::optional<std::string> SimdOp(wabt::Opcode op,
                                  std::span<const std::string> operands) {
  OpPattern p = PatternFor(op);
  if (p.arity == 0 || static_cast<size_t>(p.arity) != operands.size()) {
    return std::nullopt;
  }
  return Fill(p.pattern, operands);
}

std::optional<std::string> SimdLaneOp(wabt::Opcode op, uint64_t lane,
                                      std::span<const std::string> operands) {
  const char* pattern;
  int arity = 1;
  uint64_t lanes = 0;
  switch (op) {
    case Opcode::I8X16ExtractLaneS:
      pattern = "((uint32_t)(int32_t)simde_wasm_i8x16_extract_lane($0, $L))";
      lanes = 16;
      break;
    case Opcode::I8X16ExtractLaneU:
      pattern = "((uint32_t)simde_wasm_u8x16_extract_lane($0, $L))";
      lanes = 16;
      break;
    case Opcode::I16X8ExtractLaneS:
      pattern = "((uint32_t)(int32_t)simde_wasm_i16x8_extract_lane($0, $L))";
      lanes = 8;
      break;
    case Opcode::I16X8ExtractLaneU:
      pattern = "((uint32_t)simde_wasm_u16x8_extract_lane($0, $L))";
      lanes = 8;
      break;
    case Opcode::I32X4ExtractLane:
      pattern = "((uint32_t)simde_wasm_i32x4_extract_lane($0, $L))";
      lanes = 4;
      break;
    case Opcode::I64X2ExtractLane:
      pattern = "((uint64_t)simde_wasm_i64x2_extract_lane($0, $L))";
      lanes = 2;
      break;
    case Opcode::F32X4ExtractLane:
      pattern = "simde_wasm_f32x4_extract_lane($0, $L)";
      lanes = 4;
      break;
    case Opcode::F64X2ExtractLane:
      pattern = "simde_wasm_f64x2_extract_lane($0, $L)";
      lanes = 2;
      break;
    case Opcode::I8X16ReplaceLane:
      pattern = "simde_wasm_i8x16_replace_lane($0, $L, (int8_t)($1))";
      lanes = 16;
      arity = 2;
      break;
    case Opcode::I16X8ReplaceLane:
      pattern = "simde_wasm_i16x8_replace_lane($0, $L, (int16_t)($1))";
      lanes = 8;
      arity = 2;
      break;
    case Opcode::I32X4ReplaceLane:
      pattern = "simde_wasm_i32x4_replace_lane($0, $L, (int32_t)($1))";
      lanes = 4;
      arity = 2;
      break;
    case Opcode::I64X2ReplaceLane:
      pattern = "simde_wasm_i64x2_replace_lane($0, $L, (int64_t)($1))";
      lanes = 2;
      arity = 2;
      break;
    case Opcode::F32X4ReplaceLane:
      pattern = "simde_wasm_f32x4_replace_lane($0, $L, $1)";
      lanes = 4;
      arity = 2;
      break;
    case Opcode::F64X2ReplaceLane:
      pattern = "simde_wasm_f64x2_replace_lane($0, $L, $1)";
      lanes = 2;
      arity = 2;
      break;
    default:
      return std::nullopt;
  }
  if (lane >= lanes || operands.size() != static_cast<size_t>(arity)) {
    return std::nullopt;
  }
  return Fill(pattern, operands, lane);
}

std::string SimdShuffle(const uint8_t lanes[16], const std::string& a,
                        const std::string& b) {
  std::string out = absl::StrCat("simde_wasm_i8x16_shuffle(", a, ", ", b);
  for (int i = 0; i < 16; ++i) {
    absl::StrAppend(&out, ", ", int{lanes[i]});
  }
  absl::StrAppend(&out, ")");
  return out;
}

std::optional<std::string> SimdLoad(wabt::Opcode op, const std::string& addr) {
  const char* fn;
  switch (op) {
    case Opcode::V128Load:
      fn = "simde_wasm_v128_load";
      break;
    case Opcode::V128Load8X8S:
      fn = "simde_wasm_i16x8_load8x8";
      break;
    case Opcode::V128Load8X8U:
      fn = "simde_wasm_u16x8_load8x8";
      break;
    case Opcode::V128Load16X4S:
      fn = "simde_wasm_i32x4_load16x4";
      break;
    case Opcode::V128Load16X4U:
      fn = "simde_wasm_u32x4_load16x4";
      break;
    case Opcode::V128Load32X2S:
      fn = "simde_wasm_i64x2_load32x2";
      break;
    case Opcode::V128Load32X2U:
      fn = "simde_wasm_u64x2_load32x2";
      break;
    case Opcode::V128Load8Splat:
      fn = "simde_wasm_v128_load8_splat";
      break;
    case Opcode::V128Load16Splat:
      fn = "simde_wasm_v128_load16_splat";
      break;
    case Opcode::V128Load32Splat:
      fn = "simde_wasm_v128_load32_splat";
      break;
    case Opcode::V128Load64Splat:
      fn = "simde_wasm_v128_load64_splat";
      break;
    case Opcode::V128Load32Zero:
      fn = "simde_wasm_v128_load32_zero";
      break;
    case Opcode::V128Load64Zero:
      fn = "simde_wasm_v128_load64_zero";
      break;
    default:
      return std::nullopt;
  }
  return absl::StrCat(fn, "(", addr, ")");
}

std::string SimdStore(const std::string& addr, const std::string& value) {
  return absl::StrCat("simde_wasm_v128_store(", addr, ", ", value, ");");
}

std::optional<std::string> SimdLoadLane(wabt::Opcode op,
                                        const std::string& addr, uint64_t lane,
                                        const std::string& vec) {
  const char* fn;
  uint64_t lanes = 0;
  switch (op) {
    case Opcode::V128Load8Lane:
      fn = "simde_wasm_v128_load8_lane";
      lanes = 16;
      break;
    case Opcode::V128Load16Lane:
      fn = "simde_wasm_v128_load16_lane";
      lanes = 8;
      break;
    case Opcode::V128Load32Lane:
      fn = "simde_wasm_v128_load32_lane";
      lanes = 4;
      break;
    case Opcode::V128Load64Lane:
      fn = "simde_wasm_v128_load64_lane";
      lanes = 2;
      break;
    default:
      return std::nullopt;
  }
  if (lane >= lanes) return std::nullopt;
  return absl::StrCat(fn, "(", addr, ", ", vec, ", ", lane, ")");
}

std::optional<std::string> SimdStoreLane(wabt::Opcode op,
                                         const std::string& addr, uint64_t lane,
                                         const std::string& vec) {
  const char* fn;
  uint64_t lanes = 0;
  switch (op) {
    case Opcode::V128Store8Lane:
      fn = "simde_wasm_v128_store8_lane";
      lanes = 16;
      break;
    case Opcode::V128Store16Lane:
      fn = "simde_wasm_v128_store16_lane";
      lanes = 8;
      break;
    case Opcode::V128Store32Lane:
      fn = "simde_wasm_v128_store32_lane";
      lanes = 4;
      break;
    case Opcode::V128Store64Lane:
      fn = "simde_wasm_v128_store64_lane";
      lanes = 2;
      break;
    default:
      return std::nullopt;
  }
  if (lane >= lanes) return std::nullopt;
  return absl::StrCat(fn, "(", addr, ", ", vec, ", ", lane, ");");
}

}  // namespace airlock::sandbox::translate_internal
