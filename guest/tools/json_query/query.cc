#include "query.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace airlock::json_query {
namespace {

// ---------------------------------------------------------------------------
// Values

// A value flowing through the query: a pointer into a JSON tree kept alive by
// `owner` (the document, a literal of the query, or a value the query built).
// Indexing shares the tree instead of copying it; a value that is a whole tree
// nobody else holds can be moved instead of copied (Take).
struct Value {
  std::shared_ptr<Json> owner;
  const Json* p = nullptr;
  const Json& operator*() const { return *p; }
  const Json* operator->() const { return p; }
};

Value Make(Json j) {
  auto owner = std::make_shared<Json>(std::move(j));
  const Json* p = owner.get();
  return Value{std::move(owner), p};
}

Value Sub(const Value& parent, const Json& child) {
  return Value{parent.owner, &child};
}

bool Truthy(const Json& j) {
  return !(j.is_null() || (j.is_boolean() && !j.get<bool>()));
}

const char* TypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    default:
      return "null";
  }
}

void DumpString(const std::string& s, std::string* out) {
  *out += '"';
  size_t plain = 0;  // start of the run of characters copied as they are
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s, plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default: {
        static const char kHex[] = "0123456789abcdef";
        *out += "\\u00";
        *out += kHex[c >> 4];
        *out += kHex[c & 15];
      }
    }
  }
  out->append(s, plain, s.size() - plain);
  *out += '"';
}

// Compact JSON text, as nlohmann's dump(-1, ' ', false, replace) writes it,
// but without its per-call setup (a serializer, a 512-byte buffer, a shared
// output adapter), which dominated the cost of tostring and friends.
void DumpTo(const Json& j, std::string* out) {
  switch (j.type()) {
    case Json::value_t::null:
      *out += "null";
      return;
    case Json::value_t::boolean:
      *out += j.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::number_integer:
      *out += std::to_string(j.get<int64_t>());
      return;
    case Json::value_t::number_unsigned:
      *out += std::to_string(j.get<uint64_t>());
      return;
    case Json::value_t::number_float: {
      double d = j.get<double>();
      if (!std::isfinite(d)) {
        *out += "null";
        return;
      }
      char buf[64];
      char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, d);
      out->append(buf, end);
      return;
    }
    case Json::value_t::string:
      DumpString(j.get_ref<const std::string&>(), out);
      return;
    case Json::value_t::array: {
      *out += '[';
      bool first = true;
      for (const Json& e : j) {
        if (!first) *out += ',';
        first = false;
        DumpTo(e, out);
      }
      *out += ']';
      return;
    }
    case Json::value_t::object: {
      *out += '{';
      bool first = true;
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) *out += ',';
        first = false;
        DumpString(it.key(), out);
        *out += ':';
        DumpTo(it.value(), out);
      }
      *out += '}';
      return;
    }
    default:
      // Binary and discarded values never occur in query results.
      *out += "null";
      return;
  }
}

std::string Dump(const Json& j) {
  std::string out;
  DumpTo(j, &out);
  return out;
}

// Cuts `s` to at most `max` bytes at a UTF-8 character boundary.
std::string Truncate(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "...";
}

// "number (5)", `string ("abc")`: how jq names a value in messages.
std::string Describe(const Json& j) {
  return std::string(TypeName(j)) + " (" + Truncate(Dump(j), 30) + ")";
}

bool AsInt64(const Json& j, int64_t* out) {
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(u);
    return true;
  }
  if (j.is_number_integer()) {
    *out = j.get<int64_t>();
    return true;
  }
  return false;
}

// A computed number as jq prints it: integral doubles below 2^53 become
// integers (1.5 * 2 is 3, not 3.0).
Json NumberJson(double d) {
  if (std::isfinite(d) && d == std::floor(d) &&
      std::fabs(d) < 9007199254740992.0) {
    return Json(static_cast<int64_t>(d));
  }
  return Json(d);
}

int TypeRank(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return 0;
    case Json::value_t::boolean:
      return j.get<bool>() ? 2 : 1;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return 3;
    case Json::value_t::string:
      return 4;
    case Json::value_t::array:
      return 5;
    case Json::value_t::object:
      return 6;
    default:
      return 0;
  }
}

std::vector<const std::string*> SortedKeys(const Json& obj) {
  std::vector<const std::string*> keys;
  keys.reserve(obj.size());
  for (auto it = obj.begin(); it != obj.end(); ++it) keys.push_back(&it.key());
  std::sort(keys.begin(), keys.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  return keys;
}

// Decodes one UTF-8 character at s[*i] (valid UTF-8: nlohmann checked the
// input and the query builds strings only from whole characters).
uint32_t NextCodePoint(const std::string& s, size_t* i) {
  unsigned char c = s[*i];
  int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  uint32_t cp = len == 1   ? c
                : len == 2 ? c & 0x1F
                : len == 3 ? c & 0x0F
                           : c & 0x07;
  for (int k = 1; k < len && *i + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[*i + k]) & 0x3F);
  }
  *i += len;
  return cp;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

size_t CountCodePoints(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Byte offsets of each character start, plus the end.
std::vector<size_t> CharStarts(const std::string& s) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(s.size());
  return starts;
}

// The byte offset of character `index` of `s` (s.size() past the last),
// searching from byte `from`, the start of character `from_index`.
size_t CharOffset(const std::string& s, size_t index, size_t from = 0,
                  size_t from_index = 0) {
  size_t i = from;
  for (size_t k = from_index; k < index && i < s.size(); ++k) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) {
      ++i;
    }
  }
  return i;
}

// Nesting depth of a JSON value (a scalar is 1), without recursion.
int DepthOf(const Json& root, int limit) {
  std::vector<std::pair<const Json*, int>> stack{{&root, 1}};
  int max = 0;
  while (!stack.empty()) {
    auto [j, d] = stack.back();
    stack.pop_back();
    max = std::max(max, d);
    if (max > limit) return max;
    if (j->is_array() || j->is_object()) {
      for (const Json& child : *j) stack.push_back({&child, d + 1});
    }
  }
  return max;
}

// ---------------------------------------------------------------------------
// Syntax tree

enum class NodeKind {
  kIdentity,    // .
  kRecurseAll,  // ..
  kField,       // kids[0].name
  kIndex,       // kids[0][kids[1]]
  kSlice,       // kids[0][kids[1]:kids[2]] (-1: omitted)
  kIterate,     // kids[0][]
  kLiteral,
  kString,  // interpolated string: parts
  kPipe,    // kids[0] | kids[1] | ...
  kComma,   // kids[0], kids[1], ...
  kAlt,     // kids[0] // kids[1]
  kAnd,
  kOr,
  kCompare,  // op
  kArith,    // op
  kNegate,
  kArray,   // [kids[0]] or [] without kids
  kObject,  // entries
  kCall,    // builtin with args kids
  kIf,      // cond, then, cond, then, ..., else (-1: none)
  kTry,     // try kids[0] catch kids[1] (-1: none)
};

enum class Op { kAdd, kSub, kMul, kDiv, kMod, kEq, kNe, kLt, kLe, kGt, kGe };

enum class Builtin {
  kEmpty,
  kNot,
  kError0,
  kError1,
  kLength,
  kUtf8ByteLength,
  kKeys,
  kKeysUnsorted,
  kValues,
  kType,
  kHas,
  kMap,
  kMapValues,
  kSelect,
  kRecurse0,
  kRecurse1,
  kWalk,
  kSort,
  kSortBy,
  kGroupBy,
  kUnique,
  kUniqueBy,
  kMin,
  kMax,
  kMinBy,
  kMaxBy,
  kAdd,
  kAny0,
  kAll0,
  kAny1,
  kAll1,
  kAny2,
  kAll2,
  kFirst0,
  kLast0,
  kFirst1,
  kLast1,
  kNth1,
  kNth2,
  kLimit,
  kIsEmpty,
  kRange1,
  kRange2,
  kRange3,
  kReverse,
  kFlatten0,
  kFlatten1,
  kToEntries,
  kFromEntries,
  kWithEntries,
  kJoin,
  kSplit,
  kAsciiDowncase,
  kAsciiUpcase,
  kLtrimstr,
  kRtrimstr,
  kTrim,
  kLtrim,
  kRtrim,
  kStartsWith,
  kEndsWith,
  kContains,
  kInside,
  kExplode,
  kImplode,
  kToString,
  kToNumber,
  kToJson,
  kFromJson,
  kFloor,
  kCeil,
  kRound,
  kSqrt,
  kFabs,
  kAbs,
  kArrays,
  kObjects,
  kIterables,
  kBooleans,
  kNumbers,
  kStrings,
  kNulls,
  kScalars,
};

struct BuiltinInfo {
  const char* name;
  int arity;
  Builtin id;
};

constexpr BuiltinInfo kBuiltins[] = {
    {"empty", 0, Builtin::kEmpty},
    {"not", 0, Builtin::kNot},
    {"error", 0, Builtin::kError0},
    {"error", 1, Builtin::kError1},
    {"length", 0, Builtin::kLength},
    {"utf8bytelength", 0, Builtin::kUtf8ByteLength},
    {"keys", 0, Builtin::kKeys},
    {"keys_unsorted", 0, Builtin::kKeysUnsorted},
    {"values", 0, Builtin::kValues},
    {"type", 0, Builtin::kType},
    {"has", 1, Builtin::kHas},
    {"map", 1, Builtin::kMap},
    {"map_values", 1, Builtin::kMapValues},
    {"select", 1, Builtin::kSelect},
    {"recurse", 0, Builtin::kRecurse0},
    {"recurse", 1, Builtin::kRecurse1},
    {"walk", 1, Builtin::kWalk},
    {"sort", 0, Builtin::kSort},
    {"sort_by", 1, Builtin::kSortBy},
    {"group_by", 1, Builtin::kGroupBy},
    {"unique", 0, Builtin::kUnique},
    {"unique_by", 1, Builtin::kUniqueBy},
    {"min", 0, Builtin::kMin},
    {"max", 0, Builtin::kMax},
    {"min_by", 1, Builtin::kMinBy},
    {"max_by", 1, Builtin::kMaxBy},
    {"add", 0, Builtin::kAdd},
    {"any", 0, Builtin::kAny0},
    {"all", 0, Builtin::kAll0},
    {"any", 1, Builtin::kAny1},
    {"all", 1, Builtin::kAll1},
    {"any", 2, Builtin::kAny2},
    {"all", 2, Builtin::kAll2},
    {"first", 0, Builtin::kFirst0},
    {"last", 0, Builtin::kLast0},
    {"first", 1, Builtin::kFirst1},
    {"last", 1, Builtin::kLast1},
    {"nth", 1, Builtin::kNth1},
    {"nth", 2, Builtin::kNth2},
    {"limit", 2, Builtin::kLimit},
    {"isempty", 1, Builtin::kIsEmpty},
    {"range", 1, Builtin::kRange1},
    {"range", 2, Builtin::kRange2},
    {"range", 3, Builtin::kRange3},
    {"reverse", 0, Builtin::kReverse},
    {"flatten", 0, Builtin::kFlatten0},
    {"flatten", 1, Builtin::kFlatten1},
    {"to_entries", 0, Builtin::kToEntries},
    {"from_entries", 0, Builtin::kFromEntries},
    {"with_entries", 1, Builtin::kWithEntries},
    {"join", 1, Builtin::kJoin},
    {"split", 1, Builtin::kSplit},
    {"ascii_downcase", 0, Builtin::kAsciiDowncase},
    {"ascii_upcase", 0, Builtin::kAsciiUpcase},
    {"ltrimstr", 1, Builtin::kLtrimstr},
    {"rtrimstr", 1, Builtin::kRtrimstr},
    {"trim", 0, Builtin::kTrim},
    {"ltrim", 0, Builtin::kLtrim},
    {"rtrim", 0, Builtin::kRtrim},
    {"startswith", 1, Builtin::kStartsWith},
    {"endswith", 1, Builtin::kEndsWith},
    {"contains", 1, Builtin::kContains},
    {"inside", 1, Builtin::kInside},
    {"explode", 0, Builtin::kExplode},
    {"implode", 0, Builtin::kImplode},
    {"tostring", 0, Builtin::kToString},
    {"tonumber", 0, Builtin::kToNumber},
    {"tojson", 0, Builtin::kToJson},
    {"fromjson", 0, Builtin::kFromJson},
    {"floor", 0, Builtin::kFloor},
    {"ceil", 0, Builtin::kCeil},
    {"round", 0, Builtin::kRound},
    {"sqrt", 0, Builtin::kSqrt},
    {"fabs", 0, Builtin::kFabs},
    {"abs", 0, Builtin::kAbs},
    {"arrays", 0, Builtin::kArrays},
    {"objects", 0, Builtin::kObjects},
    {"iterables", 0, Builtin::kIterables},
    {"booleans", 0, Builtin::kBooleans},
    {"numbers", 0, Builtin::kNumbers},
    {"strings", 0, Builtin::kStrings},
    {"nulls", 0, Builtin::kNulls},
    {"scalars", 0, Builtin::kScalars},
};

// jq builtins this subset leaves out, with the reason given to the caller.
struct Unsupported {
  const char* name;
  const char* why;
};
constexpr Unsupported kUnsupported[] = {
    {"test", "regular expressions are not supported"},
    {"match", "regular expressions are not supported"},
    {"capture", "regular expressions are not supported"},
    {"scan", "regular expressions are not supported"},
    {"splits", "regular expressions are not supported"},
    {"sub", "regular expressions are not supported"},
    {"gsub", "regular expressions are not supported"},
    {"path", "path expressions are not supported"},
    {"paths", "path expressions are not supported"},
    {"leaf_paths", "path expressions are not supported"},
    {"getpath", "path expressions are not supported"},
    {"setpath", "path expressions are not supported"},
    {"delpaths", "path expressions are not supported"},
    {"del", "path expressions are not supported"},
    {"to_stream", "streaming is not supported"},
    {"tostream", "streaming is not supported"},
    {"fromstream", "streaming is not supported"},
    {"input", "there is only one input"},
    {"inputs", "there is only one input"},
    {"env", "the environment is not available"},
    {"now", "dates are not supported"},
    {"todate", "dates are not supported"},
    {"fromdate", "dates are not supported"},
    {"strftime", "dates are not supported"},
    {"strptime", "dates are not supported"},
    {"mktime", "dates are not supported"},
    {"gmtime", "dates are not supported"},
    {"reduce", "variables and reductions are not supported"},
    {"foreach", "variables and reductions are not supported"},
    {"def", "definitions are not supported"},
    {"as", "variables are not supported"},
    {"label", "labels are not supported"},
    {"import", "modules are not supported"},
    {"include", "modules are not supported"},
};

