// The json_query tool's evaluator: a subset of jq, independent of the guest
// SDK so the host unit tests can run it directly.
//
// Supported (jq semantics unless noted):
//   paths      .  ..  .foo  ."key"  .foo?  .[N] (negative: from the end)
//              .["key"]  .[]  .[]?  .[N:M]  .[N:]  .[:M]  (any term can be
//              followed by these: .a[0].b, (expr).x, "abc"[1:])
//   operators  |  ,  //  or  and  == != < <= > >=  + - * / %  unary -
//              f?  try f [catch g]  if c then a [elif c then a] [else b] end
//              (as in jq: .a? and .[]? ignore the errors of that step only,
//              (f)? and try f every error of f; a // b raises errors of a)
//   literals   numbers, "strings" with \(interpolation), true false null
//   building   [ ... ]  { a: f, "b": g, (k): v, c, "d" }
//   functions  empty not error error(m) length utf8bytelength keys
//              keys_unsorted values type has(k) map(f) map_values(f)
//              select(f) recurse recurse(f) walk(f) sort sort_by(f)
//              group_by(f) unique unique_by(f) min max min_by(f) max_by(f)
//              add any all any(f) all(f) any(g; c) all(g; c) first last
//              first(f) last(f) nth(n) nth(n; f) limit(n; f) isempty(f)
//              range(n) range(a; b) range(a; b; step) reverse flatten
//              flatten(d) to_entries from_entries with_entries(f) join(s)
//              split(s) ascii_downcase ascii_upcase ltrimstr(s) rtrimstr(s)
//              trim ltrim rtrim startswith(s) endswith(s) contains(x)
//              inside(x) explode implode tostring tonumber tojson fromjson
//              floor ceil round sqrt fabs abs arrays objects iterables
//              booleans numbers strings nulls scalars
// Not supported: variables ($x, as, reduce, foreach, def), assignment
// (=, |=, +=...), regular expressions (test, match, sub...), paths (path,
// getpath, del...), @formats; they are refused with a message saying so.
//
// Numbers: integers stay exact within int64; other results are doubles, and
// a double result with no fractional part (below 2^53) is written as an
// integer (1.5 * 2 gives 3), as jq prints it.
#ifndef AIRLOCK_GUEST_TOOLS_JSON_QUERY_QUERY_H_
#define AIRLOCK_GUEST_TOOLS_JSON_QUERY_QUERY_H_

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace airlock::json_query {

using Json = nlohmann::ordered_json;

// Results per call (a query yields a stream of values).
inline constexpr size_t kMaxResults = 10000;
// Bytes of the results as compact JSON.
inline constexpr size_t kMaxOutputBytes = 512 * 1024;
// Nesting of the query's syntax (parentheses, brackets, calls...).
inline constexpr int kMaxParseDepth = 100;
// Nested evaluations at run time: pipeline stages, recursion (recurse(f),
// walk)...; keeps the guest's stack safe.
inline constexpr int kMaxEvalDepth = 200;
// Nesting of the input document.
inline constexpr int kMaxDocumentDepth = 256;
// Units of work per call: one per filter evaluated, value produced, array
// element or object entry built, JSON node copied or compared, 16 bytes of
// string built. A unit is roughly 300-600 fuel, so a query that runs out of
// budget stops with too_large well within the default 1e9 fuel.
inline constexpr uint64_t kWorkBudget = 1'000'000;
// Values one range() call may produce.
inline constexpr int64_t kMaxRange = 100'000;
// Largest string a query may build.
inline constexpr size_t kMaxStringBytes = 1 << 20;
// Bytes of values a query may build: strings, arrays, objects, and copies
// of the document's values, estimated as the guest allocates them (16
// bytes a value, 16 more for the block of a string, array or object, the
// bytes of strings and object keys, 16 more a key). Counted as they are
// built (before, where the size is known: explode, split, keys, slices...)
// and never given back, like kWorkBudget: the work budget alone let a few
// work units copy a megabyte string, so `"x" * 1000000 | [., ., ...]` or
// explode on a long string came near or past the tool's memory (64 MiB by
// default, which also holds the document and the results).
inline constexpr uint64_t kMaxBuildBytes = 16 << 20;

struct QueryError {
  // "invalid_arguments" for syntax and run-time errors, "too_large" for the
  // limits above.
  std::string code;
  // Syntax errors end with " at offset N"; run-time errors read like jq's,
  // e.g. `cannot index number with "foo"`.
  std::string message;
  // "parse" or "runtime" ("limit" for too_large).
  std::string kind;
  // Code points from the start of the query: where the syntax error is, or
  // the filter that failed at run time.
  std::optional<size_t> offset;
};

struct QueryOutcome {
  Json results = Json::array();
  std::optional<QueryError> error;
  uint64_t work = 0;   // units of kWorkBudget used (for tests and tuning)
  uint64_t built = 0;  // bytes of kMaxBuildBytes used
};

// Runs `query` on `document`; on success `results` holds every output.
QueryOutcome RunQuery(std::string_view query, const Json& document);

}  // namespace airlock::json_query

#endif  // AIRLOCK_GUEST_TOOLS_JSON_QUERY_QUERY_H_
