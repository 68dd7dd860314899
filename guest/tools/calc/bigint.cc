#include "bigint.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace airlock::calc {

namespace {
constexpr uint64_t kBase = uint64_t{1} << 32;
}  // namespace

BigInt BigInt::Make(bool neg, Mag mag) {
  Trim(&mag);
  BigInt r;
  r.neg_ = neg && !mag.empty();
  r.mag_ = std::move(mag);
  return r;
}

void BigInt::Trim(Mag* m) {
  while (!m->empty() && m->back() == 0) m->pop_back();
}

BigInt BigInt::FromUint64(uint64_t v) {
  Mag m;
  while (v != 0) {
    m.push_back(static_cast<uint32_t>(v));
    v >>= 32;
  }
  return Make(false, std::move(m));
}

BigInt BigInt::FromInt64(int64_t v) {
  // Negating INT64_MIN as int64 overflows; do it in uint64.
  uint64_t mag = v < 0 ? ~static_cast<uint64_t>(v) + 1 : v;
  BigInt r = FromUint64(mag);
  r.neg_ = v < 0;
  return r;
}

BigInt BigInt::FromIntegralDouble(double d) {
  bool neg = d < 0;
  int exp = 0;
  double frac = std::frexp(std::fabs(d), &exp);  // |d| = frac * 2^exp
  if (frac == 0) return BigInt();
  // 53 significant bits as an integer: |d| = mant * 2^(exp - 53).
  uint64_t mant = static_cast<uint64_t>(std::ldexp(frac, 53));
  int shift = exp - 53;
  BigInt r = FromUint64(mant);
  r = shift >= 0 ? r.ShiftLeft(shift) : r.ShiftRight(-shift);
  r.neg_ = neg && !r.IsZero();
  return r;
}

bool BigInt::Parse(std::string_view digits, int radix, BigInt* out) {
  if (digits.empty()) return false;
  Mag m;
  // Groups of digits that fit one limb multiplier: 10^9, 16^7, 8^10, 2^31.
  int group = radix == 10 ? 9 : radix == 16 ? 7 : radix == 8 ? 10 : 31;
  size_t i = 0;
  while (i < digits.size()) {
    size_t n = std::min<size_t>(group, digits.size() - i);
    uint32_t chunk = 0, mult = 1;
    for (size_t k = 0; k < n; ++k) {
      char c = digits[i + k];
      int v = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : 99;
      if (v >= radix) return false;
      chunk = chunk * radix + v;
      mult *= radix;
    }
    MulSmallAdd(&m, mult, chunk);
    i += n;
  }
  *out = Make(false, std::move(m));
  return true;
}

size_t BigInt::BitLength() const {
  if (mag_.empty()) return 0;
  return (mag_.size() - 1) * 32 + (32 - __builtin_clz(mag_.back()));
}

bool BigInt::FitsInt64() const {
  if (mag_.size() > 2) return false;
  uint64_t v = mag_.empty() ? 0 : mag_[0];
  if (mag_.size() == 2) v |= uint64_t{mag_[1]} << 32;
  return neg_ ? v <= (uint64_t{1} << 63) : v < (uint64_t{1} << 63);
}

int64_t BigInt::ToInt64() const {
  uint64_t v = mag_.empty() ? 0 : mag_[0];
  if (mag_.size() == 2) v |= uint64_t{mag_[1]} << 32;
  return neg_ ? static_cast<int64_t>(~v + 1) : static_cast<int64_t>(v);
}

