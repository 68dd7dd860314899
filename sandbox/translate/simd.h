// C for the SIMD128 instructions, for the C writer (private to translate/).
// The writer owns the value stack and variables; these functions only say
// what C computes one instruction, given its operands as C expressions of
// the right types (v128 operands have C type simde_v128_t; i32/i64/f32/f64
// operands are uint32_t/uint64_t/float/double, integers unsigned).
// Semantics are those of the Wasm 2.0 spec, bit for bit (NaN rules as the
// spec allows), on every host architecture: built on Debian's libsimde
// (<simde/wasm/simd128.h>), portable C for x86-64, ARM64 and RISC-V.
#ifndef AIRLOCK_SANDBOX_TRANSLATE_SIMD_H_
#define AIRLOCK_SANDBOX_TRANSLATE_SIMD_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wabt/opcode.h"

namespace airlock::sandbox::translate_internal {

// C definitions emitted once per module that uses SIMD, after the scalar
// prelude: #include <simde/wasm/simd128.h> and any static inline helpers the
// expressions below call (prefix helper names with `simd_`).
std::string_view SimdPrelude();

// True if `op` is a SIMD opcode (any opcode with the 0xfd prefix).
bool IsSimdOpcode(wabt::Opcode op);

// The C type of a value of Wasm type v128 in generated code.
inline constexpr std::string_view kV128CType = "simde_v128_t";

// v128.const: 16 bytes, little-endian lane order as in the binary.
std::string SimdConst(const uint8_t bytes[16]);

// Unary, binary, ternary (bitselect) and test/compare/convert/shift/splat
// instructions: everything whose immediates are none. Operands in stack
// order (operands[0] is the deepest). Returns nullopt for opcodes that are
// not such instructions (the writer reports an internal error).
std::optional<std::string> SimdOp(wabt::Opcode op,
                                  std::span<const std::string> operands);

// extract_lane / replace_lane with lane index `lane`.
std::optional<std::string> SimdLaneOp(wabt::Opcode op, uint64_t lane,
                                      std::span<const std::string> operands);

// i8x16.shuffle with 16 lane indices.
std::string SimdShuffle(const uint8_t lanes[16], const std::string& a,
                        const std::string& b);

// Memory instructions. `addr` is a C expression of type `uint8_t*` pointing
// at the effective address (base + index + offset); bounds are enforced by
// guard pages, so these must perform exactly the spec's access width and
// nothing wider (no over-read past the accessed bytes), unaligned-safe.
// v128.load, v128.load8x8_s/u ... load64x2_*, load*_splat, load32/64_zero:
std::optional<std::string> SimdLoad(wabt::Opcode op, const std::string& addr);
// v128.store: a C statement (ends with ';').
std::string SimdStore(const std::string& addr, const std::string& value);
// v128.loadN_lane: expression (the updated vector).
std::optional<std::string> SimdLoadLane(wabt::Opcode op,
                                        const std::string& addr, uint64_t lane,
                                        const std::string& vec);
// v128.storeN_lane: a C statement.
std::optional<std::string> SimdStoreLane(wabt::Opcode op,
                                         const std::string& addr, uint64_t lane,
                                         const std::string& vec);

}  // namespace airlock::sandbox::translate_internal

#endif  // AIRLOCK_SANDBOX_TRANSLATE_SIMD_H_
