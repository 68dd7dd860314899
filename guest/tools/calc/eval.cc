#include "eval.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bigint.h"

namespace airlock::calc {
namespace {

// 10^10000 lies between 2^33219 and 2^33220: an integer of at most 33219
// bits has at most 10000 digits, one of 33221 bits or more has more, and at
// exactly 33220 bits the digits must be counted.
constexpr size_t kMaxBits = 33220;

struct Number {
  bool is_int = true;
  BigInt i;
  double f = 0;

  static Number Int(BigInt v) {
    Number n;
    n.i = std::move(v);
    return n;
  }
  static Number Float(double d) {
    Number n;
    n.is_int = false;
    n.f = d;
    return n;
  }
};

enum class Fn {
  kSqrt,
  kCbrt,
  kAbs,
  kFloor,
  kCeil,
  kRound,
  kTrunc,
  kMin,
  kMax,
  kExp,
  kLn,
  kLog,
  kLog2,
  kLog10,
  kSin,
  kCos,
  kTan,
  kAsin,
  kAcos,
  kAtan,
  kSinh,
  kCosh,
  kTanh,
  kAtan2,
  kPow,
  kGcd,
  kLcm,
  kFactorial,
  kComb,
  kHypot,
};

struct FnInfo {
  const char* name;
  Fn fn;
  int min_args;
  int max_args;  // -1: no upper bound
};

constexpr FnInfo kFunctions[] = {
    {"sqrt", Fn::kSqrt, 1, 1},   {"cbrt", Fn::kCbrt, 1, 1},
    {"abs", Fn::kAbs, 1, 1},     {"floor", Fn::kFloor, 1, 1},
    {"ceil", Fn::kCeil, 1, 1},   {"round", Fn::kRound, 1, 2},
    {"trunc", Fn::kTrunc, 1, 1}, {"min", Fn::kMin, 1, -1},
    {"max", Fn::kMax, 1, -1},    {"exp", Fn::kExp, 1, 1},
    {"ln", Fn::kLn, 1, 1},       {"log", Fn::kLog, 1, 2},
    {"log2", Fn::kLog2, 1, 1},   {"log10", Fn::kLog10, 1, 1},
    {"sin", Fn::kSin, 1, 1},     {"cos", Fn::kCos, 1, 1},
    {"tan", Fn::kTan, 1, 1},     {"asin", Fn::kAsin, 1, 1},
    {"acos", Fn::kAcos, 1, 1},   {"atan", Fn::kAtan, 1, 1},
    {"sinh", Fn::kSinh, 1, 1},   {"cosh", Fn::kCosh, 1, 1},
    {"tanh", Fn::kTanh, 1, 1},   {"atan2", Fn::kAtan2, 2, 2},
    {"pow", Fn::kPow, 2, 2},     {"gcd", Fn::kGcd, 1, -1},
    {"lcm", Fn::kLcm, 1, -1},    {"factorial", Fn::kFactorial, 1, 1},
    {"comb", Fn::kComb, 2, 2},   {"hypot", Fn::kHypot, 1, -1},
};

struct ConstInfo {
  const char* name;
  double value;
};
constexpr ConstInfo kConstants[] = {
    {"pi", 3.14159265358979323846},
    {"e", 2.71828182845904523536},
    {"tau", 6.28318530717958647692},
};

const FnInfo* FindFunction(std::string_view name) {
  for (const FnInfo& f : kFunctions) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

const ConstInfo* FindConstant(std::string_view name) {
  for (const ConstInfo& c : kConstants) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

char Lower(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

// Levenshtein distance, case-insensitive (names are short).
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (Lower(a[i - 1]) == Lower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// " (did you mean 'x'?)" for the closest candidate, or "".
std::string Suggest(std::string_view name,
                    const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  size_t best_distance = 0;
  for (const std::string& c : candidates) {
    size_t d = EditDistance(name, c);
    // A distance of 2 is a plausible typo only for longer names.
    size_t limit = name.size() <= 3 ? 1 : 2;
    if (d > limit || d >= std::max(name.size(), c.size())) continue;
    if (best == nullptr || d < best_distance) {
      best = &c;
      best_distance = d;
    }
  }
  return best == nullptr ? "" : " (did you mean '" + *best + "'?)";
}

std::string Plural(int n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

enum class Tok { kEnd, kNumber, kName, kOp };

struct Token {
  Tok kind = Tok::kEnd;
  size_t pos = 0;    // byte offset
  std::string text;  // as written (for messages)
  std::string op;    // canonical operator ("*" for "×", ...)
  Number number;
};

enum class NodeKind {
  kNumber,
  kNegate,
  kChain,
  kPower,
  kCompare,
  kCall,
  kFactorial
};
enum class BinOp { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow };
enum class CmpOp { kEq, kNe, kLt, kLe, kGt, kGe };

struct Node {
  NodeKind kind = NodeKind::kNumber;
  size_t pos = 0;          // byte offset of the operator, name or number
  Number value;            // kNumber
  std::vector<int> kids;   // operands / arguments
  std::vector<BinOp> ops;  // kChain: ops[i] combines the result and kids[i+1]
  std::vector<size_t> op_pos;
  CmpOp cmp = CmpOp::kEq;
  const FnInfo* fn = nullptr;
  int count = 0;  // kNegate: number of minus signs; kFactorial: of '!'
};

class Calculator {
 public:
  Calculator(std::string_view expr, const CalcOptions& options)
      : expr_(expr), options_(options) {}

  CalcOutcome Run() {
    CalcOutcome out;
    if (!LoadVariables() || !Parse()) {
      out.error = std::move(error_);
      return out;
    }
    Number result;
    if (!Eval(root_, &result)) {
      out.error = std::move(error_);
      return out;
    }
    out.result = Format(result);
    return out;
  }

 private:
  // ---- errors -------------------------------------------------------------

  size_t CodePoints(size_t byte_pos) const {
    size_t n = 0;
    for (size_t i = 0; i < byte_pos && i < expr_.size(); ++i) {
      if ((static_cast<unsigned char>(expr_[i]) & 0xC0) != 0x80) ++n;
    }
    return n;
  }

  // Records the first error; returns false so callers can `return Fail(...)`.
  bool Fail(const char* code, const std::string& message, size_t byte_pos) {
    if (error_) return false;
    size_t offset = CodePoints(byte_pos);
    error_ = CalcError{code, message + " at offset " + std::to_string(offset),
                       offset};
    return false;
  }
  bool FailAt(const std::string& message, size_t byte_pos,
              const std::string& suffix = "") {
    if (error_) return false;
    size_t offset = CodePoints(byte_pos);
    error_ = CalcError{
        "invalid_arguments",
        message + " at offset " + std::to_string(offset) + suffix, offset};
    return false;
  }
  bool FailNoPos(const std::string& message) {
    if (!error_) error_ = CalcError{"invalid_arguments", message, {}};
    return false;
  }

  bool Charge(uint64_t units, size_t pos) {
    work_ += units;
    if (work_ <= kWorkBudget) return true;
    return Fail("too_large",
                "calculation needs too much work (over " +
                    std::to_string(kWorkBudget) + " big-number steps)",
                pos);
  }

  // ---- variables ----------------------------------------------------------

  bool LoadVariables() {
    const Json* vars = options_.variables;
    if (vars == nullptr || vars->is_null()) return true;
    if (!vars->is_object()) return FailNoPos("variables: must be an object");
    for (auto it = vars->begin(); it != vars->end(); ++it) {
      const std::string& name = it.key();
      bool valid = !name.empty() && IsNameStart(name[0]) &&
                   std::all_of(name.begin(), name.end(), IsNameChar);
      if (!valid) {
        return FailNoPos("variables: '" + name +
                         "' is not a valid name (letters, digits and _, not "
                         "starting with a digit)");
      }
      if (FindFunction(name) != nullptr || FindConstant(name) != nullptr) {
        return FailNoPos("variables: '" + name +
                         "' is the name of a built-in function or constant");
      }
      const Json& v = it.value();
      Number n;
      if (v.is_number_unsigned()) {
        n = Number::Int(BigInt::FromUint64(v.get<uint64_t>()));
      } else if (v.is_number_integer()) {
        n = Number::Int(BigInt::FromInt64(v.get<int64_t>()));
      } else if (v.is_number_float()) {
        n = Number::Float(v.get<double>());
      } else {
        return FailNoPos("variables/" + name + ": must be a number");
      }
      variables_[name] = std::move(n);
    }
    return true;
  }

  // ---- lexer --------------------------------------------------------------

  void SkipSpace() {
    while (pos_ < expr_.size() &&
           (expr_[pos_] == ' ' || expr_[pos_] == '\t' || expr_[pos_] == '\n' ||
            expr_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // Reads the next token into tok_; false (with error_) on a lexical error.
  bool Advance() {
    prev_kind_ = tok_.kind;
    prev_op_ = tok_.op;
    SkipSpace();
    tok_ = Token();
    tok_.pos = pos_;
    if (pos_ >= expr_.size()) {
      tok_.kind = Tok::kEnd;
      return true;
    }
    char c = expr_[pos_];
    if (IsDigit(c) ||
        (c == '.' && pos_ + 1 < expr_.size() && IsDigit(expr_[pos_ + 1]))) {
      return LexNumber();
    }
    if (IsNameStart(c)) {
      size_t start = pos_;
      while (pos_ < expr_.size() && IsNameChar(expr_[pos_])) ++pos_;
      tok_.kind = Tok::kName;
      tok_.text = std::string(expr_.substr(start, pos_ - start));
      return true;
    }
    // Operators, longest first; a few Unicode spellings agents paste.
    static constexpr struct {
      const char* text;
      const char* op;
    } kOps[] = {
        {"**", "^"},
        {"//", "//"},
        {"==", "=="},
        {"!=", "!="},
        {"<=", "<="},
        {">=", ">="},
        {"+", "+"},
        {"-", "-"},
        {"*", "*"},
        {"/", "/"},
        {"%", "%"},
        {"^", "^"},
        {"(", "("},
        {")", ")"},
        {",", ","},
        {"!", "!"},
        {"<", "<"},
        {">", ">"},
        {"\xC3\x97", "*"},      // U+00D7 multiplication sign
        {"\xC2\xB7", "*"},      // U+00B7 middle dot
        {"\xC3\xB7", "/"},      // U+00F7 division sign
        {"\xE2\x88\x92", "-"},  // U+2212 minus sign
        {"\xE2\x89\xA4", "<="},
        {"\xE2\x89\xA5", ">="},
        {"\xE2\x89\xA0", "!="},
    };
    std::string_view rest = expr_.substr(pos_);
    for (const auto& o : kOps) {
      std::string_view t = o.text;
      if (rest.substr(0, t.size()) == t) {
        tok_.kind = Tok::kOp;
        tok_.text = std::string(t);
        tok_.op = o.op;
        pos_ += t.size();
        return true;
      }
    }
    if (rest.substr(0, 2) == "\xCF\x80") {  // U+03C0 greek small letter pi
      tok_.kind = Tok::kName;
      tok_.text = "\xCF\x80";
      pos_ += 2;
      return true;
    }
    if (c == '=') {
      return FailAt("unexpected '='", pos_, " (use '==' to compare)");
    }
    // Quote the whole (possibly multi-byte) character.
    size_t len = 1;
    unsigned char uc = static_cast<unsigned char>(c);
    if (uc >= 0xC0) len = uc >= 0xF0 ? 4 : uc >= 0xE0 ? 3 : 2;
    return FailAt("unexpected character '" +
                      std::string(rest.substr(0, std::min(len, rest.size()))) +
                      "'",
                  pos_);
  }

  bool LexNumber() {
    size_t start = pos_;
    tok_.kind = Tok::kNumber;
    if (expr_[pos_] == '0' && pos_ + 1 < expr_.size()) {
      char p = Lower(expr_[pos_ + 1]);
      int radix = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
      if (radix != 0) {
        pos_ += 2;
        size_t digits_start = pos_;
        while (pos_ < expr_.size() && IsNameChar(expr_[pos_])) ++pos_;
        tok_.text = std::string(expr_.substr(start, pos_ - start));
        std::string digits;
        for (char d : expr_.substr(digits_start, pos_ - digits_start)) {
          if (d != '_') digits += d;
        }
        BigInt v;
        if (!BigInt::Parse(digits, radix, &v)) {
          return FailAt("invalid number '" + tok_.text + "'", start);
        }
        if (v.BitLength() > kMaxBits) {
          return Fail("too_large",
                      "number too large (over " + std::to_string(kMaxDigits) +
                          " digits)",
                      start);
        }
        tok_.number = Number::Int(std::move(v));
        return true;
      }
    }
    std::string clean;  // without '_' digit separators
    bool is_float = false;
    auto digits = [&] {
      while (pos_ < expr_.size() &&
             (IsDigit(expr_[pos_]) ||
              (expr_[pos_] == '_' && pos_ > start && IsDigit(expr_[pos_ - 1]) &&
               pos_ + 1 < expr_.size() && IsDigit(expr_[pos_ + 1])))) {
        if (expr_[pos_] != '_') clean += expr_[pos_];
        ++pos_;
      }
    };
    digits();
    if (pos_ < expr_.size() && expr_[pos_] == '.') {
      is_float = true;
      clean += '.';
      ++pos_;
      digits();
    }
    if (pos_ < expr_.size() && (expr_[pos_] == 'e' || expr_[pos_] == 'E')) {
      size_t p = pos_ + 1;
      if (p < expr_.size() && (expr_[p] == '+' || expr_[p] == '-')) ++p;
      if (p < expr_.size() && IsDigit(expr_[p])) {
        is_float = true;
        clean += std::string(expr_.substr(pos_, p - pos_));
        pos_ = p;
        digits();
      }
    }
    tok_.text = std::string(expr_.substr(start, pos_ - start));
    if (is_float) {
      double d = std::strtod(clean.c_str(), nullptr);
      if (!std::isfinite(d)) {
        return Fail("too_large",
                    "number '" + tok_.text + "' is too large for a float",
                    start);
      }
      tok_.number = Number::Float(d);
      return true;
    }
    if (clean.size() > static_cast<size_t>(kMaxDigits)) {
      size_t nonzero = clean.find_first_not_of('0');
      if (nonzero != std::string::npos &&
          clean.size() - nonzero > static_cast<size_t>(kMaxDigits)) {
        return Fail(
            "too_large",
            "number too large (over " + std::to_string(kMaxDigits) + " digits)",
            start);
      }
    }
    BigInt v;
    BigInt::Parse(clean, 10, &v);  // only digits: cannot fail
    tok_.number = Number::Int(std::move(v));
    return true;
  }

  // ---- parser -------------------------------------------------------------

  bool IsOp(const char* op) const {
    return tok_.kind == Tok::kOp && tok_.op == op;
  }

  // Whether the previous token ended an operand: then a number, name or
  // '(' here is a missing operator, e.g. "2pi" or "3 (4)".
  bool PrevEndsOperand() const {
    return prev_kind_ == Tok::kNumber || prev_kind_ == Tok::kName ||
           (prev_kind_ == Tok::kOp && (prev_op_ == ")" || prev_op_ == "!"));
  }

  bool Unexpected() {
    if (tok_.kind == Tok::kEnd) {
      return FailAt("unexpected end of expression", tok_.pos);
    }
    bool operand =
        tok_.kind == Tok::kNumber || tok_.kind == Tok::kName || IsOp("(");
    return FailAt("unexpected '" + tok_.text + "'", tok_.pos,
                  operand && PrevEndsOperand()
                      ? " (missing operator? use '*' to multiply)"
                      : "");
  }

  int Add(Node node) {
    nodes_.push_back(std::move(node));
    return static_cast<int>(nodes_.size()) - 1;
  }

  bool Parse() {
    SkipSpace();
    if (pos_ >= expr_.size()) return FailNoPos("expression: must not be empty");
    if (!Advance()) return false;
    root_ = ParseComparison();
    if (root_ < 0) return false;
    if (tok_.kind != Tok::kEnd) return Unexpected();
    return true;
  }

  int ParseComparison() {
    int left = ParseSum();
    if (left < 0) return -1;
    static constexpr struct {
      const char* op;
      CmpOp cmp;
    } kCmps[] = {{"==", CmpOp::kEq}, {"!=", CmpOp::kNe}, {"<", CmpOp::kLt},
                 {"<=", CmpOp::kLe}, {">", CmpOp::kGt},  {">=", CmpOp::kGe}};
    for (const auto& c : kCmps) {
      if (!IsOp(c.op)) continue;
      Node n;
      n.kind = NodeKind::kCompare;
      n.pos = tok_.pos;
      n.cmp = c.cmp;
      if (!Advance()) return -1;
      int right = ParseSum();
      if (right < 0) return -1;
      for (const auto& c2 : kCmps) {
        if (IsOp(c2.op)) {
          FailAt("chained comparison '" + tok_.text + "' is not supported",
                 tok_.pos);
          return -1;
        }
      }
      n.kids = {left, right};
      return Add(std::move(n));
    }
    return left;
  }

  // A left-associative chain of + - (or * / // %) as one node, so a long
  // sum does not make the tree (and the evaluator's recursion) deep.
  int ParseChain(bool sum) {
    int first = sum ? ParseChain(false) : ParseUnary();
    if (first < 0) return -1;
    Node n;
    n.kind = NodeKind::kChain;
    n.kids.push_back(first);
    while (true) {
      BinOp op;
      if (sum && IsOp("+")) {
        op = BinOp::kAdd;
      } else if (sum && IsOp("-")) {
        op = BinOp::kSub;
      } else if (!sum && IsOp("*")) {
        op = BinOp::kMul;
      } else if (!sum && IsOp("/")) {
        op = BinOp::kDiv;
      } else if (!sum && IsOp("//")) {
        op = BinOp::kFloorDiv;
      } else if (!sum && IsOp("%")) {
        op = BinOp::kMod;
      } else {
        break;
      }
      n.ops.push_back(op);
      n.op_pos.push_back(tok_.pos);
      if (!Advance()) return -1;
      int next = sum ? ParseChain(false) : ParseUnary();
      if (next < 0) return -1;
      n.kids.push_back(next);
    }
    if (n.kids.size() == 1) return first;
    n.pos = n.op_pos[0];
    return Add(std::move(n));
  }
  int ParseSum() { return ParseChain(true); }

  // Counts nesting (parentheses, calls, signs, exponents) so a hostile
  // expression cannot exhaust the stack.
  struct DepthGuard {
    explicit DepthGuard(int* d) : depth(d) { ++*depth; }
    ~DepthGuard() { --*depth; }
    int* depth;
  };

  int ParseUnary() {
    DepthGuard guard(&depth_);
    if (depth_ > kMaxNesting) {
      FailAt("expression nested too deeply (over " +
                 std::to_string(kMaxNesting) + " levels)",
             tok_.pos);
      return -1;
    }
    if (IsOp("-") || IsOp("+")) {
      Node n;
      n.kind = NodeKind::kNegate;
      n.pos = tok_.pos;
      while (IsOp("-") || IsOp("+")) {
        if (IsOp("-")) ++n.count;
        if (!Advance()) return -1;
      }
      int operand = ParseUnary();
      if (operand < 0) return -1;
      n.kids.push_back(operand);
      return Add(std::move(n));
    }
    return ParsePower();
  }

  int ParsePower() {
    int base = ParsePostfix();
    if (base < 0) return -1;
    if (!IsOp("^")) return base;
    Node n;
    n.kind = NodeKind::kPower;
    n.pos = tok_.pos;
    if (!Advance()) return -1;
    int exponent = ParseUnary();
    if (exponent < 0) return -1;
    n.kids = {base, exponent};
    return Add(std::move(n));
  }

  int ParsePostfix() {
    int operand = ParsePrimary();
    if (operand < 0 || !IsOp("!")) return operand;
    Node n;
    n.kind = NodeKind::kFactorial;
    n.pos = tok_.pos;
    while (IsOp("!")) {
      ++n.count;
      if (!Advance()) return -1;
    }
    n.kids.push_back(operand);
    return Add(std::move(n));
  }

  std::vector<std::string> NameCandidates() const {
    std::vector<std::string> names;
    for (const ConstInfo& c : kConstants) names.push_back(c.name);
    for (const auto& [name, value] : variables_) names.push_back(name);
    return names;
  }

  int ParsePrimary() {
    if (tok_.kind == Tok::kNumber) {
      Node n;
      n.kind = NodeKind::kNumber;
      n.pos = tok_.pos;
      n.value = std::move(tok_.number);
      if (!Advance()) return -1;
      return Add(std::move(n));
    }
    if (IsOp("(")) {
      size_t open = tok_.pos;
      if (!Advance()) return -1;
      int inner = ParseComparison();
      if (inner < 0) return -1;
      if (tok_.kind == Tok::kEnd) {
        FailAt("missing ')' for the '('", open);
        return -1;
      }
      if (!IsOp(")")) {
        Unexpected();
        return -1;
      }
      if (!Advance()) return -1;
      return inner;
    }
    if (tok_.kind == Tok::kName) return ParseName();
    Unexpected();
    return -1;
  }

  int ParseName() {
    std::string name = tok_.text == "\xCF\x80" ? "pi" : tok_.text;
    size_t name_pos = tok_.pos;
    if (!Advance()) return -1;
    if (IsOp("(")) {
      const FnInfo* fn = FindFunction(name);
      if (fn == nullptr) {
        if (variables_.count(name) != 0 || FindConstant(name) != nullptr) {
          FailAt("'" + name + "' is not a function", name_pos,
                 " (missing operator? use '*' to multiply)");
          return -1;
        }
        std::vector<std::string> names;
        for (const FnInfo& f : kFunctions) names.push_back(f.name);
        FailAt("unknown function '" + name + "'", name_pos,
               Suggest(name, names));
        return -1;
      }
      return ParseCall(fn, name_pos);
    }
    auto var = variables_.find(name);
    Node n;
    n.kind = NodeKind::kNumber;
    n.pos = name_pos;
    if (var != variables_.end()) {
      n.value = var->second;
    } else if (const ConstInfo* c = FindConstant(name)) {
      n.value = Number::Float(c->value);
    } else if (FindFunction(name) != nullptr) {
      FailAt("function '" + name + "' needs its arguments in parentheses",
             name_pos, ", e.g. " + name + "(2)");
      return -1;
    } else {
      FailAt("unknown name '" + name + "'", name_pos,
             Suggest(name, NameCandidates()));
      return -1;
    }
    return Add(std::move(n));
  }

  int ParseCall(const FnInfo* fn, size_t name_pos) {
    Node n;
    n.kind = NodeKind::kCall;
    n.pos = name_pos;
    n.fn = fn;
    if (!Advance()) return -1;  // past '('
    if (!IsOp(")")) {
      while (true) {
        int arg = ParseComparison();
        if (arg < 0) return -1;
        n.kids.push_back(arg);
        if (IsOp(",")) {
          if (!Advance()) return -1;
          continue;
        }
        if (IsOp(")")) break;
        if (tok_.kind == Tok::kEnd) {
          FailAt("missing ')' for " + std::string(fn->name) + "(", name_pos);
          return -1;
        }
        Unexpected();
        return -1;
      }
    }
    if (!Advance()) return -1;  // past ')'
    int got = static_cast<int>(n.kids.size());
    if (got < fn->min_args || (fn->max_args >= 0 && got > fn->max_args)) {
      std::string want =
          fn->max_args == fn->min_args ? Plural(fn->min_args, "argument")
          : fn->max_args < 0 ? "at least " + Plural(fn->min_args, "argument")
                             : std::to_string(fn->min_args) + " or " +
                                   Plural(fn->max_args, "argument");
      FailAt(std::string(fn->name) + "() takes " + want + ", got " +
                 std::to_string(got),
             name_pos);
      return -1;
    }
    return Add(std::move(n));
  }

  // ---- arithmetic ---------------------------------------------------------

  // Refuses integers over kMaxDigits digits.
  bool CheckSize(const BigInt& v, size_t pos) {
    size_t bits = v.BitLength();
    bool too_large = bits > kMaxBits;
    if (bits == kMaxBits) {
      // Rare: compare with 10^kMaxDigits (computed once; cheaper than
      // converting v to decimal).
      if (max_plus_one_.IsZero()) {
        max_plus_one_ = BigInt::Pow(BigInt::FromInt64(10), kMaxDigits);
      }
      too_large = BigInt::Compare(v.Abs(), max_plus_one_) >= 0;
    }
    if (!too_large) return true;
    return TooLarge(pos);
  }
  bool TooLarge(size_t pos) {
    return Fail(
        "too_large",
        "result too large (over " + std::to_string(kMaxDigits) + " digits)",
        pos);
  }
  bool FloatOverflow(size_t pos) {
    return Fail("too_large", "result too large for a float", pos);
  }

  // The value as a double; fails for integers beyond the double range.
  bool ToFloat(const Number& n, size_t pos, double* out) {
    if (!n.is_int) {
      *out = n.f;
      return true;
    }
    *out = n.i.ToDouble();
    if (std::isfinite(*out)) return true;
    return Fail("too_large", "integer too large to convert to a float", pos);
  }

  bool FloatResult(double d, size_t pos, Number* out) {
    if (std::isnan(d)) return FailAt("result is not a number", pos);
    if (std::isinf(d)) return FloatOverflow(pos);
    *out = Number::Float(d);
    return true;
  }

  // a / b as the nearest double (b != 0, b does not divide a).
  double IntDivToDouble(const BigInt& a, const BigInt& b) {
    if (a.BitLength() <= 53 && b.BitLength() <= 53) {
      return a.ToDouble() / b.ToDouble();
    }
    // Scale the dividend so the quotient has 66+ bits, and make a nonzero
    // remainder a sticky low bit: ToDouble then rounds correctly.
    int64_t k = 66 + static_cast<int64_t>(b.BitLength()) -
                static_cast<int64_t>(a.BitLength());
    if (k < 0) k = 0;
    BigInt q, r;
    BigInt::DivModTrunc(a.Abs().ShiftLeft(k), b.Abs(), &q, &r);
    if (!r.IsZero() && !q.IsOdd()) q = q + BigInt::FromInt64(1);
    double d = std::ldexp(q.ToDouble(), -static_cast<int>(k));
    return a.IsNegative() != b.IsNegative() ? -d : d;
  }

  bool IntBinary(BinOp op, const BigInt& a, const BigInt& b, size_t pos,
                 Number* out) {
    uint64_t la = a.Limbs(), lb = b.Limbs();
    switch (op) {
      case BinOp::kAdd:
      case BinOp::kSub: {
        if (!Charge(std::max(la, lb) + 1, pos)) return false;
        BigInt r = op == BinOp::kAdd ? a + b : a - b;
        if (!CheckSize(r, pos)) return false;
        *out = Number::Int(std::move(r));
        return true;
      }
      case BinOp::kMul: {
        if (!a.IsZero() && !b.IsZero() &&
            a.BitLength() + b.BitLength() - 1 > kMaxBits) {
          return TooLarge(pos);
        }
        if (!Charge(la * lb + 1, pos)) return false;
        BigInt r = a * b;
        if (!CheckSize(r, pos)) return false;
        *out = Number::Int(std::move(r));
        return true;
      }
      case BinOp::kDiv:
      case BinOp::kFloorDiv:
      case BinOp::kMod: {
        if (b.IsZero()) {
          return FailAt(
              op == BinOp::kMod ? "modulo by zero" : "division by zero", pos);
        }
        if (!Charge((la >= lb ? la - lb + 1 : 1) * lb + 1, pos)) return false;
        BigInt q, r;
        if (op == BinOp::kDiv) {
          BigInt::DivModTrunc(a, b, &q, &r);
          if (r.IsZero()) {
            *out = Number::Int(std::move(q));
            return true;
          }
          return FloatResult(IntDivToDouble(a, b), pos, out);
        }
        BigInt::DivModFloor(a, b, &q, &r);
        *out = Number::Int(op == BinOp::kMod ? std::move(r) : std::move(q));
        return true;
      }
      case BinOp::kPow:
        return IntPow(a, b, pos, out);
    }
    return false;
  }

  bool IntPow(const BigInt& a, const BigInt& b, size_t pos, Number* out) {
    BigInt one = BigInt::FromInt64(1);
    if (a.IsZero()) {
      if (b.IsNegative()) {
        return FailAt("division by zero (zero raised to a negative power)",
                      pos);
      }
      *out = Number::Int(b.IsZero() ? one : BigInt());
      return true;
    }
    if (a == one || b.IsZero()) {
      *out = Number::Int(one);
      return true;
    }
    if (a == -one) {
      *out = Number::Int(b.IsOdd() ? -one : one);
      return true;
    }
    if (b.IsNegative()) {
      double x = 0, y = 0;
      if (!ToFloat(Number::Int(a), pos, &x)) return false;
      y = b.ToDouble();  // may be -inf: the power is then 0
      return FloatResult(std::pow(x, y), pos, out);
    }
    // |a| >= 2: the result has at least (bits(a) - 1) * b + 1 bits.
    uint64_t abits = a.BitLength();
    if (b.BitLength() > 32 || (abits - 1) * b.ToInt64() + 1 > kMaxBits) {
      return TooLarge(pos);
    }
    uint64_t e = b.ToInt64();
    uint64_t result_limbs = (abits * e + 31) / 32;
    if (!Charge(result_limbs * result_limbs + 1, pos)) return false;
    BigInt r = BigInt::Pow(a, e);
    if (!CheckSize(r, pos)) return false;
    *out = Number::Int(std::move(r));
    return true;
  }

  bool Binary(BinOp op, const Number& a, const Number& b, size_t pos,
              Number* out) {
    if (a.is_int && b.is_int) return IntBinary(op, a.i, b.i, pos, out);
    double x = 0, y = 0;
    if (!ToFloat(a, pos, &x) || !ToFloat(b, pos, &y)) return false;
    switch (op) {
      case BinOp::kAdd:
        return FloatResult(x + y, pos, out);
      case BinOp::kSub:
        return FloatResult(x - y, pos, out);
      case BinOp::kMul:
        return FloatResult(x * y, pos, out);
      case BinOp::kDiv:
        if (y == 0) return FailAt("division by zero", pos);
        return FloatResult(x / y, pos, out);
      case BinOp::kFloorDiv:
        if (y == 0) return FailAt("division by zero", pos);
        return FloatResult(std::floor(x / y), pos, out);
      case BinOp::kMod: {
        if (y == 0) return FailAt("modulo by zero", pos);
        double r = std::fmod(x, y);
        if (r != 0 && ((r < 0) != (y < 0))) r += y;
        return FloatResult(r, pos, out);
      }
      case BinOp::kPow:
        return FloatPow(x, y, pos, out);
    }
    return false;
  }

  bool FloatPow(double x, double y, size_t pos, Number* out) {
    if (x == 0 && y < 0) {
      return FailAt("division by zero (zero raised to a negative power)", pos);
    }
    if (x < 0 && y != std::floor(y)) {
      return FailAt("negative number raised to a fractional power", pos);
    }
    return FloatResult(std::pow(x, y), pos, out);
  }

  // -1, 0, 1 comparing an integer with a (finite) double, exactly.
  static int CompareIntFloat(const BigInt& a, double d) {
    double fl = std::floor(d);
    int c = BigInt::Compare(a, BigInt::FromIntegralDouble(fl));
    if (c != 0) return c;
    return d == fl ? 0 : -1;
  }

  static int CompareNumbers(const Number& a, const Number& b) {
    if (a.is_int && b.is_int) return BigInt::Compare(a.i, b.i);
    if (a.is_int) return CompareIntFloat(a.i, b.f);
    if (b.is_int) return -CompareIntFloat(b.i, a.f);
    return a.f < b.f ? -1 : a.f > b.f ? 1 : 0;
  }

  // ---- evaluation ---------------------------------------------------------

  bool Eval(int index, Number* out) {
    const Node& n = nodes_[index];
    switch (n.kind) {
      case NodeKind::kNumber:
        *out = n.value;
        return true;
      case NodeKind::kNegate: {
        if (!Eval(n.kids[0], out)) return false;
        if (n.count % 2 == 1) {
          if (out->is_int) {
            out->i = -out->i;
          } else {
            out->f = -out->f;
          }
        }
        return true;
      }
      case NodeKind::kChain: {
        if (!Eval(n.kids[0], out)) return false;
        for (size_t k = 0; k < n.ops.size(); ++k) {
          Number rhs, result;
          if (!Eval(n.kids[k + 1], &rhs)) return false;
          if (!Binary(n.ops[k], *out, rhs, n.op_pos[k], &result)) return false;
          *out = std::move(result);
        }
        return true;
      }
      case NodeKind::kPower: {
        Number base, exponent;
        if (!Eval(n.kids[0], &base) || !Eval(n.kids[1], &exponent)) {
          return false;
        }
        return Binary(BinOp::kPow, base, exponent, n.pos, out);
      }
      case NodeKind::kCompare: {
        Number a, b;
        if (!Eval(n.kids[0], &a) || !Eval(n.kids[1], &b)) return false;
        int c = CompareNumbers(a, b);
        bool r = false;
        switch (n.cmp) {
          case CmpOp::kEq:
            r = c == 0;
            break;
          case CmpOp::kNe:
            r = c != 0;
            break;
          case CmpOp::kLt:
            r = c < 0;
            break;
          case CmpOp::kLe:
            r = c <= 0;
            break;
          case CmpOp::kGt:
            r = c > 0;
            break;
          case CmpOp::kGe:
            r = c >= 0;
            break;
        }
        *out = Number::Int(BigInt::FromInt64(r ? 1 : 0));
        return true;
      }
      case NodeKind::kFactorial: {
        if (!Eval(n.kids[0], out)) return false;
        for (int k = 0; k < n.count; ++k) {
          Number r;
          if (!Factorial(*out, n.pos, "!", &r)) return false;
          *out = std::move(r);
        }
        return true;
      }
      case NodeKind::kCall: {
        std::vector<Number> args(n.kids.size());
        for (size_t k = 0; k < n.kids.size(); ++k) {
          if (!Eval(n.kids[k], &args[k])) return false;
        }
        return Call(*n.fn, args, n.pos, out);
      }
    }
    return false;
  }

  bool NeedInteger(const FnInfo& fn, const Number& n, size_t pos,
                   bool non_negative) {
    if (n.is_int && (!non_negative || !n.i.IsNegative())) return true;
    return FailAt(std::string(fn.name) + "() needs " +
                      (non_negative ? "a non-negative integer" : "integers") +
                      ", got " + FormatText(n),
                  pos);
  }

  bool Factorial(const Number& n, size_t pos, const char* what, Number* out) {
    if (!n.is_int || n.i.IsNegative()) {
      return FailAt(std::string(what) + " needs a non-negative integer, got " +
                        FormatText(n),
                    pos);
    }
    // log10(n!) from lgamma rejects hopeless cases before any work.
    if (n.i.BitLength() > 20) return TooLarge(pos);
    int64_t k = n.i.ToInt64();
    if (std::lgamma(static_cast<double>(k) + 1) / std::log(10.0) >
        kMaxDigits + 1) {
      return TooLarge(pos);
    }
    BigInt r = BigInt::FromInt64(1);
    for (int64_t m = 2; m <= k; ++m) {
      if (!Charge(r.Limbs() + 1, pos)) return false;
      r.MulSmall(static_cast<uint32_t>(m));
    }
    if (!CheckSize(r, pos)) return false;
    *out = Number::Int(std::move(r));
    return true;
  }

  bool Comb(const Number& n_num, const Number& k_num, size_t pos, Number* out) {
    const BigInt& n = n_num.i;
    BigInt k = k_num.i;
    if (BigInt::Compare(k, n) > 0) {
      *out = Number::Int(BigInt());
      return true;
    }
    BigInt rest = n - k;
    if (BigInt::Compare(rest, k) < 0) k = rest;
    // C(n, k) >= 2^k for k <= n/2: beyond kMaxBits that is too large.
    if (k.BitLength() > 20 || k.ToInt64() > static_cast<int64_t>(kMaxBits)) {
      return TooLarge(pos);
    }
    int64_t kk = k.ToInt64();
    BigInt r = BigInt::FromInt64(1);
    BigInt base = n - k;
    for (int64_t i = 1; i <= kk; ++i) {
      // r * (n - k + i) / i is exact: r*(n-k+i) = C(n-k+i, i) * i.
      if (!Charge(2 * (r.Limbs() + base.Limbs()) + 2, pos)) return false;
      BigInt t = r * (base + BigInt::FromInt64(i));
      if (t.BitLength() > kMaxBits + 64) return TooLarge(pos);
      BigInt q, rem;
      BigInt::DivModTrunc(t, BigInt::FromInt64(i), &q, &rem);
      r = std::move(q);
    }
    if (!CheckSize(r, pos)) return false;
    *out = Number::Int(std::move(r));
    return true;
  }

  // Natural logarithm of a positive number, including integers beyond the
  // double range.
  bool Ln(const FnInfo& fn, const Number& x, size_t pos, double* out) {
    if (x.is_int ? x.i.Sign() <= 0 : !(x.f > 0)) {
      return FailAt(
          std::string(fn.name) + "() of " +
              (x.is_int ? (x.i.IsZero() ? "zero" : "a negative number")
                        : (x.f == 0 ? "zero" : "a negative number")),
          pos);
    }
    if (!x.is_int) {
      *out = std::log(x.f);
      return true;
    }
    double d = x.i.ToDouble();
    if (std::isfinite(d)) {
      *out = std::log(d);
      return true;
    }
    int64_t exp2 = 0;
    double m = x.i.ToScaledDouble(&exp2);
    *out = std::log(m) + static_cast<double>(exp2) * std::log(2.0);
    return true;
  }

  bool Call(const FnInfo& fn, const std::vector<Number>& args, size_t pos,
            Number* out) {
    const Number& a = args[0];
    double x = 0, y = 0;
    auto unary_float = [&](double (*f)(double)) {
      if (!ToFloat(a, pos, &x)) return false;
      return FloatResult(f(x), pos, out);
    };
    switch (fn.fn) {
      case Fn::kSqrt: {
        if (a.is_int ? a.i.IsNegative() : a.f < 0) {
          return FailAt("sqrt of a negative number", pos);
        }
        if (!a.is_int) return FloatResult(std::sqrt(a.f), pos, out);
        if (!Charge(a.i.Limbs() * a.i.Limbs() * 8 + 1, pos)) return false;
        BigInt r = BigInt::Isqrt(a.i);
        if (r * r == a.i) {
          *out = Number::Int(std::move(r));
          return true;
        }
        if (a.i.BitLength() <= 106) {
          return FloatResult(std::sqrt(a.i.ToDouble()), pos, out);
        }
        return FloatResult(r.ToDouble(), pos, out);
      }
      case Fn::kCbrt: {
        if (!ToFloat(a, pos, &x)) return false;
        double r = std::cbrt(x);
        // libm's cbrt is not always exact for perfect cubes (cbrt(27) may
        // be 3.0000000000000004): check the nearest integer.
        if (a.is_int && a.i.BitLength() <= 53) {
          BigInt ri = BigInt::FromIntegralDouble(std::round(r));
          if (ri * ri * ri == a.i) {
            *out = Number::Int(std::move(ri));
            return true;
          }
        }
        return FloatResult(r, pos, out);
      }
      case Fn::kAbs:
        *out = a;
        if (out->is_int) {
          out->i = out->i.Abs();
        } else {
          out->f = std::fabs(out->f);
        }
        return true;
      case Fn::kFloor:
      case Fn::kCeil:
      case Fn::kTrunc:
      case Fn::kRound: {
        if (args.size() == 2) return RoundDigits(a, args[1], pos, out);
        if (a.is_int) {
          *out = a;
          return true;
        }
        double r = fn.fn == Fn::kFloor  ? std::floor(a.f)
                   : fn.fn == Fn::kCeil ? std::ceil(a.f)
                   : fn.fn == Fn::kTrunc
                       ? std::trunc(a.f)
                       : std::round(a.f);  // half away from zero
        *out = Number::Int(BigInt::FromIntegralDouble(r));
        return true;
      }
      case Fn::kMin:
      case Fn::kMax: {
        size_t best = 0;
        for (size_t k = 1; k < args.size(); ++k) {
          int c = CompareNumbers(args[k], args[best]);
          if (fn.fn == Fn::kMin ? c < 0 : c > 0) best = k;
        }
        *out = args[best];
        return true;
      }
      case Fn::kExp:
        return unary_float([](double v) { return std::exp(v); });
      case Fn::kLn:
      case Fn::kLog:
      case Fn::kLog2:
      case Fn::kLog10: {
        if (fn.fn == Fn::kLog10 && !a.is_int && a.f > 0) {
          return FloatResult(std::log10(a.f), pos, out);  // exact for 10^k
        }
        if (fn.fn == Fn::kLog2 && !a.is_int && a.f > 0) {
          return FloatResult(std::log2(a.f), pos, out);
        }
        if (fn.fn == Fn::kLog10 && a.is_int && a.i.Sign() > 0 &&
            std::isfinite(a.i.ToDouble())) {
          return FloatResult(std::log10(a.i.ToDouble()), pos, out);
        }
        if (fn.fn == Fn::kLog2 && a.is_int && a.i.Sign() > 0 &&
            std::isfinite(a.i.ToDouble())) {
          return FloatResult(std::log2(a.i.ToDouble()), pos, out);
        }
        double ln = 0;
        if (!Ln(fn, a, pos, &ln)) return false;
        if (fn.fn == Fn::kLog2)
          return FloatResult(ln / std::log(2.0), pos, out);
        if (fn.fn == Fn::kLog10) {
          return FloatResult(ln / std::log(10.0), pos, out);
        }
        if (args.size() == 2) {
          const Number& base = args[1];
          bool bad = base.is_int
                         ? base.i.Sign() <= 0 || base.i == BigInt::FromInt64(1)
                         : !(base.f > 0) || base.f == 1;
          if (bad) return FailAt("log() base must be positive and not 1", pos);
          double lb = 0;
          if (!Ln(fn, base, pos, &lb)) return false;
          return FloatResult(ln / lb, pos, out);
        }
        return FloatResult(ln, pos, out);
      }
      case Fn::kSin:
        return unary_float([](double v) { return std::sin(v); });
      case Fn::kCos:
        return unary_float([](double v) { return std::cos(v); });
      case Fn::kTan:
        return unary_float([](double v) { return std::tan(v); });
      case Fn::kAsin:
      case Fn::kAcos: {
        if (!ToFloat(a, pos, &x)) return false;
        if (x < -1 || x > 1) {
          return FailAt(std::string(fn.name) +
                            "() argument must be between -1 and 1, got " +
                            FormatText(a),
                        pos);
        }
        return FloatResult(fn.fn == Fn::kAsin ? std::asin(x) : std::acos(x),
                           pos, out);
      }
      case Fn::kAtan:
        return unary_float([](double v) { return std::atan(v); });
      case Fn::kSinh:
        return unary_float([](double v) { return std::sinh(v); });
      case Fn::kCosh:
        return unary_float([](double v) { return std::cosh(v); });
      case Fn::kTanh:
        return unary_float([](double v) { return std::tanh(v); });
      case Fn::kAtan2:
        if (!ToFloat(a, pos, &x) || !ToFloat(args[1], pos, &y)) return false;
        return FloatResult(std::atan2(x, y), pos, out);
      case Fn::kPow:
        return Binary(BinOp::kPow, a, args[1], pos, out);
      case Fn::kHypot: {
        double r = 0;
        for (const Number& v : args) {
          if (!ToFloat(v, pos, &x)) return false;
          r = std::hypot(r, x);
        }
        return FloatResult(r, pos, out);
      }
      case Fn::kGcd:
      case Fn::kLcm: {
        for (const Number& v : args) {
          if (!NeedInteger(fn, v, pos, false)) return false;
        }
        BigInt r = args[0].i.Abs();
        for (size_t k = 1; k < args.size(); ++k) {
          const BigInt& v = args[k].i;
          uint64_t limbs = std::max(r.Limbs(), v.Limbs()) + 1;
          if (!Charge(limbs * limbs * 8, pos)) return false;
          BigInt g = BigInt::Gcd(r, v);
          if (fn.fn == Fn::kGcd) {
            r = std::move(g);
            continue;
          }
          if (r.IsZero() || v.IsZero()) {
            r = BigInt();
            continue;
          }
          BigInt q, rem;
          BigInt::DivModTrunc(r, g, &q, &rem);
          if (q.BitLength() + v.BitLength() - 1 > kMaxBits) {
            return TooLarge(pos);
          }
          r = q * v.Abs();
          if (!CheckSize(r, pos)) return false;
        }
        *out = Number::Int(std::move(r));
        return true;
      }
      case Fn::kFactorial:
        return Factorial(a, pos, "factorial()", out);
      case Fn::kComb:
        if (!NeedInteger(fn, a, pos, true) ||
            !NeedInteger(fn, args[1], pos, true)) {
          return false;
        }
        return Comb(a, args[1], pos, out);
    }
    return false;
  }

  // round(x, n): n decimal places (negative n rounds to tens, hundreds...).
  bool RoundDigits(const Number& a, const Number& digits, size_t pos,
                   Number* out) {
    if (!digits.is_int) {
      return FailAt(
          "round() digits must be an integer, got " + FormatText(digits), pos);
    }
    // Beyond +-400 digits the answer no longer changes (doubles have at most
    // ~767 significant decimal digits, integers here at most 10000): clamp.
    int64_t n = digits.i.BitLength() > 20
                    ? (digits.i.IsNegative() ? -20000 : 20000)
                    : digits.i.ToInt64();
    if (a.is_int) {
      if (n >= 0) {
        *out = a;
        return true;
      }
      if (-n > kMaxDigits + 1) {
        *out = Number::Int(BigInt());
        return true;
      }
      BigInt unit = BigInt::Pow(BigInt::FromInt64(10), -n);
      if (!Charge(unit.Limbs() * unit.Limbs() + a.i.Limbs() * unit.Limbs() + 1,
                  pos)) {
        return false;
      }
      BigInt q, r;
      BigInt::DivModTrunc(a.i.Abs(), unit, &q, &r);
      // Half away from zero, like round(x).
      if (BigInt::Compare(r + r, unit) >= 0) q = q + BigInt::FromInt64(1);
      BigInt result = q * unit;
      if (a.i.IsNegative()) result = -result;
      if (!CheckSize(result, pos)) return false;
      *out = Number::Int(std::move(result));
      return true;
    }
    if (n > 400) {
      *out = a;
      return true;
    }
    if (n >= 0) {
      // printf rounds the exact binary value correctly, so 2.675 (really
      // 2.67499999...) gives 2.67, as in Python.
      int len = std::snprintf(nullptr, 0, "%.*f", static_cast<int>(n), a.f);
      std::string buf(len + 1, '\0');
      std::snprintf(buf.data(), buf.size(), "%.*f", static_cast<int>(n), a.f);
      return FloatResult(std::strtod(buf.c_str(), nullptr), pos, out);
    }
    if (n < -400) return FloatResult(a.f * 0, pos, out);
    double unit = std::pow(10.0, static_cast<double>(-n));
    return FloatResult(std::round(a.f / unit) * unit, pos, out);
  }

  // ---- output -------------------------------------------------------------

  // Like Python's repr for floats: the fewest significant digits that read
  // back as the same double, in fixed notation for exponents -4..15 ("10.0",
  // "0.001") and scientific otherwise ("1e+20"); always with a '.' or an
  // exponent so it reads as a float.
  static std::string FloatText(double d, int precision) {
    char buf[400];
    if (precision > 0) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    } else {
      int digits = 17;
      for (int p = 1; p <= 17; ++p) {
        std::snprintf(buf, sizeof buf, "%.*e", p - 1, d);
        if (std::strtod(buf, nullptr) == d) {
          digits = p;
          break;
        }
      }
      const char* e = std::strchr(buf, 'e');
      int exp10 = e == nullptr ? 0 : std::atoi(e + 1);
      if (exp10 >= -4 && exp10 < 16) {
        std::snprintf(buf, sizeof buf, "%.*f", std::max(0, digits - 1 - exp10),
                      d);
      } else {
        std::snprintf(buf, sizeof buf, "%.*g", digits, d);
      }
    }
    std::string s = buf;
    if (s.find_first_of(".en") == std::string::npos) s += ".0";
    return s;
  }

  static std::string FormatText(const Number& n) {
    if (n.is_int) {
      std::string s = n.i.ToString();
      return s.size() > 40 ? s.substr(0, 20) + "..." : s;
    }
    return FloatText(n.f, 0);
  }

  Json Format(const Number& n) const {
    Json out = Json::object();
    if (n.is_int) {
      if (n.i.FitsInt64()) {
        out["value"] = n.i.ToInt64();
      } else {
        double d = n.i.ToDouble();
        out["value"] = std::isfinite(d) ? Json(d) : Json(nullptr);
      }
      out["text"] = n.i.ToString();
      out["type"] = "integer";
      return out;
    }
    std::string text = FloatText(n.f, options_.precision);
    out["value"] =
        options_.precision > 0 ? std::strtod(text.c_str(), nullptr) : n.f;
    out["text"] = text;
    out["type"] = "float";
    return out;
  }

  std::string_view expr_;
  const CalcOptions& options_;
  std::map<std::string, Number, std::less<>> variables_;
  std::optional<CalcError> error_;
  uint64_t work_ = 0;
  BigInt max_plus_one_;  // 10^kMaxDigits, once needed

  size_t pos_ = 0;  // lexer position (bytes)
  Token tok_;
  Tok prev_kind_ = Tok::kEnd;
  std::string prev_op_;
  int depth_ = 0;

  std::vector<Node> nodes_;
  int root_ = -1;
};

}  // namespace

CalcOutcome Calculate(std::string_view expression, const CalcOptions& options) {
  Calculator calc(expression, options);
  return calc.Run();
}

}  // namespace airlock::calc
