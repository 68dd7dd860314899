// Host unit tests of the json_query evaluator (the Wasm tool is tested
// through the real engine by json_query_test.json).
#include "query.h"

#include <gtest/gtest.h>

#include <string>

namespace airlock::json_query {
namespace {

const char* kDoc = R"({
  "items": [
    {"name": "apple", "price": 1.5, "tags": ["fruit", "red"], "qty": 3},
    {"name": "banana", "price": 0.25, "tags": ["fruit"], "qty": 12},
    {"name": "carrot", "price": 0.5, "tags": ["vegetable"], "qty": 0}
  ],
  "owner": {"name": "Ann", "address": {"city": "Oslo"}},
  "count": 3, "nothing": null, "csv": "a,b,c", "text": "héllo", "my key": 1
})";

// The results as compact JSON, or "ERROR code/kind: message".
std::string Q(const std::string& query, const Json& doc) {
  QueryOutcome out = RunQuery(query, doc);
  if (out.error) {
    return "ERROR " + out.error->code + "/" + out.error->kind + ": " +
           out.error->message;
  }
  return out.results.dump();
}

std::string Q(const std::string& query) {
  return Q(query, Json::parse(kDoc, nullptr, false));
}

TEST(JsonQueryTest, Paths) {
  EXPECT_EQ(Q(".count"), "[3]");
  EXPECT_EQ(Q(".items[0].name"), R"(["apple"])");
  EXPECT_EQ(Q(".items[-1].name"), R"(["carrot"])");
  EXPECT_EQ(Q(".items[7]"), "[null]");
  EXPECT_EQ(Q(".items[].name"), R"(["apple","banana","carrot"])");
  EXPECT_EQ(Q(".items[1:] | length"), "[2]");
  EXPECT_EQ(Q(".text[1:3]"), R"(["él"])");
  EXPECT_EQ(Q(R"(."my key", .["my key"])"), "[1,1]");
  EXPECT_EQ(Q(".missing.deeper"), "[null]");
  EXPECT_EQ(Q(".owner.address.city"), R"(["Oslo"])");
  EXPECT_EQ(Q("[.. | numbers] | length"), "[8]");
}

TEST(JsonQueryTest, OperatorsAndConstruction) {
  EXPECT_EQ(Q("[.items[] | select(.qty > 0) | .name]"),
            R"([["apple","banana"]])");
  EXPECT_EQ(Q(".items | map(.price * .qty) | add"), "[7.5]");
  EXPECT_EQ(Q("(1,2) + (10,20)"), "[11,12,21,22]");
  EXPECT_EQ(Q("1 / 3, 4 / 2, 1.5 * 2, 10 % 3"), "[0.3333333333333333,2,3,1]");
  EXPECT_EQ(Q(R"({name: .owner.name, n: .count, "k": 1, (.csv): 2})"),
            R"([{"name":"Ann","n":3,"k":1,"a,b,c":2}])");
  EXPECT_EQ(Q("{a: (1,2), b: (3,4)} | [.a, .b]"), "[[1,3],[1,4],[2,3],[2,4]]");
  EXPECT_EQ(Q(R"q("\(.count) items of \(.owner.name)")q"),
            R"(["3 items of Ann"])");
  EXPECT_EQ(Q(".nothing // \"default\", (.count // 0)"), R"(["default",3])");
  EXPECT_EQ(Q("if .count > 2 then \"many\" elif .count > 0 then \"few\" else "
              "\"none\" end"),
            R"(["many"])");
  EXPECT_EQ(Q("true and (true, false), (false or false)"),
            "[true,false,false]");
  EXPECT_EQ(Q(R"({a: {b: 1}} * {a: {c: 2}}, [1,2,3] - [2], "ab" * 2)"),
            R"([{"a":{"b":1,"c":2}},[1,3],"abab"])");
}