struct ObjEntry {
  std::string key;      // when key_node < 0
  int key_node = -1;    // computed key: (expr) or interpolated string
  int value_node = -1;  // -1: shorthand {a} = {a: .a}
};

struct StrPart {
  std::string text;
  int node = -1;  // >= 0: an interpolated \(expr)
};

struct Node {
  NodeKind kind = NodeKind::kIdentity;
  size_t pos = 0;  // byte offset in the query
  std::string name;
  Value literal;
  std::vector<int> kids;
  std::vector<ObjEntry> entries;
  std::vector<StrPart> parts;
  Op op = Op::kAdd;
  Builtin builtin = Builtin::kEmpty;
  // .a? .[0]? .[]? .[1:]?: errors of this step are ignored (not those of
  // the target before it, as in jq: [5] | .a[]? fails on .a).
  bool optional = false;
};

char Lower(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

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

// ---------------------------------------------------------------------------
// Evaluation plumbing

enum class St { kOk, kStop, kError };

// A non-owning reference to a callable St(Value): how a filter hands each
// output to its consumer (outputs stream; nothing is collected unless the
// filter needs all of them).
class Emit {
 public:
  template <class F,
            class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Emit>>>
  Emit(F&& f)  // NOLINT: implicit on purpose, lambdas convert
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, Value v) {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::move(v));
        }) {}
  St operator()(Value v) const { return call_(obj_, std::move(v)); }

 private:
  void* obj_;
  St (*call_)(void*, Value);
};

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

enum class Tok {
  kEnd,
  kDot,
  kDotDot,
  kField,
  kIdent,
  kNumber,
  kString,
  kVar,
  kFormat,
  kPunct,
};

struct Token {
  Tok kind = Tok::kEnd;
  size_t pos = 0;
  std::string text;  // identifier, field name, punctuation, or source text
  double number = 0;
  bool is_int = false;
  int64_t int_value = 0;
};

// Sizes kMaxBuildBytes counts: a value's slot in wasm32 (its type and its
// number, or a pointer to its string, array or object block), and such a
// block, each rounded up to what malloc takes.
constexpr uint64_t kSlotBytes = 16;
// One {"key": k, "value": v} of to_entries beyond the bytes of k and v: the
// object's slot and block, two member names, and k's slot and block.
constexpr uint64_t kEntryBytes = 6 * kSlotBytes;

class Query {
 public:
  Query(std::string_view query, const Json& document)
      : src_(query), document_(document) {}

  QueryOutcome Run() {
    QueryOutcome out;
    if (!Parse()) {
      out.error = std::move(parse_error_);
      return out;
    }
    if (DepthOf(document_, kMaxDocumentDepth) > kMaxDocumentDepth) {
      out.error = QueryError{"too_large",
                             "document nested too deeply (over " +
                                 std::to_string(kMaxDocumentDepth) + " levels)",
                             "limit",
                             {}};
      return out;
    }
    // The document is not ours: a no-op deleter, and root_ keeps a second
    // reference so Take never moves out of it.
    root_ = Value{
        std::shared_ptr<Json>(const_cast<Json*>(&document_), [](Json*) {}),
        &document_};
    size_t bytes = 0;
    auto collect = [&](Value v) -> St {
      if (out.results.size() >= kMaxResults) {
        return Fatal(
            "too many results (over " + std::to_string(kMaxResults) + ")",
            nodes_[root_node_].pos);
      }
      Json j = Take(std::move(v), nodes_[root_node_].pos);
      if (error_.set) return St::kError;
      bytes += Dump(j).size() + 1;
      if (bytes > kMaxOutputBytes) {
        return Fatal("results too large (over " +
                         std::to_string(kMaxOutputBytes) + " bytes of JSON)",
                     nodes_[root_node_].pos);
      }
      out.results.push_back(std::move(j));
      return St::kOk;
    };
    St s = Eval(root_node_, root_, collect);
    if (s == St::kError) {
      out.results = Json::array();
      out.error = RuntimeError();
    }
    out.work = work_;
    out.built = built_;
    return out;
  }

 private:
  // ---- errors -------------------------------------------------------------

  size_t CodePoints(size_t byte_pos) const {
    size_t n = 0;
    for (size_t i = 0; i < byte_pos && i < src_.size(); ++i) {
      if ((static_cast<unsigned char>(src_[i]) & 0xC0) != 0x80) ++n;
    }
    return n;
  }

  bool ParseFail(const std::string& message, size_t pos,
                 const std::string& suffix = "") {
    if (parse_error_) return false;
    size_t offset = CodePoints(pos);
    parse_error_ =
        QueryError{"invalid_arguments",
                   message + " at offset " + std::to_string(offset) + suffix,
                   "parse", offset};
    return false;
  }

  struct RtError {
    bool set = false;
    bool fatal = false;  // a limit: not catchable by try or ?
    std::string code;
    Json value;  // what `catch` receives
    size_t pos = 0;
  };

  St Fail(const std::string& message, size_t pos) {
    return FailValue(Json(message), pos);
  }
  St FailValue(Json value, size_t pos) {
    if (!error_.set) {
      error_ = RtError{true, false, "invalid_arguments", std::move(value), pos};
    }
    return St::kError;
  }
  St Fatal(const std::string& message, size_t pos) {
    if (!error_.set || !error_.fatal) {
      error_ = RtError{true, true, "too_large", Json(message), pos};
    }
    return St::kError;
  }

  QueryError RuntimeError() const {
    std::string message =
        error_.value.is_string()
            ? error_.value.get<std::string>()
            : Truncate(Dump(error_.value), 200) + " (not a string)";
    return QueryError{error_.code, message, error_.fatal ? "limit" : "runtime",
                      CodePoints(error_.pos)};
  }

  // Counts `units` of work; false (with a fatal error) past the budget,
  // or past kMaxBuildBytes (which Out counts without checking).
  bool Charge(uint64_t units, size_t pos) {
    work_ += units;
    if (built_ > kMaxBuildBytes) return Build(0, pos);
    if (work_ <= kWorkBudget) return true;
    Fatal("query needs too much work (over " + std::to_string(kWorkBudget) +
              " steps)",
          pos);
    return false;
  }

  // Counts `bytes` of values built; false (with a fatal error) past
  // kMaxBuildBytes.
  bool Build(uint64_t bytes, size_t pos) {
    built_ += bytes;
    if (built_ <= kMaxBuildBytes) return true;
    Fatal("query builds too much data (over " +
              std::to_string(kMaxBuildBytes >> 20) + " MiB of values)",
          pos);
    return false;
  }

  // What kMaxBuildBytes counts for one value, without its elements or
  // members (each counted as a value of its own): its 16-byte slot; for a
  // string, array or object the heap block it points to; a string's bytes;
  // an object's keys.
  static uint64_t NodeBytes(const Json& j) {
    switch (j.type()) {
      case Json::value_t::string:
        return kSlotBytes * 2 + j.get_ref<const std::string&>().size();
      case Json::value_t::array:
        return kSlotBytes * 2;
      case Json::value_t::object: {
        uint64_t bytes = kSlotBytes * 2;
        for (auto it = j.begin(); it != j.end(); ++it) {
          bytes += kSlotBytes + it.key().size();
        }
        return bytes;
      }
      default:
        return kSlotBytes;
    }
  }

  // A new string of `size` bytes: CheckString, and its bytes counted.
  bool NewString(size_t size, size_t pos) {
    return CheckString(size, pos) && Build(kSlotBytes * 2 + size, pos);
  }

  // ---- lexer --------------------------------------------------------------

  void SkipSpaceAndComments() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  // Reads the next token into tok_. A string token only marks the opening
  // quote: ParseString reads the rest (it may contain \(...) expressions).
  bool Advance() {
    SkipSpaceAndComments();
    tok_ = Token();
    tok_.pos = pos_;
    if (pos_ >= src_.size()) return true;
    char c = src_[pos_];
    auto rest = src_.substr(pos_);
    if (c == '.') {
      if (rest.substr(0, 2) == "..") {
        tok_.kind = Tok::kDotDot;
        tok_.text = "..";
        pos_ += 2;
        return true;
      }
      if (pos_ + 1 < src_.size() && IsIdentStart(src_[pos_ + 1])) {
        size_t start = ++pos_;
        while (pos_ < src_.size() && IsIdentChar(src_[pos_])) ++pos_;
        tok_.kind = Tok::kField;
        tok_.text = std::string(src_.substr(start, pos_ - start));
        return true;
      }
      tok_.kind = Tok::kDot;
      tok_.text = ".";
      ++pos_;
      return true;
    }
    if (IsIdentStart(c)) {
      size_t start = pos_;
      while (pos_ < src_.size() && IsIdentChar(src_[pos_])) ++pos_;
      tok_.kind = Tok::kIdent;
      tok_.text = std::string(src_.substr(start, pos_ - start));
      return true;
    }
    if (c == '$' || c == '@') {
      size_t start = pos_++;
      while (pos_ < src_.size() && IsIdentChar(src_[pos_])) ++pos_;
      tok_.kind = c == '$' ? Tok::kVar : Tok::kFormat;
      tok_.text = std::string(src_.substr(start, pos_ - start));
      return true;
    }
    if (IsDigit(c)) return LexNumber();
    if (c == '"') {
      tok_.kind = Tok::kString;
      tok_.text = "\"";
      ++pos_;
      return true;
    }
    static constexpr const char* kPuncts[] = {
        "?//", "//=", "|=", "+=", "-=", "*=", "/=", "%=", "==", "!=", "<=",
        ">=",  "//",  "|",  ",",  "+",  "-",  "*",  "/",  "%",  "=",  "<",
        ">",   "(",   ")",  "[",  "]",  "{",  "}",  ":",  ";",  "?",
    };
    for (const char* p : kPuncts) {
      std::string_view t = p;
      if (rest.substr(0, t.size()) == t) {
        tok_.kind = Tok::kPunct;
        tok_.text = std::string(t);
        pos_ += t.size();
        return true;
      }
    }
    size_t len = 1;
    unsigned char uc = static_cast<unsigned char>(c);
    if (uc >= 0xC0) len = uc >= 0xF0 ? 4 : uc >= 0xE0 ? 3 : 2;
    return ParseFail(
        "unexpected character '" +
            std::string(rest.substr(0, std::min(len, rest.size()))) + "'",
        pos_);
  }

  bool LexNumber() {
    size_t start = pos_;
    bool is_float = false;
    while (pos_ < src_.size() && IsDigit(src_[pos_])) ++pos_;
    if (pos_ < src_.size() && src_[pos_] == '.') {
      is_float = true;
      ++pos_;
      while (pos_ < src_.size() && IsDigit(src_[pos_])) ++pos_;
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      size_t p = pos_ + 1;
      if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
      if (p < src_.size() && IsDigit(src_[p])) {
        is_float = true;
        pos_ = p;
        while (pos_ < src_.size() && IsDigit(src_[pos_])) ++pos_;
      }
    }
    tok_.kind = Tok::kNumber;
    tok_.text = std::string(src_.substr(start, pos_ - start));
    tok_.number = std::strtod(tok_.text.c_str(), nullptr);
    if (!std::isfinite(tok_.number)) {
      return ParseFail("number '" + tok_.text + "' is out of range", start);
    }
    if (!is_float && tok_.text.size() <= 18) {
      tok_.is_int = true;
      tok_.int_value = std::strtoll(tok_.text.c_str(), nullptr, 10);
    }
    return true;
  }

  bool IsPunct(const char* p) const {
    return tok_.kind == Tok::kPunct && tok_.text == p;
  }
  bool IsKeyword(const char* k) const {
    return tok_.kind == Tok::kIdent && tok_.text == k;
  }

  bool Unexpected() {
    if (tok_.kind == Tok::kEnd) {
      return ParseFail("unexpected end of query", tok_.pos);
    }
    if (tok_.kind == Tok::kPunct &&
        (tok_.text == "=" || tok_.text == "|=" || tok_.text == "+=" ||
         tok_.text == "-=" || tok_.text == "*=" || tok_.text == "/=" ||
         tok_.text == "%=" || tok_.text == "//=")) {
      return ParseFail("assignment ('" + tok_.text + "') is not supported",
                       tok_.pos,
                       tok_.text == "=" ? " (use '==' to compare)" : "");
    }
    if (tok_.kind == Tok::kIdent) {
      for (const Unsupported& u : kUnsupported) {
        if (tok_.text == u.name) {
          return ParseFail(
              "'" + tok_.text + "' is not supported (" + u.why + ")", tok_.pos);
        }
      }
    }
    std::string text = tok_.kind == Tok::kField ? "." + tok_.text : tok_.text;
    return ParseFail("unexpected token '" + text + "'", tok_.pos);
  }

  bool Expect(const char* p) {
    if (IsPunct(p)) return Advance();
    return Unexpected();
  }

  // ---- parser -------------------------------------------------------------

  int Add(Node n) {
    nodes_.push_back(std::move(n));
    return static_cast<int>(nodes_.size()) - 1;
  }
  int NewNode(NodeKind kind, size_t pos, std::vector<int> kids = {}) {
    Node n;
    n.kind = kind;
    n.pos = pos;
    n.kids = std::move(kids);
    return Add(std::move(n));
  }

  struct DepthGuard {
    explicit DepthGuard(int* d) : depth(d) { ++*depth; }
    ~DepthGuard() { --*depth; }
    int* depth;
  };
  bool TooDeep() {
    if (parse_depth_ <= kMaxParseDepth) return false;
    ParseFail("query nested too deeply (over " +
                  std::to_string(kMaxParseDepth) + " levels)",
              tok_.pos);
    return true;
  }