double BigInt::ToDouble() const {
  size_t bits = BitLength();
  if (bits == 0) return 0;
  if (bits > 1100) return neg_ ? -HUGE_VAL : HUGE_VAL;
  // The top 64 bits, with the lowest bit set if anything below is nonzero:
  // converting that to double rounds exactly as converting the whole value
  // would (the sticky bit sits well below the 53-bit rounding position).
  size_t shift = bits > 64 ? bits - 64 : 0;
  BigInt top = ShiftRight(shift);
  uint64_t v = top.mag_[0];
  if (top.mag_.size() > 1) v |= uint64_t{top.mag_[1]} << 32;
  if (shift > 0) {
    size_t whole = shift / 32;
    bool sticky = false;
    for (size_t i = 0; i < whole && !sticky; ++i) sticky = mag_[i] != 0;
    if (!sticky && shift % 32 != 0) {
      sticky = (mag_[whole] & ((uint32_t{1} << (shift % 32)) - 1)) != 0;
    }
    if (sticky) v |= 1;
  }
  double d = std::ldexp(static_cast<double>(v), static_cast<int>(shift));
  return neg_ ? -d : d;
}

double BigInt::ToScaledDouble(int64_t* exp2) const {
  size_t bits = BitLength();
  size_t shift = bits > 64 ? bits - 64 : 0;
  BigInt top = ShiftRight(shift);
  uint64_t v = top.mag_.empty() ? 0 : top.mag_[0];
  if (top.mag_.size() > 1) v |= uint64_t{top.mag_[1]} << 32;
  // v has (bits - shift) bits: scale into [1, 2).
  int top_bits = static_cast<int>(bits - shift);
  *exp2 = static_cast<int64_t>(shift) + top_bits - 1;
  return std::ldexp(static_cast<double>(v), -(top_bits - 1));
}

std::string BigInt::ToString() const {
  if (mag_.empty()) return "0";
  Mag m = mag_;
  std::vector<uint32_t> chunks;  // base 10^9, little-endian
  while (!m.empty()) chunks.push_back(DivSmall(&m, 1000000000u));
  std::string s = neg_ ? "-" : "";
  s += std::to_string(chunks.back());
  for (size_t i = chunks.size() - 1; i-- > 0;) {
    std::string part = std::to_string(chunks[i]);
    s.append(9 - part.size(), '0');
    s += part;
  }
  return s;
}

BigInt BigInt::operator-() const {
  BigInt r = *this;
  r.neg_ = !neg_ && !mag_.empty();
  return r;
}

BigInt BigInt::Abs() const {
  BigInt r = *this;
  r.neg_ = false;
  return r;
}

int BigInt::CompareMag(const Mag& a, const Mag& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

int BigInt::Compare(const BigInt& a, const BigInt& b) {
  if (a.neg_ != b.neg_) return a.neg_ ? -1 : 1;
  int c = CompareMag(a.mag_, b.mag_);
  return a.neg_ ? -c : c;
}

BigInt::Mag BigInt::AddMag(const Mag& a, const Mag& b) {
  const Mag& x = a.size() >= b.size() ? a : b;
  const Mag& y = a.size() >= b.size() ? b : a;
  Mag r(x.size() + 1);
  uint64_t carry = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    uint64_t s = uint64_t{x[i]} + (i < y.size() ? y[i] : 0) + carry;
    r[i] = static_cast<uint32_t>(s);
    carry = s >> 32;
  }
  r[x.size()] = static_cast<uint32_t>(carry);
  Trim(&r);
  return r;
}

BigInt::Mag BigInt::SubMag(const Mag& a, const Mag& b) {
  Mag r(a.size());
  int64_t borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int64_t d = int64_t{a[i]} - (i < b.size() ? b[i] : 0) - borrow;
    borrow = d < 0;
    r[i] = static_cast<uint32_t>(d + (borrow ? kBase : 0));
  }
  Trim(&r);
  return r;
}

BigInt::Mag BigInt::MulMag(const Mag& x, const Mag& y) {
  if (x.empty() || y.empty()) return {};
  // The longer operand in the inner loop: a big number times a one-limb
  // number is then one pass, not one short loop per limb.
  const Mag& a = x.size() <= y.size() ? x : y;
  const Mag& b = x.size() <= y.size() ? y : x;
  Mag r(a.size() + b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    uint64_t carry = 0;
    uint64_t ai = a[i];
    if (ai == 0) continue;
    for (size_t j = 0; j < b.size(); ++j) {
      uint64_t t = ai * b[j] + r[i + j] + carry;
      r[i + j] = static_cast<uint32_t>(t);
      carry = t >> 32;
    }
    r[i + b.size()] = static_cast<uint32_t>(carry);
  }
  Trim(&r);
  return r;
}

