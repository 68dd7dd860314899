// A small arbitrary-precision signed integer for the calc tool: exactly the
// operations calc needs (add, subtract, multiply, divide with remainder,
// power, gcd, integer square root, decimal conversion), schoolbook
// algorithms over 32-bit limbs. Size limits are the caller's job: every
// operation here runs to completion, so the evaluator checks operand sizes
// before calling (see eval.cc).
#ifndef AIRLOCK_GUEST_TOOLS_CALC_BIGINT_H_
#define AIRLOCK_GUEST_TOOLS_CALC_BIGINT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace airlock::calc {

class BigInt {
 public:
  BigInt() = default;
  static BigInt FromInt64(int64_t v);
  static BigInt FromUint64(uint64_t v);
  // The exact value of `d`, which must be finite and integral.
  static BigInt FromIntegralDouble(double d);
  // Parses digits of `radix` (2, 8, 10 or 16); false on any other character
  // or on an empty string.
  static bool Parse(std::string_view digits, int radix, BigInt* out);

  bool IsZero() const { return mag_.empty(); }
  bool IsNegative() const { return neg_; }
  int Sign() const { return neg_ ? -1 : (mag_.empty() ? 0 : 1); }
  bool IsOdd() const { return !mag_.empty() && (mag_[0] & 1u); }
  // Bits in the magnitude (0 for zero).
  size_t BitLength() const;
  // Number of 32-bit limbs in the magnitude: the cost unit of operations.
  size_t Limbs() const { return mag_.size(); }

  bool FitsInt64() const;
  int64_t ToInt64() const;  // requires FitsInt64()
  // Nearest double (ties to even); +-inf beyond the double range.
  double ToDouble() const;
  // |this| = m * 2^exp2 with m in [1, 2) (this != 0): for logarithms of
  // numbers beyond the double range.
  double ToScaledDouble(int64_t* exp2) const;
  // Decimal digits with a leading '-' when negative.
  std::string ToString() const;

  BigInt operator-() const;
  BigInt Abs() const;
  friend BigInt operator+(const BigInt& a, const BigInt& b);
  friend BigInt operator-(const BigInt& a, const BigInt& b);
  friend BigInt operator*(const BigInt& a, const BigInt& b);
  friend bool operator==(const BigInt& a, const BigInt& b) {
    return a.neg_ == b.neg_ && a.mag_ == b.mag_;
  }
  // -1, 0 or 1.
  static int Compare(const BigInt& a, const BigInt& b);

  // Truncating division: a = q*b + r, |r| < |b|, r has the sign of a.
  // b must not be zero.
  static void DivModTrunc(const BigInt& a, const BigInt& b, BigInt* q,
                          BigInt* r);
  // Floor division (Python's // and %): r has the sign of b.
  static void DivModFloor(const BigInt& a, const BigInt& b, BigInt* q,
                          BigInt* r);
  // a << bits for a >= 0 (the sign is kept; magnitude shifted).
  BigInt ShiftLeft(size_t bits) const;
  // Magnitude >> bits (truncates toward zero), sign kept.
  BigInt ShiftRight(size_t bits) const;
  // *this *= m, in place (one pass; no allocation unless it grows).
  void MulSmall(uint32_t m);
  static BigInt Pow(const BigInt& base, uint64_t exponent);
  // Greatest common divisor of |a| and |b| (non-negative).
  static BigInt Gcd(const BigInt& a, const BigInt& b);
  // floor(sqrt(a)) for a >= 0.
  static BigInt Isqrt(const BigInt& a);

 private:
  using Mag = std::vector<uint32_t>;  // little-endian, no leading zero limbs
  static BigInt Make(bool neg, Mag mag);
  static int CompareMag(const Mag& a, const Mag& b);
  static Mag AddMag(const Mag& a, const Mag& b);
  static Mag SubMag(const Mag& a, const Mag& b);  // requires a >= b
  static Mag MulMag(const Mag& a, const Mag& b);
  // Divides in place by a single limb; returns the remainder.
  static uint32_t DivSmall(Mag* a, uint32_t d);
  static void MulSmallAdd(Mag* a, uint32_t m, uint32_t add);
  // a*x + b*y for non-negative x, y and a result known to be >= 0 (Lehmer
  // cofactors: opposite signs, magnitudes below 2^31).
  static BigInt LinearCombination(const BigInt& x, int64_t a, const BigInt& y,
                                  int64_t b);
  static void DivModMag(const Mag& u, const Mag& v, Mag* q, Mag* r);
  static void Trim(Mag* m);

  bool neg_ = false;
  Mag mag_;
};

}  // namespace airlock::calc

#endif  // AIRLOCK_GUEST_TOOLS_CALC_BIGINT_H_
