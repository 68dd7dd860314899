// A JSON reader and writer for tool::Json that costs a few Wasm
// instructions per byte (see airlock/json.h). Both are iterative, so a
// deeply nested document cannot exhaust the guest's call stack, and neither
// calls anything that could throw (abort) on any input.
#include "airlock/json.h"

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace airlock::tool {
namespace {

// Bytes that a string holds and prints verbatim: printable ASCII except the
// quote and the backslash. Everything else takes the slow path.
constexpr std::array<bool, 256> MakePlain() {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}
constexpr std::array<bool, 256> kPlain = MakePlain();

// The first byte at or after p that is not plain (kPlain). Checks 8 bytes
// per step: fuel is charged per Wasm instruction, and a byte-wise loop
// costs about 20 of them per byte, this one about 4.
inline const unsigned char* SkipPlain(const unsigned char* p,
                                      const unsigned char* end) {
  constexpr uint64_t k01 = 0x0101010101010101, k80 = 0x8080808080808080;
  while (end - p >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    uint64_t quote = w ^ (k01 * '"'), backslash = w ^ (k01 * '\\');
    // High bit of a byte set when: the byte is >= 0x80, < 0x20, or equal to
    // '"' or '\\' (the "has zero byte" trick). A borrow can flag a plain
    // byte only above a byte that is flagged rightly: the word then takes
    // the exact byte loop anyway.
    uint64_t special = (w | ((w - k01 * 0x20) & ~w) | ((quote - k01) & ~quote) |
                        ((backslash - k01) & ~backslash)) &
                       k80;
    if (special) break;
    p += 8;
  }
  while (p < end && kPlain[*p]) ++p;
  return p;
}

// Length of the valid UTF-8 sequence at p (p < end, *p >= 0x80), or 0 when
// the bytes there are not one (RFC 3629: no overlongs, no surrogates, at
// most U+10FFFF). `*bad` gets the length of the maximal invalid prefix to
// skip (at least 1).
size_t Utf8LengthSlow(const unsigned char* p, const unsigned char* end,
                      size_t* bad) {
  unsigned char c = p[0];
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    *bad = 1;
    return 0;
  }
  for (size_t i = 1; i < n; ++i) {
    if (p + i >= end) {
      *bad = i;
      return 0;
    }
    unsigned char b = p[i];
    unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
    if (b < l || b > h) {
      *bad = i;
      return 0;
    }
  }
  return n;
}

// Utf8LengthSlow with the common cases (a valid 2- or 3-byte sequence)
// inline: non-ASCII text costs fuel per character.
inline size_t Utf8Length(const unsigned char* p, const unsigned char* end,
                         size_t* bad) {
  unsigned char c = p[0];
  size_t left = static_cast<size_t>(end - p);
  if (c >= 0xC2 && c <= 0xDF && left >= 2 && (p[1] & 0xC0) == 0x80) return 2;
  if (c >= 0xE1 && c <= 0xEC && left >= 3 && (p[1] & 0xC0) == 0x80 &&
      (p[2] & 0xC0) == 0x80) {
    return 3;
  }
  return Utf8LengthSlow(p, end, bad);
}

// The first byte at or after p that is neither plain ASCII nor the start of
// a valid UTF-8 sequence: the end of what a string copies verbatim. `*bad`
// as for Utf8Length when it stops at an invalid sequence.
inline const unsigned char* SkipVerbatim(const unsigned char* p,
                                         const unsigned char* end,
                                         size_t* bad) {
  for (;;) {
    p = SkipPlain(p, end);
    if (p >= end || *p < 0x80) return p;
    // Non-ASCII text (accents, CJK) comes in runs: validate sequence after
    // sequence before trying 8 ASCII bytes at a time again.
    do {
      size_t n = Utf8Length(p, end, bad);
      if (n == 0) return p;
      p += n;
    } while (p < end && *p >= 0x80);
  }
}

// Writes code point `cp` as UTF-8 to b (room for 4); returns the length.
size_t EncodeUtf8(uint32_t cp, char* b) {
  if (cp < 0x80) {
    b[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    b[0] = static_cast<char>(0xC0 | (cp >> 6));
    b[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    b[0] = static_cast<char>(0xE0 | (cp >> 12));
    b[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    b[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  b[0] = static_cast<char>(0xF0 | (cp >> 18));
  b[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  b[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  b[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

constexpr std::array<int8_t, 256> MakeHexValue() {
  std::array<int8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  }
  return t;
}
constexpr std::array<int8_t, 256> kHexValue = MakeHexValue();

// "x" for a message: the character at p, quoted, or "end of input".
std::string Describe(const char* p, const char* end) {
  if (p >= end) return "end of input";
  unsigned char c = static_cast<unsigned char>(*p);
  if (c < 0x20 || c == 0x7F) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", c);
    return buf;
  }
  if (c < 0x80) return std::string("\"") + *p + "\"";
  size_t bad;
  size_t n = Utf8Length(reinterpret_cast<const unsigned char*>(p),
                        reinterpret_cast<const unsigned char*>(end), &bad);
  if (n == 0) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "invalid UTF-8 byte 0x%02X", c);
    return buf;
  }
  return "\"" + std::string(p, n) + "\"";
}

class Parser {
 public:
  explicit Parser(std::string_view text)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}

  std::string Parse(Json* out) {
    if (!ParseDocument(out)) {
      *out = Json();
      return Position(error_at_) + ": " + error_;
    }
    return "";
  }

 private:
  struct Frame {
    Json* container;
    const char* start;  // its opening bracket, for messages
  };

  bool Fail(const char* at, std::string message) {
    error_at_ = at;
    error_ = std::move(message);
    return false;
  }

  // "line L, column C" of `at` (columns count characters from 1).
  std::string Position(const char* at) const {
    size_t line = 1, column = 1;
    for (const char* q = begin_; q < at && q < end_; ++q) {
      if (*q == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(*q) & 0xC0) != 0x80) {
        ++column;
      }
    }
    return "line " + std::to_string(line) + ", column " +
           std::to_string(column);
  }

  void SkipSpace() {
    while (p_ < end_ &&
           (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) {
      ++p_;
    }
  }

  bool ParseDocument(Json* out) {
    std::vector<Frame> stack;
    Json* slot = out;  // where the next value goes
    for (;;) {
      // A value into *slot.
      SkipSpace();
      if (p_ >= end_)
        return Fail(p_, "expected a JSON value, got end of input");
      char c = *p_;
      if (c == '{' || c == '[') {
        const char* start = p_++;
        *slot = c == '{' ? Json::object() : Json::array();
        SkipSpace();
        if (p_ < end_ && *p_ == (c == '{' ? '}' : ']')) {
          ++p_;  // empty
        } else {
          stack.push_back({slot, start});
          slot = c == '{' ? NextMember(slot) : NextItem(slot);
          if (!slot) return false;
          continue;
        }
      } else if (c == '"') {
        std::string s;
        if (!ParseString(&s)) return false;
        *slot = std::move(s);
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        if (!ParseNumber(slot)) return false;
      } else if (!ParseLiteral(slot)) {
        return false;
      }

      // After a value: close containers or move to their next element.
      for (;;) {
        SkipSpace();
        if (stack.empty()) {
          if (p_ < end_) {
            return Fail(p_, "unexpected " + Describe(p_, end_) +
                                " after the JSON value");
          }
          return true;
        }
        Frame& top = stack.back();
        bool object = top.container->is_object();
        char close = object ? '}' : ']';
        if (p_ < end_ && *p_ == ',') {
          ++p_;
          slot = object ? NextMember(top.container) : NextItem(top.container);
          if (!slot) return false;
          break;
        }
        if (p_ < end_ && *p_ == close) {
          ++p_;
          if (object && !CheckDuplicates(top)) return false;
          stack.pop_back();
          continue;
        }
        return Fail(p_, std::string("expected \",\" or \"") + close +
                            "\" in the " + (object ? "object" : "array") +
                            " opened at " + Position(top.start) + ", got " +
                            Describe(p_, end_));
      }
    }
  }

  Json* NextItem(Json* array) {
    return &array->get_ptr<Json::array_t*>()->emplace_back();
  }

  // Parses `"key":` and appends a member; returns its value's slot.
  Json* NextMember(Json* object) {
    SkipSpace();
    if (p_ >= end_ || *p_ != '"') {
      Fail(p_, "expected a string (an object key), got " + Describe(p_, end_));
      return nullptr;
    }
    std::string key;
    if (!ParseString(&key)) return nullptr;
    SkipSpace();
    if (p_ >= end_ || *p_ != ':') {
      Fail(p_, "expected \":\" after an object key, got " + Describe(p_, end_));
      return nullptr;
    }
    ++p_;
    // The vector beneath ordered_map: appending without ordered_map's
    // linear duplicate search, which would make a large object quadratic;
    // CheckDuplicates runs once the object is complete.
    auto* members = object->get_ptr<Json::object_t*>();
    // Growing 1, 2, 4 would copy the (const) keys twice over.
    if (members->empty()) members->reserve(4);
    return &members->emplace_back(std::move(key), Json()).second;
  }

  bool CheckDuplicates(const Frame& frame) {
    const auto& members = *frame.container->get_ptr<const Json::object_t*>();
    // (ordered_map hides the vector's operator[] behind its key lookup.)
    const auto* m = members.data();
    const std::string* dup = nullptr;
    if (members.size() <= 16) {
      for (size_t i = 1; i < members.size() && !dup; ++i) {
        for (size_t j = 0; j < i; ++j) {
          if (m[j].first == m[i].first) {
            dup = &m[i].first;
            break;
          }
        }
      }
    } else {
      std::vector<std::string_view> keys;
      keys.reserve(members.size());
      for (const auto& member : members) keys.emplace_back(member.first);
      std::sort(keys.begin(), keys.end());
      for (size_t i = 1; i < keys.size(); ++i) {
        if (keys[i] == keys[i - 1]) {
          for (const auto& member : members) {
            if (member.first == keys[i]) dup = &member.first;
          }
          break;
        }
      }
    }
    if (!dup) return true;
    std::string quoted;
    AppendJson(Json(*dup), &quoted);
    return Fail(frame.start,
                "the object here has the key " + quoted + " more than once");
  }

  bool ParseLiteral(Json* slot) {
    auto match = [&](std::string_view word) {
      return static_cast<size_t>(end_ - p_) >= word.size() &&
             std::memcmp(p_, word.data(), word.size()) == 0;
    };
    if (match("true")) {
      *slot = true;
      p_ += 4;
    } else if (match("false")) {
      *slot = false;
      p_ += 5;
    } else if (match("null")) {
      *slot = nullptr;
      p_ += 4;
    } else {
      return Fail(p_, "expected a JSON value, got " + Describe(p_, end_));
    }
    return true;
  }

  bool ParseNumber(Json* slot) {
    const char* start = p_;
    bool negative = *p_ == '-';
    if (negative) ++p_;
    auto digit = [&] { return p_ < end_ && *p_ >= '0' && *p_ <= '9'; };
    if (!digit()) {
      return Fail(p_,
                  "expected a digit in a number, got " + Describe(p_, end_));
    }
    if (*p_ == '0') {
      ++p_;
      if (digit()) return Fail(p_, "a number must not start with 0");
    } else {
      while (digit()) ++p_;
    }
    bool integral = true;
    if (p_ < end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (!digit()) {
        return Fail(p_,
                    "expected a digit after \".\", got " + Describe(p_, end_));
      }
      while (digit()) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digit()) {
        return Fail(
            p_, "expected a digit in the exponent, got " + Describe(p_, end_));
      }
      while (digit()) ++p_;
    }
    if (integral) {
      const char* d = start + (negative ? 1 : 0);
      uint64_t magnitude = 0;
      auto [end, ec] = std::from_chars(d, p_, magnitude);
      if (ec == std::errc() && end == p_) {
        if (!negative) {
          *slot = static_cast<Json::number_unsigned_t>(magnitude);
          return true;
        }
        if (magnitude <= (uint64_t{1} << 63)) {
          *slot = static_cast<Json::number_integer_t>(0 - magnitude);
          return true;
        }
      }
      // Beyond 64 bits: a double, as Json::parse does.
    }
    std::string text(start, p_);  // strtod needs a terminator
    *slot = std::strtod(text.c_str(), nullptr);
    return true;
  }

  bool ParseHex4(uint32_t* out) {
    if (end_ - p_ < 4) {
      const char* q = p_;
      while (q < end_ && kHexValue[static_cast<unsigned char>(*q)] >= 0) ++q;
      return Fail(
          q, "expected a hex digit in \\u escape, got " + Describe(q, end_));
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      int8_t d = kHexValue[static_cast<unsigned char>(p_[i])];
      if (d < 0) {
        return Fail(p_ + i, "expected a hex digit in \\u escape, got " +
                                Describe(p_ + i, end_));
      }
      v = (v << 4) | static_cast<uint32_t>(d);
    }
    p_ += 4;
    *out = v;
    return true;
  }

  // At the opening quote; appends the decoded string to *out.
  bool ParseString(std::string* out) {
    const char* open = p_++;
    // Decoded escapes gather here and are appended in batches: one
    // std::string append per escape would cost more than the escape.
    char buf[256];
    size_t n = 0;
    for (;;) {
      // The longest run that is copied verbatim: plain ASCII and valid
      // UTF-8 sequences, appended at once.
      size_t bad;
      const char* run = p_;
      p_ = reinterpret_cast<const char*>(
          SkipVerbatim(reinterpret_cast<const unsigned char*>(p_),
                       reinterpret_cast<const unsigned char*>(end_), &bad));
      if (p_ != run) {
        if (n) out->append(buf, n);
        n = 0;
        out->append(run, static_cast<size_t>(p_ - run));
      }
      if (p_ >= end_) {
        return Fail(open, "the string starting here is not closed");
      }
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        if (n) out->append(buf, n);
        ++p_;
        return true;
      }
      if (c == '\\') {
        do {
          if (n > sizeof buf - 4) {
            out->append(buf, n);
            n = 0;
          }
          if (!ParseEscape(buf, &n)) return false;
        } while (p_ < end_ && *p_ == '\\');
      } else if (c < 0x20) {
        return Fail(p_, "control character " + Describe(p_, end_) +
                            " in a string (write it as an escape)");
      } else {
        return Fail(p_, Describe(p_, end_) + " in a string");
      }
    }
  }

  // At a backslash; decodes one escape into buf + *n (at most 4 bytes).
  bool ParseEscape(char* buf, size_t* n) {
    const char* at = p_;
    ++p_;  // the backslash
    if (p_ >= end_) return Fail(at, "unfinished escape at end of input");
    char e = *p_++;
    char simple = 0;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        simple = e;
        break;
      case 'b':
        simple = '\b';
        break;
      case 'f':
        simple = '\f';
        break;
      case 'n':
        simple = '\n';
        break;
      case 'r':
        simple = '\r';
        break;
      case 't':
        simple = '\t';
        break;
      case 'u':
        break;
      default:
        return Fail(at, "invalid escape \\" + std::string(1, e) +
                            " (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
                            "\\uXXXX)");
    }
    if (simple) {
      buf[(*n)++] = simple;
      return true;
    }
    uint32_t cp;
    if (!ParseHex4(&cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return Fail(at, "lone low surrogate in \\u escape");
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
        return Fail(at, "high surrogate in \\u escape without a low one");
      }
      p_ += 2;
      if (!ParseHex4(&low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) {
        return Fail(at, "high surrogate in \\u escape without a low one");
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    *n += EncodeUtf8(cp, buf + *n);
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  const char* error_at_ = nullptr;
  std::string error_;
};

template <typename Out>
void AppendString(const std::string& s, Out* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  out->push_back('"');
  while (p < end) {
    const unsigned char* run = p;
    size_t bad = 0;
    p = SkipVerbatim(p, end, &bad);
    if (p != run) {
      out->append(reinterpret_cast<const char*>(run),
                  static_cast<size_t>(p - run));
    }
    if (p >= end) break;
    unsigned char c = *p;
    if (c >= 0x80) {
      out->append("\xEF\xBF\xBD");  // U+FFFD for the invalid sequence
      p += bad;
      continue;
    }
    ++p;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(u, 6);
      }
    }
  }
  out->push_back('"');
}

// A value that prints without descending: scalars and empty containers.
template <typename Out>
void AppendScalar(const Json& v, Out* out) {
  char buf[64];
  switch (v.type()) {
    case Json::value_t::null:
      out->append("null");
      return;
    case Json::value_t::boolean:
      out->append(v.get<bool>() ? "true" : "false");
      return;
    case Json::value_t::number_integer: {
      auto r = std::to_chars(buf, buf + sizeof buf, v.get<int64_t>());
      out->append(buf, static_cast<size_t>(r.ptr - buf));
      return;
    }
    case Json::value_t::number_unsigned: {
      auto r = std::to_chars(buf, buf + sizeof buf, v.get<uint64_t>());
      out->append(buf, static_cast<size_t>(r.ptr - buf));
      return;
    }
    case Json::value_t::number_float: {
      double d = v.get<double>();
      if (!std::isfinite(d)) {
        out->append("null");
        return;
      }
      // nlohmann's shortest round-trip form ("1.0", "1e+100"), as dump().
      char* e = nlohmann::detail::to_chars(buf, buf + sizeof buf, d);
      out->append(buf, static_cast<size_t>(e - buf));
      return;
    }
    case Json::value_t::string:
      AppendString(v.get_ref<const std::string&>(), out);
      return;
    case Json::value_t::array:
      out->append("[]");
      return;
    case Json::value_t::object:
      out->append("{}");
      return;
    default:  // binary, discarded: never produced by the SDK's parser
      out->append("null");
      return;
  }
}

bool IsOpenable(const Json& v) {
  return (v.is_array() || v.is_object()) && !v.empty();
}

// The writer behind AppendJson and WriteJsonLine; Out has std::string's
// push_back(char), append(const char*, size_t) and append(const char*).
template <typename Out>
void Write(const Json& value, Out* out) {
  if (!IsOpenable(value)) {
    AppendScalar(value, out);
    return;
  }
  struct Frame {
    const Json* container;
    size_t next;
  };
  std::vector<Frame> stack;
  out->push_back(value.is_object() ? '{' : '[');
  stack.push_back({&value, 0});
  while (!stack.empty()) {
    Frame& top = stack.back();
    bool object = top.container->is_object();
    if (top.next == top.container->size()) {
      out->push_back(object ? '}' : ']');
      stack.pop_back();
      continue;
    }
    if (top.next > 0) out->push_back(',');
    const Json* child;
    if (object) {
      const auto& member =
          top.container->template get_ptr<const Json::object_t*>()
              ->data()[top.next];
      AppendString(member.first, out);
      out->push_back(':');
      child = &member.second;
    } else {
      child =
          &(*top.container->template get_ptr<const Json::array_t*>())[top.next];
    }
    ++top.next;
    if (IsOpenable(*child)) {
      out->push_back(child->is_object() ? '{' : '[');
      stack.push_back({child, 0});  // `top` is not used after this
    } else {
      AppendScalar(*child, out);
    }
  }
}

// Buffers output for a file descriptor; runs longer than the buffer are
// written straight from the value's own memory.
class FdWriter {
 public:
  explicit FdWriter(int fd) : fd_(fd) { buf_.reserve(kSize); }
  void push_back(char c) {
    if (buf_.size() == kSize) Flush();
    buf_.push_back(c);
  }
  void append(const char* p, size_t n) {
    if (buf_.size() + n > kSize) {
      Flush();
      if (n >= kSize) {
        WriteAll(p, n);
        return;
      }
    }
    buf_.append(p, n);
  }
  void append(const char* s) { append(s, std::strlen(s)); }
  bool Finish() {
    Flush();
    return ok_;
  }

 private:
  static constexpr size_t kSize = 64 << 10;
  void Flush() {
    WriteAll(buf_.data(), buf_.size());
    buf_.clear();
  }
  void WriteAll(const char* p, size_t n) {
    while (ok_ && n > 0) {
      ssize_t w = write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        ok_ = false;
        return;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  int fd_;
  bool ok_ = true;
  std::string buf_;
};

}  // namespace

std::string ParseJson(std::string_view text, Json* out) {
  return Parser(text).Parse(out);
}

void AppendJson(const Json& value, std::string* out) { Write(value, out); }

bool WriteJsonLine(const Json& value, int fd) {
  FdWriter writer(fd);
  Write(value, &writer);
  writer.push_back('\n');
  return writer.Finish();
}

std::string DumpJson(const Json& value) {
  std::string out;
  AppendJson(value, &out);
  return out;
}

}  // namespace airlock::tool