TEST(JsonQueryTest, Functions) {
  EXPECT_EQ(Q(".items | sort_by(.price) | map(.name)"),
            R"([["banana","carrot","apple"]])");
  EXPECT_EQ(Q(".items | group_by(.tags[0]) | map(length)"), "[[2,1]]");
  EXPECT_EQ(Q("[.items[].tags[]] | unique"),
            R"([["fruit","red","vegetable"]])");
  EXPECT_EQ(Q(".owner | keys, (to_entries | map(.key))"),
            R"([["address","name"],["name","address"]])");
  EXPECT_EQ(Q(".csv | split(\",\") | join(\"-\")"), R"(["a-b-c"])");
  EXPECT_EQ(Q(".text | length, utf8bytelength"), "[5,6]");
  EXPECT_EQ(Q("[range(5)], [range(0; 10; 3)], [limit(2; range(100))]"),
            "[[0,1,2,3,4],[0,3,6,9],[0,1]]");
  EXPECT_EQ(Q("[1,[2,[3]]] | flatten, flatten(1)"), "[[1,2,3],[1,2,[3]]]");
  EXPECT_EQ(Q(R"({"a":1,"b":null} | with_entries(select(.value != null)))"),
            R"([{"a":1}])");
  EXPECT_EQ(Q("[3,1,2] | sort, min, max, add, any, reverse"),
            "[[1,2,3],1,3,6,true,[2,1,3]]");
  EXPECT_EQ(Q(R"(("42" | tonumber), (42 | tostring), ({"a":[1]} | tojson))"),
            R"([42,"42","{\"a\":[1]}"])");
  EXPECT_EQ(Q("[null, 1, \"a\", [], {}, true] | map(type)"),
            R"([["null","number","string","array","object","boolean"]])");
  EXPECT_EQ(Q("[1, [2]] | walk(if type == \"number\" then . * 10 else . end)"),
            "[[10,[20]]]");
  EXPECT_EQ(Q("0 | [recurse(if . < 3 then . + 1 else empty end)]"),
            "[[0,1,2,3]]");
  EXPECT_EQ(
      Q(R"(.items[0].tags | contains(["red"]), inside(["red", "fruit", "x"]))"),
      "[true,true]");
  EXPECT_EQ(Q("try error(\"boom\") catch ., [.count[]?], (.count | .x)?"),
            R"(["boom",[]])");
}

TEST(JsonQueryTest, TojsonMatchesNlohmannDump) {
  Json doc = Json::parse(
      R"({"a": [1, -2, 3.0, 1.5, 0.1, 1e300, -0.0, 12345678901234567890,
                -9223372036854775808, true, false, null],
          "s": "quote \" backslash \\ tab \t nl \n ctl \u0001 \u001f del \u007f é 😀",
          "nested": {"x": {"y": []}, "e": {}}})",
      nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  Json expected = Json::array({doc.dump()});
  EXPECT_EQ(Q("tojson", doc), expected.dump());
  EXPECT_EQ(
      Q(".a | map(tostring)", doc),
      R"([["1","-2","3.0","1.5","0.1","1e+300","-0.0","12345678901234567890","-9223372036854775808","true","false","null"]])");
}

TEST(JsonQueryTest, TryBindsTightly) {
  EXPECT_EQ(Q("try -1 catch 2, try 1 + 1, [try (1, error(\"x\"), 3)]"),
            "[-1,2,[1]]");
}

TEST(JsonQueryTest, OptionalStepsAndAlternativeFollowJq) {
  // '?' after .a / .[] / .[n] ignores that step's error only; after a
  // parenthesized term, every error inside.
  EXPECT_EQ(Q("[5] | [.a[]?]", Json::object()),
            "ERROR invalid_arguments/runtime: cannot index array with \"a\"");
  EXPECT_EQ(Q("[5] | [(.a[])?], [.[0].a?], [.[]?.x?]", Json::object()),
            "[[],[],[]]");
  // '//' raises an error of its left side (after the values before it).
  EXPECT_EQ(Q("error(\"x\") // 1", Json::object()),
            "ERROR invalid_arguments/runtime: x");
  EXPECT_EQ(Q("[.a.b? // 1, (error(\"x\"))? // 2]", Json::object()), "[[1,2]]");
}

TEST(JsonQueryTest, StringRepetition) {
  EXPECT_EQ(Q(R"("ab" * 3, "" * 5, "x" * 0, ("abc" * 333 | length))"),
            R"(["ababab","",null,999])");
}

TEST(JsonQueryTest, TryDoesNotCatchLaterErrors) {
  // The error is raised after the try, in the next pipeline stage.
  EXPECT_EQ(Q("(.count)? | error(\"late\")"),
            "ERROR invalid_arguments/runtime: late");
  EXPECT_EQ(Q("[.items[] | (.name | tonumber)?]"), "[[]]");
}

