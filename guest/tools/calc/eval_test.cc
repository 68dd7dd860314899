// Host unit tests of the calc evaluator (the Wasm tool is tested through the
// real engine by calc_test.json).
#include "eval.h"

#include <gtest/gtest.h>

#include <string>

#include "bigint.h"

namespace airlock::calc {
namespace {

// "text/type" of a successful result, or "ERROR code: message".
std::string Calc(const std::string& expr, const Json& variables = nullptr,
                 int precision = 0) {
  CalcOptions options;
  options.variables = &variables;
  options.precision = precision;
  CalcOutcome out = Calculate(expr, options);
  if (out.error) return "ERROR " + out.error->code + ": " + out.error->message;
  return out.result["text"].get<std::string>() + "/" +
         out.result["type"].get<std::string>();
}

Json CalcJson(const std::string& expr) {
  CalcOptions options;
  CalcOutcome out = Calculate(expr, options);
  EXPECT_FALSE(out.error.has_value()) << expr;
  return out.result;
}

TEST(BigIntTest, RoundTripsDecimalText) {
  const std::string digits = "-123456789012345678901234567890123456789";
  BigInt v;
  ASSERT_TRUE(BigInt::Parse(digits.substr(1), 10, &v));
  EXPECT_EQ((-v).ToString(), digits);
  EXPECT_EQ(BigInt::FromInt64(INT64_MIN).ToString(), "-9223372036854775808");
  EXPECT_TRUE(BigInt::FromInt64(INT64_MIN).FitsInt64());
  EXPECT_FALSE(
      (BigInt::FromInt64(INT64_MAX) + BigInt::FromInt64(1)).FitsInt64());
}

TEST(BigIntTest, DividesMultiLimbNumbers) {
  BigInt a, b;
  ASSERT_TRUE(BigInt::Parse("340282366920938463463374607431768211457", 10, &a));
  ASSERT_TRUE(BigInt::Parse("18446744073709551629", 10, &b));
  BigInt q, r;
  BigInt::DivModTrunc(a, b, &q, &r);
  EXPECT_EQ(q.ToString(), "18446744073709551603");
  EXPECT_EQ(r.ToString(), "170");
  EXPECT_EQ((q * b + r).ToString(), a.ToString());
  // The add-back step of algorithm D (a quotient digit estimate one too
  // large) happens for this classic pair.
  ASSERT_TRUE(BigInt::Parse("800000000000000000000003", 16, &a));
  ASSERT_TRUE(BigInt::Parse("200000000000000000000001", 16, &b));
  BigInt::DivModTrunc(a, b, &q, &r);
  EXPECT_EQ((q * b + r).ToString(), a.ToString());
  EXPECT_EQ(q.ToString(), "3");
}

TEST(BigIntTest, ConvertsToNearestDouble) {
  BigInt v;
  // 2^53 + 1 rounds to even (2^53); 2^53 + 3 rounds up.
  ASSERT_TRUE(BigInt::Parse("9007199254740993", 10, &v));
  EXPECT_EQ(v.ToDouble(), 9007199254740992.0);
  ASSERT_TRUE(BigInt::Parse("9007199254740995", 10, &v));
  EXPECT_EQ(v.ToDouble(), 9007199254740996.0);
  EXPECT_EQ(BigInt::FromIntegralDouble(1e300).ToDouble(), 1e300);
}

// Lehmer's gcd against plain Euclid on pseudo-random multi-limb numbers.
TEST(BigIntTest, GcdMatchesEuclid) {
  uint64_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 6364136223846793005u + 1442695040888963407u;
    return static_cast<uint32_t>(seed >> 33);
  };
  for (int round = 0; round < 200; ++round) {
    BigInt common = BigInt::FromUint64(next() % 1000 + 1);
    BigInt a = BigInt::FromInt64(1), b = BigInt::FromInt64(1);
    int la = 1 + next() % 40, lb = 1 + next() % 40;
    for (int i = 0; i < la; ++i) a = a * BigInt::FromUint64(next() | 1u);
    for (int i = 0; i < lb; ++i) b = b * BigInt::FromUint64(next() | 1u);
    a = a * common;
    b = b * common;
    BigInt x = a, y = b;
    while (!y.IsZero()) {
      BigInt q, r;
      BigInt::DivModTrunc(x, y, &q, &r);
      x = y;
      y = r;
    }
    ASSERT_EQ(BigInt::Gcd(a, b).ToString(), x.Abs().ToString())
        << a.ToString() << " " << b.ToString();
  }
}

TEST(CalcTest, IntegerArithmeticIsExact) {
  EXPECT_EQ(Calc("1 + 2 * 3"), "7/integer");
  EXPECT_EQ(Calc("(2 + 3) * 4 / 5"), "4/integer");
  EXPECT_EQ(Calc("2^100"), "1267650600228229401496703205376/integer");
  EXPECT_EQ(Calc("2**64 - 1"), "18446744073709551615/integer");
  EXPECT_EQ(Calc("factorial(25)"), "15511210043330985984000000/integer");
  EXPECT_EQ(Calc("5!"), "120/integer");
  EXPECT_EQ(Calc("comb(100, 50)"), "100891344545564193334812497256/integer");
  EXPECT_EQ(Calc("gcd(12, 18, 27)"), "3/integer");
  EXPECT_EQ(Calc("lcm(4, 6, 10)"), "60/integer");
  EXPECT_EQ(Calc("0x1F + 0b101 + 0o17 + 1_000"), "1051/integer");
  EXPECT_EQ(Calc("sqrt(10^40)"), "100000000000000000000/integer");
}

TEST(CalcTest, PrecedenceAndAssociativity) {
  EXPECT_EQ(Calc("-2^2"), "-4/integer");
  EXPECT_EQ(Calc("2^3^2"), "512/integer");
  EXPECT_EQ(Calc("2^-1"), "0.5/float");
  EXPECT_EQ(Calc("10 - 4 - 3"), "3/integer");
  EXPECT_EQ(Calc("--3"), "3/integer");
  EXPECT_EQ(Calc("3 × 4 ÷ 2 − 1"), "5/integer");
  EXPECT_EQ(Calc("1 + 2 < 4"), "1/integer");
}

TEST(CalcTest, FloorDivisionAndModuloFollowPython) {
  EXPECT_EQ(Calc("-7 // 2"), "-4/integer");
  EXPECT_EQ(Calc("-7 % 3"), "2/integer");
  EXPECT_EQ(Calc("7 % -3"), "-2/integer");
  EXPECT_EQ(Calc("7.5 // 2"), "3.0/float");
  EXPECT_EQ(Calc("-7.5 % 2"), "0.5/float");
}

TEST(CalcTest, InexactIntegerDivisionIsAFloat) {
  EXPECT_EQ(Calc("(2 + 3) * 4 / 7"), "2.857142857142857/float");
  EXPECT_EQ(Calc("1/3"), "0.3333333333333333/float");
  // Correctly rounded even when the operands exceed 53 bits.
  EXPECT_EQ(Calc("(10^30 + 1) / 3"), "3.333333333333333e+29/float");
}

TEST(CalcTest, Floats) {
  EXPECT_EQ(Calc("0.1 + 0.2"), "0.30000000000000004/float");
  EXPECT_EQ(Calc("1e-3"), "0.001/float");
  EXPECT_EQ(Calc("4.0"), "4.0/float");
  EXPECT_EQ(Calc("sqrt(2)"), "1.4142135623730951/float");
  EXPECT_EQ(Calc("sin(pi / 2)"), "1.0/float");
  EXPECT_EQ(Calc("round(2.675, 2)"), "2.67/float");
  EXPECT_EQ(Calc("round(-2.5)"), "-3/integer");
  EXPECT_EQ(Calc("floor(-2.5)"), "-3/integer");
  EXPECT_EQ(Calc("log10(1000)"), "3.0/float");
  EXPECT_EQ(Calc("ln(10^1000)"), "2302.5850929940457/float");
  EXPECT_EQ(Calc("cbrt(27)"), "3/integer");
  EXPECT_EQ(Calc("2/3", nullptr, 3), "0.667/float");
}

TEST(CalcTest, JsonValueIsExactOnlyWithinInt64) {
  Json small = CalcJson("2^62");
  EXPECT_TRUE(small["value"].is_number_integer());
  EXPECT_EQ(small["value"].get<int64_t>(), int64_t{1} << 62);
  Json big = CalcJson("2^64");
  EXPECT_TRUE(big["value"].is_number_float());
  EXPECT_EQ(big["value"].get<double>(), 18446744073709551616.0);
  EXPECT_EQ(big["text"], "18446744073709551616");
  EXPECT_TRUE(CalcJson("10^400")["value"].is_null());
}

TEST(CalcTest, Variables) {
  Json vars = {{"x", 3}, {"rate", 0.5}};
  EXPECT_EQ(Calc("x^2 + rate", vars), "9.5/float");
  EXPECT_EQ(Calc("y", vars),
            "ERROR invalid_arguments: unknown name 'y' at offset 0");
  EXPECT_EQ(Calc("rte", vars),
            "ERROR invalid_arguments: unknown name 'rte' at offset 0 (did you "
            "mean 'rate'?)");
  EXPECT_EQ(Calc("1", Json{{"pi", 3}}),
            "ERROR invalid_arguments: variables: 'pi' is the name of a "
            "built-in function or constant");
  EXPECT_EQ(Calc("1", Json{{"2x", 3}}),
            "ERROR invalid_arguments: variables: '2x' is not a valid name "
            "(letters, digits and _, not starting with a digit)");
}

TEST(CalcTest, SyntaxErrorsNameTheOffset) {
  EXPECT_EQ(Calc("(1 + 2))"),
            "ERROR invalid_arguments: unexpected ')' at offset 7");
  EXPECT_EQ(
      Calc("1 +"),
      "ERROR invalid_arguments: unexpected end of expression at offset 3");
  EXPECT_EQ(Calc("(1 + 2"),
            "ERROR invalid_arguments: missing ')' for the '(' at offset 0");
  EXPECT_EQ(Calc("sqr(4)"),
            "ERROR invalid_arguments: unknown function 'sqr' at offset 0 (did "
            "you mean 'sqrt'?)");
  EXPECT_EQ(Calc("2pi"),
            "ERROR invalid_arguments: unexpected 'pi' at offset 1 (missing "
            "operator? use '*' to multiply)");
  EXPECT_EQ(Calc("1 $ 2"),
            "ERROR invalid_arguments: unexpected character '$' at offset 2");
  // Offsets count code points, not bytes.
  EXPECT_EQ(Calc("π × )"),
            "ERROR invalid_arguments: unexpected ')' at offset 4");
  EXPECT_EQ(
      Calc("sqrt(1, 2)"),
      "ERROR invalid_arguments: sqrt() takes 1 argument, got 2 at offset 0");
  EXPECT_EQ(Calc("1 < 2 < 3"),
            "ERROR invalid_arguments: chained comparison '<' is not supported "
            "at offset 6");
  EXPECT_EQ(Calc("   "),
            "ERROR invalid_arguments: expression: must not be empty");
}

TEST(CalcTest, MathErrors) {
  EXPECT_EQ(Calc("1 / 0"),
            "ERROR invalid_arguments: division by zero at offset 2");
  EXPECT_EQ(Calc("1.5 % 0"),
            "ERROR invalid_arguments: modulo by zero at offset 4");
  EXPECT_EQ(Calc("sqrt(-4)"),
            "ERROR invalid_arguments: sqrt of a negative number at offset 0");
  EXPECT_EQ(Calc("ln(0)"), "ERROR invalid_arguments: ln() of zero at offset 0");
  EXPECT_EQ(Calc("(-8)^(1/3)"),
            "ERROR invalid_arguments: negative number raised to a fractional "
            "power at offset 4");
  EXPECT_EQ(Calc("exp(1000)"),
            "ERROR too_large: result too large for a float at offset 0");
  EXPECT_EQ(Calc("factorial(2.5)"),
            "ERROR invalid_arguments: factorial() needs a non-negative "
            "integer, got 2.5 at offset 0");
}

TEST(CalcTest, SizeLimits) {
  std::string max_digits = Calc("10^10000 - 1");
  EXPECT_EQ(
      max_digits,
      "ERROR too_large: result too large (over 10000 digits) at offset 2");
  EXPECT_EQ(Calc("10^9999 * 9 + (10^9999 - 1)").size(),
            std::string("/integer").size() + 10000);
  EXPECT_EQ(
      Calc("10^9999 * 10"),
      "ERROR too_large: result too large (over 10000 digits) at offset 8");
  EXPECT_EQ(
      Calc("2^(10^18)"),
      "ERROR too_large: result too large (over 10000 digits) at offset 1");
  EXPECT_EQ(
      Calc("factorial(100000)"),
      "ERROR too_large: result too large (over 10000 digits) at offset 0");
  // Nesting is bounded (the evaluator recurses).
  std::string deep(150, '(');
  deep += "1" + std::string(150, ')');
  EXPECT_EQ(Calc(deep),
            "ERROR invalid_arguments: expression nested too deeply (over 100 "
            "levels) at offset 100");
  std::string long_sum = "1";
  for (int i = 0; i < 2000; ++i) long_sum += "+1";
  EXPECT_EQ(Calc(long_sum), "2001/integer");
}

TEST(CalcTest, WorkIsBounded) {
  // Each term is cheap, but together they would take long: refused.
  std::string expr = "0";
  for (int i = 0; i < 200; ++i) expr += "+factorial(3000)//factorial(2999)";
  const std::string want =
      "ERROR too_large: calculation needs too much work (over 10000000 "
      "big-number steps) at offset ";
  EXPECT_EQ(Calc(expr).substr(0, want.size()), want);
}

}  // namespace
}  // namespace airlock::calc