  bool Parse() {
    if (!Advance()) return false;
    if (tok_.kind == Tok::kEnd) {
      return ParseFail(
          "query: must not be empty (use '.' for the whole "
          "document)",
          0);
    }
    root_node_ = ParsePipe();
    if (root_node_ < 0) return false;
    if (tok_.kind != Tok::kEnd) return Unexpected();
    return true;
  }

  int ParsePipe() {
    DepthGuard guard(&parse_depth_);
    if (TooDeep()) return -1;
    size_t pos = tok_.pos;
    int first = ParseComma();
    if (first < 0) return -1;
    if (!IsPunct("|")) return first;
    std::vector<int> stages{first};
    while (IsPunct("|")) {
      if (!Advance()) return -1;
      int next = ParseComma();
      if (next < 0) return -1;
      stages.push_back(next);
    }
    return NewNode(NodeKind::kPipe, pos, std::move(stages));
  }

  int ParseComma() {
    size_t pos = tok_.pos;
    int first = ParseAlt();
    if (first < 0) return -1;
    if (!IsPunct(",")) return first;
    std::vector<int> items{first};
    while (IsPunct(",")) {
      if (!Advance()) return -1;
      int next = ParseAlt();
      if (next < 0) return -1;
      items.push_back(next);
    }
    return NewNode(NodeKind::kComma, pos, std::move(items));
  }

  int ParseAlt() {
    int left = ParseOr();
    if (left < 0 || !IsPunct("//")) return left;
    DepthGuard guard(&parse_depth_);  // a // b // c recurses
    if (TooDeep()) return -1;
    size_t pos = tok_.pos;
    if (!Advance()) return -1;
    int right = ParseAlt();  // right-associative
    if (right < 0) return -1;
    return NewNode(NodeKind::kAlt, pos, {left, right});
  }

  int ParseOr() {
    int left = ParseAnd();
    while (left >= 0 && IsKeyword("or")) {
      size_t pos = tok_.pos;
      if (!Advance()) return -1;
      int right = ParseAnd();
      if (right < 0) return -1;
      left = NewNode(NodeKind::kOr, pos, {left, right});
    }
    return left;
  }

  int ParseAnd() {
    int left = ParseCompare();
    while (left >= 0 && IsKeyword("and")) {
      size_t pos = tok_.pos;
      if (!Advance()) return -1;
      int right = ParseCompare();
      if (right < 0) return -1;
      left = NewNode(NodeKind::kAnd, pos, {left, right});
    }
    return left;
  }

  bool CompareOp(Op* op) const {
    if (tok_.kind != Tok::kPunct) return false;
    const std::string& t = tok_.text;
    if (t == "==")
      *op = Op::kEq;
    else if (t == "!=")
      *op = Op::kNe;
    else if (t == "<")
      *op = Op::kLt;
    else if (t == "<=")
      *op = Op::kLe;
    else if (t == ">")
      *op = Op::kGt;
    else if (t == ">=")
      *op = Op::kGe;
    else
      return false;
    return true;
  }

  int ParseCompare() {
    int left = ParseAdditive();
    Op op;
    if (left < 0 || !CompareOp(&op)) return left;
    size_t pos = tok_.pos;
    if (!Advance()) return -1;
    int right = ParseAdditive();
    if (right < 0) return -1;
    if (CompareOp(&op)) {
      // jq's comparisons do not chain either.
      Unexpected();
      return -1;
    }
    int n = NewNode(NodeKind::kCompare, pos, {left, right});
    nodes_[n].op = op;
    return n;
  }

  int ParseAdditive() {
    int left = ParseMultiplicative();
    while (left >= 0 && (IsPunct("+") || IsPunct("-"))) {
      Op op = IsPunct("+") ? Op::kAdd : Op::kSub;
      size_t pos = tok_.pos;
      if (!Advance()) return -1;
      int right = ParseMultiplicative();
      if (right < 0) return -1;
      left = NewNode(NodeKind::kArith, pos, {left, right});
      nodes_[left].op = op;
    }
    return left;
  }

  int ParseMultiplicative() {
    int left = ParseUnary();
    while (left >= 0 && (IsPunct("*") || IsPunct("/") || IsPunct("%"))) {
      Op op = IsPunct("*") ? Op::kMul : IsPunct("/") ? Op::kDiv : Op::kMod;
      size_t pos = tok_.pos;
      if (!Advance()) return -1;
      int right = ParseUnary();
      if (right < 0) return -1;
      left = NewNode(NodeKind::kArith, pos, {left, right});
      nodes_[left].op = op;
    }
    return left;
  }

  int ParseUnary() {
    if (IsPunct("-")) {
      DepthGuard guard(&parse_depth_);  // - - - x recurses
      if (TooDeep()) return -1;
      size_t pos = tok_.pos;
      if (!Advance()) return -1;
      int operand = ParseUnary();
      if (operand < 0) return -1;
      return NewNode(NodeKind::kNegate, pos, {operand});
    }
    return ParsePostfix();
  }

  int ParsePostfix() {
    int term = ParseTerm();
    // Whether `term` ends with an index/iterate step, which a '?' makes
    // optional by itself (a parenthesized term is wrapped in try instead).
    bool step = term_is_step_;
    while (term >= 0) {
      size_t pos = tok_.pos;
      if (tok_.kind == Tok::kField) {
        int n = NewNode(NodeKind::kField, pos, {term});
        nodes_[n].name = tok_.text;
        if (!Advance()) return -1;
        term = n;
        step = true;
      } else if (tok_.kind == Tok::kDot) {
        step = true;
        // .a."b" and .a.[0] (jq 1.7)
        if (!Advance()) return -1;
        if (tok_.kind == Tok::kString) {
          term = ParseStringIndex(term, pos);
        } else if (IsPunct("[")) {
          term = ParseBracket(term);
        } else {
          Unexpected();
          return -1;
        }
      } else if (IsPunct("[")) {
        term = ParseBracket(term);
        step = true;
      } else if (IsPunct("?")) {
        if (!Advance()) return -1;
        if (step) {
          nodes_[term].optional = true;
        } else {
          term = NewNode(NodeKind::kTry, pos, {term, -1});
        }
        step = false;
      } else if (IsKeyword("as")) {
        Unexpected();
        return -1;
      } else {
        break;
      }
    }
    return term;
  }

  // ."key" after `target`: the string may not be interpolated.
  int ParseStringIndex(int target, size_t pos) {
    int s = ParseString();
    if (s < 0) return -1;
    if (nodes_[s].kind != NodeKind::kLiteral) {
      int n = NewNode(NodeKind::kIndex, pos, {target, s});
      return n;
    }
    int n = NewNode(NodeKind::kField, pos, {target});
    nodes_[n].name = nodes_[s].literal->get<std::string>();
    return n;
  }

  // [] / [e] / [e:] / [:e] / [e:e] after `target` (tok_ is '[').
  int ParseBracket(int target) {
    size_t pos = tok_.pos;
    if (!Advance()) return -1;
    if (IsPunct("]")) {
      if (!Advance()) return -1;
      return NewNode(NodeKind::kIterate, pos, {target});
    }
    int from = -1;
    if (!IsPunct(":")) {
      from = ParsePipe();
      if (from < 0) return -1;
    }
    if (IsPunct(":")) {
      if (!Advance()) return -1;
      int to = -1;
      if (!IsPunct("]")) {
        to = ParsePipe();
        if (to < 0) return -1;
      }
      if (!Expect("]")) return -1;
      return NewNode(NodeKind::kSlice, pos, {target, from, to});
    }
    if (!Expect("]")) return -1;
    return NewNode(NodeKind::kIndex, pos, {target, from});
  }

  int Literal(Json value, size_t pos) {
    Node n;
    n.kind = NodeKind::kLiteral;
    n.pos = pos;
    n.literal = Make(std::move(value));
    return Add(std::move(n));
  }

  // Sets term_is_step_ for the term parsed (nested terms set their own).
  int ParseTerm() {
    bool step = false;
    int term = ParseTermBody(&step);
    term_is_step_ = step;
    return term;
  }

  int ParseTermBody(bool* step) {
    size_t pos = tok_.pos;
    switch (tok_.kind) {
      case Tok::kDot: {
        if (!Advance()) return -1;
        int self = NewNode(NodeKind::kIdentity, pos);
        if (tok_.kind == Tok::kString && tok_.pos == pos + 1) {
          int n = ParseStringIndex(self, pos);
          *step = true;
          return n;
        }
        return self;
      }
      case Tok::kDotDot:
        if (!Advance()) return -1;
        return NewNode(NodeKind::kRecurseAll, pos);
      case Tok::kField: {
        int self = NewNode(NodeKind::kIdentity, pos);
        int n = NewNode(NodeKind::kField, pos, {self});
        nodes_[n].name = tok_.text;
        if (!Advance()) return -1;
        *step = true;
        return n;
      }
      case Tok::kNumber: {
        Json v = tok_.is_int ? Json(tok_.int_value) : Json(tok_.number);
        if (!Advance()) return -1;
        return Literal(std::move(v), pos);
      }
      case Tok::kString:
        return ParseString();
      case Tok::kVar:
        ParseFail("variables are not supported ('" + tok_.text + "')", pos);
        return -1;
      case Tok::kFormat:
        ParseFail("formats are not supported ('" + tok_.text + "')", pos);
        return -1;
      case Tok::kIdent:
        return ParseIdent();
      case Tok::kPunct:
        if (IsPunct("(")) {
          if (!Advance()) return -1;
          int inner = ParsePipe();
          if (inner < 0) return -1;
          if (tok_.kind == Tok::kEnd) {
            ParseFail("missing ')' for the '('", pos);
            return -1;
          }
          if (!Expect(")")) return -1;
          return inner;
        }
        if (IsPunct("[")) {
          if (!Advance()) return -1;
          if (IsPunct("]")) {
            if (!Advance()) return -1;
            return NewNode(NodeKind::kArray, pos);
          }
          int inner = ParsePipe();
          if (inner < 0) return -1;
          if (tok_.kind == Tok::kEnd) {
            ParseFail("missing ']' for the '['", pos);
            return -1;
          }
          if (!Expect("]")) return -1;
          return NewNode(NodeKind::kArray, pos, {inner});
        }
        if (IsPunct("{")) return ParseObject();
        break;
      default:
        break;
    }
    Unexpected();
    return -1;
  }

  int ParseIdent() {
    size_t pos = tok_.pos;
    std::string name = tok_.text;
    if (name == "true" || name == "false" || name == "null") {
      if (!Advance()) return -1;
      return Literal(name == "null" ? Json(nullptr) : Json(name == "true"),
                     pos);
    }
    if (name == "if") return ParseIf();
    if (name == "try") {
      if (!Advance()) return -1;
      int body = ParsePostfixBody();
      if (body < 0) return -1;
      int handler = -1;
      if (IsKeyword("catch")) {
        if (!Advance()) return -1;
        handler = ParsePostfixBody();
        if (handler < 0) return -1;
      }
      return NewNode(NodeKind::kTry, pos, {body, handler});
    }
    static constexpr const char* kReserved[] = {
        "then", "elif", "else", "end", "catch", "and", "or", "__loc__"};
    for (const char* r : kReserved) {
      if (name == r) {
        Unexpected();
        return -1;
      }
    }
    for (const Unsupported& u : kUnsupported) {
      if (name == u.name) {
        ParseFail("'" + name + "' is not supported (" + u.why + ")", pos);
        return -1;
      }
    }
    if (!Advance()) return -1;
    std::vector<int> args;
    if (IsPunct("(")) {
      if (!Advance()) return -1;
      while (true) {
        int arg = ParsePipe();
        if (arg < 0) return -1;
        args.push_back(arg);
        if (IsPunct(";")) {
          if (!Advance()) return -1;
          continue;
        }
        if (tok_.kind == Tok::kEnd) {
          ParseFail("missing ')' for " + name + "(", pos);
          return -1;
        }
        if (!Expect(")")) return -1;
        break;
      }
    }
    int arity = static_cast<int>(args.size());
    std::vector<int> arities;
    for (const BuiltinInfo& b : kBuiltins) {
      if (name != b.name) continue;
      if (b.arity == arity) {
        Node n;
        n.kind = NodeKind::kCall;
        n.pos = pos;
        n.name = name;
        n.builtin = b.id;
        n.kids = std::move(args);
        return Add(std::move(n));
      }
      arities.push_back(b.arity);
    }
    if (!arities.empty()) {
      std::string want;
      for (size_t i = 0; i < arities.size(); ++i) {
        if (i > 0) want += i + 1 == arities.size() ? " or " : ", ";
        want += std::to_string(arities[i]);
      }
      ParseFail("wrong number of arguments to '" + name + "' (got " +
                    std::to_string(arity) + ", it takes " + want + ")",
                pos);
      return -1;
    }
    // The closest known name, for typos.
    const char* best = nullptr;
    size_t best_distance = 0;
    for (const BuiltinInfo& b : kBuiltins) {
      size_t d = EditDistance(name, b.name);
      size_t limit = name.size() <= 3 ? 1 : 2;
      if (d > limit ||
          d >= std::max(name.size(), std::string_view(b.name).size())) {
        continue;
      }
      if (best == nullptr || d < best_distance) {
        best = b.name;
        best_distance = d;
      }
    }
    ParseFail(
        "unknown function '" + name + "'", pos,
        best == nullptr ? "" : std::string(" (did you mean '") + best + "'?)");
    return -1;
  }

  // The body of try/catch: a postfix term, possibly negated (jq binds them
  // tightly: try 1 + 1 is (try 1) + 1).
  int ParsePostfixBody() {
    DepthGuard guard(&parse_depth_);  // try try try x recurses
    if (TooDeep()) return -1;
    return ParseUnary();
  }