uint32_t BigInt::DivSmall(Mag* a, uint32_t d) {
  uint64_t rem = 0;
  for (size_t i = a->size(); i-- > 0;) {
    uint64_t cur = (rem << 32) | (*a)[i];
    (*a)[i] = static_cast<uint32_t>(cur / d);
    rem = cur % d;
  }
  Trim(a);
  return static_cast<uint32_t>(rem);
}

void BigInt::MulSmallAdd(Mag* a, uint32_t m, uint32_t add) {
  uint64_t carry = add;
  for (uint32_t& limb : *a) {
    uint64_t t = uint64_t{limb} * m + carry;
    limb = static_cast<uint32_t>(t);
    carry = t >> 32;
  }
  if (carry != 0) a->push_back(static_cast<uint32_t>(carry));
  Trim(a);
}

// Knuth's algorithm D (TAOCP 4.3.1), as in Hacker's Delight divmnu64:
// u / v with v having at least two limbs and u >= v.
void BigInt::DivModMag(const Mag& u, const Mag& v, Mag* q, Mag* r) {
  const size_t n = v.size();
  const size_t m = u.size() - n;
  // Normalize so the divisor's top limb has its high bit set; the quotient
  // digit estimate is then off by at most 2.
  const int s = __builtin_clz(v.back());
  Mag vn(n), un(u.size() + 1);
  for (size_t i = n - 1; i > 0; --i) {
    vn[i] = static_cast<uint32_t>((uint64_t{v[i]} << s) |
                                  (uint64_t{v[i - 1]} >> (32 - s)));
  }
  vn[0] = v[0] << s;
  un[u.size()] = static_cast<uint32_t>(uint64_t{u.back()} >> (32 - s));
  for (size_t i = u.size() - 1; i > 0; --i) {
    un[i] = static_cast<uint32_t>((uint64_t{u[i]} << s) |
                                  (uint64_t{u[i - 1]} >> (32 - s)));
  }
  un[0] = u[0] << s;

  q->assign(m + 1, 0);
  for (size_t j = m + 1; j-- > 0;) {
    uint64_t num = (uint64_t{un[j + n]} << 32) | un[j + n - 1];
    uint64_t qhat = num / vn[n - 1];
    uint64_t rhat = num % vn[n - 1];
    while (qhat >= kBase || qhat * vn[n - 2] > ((rhat << 32) | un[j + n - 2])) {
      --qhat;
      rhat += vn[n - 1];
      if (rhat >= kBase) break;
    }
    // un[j..j+n] -= qhat * vn
    int64_t k = 0;
    int64_t t = 0;
    for (size_t i = 0; i < n; ++i) {
      uint64_t p = qhat * vn[i];
      t = static_cast<int64_t>(un[i + j]) - k -
          static_cast<int64_t>(p & 0xFFFFFFFFu);
      un[i + j] = static_cast<uint32_t>(t);
      k = static_cast<int64_t>(p >> 32) - (t >> 32);
    }
    t = static_cast<int64_t>(un[j + n]) - k;
    un[j + n] = static_cast<uint32_t>(t);
    if (t < 0) {
      // qhat was one too large: add the divisor back.
      --qhat;
      uint64_t c = 0;
      for (size_t i = 0; i < n; ++i) {
        uint64_t sum = uint64_t{un[i + j]} + vn[i] + c;
        un[i + j] = static_cast<uint32_t>(sum);
        c = sum >> 32;
      }
      un[j + n] = static_cast<uint32_t>(un[j + n] + c);
    }
    (*q)[j] = static_cast<uint32_t>(qhat);
  }
  r->assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    (*r)[i] = static_cast<uint32_t>(
        (uint64_t{un[i]} >> s) |
        ((uint64_t{un[i + 1]} << (32 - s)) & (s == 0 ? 0 : 0xFFFFFFFFu)));
  }
  Trim(q);
  Trim(r);
}