TEST(JsonQueryTest, RuntimeErrorsReadLikeJq) {
  EXPECT_EQ(
      Q(".count.foo"),
      "ERROR invalid_arguments/runtime: cannot index number with \"foo\"");
  EXPECT_EQ(Q(".nothing[]"),
            "ERROR invalid_arguments/runtime: cannot iterate over null");
  EXPECT_EQ(Q(".items[0] | .[0]"),
            "ERROR invalid_arguments/runtime: cannot index object with number");
  EXPECT_EQ(Q("\"abc\" + 1"),
            "ERROR invalid_arguments/runtime: string (\"abc\") and number (1) "
            "cannot be added");
  EXPECT_EQ(Q("1 / 0"),
            "ERROR invalid_arguments/runtime: number (1) and number (0) cannot "
            "be divided because the divisor is zero");
  EXPECT_EQ(Q("true | length"),
            "ERROR invalid_arguments/runtime: boolean (true) has no length");
  EXPECT_EQ(Q("\"x\" | tonumber"),
            "ERROR invalid_arguments/runtime: cannot parse \"x\" as a number");
}

TEST(JsonQueryTest, ParseErrorsNameTheOffset) {
  EXPECT_EQ(Q(".items | | .name"),
            "ERROR invalid_arguments/parse: unexpected token '|' at offset 9");
  EXPECT_EQ(
      Q(".items[0"),
      "ERROR invalid_arguments/parse: unexpected end of query at offset 8");
  EXPECT_EQ(
      Q("(.a"),
      "ERROR invalid_arguments/parse: missing ')' for the '(' at offset 0");
  EXPECT_EQ(
      Q(".items | lenght"),
      "ERROR invalid_arguments/parse: unknown function 'lenght' at offset "
      "9 (did you mean 'length'?)");
  EXPECT_EQ(Q("map"),
            "ERROR invalid_arguments/parse: wrong number of arguments to 'map' "
            "(got 0, it takes 1) at offset 0");
  EXPECT_EQ(Q(".a = 1"),
            "ERROR invalid_arguments/parse: assignment ('=') is not supported "
            "at offset 3 (use '==' to compare)");
  EXPECT_EQ(Q(".[] as $x | $x"),
            "ERROR invalid_arguments/parse: 'as' is not supported (variables "
            "are not supported) at offset 4");
  EXPECT_EQ(Q("test(\"a\")"),
            "ERROR invalid_arguments/parse: 'test' is not supported (regular "
            "expressions are not supported) at offset 0");
  EXPECT_EQ(Q("\"é\" | \"x"),
            "ERROR invalid_arguments/parse: unterminated string at offset 6");
  EXPECT_EQ(Q(""),
            "ERROR invalid_arguments/parse: query: must not be empty (use '.' "
            "for the whole document) at offset 0");
}

TEST(JsonQueryTest, LimitsAreErrorsNotCrashes) {
  Json doc = Json::array();
  for (int i = 0; i < 20000; ++i) doc.push_back(i);
  EXPECT_EQ(Q(".[]", doc),
            "ERROR too_large/limit: too many results (over 10000)");
  EXPECT_EQ(Q("[range(200000)] | length"),
            "ERROR too_large/limit: range() would produce more than 100000 "
            "values");
  EXPECT_EQ(Q("[limit(3; range(1e15))]"), "[[0,1,2]]");
  EXPECT_EQ(Q("\"x\" * 2000000"),
            "ERROR too_large/limit: string too large (over 1048576 bytes)");
  EXPECT_EQ(Q("[.,.] | [.,.] | [.,.] | [.,.] | [.,.] | [.,.] | [.,.] | [.,.] "
              "| [.,.] | [.,.] | [.,.] | [.,.] | [.,.] | [.,.] | [.,.] | [.,.] "
              "| [.,.] | [.,.] | [.,.] | [.,.] | length"),
            "ERROR too_large/limit: query needs too much work (over 1000000 "
            "steps)");
  Json big = Json::array();
  for (int i = 0; i < 2000; ++i) big.push_back(std::string(300, 'x'));
  EXPECT_EQ(Q(".", big),
            "ERROR too_large/limit: results too large (over 524288 bytes of "
            "JSON)");

  std::string deep_query(150, '[');
  deep_query += "1" + std::string(150, ']');
  EXPECT_EQ(Q(deep_query),
            "ERROR invalid_arguments/parse: query nested too deeply (over 100 "
            "levels) at offset 100");
  Json deep = Json::array();
  for (int i = 0; i < 300; ++i) deep = Json::array({std::move(deep)});
  EXPECT_EQ(Q("length", deep),
            "ERROR too_large/limit: document nested too deeply (over 256 "
            "levels)");
  std::string long_pipe = ".";
  for (int i = 0; i < 300; ++i) long_pipe += " | .";
  EXPECT_EQ(Q(long_pipe),
            "ERROR too_large/limit: query recursion too deep (over 200 nested "
            "evaluations)");
  EXPECT_EQ(Q("[recurse(. + 1)] | length", Json(0)),
            "ERROR too_large/limit: query recursion too deep (over 200 nested "
            "evaluations)");
  // Limits are not caught by try or ?.
  EXPECT_EQ(Q("try [range(200000)] catch \"caught\""),
            "ERROR too_large/limit: range() would produce more than 100000 "
            "values");
}