  int ParseIf() {
    size_t pos = tok_.pos;
    std::vector<int> kids;
    if (!Advance()) return -1;  // past 'if'
    while (true) {
      int cond = ParsePipe();
      if (cond < 0) return -1;
      if (!IsKeyword("then")) {
        Unexpected();
        return -1;
      }
      if (!Advance()) return -1;
      int then = ParsePipe();
      if (then < 0) return -1;
      kids.push_back(cond);
      kids.push_back(then);
      if (IsKeyword("elif")) {
        if (!Advance()) return -1;
        continue;
      }
      break;
    }
    int otherwise = -1;
    if (IsKeyword("else")) {
      if (!Advance()) return -1;
      otherwise = ParsePipe();
      if (otherwise < 0) return -1;
    }
    if (!IsKeyword("end")) {
      if (tok_.kind == Tok::kEnd) {
        ParseFail("missing 'end' for the 'if'", pos);
        return -1;
      }
      Unexpected();
      return -1;
    }
    if (!Advance()) return -1;
    kids.push_back(otherwise);
    return NewNode(NodeKind::kIf, pos, std::move(kids));
  }

  int ParseObject() {
    DepthGuard guard(&parse_depth_);  // {a: {a: ...}} does not pass ParsePipe
    if (TooDeep()) return -1;
    size_t pos = tok_.pos;
    Node obj;
    obj.kind = NodeKind::kObject;
    obj.pos = pos;
    if (!Advance()) return -1;  // past '{'
    while (!IsPunct("}")) {
      ObjEntry e;
      if (tok_.kind == Tok::kIdent) {
        e.key = tok_.text;
        if (!Advance()) return -1;
      } else if (tok_.kind == Tok::kString) {
        int s = ParseString();
        if (s < 0) return -1;
        if (nodes_[s].kind == NodeKind::kLiteral) {
          e.key = nodes_[s].literal->get<std::string>();
        } else {
          e.key_node = s;
        }
      } else if (IsPunct("(")) {
        if (!Advance()) return -1;
        e.key_node = ParsePipe();
        if (e.key_node < 0 || !Expect(")")) return -1;
        if (!IsPunct(":")) {
          Unexpected();
          return -1;
        }
      } else if (tok_.kind == Tok::kVar) {
        ParseFail("variables are not supported ('" + tok_.text + "')",
                  tok_.pos);
        return -1;
      } else {
        if (tok_.kind == Tok::kEnd) {
          ParseFail("missing '}' for the '{'", pos);
          return -1;
        }
        Unexpected();
        return -1;
      }
      if (IsPunct(":")) {
        if (!Advance()) return -1;
        e.value_node = ParseObjectValue();
        if (e.value_node < 0) return -1;
      }
      obj.entries.push_back(std::move(e));
      if (IsPunct(",")) {
        if (!Advance()) return -1;
        continue;
      }
      if (!IsPunct("}")) {
        if (tok_.kind == Tok::kEnd) {
          ParseFail("missing '}' for the '{'", pos);
          return -1;
        }
        Unexpected();
        return -1;
      }
    }
    if (!Advance()) return -1;  // past '}'
    return Add(std::move(obj));
  }

  // An object value: anything but a top-level ',' (which ends the entry).
  int ParseObjectValue() {
    size_t pos = tok_.pos;
    int first = ParseAlt();
    if (first < 0 || !IsPunct("|")) return first;
    std::vector<int> stages{first};
    while (IsPunct("|")) {
      if (!Advance()) return -1;
      int next = ParseAlt();
      if (next < 0) return -1;
      stages.push_back(next);
    }
    return NewNode(NodeKind::kPipe, pos, std::move(stages));
  }

