// Tests that the C emitted for SIMD instructions computes what the Wasm 2.0
// spec says. The cases are assertions copied from the official spec tests
// (wasm-spec-2.0/simd_*.wast, file:line in each row): each is turned into a
// tiny C function over the emitted expression, compiled with the host C
// compiler and the flags generated modules are built with, run, and its
// result compared lane by lane (NaN lanes as nan:canonical/nan:arithmetic).
// Memory instructions run against a buffer that ends at a PROT_NONE page, so
// an access wider than the spec's faults.
#include "sandbox/translate/simd.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace airlock::sandbox::translate_internal {
namespace {

using wabt::Opcode;

// A Wasm value as wast2json writes it: a type, a lane type for v128, and
// lanes as unsigned decimal (or 0x hex) bit patterns, or "nan:canonical" /
// "nan:arithmetic" in expectations.
struct Val {
  std::string type;       // i32 i64 f32 f64 v128
  std::string lane_type;  // for v128: i8 i16 i32 i64 f32 f64
  std::vector<std::string> lanes;
};

Val V(std::string lane_type, std::vector<std::string> lanes) {
  return Val{"v128", std::move(lane_type), std::move(lanes)};
}
Val S(std::string type, std::string value) {
  return Val{type, type, {std::move(value)}};
}

int LaneBytes(const std::string& lane_type) {
  if (lane_type == "i8") return 1;
  if (lane_type == "i16") return 2;
  if (lane_type == "i32" || lane_type == "f32") return 4;
  return 8;
}

int ValBytes(const Val& v) { return v.type == "v128" ? 16 : LaneBytes(v.type); }

// Little-endian bytes of a value without NaN patterns.
std::vector<uint8_t> Bytes(const Val& v) {
  int w = LaneBytes(v.lane_type);
  std::vector<uint8_t> out;
  for (const std::string& lane : v.lanes) {
    uint64_t x = std::stoull(lane, nullptr, 0);
    for (int k = 0; k < w; ++k) out.push_back((x >> (8 * k)) & 0xff);
  }
  return out;
}

std::string CType(wabt::Type t) {
  switch (t) {
    case wabt::Type::I32:
      return "uint32_t";
    case wabt::Type::I64:
      return "uint64_t";
    case wabt::Type::F32:
      return "float";
    case wabt::Type::F64:
      return "double";
    case wabt::Type::V128:
      return std::string(kV128CType);
    default:
      ADD_FAILURE() << "no C type for " << t.GetName();
      return "void";
  }
}

// A C expression for `v`.
std::string CValue(const Val& v) {
  std::vector<uint8_t> b = Bytes(v);
  if (v.type == "v128") return SimdConst(b.data());
  uint64_t x = std::stoull(v.lanes[0], nullptr, 0);
  if (v.type == "i32") return absl::StrCat("(uint32_t)", x, "u");
  if (v.type == "i64") return absl::StrCat("(uint64_t)", x, "ull");
  if (v.type == "f32") return absl::StrCat("test_f32(", x, "u)");
  return absl::StrCat("test_f64(", x, "ull)");
}

// "" if `got` (little-endian bytes) matches `expected`, else a description.
std::string Mismatch(const Val& expected, const std::vector<uint8_t>& got) {
  if (static_cast<int>(got.size()) != ValBytes(expected)) {
    return absl::StrCat("got ", got.size(), " bytes");
  }
  int w = LaneBytes(expected.lane_type);
  for (size_t i = 0; i < expected.lanes.size(); ++i) {
    uint64_t x = 0;
    for (int k = 0; k < w; ++k) x |= uint64_t{got[i * w + k]} << (8 * k);
    const std::string& e = expected.lanes[i];
    bool ok;
    if (e == "nan:canonical" || e == "nan:arithmetic") {
      uint64_t exp_mask = w == 4 ? 0x7f800000u : 0x7ff0000000000000ull;
      uint64_t quiet = w == 4 ? 0x00400000u : 0x0008000000000000ull;
      uint64_t payload = w == 4 ? 0x007fffffu : 0x000fffffffffffffull;
      ok = (x & exp_mask) == exp_mask && (x & quiet) != 0;
      if (e == "nan:canonical") ok = ok && (x & payload) == quiet;
    } else {
      ok = x == std::stoull(e, nullptr, 0);
    }
    if (!ok) {
      return absl::StrCat("lane ", i, ": got 0x", absl::Hex(x), ", expected ",
                          e);
    }
  }
  return "";
}

// What generated modules get before the SIMD prelude (the scalar prelude's
// includes and typedefs), plus the harness's helpers.
constexpr std::string_view kHarnessHead = R"(#include <stdint.h>
#include <string.h>
#include <math.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef float f32;
typedef double f64;
)";

constexpr std::string_view kHarnessHelpers = R"(
static float test_f32(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
static double test_f64(uint64_t b) { double f; memcpy(&f, &b, 8); return f; }
static void test_dump(const char* id, const void* p, size_t n) {
  printf("%s", id);
  for (size_t i = 0; i < n; ++i) printf(" %02x", ((const uint8_t*)p)[i]);
  printf("\n");
  fflush(stdout);
}
/* A page of memory followed by an inaccessible page. */
static uint8_t* test_page;
static size_t test_page_size;
static void test_map(void) {
  test_page_size = (size_t)sysconf(_SC_PAGESIZE);
  test_page = mmap(NULL, 2 * test_page_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (test_page == MAP_FAILED ||
      mprotect(test_page + test_page_size, test_page_size, PROT_NONE) != 0) {
    perror("mmap");
    _exit(3);
  }
}
)";

// Compiles `c_source` with the flags of generated modules, runs it and
// returns its output lines "<id> <hex bytes...>" keyed by id. Fails the test
// (and returns what it has) if compiling or running fails.
std::map<std::string, std::vector<uint8_t>> CompileAndRun(
    const std::string& c_source) {
  std::map<std::string, std::vector<uint8_t>> out;
  std::string dir = testing::TempDir() + "simd_test_XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return out;
  }
  std::string c_path = dir + "/prog.c";
  std::string exe = dir + "/prog";
  std::ofstream(c_path) << c_source;
  std::string cc = absl::StrCat(
      "cc -std=gnu11 -O2 -fno-optimize-sibling-calls -frounding-math "
      "-fsignaling-nans -Wall -Werror -Wno-unused-function -o ",
      exe, " ", c_path, " -lm > ", dir, "/cc.log 2>&1");
  if (std::system(cc.c_str()) != 0) {
    std::ifstream log(dir + "/cc.log");
    std::stringstream ss;
    ss << log.rdbuf();
    ADD_FAILURE() << "C compile failed (" << c_path << "):\n"
                  << ss.str().substr(0, 4000);
    return out;
  }
  std::string run = absl::StrCat(exe, " > ", dir, "/out.txt");
  int status = std::system(run.c_str());
  std::ifstream result(dir + "/out.txt");
  std::string line;
  std::string last;
  while (std::getline(result, line)) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    std::vector<uint8_t>& bytes = out[parts[0]];
    for (size_t i = 1; i < parts.size(); ++i) {
      bytes.push_back(std::stoul(parts[i], nullptr, 16));
    }
    last = parts[0];
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    std::filesystem::remove_all(dir);  // kept for debugging otherwise
  } else {
    ADD_FAILURE() << "test program failed (shell status " << status
                  << ") after printing '" << last << "' (" << c_path << ")";
  }
  return out;
}

// One spec assertion: `op` with immediates `imm` (lane index, or the 16
// shuffle lanes) applied to `args` gives `expected`.
struct Case {
  const char* where;
  Opcode::Enum op;
  std::vector<int> imm;
  std::vector<Val> args;
  Val expected;
};