// What a query builds counts against kMaxBuildBytes, copies of one string
// included (each was a single unit of work), and large values are counted
// before they are built: these end with too_large, not out of memory.
TEST(JsonQueryTest, BuiltDataIsBounded) {
  const std::string kTooMuch =
      "ERROR too_large/limit: query builds too much data (over 16 MiB of "
      "values)";
  const std::string kTooMuchWork =
      "ERROR too_large/limit: query needs too much work (over 1000000 steps)";
  std::string copies = "\"x\" * 1000000 | [.";
  for (int i = 0; i < 19; ++i) copies += ", .";
  EXPECT_EQ(Q(copies + "] | length"), kTooMuch);
  EXPECT_EQ(Q("\"x\" * 1000000 | [., ., .] | map(length)"),
            "[[1000000,1000000,1000000]]");
  EXPECT_EQ(Q("\"x\" * 600000 | split(\"\") | length"), kTooMuch);
  EXPECT_EQ(Q("\"x\" * 100000 | split(\"\") | length"), "[100000]");
  std::string errors = "\"x\" * 1000000 | [";
  for (int i = 0; i < 20; ++i) {
    errors += std::string(i ? ", " : "") + "try error(.) catch .";
  }
  EXPECT_EQ(Q(errors + "] | length"), kTooMuch);
  std::string slices = "\"x\" * 1000000 | [";
  for (int i = 0; i < 20; ++i) {
    slices += std::string(i ? ", " : "") + ".[" + std::to_string(i) + ":]";
  }
  // Slices read the string to count its characters: work runs out first.
  EXPECT_EQ(Q(slices + "] | length"), kTooMuchWork);
  Json many = Json::array();
  for (int i = 0; i < 200000; ++i) many.push_back(i);
  EXPECT_EQ(Q("keys | length", many), "[200000]");
  EXPECT_EQ(Q("to_entries | length", many), kTooMuch);
  EXPECT_EQ(Q("group_by(.) | length", many), kTooMuchWork);
  // 400000 elements: their sort keys alone would be 24 MiB.
  for (int i = 0; i < 200000; ++i) many.push_back(i);
  EXPECT_EQ(Q("group_by(.) | length", many), kTooMuch);
  // explode is refused before the array exists (its work comes first).
  EXPECT_EQ(Q("\"x\" * 1048576 | explode | length"), kTooMuchWork);
  // A copy of a string counts its bytes.
  QueryOutcome out =
      RunQuery("[., .] | length", Json(std::string(1 << 20, 'x')));
  ASSERT_FALSE(out.error);
  EXPECT_GE(out.built, 2u << 20);
  EXPECT_LT(out.built, 3u << 20);
}

TEST(JsonQueryTest, ErrorOffsetsAreCodePoints) {
  QueryOutcome out = RunQuery("\"é\" | .x", Json::object());
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->message, "cannot index string with \"x\"");
  EXPECT_EQ(out.error->offset, 6u);
}

}  // namespace
}  // namespace airlock::json_query
