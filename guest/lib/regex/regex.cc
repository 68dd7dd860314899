// The engine in four steps: a recursive-descent parser builds a syntax tree
// (case folding, flags and escapes are resolved there), a compiler turns it
// into a Thompson NFA program, a short analysis finds what can speed up the
// search (a literal prefix, the set of bytes a match can start with, an
// anchor at the start), and a Pike VM runs the program over the text: one
// pass, all start positions at once, threads kept in priority order so the
// first thread to reach Match wins (leftmost-first, like Perl and RE2), at
// most one thread per instruction (so time is O(text x program)).
#include "regex.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace airlock::regex {
namespace {

// ---------------------------------------------------------------------------
// UTF-8

constexpr uint32_t kMaxCodePoint = 0x10FFFF;
constexpr uint32_t kReplacementChar = 0xFFFD;

void AppendUtf8(uint32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// The first byte of the UTF-8 encoding of `c`.
uint8_t LeadByte(uint32_t c) {
  if (c < 0x80) return static_cast<uint8_t>(c);
  if (c < 0x800) return static_cast<uint8_t>(0xC0 | (c >> 6));
  if (c < 0x10000) return static_cast<uint8_t>(0xE0 | (c >> 12));
  return static_cast<uint8_t>(0xF0 | (c >> 18));
}

// Code points of `s` before byte `pos` (every byte that does not continue a
// sequence starts one).
size_t CodePointOffset(std::string_view s, size_t pos) {
  size_t n = 0;
  for (size_t i = 0; i < pos && i < s.size(); ++i) {
    if ((static_cast<uint8_t>(s[i]) & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool IsWordByte(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
         (c >= 'a' && c <= 'z') || c == '_';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ---------------------------------------------------------------------------
// Character classes: sorted, disjoint, non-adjacent code point ranges.

using Range = std::pair<uint32_t, uint32_t>;

class CharClass {
 public:
  void Add(uint32_t lo, uint32_t hi) { ranges_.emplace_back(lo, hi); }
  void Add(const CharClass& other) {
    ranges_.insert(ranges_.end(), other.ranges_.begin(), other.ranges_.end());
  }

  void Canonicalize() {
    std::sort(ranges_.begin(), ranges_.end());
    size_t out = 0;
    for (const Range& r : ranges_) {
      if (out > 0 && r.first <= ranges_[out - 1].second + 1) {
        ranges_[out - 1].second = std::max(ranges_[out - 1].second, r.second);
      } else {
        ranges_[out++] = r;
      }
    }
    ranges_.resize(out);
  }

  void Negate() {
    Canonicalize();
    std::vector<Range> result;
    uint32_t next = 0;
    for (const Range& r : ranges_) {
      if (r.first > next) result.emplace_back(next, r.first - 1);
      next = r.second + 1;
    }
    if (next <= kMaxCodePoint) result.emplace_back(next, kMaxCodePoint);
    ranges_ = std::move(result);
  }

  bool Contains(uint32_t c) const {
    for (const Range& r : ranges_) {
      if (c >= r.first && c <= r.second) return true;
    }
    return false;
  }

  // Adds the simple case variants of every member.
  void FoldCase();

  const std::vector<Range>& ranges() const { return ranges_; }

 private:
  std::vector<Range> ranges_;
};

// Simple case folding for the scripts listed in regex.h. kEvenOdd ranges
// pair (2k, 2k+1) as upper/lower case, kOddEven pair (2k+1, 2k+2); other
// entries map by a fixed delta (both directions are listed).
constexpr int32_t kEvenOdd = 1 << 30;
constexpr int32_t kOddEven = (1 << 30) + 1;

struct FoldEntry {
  uint32_t lo, hi;
  int32_t delta;
};

constexpr FoldEntry kFoldTable[] = {
    {'A', 'Z', 32},
    {'a', 'z', -32},
    {0xC0, 0xD6, 32},
    {0xD8, 0xDE, 32},
    {0xE0, 0xF6, -32},
    {0xF8, 0xFE, -32},
    {0x100, 0x12F, kEvenOdd},
    {0x132, 0x137, kEvenOdd},
    {0x139, 0x148, kOddEven},
    {0x14A, 0x177, kEvenOdd},
    {0x179, 0x17E, kOddEven},
    {0x386, 0x386, 38},
    {0x3AC, 0x3AC, -38},
    {0x388, 0x38A, 37},
    {0x3AD, 0x3AF, -37},
    {0x38C, 0x38C, 64},
    {0x3CC, 0x3CC, -64},
    {0x38E, 0x38F, 63},
    {0x3CD, 0x3CE, -63},
    {0x391, 0x3A1, 32},
    {0x3A3, 0x3AB, 32},
    {0x3B1, 0x3C1, -32},
    {0x3C3, 0x3CB, -32},
    {0x400, 0x40F, 80},
    {0x450, 0x45F, -80},
    {0x410, 0x42F, 32},
    {0x430, 0x44F, -32},
    {0x460, 0x481, kEvenOdd},
    {0x48A, 0x4BF, kEvenOdd},
    {0x4C1, 0x4CE, kOddEven},
    {0x4D0, 0x52F, kEvenOdd},
    {0x531, 0x556, 48},
    {0x561, 0x586, -48},
    {0x1E00, 0x1E95, kEvenOdd},
    {0x1EA0, 0x1EFF, kEvenOdd},
    {0xFF21, 0xFF3A, 32},
    {0xFF41, 0xFF5A, -32},
};

// Members of case orbits the table cannot express; every pair of an orbit
// is listed, so one pass over the table and these pairs closes a class.
constexpr Range kFoldPairs[] = {
    {0xFF, 0x178},  {0xB5, 0x3BC},  {0xB5, 0x39C},  {0x17F, 's'},
    {0x17F, 'S'},   {0x212A, 'k'},  {0x212A, 'K'},  {0x212B, 0xE5},
    {0x212B, 0xC5}, {0x3C2, 0x3C3}, {0x3C2, 0x3A3}, {0x1E9E, 0xDF},
};

void CharClass::FoldCase() {
  Canonicalize();
  std::vector<Range> added;
  for (const Range& r : ranges_) {
    for (const FoldEntry& e : kFoldTable) {
      uint32_t a = std::max(r.first, e.lo);
      uint32_t b = std::min(r.second, e.hi);
      if (a > b) continue;
      if (e.delta == kEvenOdd) {
        if (a & 1) --a;
        if (!(b & 1)) ++b;
        added.emplace_back(a, b);
      } else if (e.delta == kOddEven) {
        if (!(a & 1)) --a;
        if (b & 1) ++b;
        added.emplace_back(a, b);
      } else {
        added.emplace_back(a + e.delta, b + e.delta);
      }
    }
  }
  for (const Range& p : kFoldPairs) {
    if (Contains(p.first)) added.emplace_back(p.second, p.second);
    if (Contains(p.second)) added.emplace_back(p.first, p.first);
  }
  ranges_.insert(ranges_.end(), added.begin(), added.end());
  Canonicalize();
}

void AddPerlClass(char name, CharClass* cls) {
  CharClass c;
  switch (name | 0x20) {  // lower case
    case 'd':
      c.Add('0', '9');
      break;
    case 's':  // RE2's \s: no \v
      c.Add('\t', '\n');
      c.Add('\f', '\r');
      c.Add(' ', ' ');
      break;
    default:  // 'w'
      c.Add('0', '9');
      c.Add('A', 'Z');
      c.Add('_', '_');
      c.Add('a', 'z');
      break;
  }
  if (name >= 'A' && name <= 'Z') c.Negate();
  cls->Add(c);
}

// [:name:] classes (ASCII only, as in RE2).
bool AddPosixClass(std::string_view name, bool negate, CharClass* cls) {
  CharClass c;
  if (name == "alnum") {
    c.Add('0', '9'), c.Add('A', 'Z'), c.Add('a', 'z');
  } else if (name == "alpha") {
    c.Add('A', 'Z'), c.Add('a', 'z');
  } else if (name == "ascii") {
    c.Add(0, 0x7F);
  } else if (name == "blank") {
    c.Add('\t', '\t'), c.Add(' ', ' ');
  } else if (name == "cntrl") {
    c.Add(0, 0x1F), c.Add(0x7F, 0x7F);
  } else if (name == "digit") {
    c.Add('0', '9');
  } else if (name == "graph") {
    c.Add('!', '~');
  } else if (name == "lower") {
    c.Add('a', 'z');
  } else if (name == "print") {
    c.Add(' ', '~');
  } else if (name == "punct") {
    c.Add('!', '/'), c.Add(':', '@'), c.Add('[', '`'), c.Add('{', '~');
  } else if (name == "space") {
    c.Add('\t', '\r'), c.Add(' ', ' ');
  } else if (name == "upper") {
    c.Add('A', 'Z');
  } else if (name == "word") {
    c.Add('0', '9'), c.Add('A', 'Z'), c.Add('a', 'z'), c.Add('_', '_');
  } else if (name == "xdigit") {
    c.Add('0', '9'), c.Add('A', 'F'), c.Add('a', 'f');
  } else {
    return false;
  }
  if (negate) c.Negate();
  cls->Add(c);
  return true;
}

// ---------------------------------------------------------------------------
// Syntax tree

enum AssertFlag : uint32_t {
  kBeginLine = 1,
  kEndLine = 2,
  kBeginText = 4,
  kEndText = 8,
  kWordBoundary = 16,
  kNotWordBoundary = 32,
};

enum class Kind : uint8_t {
  kEmpty,
  kChar,       // value = code point
  kClass,      // ranges
  kAny,        // any character
  kAnyNotNL,   // any character but \n
  kAssert,     // value = AssertFlag
  kConcat,     // children
  kAlternate,  // children, in priority order
  kRepeat,     // children[0]; min, max (-1 = no limit), greedy
  kCapture,    // children[0]; value = group number
};

struct Node {
  Kind kind = Kind::kEmpty;
  bool greedy = true;
  uint32_t value = 0;
  int min = 0;
  int max = 0;
  std::vector<Range> ranges;
  std::vector<int> children;
};

// Parse flags, changed by (?imsU) until the end of the enclosing group.
enum Flag : uint32_t {
  kFoldCase = 1,
  kMultiLine = 2,
  kDotNL = 4,
  kUngreedy = 8,
};

// ---------------------------------------------------------------------------
// Parser

class Parser {
 public:
  Parser(std::string_view pattern, uint32_t flags, std::vector<Node>* nodes,
         std::vector<std::string>* names)
      : p_(pattern), flags_(flags), nodes_(*nodes), names_(*names) {}

  // Parses the whole pattern into *root; false with error() set on error.
  bool Parse(int* root) {
    if (!ParseAlternation(0, root)) return false;
    if (pos_ < p_.size()) return Fail("unmatched ) at offset", pos_);
    return true;
  }

  const CompileError& error() const { return error_; }

 private:
  // Records "<what> <offset>" (what usually ends in "at offset").
  bool Fail(std::string_view what, size_t byte_pos,
            std::string_view after = {}) {
    error_.offset = CodePointOffset(p_, byte_pos);
    error_.message = std::string(what) + " " + std::to_string(error_.offset);
    error_.message += after;
    return false;
  }

  int NewNode(Kind kind) {
    nodes_.emplace_back();
    nodes_.back().kind = kind;
    return static_cast<int>(nodes_.size()) - 1;
  }

  bool More() const { return pos_ < p_.size(); }
  char Peek() const { return p_[pos_]; }
  bool LookingAt(std::string_view s) const {
    return p_.substr(pos_, s.size()) == s;
  }

  // Reads the UTF-8 character at pos_ (advancing); false on invalid UTF-8.
  bool NextChar(uint32_t* c) {
    size_t width;
    *c = DecodeUtf8(p_, pos_, &width);
    if (*c == kReplacementChar &&
        p_.substr(pos_, 3) != std::string_view("\xEF\xBF\xBD", 3)) {
      return Fail("invalid UTF-8 at offset", pos_);
    }
    pos_ += width;
    return true;
  }

  bool ParseAlternation(int depth, int* out) {
    std::vector<int> branches;
    while (true) {
      int branch;
      if (!ParseConcat(depth, &branch)) return false;
      branches.push_back(branch);
      if (More() && Peek() == '|') {
        ++pos_;
        continue;
      }
      break;
    }
    if (branches.size() == 1) {
      *out = branches[0];
    } else {
      *out = NewNode(Kind::kAlternate);
      nodes_[*out].children = std::move(branches);
    }
    return true;
  }

  bool ParseConcat(int depth, int* out) {
    std::vector<int> items;
    while (More() && Peek() != '|' && Peek() != ')') {
      size_t at = pos_;
      int min, max;
      if (Peek() == '*' || Peek() == '+' || Peek() == '?' ||
          (Peek() == '{' && ScanRepeat(&min, &max, nullptr))) {
        if (!ok_) return false;
        return Fail("nothing to repeat at offset", at);
      }
      if (!ok_) return false;
      int atom = -1;
      if (LookingAt("\\Q")) {
        // \Q...\E: literal text up to \E or the end of the pattern. A
        // quantifier after it applies to the last character, as in Perl.
        pos_ += 2;
        size_t end = p_.find("\\E", pos_);
        if (end == std::string_view::npos) end = p_.size();
        while (pos_ < end) {
          uint32_t ch;
          if (!NextChar(&ch)) return false;
          if (atom >= 0) items.push_back(atom);
          atom = CharNode(ch);
        }
        pos_ = std::min(end + 2, p_.size());
      } else if (!ParseAtom(depth, &atom)) {
        return false;
      }
      if (atom < 0) continue;  // a flags group such as (?i)
      if (!ParseQuantifiers(&atom)) return false;
      items.push_back(atom);
    }
    if (items.size() == 1) {
      *out = items[0];
    } else if (items.empty()) {
      *out = NewNode(Kind::kEmpty);
    } else {
      *out = NewNode(Kind::kConcat);
      nodes_[*out].children = std::move(items);
    }
    return true;
  }

  // If a repeat {n}, {n,} or {n,m} starts at pos_, sets min/max (max -1 =
  // no limit), the end offset in *end, and returns true; anything else that
  // starts with { is a literal {, as in RE2. A count above kMaxRepeat or a
  // min above max is an error (ok_ = false, returns false).
  bool ScanRepeat(int* min, int* max, size_t* end) {
    size_t i = pos_ + 1;
    auto number = [&](int* value) {
      size_t start = i;
      long v = 0;
      while (i < p_.size() && IsDigit(p_[i])) {
        if (v <= Regex::kMaxRepeat) v = v * 10 + (p_[i] - '0');
        ++i;
      }
      *value = static_cast<int>(std::min<long>(v, Regex::kMaxRepeat + 1));
      return i > start;
    };
    if (!number(min)) return false;
    if (i < p_.size() && p_[i] == ',') {
      ++i;
      if (i < p_.size() && IsDigit(p_[i])) {
        if (!number(max)) return false;
      } else {
        *max = -1;
      }
    } else {
      *max = *min;
    }
    if (i >= p_.size() || p_[i] != '}') return false;
    ++i;
    if (*min > Regex::kMaxRepeat || *max > Regex::kMaxRepeat) {
      ok_ = Fail("repeat count above 1000 at offset", pos_);
      return false;
    }
    if (*max >= 0 && *min > *max) {
      ok_ = Fail("invalid repeat " + std::string(p_.substr(pos_, i - pos_)) +
                     " at offset",
                 pos_, ": minimum above maximum");
      return false;
    }
    if (end) *end = i;
    return true;
  }

  // Reads a quantifier at pos_ if there is one: true and its bounds.
  bool ScanQuantifier(int* min, int* max, size_t* end) {
    if (!More()) return false;
    switch (Peek()) {
      case '*':
        *min = 0, *max = -1, *end = pos_ + 1;
        return true;
      case '+':
        *min = 1, *max = -1, *end = pos_ + 1;
        return true;
      case '?':
        *min = 0, *max = 1, *end = pos_ + 1;
        return true;
      case '{':
        return ScanRepeat(min, max, end);
      default:
        return false;
    }
  }

  bool ParseQuantifiers(int* atom) {
    int min, max;
    size_t end;
    size_t at = pos_;
    if (!ScanQuantifier(&min, &max, &end)) return ok_;
    pos_ = end;
    bool greedy = true;
    if (More() && Peek() == '?') {
      greedy = false;
      ++pos_;
    }
    bool lazy_mark = !greedy;
    if (flags_ & kUngreedy) greedy = !greedy;
    if (More()) {
      int min2, max2;
      size_t end2;
      size_t next = pos_;
      if (Peek() == '+' && !lazy_mark) {
        return Fail("possessive quantifier " +
                        std::string(p_.substr(at, next + 1 - at)) +
                        " is not supported at offset",
                    at);
      }
      if (ScanQuantifier(&min2, &max2, &end2)) {
        return Fail("multiple quantifiers " +
                        std::string(p_.substr(at, end2 - at)) + " at offset",
                    at, " (group the first with (?:...) to repeat it)");
      }
      if (!ok_) return false;
    }
    int node = NewNode(Kind::kRepeat);
    nodes_[node].min = min;
    nodes_[node].max = max;
    nodes_[node].greedy = greedy;
    nodes_[node].children.push_back(*atom);
    *atom = node;
    return true;
  }

  // Parses one atom at pos_ into *out; *out stays -1 for a flags group.
  bool ParseAtom(int depth, int* out) {
    char c = Peek();
    switch (c) {
      case '(':
        return ParseGroup(depth, out);
      case '[':
        return ParseClass(out);
      case '.':
        ++pos_;
        *out = NewNode((flags_ & kDotNL) ? Kind::kAny : Kind::kAnyNotNL);
        return true;
      case '^':
        ++pos_;
        *out = NewNode(Kind::kAssert);
        nodes_[*out].value = (flags_ & kMultiLine) ? kBeginLine : kBeginText;
        return true;
      case '$':
        ++pos_;
        *out = NewNode(Kind::kAssert);
        nodes_[*out].value = (flags_ & kMultiLine) ? kEndLine : kEndText;
        return true;
      case '\\':
        return ParseEscapeAtom(out);
      default: {
        uint32_t ch;
        if (!NextChar(&ch)) return false;
        *out = CharNode(ch);
        return true;
      }
    }
  }

  // A literal character, folded into a class under (?i).
  int CharNode(uint32_t c) {
    if (flags_ & kFoldCase) {
      CharClass cls;
      cls.Add(c, c);
      cls.FoldCase();
      if (cls.ranges().size() > 1 || cls.ranges()[0].first != c ||
          cls.ranges()[0].second != c) {
        return ClassNode(cls);
      }
    }
    int n = NewNode(Kind::kChar);
    nodes_[n].value = c;
    return n;
  }

  int ClassNode(const CharClass& cls) {
    int n = NewNode(Kind::kClass);
    nodes_[n].ranges = cls.ranges();
    return n;
  }

  bool ParseGroup(int depth, int* out) {
    size_t open = pos_;
    ++pos_;  // (
    int capture = -1;
    uint32_t saved_flags = flags_;
    if (More() && Peek() == '?') {
      // Extensions: name the unsupported ones rather than "syntax error".
      struct Unsupported {
        std::string_view syntax, name;
      };
      static constexpr Unsupported kUnsupported[] = {
          {"(?<=", "lookbehind"},        {"(?<!", "negative lookbehind"},
          {"(?=", "lookahead"},          {"(?!", "negative lookahead"},
          {"(?>", "atomic group"},       {"(?P=", "named backreference"},
          {"(?P>", "recursion"},         {"(?R", "recursion"},
          {"(?&", "recursion"},          {"(?#", "comment group"},
          {"(?|", "branch reset group"}, {"(?(", "conditional group"},
      };
      pos_ = open;
      for (const Unsupported& u : kUnsupported) {
        if (LookingAt(u.syntax)) {
          return Fail(std::string(u.name) + " " + std::string(u.syntax) +
                          " is not supported at offset",
                      open);
        }
      }
      if (LookingAt("(?P<") || LookingAt("(?<")) {
        pos_ += LookingAt("(?P<") ? 4 : 3;
        size_t name_start = pos_;
        size_t close = p_.find('>', pos_);
        if (close == std::string_view::npos) {
          return Fail("missing > after the group name at offset", open);
        }
        std::string name(p_.substr(name_start, close - name_start));
        if (!ValidName(name)) {
          return Fail("invalid group name <" + name + "> at offset", open,
                      ": use letters, digits and _, not starting with a "
                      "digit");
        }
        for (const std::string& existing : names_) {
          if (existing == name) {
            return Fail("duplicate group name <" + name + "> at offset", open);
          }
        }
        pos_ = close + 1;
        capture = static_cast<int>(names_.size());
        names_.push_back(std::move(name));
      } else if (LookingAt("(?:")) {
        pos_ += 3;
      } else {
        pos_ = open + 2;
        // Flags: (?flags) or (?flags:...), flags = [imsU]* [- [imsU]+]
        bool negate = false, any = false, any_after_minus = false;
        while (true) {
          if (!More()) {
            return Fail("missing ) for the flags group opened at offset", open);
          }
          char f = Peek();
          uint32_t bit = 0;
          switch (f) {
            case 'i':
              bit = kFoldCase;
              break;
            case 'm':
              bit = kMultiLine;
              break;
            case 's':
              bit = kDotNL;
              break;
            case 'U':
              bit = kUngreedy;
              break;
            case '-':
              if (negate) {
                return Fail("second - in the flags group at offset", pos_);
              }
              negate = true;
              ++pos_;
              continue;
            case ')':
            case ':':
              break;
            default: {
              uint32_t ch;
              size_t at = pos_;
              if (!NextChar(&ch)) return false;
              std::string shown;
              AppendUtf8(ch, &shown);
              return Fail("unsupported flag " + shown + " at offset", at,
                          " (supported: i, m, s, U)");
            }
          }
          if (f == ')' || f == ':') {
            if (!any || (negate && !any_after_minus)) {
              return Fail("missing flag in the flags group at offset", open);
            }
            ++pos_;
            if (f == ')') return true;  // applies to the rest of this group
            break;
          }
          any = true;
          if (negate) any_after_minus = true;
          flags_ = negate ? (flags_ & ~bit) : (flags_ | bit);
          ++pos_;
        }
      }
    } else {
      capture = static_cast<int>(names_.size());
      names_.emplace_back();
    }
    if (depth + 1 > Regex::kMaxNesting) {
      return Fail("groups nested more than 200 deep at offset", open);
    }
    int inner;
    if (!ParseAlternation(depth + 1, &inner)) return false;
    if (!More()) {
      return Fail("missing ) for the group opened at offset", open);
    }
    ++pos_;  // )
    flags_ = saved_flags;
    if (capture < 0) {
      *out = inner;
    } else {
      *out = NewNode(Kind::kCapture);
      nodes_[*out].value = static_cast<uint32_t>(capture);
      nodes_[*out].children.push_back(inner);
    }
    return true;
  }

  static bool ValidName(std::string_view name) {
    if (name.empty() || IsDigit(name[0])) return false;
    for (char c : name) {
      if (!IsWordByte(static_cast<uint8_t>(c))) return false;
    }
    return true;
  }

  // The result of one escape sequence.
  struct Escape {
    enum Type { kChar, kClass, kAssert } type = kChar;
    uint32_t value = 0;  // kChar: code point, kAssert: flag
    CharClass cls;       // kClass
  };

  // Parses the escape at pos_ (a backslash).
  bool ParseEscape(bool in_class, Escape* e) {
    size_t at = pos_;
    ++pos_;
    if (!More()) return Fail("trailing \\ at offset", at);
    char c = Peek();
    if (static_cast<uint8_t>(c) >= 0x80) {
      uint32_t ch;
      if (!NextChar(&ch)) return false;
      std::string shown = "\\";
      AppendUtf8(ch, &shown);
      return Fail("invalid escape " + shown + " at offset", at);
    }
    ++pos_;
    e->type = Escape::kChar;
    auto invalid_here = [&](std::string_view why) {
      return Fail("invalid escape \\" + std::string(1, c) + " at offset", at,
                  why);
    };
    switch (c) {
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
      case '8':
      case '9': {
        size_t end = pos_;
        while (end < p_.size() && IsDigit(p_[end])) ++end;
        return Fail("backreference \\" +
                        std::string(p_.substr(at + 1, end - at - 1)) +
                        " is not supported at offset",
                    at);
      }
      case '0': {  // \0, \0NN: octal
        uint32_t v = 0;
        for (int i = 0; i < 2 && More() && Peek() >= '0' && Peek() <= '7';
             ++i) {
          v = v * 8 + (Peek() - '0');
          ++pos_;
        }
        e->value = v;
        return true;
      }
      case 'a':
        e->value = 7;
        return true;
      case 'f':
        e->value = '\f';
        return true;
      case 't':
        e->value = '\t';
        return true;
      case 'n':
        e->value = '\n';
        return true;
      case 'r':
        e->value = '\r';
        return true;
      case 'v':
        e->value = '\v';
        return true;
      case 'e':
        e->value = 0x1B;
        return true;
      case 'x':
      case 'u':
        return ParseHexEscape(c, at, e);
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
        e->type = Escape::kClass;
        AddPerlClass(c, &e->cls);
        return true;
      case 'b':
      case 'B':
      case 'A':
      case 'z':
        if (in_class) return invalid_here(" inside a character class");
        e->type = Escape::kAssert;
        e->value = c == 'b'   ? kWordBoundary
                   : c == 'B' ? kNotWordBoundary
                   : c == 'A' ? kBeginText
                              : kEndText;
        return true;
      case 'Q':  // \Q...\E outside a class is parsed by ParseConcat
        return invalid_here(" inside a character class");
      case 'k':
        return Fail("named backreference \\k is not supported at offset", at);
      case 'g':
        return Fail("backreference \\g is not supported at offset", at);
      case 'p':
      case 'P':
        return Fail("Unicode class \\" + std::string(1, c) +
                        " is not supported at offset",
                    at, " (write the ranges in [...] instead)");
      case 'Z':
        return Fail("\\Z is not supported at offset", at,
                    " (use \\z for the end of the text)");
      default:
        if (!(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z') &&
            !(c >= 'a' && c <= 'z')) {
          e->value = static_cast<uint8_t>(c);  // escaped punctuation
          return true;
        }
        return invalid_here("");
    }
  }

  // \xHH, \x{H...}, \uHHHH.
  bool ParseHexEscape(char kind, size_t at, Escape* e) {
    uint32_t v = 0;
    int digits = 0;
    bool braced = kind == 'x' && More() && Peek() == '{';
    if (braced) {
      ++pos_;
      while (More() && Peek() != '}') {
        int h = HexValue(Peek());
        if (h < 0 || digits >= 8) break;
        v = v * 16 + static_cast<uint32_t>(h);
        ++digits;
        ++pos_;
      }
      if (!More() || Peek() != '}' || digits == 0) {
        return Fail("invalid \\x{...} escape at offset", at);
      }
      ++pos_;
    } else {
      int want = kind == 'x' ? 2 : 4;
      for (; digits < want; ++digits) {
        if (!More() || HexValue(Peek()) < 0) {
          return Fail(std::string("invalid \\") + kind + " escape at offset",
                      at,
                      kind == 'x' ? ": expected 2 hex digits or {...}"
                                  : ": expected 4 hex digits");
        }
        v = v * 16 + static_cast<uint32_t>(HexValue(Peek()));
        ++pos_;
      }
    }
    if (v > kMaxCodePoint || (v >= 0xD800 && v <= 0xDFFF)) {
      return Fail("invalid code point in escape at offset", at);
    }
    e->value = v;
    return true;
  }

  bool ParseEscapeAtom(int* out) {
    Escape e;
    if (!ParseEscape(false, &e)) return false;
    switch (e.type) {
      case Escape::kChar:
        *out = CharNode(e.value);
        return true;
      case Escape::kClass:
        if (flags_ & kFoldCase) e.cls.FoldCase();
        e.cls.Canonicalize();
        *out = ClassNode(e.cls);
        return true;
      case Escape::kAssert:
        *out = NewNode(Kind::kAssert);
        nodes_[*out].value = e.value;
        return true;
    }
    return true;
  }

  bool ParseClass(int* out) {
    size_t open = pos_;
    ++pos_;  // [
    bool negate = false;
    if (More() && Peek() == '^') {
      negate = true;
      ++pos_;
    }
    CharClass cls;
    bool first = true;
    while (true) {
      if (!More()) {
        return Fail("missing ] for the character class opened at offset", open);
      }
      if (Peek() == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      if (LookingAt("[:")) {
        size_t close = p_.find(":]", pos_ + 2);
        if (close != std::string_view::npos) {
          std::string_view name = p_.substr(pos_ + 2, close - pos_ - 2);
          bool neg = !name.empty() && name[0] == '^';
          if (neg) name.remove_prefix(1);
          if (!AddPosixClass(name, neg, &cls)) {
            return Fail("invalid POSIX class " +
                            std::string(p_.substr(pos_, close + 2 - pos_)) +
                            " at offset",
                        pos_);
          }
          pos_ = close + 2;
          continue;
        }
      }
      size_t item = pos_;
      uint32_t lo = 0;
      bool is_class = false;
      if (!ClassItem(&lo, &cls, &is_class)) return false;
      if (is_class) continue;
      if (pos_ + 1 < p_.size() && Peek() == '-' && p_[pos_ + 1] != ']') {
        ++pos_;
        uint32_t hi;
        if (!ClassItem(&hi, &cls, &is_class)) return false;
        if (is_class) {
          return Fail("invalid character class range " +
                          std::string(p_.substr(item, pos_ - item)) +
                          " at offset",
                      item);
        }
        if (hi < lo) {
          return Fail("invalid character class range " +
                          std::string(p_.substr(item, pos_ - item)) +
                          " at offset",
                      item, ": start above end");
        }
        cls.Add(lo, hi);
      } else {
        cls.Add(lo, lo);
      }
    }
    if (flags_ & kFoldCase) cls.FoldCase();
    if (negate) cls.Negate();
    cls.Canonicalize();
    *out = ClassNode(cls);
    return true;
  }

  // One member of a class: a character (*c) or, for \d and the like, a
  // class added to *cls (*is_class).
  bool ClassItem(uint32_t* c, CharClass* cls, bool* is_class) {
    *is_class = false;
    if (Peek() == '\\') {
      Escape e;
      if (!ParseEscape(true, &e)) return false;
      if (e.type == Escape::kClass) {
        cls->Add(e.cls);
        *is_class = true;
        return true;
      }
      *c = e.value;
      return true;
    }
    return NextChar(c);
  }

  std::string_view p_;
  size_t pos_ = 0;
  uint32_t flags_;
  bool ok_ = true;  // false once ScanRepeat reported an error
  std::vector<Node>& nodes_;
  std::vector<std::string>& names_;
  CompileError error_;
};

// ---------------------------------------------------------------------------
// Program

enum Op : uint8_t {
  kChar,      // x = code point
  kRanges,    // ranges_[x, x + y), ascii_bits_[2 z, 2 z + 2)
  kAnyChar,   // any character
  kAnyNotNL,  // any character but \n
  kSplit,     // try x, then y
  kJmp,       // x
  kSave,      // record the position in slot x
  kAssert,    // x = AssertFlag
  kMatch,
  kFail,
};

}  // namespace

// Emits the program of a syntax tree into a Regex.
class Compiler {
 public:
  Compiler(const std::vector<Node>& nodes, const Options& options, Regex* re)
      : nodes_(nodes), options_(options), re_(*re) {
    range_cache_.assign(nodes.size(), -1);
  }

  bool Compile(int root, CompileError* error) {
    Emit(Regex::Inst{kSave, 0, 0});
    EmitNode(root);
    Emit(Regex::Inst{kSave, 1, 0});
    Emit(Regex::Inst{kMatch, 0, 0});
    if (too_large_) {
      error->offset = 0;
      error->message = "pattern too large: the compiled program exceeds " +
                       std::to_string(options_.max_program_size) +
                       " instructions (make repeat counts smaller)";
      return false;
    }
    return true;
  }

 private:
  uint32_t Emit(Regex::Inst inst) {
    if (re_.prog_.size() >= static_cast<size_t>(options_.max_program_size)) {
      too_large_ = true;
      return 0;
    }
    re_.prog_.push_back(inst);
    return static_cast<uint32_t>(re_.prog_.size() - 1);
  }
  uint32_t Here() const { return static_cast<uint32_t>(re_.prog_.size()); }
  void SetX(uint32_t pc, uint32_t x) {
    if (!too_large_) re_.prog_[pc].x = x;
  }
  void SetY(uint32_t pc, uint32_t y) {
    if (!too_large_) re_.prog_[pc].y = y;
  }

  void EmitClass(int n) {
    const std::vector<Range>& ranges = nodes_[n].ranges;
    if (ranges.empty()) {
      Emit(Regex::Inst{kFail, 0, 0});
      return;
    }
    if (ranges.size() == 1 && ranges[0].first == ranges[0].second) {
      Emit(Regex::Inst{kChar, ranges[0].first, 0});
      return;
    }
    if (ranges.size() == 1 && ranges[0].first == 0 &&
        ranges[0].second == kMaxCodePoint) {
      Emit(Regex::Inst{kAnyChar, 0, 0});
      return;
    }
    if (ranges.size() == 2 && ranges[0] == Range(0, '\n' - 1) &&
        ranges[1] == Range('\n' + 1, kMaxCodePoint)) {
      Emit(Regex::Inst{kAnyNotNL, 0, 0});
      return;
    }
    // Classes under a repeat are emitted many times: share the ranges.
    if (range_cache_[n] < 0) {
      range_cache_[n] = static_cast<int>(re_.ascii_bits_.size() / 2);
      uint64_t bits[2] = {0, 0};
      for (const Range& r : ranges) {
        for (uint32_t c = r.first; c <= r.second && c < 128; ++c) {
          bits[c >> 6] |= uint64_t{1} << (c & 63);
        }
      }
      re_.ascii_bits_.push_back(bits[0]);
      re_.ascii_bits_.push_back(bits[1]);
      range_offset_.push_back(static_cast<uint32_t>(re_.ranges_.size()));
      re_.ranges_.insert(re_.ranges_.end(), ranges.begin(), ranges.end());
    }
    uint32_t index = static_cast<uint32_t>(range_cache_[n]);
    Regex::Inst inst{kRanges, range_offset_[index],
                     static_cast<uint32_t>(ranges.size())};
    uint32_t pc = Emit(inst);
    if (!too_large_) re_.prog_[pc].z = index;
  }

  void EmitNode(int n) {
    if (too_large_) return;
    const Node& node = nodes_[n];
    switch (node.kind) {
      case Kind::kEmpty:
        return;
      case Kind::kChar:
        Emit(Regex::Inst{kChar, node.value, 0});
        return;
      case Kind::kClass:
        EmitClass(n);
        return;
      case Kind::kAny:
        Emit(Regex::Inst{kAnyChar, 0, 0});
        return;
      case Kind::kAnyNotNL:
        Emit(Regex::Inst{kAnyNotNL, 0, 0});
        return;
      case Kind::kAssert:
        Emit(Regex::Inst{kAssert, node.value, 0});
        return;
      case Kind::kConcat:
        for (int child : node.children) EmitNode(child);
        return;
      case Kind::kCapture:
        Emit(Regex::Inst{kSave, 2 * node.value, 0});
        EmitNode(node.children[0]);
        Emit(Regex::Inst{kSave, 2 * node.value + 1, 0});
        return;
      case Kind::kAlternate: {
        //     split L1, L2
        // L1: <a>; jmp end
        // L2: split L3, L4 ... last: <z>
        std::vector<uint32_t> jumps;
        for (size_t i = 0; i < node.children.size(); ++i) {
          if (i + 1 < node.children.size()) {
            uint32_t split = Emit(Regex::Inst{kSplit, 0, 0});
            SetX(split, Here());
            EmitNode(node.children[i]);
            jumps.push_back(Emit(Regex::Inst{kJmp, 0, 0}));
            SetY(split, Here());
          } else {
            EmitNode(node.children[i]);
          }
        }
        for (uint32_t j : jumps) SetX(j, Here());
        return;
      }
      case Kind::kRepeat:
        EmitRepeat(node);
        return;
    }
  }

  // Splits prefer x: a greedy loop tries the body first, a lazy one the exit.
  void SetSplit(uint32_t pc, uint32_t body, uint32_t exit, bool greedy) {
    SetX(pc, greedy ? body : exit);
    SetY(pc, greedy ? exit : body);
  }

  void EmitRepeat(const Node& node) {
    int child = node.children[0];
    int min = node.min;
    int max = node.max;
    if (max < 0) {
      if (min == 0) {
        // L: split body, out; body; jmp L; out:
        uint32_t loop = Emit(Regex::Inst{kSplit, 0, 0});
        EmitNode(child);
        uint32_t jmp = Emit(Regex::Inst{kJmp, loop, 0});
        (void)jmp;
        SetSplit(loop, loop + 1, Here(), node.greedy);
        return;
      }
      // x{n,} = x^(n-1) x+, where x+ = L: body; split L, out
      for (int i = 0; i < min - 1 && !too_large_; ++i) EmitNode(child);
      uint32_t body = Here();
      EmitNode(child);
      uint32_t split = Emit(Regex::Inst{kSplit, 0, 0});
      SetSplit(split, body, Here(), node.greedy);
      return;
    }
    for (int i = 0; i < min && !too_large_; ++i) EmitNode(child);
    // x{0,k}: split body, end; body; split body2, end; body2 ... end:
    std::vector<uint32_t> splits;
    for (int i = min; i < max && !too_large_; ++i) {
      splits.push_back(Emit(Regex::Inst{kSplit, 0, 0}));
      EmitNode(child);
    }
    for (uint32_t s : splits) SetSplit(s, s + 1, Here(), node.greedy);
  }

  const std::vector<Node>& nodes_;
  const Options& options_;
  Regex& re_;
  std::vector<int> range_cache_;        // node -> ascii_bits_ index / 2
  std::vector<uint32_t> range_offset_;  // that index -> ranges_ offset
  bool too_large_ = false;
};

// ---------------------------------------------------------------------------
// Matching

struct Regex::Scratch {
  // A sparse set of instructions (threads in priority order) with each
  // thread's capture slots.
  struct Queue {
    std::vector<uint32_t> sparse_storage;
    std::vector<uint32_t> dense_storage;
    std::vector<size_t> caps_storage;  // pc * ncap
    // The storage's data, cached: the hot loops would reload it otherwise.
    uint32_t* sparse = nullptr;
    uint32_t* dense = nullptr;
    size_t* caps = nullptr;
    uint32_t size = 0;

    void Init(size_t prog_size, size_t ncap) {
      if (sparse_storage.size() != prog_size) {
        sparse_storage.assign(prog_size, 0);
        dense_storage.assign(prog_size, 0);
      }
      if (caps_storage.size() < prog_size * ncap) {
        caps_storage.resize(prog_size * ncap);
      }
      sparse = sparse_storage.data();
      dense = dense_storage.data();
      caps = caps_storage.data();
      size = 0;
    }
    bool Contains(uint32_t pc) const {
      uint32_t i = sparse[pc];
      return i < size && dense[i] == pc;
    }
    void Insert(uint32_t pc) {
      sparse[pc] = size;
      dense[size++] = pc;
    }
  };
  // An entry of AddThread's explicit stack: visit `pc`, or (restore) put
  // `value` back into capture slot `pc`.
  struct Entry {
    uint32_t pc;
    bool restore;
    size_t value;
  };

  Queue queues[2];
  std::vector<Entry> stack;
  std::vector<size_t> tmp;        // the capture slots being followed
  std::vector<size_t> best;       // the slots of the best match so far
  std::vector<size_t> fresh;      // all unset, for new threads
  std::unique_ptr<Dfa> dfa;       // for Search
  std::unique_ptr<Dfa> line_dfa;  // for FindLine
  bool dfa_failed = false;
};

namespace {

// Whether the kRanges instruction `inst` matches code point c.
inline bool InRanges(const Regex::Inst& inst, uint32_t c,
                     const uint64_t* ascii_bits, const Range* ranges) {
  if (c < 128) return (ascii_bits[2 * inst.z + (c >> 6)] >> (c & 63)) & 1;
  const Range* r = ranges + inst.x;
  const Range* r_end = r + inst.y;
  // Binary search: classes can be long once case-folded.
  const Range* it = std::upper_bound(
      r, r_end, c, [](uint32_t v, const Range& x) { return v < x.first; });
  return it != r && c <= (it - 1)->second;
}

}  // namespace

// A lazily built DFA that answers "does the text contain a match?" in a
// constant number of steps per character. A state is the set of
// instructions the NFA would be about to follow at a position (before the
// empty-width closure) plus what the assertions need to know about the
// previous character; the closure is taken when the next character is known
// (for $ and \b), so a transition is keyed by (state, next character), where
// code points in one class behave the same for every instruction. Each
// state's row has one entry per ASCII byte (filled a class at a time), one
// per class for other characters, and one for the end of the text.
// Unanchored: the start instruction joins every state. A transition is
// computed from the program the first time it is needed and cached; the
// cache is bounded (Options::max_dfa_memory), and when it fills the DFA
// gives up and the Pike VM answers alone.
//
// In line mode (Regex::FindLine) the rows' \n and \r entries hold sentinels
// instead, so the hot loop notices line ends without testing every byte.
// States are numbered by their row's offset in the table, which saves a
// multiplication per character.
struct Regex::Dfa {
  static constexpr int32_t kUnknownState = -1;  // not computed (or no room)
  static constexpr int32_t kMatchState = -2;    // a match ends before here
  static constexpr int32_t kNoMatchState = -3;  // end of text: no match
  static constexpr int32_t kDeadState = -4;     // no match can follow
  static constexpr int32_t kNewlineState = -5;  // line mode: \n
  static constexpr int32_t kReturnState = -6;   // line mode: \r
  static constexpr uint8_t kCtxBeginText = 1;
  static constexpr uint8_t kCtxBeginLine = 2;
  static constexpr uint8_t kCtxPrevWord = 4;
  static constexpr size_t kMaxClasses = 1 << 16;  // bmp_class is 16-bit

  Dfa(const Regex& regex, bool line_mode) : re(regex), lines(line_mode) {
    // Class boundaries: every range edge of the program, plus what the
    // assertions and line mode distinguish (\n, \r, word characters).
    std::vector<uint32_t> b = {
        0,   kMaxCodePoint + 1, '\n', '\n' + 1, '\r', '\r' + 1, '0', '9' + 1,
        'A', 'Z' + 1,           '_',  '_' + 1,  'a',  'z' + 1};
    for (const Inst& inst : re.prog_) {
      if (inst.op == kChar) {
        b.push_back(inst.x);
        b.push_back(inst.x + 1);
      } else if (inst.op == kRanges) {
        for (uint32_t i = 0; i < inst.y; ++i) {
          b.push_back(re.ranges_[inst.x + i].first);
          b.push_back(re.ranges_[inst.x + i].second + 1);
        }
      }
    }
    std::sort(b.begin(), b.end());
    b.erase(std::unique(b.begin(), b.end()), b.end());
    bounds = std::move(b);
    usable = bounds.size() < kMaxClasses;
    size_t classes = bounds.size() - 1;
    eot = static_cast<uint32_t>(128 + classes);
    // An even stride keeps offsets even: Run tags transitions into a
    // restart state (see there) with bit 0.
    stride = (eot + 2) & ~1u;
    for (uint32_t c = 0; c < 128; ++c) ascii_class[c] = ClassOf(c);
    mark.assign(re.prog_.size(), 0);
    for (int32_t& st : start_states) st = kUnknownState;
    if (lines && re.use_first_bytes_) {
      // Worth skipping to: up to 4 bytes, none of them frequent in text
      // and code (lower-case letters, digits, blanks, common punctuation).
      int count = 0;
      bool common = false;
      for (uint32_t byte = 0; byte < 256; ++byte) {
        if (!(re.first_bytes_[byte >> 6] & (uint64_t{1} << (byte & 63)))) {
          continue;
        }
        first_byte_set[byte] = true;
        single_first_byte = static_cast<int>(byte);
        ++count;
        if ((byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') ||
            std::strchr(" \t\n\r()[]{};,.=_-+*/:<>\"'",
                        static_cast<int>(byte))) {
          common = true;
        }
      }
      rare_first_bytes = count > 0 && count <= 4 && !common;
      if (count != 1) single_first_byte = -1;
    }
  }

  // The next position at or after pos holding one of the first bytes, or
  // npos.
  size_t NextFirstByte(std::string_view text, size_t pos) const {
    if (single_first_byte >= 0) {
      const void* hit = pos < text.size()
                            ? std::memchr(text.data() + pos, single_first_byte,
                                          text.size() - pos)
                            : nullptr;
      return hit ? static_cast<size_t>(static_cast<const char*>(hit) -
                                       text.data())
                 : std::string_view::npos;
    }
    const uint8_t* data = reinterpret_cast<const uint8_t*>(text.data());
    for (size_t i = pos; i < text.size(); ++i) {
      if (first_byte_set[data[i]]) return i;
    }
    return std::string_view::npos;
  }

  uint32_t ClassOf(uint32_t c) const {
    return static_cast<uint32_t>(
        std::upper_bound(bounds.begin(), bounds.end(), c) - bounds.begin() - 1);
  }

  // The row entry of the character at p (a byte >= 0x80 starts it) and
  // its width in bytes, as entry | width << 24. Two- and three-byte
  // characters are decoded inline, the rest (and invalid bytes, each one
  // U+FFFD) by DecodeUtf8.
  inline uint32_t NonAsciiEntry(const uint8_t* p, const uint8_t* end) {
    uint32_t b0 = p[0];
    uint32_t c, width;
    if (b0 >= 0xC2 && b0 <= 0xDF && end - p >= 2 && (p[1] & 0xC0) == 0x80) {
      c = ((b0 & 0x1F) << 6) | (p[1] & 0x3F);
      width = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF && end - p >= 3 &&
               (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
               (c = ((b0 & 0x0F) << 12) | ((p[1] & 0x3F) << 6) |
                    (p[2] & 0x3F)) >= 0x800 &&
               (c < 0xD800 || c > 0xDFFF)) {
      width = 3;
    } else {
      return SlowEntry(p, end);
    }
    if (bmp_class.empty()) BuildBmpClasses();
    return (128 + bmp_class[c - 0x80]) | width << 24;
  }

  uint32_t SlowEntry(const uint8_t* p, const uint8_t* end) {
    size_t width;
    std::string_view rest(reinterpret_cast<const char*>(p),
                          static_cast<size_t>(end - p));
    uint32_t c = DecodeUtf8(rest, 0, &width);
    return (128 + ClassOf(c)) | static_cast<uint32_t>(width) << 24;
  }

  // Classes of U+0080..U+FFFF, built when the first such character comes:
  // 128 KiB that spare a binary search per character.
  void BuildBmpClasses() {
    bmp_class.resize(0x10000 - 0x80);
    for (size_t k = 0; k + 1 < bounds.size() && bounds[k] < 0x10000; ++k) {
      uint32_t lo = std::max<uint32_t>(bounds[k], 0x80);
      uint32_t hi = std::min<uint32_t>(bounds[k + 1], 0x10000);
      for (uint32_t x = lo; x < hi; ++x) {
        bmp_class[x - 0x80] = static_cast<uint16_t>(k);
      }
    }
  }

  // The state for (ctx, pcs): existing or new; kUnknownState when full.
  int32_t State(uint8_t ctx, std::vector<uint32_t>* pcs) {
    std::sort(pcs->begin(), pcs->end());
    pcs->erase(std::unique(pcs->begin(), pcs->end()), pcs->end());
    std::string key(1, static_cast<char>(ctx));
    key.append(reinterpret_cast<const char*>(pcs->data()),
               pcs->size() * sizeof(uint32_t));
    auto it = index.find(key);
    if (it != index.end()) return it->second;
    // Memory: the rows, the keys (twice: vector and index) and some
    // overhead per state.
    size_t bytes = (keys.size() + 1) * (stride * sizeof(int32_t) + 64) +
                   2 * (key_bytes + key.size());
    if (bytes > re.max_dfa_memory_) return kUnknownState;
    size_t offset = keys.size() * stride;
    key_bytes += key.size();
    restart.push_back(pcs->size() == 1 && (*pcs)[0] == re.start_);
    keys.push_back(key);
    index.emplace(std::move(key), static_cast<int32_t>(offset));
    table.resize(offset + stride, kUnknownState);
    if (lines) {
      table[offset + '\n'] = kNewlineState;
      table[offset + '\r'] = kReturnState;
    }
    return static_cast<int32_t>(offset);
  }

  // The state at the start of a search at `pos` of `text`.
  int32_t Start(std::string_view text, size_t pos) {
    uint8_t ctx = 0;
    if (pos == 0) {
      ctx = kCtxBeginText | kCtxBeginLine;
    } else {
      uint8_t prev = static_cast<uint8_t>(text[pos - 1]);
      if (prev == '\n') ctx |= kCtxBeginLine;
      if (IsWordByte(prev)) ctx |= kCtxPrevWord;
    }
    if (start_states[ctx] == kUnknownState) {
      std::vector<uint32_t> pcs = {re.start_};
      start_states[ctx] = State(ctx, &pcs);
    }
    return start_states[ctx];
  }

  // Computes (and caches) the transition of state s on row entry `entry`:
  // an ASCII byte, 128 + the class of another character, or eot.
  int32_t Transition(int32_t s, uint32_t entry) {
    const std::string& key = keys[static_cast<size_t>(s) / stride];
    uint8_t ctx = static_cast<uint8_t>(key[0]);
    std::vector<uint32_t> pcs((key.size() - 1) / sizeof(uint32_t));
    std::memcpy(pcs.data(), key.data() + 1, key.size() - 1);
    bool at_end = entry == eot;
    uint32_t c = at_end ? 0 : entry < 128 ? entry : bounds[entry - 128];
    uint32_t flags = 0;
    if (ctx & kCtxBeginText) flags |= kBeginText;
    if (ctx & kCtxBeginLine) flags |= kBeginLine;
    bool word_after = false;
    if (at_end) {
      flags |= kEndText | kEndLine;
    } else {
      if (c == '\n') flags |= kEndLine;
      word_after = c < 128 && IsWordByte(static_cast<uint8_t>(c));
    }
    flags |= ((ctx & kCtxPrevWord) != 0) != word_after ? kWordBoundary
                                                       : kNotWordBoundary;
    // Empty-width closure, stepping each thread reached over c.
    if (++generation == 0) {
      std::fill(mark.begin(), mark.end(), 0);
      generation = 1;
    }
    std::vector<uint32_t> next;
    stack.assign(pcs.begin(), pcs.end());
    const Inst* prog = re.prog_.data();
    bool matched = false;
    while (!stack.empty() && !matched) {
      uint32_t pc = stack.back();
      stack.pop_back();
      while (mark[pc] != generation) {
        mark[pc] = generation;
        const Inst& inst = prog[pc];
        bool follow = false;
        switch (inst.op) {
          case kJmp:
            pc = inst.x;
            follow = true;
            break;
          case kSplit:
            stack.push_back(inst.y);
            pc = inst.x;
            follow = true;
            break;
          case kSave:
            ++pc;
            follow = true;
            break;
          case kAssert:
            if ((inst.x & ~flags) == 0) {
              ++pc;
              follow = true;
            }
            break;
          case kMatch:
            matched = true;
            break;
          case kChar:
            if (!at_end && c == inst.x) next.push_back(pc + 1);
            break;
          case kAnyChar:
            if (!at_end) next.push_back(pc + 1);
            break;
          case kAnyNotNL:
            if (!at_end && c != '\n') next.push_back(pc + 1);
            break;
          case kRanges:
            if (!at_end &&
                InRanges(inst, c, re.ascii_bits_.data(), re.ranges_.data())) {
              next.push_back(pc + 1);
            }
            break;
          default:  // kFail
            break;
        }
        if (!follow) break;
      }
    }
    int32_t result;
    if (matched) {
      result = kMatchState;
    } else if (at_end) {
      result = kNoMatchState;
    } else {
      if (!re.anchored_start_) next.push_back(re.start_);
      if (next.empty()) {
        result = kDeadState;
      } else {
        uint8_t next_ctx =
            (c == '\n' ? kCtxBeginLine : 0) | (word_after ? kCtxPrevWord : 0);
        result = State(next_ctx, &next);
        if (result == kUnknownState) return kUnknownState;  // not cached
        if (!lines && restart[static_cast<size_t>(result) / stride]) {
          result |= 1;
        }
      }
    }
    int32_t* row = table.data() + s;
    if (entry < 128) {
      // Every byte of the class goes the same way (\n and \r are alone in
      // theirs, so line mode's sentinels stay).
      uint32_t cls = ascii_class[entry];
      for (uint32_t byte = 0; byte < 128; ++byte) {
        if (ascii_class[byte] == cls) row[byte] = result;
      }
    }
    row[entry] = result;
    return result;
  }

  int32_t AtEnd(int32_t s) {
    int32_t t = table[static_cast<size_t>(s) + eot];
    if (t == kUnknownState) t = Transition(s, eot);
    return t;
  }

  // 1 when text[start..] contains a match (starting at or after start), 0
  // when not, -1 when the DFA ran out of room. Not in line mode.
  //
  // With a match, *restart is a position no match starts before: the last
  // one (up to the end of the earliest match) where the state was the
  // start instruction alone, i.e. every thread started earlier had died
  // (without matching: the DFA stops at the first match end).
  // Transitions into such a state carry bit 0.
  int Run(std::string_view text, size_t start, size_t* restart_pos) {
    if (!re.prefix_.empty()) {
      // Every match starts with the prefix: start at its next occurrence.
      start = text.find(re.prefix_, start);
      if (start == std::string_view::npos) return 0;
    }
    *restart_pos = start;
    int32_t s = Start(text, start);
    if (s == kUnknownState) return -1;
    const uint8_t* data = reinterpret_cast<const uint8_t*>(text.data());
    const uint8_t* p = data + start;
    const uint8_t* end = data + text.size();
    const uint8_t* restart_at = p;
    const int32_t* tab = table.data();
    while (p < end) {
      uint32_t entry = *p;
      int32_t t;
      if (entry < 128) {
        t = tab[s + entry];
        ++p;
      } else {
        uint32_t packed = NonAsciiEntry(p, end);
        entry = packed & 0xFFFFFF;
        t = tab[s + entry];
        p += packed >> 24;
      }
      if (t < 0) {
        if (t == kUnknownState) {
          t = Transition(s, entry);
          tab = table.data();
        }
        if (t == kMatchState) {
          *restart_pos = static_cast<size_t>(restart_at - data);
          return 1;
        }
        if (t == kDeadState) return 0;
        if (t < 0) return -1;
      }
      if (t & 1) {
        restart_at = p;
        t ^= 1;
      }
      s = t;
    }
    int32_t t = AtEnd(s);
    if (t == kUnknownState) return -1;
    *restart_pos = static_cast<size_t>(restart_at - data);
    return t == kMatchState ? 1 : 0;
  }

  // Line mode: whether the line starting at `pos` matches (1, 0, or -1 when
  // out of room); sets *next to the start of the next line (or the size).
  int MatchLine(std::string_view text, size_t pos, size_t* next) {
    const uint8_t* data = reinterpret_cast<const uint8_t*>(text.data());
    const uint8_t* p = data + pos;
    const uint8_t* end = data + text.size();
    if (line_start == kUnknownState) {
      std::vector<uint32_t> pcs = {re.start_};
      line_start = State(kCtxBeginText | kCtxBeginLine, &pcs);
      if (line_start == kUnknownState) return -1;
    }
    int32_t s = line_start;  // each line is a text of its own
    const int32_t* tab = table.data();
    int result = 2;  // undecided
    while (p < end) {
      uint32_t entry = *p;
      if (entry < 128) {
        int32_t t = tab[s + entry];
        if (t >= 0) {  // the common case
          s = t;
          ++p;
          continue;
        }
      }
      uint32_t width = 1;
      if (entry >= 128) {
        uint32_t packed = NonAsciiEntry(p, end);
        entry = packed & 0xFFFFFF;
        width = packed >> 24;
      }
      int32_t t = tab[s + entry];
      if (t < 0) {
        if (t == kNewlineState) break;
        if (t == kReturnState) {
          if (p + 1 < end && p[1] == '\n') break;
          // A \r of its own: its class's entry holds the transition.
          entry = 128 + ascii_class['\r'];
          t = tab[s + entry];
        }
        if (t == kUnknownState) {
          t = Transition(s, entry);
          tab = table.data();
        }
        if (t < 0) {
          result = t == kMatchState ? 1 : t == kDeadState ? 0 : -1;
          break;
        }
      }
      p += width;
      s = t;
    }
    if (result == 2) {
      // The end of the line: $ and \z can match here.
      int32_t t = AtEnd(s);
      result = t == kMatchState ? 1 : t == kUnknownState ? -1 : 0;
    }
    const void* nl = p < end ? std::memchr(p, '\n', end - p) : nullptr;
    *next = nl ? static_cast<size_t>(static_cast<const uint8_t*>(nl) - data) + 1
               : text.size();
    return result;
  }

  // Regex::FindLine: the start of the first matching line, or kNoPos; sets
  // *gave_up (and returns the line it was in) when full.
  size_t FindLine(std::string_view text, size_t pos, bool* gave_up) {
    const size_t n = text.size();
    while (pos < n) {
      size_t line = pos;
      size_t q = pos;
      if (!re.prefix_.empty()) {
        // Only a line holding the prefix can match: go to the next one.
        q = text.find(re.prefix_, pos);
      } else if (rare_first_bytes) {
        // Or one holding a byte a match can start with, when those are few
        // and rare (else the DFA alone is faster).
        q = NextFirstByte(text, pos);
      }
      if (q == std::string_view::npos) return kNoPos;
      line = q;
      while (line > pos && text[line - 1] != '\n') --line;
      int found = MatchLine(text, line, &pos);
      if (found < 0) {
        *gave_up = true;
        return line;
      }
      if (found > 0) return line;
    }
    return kNoPos;
  }

  const Regex& re;
  const bool lines;  // line mode
  // Line mode: bytes every match starts with, when worth skipping to.
  bool rare_first_bytes = false;
  bool first_byte_set[256] = {};
  int single_first_byte = -1;
  bool usable = true;            // false: too many classes for a table
  std::vector<uint32_t> bounds;  // class k = [bounds[k], bounds[k + 1])
  uint32_t ascii_class[128];
  std::vector<uint16_t> bmp_class;  // class of U+0080 + i, built lazily
  uint32_t eot = 0;                 // the end-of-text entry of a row
  uint32_t stride = 0;              // entries per row
  std::vector<int32_t> table;
  std::vector<std::string> keys;  // state id -> ctx byte + sorted pcs
  std::vector<bool> restart;      // state id -> pcs are {start} alone
  std::unordered_map<std::string, int32_t> index;  // key -> state
  size_t key_bytes = 0;
  int32_t start_states[8];
  int32_t line_start = kUnknownState;
  std::vector<uint32_t> mark;  // closure visits, by generation
  uint32_t generation = 0;
  std::vector<uint32_t> stack;
};

Regex::Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;
Regex::~Regex() = default;

namespace {

uint32_t ContextFlags(std::string_view text, size_t pos) {
  uint32_t flags = 0;
  bool word_before = false, word_after = false;
  if (pos == 0) {
    flags |= kBeginText | kBeginLine;
  } else {
    uint8_t c = static_cast<uint8_t>(text[pos - 1]);
    if (c == '\n') flags |= kBeginLine;
    word_before = IsWordByte(c);
  }
  if (pos >= text.size()) {
    flags |= kEndText | kEndLine;
  } else {
    uint8_t c = static_cast<uint8_t>(text[pos]);
    if (c == '\n') flags |= kEndLine;
    word_after = IsWordByte(c);
  }
  flags |= word_before != word_after ? kWordBoundary : kNotWordBoundary;
  return flags;
}

}  // namespace

std::optional<Regex> Regex::Compile(std::string_view pattern,
                                    const Options& options,
                                    CompileError* error) {
  CompileError local;
  if (error == nullptr) error = &local;
  if (pattern.size() > options.max_pattern_bytes) {
    error->offset = 0;
    error->message = "pattern too large: " + std::to_string(pattern.size()) +
                     " bytes, the limit is " +
                     std::to_string(options.max_pattern_bytes);
    return std::nullopt;
  }
  uint32_t flags = (options.case_insensitive ? uint32_t{kFoldCase} : 0u) |
                   (options.multiline ? uint32_t{kMultiLine} : 0u) |
                   (options.dot_all ? uint32_t{kDotNL} : 0u);
  Regex re;
  re.use_dfa_ = options.use_dfa;
  re.max_dfa_memory_ = options.max_dfa_memory;
  re.group_names_.emplace_back();
  std::vector<Node> nodes;
  int root;
  {
    Parser parser(pattern, flags, &nodes, &re.group_names_);
    if (!parser.Parse(&root)) {
      *error = parser.error();
      return std::nullopt;
    }
  }
  {
    Compiler compiler(nodes, options, &re);
    if (!compiler.Compile(root, error)) return std::nullopt;
  }
  size_t slots = 2 * re.group_names_.size();
  size_t memory = 2 * re.prog_.size() * slots * sizeof(size_t);
  if (memory > options.max_match_memory) {
    error->offset = 0;
    size_t limit = options.max_match_memory;
    error->message = "pattern too large: " + std::to_string(re.prog_.size()) +
                     " instructions with " +
                     std::to_string(re.group_names_.size() - 1) +
                     " capture groups need more than the " +
                     (limit % 1024 == 0 ? std::to_string(limit >> 10) + " KiB"
                                        : std::to_string(limit) + " bytes") +
                     " of matching memory allowed (use fewer groups: (?:...) "
                     "does not capture)";
    return std::nullopt;
  }

  // Anchored: the program starts with \A (or ^ without (?m)).
  uint32_t pc = re.start_;
  for (int guard = 0; guard < 1000; ++guard) {
    const Inst& inst = re.prog_[pc];
    if (inst.op == kSave) {
      ++pc;
    } else if (inst.op == kJmp) {
      pc = inst.x;
    } else {
      re.anchored_start_ = inst.op == kAssert && (inst.x & kBeginText);
      break;
    }
  }
  // Literal prefix: the characters every match starts with.
  pc = re.start_;
  for (int guard = 0; guard < 100000; ++guard) {
    const Inst& inst = re.prog_[pc];
    if (inst.op == kSave) {
      ++pc;
    } else if (inst.op == kJmp) {
      pc = inst.x;
    } else if (inst.op == kChar && inst.x != kReplacementChar) {
      AppendUtf8(inst.x, &re.prefix_);
      ++pc;
    } else {
      break;
    }
  }
  // First bytes: the lead bytes of everything reachable before the first
  // character is read (assertions are passed over: a superset is safe). No
  // set when an empty match is possible.
  if (re.prefix_.empty()) {
    std::vector<bool> seen(re.prog_.size(), false);
    std::vector<uint32_t> todo = {re.start_};
    bool usable = true;
    uint64_t bits[4] = {0, 0, 0, 0};
    auto set_byte = [&](uint32_t b) {
      bits[b >> 6] |= uint64_t{1} << (b & 63);
    };
    auto set_range = [&](uint32_t lo, uint32_t hi) {
      if (lo <= kReplacementChar && kReplacementChar <= hi) {
        for (uint32_t b = 0x80; b < 0x100; ++b) set_byte(b);
      }
      // Split at the encoding-length boundaries: within one length the lead
      // bytes grow with the code point.
      static constexpr uint32_t kBounds[] = {0x7F, 0x7FF, 0xFFFF,
                                             kMaxCodePoint};
      for (uint32_t bound : kBounds) {
        if (lo > hi) break;
        if (lo > bound) continue;
        uint32_t end = std::min(hi, bound);
        for (uint32_t b = LeadByte(lo); b <= LeadByte(end); ++b) set_byte(b);
        lo = end + 1;
      }
    };
    while (!todo.empty() && usable) {
      uint32_t at = todo.back();
      todo.pop_back();
      if (seen[at]) continue;
      seen[at] = true;
      const Inst& inst = re.prog_[at];
      switch (inst.op) {
        case kSave:
        case kAssert:
          todo.push_back(at + 1);
          break;
        case kJmp:
          todo.push_back(inst.x);
          break;
        case kSplit:
          todo.push_back(inst.x);
          todo.push_back(inst.y);
          break;
        case kChar:
          set_range(inst.x, inst.x);
          break;
        case kRanges:
          for (uint32_t i = 0; i < inst.y; ++i) {
            set_range(re.ranges_[inst.x + i].first,
                      re.ranges_[inst.x + i].second);
          }
          break;
        case kFail:
          break;
        default:  // kMatch, kAnyChar, kAnyNotNL
          usable = false;
          break;
      }
    }
    if (usable && (~bits[0] | ~bits[1] | ~bits[2] | ~bits[3])) {
      re.use_first_bytes_ = true;
      std::memcpy(re.first_bytes_, bits, sizeof(bits));
    }
  }
  return std::optional<Regex>(std::move(re));
}

std::string_view Regex::group_name(int group) const {
  if (group < 0 || group >= static_cast<int>(group_names_.size())) return {};
  return group_names_[group];
}

int Regex::group_index(std::string_view name) const {
  if (name.empty()) return -1;
  for (size_t i = 1; i < group_names_.size(); ++i) {
    if (group_names_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

uint32_t DecodeUtf8(std::string_view text, size_t pos, size_t* width) {
  uint8_t b0 = static_cast<uint8_t>(text[pos]);
  *width = 1;
  if (b0 < 0x80) return b0;
  size_t n;
  uint32_t c, min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, c = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, c = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, c = b0 & 0x07, min = 0x10000;
  } else {
    return kReplacementChar;
  }
  if (pos + n > text.size()) return kReplacementChar;
  for (size_t i = 1; i < n; ++i) {
    uint8_t b = static_cast<uint8_t>(text[pos + i]);
    if ((b & 0xC0) != 0x80) return kReplacementChar;
    c = (c << 6) | (b & 0x3F);
  }
  if (c < min || c > kMaxCodePoint || (c >= 0xD800 && c <= 0xDFFF)) {
    return kReplacementChar;
  }
  *width = n;
  return c;
}

bool Regex::Search(std::string_view text, size_t start, Span* groups,
                   size_t num_spans) const {
  for (size_t i = 0; i < num_spans; ++i) groups[i] = Span{};
  if (start > text.size() || prog_.empty()) return false;
  if (anchored_start_ && start > 0) return false;
  // The DFA says cheaply whether there is a match at all; the Pike VM finds
  // where it is and its groups.
  if (Dfa* dfa = GetDfa(/*line_mode=*/false)) {
    size_t restart;
    int found = dfa->Run(text, start, &restart);
    if (found == 0) return false;
    if (found > 0) {
      if (num_spans == 0) return true;
      // No match starts before `restart`: the VM can start there (it reads
      // the text before it for assertions, so nothing changes but time).
      start = restart;
    } else {
      DropDfa();  // out of room: the VM alone from now on
    }
  }
  return SearchNfa(text, start, groups, num_spans);
}

Regex::Dfa* Regex::GetDfa(bool line_mode) const {
  if (!scratch_) scratch_ = std::make_unique<Scratch>();
  Scratch& s = *scratch_;
  if (s.dfa_failed || !use_dfa_) return nullptr;
  std::unique_ptr<Dfa>& dfa = line_mode ? s.line_dfa : s.dfa;
  if (!dfa) {
    dfa = std::make_unique<Dfa>(*this, line_mode);
    if (!dfa->usable) {
      DropDfa();
      return nullptr;
    }
  }
  return dfa.get();
}

bool Regex::dfa_gave_up() const {
  return !use_dfa_ || (scratch_ && scratch_->dfa_failed);
}

void Regex::DropDfa() const {
  scratch_->dfa.reset();
  scratch_->line_dfa.reset();
  scratch_->dfa_failed = true;
}

size_t Regex::FindLine(std::string_view text, size_t pos) const {
  if (Dfa* dfa = GetDfa(/*line_mode=*/true)) {
    bool gave_up = false;
    size_t line = dfa->FindLine(text, pos, &gave_up);
    if (!gave_up) return line;
    // Out of room: go on line by line with the VM.
    DropDfa();
    pos = line;
  }
  const size_t n = text.size();
  while (pos < n) {
    size_t end = text.find('\n', pos);
    size_t next = end == std::string_view::npos ? n : end + 1;
    if (end == std::string_view::npos) end = n;
    if (end > pos && text[end - 1] == '\r' && end < n) --end;
    if (SearchNfa(text.substr(pos, end - pos), 0, nullptr, 0)) return pos;
    pos = next;
  }
  return kNoPos;
}

bool Regex::SearchNfa(std::string_view text, size_t start, Span* groups,
                      size_t num_spans) const {
  size_t nspan = std::min(num_spans, group_names_.size());
  size_t ncap = 2 * nspan;
  if (!scratch_) scratch_ = std::make_unique<Scratch>();
  Scratch& s = *scratch_;
  Scratch::Queue* clist = &s.queues[0];
  Scratch::Queue* nlist = &s.queues[1];
  clist->Init(prog_.size(), ncap);
  nlist->Init(prog_.size(), ncap);
  if (s.tmp.size() != ncap) {
    s.tmp.resize(ncap);
    s.best.resize(ncap);
    s.fresh.assign(ncap, kNoPos);
  }
  // One add_thread pushes at most one entry per instruction it visits.
  if (s.stack.size() < prog_.size() + 1) s.stack.resize(prog_.size() + 1);
  Scratch::Entry* stack = s.stack.data();
  size_t* tmp = s.tmp.data();
  const size_t n = text.size();
  const Inst* prog = prog_.data();

  // Follows the empty-width instructions from `pc0` at position `pos` with
  // capture slots `caps`, adding every thread reached to `q` (DFS in
  // priority order, with an explicit stack: the guest's stack is small).
  auto add_thread = [&](Scratch::Queue* q, uint32_t pc0, size_t pos,
                        const size_t* caps) {
    for (size_t i = 0; i < ncap; ++i) tmp[i] = caps[i];
    uint32_t context = 0;
    bool have_context = false;
    size_t top = 0;
    stack[top++] = {pc0, false, 0};
    while (top > 0) {
      Scratch::Entry e = stack[--top];
      if (e.restore) {
        tmp[e.pc] = e.value;
        continue;
      }
      uint32_t pc = e.pc;
      while (!q->Contains(pc)) {
        q->Insert(pc);
        const Inst& inst = prog[pc];
        switch (inst.op) {
          case kJmp:
            pc = inst.x;
            continue;
          case kSplit:
            stack[top++] = {inst.y, false, 0};
            pc = inst.x;
            continue;
          case kSave:
            if (inst.x < ncap) {
              stack[top++] = {inst.x, true, tmp[inst.x]};
              tmp[inst.x] = pos;
            }
            ++pc;
            continue;
          case kAssert:
            if (!have_context) {
              context = ContextFlags(text, pos);
              have_context = true;
            }
            if ((inst.x & ~context) != 0) break;
            ++pc;
            continue;
          case kFail:
            break;
          default: {  // a thread: keep its slots
            size_t* dst = q->caps + pc * ncap;
            for (size_t i = 0; i < ncap; ++i) dst[i] = tmp[i];
            break;
          }
        }
        break;
      }
    }
  };

  auto next_candidate = [&](size_t pos) -> size_t {
    if (!prefix_.empty()) return text.find(prefix_, pos);
    if (use_first_bytes_) {
      for (; pos < n; ++pos) {
        uint8_t b = static_cast<uint8_t>(text[pos]);
        if (first_bytes_[b >> 6] & (uint64_t{1} << (b & 63))) return pos;
      }
      return kNoPos;
    }
    return pos;
  };

  bool matched = false;
  size_t pos = start;
  while (true) {
    if (clist->size == 0) {
      if (matched) break;
      if (anchored_start_ && pos > 0) break;
      pos = next_candidate(pos);
      if (pos == kNoPos) break;
    }
    if (!matched && (!anchored_start_ || pos == 0)) {
      // A new thread for a match starting here, with the lowest priority.
      add_thread(clist, start_, pos, s.fresh.data());
    }
    if (clist->size == 0) {
      // Only possible when the start thread died at once (e.g. a failed
      // assertion): move on.
      if (pos >= n) break;
      size_t w;
      DecodeUtf8(text, pos, &w);
      pos += w;
      continue;
    }
    uint32_t c = 0;
    size_t width = 0;
    bool at_end = pos >= n;
    if (!at_end) c = DecodeUtf8(text, pos, &width);
    nlist->size = 0;
    for (uint32_t i = 0; i < clist->size; ++i) {
      uint32_t pc = clist->dense[i];
      const Inst& inst = prog[pc];
      bool step = false;
      switch (inst.op) {
        case kChar:
          step = !at_end && c == inst.x;
          break;
        case kAnyChar:
          step = !at_end;
          break;
        case kAnyNotNL:
          step = !at_end && c != '\n';
          break;
        case kRanges:
          step =
              !at_end && InRanges(inst, c, ascii_bits_.data(), ranges_.data());
          break;
        case kMatch:
          if (ncap == 0) return true;
          std::copy_n(clist->caps + pc * ncap, ncap, s.best.data());
          matched = true;
          // Lower-priority threads can only give worse matches: drop them.
          i = clist->size;
          continue;
        default:
          break;
      }
      if (step) {
        add_thread(nlist, pc + 1, pos + width, clist->caps + pc * ncap);
      }
    }
    std::swap(clist, nlist);
    if (at_end) break;
    pos += width;
  }
  if (!matched) return false;
  for (size_t i = 0; i < nspan; ++i) {
    groups[i].begin = s.best[2 * i];
    groups[i].end = s.best[2 * i + 1];
    if (groups[i].begin == kNoPos || groups[i].end == kNoPos) {
      groups[i] = Span{};
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// Replacement templates

namespace {

// One piece of a template: literal text or a group reference.
struct Piece {
  std::string_view literal;
  int group = -1;
};

// Parses the template at *i: a literal run or one reference. False with
// *error set on a bad reference.
bool NextPiece(const Regex& re, std::string_view t, size_t* i, Piece* piece,
               std::string* error) {
  size_t start = *i;
  if (t[start] != '$') {
    size_t end = t.find('$', start);
    if (end == std::string_view::npos) end = t.size();
    piece->literal = t.substr(start, end - start);
    piece->group = -1;
    *i = end;
    return true;
  }
  // "replacement: <what> at offset N<why>"
  auto fail = [&](std::string_view what, std::string why) {
    if (error) {
      *error = "replacement: " + std::string(what) + " at offset " +
               std::to_string(CodePointOffset(t, start)) + why;
    }
    return false;
  };
  size_t j = start + 1;
  if (j < t.size() && t[j] == '$') {
    piece->literal = t.substr(j, 1);
    piece->group = -1;
    *i = j + 1;
    return true;
  }
  std::string_view ref;
  if (j < t.size() && t[j] == '{') {
    size_t close = t.find('}', j);
    if (close == std::string_view::npos) return fail("missing } after ${", "");
    ref = t.substr(j + 1, close - j - 1);
    *i = close + 1;
    if (ref.empty()) return fail("empty ${}", "");
  } else {
    size_t end = j;
    if (end < t.size() && IsDigit(t[end])) {
      while (end < t.size() && IsDigit(t[end])) ++end;
    } else {
      while (end < t.size() && IsWordByte(static_cast<uint8_t>(t[end]))) ++end;
    }
    if (end == j) {
      return fail("$",
                  " must be followed by a group number, a name, {...} or $ "
                  "(write $$ for a literal $)");
    }
    ref = t.substr(j, end - j);
    *i = end;
  }
  std::string_view shown = t.substr(start, *i - start);
  piece->literal = {};
  if (IsDigit(ref[0])) {
    long n = 0;
    for (char c : ref) {
      if (!IsDigit(c)) {
        return fail(shown, ": a group name must not start with a digit");
      }
      if (n < 1000000) n = n * 10 + (c - '0');
    }
    if (n > re.num_groups()) {
      return fail(shown, ": the pattern has only " +
                             std::to_string(re.num_groups()) +
                             (re.num_groups() == 1 ? " group" : " groups"));
    }
    piece->group = static_cast<int>(n);
    return true;
  }
  int g = re.group_index(ref);
  if (g < 0) {
    return fail(shown, ": the pattern has no group named " + std::string(ref));
  }
  piece->group = g;
  return true;
}

}  // namespace

bool Regex::CheckReplacement(std::string_view replacement,
                             std::string* error) const {
  size_t i = 0;
  Piece piece;
  while (i < replacement.size()) {
    if (!NextPiece(*this, replacement, &i, &piece, error)) return false;
  }
  return true;
}

void Regex::ExpandReplacement(std::string_view replacement,
                              std::string_view text, const Span* groups,
                              std::string* out) const {
  size_t i = 0;
  Piece piece;
  while (i < replacement.size()) {
    if (!NextPiece(*this, replacement, &i, &piece, nullptr)) return;
    if (piece.group < 0) {
      out->append(piece.literal);
    } else if (groups[piece.group].matched()) {
      const Span& g = groups[piece.group];
      out->append(text.substr(g.begin, g.end - g.begin));
    }
  }
}

long Regex::ReplaceAll(std::string_view text, std::string_view replacement,
                       std::string* out, std::string* error,
                       size_t max_replacements) const {
  // Parsed once; only the groups the template uses are asked of Search
  // (fewer spans, faster matching).
  std::vector<Piece> pieces;
  int max_group = 0;
  for (size_t i = 0; i < replacement.size();) {
    Piece piece;
    if (!NextPiece(*this, replacement, &i, &piece, error)) return -1;
    max_group = std::max(max_group, piece.group);
    pieces.push_back(piece);
  }
  MatchIterator it(*this, text, static_cast<size_t>(max_group) + 1);
  size_t last = 0;
  long count = 0;
  while ((max_replacements == 0 ||
          static_cast<size_t>(count) < max_replacements) &&
         it.Next()) {
    const std::vector<Span>& groups = it.groups();
    out->append(text.substr(last, groups[0].begin - last));
    for (const Piece& piece : pieces) {
      if (piece.group < 0) {
        out->append(piece.literal);
      } else if (groups[piece.group].matched()) {
        const Span& g = groups[piece.group];
        out->append(text.substr(g.begin, g.end - g.begin));
      }
    }
    last = groups[0].end;
    ++count;
  }
  out->append(text.substr(last));
  return count;
}

MatchIterator::MatchIterator(const Regex& re, std::string_view text,
                             size_t num_spans)
    : re_(re), text_(text), groups_(std::max<size_t>(num_spans, 1)) {}

bool MatchIterator::Next() {
  while (!done_) {
    if (pos_ > text_.size() ||
        !re_.Search(text_, pos_, groups_.data(), groups_.size())) {
      done_ = true;
      break;
    }
    const Span m = groups_[0];
    bool accept = true;
    if (m.begin == m.end) {
      // An empty match right after the previous match is not a new match;
      // either way step over one character so the scan moves on.
      if (m.begin == prev_end_) accept = false;
      if (m.end >= text_.size()) {
        pos_ = text_.size() + 1;
      } else {
        size_t width;
        DecodeUtf8(text_, m.end, &width);
        pos_ = m.end + width;
      }
    } else {
      pos_ = m.end;
    }
    prev_end_ = m.end;
    if (accept) return true;
  }
  return false;
}

std::string QuoteMeta(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    uint8_t b = static_cast<uint8_t>(c);
    if (b < 0x80 && b > ' ' && b != 0x7F && !IsWordByte(b)) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace airlock::regex