BigInt operator+(const BigInt& a, const BigInt& b) {
  if (a.neg_ == b.neg_)
    return BigInt::Make(a.neg_, BigInt::AddMag(a.mag_, b.mag_));
  int c = BigInt::CompareMag(a.mag_, b.mag_);
  if (c == 0) return BigInt();
  if (c > 0) return BigInt::Make(a.neg_, BigInt::SubMag(a.mag_, b.mag_));
  return BigInt::Make(b.neg_, BigInt::SubMag(b.mag_, a.mag_));
}

BigInt operator-(const BigInt& a, const BigInt& b) { return a + (-b); }

BigInt operator*(const BigInt& a, const BigInt& b) {
  return BigInt::Make(a.neg_ != b.neg_, BigInt::MulMag(a.mag_, b.mag_));
}

void BigInt::DivModTrunc(const BigInt& a, const BigInt& b, BigInt* q,
                         BigInt* r) {
  Mag qm, rm;
  if (CompareMag(a.mag_, b.mag_) < 0) {
    rm = a.mag_;
  } else if (b.mag_.size() == 1) {
    qm = a.mag_;
    uint32_t rem = DivSmall(&qm, b.mag_[0]);
    if (rem != 0) rm.push_back(rem);
  } else {
    DivModMag(a.mag_, b.mag_, &qm, &rm);
  }
  *q = Make(a.neg_ != b.neg_, std::move(qm));
  *r = Make(a.neg_, std::move(rm));
}

void BigInt::DivModFloor(const BigInt& a, const BigInt& b, BigInt* q,
                         BigInt* r) {
  BigInt tq, tr;
  DivModTrunc(a, b, &tq, &tr);
  if (!tr.IsZero() && tr.neg_ != b.neg_) {
    tq = tq - FromInt64(1);
    tr = tr + b;
  }
  *q = std::move(tq);
  *r = std::move(tr);
}

BigInt BigInt::ShiftLeft(size_t bits) const {
  if (mag_.empty()) return *this;
  size_t whole = bits / 32;
  int part = static_cast<int>(bits % 32);
  Mag m(whole, 0);
  m.reserve(whole + mag_.size() + 1);
  uint32_t carry = 0;
  for (uint32_t limb : mag_) {
    m.push_back(static_cast<uint32_t>((uint64_t{limb} << part) | carry));
    carry =
        part == 0 ? 0 : static_cast<uint32_t>(uint64_t{limb} >> (32 - part));
  }
  m.push_back(carry);
  return Make(neg_, std::move(m));
}

BigInt BigInt::ShiftRight(size_t bits) const {
  size_t whole = bits / 32;
  if (whole >= mag_.size()) return BigInt();
  int part = static_cast<int>(bits % 32);
  Mag m(mag_.size() - whole);
  for (size_t i = 0; i < m.size(); ++i) {
    uint64_t lo = mag_[i + whole];
    uint64_t hi = i + whole + 1 < mag_.size() ? mag_[i + whole + 1] : 0;
    m[i] = static_cast<uint32_t>(((hi << 32) | lo) >> part);
  }
  return Make(neg_, std::move(m));
}

void BigInt::MulSmall(uint32_t m) {
  if (m == 0) {
    *this = BigInt();
    return;
  }
  MulSmallAdd(&mag_, m, 0);
}

BigInt BigInt::Pow(const BigInt& base, uint64_t exponent) {
  BigInt result = FromInt64(1);
  BigInt b = base;
  while (exponent != 0) {
    if (exponent & 1) result = result * b;
    exponent >>= 1;
    if (exponent != 0) b = b * b;
  }
  return result;
}