// clang-format off
const std::vector<Case>& SpecCases() {
  static const auto* const kCases = new std::vector<Case>{
    {"simd_f32x4.wast:2279", Opcode::F32X4Abs, {}, {V("f32", {"0", "0", "0", "0"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_f32x4.wast:2281", Opcode::F32X4Abs, {}, {V("f32", {"2147483648", "2147483648", "2147483648", "2147483648"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_f32x4_arith.wast:13", Opcode::F32X4Add, {}, {V("f32", {"0", "0", "0", "0"}), V("f32", {"0", "0", "0", "0"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_f32x4_rounding.wast:11", Opcode::F32X4Ceil, {}, {V("f32", {"0", "0", "0", "0"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_f32x4_rounding.wast:91", Opcode::F32X4Ceil, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("f32", {"nan:canonical", "nan:canonical", "nan:canonical", "nan:canonical"})},
    {"simd_conversions.wast:182", Opcode::F32X4ConvertI32X4S, {}, {V("i32", {"0", "0", "0", "0"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_conversions.wast:186", Opcode::F32X4ConvertI32X4S, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("f32", {"3212836864", "3212836864", "3212836864", "3212836864"})},
    {"simd_conversions.wast:213", Opcode::F32X4ConvertI32X4U, {}, {V("i32", {"0", "0", "0", "0"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_conversions.wast:217", Opcode::F32X4ConvertI32X4U, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("f32", {"1333788672", "1333788672", "1333788672", "1333788672"})},
    {"simd_conversions.wast:73", Opcode::F32X4DemoteF64X2Zero, {}, {V("f64", {"0", "0"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_conversions.wast:157", Opcode::F32X4DemoteF64X2Zero, {}, {V("f64", {"9221120237041090560", "9221120237041090560"})}, V("f32", {"nan:canonical", "nan:canonical", "0", "0"})},
    {"simd_f32x4_arith.wast:3829", Opcode::F32X4Div, {}, {V("f32", {"0", "0", "0", "0"}), V("f32", {"0", "0", "0", "0"})}, V("f32", {"nan:canonical", "nan:canonical", "nan:canonical", "nan:canonical"})},
    {"simd_f32x4_cmp.wast:13", Opcode::F32X4Eq, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"}), V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_lane.wast:144", Opcode::F32X4ExtractLane, {0}, {V("f32", {"3231711232", "0", "0", "0"})}, S("f32", "3231711232")},
    {"simd_lane.wast:152", Opcode::F32X4ExtractLane, {3}, {V("f32", {"0", "0", "0", "4271273625"})}, S("f32", "4271273625")},
    {"simd_f32x4_rounding.wast:99", Opcode::F32X4Floor, {}, {V("f32", {"0", "0", "0", "0"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_f32x4_rounding.wast:179", Opcode::F32X4Floor, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("f32", {"nan:canonical", "nan:canonical", "nan:canonical", "nan:canonical"})},
    {"simd_f32x4_cmp.wast:6398", Opcode::F32X4Ge, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"}), V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_f32x4_cmp.wast:5121", Opcode::F32X4Gt, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"}), V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_f32x4_cmp.wast:3844", Opcode::F32X4Le, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"}), V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_f32x4_cmp.wast:2567", Opcode::F32X4Lt, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"}), V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_f32x4.wast:82", Opcode::F32X4Max, {}, {V("f32", {"2143289344", "0", "0", "1065353216"}), V("f32", {"0", "4290772992", "1065353216", "0"})}, V("f32", {"nan:canonical", "nan:canonical", "1065353216", "1065353216"})},
    {"simd_f32x4.wast:2071", Opcode::F32X4Max, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"}), V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("f32", {"nan:canonical", "nan:canonical", "nan:canonical", "nan:canonical"})},
    {"simd_f32x4.wast:2143", Opcode::F32X4Max, {}, {V("f32", {"2141192192", "2141192192", "2141192192", "2141192192"}), V("f32", {"0", "0", "0", "0"})}, V("f32", {"nan:arithmetic", "nan:arithmetic", "nan:arithmetic", "nan:arithmetic"})},
    {"simd_f32x4.wast:2271", Opcode::F32X4Max, {}, {V("f32", {"0", "0", "2147483648", "0"}), V("f32", {"0", "2147483648", "0", "2147483648"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_f32x4.wast:66", Opcode::F32X4Min, {}, {V("f32", {"2143289344", "0", "0", "1065353216"}), V("f32", {"0", "4290772992", "1065353216", "0"})}, V("f32", {"nan:canonical", "nan:canonical", "0", "0"})},
    {"simd_f32x4.wast:988", Opcode::F32X4Min, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"}), V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("f32", {"nan:canonical", "nan:canonical", "nan:canonical", "nan:canonical"})},
    {"simd_f32x4.wast:2265", Opcode::F32X4Min, {}, {V("f32", {"0", "0", "2147483648", "0"}), V("f32", {"0", "2147483648", "0", "2147483648"})}, V("f32", {"0", "2147483648", "2147483648", "2147483648"})},
    {"simd_f32x4_arith.wast:2557", Opcode::F32X4Mul, {}, {V("f32", {"0", "0", "0", "0"}), V("f32", {"0", "0", "0", "0"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_f32x4_cmp.wast:1290", Opcode::F32X4Ne, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"}), V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})},
    {"simd_f32x4_rounding.wast:275", Opcode::F32X4Nearest, {}, {V("f32", {"0", "0", "0", "0"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_f32x4_rounding.wast:355", Opcode::F32X4Nearest, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("f32", {"nan:canonical", "nan:canonical", "nan:canonical", "nan:canonical"})},
    {"simd_f32x4_arith.wast:5189", Opcode::F32X4Neg, {}, {V("f32", {"0", "0", "0", "0"})}, V("f32", {"2147483648", "2147483648", "2147483648", "2147483648"})},
    {"simd_f32x4_arith.wast:5221", Opcode::F32X4Neg, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("f32", {"4290772992", "4290772992", "4290772992", "4290772992"})},
    {"simd_f32x4_arith.wast:5225", Opcode::F32X4Neg, {}, {V("f32", {"2141192192", "2141192192", "2141192192", "2141192192"})}, V("f32", {"4288675840", "4288675840", "4288675840", "4288675840"})},
    {"simd_f32x4_pmin_pmax.wast:5817", Opcode::F32X4PMax, {}, {V("f32", {"0", "0", "0", "0"}), V("f32", {"0", "0", "0", "0"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_f32x4_pmin_pmax.wast:10737", Opcode::F32X4PMax, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"}), V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})},
    {"simd_f32x4_pmin_pmax.wast:9", Opcode::F32X4PMin, {}, {V("f32", {"0", "0", "0", "0"}), V("f32", {"0", "0", "0", "0"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_f32x4_pmin_pmax.wast:4929", Opcode::F32X4PMin, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"}), V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})},
    {"simd_lane.wast:225", Opcode::F32X4ReplaceLane, {0}, {V("f32", {"0", "0", "0", "0"}), S("f32", "1112801280")}, V("f32", {"1112801280", "0", "0", "0"})},
    {"simd_lane.wast:237", Opcode::F32X4ReplaceLane, {3}, {V("f32", {"0", "0", "0", "0"}), S("f32", "3260284928")}, V("f32", {"0", "0", "0", "3260284928"})},
    {"simd_splat.wast:51", Opcode::F32X4Splat, {}, {S("f32", "0")}, V("f32", {"0", "0", "0", "0"})},
    {"simd_f32x4_arith.wast:5101", Opcode::F32X4Sqrt, {}, {V("f32", {"0", "0", "0", "0"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_f32x4_arith.wast:1285", Opcode::F32X4Sub, {}, {V("f32", {"0", "0", "0", "0"}), V("f32", {"0", "0", "0", "0"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_f32x4_rounding.wast:187", Opcode::F32X4Trunc, {}, {V("f32", {"0", "0", "0", "0"})}, V("f32", {"0", "0", "0", "0"})},
    {"simd_f32x4_rounding.wast:267", Opcode::F32X4Trunc, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("f32", {"nan:canonical", "nan:canonical", "nan:canonical", "nan:canonical"})},
    {"simd_f32x4_rounding.wast:271", Opcode::F32X4Trunc, {}, {V("f32", {"2141192192", "2141192192", "2141192192", "2141192192"})}, V("f32", {"nan:arithmetic", "nan:arithmetic", "nan:arithmetic", "nan:arithmetic"})},
    {"simd_f64x2.wast:2343", Opcode::F64X2Abs, {}, {V("f64", {"0", "0"})}, V("f64", {"0", "0"})},
    {"simd_f64x2.wast:2345", Opcode::F64X2Abs, {}, {V("f64", {"9223372036854775808", "9223372036854775808"})}, V("f64", {"0", "0"})},
    {"simd_f64x2_arith.wast:13", Opcode::F64X2Add, {}, {V("f64", {"0", "0"}), V("f64", {"0", "0"})}, V("f64", {"0", "0"})},
    {"simd_f64x2_rounding.wast:11", Opcode::F64X2Ceil, {}, {V("f64", {"0", "0"})}, V("f64", {"0", "0"})},
    {"simd_f64x2_rounding.wast:91", Opcode::F64X2Ceil, {}, {V("f64", {"9221120237041090560", "9221120237041090560"})}, V("f64", {"nan:canonical", "nan:canonical"})},
    {"simd_f64x2_rounding.wast:21", Opcode::F64X2Ceil, {}, {V("f64", {"13826050856027422720", "13826050856027422720"})}, V("f64", {"9223372036854775808", "9223372036854775808"})},
    {"simd_conversions.wast:253", Opcode::F64X2ConvertLowI32X4S, {}, {V("i32", {"1", "1", "0", "0"})}, V("f64", {"4607182418800017408", "4607182418800017408"})},
    {"simd_conversions.wast:255", Opcode::F64X2ConvertLowI32X4S, {}, {V("i32", {"4294967295", "4294967295", "0", "0"})}, V("f64", {"13830554455654793216", "13830554455654793216"})},
    {"simd_conversions.wast:269", Opcode::F64X2ConvertLowI32X4U, {}, {V("i32", {"1", "1", "0", "0"})}, V("f64", {"4607182418800017408", "4607182418800017408"})},
    {"simd_conversions.wast:273", Opcode::F64X2ConvertLowI32X4U, {}, {V("i32", {"2147483647", "2147483647", "0", "0"})}, V("f64", {"4746794007244308480", "4746794007244308480"})},
    {"simd_f64x2_arith.wast:3829", Opcode::F64X2Div, {}, {V("f64", {"0", "0"}), V("f64", {"0", "0"})}, V("f64", {"nan:canonical", "nan:canonical"})},
    {"simd_f64x2_cmp.wast:13", Opcode::F64X2Eq, {}, {V("f64", {"1", "1"}), V("f64", {"1", "1"})}, V("i64", {"18446744073709551615", "18446744073709551615"})},
    {"simd_lane.wast:160", Opcode::F64X2ExtractLane, {0}, {V("f64", {"13832806255468478464", "0"})}, S("f64", "13832806255468478464")},
    {"simd_lane.wast:172", Opcode::F64X2ExtractLane, {1}, {V("f64", {"0", "4612248968380809216"})}, S("f64", "4612248968380809216")},
    {"simd_f64x2_rounding.wast:99", Opcode::F64X2Floor, {}, {V("f64", {"0", "0"})}, V("f64", {"0", "0"})},
    {"simd_f64x2_rounding.wast:179", Opcode::F64X2Floor, {}, {V("f64", {"9221120237041090560", "9221120237041090560"})}, V("f64", {"nan:canonical", "nan:canonical"})},
    {"simd_f64x2_rounding.wast:185", Opcode::F64X2Floor, {}, {V("f64", {"18443366373989023744", "18443366373989023744"})}, V("f64", {"nan:arithmetic", "nan:arithmetic"})},
    {"simd_f64x2_cmp.wast:6388", Opcode::F64X2Ge, {}, {V("f64", {"1", "1"}), V("f64", {"1", "1"})}, V("i64", {"18446744073709551615", "18446744073709551615"})},
    {"simd_f64x2_cmp.wast:5113", Opcode::F64X2Gt, {}, {V("f64", {"1", "1"}), V("f64", {"1", "1"})}, V("i64", {"0", "0"})},
    {"simd_f64x2_cmp.wast:3838", Opcode::F64X2Le, {}, {V("f64", {"1", "1"}), V("f64", {"1", "1"})}, V("i64", {"18446744073709551615", "18446744073709551615"})},
    {"simd_f64x2_cmp.wast:2563", Opcode::F64X2Lt, {}, {V("f64", {"1", "1"}), V("f64", {"1", "1"})}, V("i64", {"0", "0"})},
    {"simd_f64x2.wast:132", Opcode::F64X2Max, {}, {V("f64", {"9221120237041090560", "0"}), V("f64", {"0", "4607182418800017408"})}, V("f64", {"nan:canonical", "4607182418800017408"})},
    {"simd_f64x2.wast:2054", Opcode::F64X2Max, {}, {V("f64", {"9221120237041090560", "9221120237041090560"}), V("f64", {"9221120237041090560", "9221120237041090560"})}, V("f64", {"nan:canonical", "nan:canonical"})},
    {"simd_f64x2.wast:2335", Opcode::F64X2Max, {}, {V("f64", {"9223372036854775808", "0"}), V("f64", {"0", "9223372036854775808"})}, V("f64", {"0", "0"})},
    {"simd_f64x2.wast:108", Opcode::F64X2Min, {}, {V("f64", {"9221120237041090560", "0"}), V("f64", {"0", "4607182418800017408"})}, V("f64", {"nan:canonical", "0"})},
    {"simd_f64x2.wast:971", Opcode::F64X2Min, {}, {V("f64", {"9221120237041090560", "9221120237041090560"}), V("f64", {"9221120237041090560", "9221120237041090560"})}, V("f64", {"nan:canonical", "nan:canonical"})},
    {"simd_f64x2.wast:158", Opcode::F64X2Min, {}, {V("f64", {"0", "0"}), V("f64", {"9223372036854775808", "9223372036854775808"})}, V("f64", {"9223372036854775808", "9223372036854775808"})},
    {"simd_f64x2_arith.wast:2557", Opcode::F64X2Mul, {}, {V("f64", {"0", "0"}), V("f64", {"0", "0"})}, V("f64", {"0", "0"})},
    {"simd_f64x2_cmp.wast:1288", Opcode::F64X2Ne, {}, {V("f64", {"1", "1"}), V("f64", {"1", "1"})}, V("i64", {"0", "0"})},
    {"simd_f64x2_rounding.wast:275", Opcode::F64X2Nearest, {}, {V("f64", {"0", "0"})}, V("f64", {"0", "0"})},
    {"simd_f64x2_rounding.wast:355", Opcode::F64X2Nearest, {}, {V("f64", {"9221120237041090560", "9221120237041090560"})}, V("f64", {"nan:canonical", "nan:canonical"})},
    {"simd_f64x2_arith.wast:5189", Opcode::F64X2Neg, {}, {V("f64", {"0", "0"})}, V("f64", {"9223372036854775808", "9223372036854775808"})},
    {"simd_f64x2_arith.wast:5221", Opcode::F64X2Neg, {}, {V("f64", {"9221120237041090560", "9221120237041090560"})}, V("f64", {"18444492273895866368", "18444492273895866368"})},
    {"simd_f64x2_pmin_pmax.wast:5817", Opcode::F64X2PMax, {}, {V("f64", {"0", "0"}), V("f64", {"0", "0"})}, V("f64", {"0", "0"})},
    {"simd_f64x2_pmin_pmax.wast:10737", Opcode::F64X2PMax, {}, {V("f64", {"9221120237041090560", "9221120237041090560"}), V("f64", {"9221120237041090560", "9221120237041090560"})}, V("f64", {"9221120237041090560", "9221120237041090560"})},
    {"simd_f64x2_pmin_pmax.wast:9", Opcode::F64X2PMin, {}, {V("f64", {"0", "0"}), V("f64", {"0", "0"})}, V("f64", {"0", "0"})},
    {"simd_f64x2_pmin_pmax.wast:4929", Opcode::F64X2PMin, {}, {V("f64", {"9221120237041090560", "9221120237041090560"}), V("f64", {"9221120237041090560", "9221120237041090560"})}, V("f64", {"9221120237041090560", "9221120237041090560"})},
    {"simd_conversions.wast:35", Opcode::F64X2PromoteLowF32X4, {}, {V("f32", {"0", "0", "0", "0"})}, V("f64", {"0", "0"})},
    {"simd_conversions.wast:61", Opcode::F64X2PromoteLowF32X4, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("f64", {"nan:canonical", "nan:canonical"})},
    {"simd_lane.wast:259", Opcode::F64X2ReplaceLane, {0}, {V("f64", {"4607182418800017408", "4607182418800017408"}), S("f64", "0")}, V("f64", {"0", "4607182418800017408"})},
    {"simd_lane.wast:275", Opcode::F64X2ReplaceLane, {1}, {V("f64", {"4611686018427387904", "4611686018427387904"}), S("f64", "0")}, V("f64", {"4611686018427387904", "0"})},
    {"simd_splat.wast:89", Opcode::F64X2Splat, {}, {S("f64", "0")}, V("f64", {"0", "0"})},
    {"simd_f64x2_arith.wast:5101", Opcode::F64X2Sqrt, {}, {V("f64", {"0", "0"})}, V("f64", {"0", "0"})},
    {"simd_f64x2_arith.wast:1285", Opcode::F64X2Sub, {}, {V("f64", {"0", "0"}), V("f64", {"0", "0"})}, V("f64", {"0", "0"})},
    {"simd_f64x2_rounding.wast:187", Opcode::F64X2Trunc, {}, {V("f64", {"0", "0"})}, V("f64", {"0", "0"})},
    {"simd_f64x2_rounding.wast:267", Opcode::F64X2Trunc, {}, {V("f64", {"9221120237041090560", "9221120237041090560"})}, V("f64", {"nan:canonical", "nan:canonical"})},
    {"simd_i16x8_arith2.wast:198", Opcode::I16X8Abs, {}, {V("i16", {"1", "1", "1", "1", "1", "1", "1", "1"})}, V("i16", {"1", "1", "1", "1", "1", "1", "1", "1"})},
    {"simd_i16x8_arith2.wast:206", Opcode::I16X8Abs, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})},
    {"simd_i16x8_arith.wast:13", Opcode::I16X8Add, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_sat_arith.wast:13", Opcode::I16X8AddSatS, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_sat_arith.wast:67", Opcode::I16X8AddSatS, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"}), V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})},
    {"simd_i16x8_sat_arith.wast:162", Opcode::I16X8AddSatU, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_sat_arith.wast:216", Opcode::I16X8AddSatU, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"}), V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})},
    {"simd_boolean.wast:85", Opcode::I16X8AllTrue, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, S("i32", "0")},
    {"simd_boolean.wast:87", Opcode::I16X8AllTrue, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "1", "0"})}, S("i32", "0")},
    {"simd_i16x8_arith2.wast:165", Opcode::I16X8AvgrU, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_arith2.wast:186", Opcode::I16X8AvgrU, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"}), V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})},
    {"simd_boolean.wast:107", Opcode::I16X8Bitmask, {}, {V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})}, S("i32", "255")},
    {"simd_boolean.wast:109", Opcode::I16X8Bitmask, {}, {V("i16", {"65535", "0", "1", "2", "11", "12", "13", "15"})}, S("i32", "1")},
    {"simd_i16x8_cmp.wast:23", Opcode::I16X8Eq, {}, {V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"}), V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})}, V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})},
    {"simd_i16x8_extadd_pairwise_i8x16.wast:11", Opcode::I16X8ExtaddPairwiseI8X16S, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_extadd_pairwise_i8x16.wast:21", Opcode::I16X8ExtaddPairwiseI8X16S, {}, {V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})}, V("i16", {"65280", "65280", "65280", "65280", "65280", "65280", "65280", "65280"})},
    {"simd_i16x8_extadd_pairwise_i8x16.wast:29", Opcode::I16X8ExtaddPairwiseI8X16U, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_extadd_pairwise_i8x16.wast:39", Opcode::I16X8ExtaddPairwiseI8X16U, {}, {V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})}, V("i16", {"256", "256", "256", "256", "256", "256", "256", "256"})},
    {"simd_int_to_int_extend.wast:18", Opcode::I16X8ExtendHighI8X16S, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_int_to_int_extend.wast:57", Opcode::I16X8ExtendHighI8X16U, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_int_to_int_extend.wast:96", Opcode::I16X8ExtendLowI8X16S, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_int_to_int_extend.wast:135", Opcode::I16X8ExtendLowI8X16U, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_extmul_i8x16.wast:93", Opcode::I16X8ExtmulHighI8X16S, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_extmul_i8x16.wast:147", Opcode::I16X8ExtmulHighI8X16S, {}, {V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"}), V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})}, V("i16", {"16384", "16384", "16384", "16384", "16384", "16384", "16384", "16384"})},
    {"simd_i16x8_extmul_i8x16.wast:253", Opcode::I16X8ExtmulHighI8X16U, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_extmul_i8x16.wast:307", Opcode::I16X8ExtmulHighI8X16U, {}, {V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"}), V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})}, V("i16", {"16384", "16384", "16384", "16384", "16384", "16384", "16384", "16384"})},
    {"simd_i16x8_extmul_i8x16.wast:13", Opcode::I16X8ExtmulLowI8X16S, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_extmul_i8x16.wast:67", Opcode::I16X8ExtmulLowI8X16S, {}, {V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"}), V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})}, V("i16", {"16384", "16384", "16384", "16384", "16384", "16384", "16384", "16384"})},
    {"simd_i16x8_extmul_i8x16.wast:173", Opcode::I16X8ExtmulLowI8X16U, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_extmul_i8x16.wast:227", Opcode::I16X8ExtmulLowI8X16U, {}, {V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"}), V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})}, V("i16", {"16384", "16384", "16384", "16384", "16384", "16384", "16384", "16384"})},
    {"simd_lane.wast:94", Opcode::I16X8ExtractLaneS, {0}, {V("i16", {"32767", "0", "0", "0", "0", "0", "0", "0"})}, S("i32", "32767")},
    {"simd_lane.wast:104", Opcode::I16X8ExtractLaneS, {7}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "32768"})}, S("i32", "4294934528")},
    {"simd_lane.wast:100", Opcode::I16X8ExtractLaneU, {0}, {V("i16", {"65535", "0", "0", "0", "0", "0", "0", "0"})}, S("i32", "65535")},
    {"simd_lane.wast:108", Opcode::I16X8ExtractLaneU, {7}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "65535"})}, S("i32", "65535")},
    {"simd_i16x8_cmp.wast:1169", Opcode::I16X8GeS, {}, {V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"}), V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})}, V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})},
    {"simd_i16x8_cmp.wast:1313", Opcode::I16X8GeU, {}, {V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"}), V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})}, V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})},
    {"simd_i16x8_cmp.wast:881", Opcode::I16X8GtS, {}, {V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"}), V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_cmp.wast:1025", Opcode::I16X8GtU, {}, {V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"}), V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_cmp.wast:593", Opcode::I16X8LeS, {}, {V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"}), V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})}, V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})},
    {"simd_i16x8_cmp.wast:737", Opcode::I16X8LeU, {}, {V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"}), V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})}, V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})},
    {"simd_i16x8_cmp.wast:311", Opcode::I16X8LtS, {}, {V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"}), V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_cmp.wast:449", Opcode::I16X8LtU, {}, {V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"}), V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_arith2.wast:99", Opcode::I16X8MaxS, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_arith2.wast:132", Opcode::I16X8MaxU, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_arith2.wast:33", Opcode::I16X8MinS, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_arith2.wast:66", Opcode::I16X8MinU, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_arith.wast:335", Opcode::I16X8Mul, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_conversions.wast:452", Opcode::I16X8NarrowI32X4S, {}, {V("i32", {"0", "0", "0", "0"}), V("i32", {"0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_conversions.wast:497", Opcode::I16X8NarrowI32X4S, {}, {V("i32", {"4294934529", "4294934529", "4294934529", "4294934529"}), V("i32", {"4294934528", "4294934528", "4294934528", "4294934528"})}, V("i16", {"32769", "32769", "32769", "32769", "32768", "32768", "32768", "32768"})},
    {"simd_conversions.wast:541", Opcode::I16X8NarrowI32X4U, {}, {V("i32", {"0", "0", "0", "0"}), V("i32", {"0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_conversions.wast:592", Opcode::I16X8NarrowI32X4U, {}, {V("i32", {"2147483648", "2147483648", "2147483648", "2147483648"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_cmp.wast:167", Opcode::I16X8Ne, {}, {V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"}), V("i16", {"65535", "65535", "65535", "65535", "65535", "65535", "65535", "65535"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_arith.wast:496", Opcode::I16X8Neg, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_arith.wast:506", Opcode::I16X8Neg, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})},
    {"simd_i16x8_q15mulr_sat_s.wast:10", Opcode::I16X8Q15mulrSatS, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_q15mulr_sat_s.wast:64", Opcode::I16X8Q15mulrSatS, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"}), V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i16", {"32767", "32767", "32767", "32767", "32767", "32767", "32767", "32767"})},
    {"simd_lane.wast:203", Opcode::I16X8ReplaceLane, {0}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), S("i32", "32767")}, V("i16", {"32767", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_lane.wast:209", Opcode::I16X8ReplaceLane, {7}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), S("i32", "4294934528")}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "32768"})},
    {"simd_bit_shift.wast:190", Opcode::I16X8Shl, {}, {V("i16", {"65408", "65472", "0", "1", "2", "3", "4", "5"}), S("i32", "1")}, V("i16", {"65280", "65408", "0", "2", "4", "6", "8", "10"})},
    {"simd_bit_shift.wast:209", Opcode::I16X8Shl, {}, {V("i16", {"0", "1", "2", "3", "4", "5", "6", "7"}), S("i32", "128")}, V("i16", {"0", "1", "2", "3", "4", "5", "6", "7"})},
    {"simd_bit_shift.wast:290", Opcode::I16X8ShrS, {}, {V("i16", {"65408", "65472", "0", "1", "2", "3", "4", "5"}), S("i32", "1")}, V("i16", {"65472", "65504", "0", "0", "1", "1", "2", "2"})},
    {"simd_bit_shift.wast:309", Opcode::I16X8ShrS, {}, {V("i16", {"0", "1", "2", "3", "4", "5", "6", "7"}), S("i32", "128")}, V("i16", {"0", "1", "2", "3", "4", "5", "6", "7"})},
    {"simd_bit_shift.wast:240", Opcode::I16X8ShrU, {}, {V("i16", {"65408", "65472", "0", "1", "2", "3", "4", "5"}), S("i32", "1")}, V("i16", {"32704", "32736", "0", "0", "1", "1", "2", "2"})},
    {"simd_bit_shift.wast:259", Opcode::I16X8ShrU, {}, {V("i16", {"0", "1", "2", "3", "4", "5", "6", "7"}), S("i32", "128")}, V("i16", {"0", "1", "2", "3", "4", "5", "6", "7"})},
    {"simd_splat.wast:25", Opcode::I16X8Splat, {}, {S("i32", "0")}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_arith.wast:174", Opcode::I16X8Sub, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_sat_arith.wast:311", Opcode::I16X8SubSatS, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_sat_arith.wast:365", Opcode::I16X8SubSatS, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"}), V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_sat_arith.wast:460", Opcode::I16X8SubSatU, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i16x8_sat_arith.wast:514", Opcode::I16X8SubSatU, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"}), V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i32x4_arith2.wast:160", Opcode::I32X4Abs, {}, {V("i32", {"1", "1", "1", "1"})}, V("i32", {"1", "1", "1", "1"})},
    {"simd_i32x4_arith2.wast:162", Opcode::I32X4Abs, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i32", {"1", "1", "1", "1"})},
    {"simd_i32x4_arith.wast:13", Opcode::I32X4Add, {}, {V("i32", {"0", "0", "0", "0"}), V("i32", {"0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_boolean.wast:135", Opcode::I32X4AllTrue, {}, {V("i32", {"0", "0", "0", "0"})}, S("i32", "0")},
    {"simd_boolean.wast:143", Opcode::I32X4AllTrue, {}, {V("i32", {"4294967295", "0", "1", "15"})}, S("i32", "0")},
    {"simd_boolean.wast:157", Opcode::I32X4Bitmask, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, S("i32", "15")},
    {"simd_boolean.wast:159", Opcode::I32X4Bitmask, {}, {V("i32", {"4294967295", "0", "1", "15"})}, S("i32", "1")},
    {"simd_i32x4_dot_i16x8.wast:10", Opcode::I32X4DotI16X8S, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_dot_i16x8.wast:64", Opcode::I32X4DotI16X8S, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"}), V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i32", {"2147483648", "2147483648", "2147483648", "2147483648"})},
    {"simd_i32x4_cmp.wast:23", Opcode::I32X4Eq, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})},
    {"simd_i32x4_extadd_pairwise_i16x8.wast:11", Opcode::I32X4ExtaddPairwiseI16X8S, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_extadd_pairwise_i16x8.wast:21", Opcode::I32X4ExtaddPairwiseI16X8S, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i32", {"4294901760", "4294901760", "4294901760", "4294901760"})},
    {"simd_i32x4_extadd_pairwise_i16x8.wast:29", Opcode::I32X4ExtaddPairwiseI16X8U, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_extadd_pairwise_i16x8.wast:39", Opcode::I32X4ExtaddPairwiseI16X8U, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i32", {"65536", "65536", "65536", "65536"})},
    {"simd_int_to_int_extend.wast:174", Opcode::I32X4ExtendHighI16X8S, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_int_to_int_extend.wast:213", Opcode::I32X4ExtendHighI16X8U, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_int_to_int_extend.wast:252", Opcode::I32X4ExtendLowI16X8S, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_int_to_int_extend.wast:291", Opcode::I32X4ExtendLowI16X8U, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_extmul_i16x8.wast:93", Opcode::I32X4ExtmulHighI16X8S, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_extmul_i16x8.wast:147", Opcode::I32X4ExtmulHighI16X8S, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"}), V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i32", {"1073741824", "1073741824", "1073741824", "1073741824"})},
    {"simd_i32x4_extmul_i16x8.wast:253", Opcode::I32X4ExtmulHighI16X8U, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_extmul_i16x8.wast:307", Opcode::I32X4ExtmulHighI16X8U, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"}), V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i32", {"1073741824", "1073741824", "1073741824", "1073741824"})},
    {"simd_i32x4_extmul_i16x8.wast:13", Opcode::I32X4ExtmulLowI16X8S, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_extmul_i16x8.wast:67", Opcode::I32X4ExtmulLowI16X8S, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"}), V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i32", {"1073741824", "1073741824", "1073741824", "1073741824"})},
    {"simd_i32x4_extmul_i16x8.wast:173", Opcode::I32X4ExtmulLowI16X8U, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_extmul_i16x8.wast:227", Opcode::I32X4ExtmulLowI16X8U, {}, {V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"}), V("i16", {"32768", "32768", "32768", "32768", "32768", "32768", "32768", "32768"})}, V("i32", {"1073741824", "1073741824", "1073741824", "1073741824"})},
    {"simd_lane.wast:115", Opcode::I32X4ExtractLane, {0}, {V("i32", {"2147483647", "0", "0", "0"})}, S("i32", "2147483647")},
    {"simd_lane.wast:121", Opcode::I32X4ExtractLane, {3}, {V("i32", {"0", "0", "0", "2147483648"})}, S("i32", "2147483648")},
    {"simd_i32x4_cmp.wast:1175", Opcode::I32X4GeS, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})},
    {"simd_i32x4_cmp.wast:1319", Opcode::I32X4GeU, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})},
    {"simd_i32x4_cmp.wast:887", Opcode::I32X4GtS, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_cmp.wast:1031", Opcode::I32X4GtU, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_cmp.wast:599", Opcode::I32X4LeS, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})},
    {"simd_i32x4_cmp.wast:743", Opcode::I32X4LeU, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})},
    {"simd_i32x4_cmp.wast:311", Opcode::I32X4LtS, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_cmp.wast:455", Opcode::I32X4LtU, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_arith2.wast:94", Opcode::I32X4MaxS, {}, {V("i32", {"0", "0", "0", "0"}), V("i32", {"0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_arith2.wast:127", Opcode::I32X4MaxU, {}, {V("i32", {"0", "0", "0", "0"}), V("i32", {"0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_arith2.wast:28", Opcode::I32X4MinS, {}, {V("i32", {"0", "0", "0", "0"}), V("i32", {"0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_arith2.wast:61", Opcode::I32X4MinU, {}, {V("i32", {"0", "0", "0", "0"}), V("i32", {"0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_arith.wast:335", Opcode::I32X4Mul, {}, {V("i32", {"0", "0", "0", "0"}), V("i32", {"0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_cmp.wast:167", Opcode::I32X4Ne, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_arith.wast:496", Opcode::I32X4Neg, {}, {V("i32", {"0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_arith.wast:500", Opcode::I32X4Neg, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i32", {"1", "1", "1", "1"})},
    {"simd_lane.wast:216", Opcode::I32X4ReplaceLane, {0}, {V("i32", {"0", "0", "0", "0"}), S("i32", "2147483647")}, V("i32", {"2147483647", "0", "0", "0"})},
    {"simd_lane.wast:220", Opcode::I32X4ReplaceLane, {3}, {V("i32", {"0", "0", "0", "0"}), S("i32", "2147483648")}, V("i32", {"0", "0", "0", "2147483648"})},
    {"simd_bit_shift.wast:348", Opcode::I32X4Shl, {}, {V("i32", {"2147483648", "4294934528", "0", "168496141"}), S("i32", "1")}, V("i32", {"0", "4294901760", "0", "336992282"})},
    {"simd_bit_shift.wast:374", Opcode::I32X4Shl, {}, {V("i32", {"2147483648", "4294934528", "0", "168496141"}), S("i32", "33")}, V("i32", {"0", "4294901760", "0", "336992282"})},
    {"simd_bit_shift.wast:448", Opcode::I32X4ShrS, {}, {V("i32", {"2147483648", "4294934528", "12", "13"}), S("i32", "1")}, V("i32", {"3221225472", "4294950912", "6", "6"})},
    {"simd_bit_shift.wast:474", Opcode::I32X4ShrS, {}, {V("i32", {"2147483648", "4294934528", "12", "13"}), S("i32", "33")}, V("i32", {"3221225472", "4294950912", "6", "6"})},
    {"simd_bit_shift.wast:398", Opcode::I32X4ShrU, {}, {V("i32", {"2147483648", "4294934528", "12", "13"}), S("i32", "1")}, V("i32", {"1073741824", "2147467264", "6", "6"})},
    {"simd_bit_shift.wast:424", Opcode::I32X4ShrU, {}, {V("i32", {"2147483648", "4294934528", "12", "13"}), S("i32", "33")}, V("i32", {"1073741824", "2147467264", "6", "6"})},
    {"simd_splat.wast:40", Opcode::I32X4Splat, {}, {S("i32", "0")}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_arith.wast:174", Opcode::I32X4Sub, {}, {V("i32", {"0", "0", "0", "0"}), V("i32", {"0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_trunc_sat_f32x4.wast:10", Opcode::I32X4TruncSatF32X4S, {}, {V("f32", {"0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_trunc_sat_f32x4.wast:96", Opcode::I32X4TruncSatF32X4S, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_trunc_sat_f32x4.wast:114", Opcode::I32X4TruncSatF32X4U, {}, {V("f32", {"0", "0", "0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_trunc_sat_f32x4.wast:200", Opcode::I32X4TruncSatF32X4U, {}, {V("f32", {"2143289344", "2143289344", "2143289344", "2143289344"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_trunc_sat_f32x4.wast:138", Opcode::I32X4TruncSatF32X4U, {}, {V("f32", {"1333788672", "1333788672", "1333788672", "1333788672"})}, V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})},
    {"simd_i32x4_trunc_sat_f64x2.wast:10", Opcode::I32X4TruncSatF64X2SZero, {}, {V("f64", {"0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_trunc_sat_f64x2.wast:96", Opcode::I32X4TruncSatF64X2SZero, {}, {V("f64", {"9221120237041090560", "9221120237041090560"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_trunc_sat_f64x2.wast:114", Opcode::I32X4TruncSatF64X2UZero, {}, {V("f64", {"0", "0"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i32x4_trunc_sat_f64x2.wast:200", Opcode::I32X4TruncSatF64X2UZero, {}, {V("f64", {"9221120237041090560", "9221120237041090560"})}, V("i32", {"0", "0", "0", "0"})},
    {"simd_i64x2_arith2.wast:8", Opcode::I64X2Abs, {}, {V("i64", {"1", "1"})}, V("i64", {"1", "1"})},
    {"simd_i64x2_arith2.wast:16", Opcode::I64X2Abs, {}, {V("i64", {"9223372036854775808", "9223372036854775808"})}, V("i64", {"9223372036854775808", "9223372036854775808"})},
    {"simd_i64x2_arith.wast:13", Opcode::I64X2Add, {}, {V("i64", {"0", "0"}), V("i64", {"0", "0"})}, V("i64", {"0", "0"})},
    {"simd_boolean.wast:163", Opcode::I64X2AllTrue, {}, {V("i64", {"0", "0"})}, S("i32", "0")},
    {"simd_boolean.wast:165", Opcode::I64X2AllTrue, {}, {V("i64", {"0", "1"})}, S("i32", "0")},
    {"simd_boolean.wast:181", Opcode::I64X2Bitmask, {}, {V("i64", {"18446744073709551615", "18446744073709551615"})}, S("i32", "3")},
    {"simd_boolean.wast:183", Opcode::I64X2Bitmask, {}, {V("i64", {"18446744073709551615", "15"})}, S("i32", "1")},
    {"simd_i64x2_cmp.wast:17", Opcode::I64X2Eq, {}, {V("i64", {"18446744073709551615", "18446744073709551615"}), V("i64", {"18446744073709551615", "18446744073709551615"})}, V("i64", {"18446744073709551615", "18446744073709551615"})},
    {"simd_int_to_int_extend.wast:330", Opcode::I64X2ExtendHighI32X4S, {}, {V("i32", {"0", "0", "0", "0"})}, V("i64", {"0", "0"})},
    {"simd_int_to_int_extend.wast:369", Opcode::I64X2ExtendHighI32X4U, {}, {V("i32", {"0", "0", "0", "0"})}, V("i64", {"0", "0"})},
    {"simd_int_to_int_extend.wast:408", Opcode::I64X2ExtendLowI32X4S, {}, {V("i32", {"0", "0", "0", "0"})}, V("i64", {"0", "0"})},
    {"simd_int_to_int_extend.wast:447", Opcode::I64X2ExtendLowI32X4U, {}, {V("i32", {"0", "0", "0", "0"})}, V("i64", {"0", "0"})},
    {"simd_i64x2_extmul_i32x4.wast:93", Opcode::I64X2ExtmulHighI32X4S, {}, {V("i32", {"0", "0", "0", "0"}), V("i32", {"0", "0", "0", "0"})}, V("i64", {"0", "0"})},
    {"simd_i64x2_extmul_i32x4.wast:108", Opcode::I64X2ExtmulHighI32X4S, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i64", {"1", "1"})},
    {"simd_i64x2_extmul_i32x4.wast:253", Opcode::I64X2ExtmulHighI32X4U, {}, {V("i32", {"0", "0", "0", "0"}), V("i32", {"0", "0", "0", "0"})}, V("i64", {"0", "0"})},
    {"simd_i64x2_extmul_i32x4.wast:268", Opcode::I64X2ExtmulHighI32X4U, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i64", {"18446744065119617025", "18446744065119617025"})},
    {"simd_i64x2_extmul_i32x4.wast:13", Opcode::I64X2ExtmulLowI32X4S, {}, {V("i32", {"0", "0", "0", "0"}), V("i32", {"0", "0", "0", "0"})}, V("i64", {"0", "0"})},
    {"simd_i64x2_extmul_i32x4.wast:28", Opcode::I64X2ExtmulLowI32X4S, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i64", {"1", "1"})},
    {"simd_i64x2_extmul_i32x4.wast:173", Opcode::I64X2ExtmulLowI32X4U, {}, {V("i32", {"0", "0", "0", "0"}), V("i32", {"0", "0", "0", "0"})}, V("i64", {"0", "0"})},
    {"simd_i64x2_extmul_i32x4.wast:188", Opcode::I64X2ExtmulLowI32X4U, {}, {V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"}), V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})}, V("i64", {"18446744065119617025", "18446744065119617025"})},
    {"simd_lane.wast:128", Opcode::I64X2ExtractLane, {0}, {V("i64", {"9223372036854775807", "0"})}, S("i64", "9223372036854775807")},
    {"simd_lane.wast:134", Opcode::I64X2ExtractLane, {1}, {V("i64", {"0", "9223372036854775808"})}, S("i64", "9223372036854775808")},
    {"simd_i64x2_cmp.wast:305", Opcode::I64X2GeS, {}, {V("i64", {"18446744073709551615", "18446744073709551615"}), V("i64", {"18446744073709551615", "18446744073709551615"})}, V("i64", {"18446744073709551615", "18446744073709551615"})},
    {"simd_i64x2_cmp.wast:230", Opcode::I64X2GtS, {}, {V("i64", {"18446744073709551615", "18446744073709551615"}), V("i64", {"18446744073709551615", "18446744073709551615"})}, V("i64", {"0", "0"})},
    {"simd_i64x2_cmp.wast:152", Opcode::I64X2LeS, {}, {V("i64", {"18446744073709551615", "18446744073709551615"}), V("i64", {"18446744073709551615", "18446744073709551615"})}, V("i64", {"18446744073709551615", "18446744073709551615"})},
    {"simd_i64x2_cmp.wast:77", Opcode::I64X2LtS, {}, {V("i64", {"18446744073709551615", "18446744073709551615"}), V("i64", {"18446744073709551615", "18446744073709551615"})}, V("i64", {"0", "0"})},
    {"simd_i64x2_arith.wast:347", Opcode::I64X2Mul, {}, {V("i64", {"0", "0"}), V("i64", {"0", "0"})}, V("i64", {"0", "0"})},
    {"simd_i64x2_cmp.wast:50", Opcode::I64X2Ne, {}, {V("i64", {"18446744073709551615", "18446744073709551615"}), V("i64", {"18446744073709551615", "18446744073709551615"})}, V("i64", {"0", "0"})},
    {"simd_i64x2_arith.wast:514", Opcode::I64X2Neg, {}, {V("i64", {"0", "0"})}, V("i64", {"0", "0"})},
    {"simd_i64x2_arith.wast:524", Opcode::I64X2Neg, {}, {V("i64", {"9223372036854775808", "9223372036854775808"})}, V("i64", {"9223372036854775808", "9223372036854775808"})},
    {"simd_lane.wast:250", Opcode::I64X2ReplaceLane, {0}, {V("i64", {"0", "0"}), S("i64", "9223372036854775807")}, V("i64", {"9223372036854775807", "0"})},
    {"simd_lane.wast:254", Opcode::I64X2ReplaceLane, {1}, {V("i64", {"0", "0"}), S("i64", "9223372036854775808")}, V("i64", {"0", "9223372036854775808"})},
    {"simd_bit_shift.wast:506", Opcode::I64X2Shl, {}, {V("i64", {"9223372036854775808", "18446744071562067968"}), S("i32", "1")}, V("i64", {"0", "18446744069414584320"})},
    {"simd_bit_shift.wast:528", Opcode::I64X2Shl, {}, {V("i64", {"1", "15"}), S("i32", "128")}, V("i64", {"1", "15"})},
    {"simd_bit_shift.wast:600", Opcode::I64X2ShrS, {}, {V("i64", {"9223372036854775808", "18446744071562067968"}), S("i32", "1")}, V("i64", {"13835058055282163712", "18446744072635809792"})},
    {"simd_bit_shift.wast:622", Opcode::I64X2ShrS, {}, {V("i64", {"1", "15"}), S("i32", "128")}, V("i64", {"1", "15"})},
    {"simd_bit_shift.wast:553", Opcode::I64X2ShrU, {}, {V("i64", {"9223372036854775808", "18446744071562067968"}), S("i32", "1")}, V("i64", {"4611686018427387904", "9223372035781033984"})},
    {"simd_bit_shift.wast:575", Opcode::I64X2ShrU, {}, {V("i64", {"1", "15"}), S("i32", "128")}, V("i64", {"1", "15"})},
    {"simd_splat.wast:74", Opcode::I64X2Splat, {}, {S("i64", "0")}, V("i64", {"0", "0"})},
    {"simd_i64x2_arith.wast:180", Opcode::I64X2Sub, {}, {V("i64", {"0", "0"}), V("i64", {"0", "0"})}, V("i64", {"0", "0"})},
    {"simd_i8x16_arith2.wast:200", Opcode::I8X16Abs, {}, {V("i8", {"1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1"})}, V("i8", {"1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1"})},
    {"simd_i8x16_arith2.wast:208", Opcode::I8X16Abs, {}, {V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})}, V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})},
    {"simd_i8x16_arith.wast:12", Opcode::I8X16Add, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_sat_arith.wast:13", Opcode::I8X16AddSatS, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_sat_arith.wast:67", Opcode::I8X16AddSatS, {}, {V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"}), V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})}, V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})},
    {"simd_i8x16_sat_arith.wast:150", Opcode::I8X16AddSatU, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_sat_arith.wast:204", Opcode::I8X16AddSatU, {}, {V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"}), V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})}, V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})},
    {"simd_boolean.wast:39", Opcode::I8X16AllTrue, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, S("i32", "0")},
    {"simd_boolean.wast:41", Opcode::I8X16AllTrue, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "1", "0"})}, S("i32", "0")},
    {"simd_i8x16_arith2.wast:167", Opcode::I8X16AvgrU, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_arith2.wast:188", Opcode::I8X16AvgrU, {}, {V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"}), V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})}, V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})},
    {"simd_boolean.wast:57", Opcode::I8X16Bitmask, {}, {V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})}, S("i32", "65535")},
    {"simd_boolean.wast:59", Opcode::I8X16Bitmask, {}, {V("i8", {"255", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "15"})}, S("i32", "1")},
    {"simd_i8x16_cmp.wast:23", Opcode::I8X16Eq, {}, {V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"}), V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})}, V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})},
    {"simd_lane.wast:81", Opcode::I8X16ExtractLaneS, {0}, {V("i8", {"127", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, S("i32", "127")},
    {"simd_lane.wast:87", Opcode::I8X16ExtractLaneS, {15}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "128"})}, S("i32", "4294967168")},
    {"simd_lane.wast:85", Opcode::I8X16ExtractLaneU, {0}, {V("i8", {"255", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, S("i32", "255")},
    {"simd_lane.wast:89", Opcode::I8X16ExtractLaneU, {15}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "255"})}, S("i32", "255")},
    {"simd_i8x16_cmp.wast:1127", Opcode::I8X16GeS, {}, {V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"}), V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})}, V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})},
    {"simd_i8x16_cmp.wast:1265", Opcode::I8X16GeU, {}, {V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"}), V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})}, V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})},
    {"simd_i8x16_cmp.wast:851", Opcode::I8X16GtS, {}, {V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"}), V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_cmp.wast:989", Opcode::I8X16GtU, {}, {V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"}), V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_cmp.wast:575", Opcode::I8X16LeS, {}, {V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"}), V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})}, V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})},
    {"simd_i8x16_cmp.wast:713", Opcode::I8X16LeU, {}, {V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"}), V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})}, V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})},
    {"simd_i8x16_cmp.wast:299", Opcode::I8X16LtS, {}, {V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"}), V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_cmp.wast:437", Opcode::I8X16LtU, {}, {V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"}), V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_arith2.wast:101", Opcode::I8X16MaxS, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_arith2.wast:134", Opcode::I8X16MaxU, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_arith2.wast:35", Opcode::I8X16MinS, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_arith2.wast:68", Opcode::I8X16MinU, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_conversions.wast:283", Opcode::I8X16NarrowI16X8S, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_conversions.wast:313", Opcode::I8X16NarrowI16X8S, {}, {V("i16", {"128", "128", "128", "128", "128", "128", "128", "128"}), V("i16", {"128", "128", "128", "128", "128", "128", "128", "128"})}, V("i8", {"127", "127", "127", "127", "127", "127", "127", "127", "127", "127", "127", "127", "127", "127", "127", "127"})},
    {"simd_conversions.wast:372", Opcode::I8X16NarrowI16X8U, {}, {V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"}), V("i16", {"0", "0", "0", "0", "0", "0", "0", "0"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_conversions.wast:402", Opcode::I8X16NarrowI16X8U, {}, {V("i16", {"128", "128", "128", "128", "128", "128", "128", "128"}), V("i16", {"128", "128", "128", "128", "128", "128", "128", "128"})}, V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})},
    {"simd_i8x16_cmp.wast:161", Opcode::I8X16Ne, {}, {V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"}), V("i8", {"255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255", "255"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_arith.wast:322", Opcode::I8X16Neg, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_arith.wast:332", Opcode::I8X16Neg, {}, {V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})}, V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})},
    {"simd_i8x16_arith2.wast:228", Opcode::I8X16Popcnt, {}, {V("i8", {"1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1"})}, V("i8", {"1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1"})},
    {"simd_i8x16_arith2.wast:236", Opcode::I8X16Popcnt, {}, {V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})}, V("i8", {"1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1"})},
    {"simd_lane.wast:194", Opcode::I8X16ReplaceLane, {0}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), S("i32", "127")}, V("i8", {"127", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_lane.wast:198", Opcode::I8X16ReplaceLane, {15}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), S("i32", "4294967168")}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "128"})},
    {"simd_bit_shift.wast:44", Opcode::I8X16Shl, {}, {V("i8", {"128", "192", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"}), S("i32", "1")}, V("i8", {"0", "128", "0", "2", "4", "6", "8", "10", "12", "14", "16", "18", "20", "22", "24", "26"})},
    {"simd_bit_shift.wast:57", Opcode::I8X16Shl, {}, {V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}), S("i32", "128")}, V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"})},
    {"simd_bit_shift.wast:136", Opcode::I8X16ShrS, {}, {V("i8", {"128", "192", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"}), S("i32", "1")}, V("i8", {"192", "224", "0", "0", "1", "1", "2", "2", "3", "3", "4", "4", "5", "5", "6", "6"})},
    {"simd_bit_shift.wast:149", Opcode::I8X16ShrS, {}, {V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}), S("i32", "128")}, V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"})},
    {"simd_bit_shift.wast:90", Opcode::I8X16ShrU, {}, {V("i8", {"128", "192", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"}), S("i32", "1")}, V("i8", {"64", "96", "0", "0", "1", "1", "2", "2", "3", "3", "4", "4", "5", "5", "6", "6"})},
    {"simd_bit_shift.wast:103", Opcode::I8X16ShrU, {}, {V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}), S("i32", "128")}, V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"})},
    {"simd_lane.wast:349", Opcode::I8X16Shuffle, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}), V("i8", {"240", "241", "242", "243", "244", "245", "246", "247", "248", "249", "250", "251", "252", "253", "254", "255"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_lane.wast:357", Opcode::I8X16Shuffle, {0, 0, 0, 0, 0, 0, 0, 0, 16, 16, 16, 16, 16, 16, 16, 16}, {V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}), V("i8", {"240", "241", "242", "243", "244", "245", "246", "247", "248", "249", "250", "251", "252", "253", "254", "255"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "240", "240", "240", "240", "240", "240", "240", "240"})},
    {"simd_lane.wast:333", Opcode::I8X16Shuffle, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}), V("i8", {"16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31"})}, V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"})},
    {"simd_lane.wast:345", Opcode::I8X16Shuffle, {15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, {V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}), V("i8", {"240", "241", "242", "243", "244", "245", "246", "247", "248", "249", "250", "251", "252", "253", "254", "255"})}, V("i8", {"15", "14", "13", "12", "11", "10", "9", "8", "7", "6", "5", "4", "3", "2", "1", "0"})},
    {"simd_lane.wast:353", Opcode::I8X16Shuffle, {16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16}, {V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}), V("i8", {"240", "241", "242", "243", "244", "245", "246", "247", "248", "249", "250", "251", "252", "253", "254", "255"})}, V("i8", {"240", "240", "240", "240", "240", "240", "240", "240", "240", "240", "240", "240", "240", "240", "240", "240"})},
    {"simd_lane.wast:337", Opcode::I8X16Shuffle, {16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}, {V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}), V("i8", {"240", "241", "242", "243", "244", "245", "246", "247", "248", "249", "250", "251", "252", "253", "254", "255"})}, V("i8", {"240", "241", "242", "243", "244", "245", "246", "247", "248", "249", "250", "251", "252", "253", "254", "255"})},
    {"simd_lane.wast:341", Opcode::I8X16Shuffle, {31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16}, {V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}), V("i8", {"240", "241", "242", "243", "244", "245", "246", "247", "248", "249", "250", "251", "252", "253", "254", "255"})}, V("i8", {"255", "254", "253", "252", "251", "250", "249", "248", "247", "246", "245", "244", "243", "242", "241", "240"})},
    {"simd_splat.wast:12", Opcode::I8X16Splat, {}, {S("i32", "0")}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_arith.wast:167", Opcode::I8X16Sub, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_sat_arith.wast:287", Opcode::I8X16SubSatS, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_sat_arith.wast:341", Opcode::I8X16SubSatS, {}, {V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"}), V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_sat_arith.wast:424", Opcode::I8X16SubSatU, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"}), V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_i8x16_sat_arith.wast:478", Opcode::I8X16SubSatU, {}, {V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"}), V("i8", {"128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128", "128"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_lane.wast:292", Opcode::I8X16Swizzle, {}, {V("i8", {"16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31"}), V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"})}, V("i8", {"16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31"})},
    {"simd_lane.wast:324", Opcode::I8X16Swizzle, {}, {V("f32", {"2143289344", "4290772992", "2139095040", "4286578688"}), V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"})}, V("i32", {"2143289344", "4290772992", "2139095040", "4286578688"})},
    {"simd_lane.wast:296", Opcode::I8X16Swizzle, {}, {V("i8", {"240", "241", "242", "243", "244", "245", "246", "247", "248", "249", "250", "251", "252", "253", "254", "255"}), V("i8", {"248", "249", "250", "251", "252", "253", "254", "255", "16", "17", "18", "19", "20", "21", "22", "23"})}, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})},
    {"simd_bitwise.wast:31", Opcode::V128And, {}, {V("i32", {"0", "0", "4294967295", "4294967295"}), V("i32", {"0", "4294967295", "0", "4294967295"})}, V("i32", {"0", "0", "0", "4294967295"})},
    {"simd_bitwise.wast:189", Opcode::V128Andnot, {}, {V("i32", {"0", "0", "4294967295", "4294967295"}), V("i32", {"0", "4294967295", "0", "4294967295"})}, V("i32", {"0", "0", "4294967295", "0"})},
    {"simd_boolean.wast:21", Opcode::V128AnyTrue, {}, {V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"})}, S("i32", "0")},
    {"simd_boolean.wast:121", Opcode::V128AnyTrue, {}, {V("i32", {"4294967295", "0", "1", "15"})}, S("i32", "1")},
    {"simd_bitwise.wast:157", Opcode::V128BitSelect, {}, {V("i32", {"2863311530", "2863311530", "2863311530", "2863311530"}), V("i32", {"3149642683", "3149642683", "3149642683", "3149642683"}), V("i32", {"1123141", "4027580415", "269557793", "3148528554"})}, V("i32", {"3148528314", "2881137322", "2880093114", "2864425659"})},
    {"simd_bitwise.wast:15", Opcode::V128Not, {}, {V("i32", {"0", "0", "0", "0"})}, V("i32", {"4294967295", "4294967295", "4294967295", "4294967295"})},
    {"simd_bitwise.wast:73", Opcode::V128Or, {}, {V("i32", {"0", "0", "4294967295", "4294967295"}), V("i32", {"0", "4294967295", "0", "4294967295"})}, V("i32", {"0", "4294967295", "4294967295", "4294967295"})},
    {"simd_bitwise.wast:115", Opcode::V128Xor, {}, {V("i32", {"0", "0", "4294967295", "4294967295"}), V("i32", {"0", "4294967295", "0", "4294967295"})}, V("i32", {"0", "4294967295", "4294967295", "0"})},
  };
  return *kCases;
}
// clang-format on

// Makes each case an out-of-line function the C compiler cannot specialise
// for its constant arguments, so the test exercises the run-time code.
constexpr std::string_view kOpaque = R"(
#if defined(__clang__)
#define TEST_OPAQUE __attribute__((noinline))
#else
#define TEST_OPAQUE __attribute__((noipa))
#endif
)";

std::string ProgramHead() {
  return std::string(kHarnessHead) + std::string(SimdPrelude()) +
         std::string(kHarnessHelpers) + std::string(kOpaque);
}

bool IsLaneOp(Opcode op) {
  switch (op) {
    case Opcode::I8X16ExtractLaneS:
    case Opcode::I8X16ExtractLaneU:
    case Opcode::I16X8ExtractLaneS:
    case Opcode::I16X8ExtractLaneU:
    case Opcode::I32X4ExtractLane:
    case Opcode::I64X2ExtractLane:
    case Opcode::F32X4ExtractLane:
    case Opcode::F64X2ExtractLane:
    case Opcode::I8X16ReplaceLane:
    case Opcode::I16X8ReplaceLane:
    case Opcode::I32X4ReplaceLane:
    case Opcode::I64X2ReplaceLane:
    case Opcode::F32X4ReplaceLane:
    case Opcode::F64X2ReplaceLane:
      return true;
    default:
      return false;
  }
}

// Every non-memory instruction, on spec inputs including NaNs, signed zeros,
// saturation and out-of-range indices, gives the spec's result.
TEST(SimdTest, InstructionsGiveTheSpecResults) {
  const std::vector<Case>& cases = SpecCases();
  std::string functions;
  std::string calls;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    Opcode op(c.op);
    std::vector<std::string> names;
    std::string params;
    for (int p = 1; p <= 3; ++p) {
      if (op.GetParamType(p) == wabt::Type::Void) continue;
      std::string name = absl::StrCat("p", p - 1);
      absl::StrAppend(&params, params.empty() ? "" : ", ",
                      CType(op.GetParamType(p)), " ", name);
      names.push_back(name);
    }
    ASSERT_EQ(names.size(), c.args.size()) << c.where;
    std::optional<std::string> expr;
    if (op == Opcode::I8X16Shuffle) {
      ASSERT_EQ(c.imm.size(), 16u) << c.where;
      uint8_t lanes[16];
      for (int k = 0; k < 16; ++k) lanes[k] = c.imm[k];
      expr = SimdShuffle(lanes, names[0], names[1]);
    } else if (IsLaneOp(op)) {
      ASSERT_EQ(c.imm.size(), 1u) << c.where;
      expr = SimdLaneOp(op, c.imm[0], names);
    } else {
      expr = SimdOp(op, names);
    }
    ASSERT_TRUE(expr.has_value()) << c.where << " " << op.GetName();
    std::string rtype = CType(op.GetResultType());
    absl::StrAppend(&functions, "TEST_OPAQUE ", rtype, " case", i, "(",
                    params.empty() ? "void" : params, ") {\n  return ", *expr,
                    ";\n}\n");
    std::string args;
    for (const Val& a : c.args) {
      absl::StrAppend(&args, args.empty() ? "" : ", ", CValue(a));
    }
    absl::StrAppend(&calls, "  { ", rtype, " r = case", i, "(", args,
                    "); test_dump(\"c", i, "\", &r, sizeof r); }\n");
  }
  auto results =
      CompileAndRun(absl::StrCat(ProgramHead(), functions, "int main(void) {\n",
                                 calls, "  return 0;\n}\n"));
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    auto it = results.find(absl::StrCat("c", i));
    if (it == results.end()) {
      ADD_FAILURE() << "no result for " << c.where;
      continue;
    }
    EXPECT_EQ(Mismatch(c.expected, it->second), "")
        << c.where << " " << Opcode(c.op).GetName();
  }
}

// A load from spec memory contents `data` (placed at address 0) at `addr`.
struct LoadCase {
  const char* where;
  Opcode::Enum op;
  int lane;  // for loadN_lane
  std::string data;
  uint32_t addr;
  Val expected;
};

const std::string kData16 = std::string(
    "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16);
const std::string kDataExt =
    kData16 + "\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89";

// clang-format off
const std::vector<LoadCase>& LoadCases() {
  static const auto* const kCases = new std::vector<LoadCase>{
    {"simd_load.wast:11", Opcode::V128Load, 0, kData16, 0, V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"})},
    {"simd_load_extend.wast:169", Opcode::V128Load8X8S, 0, kDataExt, 10, V("i16", {"0x000A", "0x000B", "0x000C", "0x000D", "0x000E", "0x000F", "0xFF80", "0xFF81"})},
    {"simd_load_extend.wast:170", Opcode::V128Load8X8U, 0, kDataExt, 10, V("i16", {"0x000A", "0x000B", "0x000C", "0x000D", "0x000E", "0x000F", "0x0080", "0x0081"})},
    {"simd_load_extend.wast:171", Opcode::V128Load16X4S, 0, kDataExt, 10, V("i32", {"0x00000B0A", "0x00000D0C", "0x00000F0E", "0xFFFF8180"})},
    {"simd_load_extend.wast:172", Opcode::V128Load16X4U, 0, kDataExt, 10, V("i32", {"0x00000B0A", "0x00000D0C", "0x00000F0E", "0x00008180"})},
    {"simd_load_extend.wast:173", Opcode::V128Load32X2S, 0, kDataExt, 10, V("i64", {"0x000000000D0C0B0A", "0xFFFFFFFF81800F0E"})},
    {"simd_load_extend.wast:174", Opcode::V128Load32X2U, 0, kDataExt, 10, V("i64", {"0x000000000D0C0B0A", "0x0000000081800F0E"})},
    {"simd_load_splat.wast:45", Opcode::V128Load8Splat, 0, kData16, 2, V("i8", {"2", "2", "2", "2", "2", "2", "2", "2", "2", "2", "2", "2", "2", "2", "2", "2"})},
    {"simd_load_splat.wast:50", Opcode::V128Load16Splat, 0, kData16, 6, V("i16", {"0x0706", "0x0706", "0x0706", "0x0706", "0x0706", "0x0706", "0x0706", "0x0706"})},
    {"simd_load_splat.wast:55", Opcode::V128Load32Splat, 0, kData16, 10, V("i32", {"0x0D0C0B0A", "0x0D0C0B0A", "0x0D0C0B0A", "0x0D0C0B0A"})},
    {"simd_load_splat.wast:59", Opcode::V128Load64Splat, 0, kData16, 13, V("i64", {"0x00000000000F0E0D", "0x00000000000F0E0D"})},
    {"simd_load_zero.wast:64", Opcode::V128Load32Zero, 0, kDataExt, 10, V("i32", {"0x0D0C0B0A", "0", "0", "0"})},
    {"simd_load_zero.wast:65", Opcode::V128Load64Zero, 0, kDataExt, 10, V("i64", {"0x81800F0E0D0C0B0A", "0"})},
    {"simd_load8_lane.wast:198", Opcode::V128Load8Lane, 15, kData16, 15, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "15"})},
    {"simd_load16_lane.wast:108", Opcode::V128Load16Lane, 1, kData16, 1, V("i16", {"0", "513", "0", "0", "0", "0", "0", "0"})},
    {"simd_load32_lane.wast:72", Opcode::V128Load32Lane, 1, kData16, 1, V("i32", {"0", "67305985", "0", "0"})},
    {"simd_load64_lane.wast:48", Opcode::V128Load64Lane, 1, kData16, 1, V("i64", {"0", "578437695752307201"})},
  };
  return *kCases;
}

// A store of `vec` (lane `lane` for storeN_lane); the spec reads back the
// i64 at the address, `expected`.
struct StoreCase {
  const char* where;
  Opcode::Enum op;
  int lane;
  Val vec;
  uint64_t expected;
};

const std::vector<StoreCase>& StoreCases() {
  static const auto* const kCases = new std::vector<StoreCase>{
    {"simd_store.wast:40", Opcode::V128Store, 0, V("i8", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}), 0},
    {"simd_store8_lane.wast:326", Opcode::V128Store8Lane, 15, V("i8", {"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "15"}), 15},
    {"simd_store16_lane.wast:196", Opcode::V128Store16Lane, 1, V("i16", {"0", "513", "0", "0", "0", "0", "0", "0"}), 513},
    {"simd_store32_lane.wast:128", Opcode::V128Store32Lane, 1, V("i32", {"0", "67305985", "0", "0"}), 67305985},
    {"simd_store64_lane.wast:82", Opcode::V128Store64Lane, 1, V("i64", {"0", "578437695752307201"}), 578437695752307201},
  };
  return *kCases;
}
// clang-format on

bool IsLoadLane(Opcode op) {
  return op == Opcode::V128Load8Lane || op == Opcode::V128Load16Lane ||
         op == Opcode::V128Load32Lane || op == Opcode::V128Load64Lane;
}

// Loads give the spec's vectors and stores write exactly the spec's bytes.
// Each access is placed so that its last byte is the last accessible byte
// before a PROT_NONE page: an implementation that touches more bytes than
// the spec's access width crashes the test program.
TEST(SimdTest, MemoryInstructionsAccessExactlyTheirBytes) {
  std::string functions;
  std::string calls = "  test_map();\n";
  for (size_t i = 0; i < LoadCases().size(); ++i) {
    const LoadCase& c = LoadCases()[i];
    Opcode op(c.op);
    std::optional<std::string> expr =
        IsLoadLane(op) ? SimdLoadLane(op, "addr", c.lane, "v")
                       : SimdLoad(op, "addr");
    ASSERT_TRUE(expr.has_value()) << c.where;
    absl::StrAppend(&functions, "TEST_OPAQUE simde_v128_t load", i,
                    "(uint8_t* addr, simde_v128_t v) {\n  (void)v;\n  return ",
                    *expr, ";\n}\n");
    uint64_t end = c.addr + op.GetMemorySize();  // one past the last byte
    std::string data;
    for (size_t k = 0; k < c.data.size() && k < end; ++k) {
      absl::StrAppend(&data, k ? ", " : "", static_cast<uint8_t>(c.data[k]));
    }
    absl::StrAppend(&calls, "  {\n    static const uint8_t data[] = {", data,
                    "};\n", "    memset(test_page, 0, test_page_size);\n",
                    "    uint8_t* mem = test_page + test_page_size - ", end,
                    ";\n", "    memcpy(mem, data, sizeof data);\n",
                    "    simde_v128_t r = load", i, "(mem + ", c.addr, ", ",
                    CValue(V("i32", {"0", "0", "0", "0"})), ");\n",
                    "    test_dump(\"l", i, "\", &r, sizeof r);\n  }\n");
  }
  for (size_t i = 0; i < StoreCases().size(); ++i) {
    const StoreCase& c = StoreCases()[i];
    Opcode op(c.op);
    std::string stmt;
    if (op == Opcode::V128Store) {
      stmt = SimdStore("addr", "v");
    } else {
      std::optional<std::string> s = SimdStoreLane(op, "addr", c.lane, "v");
      ASSERT_TRUE(s.has_value()) << c.where;
      stmt = *s;
    }
    absl::StrAppend(&functions, "TEST_OPAQUE void store", i,
                    "(uint8_t* addr, simde_v128_t v) {\n  ", stmt, "\n}\n");
    uint64_t width = op.GetMemorySize();
    // Output: number of bytes changed before the stored ones, then the
    // stored bytes.
    absl::StrAppend(
        &calls, "  {\n    memset(test_page, 0xaa, test_page_size);\n",
        "    uint8_t* at = test_page + test_page_size - ", width, ";\n",
        "    store", i, "(at, ", CValue(c.vec), ");\n",
        "    uint8_t out[17] = {0};\n",
        "    for (uint8_t* p = test_page; p < at; ++p) out[0] += *p != 0xaa;\n",
        "    memcpy(out + 1, at, ", width, ");\n", "    test_dump(\"s", i,
        "\", out, ", width + 1, ");\n  }\n");
  }
  auto results =
      CompileAndRun(absl::StrCat(ProgramHead(), functions, "int main(void) {\n",
                                 calls, "  return 0;\n}\n"));
  for (size_t i = 0; i < LoadCases().size(); ++i) {
    const LoadCase& c = LoadCases()[i];
    auto it = results.find(absl::StrCat("l", i));
    if (it == results.end()) {
      ADD_FAILURE() << "no result for " << c.where;
      continue;
    }
    EXPECT_EQ(Mismatch(c.expected, it->second), "") << c.where;
  }
  for (size_t i = 0; i < StoreCases().size(); ++i) {
    const StoreCase& c = StoreCases()[i];
    auto it = results.find(absl::StrCat("s", i));
    if (it == results.end()) {
      ADD_FAILURE() << "no result for " << c.where;
      continue;
    }
    const std::vector<uint8_t>& got = it->second;
    size_t width = Opcode(c.op).GetMemorySize();
    ASSERT_EQ(got.size(), width + 1) << c.where;
    EXPECT_EQ(got[0], 0) << c.where << ": bytes before the store changed";
    // v128.store's expectation is the stored vector itself.
    std::vector<uint8_t> want = Bytes(c.vec);
    if (c.op != Opcode::V128Store) {
      want.clear();
      for (size_t k = 0; k < width; ++k) want.push_back(c.expected >> (8 * k));
    }
    EXPECT_EQ(std::vector<uint8_t>(got.begin() + 1, got.end()), want)
        << c.where;
  }
}

// Every Wasm 2.0 SIMD opcode has exactly one C form; relaxed-simd opcodes
// (0xfd 0x100 and up) have none, so the writer reports them.
TEST(SimdTest, EveryWasm2SimdOpcodeHasOneCForm) {
  const std::vector<std::string> operands = {"a", "b", "c"};
  std::span<const std::string> all(operands);
  int simd_opcodes = 0;
  for (uint32_t e = 0; e < Opcode::Invalid; ++e) {
    Opcode op(static_cast<Opcode::Enum>(e));
    if (!IsSimdOpcode(op)) {
      EXPECT_NE(op.GetPrefix(), 0xfd) << op.GetName();
      continue;
    }
    int forms = 0;
    for (size_t n = 1; n <= 3; ++n) forms += SimdOp(op, all.first(n)) ? 1 : 0;
    for (size_t n = 1; n <= 2; ++n) {
      forms += SimdLaneOp(op, 0, all.first(n)) ? 1 : 0;
    }
    forms += SimdLoad(op, "p") ? 1 : 0;
    forms += SimdLoadLane(op, "p", 0, "v") ? 1 : 0;
    forms += SimdStoreLane(op, "p", 0, "v") ? 1 : 0;
    // Forms with their own entry points, which take no opcode.
    if (op == Opcode::V128Const || op == Opcode::I8X16Shuffle ||
        op == Opcode::V128Store) {
      ++forms;
    }
    bool relaxed = op.GetCode() >= 0x100;
    EXPECT_EQ(forms, relaxed ? 0 : 1) << op.GetName();
    simd_opcodes += relaxed ? 0 : 1;
  }
  EXPECT_EQ(simd_opcodes, 236);
}

// Lane indices the spec's validation rejects get no C (an internal error in
// the writer) instead of C that would index out of the vector.
TEST(SimdTest, RejectsLaneIndicesOutOfRange) {
  const std::vector<std::string> v = {"v"};
  const std::vector<std::string> vx = {"v", "x"};
  EXPECT_TRUE(SimdLaneOp(Opcode::I8X16ExtractLaneS, 15, v).has_value());
  EXPECT_FALSE(SimdLaneOp(Opcode::I8X16ExtractLaneS, 16, v).has_value());
  EXPECT_FALSE(SimdLaneOp(Opcode::F64X2ReplaceLane, 2, vx).has_value());
  EXPECT_FALSE(SimdLoadLane(Opcode::V128Load64Lane, "p", 2, "v").has_value());
  EXPECT_FALSE(SimdStoreLane(Opcode::V128Store8Lane, "p", 16, "v").has_value());
}

// Only 0xfd-prefixed opcodes are SIMD; others get no SIMD C.
TEST(SimdTest, ScalarOpcodesAreNotSimd) {
  EXPECT_FALSE(IsSimdOpcode(Opcode::I32Add));
  EXPECT_FALSE(IsSimdOpcode(Opcode::I32TruncSatF32S));  // 0xfc prefix
  EXPECT_TRUE(IsSimdOpcode(Opcode::V128Load));
  const std::vector<std::string> ab = {"a", "b"};
  EXPECT_FALSE(SimdOp(Opcode::I32Add, ab).has_value());
}

}  // namespace
}  // namespace airlock::sandbox::translate_internal