  static int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool ReadHex4(size_t at, uint32_t* out) {
    if (at + 4 > src_.size()) return false;
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      int h = HexValue(src_[at + k]);
      if (h < 0) return false;
      v = v * 16 + h;
    }
    *out = v;
    return true;
  }

  // A string literal; tok_ is its opening quote and pos_ is just past it.
  // Returns a literal node, or a kString node when it interpolates.
  int ParseString() {
    size_t start = tok_.pos;
    Node n;
    n.kind = NodeKind::kString;
    n.pos = start;
    std::string text;
    while (true) {
      if (pos_ >= src_.size()) {
        ParseFail("unterminated string", start);
        return -1;
      }
      char c = src_[pos_];
      if (c == '"') {
        ++pos_;
        break;
      }
      if (c != '\\') {
        text += c;
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= src_.size()) {
        ParseFail("unterminated string", start);
        return -1;
      }
      char e = src_[pos_ + 1];
      size_t esc = pos_;
      pos_ += 2;
      switch (e) {
        case 'n':
          text += '\n';
          break;
        case 't':
          text += '\t';
          break;
        case 'r':
          text += '\r';
          break;
        case 'b':
          text += '\b';
          break;
        case 'f':
          text += '\f';
          break;
        case '"':
          text += '"';
          break;
        case '\\':
          text += '\\';
          break;
        case '/':
          text += '/';
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!ReadHex4(pos_, &cp)) {
            ParseFail("invalid \\u escape in string", esc);
            return -1;
          }
          pos_ += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low = 0;
            if (pos_ + 1 < src_.size() && src_[pos_] == '\\' &&
                src_[pos_ + 1] == 'u' && ReadHex4(pos_ + 2, &low) &&
                low >= 0xDC00 && low <= 0xDFFF) {
              pos_ += 6;
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              ParseFail("invalid surrogate pair in string", esc);
              return -1;
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            ParseFail("invalid surrogate pair in string", esc);
            return -1;
          }
          AppendUtf8(cp, &text);
          break;
        }
        case '(': {
          if (!text.empty()) n.parts.push_back(StrPart{std::move(text), -1});
          text.clear();
          if (!Advance()) return -1;
          int inner = ParsePipe();
          if (inner < 0) return -1;
          if (!IsPunct(")")) {
            if (tok_.kind == Tok::kEnd) {
              ParseFail("missing ')' for the '\\(' in string", esc);
              return -1;
            }
            Unexpected();
            return -1;
          }
          // pos_ is just past the ')': the string continues there.
          n.parts.push_back(StrPart{"", inner});
          break;
        }
        default: {
          ParseFail("invalid escape '\\" + std::string(1, e) + "' in string",
                    esc);
          return -1;
        }
      }
    }
    if (!Advance()) return -1;
    if (n.parts.empty()) return Literal(Json(std::move(text)), start);
    if (!text.empty()) n.parts.push_back(StrPart{std::move(text), -1});
    return Add(std::move(n));
  }

  // ---- evaluation: helpers ------------------------------------------------

  // The value as a Json of our own: moved when nothing else holds it,
  // otherwise copied (and the copy is charged per node).
  Json Take(Value v, size_t pos) {
    if (v.owner && v.owner.use_count() == 1 && v.p == v.owner.get()) {
      return std::move(*v.owner);
    }
    if (!ChargeCopy(*v.p, pos)) return Json();
    return *v.p;
  }

  // Charges one unit per node of `j`, and its bytes (stops counting past
  // either budget).
  bool ChargeCopy(const Json& j, size_t pos) {
    if (!j.is_array() && !j.is_object()) {
      return Charge(1, pos) && Build(NodeBytes(j), pos);
    }
    std::vector<const Json*> stack{&j};
    uint64_t count = 0;
    uint64_t bytes = 0;
    while (!stack.empty()) {
      const Json* cur = stack.back();
      stack.pop_back();
      // A container or a longer string is an allocation: several times
      // the cost of a scalar.
      count += cur->is_array() || cur->is_object() || cur->is_string() ? 4 : 1;
      bytes += NodeBytes(*cur);
      if (work_ + count > kWorkBudget || built_ + bytes > kMaxBuildBytes) {
        break;
      }
      if (cur->is_array() || cur->is_object()) {
        for (const Json& child : *cur) stack.push_back(&child);
      }
    }
    return Charge(count, pos) && Build(bytes, pos);
  }

  bool CheckString(size_t size, size_t pos) {
    if (size > kMaxStringBytes) {
      Fatal("string too large (over " + std::to_string(kMaxStringBytes) +
                " bytes)",
            pos);
      return false;
    }
    return Charge(size / 16 + 1, pos);
  }

  // jq's total order: null < false < true < numbers < strings < arrays <
  // objects; arrays lexicographically; objects by their sorted key sets,
  // then by the values in key order. Counts one unit per node compared.
  int Cmp(const Json& a, const Json& b) {
    ++work_;
    int ra = TypeRank(a), rb = TypeRank(b);
    if (ra != rb) return ra < rb ? -1 : 1;
    switch (ra) {
      case 3: {
        int64_t x, y;
        if (AsInt64(a, &x) && AsInt64(b, &y)) return x < y ? -1 : x > y;
        double dx = a.get<double>(), dy = b.get<double>();
        return dx < dy ? -1 : dx > dy;
      }
      case 4: {
        int c = a.get_ref<const std::string&>().compare(
            b.get_ref<const std::string&>());
        return c < 0 ? -1 : c > 0;
      }
      case 5: {
        size_t n = std::min(a.size(), b.size());
        for (size_t i = 0; i < n; ++i) {
          int c = Cmp(a[i], b[i]);
          if (c != 0) return c;
        }
        return a.size() < b.size() ? -1 : a.size() > b.size();
      }
      case 6: {
        auto ka = SortedKeys(a), kb = SortedKeys(b);
        size_t n = std::min(ka.size(), kb.size());
        for (size_t i = 0; i < n; ++i) {
          int c = ka[i]->compare(*kb[i]);
          if (c != 0) return c < 0 ? -1 : 1;
        }
        if (ka.size() != kb.size()) return ka.size() < kb.size() ? -1 : 1;
        for (const std::string* k : ka) {
          int c = Cmp(*a.find(*k), *b.find(*k));
          if (c != 0) return c;
        }
        return 0;
      }
      default:
        return 0;
    }
  }

  bool Equal(const Json& a, const Json& b) { return Cmp(a, b) == 0; }

  // A new value to the consumer. Allocating it is a unit of work and a
  // slot of kMaxBuildBytes (checked by the next Charge: what the value
  // holds was counted when it was built).
  St Out(Emit out, Json j) {
    ++work_;
    built_ += kSlotBytes;
    return out(Make(std::move(j)));
  }

  // ---- evaluation: dispatch -------------------------------------------------

  St Eval(int id, const Value& in, Emit out) {
    const Node& n = nodes_[id];
    DepthGuard guard(&eval_depth_);
    if (eval_depth_ > kMaxEvalDepth) {
      return Fatal("query recursion too deep (over " +
                       std::to_string(kMaxEvalDepth) + " nested evaluations)",
                   n.pos);
    }
    if (!Charge(1, n.pos)) return St::kError;
    switch (n.kind) {
      case NodeKind::kIdentity:
        return out(in);
      case NodeKind::kRecurseAll:
        return RecurseAll(n, in, out);
      case NodeKind::kField:
        return Eval(n.kids[0], in, [&](Value t) {
          return Step(n, out,
                      [&](Emit o) { return IndexBy(n, t, Json(n.name), o); });
        });
      case NodeKind::kIndex:
        return EvalIndex(n, in, out);
      case NodeKind::kSlice:
        return EvalSlice(n, in, out);
      case NodeKind::kIterate:
        return Eval(n.kids[0], in, [&](Value t) {
          return Step(n, out, [&](Emit o) { return Iterate(n, t, o); });
        });
      case NodeKind::kLiteral:
        return out(n.literal);
      case NodeKind::kString:
        return EvalString(n, in, 0, std::string(), out);
      case NodeKind::kPipe:
        return EvalPipe(n, 0, in, out);
      case NodeKind::kComma:
        for (int kid : n.kids) {
          St s = Eval(kid, in, out);
          if (s != St::kOk) return s;
        }
        return St::kOk;
      case NodeKind::kAlt:
        return EvalAlt(n, in, out);
      case NodeKind::kAnd:
      case NodeKind::kOr:
        return EvalLogic(n, in, out);
      case NodeKind::kCompare:
      case NodeKind::kArith:
        return EvalBinary(n, in, out);
      case NodeKind::kNegate:
        return Eval(n.kids[0], in, [&](Value v) -> St {
          int64_t i;
          if (AsInt64(*v, &i) && i != INT64_MIN) return Out(out, Json(-i));
          if (v->is_number()) return Out(out, NumberJson(-v->get<double>()));
          return Fail(Describe(*v) + " cannot be negated", n.pos);
        });
      case NodeKind::kArray:
        return EvalArray(n, in, out);
      case NodeKind::kObject:
        return EvalObject(n, in, out);
      case NodeKind::kCall:
        return EvalCall(n, in, out);
      case NodeKind::kIf:
        return EvalIf(n, 0, in, out);
      case NodeKind::kTry:
        return EvalTry(n, in, out);
    }
    return St::kOk;
  }

  // Runs one index/iterate step; for an optional step (.a?, .[]?) its own
  // errors are dropped, but not errors raised downstream, inside `out`.
  template <class F>
  St Step(const Node& n, Emit out, F&& op) {
    if (!n.optional) return op(out);
    bool downstream = false;
    auto watched = [&](Value v) {
      St r = out(std::move(v));
      if (r == St::kError) downstream = true;
      return r;
    };
    St s = op(Emit(watched));
    if (s != St::kError || downstream || error_.fatal) return s;
    error_ = RtError();
    return St::kOk;
  }

  St EvalPipe(const Node& n, size_t stage, const Value& in, Emit out) {
    if (stage + 1 == n.kids.size()) return Eval(n.kids[stage], in, out);
    return Eval(n.kids[stage], in,
                [&](Value v) { return EvalPipe(n, stage + 1, v, out); });
  }

  St EvalAlt(const Node& n, const Value& in, Emit out) {
    // Outputs of the left side that are not false/null; if none, the right
    // side.
    std::vector<Value> good;
    St s = Eval(n.kids[0], in, [&](Value v) {
      if (Truthy(*v)) good.push_back(std::move(v));
      return St::kOk;
    });
    if (s == St::kError) {
      // As jq: an error on the left is raised, after the usable values that
      // came before it.
      if (error_.fatal) return s;
      RtError error = std::move(error_);
      error_ = RtError();
      for (Value& v : good) {
        St r = out(std::move(v));
        if (r != St::kOk) return r;
      }
      error_ = std::move(error);
      return St::kError;
    }
    if (good.empty()) return Eval(n.kids[1], in, out);
    for (Value& v : good) {
      St r = out(std::move(v));
      if (r != St::kOk) return r;
    }
    return St::kOk;
  }

  St EvalLogic(const Node& n, const Value& in, Emit out) {
    bool is_and = n.kind == NodeKind::kAnd;
    return Eval(n.kids[0], in, [&](Value a) -> St {
      bool ta = Truthy(*a);
      if (is_and ? !ta : ta) return Out(out, Json(!is_and));
      return Eval(n.kids[1], in,
                  [&](Value b) { return Out(out, Json(Truthy(*b))); });
    });
  }

  // Binary operators run the right side in the outer loop, as jq does:
  // (1,2) + (10,20) gives 11, 12, 21, 22.
  St EvalBinary(const Node& n, const Value& in, Emit out) {
    return Eval(n.kids[1], in, [&](Value b) {
      return Eval(n.kids[0], in, [&](Value a) -> St {
        if (n.kind == NodeKind::kCompare) {
          int c = Cmp(*a, *b);
          bool r = false;
          switch (n.op) {
            case Op::kEq:
              r = c == 0;
              break;
            case Op::kNe:
              r = c != 0;
              break;
            case Op::kLt:
              r = c < 0;
              break;
            case Op::kLe:
              r = c <= 0;
              break;
            case Op::kGt:
              r = c > 0;
              break;
            case Op::kGe:
              r = c >= 0;
              break;
            default:
              break;
          }
          return Out(out, Json(r));
        }
        Json result;
        if (!Arith(n.op, a, b, n.pos, &result)) return St::kError;
        return Out(out, std::move(result));
      });
    });
  }

  St EvalIf(const Node& n, size_t i, const Value& in, Emit out) {
    if (i + 1 == n.kids.size()) {
      // The else branch (missing: the input unchanged).
      return n.kids[i] < 0 ? out(in) : Eval(n.kids[i], in, out);
    }
    return Eval(n.kids[i], in, [&](Value c) {
      if (Truthy(*c)) return Eval(n.kids[i + 1], in, out);
      return EvalIf(n, i + 2, in, out);
    });
  }

  St EvalTry(const Node& n, const Value& in, Emit out) {
    // An error raised by a later stage (inside `out`) is not ours to catch.
    bool downstream = false;
    St s = Eval(n.kids[0], in, [&](Value v) {
      St r = out(std::move(v));
      if (r == St::kError) downstream = true;
      return r;
    });
    if (s != St::kError || downstream || error_.fatal) return s;
    Json caught = std::move(error_.value);
    error_ = RtError();
    if (n.kids[1] < 0) return St::kOk;
    return Eval(n.kids[1], Make(std::move(caught)), out);
  }

  St EvalString(const Node& n, const Value& in, size_t part, std::string acc,
                Emit out) {
    if (part == n.parts.size()) {
      if (!NewString(acc.size(), n.pos)) return St::kError;
      return Out(out, Json(std::move(acc)));
    }
    const StrPart& p = n.parts[part];
    if (p.node < 0) return EvalString(n, in, part + 1, acc + p.text, out);
    return Eval(p.node, in, [&](Value v) {
      std::string piece = v->is_string() ? v->get<std::string>() : Dump(*v);
      if (!CheckString(acc.size() + piece.size(), n.pos)) return St::kError;
      return EvalString(n, in, part + 1, acc + piece, out);
    });
  }

  St EvalArray(const Node& n, const Value& in, Emit out) {
    Json arr = Json::array();
    if (!n.kids.empty()) {
      St s = Eval(n.kids[0], in, [&](Value v) {
        Json j = Take(std::move(v), n.pos);
        if (error_.set) return St::kError;
        ++work_;
        arr.push_back(std::move(j));
        return St::kOk;
      });
      if (s != St::kOk) return s;
    }
    return Out(out, std::move(arr));
  }

  St EvalObject(const Node& n, const Value& in, Emit out) {
    // Each entry's (key, value) outputs; the objects are their cartesian
    // product, the first entry varying slowest (as in jq).
    std::vector<std::vector<std::pair<std::string, Value>>> choices;
    uint64_t combinations = 1;
    for (const ObjEntry& e : n.entries) {
      std::vector<std::string> keys;
      if (e.key_node < 0) {
        keys.push_back(e.key);
      } else {
        St s = Eval(e.key_node, in, [&](Value k) -> St {
          if (!k->is_string()) {
            return Fail("object keys must be strings, got " + Describe(*k),
                        n.pos);
          }
          keys.push_back(k->get<std::string>());
          return St::kOk;
        });
        if (s != St::kOk) return s;
      }
      std::vector<std::pair<std::string, Value>> pairs;
      for (const std::string& key : keys) {
        if (e.value_node < 0) {
          // {a} is {a: .a}
          St s = IndexBy(n, in, Json(key), [&](Value v) {
            pairs.emplace_back(key, std::move(v));
            return St::kOk;
          });
          if (s != St::kOk) return s;
          continue;
        }
        St s = Eval(e.value_node, in, [&](Value v) {
          pairs.emplace_back(key, std::move(v));
          return St::kOk;
        });
        if (s != St::kOk) return s;
      }
      if (pairs.empty()) return St::kOk;
      combinations *= pairs.size();
      work_ += 2 * pairs.size();  // building each entry
      if (!Charge(combinations, n.pos)) return St::kError;
      choices.push_back(std::move(pairs));
    }
    // Each object built: its block and keys (the values are counted by
    // Take).
    uint64_t object_bytes = kSlotBytes;
    for (const auto& pairs : choices) {
      object_bytes += kSlotBytes + pairs[0].first.size();
    }
    std::vector<size_t> index(choices.size(), 0);
    while (true) {
      if (!Build(object_bytes, n.pos)) return St::kError;
      Json obj = Json::object();
      for (size_t i = 0; i < choices.size(); ++i) {
        auto& [key, value] = choices[i][index[i]];
        // With one combination each value is used once: it can be moved.
        Json j = combinations == 1 ? Take(std::move(value), n.pos)
                                   : Take(value, n.pos);
        if (error_.set) return St::kError;
        obj[key] = std::move(j);
      }
      St s = Out(out, std::move(obj));
      if (s != St::kOk) return s;
      size_t k = choices.size();
      while (k > 0) {
        --k;
        if (++index[k] < choices[k].size()) break;
        index[k] = 0;
        if (k == 0) return St::kOk;
      }
      if (choices.empty()) return St::kOk;
    }
  }

  // ---- evaluation: paths --------------------------------------------------

  // t[key] for the node `n` (.foo, .[k], shorthand object keys).
  St IndexBy(const Node& n, const Value& t, const Json& key, Emit out) {
    const Json& v = *t;
    if (v.is_null()) {
      if (key.is_string() || key.is_number() || key.is_null()) {
        return Out(out, Json(nullptr));
      }
    } else if (v.is_object() && key.is_string()) {
      auto it = v.find(key.get_ref<const std::string&>());
      if (it == v.end()) return Out(out, Json(nullptr));
      return out(Sub(t, *it));
    } else if (v.is_array() && key.is_number()) {
      double d = std::floor(key.get<double>());
      double size = static_cast<double>(v.size());
      if (d < 0) d += size;
      if (d < 0 || d >= size) return Out(out, Json(nullptr));
      return out(Sub(t, v[static_cast<size_t>(d)]));
    }
    std::string what =
        key.is_string() ? Truncate(Dump(key), 40) : TypeName(key);
    return Fail("cannot index " + std::string(TypeName(v)) + " with " + what,
                n.pos);
  }

  St EvalIndex(const Node& n, const Value& in, Emit out) {
    return Eval(n.kids[0], in, [&](Value t) {
      // The index is evaluated against the same input as the target.
      return Eval(n.kids[1], in, [&](Value k) {
        return Step(n, out, [&](Emit o) { return IndexBy(n, t, *k, o); });
      });
    });
  }

  bool SliceBound(const Node& n, const Json& b, double size, double dflt,
                  double* out) {
    if (b.is_null()) {
      *out = dflt;
      return true;
    }
    if (!b.is_number()) {
      Fail("start and end indices of a slice must be numbers, got " +
               Describe(b),
           n.pos);
      return false;
    }
    double d = std::floor(b.get<double>());
    if (d < 0) d += size;
    *out = std::clamp(d, 0.0, size);
    return true;
  }

  St EvalSlice(const Node& n, const Value& in, Emit out) {
    static const Json kNull = nullptr;
    auto bound = [&](int kid, auto&& then) -> St {
      if (kid < 0) return then(Value{nullptr, &kNull});
      return Eval(kid, in, then);
    };
    return Eval(n.kids[0], in, [&](Value t) {
      return Step(n, out, [&](Emit out) {
        return bound(n.kids[2], [&](Value to) {
          return bound(n.kids[1], [&](Value from) -> St {
            const Json& v = *t;
            if (v.is_null()) return Out(out, Json(nullptr));
            if (!v.is_array() && !v.is_string()) {
              return Fail("cannot slice " + Describe(v), n.pos);
            }
            double size = static_cast<double>(v.size());
            if (v.is_string()) {
              // Counting the characters reads the string: work per 16 bytes,
              // as for building one (no table of offsets: a slice of a long
              // string is taken many times).
              const std::string& s = v.get_ref<const std::string&>();
              if (!Charge(s.size() / 16 + 1, n.pos)) return St::kError;
              size = static_cast<double>(CountCodePoints(s));
            }
            double a = 0, b = 0;
            if (!SliceBound(n, *from, size, 0, &a) ||
                !SliceBound(n, *to, size, size, &b)) {
              return St::kError;
            }
            if (b < a) b = a;
            size_t ia = static_cast<size_t>(a), ib = static_cast<size_t>(b);
            if (v.is_string()) {
              const std::string& s = v.get_ref<const std::string&>();
              size_t begin = CharOffset(s, ia);
              size_t end = CharOffset(s, ib, begin, ia);
              if (!NewString(end - begin, n.pos)) return St::kError;
              return Out(out, Json(s.substr(begin, end - begin)));
            }
            Json arr = Json::array();
            for (size_t i = ia; i < ib; ++i) {
              if (!ChargeCopy(v[i], n.pos)) return St::kError;
              arr.push_back(v[i]);
            }
            return Out(out, std::move(arr));
          });
        });
      });
    });
  }

  St Iterate(const Node& n, const Value& t, Emit out) {
    const Json& v = *t;
    if (!v.is_array() && !v.is_object()) {
      return Fail(v.is_null() ? std::string("cannot iterate over null")
                              : "cannot iterate over " + Describe(v),
                  n.pos);
    }
    for (const Json& child : v) {
      if (!Charge(1, n.pos)) return St::kError;
      St s = out(Sub(t, child));
      if (s != St::kOk) return s;
    }
    return St::kOk;
  }

  // .. : every value, parents before children, without recursion.
  St RecurseAll(const Node& n, const Value& in, Emit out) {
    std::vector<const Json*> stack{in.p};
    while (!stack.empty()) {
      const Json* cur = stack.back();
      stack.pop_back();
      if (!Charge(1, n.pos)) return St::kError;
      St s = out(Sub(in, *cur));
      if (s != St::kOk) return s;
      if (cur->is_array() || cur->is_object()) {
        size_t first = stack.size();
        for (const Json& child : *cur) stack.push_back(&child);
        std::reverse(stack.begin() + first, stack.end());
      }
    }
    return St::kOk;
  }

  // ---- evaluation: arithmetic -------------------------------------------

  bool Arith(Op op, const Value& av, const Value& bv, size_t pos, Json* out) {
    const Json& a = *av;
    const Json& b = *bv;
    static const char* kVerb[] = {"added", "subtracted", "multiplied",
                                  "divided", "divided"};
    auto incompatible = [&]() {
      Fail(Describe(a) + " and " + Describe(b) + " cannot be " +
               kVerb[static_cast<int>(op)],
           pos);
      return false;
    };
    if (a.is_number() && b.is_number()) return NumberArith(op, a, b, pos, out);
    switch (op) {
      case Op::kAdd:
        if (a.is_null()) {
          *out = Take(bv, pos);
          return !error_.set;
        }
        if (b.is_null()) {
          *out = Take(av, pos);
          return !error_.set;
        }
        if (a.is_string() && b.is_string()) {
          size_t size = a.get_ref<const std::string&>().size() +
                        b.get_ref<const std::string&>().size();
          if (!NewString(size, pos)) return false;
          *out = a.get<std::string>() + b.get_ref<const std::string&>();
          return true;
        }
        if (a.is_array() && b.is_array()) {
          *out = Take(av, pos);
          if (error_.set || !ChargeCopy(b, pos)) return false;
          for (const Json& e : b) out->push_back(e);
          return true;
        }
        if (a.is_object() && b.is_object()) {
          *out = Take(av, pos);
          if (error_.set || !ChargeCopy(b, pos)) return false;
          for (auto it = b.begin(); it != b.end(); ++it) {
            (*out)[it.key()] = it.value();
          }
          return true;
        }
        return incompatible();
      case Op::kSub:
        if (a.is_array() && b.is_array()) {
          Json r = Json::array();
          for (const Json& e : a) {
            bool drop = false;
            for (const Json& x : b) {
              if (Equal(e, x)) {
                drop = true;
                break;
              }
            }
            if (!drop) r.push_back(e);
          }
          if (!Charge(1, pos) || !ChargeCopy(r, pos)) return false;
          *out = std::move(r);
          return true;
        }
        return incompatible();
      case Op::kMul:
        if ((a.is_string() && b.is_number()) ||
            (a.is_number() && b.is_string())) {
          const std::string& s =
              (a.is_string() ? a : b).get_ref<const std::string&>();
          double times = (a.is_number() ? a : b).get<double>();
          if (!(times > 0)) {
            *out = nullptr;
            return true;
          }
          double size = static_cast<double>(s.size()) * std::floor(times);
          if (size > static_cast<double>(kMaxStringBytes)) {
            return CheckString(kMaxStringBytes + 1, pos);
          }
          if (!NewString(static_cast<size_t>(size), pos)) return false;
          // Doubling: a few appends instead of one per copy.
          size_t n = times < 1 ? 1 : static_cast<size_t>(times);
          size_t total = s.size() * n;
          std::string r = s;
          r.reserve(total);
          while (!r.empty() && r.size() * 2 <= total) r += r;
          r.append(r, 0, total - r.size());
          *out = std::move(r);
          return true;
        }
        if (a.is_object() && b.is_object()) {
          *out = Take(av, pos);
          if (error_.set) return false;
          return DeepMerge(out, b, pos, 0);
        }
        return incompatible();
      case Op::kDiv:
        if (a.is_string() && b.is_string()) {
          return Split(a.get_ref<const std::string&>(),
                       b.get_ref<const std::string&>(), pos, out);
        }
        return incompatible();
      default:
        return incompatible();
    }
  }

  bool DeepMerge(Json* target, const Json& source, size_t pos, int depth) {
    if (!Charge(source.size() + 1, pos)) return false;
    for (auto it = source.begin(); it != source.end(); ++it) {
      auto existing = target->find(it.key());
      if (existing != target->end() && existing->is_object() &&
          it.value().is_object()) {
        if (!DeepMerge(&*existing, it.value(), pos, depth + 1)) return false;
      } else {
        if (!ChargeCopy(it.value(), pos)) return false;
        (*target)[it.key()] = it.value();
      }
    }
    return true;
  }

  bool NumberArith(Op op, const Json& a, const Json& b, size_t pos, Json* out) {
    int64_t x, y;
    bool ints = AsInt64(a, &x) && AsInt64(b, &y);
    double dx = a.get<double>(), dy = b.get<double>();
    if ((op == Op::kDiv || op == Op::kMod) && dy == 0) {
      Fail(Describe(a) + " and " + Describe(b) +
               " cannot be divided because the divisor is zero",
           pos);
      return false;
    }
    int64_t r = 0;
    double d = 0;
    switch (op) {
      case Op::kAdd:
        if (ints && !__builtin_add_overflow(x, y, &r)) {
          *out = r;
          return true;
        }
        d = dx + dy;
        break;
      case Op::kSub:
        if (ints && !__builtin_sub_overflow(x, y, &r)) {
          *out = r;
          return true;
        }
        d = dx - dy;
        break;
      case Op::kMul:
        if (ints && !__builtin_mul_overflow(x, y, &r)) {
          *out = r;
          return true;
        }
        d = dx * dy;
        break;
      case Op::kDiv:
        if (ints && y != -1 && x % y == 0) {
          *out = x / y;
          return true;
        }
        d = dx / dy;
        break;
      case Op::kMod: {
        // jq truncates both operands to integers.
        double tx = std::trunc(dx), ty = std::trunc(dy);
        if (std::fabs(tx) >= 9.2e18 || std::fabs(ty) >= 9.2e18) {
          Fail(Describe(a) + " and " + Describe(b) +
                   " cannot be divided: too large for an integer remainder",
               pos);
          return false;
        }
        int64_t ix = static_cast<int64_t>(tx), iy = static_cast<int64_t>(ty);
        if (iy == 0) {
          Fail(Describe(a) + " and " + Describe(b) +
                   " cannot be divided because the divisor is zero",
               pos);
          return false;
        }
        *out = iy == -1 ? 0 : ix % iy;
        return true;
      }
      default:
        break;
    }
    if (!std::isfinite(d)) {
      Fail("number overflow: " + Describe(a) + " and " + Describe(b) +
               " give a result that is not a finite number",
           pos);
      return false;
    }
    *out = NumberJson(d);
    return true;
  }

  bool Split(const std::string& s, const std::string& sep, size_t pos,
             Json* out) {
    Json parts = Json::array();
    if (!Charge(s.size() / 16 + 1, pos)) return false;
    if (s.empty()) {
      *out = std::move(parts);
      return true;
    }
    // The parts are counted before they are built: a megabyte split into
    // characters is a million strings.
    size_t count = 1;
    if (sep.empty()) {
      count = CountCodePoints(s);
    } else {
      for (size_t at = s.find(sep); at != std::string::npos;
           at = s.find(sep, at + sep.size())) {
        ++count;
      }
    }
    if (!Charge(count, pos) || !Build(count * kSlotBytes * 2 + s.size(), pos)) {
      return false;
    }
    parts.get_ref<Json::array_t&>().reserve(count);
    if (sep.empty()) {
      std::vector<size_t> starts = CharStarts(s);
      for (size_t i = 0; i + 1 < starts.size(); ++i) {
        parts.push_back(s.substr(starts[i], starts[i + 1] - starts[i]));
      }
    } else {
      size_t start = 0;
      while (true) {
        size_t at = s.find(sep, start);
        if (at == std::string::npos) {
          parts.push_back(s.substr(start));
          break;
        }
        parts.push_back(s.substr(start, at - start));
        start = at + sep.size();
      }
    }
    *out = std::move(parts);
    return true;
  }

  // ---- evaluation: builtins -----------------------------------------------

  // Evaluates the value arguments kids[i..] (cartesian product, first
  // argument varying slowest) and calls `fn(args)` for each combination.
  template <class F>
  St WithArgs(const Node& n, const Value& in, F&& fn) {
    std::vector<Value> args;
    return WithArgsFrom(n, in, 0, &args, fn);
  }
  template <class F>
  St WithArgsFrom(const Node& n, const Value& in, size_t i,
                  std::vector<Value>* args, F&& fn) {
    if (i == n.kids.size()) return fn(*args);
    return Eval(n.kids[i], in, [&](Value v) {
      args->push_back(std::move(v));
      St s = WithArgsFrom(n, in, i + 1, args, fn);
      args->pop_back();
      return s;
    });
  }

  // [f] on `v`: every output of f, for sort_by and friends.
  bool Collect(int kid, const Value& v, Json* out) {
    *out = Json::array();
    St s = Eval(kid, v, [&](Value r) {
      Json j = Take(std::move(r), nodes_[kid].pos);
      if (error_.set) return St::kError;
      out->push_back(std::move(j));
      return St::kOk;
    });
    return s == St::kOk;
  }

  St NeedArray(const Node& n, const Json& v) {
    return Fail(n.name + " needs an array, got " + Describe(v), n.pos);
  }

  // The elements of an array input with their sort keys [f].
  bool Keyed(const Node& n, const Value& in,
             std::vector<std::pair<Json, size_t>>* keyed) {
    const Json& arr = *in;
    // Per element: its key array (slot and block), its entry in `keyed`
    // and in the sort's buffer.
    if (!Build(arr.size() * 4 * kSlotBytes, n.pos)) return false;
    for (size_t i = 0; i < arr.size(); ++i) {
      Json key;
      if (!Collect(n.kids[0], Sub(in, arr[i]), &key)) return false;
      keyed->emplace_back(std::move(key), i);
    }
    if (!Charge(arr.size() * 4 + 1, n.pos)) return false;
    std::stable_sort(keyed->begin(), keyed->end(),
                     [&](const auto& a, const auto& b) {
                       return Cmp(a.first, b.first) < 0;
                     });
    return Charge(0, n.pos);
  }

  St EvalCall(const Node& n, const Value& in, Emit out) {
    const Json& v = *in;
    size_t pos = n.pos;
    switch (n.builtin) {
      case Builtin::kEmpty:
        return St::kOk;
      case Builtin::kNot:
        return Out(out, Json(!Truthy(v)));
      // The error's value is a copy (catch may keep it).
      case Builtin::kError0:
        if (!ChargeCopy(v, pos)) return St::kError;
        return FailValue(v, pos);
      case Builtin::kError1:
        return Eval(n.kids[0], in, [&](Value m) {
          if (!ChargeCopy(*m, pos)) return St::kError;
          return FailValue(*m, pos);
        });
      case Builtin::kLength:
        switch (v.type()) {
          case Json::value_t::null:
            return Out(out, Json(0));
          case Json::value_t::boolean:
            return Fail(Describe(v) + " has no length", pos);
          case Json::value_t::string:
            return Out(out, Json(static_cast<int64_t>(CountCodePoints(
                                v.get_ref<const std::string&>()))));
          case Json::value_t::array:
          case Json::value_t::object:
            return Out(out, Json(static_cast<int64_t>(v.size())));
          default: {
            int64_t i;
            if (AsInt64(v, &i) && i != INT64_MIN) {
              return Out(out, Json(i < 0 ? -i : i));
            }
            return Out(out, NumberJson(std::fabs(v.get<double>())));
          }
        }
      case Builtin::kUtf8ByteLength:
        if (!v.is_string())
          return Fail(Describe(v) + " only strings have UTF-8 byte length",
                      pos);
        return Out(
            out,
            Json(static_cast<int64_t>(v.get_ref<const std::string&>().size())));
      case Builtin::kKeys:
      case Builtin::kKeysUnsorted: {
        Json keys = Json::array();
        if (v.is_object() || v.is_array()) {
          // Counted before they are built.
          uint64_t bytes = kSlotBytes * 2;
          if (v.is_object()) {
            for (auto it = v.begin(); it != v.end(); ++it) {
              bytes += kSlotBytes * 2 + it.key().size();
            }
          } else {
            bytes += kSlotBytes * v.size();
          }
          if (!Charge(v.size() + 1, pos) || !Build(bytes, pos)) {
            return St::kError;
          }
        }
        if (v.is_object()) {
          if (n.builtin == Builtin::kKeys) {
            for (const std::string* k : SortedKeys(v)) keys.push_back(*k);
          } else {
            for (auto it = v.begin(); it != v.end(); ++it)
              keys.push_back(it.key());
          }
        } else if (v.is_array()) {
          for (size_t i = 0; i < v.size(); ++i)
            keys.push_back(static_cast<int64_t>(i));
        } else {
          return Fail(Describe(v) + " has no keys", pos);
        }
        return Out(out, std::move(keys));
      }
      case Builtin::kValues:
        return v.is_null() ? St::kOk : out(in);
      case Builtin::kType:
        return Out(out, Json(TypeName(v)));
      case Builtin::kHas:
        return WithArgs(n, in, [&](std::vector<Value>& a) -> St {
          const Json& k = *a[0];
          if (v.is_object() && k.is_string()) {
            return Out(
                out, Json(v.find(k.get_ref<const std::string&>()) != v.end()));
          }
          if (v.is_array() && k.is_number()) {
            double d = k.get<double>();
            return Out(out, Json(d >= 0 && d < static_cast<double>(v.size())));
          }
          return Fail("cannot check whether " + std::string(TypeName(v)) +
                          " has a key of type " + TypeName(k),
                      pos);
        });
      case Builtin::kMap: {
        if (!v.is_array() && !v.is_object()) {
          return Fail(v.is_null() ? std::string("cannot iterate over null")
                                  : "cannot iterate over " + Describe(v),
                      pos);
        }
        Json arr = Json::array();
        for (const Json& e : v) {
          St s = Eval(n.kids[0], Sub(in, e), [&](Value r) {
            Json j = Take(std::move(r), pos);
            if (error_.set) return St::kError;
            arr.push_back(std::move(j));
            return St::kOk;
          });
          if (s != St::kOk) return s;
        }
        return Out(out, std::move(arr));
      }
      case Builtin::kMapValues: {
        if (!v.is_array() && !v.is_object()) {
          return Fail(v.is_null() ? std::string("cannot iterate over null")
                                  : "cannot iterate over " + Describe(v),
                      pos);
        }
        Json result = v.is_array() ? Json::array() : Json::object();
        for (auto it = v.begin(); it != v.end(); ++it) {
          // The first output replaces the value; none removes it.
          bool got = false;
          Json first;
          St s = Eval(n.kids[0], Sub(in, *it), [&](Value r) {
            first = Take(std::move(r), pos);
            got = true;
            return St::kStop;
          });
          if (s == St::kError) return s;
          if (error_.set) return St::kError;
          if (!got) continue;
          if (v.is_array()) {
            result.push_back(std::move(first));
          } else {
            result[it.key()] = std::move(first);
          }
        }
        return Out(out, std::move(result));
      }
      case Builtin::kSelect:
        return Eval(n.kids[0], in,
                    [&](Value c) { return Truthy(*c) ? out(in) : St::kOk; });
      case Builtin::kRecurse0:
        return RecurseAll(n, in, out);
      case Builtin::kRecurse1:
        return RecurseWith(n, in, out);
      case Builtin::kWalk:
        return Walk(n, in, out);
      case Builtin::kSort:
      case Builtin::kUnique: {
        if (!v.is_array()) return NeedArray(n, v);
        std::vector<const Json*> items;
        for (const Json& e : v) items.push_back(&e);
        if (!Charge(items.size() * 4 + 1, pos)) return St::kError;
        std::stable_sort(
            items.begin(), items.end(),
            [&](const Json* a, const Json* b) { return Cmp(*a, *b) < 0; });
        Json arr = Json::array();
        for (size_t i = 0; i < items.size(); ++i) {
          if (n.builtin == Builtin::kUnique && i > 0 &&
              Equal(*items[i - 1], *items[i])) {
            continue;
          }
          if (!ChargeCopy(*items[i], pos)) return St::kError;
          arr.push_back(*items[i]);
        }
        if (!Charge(0, pos)) return St::kError;
        return Out(out, std::move(arr));
      }
      case Builtin::kSortBy:
      case Builtin::kGroupBy:
      case Builtin::kUniqueBy: {
        if (!v.is_array()) return NeedArray(n, v);
        std::vector<std::pair<Json, size_t>> keyed;
        if (!Keyed(n, in, &keyed)) return St::kError;
        Json arr = Json::array();
        Json group = Json::array();
        for (size_t i = 0; i < keyed.size(); ++i) {
          const Json& e = v[keyed[i].second];
          if (!ChargeCopy(e, pos)) return St::kError;
          if (n.builtin == Builtin::kSortBy) {
            arr.push_back(e);
            continue;
          }
          bool same = i > 0 && Equal(keyed[i - 1].first, keyed[i].first);
          if (n.builtin == Builtin::kUniqueBy) {
            if (!same) arr.push_back(e);
            continue;
          }
          if (!same && i > 0) {
            arr.push_back(std::move(group));
            group = Json::array();
          }
          group.push_back(e);
        }
        if (n.builtin == Builtin::kGroupBy && !keyed.empty()) {
          arr.push_back(std::move(group));
        }
        return Out(out, std::move(arr));
      }
      case Builtin::kMin:
      case Builtin::kMax: {
        if (!v.is_array()) return NeedArray(n, v);
        if (v.empty()) return Out(out, Json(nullptr));
        size_t best = 0;
        for (size_t i = 1; i < v.size(); ++i) {
          int c = Cmp(v[i], v[best]);
          // jq: min keeps the first of equals, max the last.
          if (n.builtin == Builtin::kMin ? c < 0 : c >= 0) best = i;
        }
        if (!Charge(0, pos)) return St::kError;
        return out(Sub(in, v[best]));
      }
      case Builtin::kMinBy:
      case Builtin::kMaxBy: {
        if (!v.is_array()) return NeedArray(n, v);
        if (v.empty()) return Out(out, Json(nullptr));
        // Per element: its key array (slot and block) in `keys`.
        if (!Build(v.size() * 2 * kSlotBytes, pos)) return St::kError;
        std::vector<Json> keys(v.size());
        for (size_t i = 0; i < v.size(); ++i) {
          if (!Collect(n.kids[0], Sub(in, v[i]), &keys[i])) return St::kError;
        }
        size_t best = 0;
        for (size_t i = 1; i < v.size(); ++i) {
          int c = Cmp(keys[i], keys[best]);
          if (n.builtin == Builtin::kMinBy ? c < 0 : c >= 0) best = i;
        }
        if (!Charge(0, pos)) return St::kError;
        return out(Sub(in, v[best]));
      }
      case Builtin::kAdd:
        return AddAll(n, in, out);
      case Builtin::kAny0:
      case Builtin::kAll0: {
        if (!v.is_array() && !v.is_object()) return NeedArray(n, v);
        bool any = n.builtin == Builtin::kAny0;
        for (const Json& e : v) {
          if (Truthy(e) == any) return Out(out, Json(any));
        }
        return Out(out, Json(!any));
      }
      case Builtin::kAny1:
      case Builtin::kAll1: {
        if (!v.is_array() && !v.is_object()) return NeedArray(n, v);
        bool any = n.builtin == Builtin::kAny1;
        bool found = false;
        for (const Json& e : v) {
          St s = Eval(n.kids[0], Sub(in, e), [&](Value r) {
            if (Truthy(*r) == any) {
              found = true;
              return St::kStop;
            }
            return St::kOk;
          });
          if (s == St::kError) return s;
          if (found) break;
        }
        return Out(out, Json(found ? any : !any));
      }
      case Builtin::kAny2:
      case Builtin::kAll2: {
        bool any = n.builtin == Builtin::kAny2;
        bool found = false;
        St s = Eval(n.kids[0], in, [&](Value g) {
          return Eval(n.kids[1], g, [&](Value r) {
            if (Truthy(*r) == any) {
              found = true;
              return St::kStop;
            }
            return St::kOk;
          });
        });
        if (s == St::kError) return s;
        return Out(out, Json(found ? any : !any));
      }
      case Builtin::kFirst0:
        return IndexBy(n, in, Json(0), out);
      case Builtin::kLast0:
        return IndexBy(n, in, Json(-1), out);
      case Builtin::kNth1:
        return WithArgs(n, in, [&](std::vector<Value>& a) {
          return IndexBy(n, in, *a[0], out);
        });
      case Builtin::kFirst1:
        return Limited(in, n.kids[0], 1, 0, out);
      case Builtin::kLast1: {
        Value last;
        bool got = false;
        St s = Eval(n.kids[0], in, [&](Value r) {
          last = std::move(r);
          got = true;
          return St::kOk;
        });
        if (s != St::kOk) return s;
        return got ? out(std::move(last)) : St::kOk;
      }
      case Builtin::kLimit:
      case Builtin::kNth2: {
        return Eval(n.kids[0], in, [&](Value count) -> St {
          if (!count->is_number()) {
            return Fail(std::string(n.name) + "() needs a number, got " +
                            Describe(*count),
                        pos);
          }
          double c = count->get<double>();
          if (n.builtin == Builtin::kNth2) {
            if (c < 0) return Fail("nth() index must not be negative", pos);
            return Limited(in, n.kids[1], 1, static_cast<uint64_t>(c), out);
          }
          if (c <= 0) return St::kOk;
          return Limited(
              in, n.kids[1],
              c > 1e18 ? UINT64_MAX : static_cast<uint64_t>(std::ceil(c)), 0,
              out);
        });
      }
      case Builtin::kIsEmpty: {
        bool empty = true;
        St s = Eval(n.kids[0], in, [&](Value) {
          empty = false;
          return St::kStop;
        });
        if (s == St::kError) return s;
        return Out(out, Json(empty));
      }
      case Builtin::kRange1:
      case Builtin::kRange2:
      case Builtin::kRange3:
        return WithArgs(
            n, in, [&](std::vector<Value>& a) { return Range(n, a, out); });
      case Builtin::kReverse: {
        if (v.is_null()) return Out(out, Json::array());
        if (v.is_string()) {
          const std::string& s = v.get_ref<const std::string&>();
          if (!NewString(s.size(), pos)) return St::kError;
          std::vector<size_t> starts = CharStarts(s);
          std::string r;
          r.reserve(s.size());
          for (size_t i = starts.size() - 1; i-- > 0;) {
            r.append(s, starts[i], starts[i + 1] - starts[i]);
          }
          return Out(out, Json(std::move(r)));
        }
        if (!v.is_array()) return Fail("cannot reverse " + Describe(v), pos);
        if (!ChargeCopy(v, pos)) return St::kError;
        Json arr = Json::array();
        for (size_t i = v.size(); i-- > 0;) arr.push_back(v[i]);
        return Out(out, std::move(arr));
      }
      case Builtin::kFlatten0:
      case Builtin::kFlatten1: {
        auto run = [&](double depth) -> St {
          if (!v.is_array()) return NeedArray(n, v);
          if (depth < 0) return Fail("flatten depth must not be negative", pos);
          Json arr = Json::array();
          if (!Flatten(v, depth, &arr, pos)) return St::kError;
          return Out(out, std::move(arr));
        };
        if (n.builtin == Builtin::kFlatten0) return run(1e9);
        return Eval(n.kids[0], in, [&](Value d) -> St {
          if (!d->is_number()) {
            return Fail("flatten depth must be a number, got " + Describe(*d),
                        pos);
          }
          return run(d->get<double>());
        });
      }
      case Builtin::kToEntries: {
        Json entries;
        if (!ToEntries(n, v, &entries)) return St::kError;
        return Out(out, std::move(entries));
      }
      case Builtin::kFromEntries: {
        Json obj;
        if (!FromEntries(n, v, &obj)) return St::kError;
        return Out(out, std::move(obj));
      }
      case Builtin::kWithEntries: {
        Json entries;
        if (!ToEntries(n, v, &entries)) return St::kError;
        Value ev = Make(std::move(entries));
        Json mapped = Json::array();
        for (const Json& e : *ev) {
          St s = Eval(n.kids[0], Sub(ev, e), [&](Value r) {
            Json j = Take(std::move(r), pos);
            if (error_.set) return St::kError;
            mapped.push_back(std::move(j));
            return St::kOk;
          });
          if (s != St::kOk) return s;
        }
        Json obj;
        if (!FromEntries(n, mapped, &obj)) return St::kError;
        return Out(out, std::move(obj));
      }
      case Builtin::kJoin:
        return WithArgs(n, in, [&](std::vector<Value>& a) {
          return Join(n, v, *a[0], out);
        });
      case Builtin::kSplit:
        return WithArgs(n, in, [&](std::vector<Value>& a) -> St {
          const Json& sep = *a[0];
          if (!v.is_string() || !sep.is_string()) {
            return Fail("split input and separator must be strings", pos);
          }
          Json parts;
          if (!Split(v.get_ref<const std::string&>(),
                     sep.get_ref<const std::string&>(), pos, &parts)) {
            return St::kError;
          }
          return Out(out, std::move(parts));
        });
      case Builtin::kAsciiDowncase:
      case Builtin::kAsciiUpcase: {
        if (!v.is_string()) {
          return Fail(n.name + " input must be a string, got " + Describe(v),
                      pos);
        }
        if (!NewString(v.get_ref<const std::string&>().size(), pos)) {
          return St::kError;
        }
        std::string s = v.get<std::string>();
        bool down = n.builtin == Builtin::kAsciiDowncase;
        for (char& c : s) {
          if (down && c >= 'A' && c <= 'Z') c = c - 'A' + 'a';
          if (!down && c >= 'a' && c <= 'z') c = c - 'a' + 'A';
        }
        return Out(out, Json(std::move(s)));
      }
      case Builtin::kLtrimstr:
      case Builtin::kRtrimstr:
        return WithArgs(n, in, [&](std::vector<Value>& a) -> St {
          const Json& affix = *a[0];
          if (!v.is_string() || !affix.is_string()) return out(in);
          const std::string& s = v.get_ref<const std::string&>();
          const std::string& x = affix.get_ref<const std::string&>();
          if (x.size() > s.size()) return out(in);
          if (n.builtin == Builtin::kLtrimstr) {
            if (s.compare(0, x.size(), x) != 0) return out(in);
            if (!NewString(s.size() - x.size(), pos)) return St::kError;
            return Out(out, Json(s.substr(x.size())));
          }
          if (s.compare(s.size() - x.size(), x.size(), x) != 0) return out(in);
          if (!NewString(s.size() - x.size(), pos)) return St::kError;
          return Out(out, Json(s.substr(0, s.size() - x.size())));
        });
      case Builtin::kTrim:
      case Builtin::kLtrim:
      case Builtin::kRtrim: {
        if (!v.is_string()) {
          return Fail(n.name + " input must be a string, got " + Describe(v),
                      pos);
        }
        const std::string& s = v.get_ref<const std::string&>();
        auto space = [](char c) {
          return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
                 c == '\v';
        };
        size_t b = 0, e = s.size();
        if (n.builtin != Builtin::kRtrim) {
          while (b < e && space(s[b])) ++b;
        }
        if (n.builtin != Builtin::kLtrim) {
          while (e > b && space(s[e - 1])) --e;
        }
        if (!NewString(e - b, pos)) return St::kError;
        return Out(out, Json(s.substr(b, e - b)));
      }
      case Builtin::kStartsWith:
      case Builtin::kEndsWith:
        return WithArgs(n, in, [&](std::vector<Value>& a) -> St {
          const Json& x = *a[0];
          if (!v.is_string() || !x.is_string()) {
            return Fail(n.name + "() requires string inputs", pos);
          }
          const std::string& s = v.get_ref<const std::string&>();
          const std::string& t = x.get_ref<const std::string&>();
          bool r = t.size() <= s.size() &&
                   (n.builtin == Builtin::kStartsWith
                        ? s.compare(0, t.size(), t) == 0
                        : s.compare(s.size() - t.size(), t.size(), t) == 0);
          return Out(out, Json(r));
        });
      case Builtin::kContains:
      case Builtin::kInside:
        return WithArgs(n, in, [&](std::vector<Value>& a) -> St {
          const Json& x = *a[0];
          bool inside = n.builtin == Builtin::kInside;
          bool r = false;
          if (!Contains(inside ? x : v, inside ? v : x, pos, &r))
            return St::kError;
          return Out(out, Json(r));
        });
      case Builtin::kExplode: {
        if (!v.is_string()) {
          return Fail("explode input must be a string, got " + Describe(v),
                      pos);
        }
        const std::string& s = v.get_ref<const std::string&>();
        // Counted before it is built: a number per character.
        const size_t count = CountCodePoints(s);
        if (!Charge(count + 1, pos) || !Build(kSlotBytes * (count + 2), pos)) {
          return St::kError;
        }
        Json arr = Json::array();
        arr.get_ref<Json::array_t&>().reserve(count);
        for (size_t i = 0; i < s.size();) arr.push_back(NextCodePoint(s, &i));
        return Out(out, std::move(arr));
      }
      case Builtin::kImplode: {
        if (!v.is_array()) {
          return Fail("implode input must be an array, got " + Describe(v),
                      pos);
        }
        std::string s;
        for (const Json& e : v) {
          int64_t cp;
          if (!AsInt64(e, &cp) || cp < 0 || cp > 0x10FFFF ||
              (cp >= 0xD800 && cp <= 0xDFFF)) {
            return Fail("implode: invalid code point " + Truncate(Dump(e), 30),
                        pos);
          }
          AppendUtf8(static_cast<uint32_t>(cp), &s);
          if (s.size() > kMaxStringBytes) break;  // CheckString says so
        }
        if (!NewString(s.size(), pos)) return St::kError;
        return Out(out, Json(std::move(s)));
      }
      case Builtin::kToString:
      case Builtin::kToJson: {
        if (n.builtin == Builtin::kToString && v.is_string()) return out(in);
        if (!ChargeCopy(v, pos)) return St::kError;
        std::string s = Dump(v);
        if (!NewString(s.size(), pos)) return St::kError;
        return Out(out, Json(std::move(s)));
      }
      case Builtin::kToNumber: {
        if (v.is_number()) return out(in);
        if (v.is_string()) {
          const std::string& s = v.get_ref<const std::string&>();
          // Only what can start a number is parsed: "[0,0,...]" would
          // otherwise be built whole before it is refused.
          size_t first = s.find_first_not_of(" \t\n\r");
          if (first == std::string::npos ||
              !(s[first] == '-' || IsDigit(s[first]))) {
            return Fail(
                "cannot parse " + Truncate(Dump(v), 40) + " as a number", pos);
          }
          Json parsed = Json::parse(s, nullptr, /*allow_exceptions=*/false);
          bool plain = !s.empty() && s.front() != ' ' && s.back() != ' ';
          if (plain && !parsed.is_discarded() && parsed.is_number()) {
            return Out(out, std::move(parsed));
          }
          return Fail("cannot parse " + Truncate(Dump(v), 40) + " as a number",
                      pos);
        }
        return Fail(Describe(v) + " cannot be parsed as a number", pos);
      }
      case Builtin::kFromJson: {
        if (!v.is_string()) {
          return Fail(Describe(v) + " only strings can be parsed", pos);
        }
        const std::string& s = v.get_ref<const std::string&>();
        if (!Charge(s.size() / 16 + 1, pos)) return St::kError;
        Json parsed = Json::parse(s, nullptr, /*allow_exceptions=*/false);
        if (parsed.is_discarded()) {
          return Fail(
              "fromjson: " + Truncate(Dump(v), 40) + " is not valid JSON", pos);
        }
        if (DepthOf(parsed, kMaxDocumentDepth) > kMaxDocumentDepth) {
          return Fatal("fromjson: value nested too deeply (over " +
                           std::to_string(kMaxDocumentDepth) + " levels)",
                       pos);
        }
        // Parsing built it: counted now (the text is at most
        // kMaxStringBytes, so this is bounded anyway).
        if (!ChargeCopy(parsed, pos)) return St::kError;
        return Out(out, std::move(parsed));
      }
      case Builtin::kFloor:
      case Builtin::kCeil:
      case Builtin::kRound:
      case Builtin::kSqrt:
      case Builtin::kFabs:
      case Builtin::kAbs: {
        if (!v.is_number()) return Fail(Describe(v) + " number required", pos);
        int64_t i;
        bool is_int = AsInt64(v, &i);
        double d = v.get<double>();
        switch (n.builtin) {
          case Builtin::kFloor:
            return is_int ? out(in) : Out(out, NumberJson(std::floor(d)));
          case Builtin::kCeil:
            return is_int ? out(in) : Out(out, NumberJson(std::ceil(d)));
          case Builtin::kRound:
            return is_int ? out(in) : Out(out, NumberJson(std::round(d)));
          case Builtin::kSqrt:
            if (d < 0)
              return Fail("cannot take the square root of " + Describe(v), pos);
            return Out(out, NumberJson(std::sqrt(d)));
          default:
            if (is_int && i != INT64_MIN) return Out(out, Json(i < 0 ? -i : i));
            return Out(out, NumberJson(std::fabs(d)));
        }
      }
      case Builtin::kArrays:
        return v.is_array() ? out(in) : St::kOk;
      case Builtin::kObjects:
        return v.is_object() ? out(in) : St::kOk;
      case Builtin::kIterables:
        return v.is_array() || v.is_object() ? out(in) : St::kOk;
      case Builtin::kBooleans:
        return v.is_boolean() ? out(in) : St::kOk;
      case Builtin::kNumbers:
        return v.is_number() ? out(in) : St::kOk;
      case Builtin::kStrings:
        return v.is_string() ? out(in) : St::kOk;
      case Builtin::kNulls:
        return v.is_null() ? out(in) : St::kOk;
      case Builtin::kScalars:
        return v.is_array() || v.is_object() ? St::kOk : out(in);
    }
    return St::kOk;
  }

  // Outputs of `kid` number skip .. skip+count-1, then stops it.
  St Limited(const Value& in, int kid, uint64_t count, uint64_t skip,
             Emit out) {
    uint64_t seen = 0;
    bool downstream_stop = false;
    St s = Eval(kid, in, [&](Value v) -> St {
      uint64_t index = seen++;
      if (index < skip) return St::kOk;
      St r = out(std::move(v));
      if (r == St::kStop) downstream_stop = true;
      if (r != St::kOk) return r;
      return index + 1 >= skip + count ? St::kStop : St::kOk;
    });
    if (s == St::kStop && !downstream_stop) return St::kOk;
    return s;
  }

  St Range(const Node& n, const std::vector<Value>& a, Emit out) {
    for (const Value& v : a) {
      if (!v->is_number()) {
        return Fail("range() arguments must be numbers, got " + Describe(*v),
                    n.pos);
      }
    }
    bool one = a.size() == 1;
    const Json& from_j = one ? Json(0) : *a[0];
    const Json& upto_j = one ? *a[0] : *a[1];
    Json step_j = a.size() == 3 ? *a[2] : Json(1);
    int64_t from_i, step_i;
    bool ints = AsInt64(from_j, &from_i) && AsInt64(step_j, &step_i);
    double from = from_j.get<double>(), upto = upto_j.get<double>(),
           step = step_j.get<double>();
    if (step == 0) return Fail("range() step must not be zero", n.pos);
    int64_t produced = 0;
    for (double x = from; step > 0 ? x < upto : x > upto;) {
      if (++produced > kMaxRange) {
        return Fatal("range() would produce more than " +
                         std::to_string(kMaxRange) + " values",
                     n.pos);
      }
      if (!Charge(1, n.pos)) return St::kError;
      Json value =
          ints ? Json(from_i + (produced - 1) * step_i) : NumberJson(x);
      St s = Out(out, std::move(value));
      if (s != St::kOk) return s;
      x = from + static_cast<double>(produced) * step;
    }
    return St::kOk;
  }

  St RecurseWith(const Node& n, const Value& in, Emit out) {
    // recurse(f) = ., (f | recurse(f)); the depth guard bounds it.
    DepthGuard guard(&eval_depth_);
    if (eval_depth_ > kMaxEvalDepth) {
      return Fatal("query recursion too deep (over " +
                       std::to_string(kMaxEvalDepth) + " nested evaluations)",
                   n.pos);
    }
    St s = out(in);
    if (s != St::kOk) return s;
    return Eval(n.kids[0], in, [&](Value v) { return RecurseWith(n, v, out); });
  }

  // walk(f): children first (arrays: every output; objects: the first
  // output, or the key removed), then f on the rebuilt value (jq 1.7).
  St Walk(const Node& n, const Value& in, Emit out) {
    DepthGuard guard(&eval_depth_);
    if (eval_depth_ > kMaxEvalDepth) {
      return Fatal("query recursion too deep (over " +
                       std::to_string(kMaxEvalDepth) + " nested evaluations)",
                   n.pos);
    }
    const Json& v = *in;
    if (!v.is_array() && !v.is_object()) return Eval(n.kids[0], in, out);
    Json rebuilt = v.is_array() ? Json::array() : Json::object();
    for (auto it = v.begin(); it != v.end(); ++it) {
      bool first_only = v.is_object();
      St s = Walk(n, Sub(in, *it), [&](Value r) -> St {
        Json j = Take(std::move(r), n.pos);
        if (error_.set) return St::kError;
        if (first_only) {
          if (!Build(kSlotBytes + it.key().size(), n.pos)) return St::kError;
          rebuilt[it.key()] = std::move(j);
          return St::kStop;
        }
        rebuilt.push_back(std::move(j));
        return St::kOk;
      });
      if (s == St::kError) return s;
    }
    return Eval(n.kids[0], Make(std::move(rebuilt)), out);
  }

  bool Flatten(const Json& arr, double depth, Json* out, size_t pos) {
    for (const Json& e : arr) {
      if (e.is_array() && depth > 0) {
        if (!Flatten(e, depth - 1, out, pos)) return false;
      } else {
        if (!ChargeCopy(e, pos)) return false;
        out->push_back(e);
      }
    }
    return true;
  }

  // jq's containment: substrings, every element of b contained in some
  // element of a, every key of b contained in a's value, else equality.
  bool Contains(const Json& a, const Json& b, size_t pos, bool* out) {
    if (TypeRank(a) != TypeRank(b) && !(a.is_boolean() && b.is_boolean())) {
      Fail(Describe(a) + " and " + Describe(b) +
               " cannot have their containment checked",
           pos);
      return false;
    }
    if (!Charge(1, pos)) return false;
    if (a.is_object()) {
      for (auto it = b.begin(); it != b.end(); ++it) {
        auto found = a.find(it.key());
        if (found == a.end()) {
          *out = false;
          return true;
        }
        bool r = false;
        if (!Contains(*found, it.value(), pos, &r)) return false;
        if (!r) {
          *out = false;
          return true;
        }
      }
      *out = true;
      return true;
    }
    if (a.is_array()) {
      for (const Json& be : b) {
        bool any = false;
        for (const Json& ae : a) {
          if (TypeRank(ae) != TypeRank(be) &&
              !(ae.is_boolean() && be.is_boolean())) {
            continue;
          }
          bool r = false;
          if (!Contains(ae, be, pos, &r)) return false;
          if (r) {
            any = true;
            break;
          }
        }
        if (!any) {
          *out = false;
          return true;
        }
      }
      *out = true;
      return true;
    }
    if (a.is_string()) {
      *out = a.get_ref<const std::string&>().find(
                 b.get_ref<const std::string&>()) != std::string::npos;
      return true;
    }
    *out = Equal(a, b);
    return true;
  }

  // {"key": key, "value": value}, built without an initializer list (which
  // copies through temporary references and cost several times more).
  static Json Entry(Json key, const Json& value) {
    Json e = Json::object();
    e["key"] = std::move(key);
    e["value"] = value;
    return e;
  }

  bool ToEntries(const Node& n, const Json& v, Json* out) {
    *out = Json::array();
    if (!v.is_object() && !v.is_array()) {
      Fail(Describe(v) + " has no keys", n.pos);
      return false;
    }
    // The entries are counted before any is built (their values as they
    // are copied).
    uint64_t bytes = kSlotBytes * 2 + kEntryBytes * v.size();
    if (v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) bytes += it.key().size();
    }
    if (!Build(bytes, n.pos)) return false;
    out->get_ref<Json::array_t&>().reserve(v.size());
    if (v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!ChargeCopy(it.value(), n.pos)) return false;
        if (!Charge(6, n.pos)) return false;
        out->push_back(Entry(Json(it.key()), it.value()));
      }
      return true;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      if (!ChargeCopy(v[i], n.pos)) return false;
      if (!Charge(6, n.pos)) return false;
      out->push_back(Entry(Json(static_cast<int64_t>(i)), v[i]));
    }
    return true;
  }

  bool FromEntries(const Node& n, const Json& v, Json* out) {
    if (!v.is_array()) {
      Fail("from_entries input must be an array, got " + Describe(v), n.pos);
      return false;
    }
    *out = Json::object();
    for (const Json& e : v) {
      if (!e.is_object()) {
        Fail("from_entries: entry " + Describe(e) + " is not an object", n.pos);
        return false;
      }
      // As jq 1.7: .key // .k // .name // .Name // .K // .Key, and .value
      // (or .v, .Value) when present.
      const Json* key = nullptr;
      for (const char* name : {"key", "k", "name", "Name", "K", "Key"}) {
        auto it = e.find(name);
        if (it != e.end() && Truthy(*it)) {
          key = &*it;
          break;
        }
      }
      std::string k;
      if (key == nullptr) {
        k = "null";
      } else if (key->is_string()) {
        k = key->get<std::string>();
      } else if (key->is_number() || key->is_boolean()) {
        k = Dump(*key);
      } else {
        Fail("from_entries: key " + Describe(*key) + " is not a string", n.pos);
        return false;
      }
      const Json* value = nullptr;
      for (const char* name : {"value", "v", "Value"}) {
        auto it = e.find(name);
        if (it != e.end()) {
          value = &*it;
          break;
        }
      }
      if (!Charge(3, n.pos)) return false;
      if (!Build(kSlotBytes * 2 + k.size(), n.pos)) return false;
      if (value != nullptr && !ChargeCopy(*value, n.pos)) return false;
      (*out)[k] = value == nullptr ? Json(nullptr) : *value;
    }
    return true;
  }

  St Join(const Node& n, const Json& v, const Json& sep, Emit out) {
    if (!v.is_array()) return NeedArray(n, v);
    if (!sep.is_string()) {
      return Fail("join separator must be a string, got " + Describe(sep),
                  n.pos);
    }
    const std::string& s = sep.get_ref<const std::string&>();
    std::string r;
    bool first = true;
    for (const Json& e : v) {
      if (!first) r += s;
      first = false;
      if (e.is_string()) {
        r += e.get_ref<const std::string&>();
      } else if (e.is_number() || e.is_boolean()) {
        r += Dump(e);
      } else if (!e.is_null()) {
        return Fail("cannot join with " + Describe(e), n.pos);
      }
      if (r.size() > kMaxStringBytes)
        return CheckString(r.size(), n.pos) ? St::kOk : St::kError;
    }
    if (!NewString(r.size(), n.pos)) return St::kError;
    return Out(out, Json(std::move(r)));
  }

  // add: the sum of the elements, accumulated in place (adding strings or
  // arrays one by one would copy the growing total each time).
  St AddAll(const Node& n, const Value& in, Emit out) {
    const Json& v = *in;
    if (!v.is_array() && !v.is_object()) return NeedArray(n, v);
    Json acc;
    for (const Json& e : v) {
      if (!Charge(1, n.pos)) return St::kError;
      if (e.is_null()) continue;
      if (acc.is_null()) {
        if (!ChargeCopy(e, n.pos)) return St::kError;
        acc = e;
        continue;
      }
      if (acc.is_string() && e.is_string()) {
        std::string& s = acc.get_ref<std::string&>();
        const std::string& more = e.get_ref<const std::string&>();
        // Charge the appended bytes only: the total grows in place.
        if (s.size() + more.size() > kMaxStringBytes) {
          return CheckString(s.size() + more.size(), n.pos) ? St::kOk
                                                            : St::kError;
        }
        if (!Charge(more.size() / 16 + 1, n.pos) ||
            !Build(more.size(), n.pos)) {
          return St::kError;
        }
        s += more;
        continue;
      }
      if (acc.is_array() && e.is_array()) {
        if (!ChargeCopy(e, n.pos)) return St::kError;
        for (const Json& x : e) acc.push_back(x);
        continue;
      }
      if (acc.is_object() && e.is_object()) {
        if (!ChargeCopy(e, n.pos)) return St::kError;
        for (auto it = e.begin(); it != e.end(); ++it)
          acc[it.key()] = it.value();
        continue;
      }
      Json r;
      if (!Arith(Op::kAdd, Make(std::move(acc)), Sub(in, e), n.pos, &r)) {
        return St::kError;
      }
      acc = std::move(r);
    }
    return Out(out, std::move(acc));
  }

  std::string_view src_;
  const Json& document_;
  Value root_;

  // Parser state.
  size_t pos_ = 0;
  Token tok_;
  int parse_depth_ = 0;
  bool term_is_step_ = false;  // ParseTerm's result was .foo or ."foo"
  std::optional<QueryError> parse_error_;
  std::vector<Node> nodes_;
  int root_node_ = -1;

  // Evaluator state.
  int eval_depth_ = 0;
  uint64_t work_ = 0;
  uint64_t built_ = 0;  // bytes of kMaxBuildBytes
  RtError error_;
};

}  // namespace

QueryOutcome RunQuery(std::string_view query, const Json& document) {
  Query q(query, document);
  return q.Run();
}

}  // namespace airlock::json_query
