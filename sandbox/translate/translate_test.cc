#include "sandbox/translate/translate.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace airlock::sandbox {
namespace {

void Leb(std::vector<uint8_t>& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v) b |= 0x80;
    out.push_back(b);
  } while (v);
}

void Section(std::vector<uint8_t>& out, uint8_t id,
             const std::vector<uint8_t>& body) {
  out.push_back(id);
  Leb(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
}

// A module with one function `run: [] -> []` whose body is `code`.
std::vector<uint8_t> ModuleWithBody(const std::vector<uint8_t>& code,
                                    const std::vector<uint8_t>& memory = {}) {
  std::vector<uint8_t> m = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  Section(m, 1, {0x01, 0x60, 0x00, 0x00});  // type: [] -> []
  Section(m, 3, {0x01, 0x00});              // func 0: type 0
  if (!memory.empty()) Section(m, 5, memory);
  Section(m, 7, {0x01, 0x03, 'r', 'u', 'n', 0x00, 0x00});  // export "run"
  std::vector<uint8_t> body = {0x00};                      // no locals
  body.insert(body.end(), code.begin(), code.end());
  body.push_back(0x0b);
  std::vector<uint8_t> sec = {0x01};
  Leb(sec, body.size());
  sec.insert(sec.end(), body.begin(), body.end());
  Section(m, 10, sec);
  return m;
}

std::string AllText(const TranslatedModule& t) {
  std::string s;
  for (const CSource& u : t.units) s += u.contents;
  for (const CSource& u : t.headers) s += u.contents;
  return s;
}

// A function over huge_function_bytes of C gets a unit of its own, marked
// huge (compiled without optimisation); ordinary functions do not.
TEST(TranslateTest, HugeFunctionGetsItsOwnUnit) {
  std::vector<uint8_t> code;
  for (int i = 0; i < 4000; ++i) {
    code.insert(code.end(), {0x41, 0x01, 0x1a});  // i32.const 1; drop
  }
  std::vector<uint8_t> wasm = ModuleWithBody(code);
  TranslateOptions options;
  options.huge_function_bytes = 10'000;
  auto huge = TranslateToC(wasm, options);
  ASSERT_TRUE(huge.ok()) << huge.status();
  int huge_units = 0;
  for (const CSource& u : huge->units) {
    if (!u.huge) continue;
    ++huge_units;
    // A checking wrapper, then the body it calls.
    EXPECT_TRUE(absl::StrContains(u.contents, "wf0(")) << u.contents;
    EXPECT_TRUE(absl::StrContains(u.contents, "return wf0_body(ctx_);") ||
                absl::StrContains(u.contents, "wf0_body(ctx_);"))
        << u.contents;
    EXPECT_TRUE(absl::StrContains(u.contents, "inst->hdr.stack_limit + "))
        << u.contents;
  }
  EXPECT_EQ(huge_units, 1);
  options.huge_function_bytes = 1 << 20;
  auto normal = TranslateToC(wasm, options);
  ASSERT_TRUE(normal.ok()) << normal.status();
  for (const CSource& u : normal->units) EXPECT_FALSE(u.huge) << u.name;
}

// A function with a big frame checks for room for all of it before it
// touches it; a small one checks only its frame address.
TEST(TranslateTest, BigFrameChecksItsSize) {
  std::vector<uint8_t> wasm = ModuleWithBody({0x01});  // nop
  auto small = TranslateToC(wasm, {});
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_TRUE(
      absl::StrContains(AllText(*small),
                        "__builtin_frame_address(0) < inst->hdr.stack_limit)) "
                        "AL_TRAP(CALL_STACK_EXHAUSTED);"));
  // 2,000 v128 locals: 32,000 bytes, checked as 64,000.
  std::vector<uint8_t> m = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  Section(m, 1, {0x01, 0x60, 0x00, 0x00});
  Section(m, 3, {0x01, 0x00});
  std::vector<uint8_t> body = {0x01};  // one local declaration
  Leb(body, 2000);
  body.push_back(0x7b);  // v128
  body.push_back(0x0b);
  std::vector<uint8_t> sec = {0x01};
  Leb(sec, body.size());
  sec.insert(sec.end(), body.begin(), body.end());
  Section(m, 10, sec);
  auto big = TranslateToC(m, {});
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_TRUE(absl::StrContains(
      AllText(*big),
      "__builtin_frame_address(0) < inst->hdr.stack_limit + 64000u)) "
      "AL_TRAP(CALL_STACK_EXHAUSTED);"))
      << AllText(*big);
}

// Bytes that are not Wasm get an error saying so, not a crash.
TEST(TranslateTest, RejectsNonWasm) {
  std::string text = "hello, this is not wasm";
  std::vector<uint8_t> bytes(text.begin(), text.end());
  auto r = TranslateToC(bytes, {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::StrContains(r.status().message(), "bad magic"))
      << r.status();
  auto empty = TranslateToC({}, {});
  ASSERT_FALSE(empty.ok());
  EXPECT_TRUE(absl::StrContains(empty.status().message(), "shorter than"));
}

// A module cut short is reported as malformed.
TEST(TranslateTest, RejectsTruncated) {
  std::vector<uint8_t> m = ModuleWithBody({0x01});
  m.resize(m.size() - 3);
  auto r = TranslateToC(m, {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::StrContains(r.status().message(), "malformed module"))
      << r.status();
}

// A shared memory (threads proposal) is rejected naming the feature.
TEST(TranslateTest, RejectsThreadsNamingTheFeature) {
  auto r = TranslateToC(ModuleWithBody({}, {0x01, 0x03, 0x01, 0x01}), {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::StrContains(r.status().message(), "threads")) << r.status();
}

// An ill-typed body is invalid, with libwabt's reason.
TEST(TranslateTest, RejectsInvalid) {
  auto r = TranslateToC(ModuleWithBody({0x6a}), {});  // i32.add on empty stack
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::StrContains(r.status().message(), "invalid module"))
      << r.status();
}

// A valid module becomes C with the descriptor, the export and fuel code.
TEST(TranslateTest, EmitsDescriptorExportAndFuel) {
  auto r = TranslateToC(ModuleWithBody({0x03, 0x40, 0x0c, 0x00, 0x0b}),
                        {.fuel = true, .cache_key = "k123"});
  ASSERT_TRUE(r.ok()) << r.status();
  std::string all = AllText(*r);
  EXPECT_TRUE(absl::StrContains(all, "airlock_module"));
  EXPECT_TRUE(absl::StrContains(all, "\"run\""));
  EXPECT_TRUE(absl::StrContains(all, "\"k123\""));
  EXPECT_TRUE(absl::StrContains(all, "fuel -="));
  auto nofuel = TranslateToC(ModuleWithBody({0x03, 0x40, 0x0c, 0x00, 0x0b}),
                             {.fuel = false});
  ASSERT_TRUE(nofuel.ok());
  EXPECT_FALSE(absl::StrContains(AllText(*nofuel), "fuel -="));
}

// 50,000 nested blocks (which crash stock wasm2c) translate.
TEST(TranslateTest, DeepNestingDoesNotCrash) {
  std::vector<uint8_t> code;
  for (int i = 0; i < 50000; ++i) {
    code.push_back(0x02);
    code.push_back(0x40);
  }
  for (int i = 0; i < 50000; ++i) code.push_back(0x0b);
  auto r = TranslateToC(ModuleWithBody(code), {});
  ASSERT_TRUE(r.ok()) << r.status();
}

}  // namespace
}  // namespace airlock::sandbox