namespace {

// (m >> shift) for a value known to be below 2^32 after the shift.
uint64_t TopBits(const std::vector<uint32_t>& m, size_t shift) {
  size_t w = shift / 32;
  int b = static_cast<int>(shift % 32);
  auto limb = [&](size_t i) -> uint64_t { return i < m.size() ? m[i] : 0; };
  uint64_t v = (limb(w) >> b) | (limb(w + 1) << (32 - b));
  if (b > 0) v |= limb(w + 2) << (64 - b);
  return v;
}

}  // namespace

BigInt BigInt::LinearCombination(const BigInt& x, int64_t a, const BigInt& y,
                                 int64_t b) {
  // a and b have opposite signs (or one is zero) and |a|, |b| < 2^31, so
  // a*x[i] + b*y[i] + carry fits in int64.
  size_t n = std::max(x.mag_.size(), y.mag_.size());
  Mag r(n + 1);
  int64_t carry = 0;
  for (size_t i = 0; i < n; ++i) {
    int64_t xi = i < x.mag_.size() ? x.mag_[i] : 0;
    int64_t yi = i < y.mag_.size() ? y.mag_[i] : 0;
    int64_t s = a * xi + b * yi + carry;
    r[i] = static_cast<uint32_t>(s);
    carry = s >> 32;  // arithmetic shift: floor division by 2^32
  }
  r[n] = static_cast<uint32_t>(carry);  // the result is non-negative
  return Make(false, std::move(r));
}

// Lehmer's algorithm (Knuth, TAOCP 4.5.2, algorithm L): the leading 31 bits
// of both numbers predict several Euclid quotients at once, applied to the
// full numbers as one linear combination. Plain Euclid on 10000-digit
// numbers needs ~20000 long divisions; this needs ~1000 passes.
BigInt BigInt::Gcd(const BigInt& a, const BigInt& b) {
  BigInt x = a.Abs(), y = b.Abs();
  if (Compare(x, y) < 0) std::swap(x, y);
  while (y.mag_.size() > 2) {
    size_t shift = x.BitLength() - 31;
    int64_t xh = static_cast<int64_t>(TopBits(x.mag_, shift));
    int64_t yh = static_cast<int64_t>(TopBits(y.mag_, shift));
    int64_t ca = 1, cb = 0, cc = 0, cd = 1;
    while (yh + cc > 0 && yh + cd > 0) {
      int64_t q = (xh + ca) / (yh + cc);
      if (q != (xh + cb) / (yh + cd)) break;
      int64_t t = ca - q * cc;
      ca = cc;
      cc = t;
      t = cb - q * cd;
      cb = cd;
      cd = t;
      t = xh - q * yh;
      xh = yh;
      yh = t;
    }
    if (cb == 0) {
      // The leading bits could not predict a quotient: one full step.
      BigInt q, r;
      DivModTrunc(x, y, &q, &r);
      x = std::move(y);
      y = std::move(r);
    } else {
      BigInt nx = LinearCombination(x, ca, y, cb);
      BigInt ny = LinearCombination(x, cc, y, cd);
      x = std::move(nx);
      y = std::move(ny);
    }
  }
  while (!y.IsZero()) {
    BigInt q, r;
    DivModTrunc(x, y, &q, &r);
    x = std::move(y);
    y = std::move(r);
  }
  return x;
}

BigInt BigInt::Isqrt(const BigInt& a) {
  if (a.IsZero()) return a;
  // Newton's iteration from above: x0 = 2^ceil(bits/2) >= sqrt(a); the
  // sequence decreases until it reaches floor(sqrt(a)).
  BigInt x = FromInt64(1).ShiftLeft((a.BitLength() + 1) / 2);
  while (true) {
    BigInt q, r;
    DivModTrunc(a, x, &q, &r);
    BigInt y = (x + q).ShiftRight(1);
    if (Compare(y, x) >= 0) return x;
    x = std::move(y);
  }
}

}  // namespace airlock::calc
