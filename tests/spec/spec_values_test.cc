#include "tests/spec/spec_values.h"

#include <cstring>

#include "gtest/gtest.h"

namespace airlock::spectest {
namespace {

using nlohmann::json;

ExpectedResult Expect(const char* text) {
  absl::StatusOr<ExpectedResult> expected =
      ExpectedResult::Parse(json::parse(text));
  EXPECT_TRUE(expected.ok()) << expected.status();
  return *expected;
}

airlock_value I32(uint32_t bits) {
  airlock_value value{};
  value.i32 = bits;
  return value;
}

airlock_value I64(uint64_t bits) {
  airlock_value value{};
  value.i64 = bits;
  return value;
}

// Integers compare bit for bit, written as unsigned decimals.
TEST(ExpectedResultTest, IntegersMatchExactly) {
  ExpectedResult minus_one =
      Expect(R"({"type": "i32", "value": "4294967295"})");
  EXPECT_TRUE(minus_one.Matches(I32(0xffffffffu)));
  EXPECT_FALSE(minus_one.Matches(I32(0x7fffffffu)));
  ExpectedResult big =
      Expect(R"({"type": "i64", "value": "9223372036854775808"})");
  EXPECT_TRUE(big.Matches(I64(1ull << 63)));
  EXPECT_FALSE(big.Matches(I64(0)));
}

// A float expectation is its bit pattern: -0 is not +0, and one NaN payload
// is not another.
TEST(ExpectedResultTest, FloatsMatchByBits) {
  ExpectedResult minus_zero =
      Expect(R"({"type": "f32", "value": "2147483648"})");
  EXPECT_TRUE(minus_zero.Matches(I32(0x80000000u)));
  EXPECT_FALSE(minus_zero.Matches(I32(0)));
  ExpectedResult nan =
      Expect(R"({"type": "f64", "value": "9221120237041090561"})");
  EXPECT_TRUE(nan.Matches(I64(0x7ff8000000000001ull)));
  EXPECT_FALSE(nan.Matches(I64(0x7ff8000000000000ull)));
}

// nan:canonical accepts only the canonical payload (either sign);
// nan:arithmetic any quiet NaN, but never a signalling NaN or a number.
TEST(ExpectedResultTest, NanPatterns) {
  ExpectedResult canonical =
      Expect(R"({"type": "f32", "value": "nan:canonical"})");
  EXPECT_TRUE(canonical.Matches(I32(0x7fc00000u)));
  EXPECT_TRUE(canonical.Matches(I32(0xffc00000u)));
  EXPECT_FALSE(canonical.Matches(I32(0x7fc00001u)));
  EXPECT_FALSE(canonical.Matches(I32(0x7f800000u)));  // infinity

  ExpectedResult arithmetic =
      Expect(R"({"type": "f64", "value": "nan:arithmetic"})");
  EXPECT_TRUE(arithmetic.Matches(I64(0x7ff8000000000000ull)));
  EXPECT_TRUE(arithmetic.Matches(I64(0xfff8000000000123ull)));
  EXPECT_FALSE(arithmetic.Matches(I64(0x7ff0000000000001ull)));  // signalling
  EXPECT_FALSE(arithmetic.Matches(I64(0x3ff0000000000000ull)));  // 1.0
}

// v128 expectations are checked lane by lane in the script's lane shape,
// with NaN patterns per lane.
TEST(ExpectedResultTest, V128Lanes) {
  ExpectedResult lanes = Expect(
      R"({"type": "v128", "lane_type": "i16",
          "value": ["1", "2", "3", "4", "5", "6", "7", "65535"]})");
  airlock_value value{};
  const uint16_t shorts[8] = {1, 2, 3, 4, 5, 6, 7, 0xffff};
  std::memcpy(value.v128, shorts, sizeof shorts);
  EXPECT_TRUE(lanes.Matches(value));
  value.v128[14] = 0;
  EXPECT_FALSE(lanes.Matches(value));

  ExpectedResult floats = Expect(
      R"({"type": "v128", "lane_type": "f32",
          "value": ["nan:canonical", "1065353216", "nan:arithmetic", "0"]})");
  const uint32_t words[4] = {0xffc00000u, 0x3f800000u, 0x7fc12345u, 0};
  std::memcpy(value.v128, words, sizeof words);
  EXPECT_TRUE(floats.Matches(value));
  const uint32_t bad[4] = {0x7fc00001u, 0x3f800000u, 0x7fc12345u, 0};
  std::memcpy(value.v128, bad, sizeof bad);
  EXPECT_FALSE(floats.Matches(value));
}

// ref.extern N is host value N + 1, so that ref.extern 0 is not null; a
// reference without a value is any non-null one.
TEST(ExpectedResultTest, References) {
  airlock_value null{};
  airlock_value extern0{};
  extern0.ref.ctx = ExternHostValue(0);
  EXPECT_TRUE(
      Expect(R"({"type": "externref", "value": "null"})").Matches(null));
  EXPECT_FALSE(
      Expect(R"({"type": "externref", "value": "null"})").Matches(extern0));
  EXPECT_TRUE(
      Expect(R"({"type": "externref", "value": "0"})").Matches(extern0));
  EXPECT_FALSE(
      Expect(R"({"type": "externref", "value": "1"})").Matches(extern0));
  EXPECT_TRUE(Expect(R"({"type": "externref"})").Matches(extern0));
  EXPECT_FALSE(Expect(R"({"type": "externref"})").Matches(null));

  airlock_value func{};
  func.ref.fn = reinterpret_cast<void (*)(void)>(&I32);
  EXPECT_TRUE(Expect(R"({"type": "funcref", "value": "null"})").Matches(null));
  EXPECT_FALSE(Expect(R"({"type": "funcref", "value": "null"})").Matches(func));
  EXPECT_TRUE(Expect(R"({"type": "funcref"})").Matches(func));
}

// Arguments become airlock_values of the right type letter.
TEST(ParseArgumentTest, Values) {
  absl::StatusOr<Argument> f32 =
      ParseArgument(json::parse(R"({"type": "f32", "value": "2143289344"})"));
  ASSERT_TRUE(f32.ok());
  EXPECT_EQ(f32->type, 'f');
  EXPECT_EQ(f32->value.i32, 0x7fc00000u);

  absl::StatusOr<Argument> lanes = ParseArgument(json::parse(
      R"({"type": "v128", "lane_type": "i64", "value": ["1", "2"]})"));
  ASSERT_TRUE(lanes.ok());
  EXPECT_EQ(lanes->value.v128[0], 1);
  EXPECT_EQ(lanes->value.v128[8], 2);

  absl::StatusOr<Argument> ext =
      ParseArgument(json::parse(R"({"type": "externref", "value": "3"})"));
  ASSERT_TRUE(ext.ok());
  EXPECT_EQ(ext->value.ref.ctx, ExternHostValue(3));
}

// Malformed values are errors, not silently zero.
TEST(ParseArgumentTest, RejectsMalformed) {
  EXPECT_FALSE(
      ParseArgument(json::parse(R"({"type": "i32", "value": "4294967296"})"))
          .ok());
  EXPECT_FALSE(
      ParseArgument(json::parse(R"({"type": "i33", "value": "1"})")).ok());
  EXPECT_FALSE(
      ParseArgument(
          json::parse(
              R"({"type": "v128", "lane_type": "i32", "value": ["1"]})"))
          .ok());
}

}  // namespace
}  // namespace airlock::spectest
