// The SDK's JSON reader and writer: the same values and text as nlohmann's
// parse/dump for valid JSON, a precise message for invalid JSON, and no
// recursion on deep input.
#include "airlock/json.h"

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace airlock::tool {
namespace {

std::string ParseError(std::string_view text) {
  Json v;
  return ParseJson(text, &v);
}

TEST(Json, ParsesLikeNlohmann) {
  const std::vector<std::string> docs = {
      "null",
      "true",
      "false",
      "0",
      "-0",
      "42",
      "-42",
      "1.5",
      "-1e-7",
      "1E+20",
      "18446744073709551615",
      "18446744073709551616",
      "-9223372036854775808",
      "-9223372036854775809",
      "123456789012345678901",
      R"("")",
      R"("plain")",
      R"("esc \" \\ \/ \b \f \n \r \t")",
      R"("\u00e9\u4e16\ud83c\udf0d")",
      "\"h\xC3\xA9llo \xF0\x9F\x8C\x8D\"",
      "[]",
      "{}",
      " [ 1 , [ ] , { } , \"x\" ] ",
      R"({"b": 1, "a": [true, {"c": null}], "": 0})",
      "\t\r\n{\"k\"\n:\n\"v\"}\n"};
  for (const std::string& doc : docs) {
    Json ours;
    ASSERT_EQ(ParseJson(doc, &ours), "") << doc;
    Json theirs = Json::parse(doc);
    EXPECT_EQ(ours, theirs) << doc;
    EXPECT_EQ(ours.type(), theirs.type()) << doc;
    EXPECT_EQ(DumpJson(ours), theirs.dump()) << doc;
  }
}

TEST(Json, NamesWhereAndWhat) {
  EXPECT_EQ(ParseError(""),
            "line 1, column 1: expected a JSON value, got end of input");
  EXPECT_EQ(ParseError("{oops"),
            R"(line 1, column 2: expected a string (an object key), got "o")");
  EXPECT_EQ(ParseError(R"({"text": "hi"} x)"),
            R"(line 1, column 16: unexpected "x" after the JSON value)");
  EXPECT_EQ(ParseError("[1,\n 2\n 3]"),
            "line 3, column 2: expected \",\" or \"]\" in the array opened at "
            "line 1, column 1, got \"3\"");
  EXPECT_EQ(ParseError(R"({"a" 1})"),
            R"(line 1, column 6: expected ":" after an object key, got "1")");
  EXPECT_EQ(ParseError("[1,]"),
            R"(line 1, column 4: expected a JSON value, got "]")");
  EXPECT_EQ(ParseError(R"({"a":1,})"),
            R"(line 1, column 8: expected a string (an object key), got "}")");
  EXPECT_EQ(ParseError(R"("abc)"),
            "line 1, column 1: the string starting here is not closed");
  EXPECT_EQ(ParseError("\"a\nb\""),
            "line 1, column 3: control character U+000A in a string (write it "
            "as an escape)");
  EXPECT_EQ(
      ParseError(R"("\x")"),
      R"(line 1, column 2: invalid escape \x (valid: \" \\ \/ \b \f \n \r \t \uXXXX))");
  EXPECT_EQ(
      ParseError(R"("\ud800")"),
      R"(line 1, column 2: high surrogate in \u escape without a low one)");
  EXPECT_EQ(ParseError(R"("\udc00")"),
            R"(line 1, column 2: lone low surrogate in \u escape)");
  EXPECT_EQ(ParseError(R"("\u12G4")"),
            R"(line 1, column 6: expected a hex digit in \u escape, got "G")");
  EXPECT_EQ(ParseError("\"\xFF\""),
            "line 1, column 2: invalid UTF-8 byte 0xFF in a string");
  EXPECT_EQ(ParseError("\"\xC0\xAF\""),  // overlong "/"
            "line 1, column 2: invalid UTF-8 byte 0xC0 in a string");
  EXPECT_EQ(ParseError("\"\xED\xA0\x80\""),  // UTF-8 encoded surrogate
            "line 1, column 2: invalid UTF-8 byte 0xED in a string");
  EXPECT_EQ(ParseError("01"),
            "line 1, column 2: a number must not start with 0");
  EXPECT_EQ(ParseError("-"),
            "line 1, column 2: expected a digit in a number, got end of input");
  EXPECT_EQ(ParseError("1."),
            "line 1, column 3: expected a digit after \".\", got end of input");
  EXPECT_EQ(ParseError("1e"),
            "line 1, column 3: expected a digit in the exponent, got end of "
            "input");
  EXPECT_EQ(ParseError("nul"),
            R"(line 1, column 1: expected a JSON value, got "n")");
  EXPECT_EQ(ParseError("NaN"),
            R"(line 1, column 1: expected a JSON value, got "N")");
  EXPECT_EQ(ParseError("// c\n1"),
            R"(line 1, column 1: expected a JSON value, got "/")");
  // Columns count characters, not bytes.
  EXPECT_EQ(ParseError("[\"é\" x]"),
            "line 1, column 6: expected \",\" or \"]\" in the array opened at "
            "line 1, column 1, got \"x\"");
}

TEST(Json, RejectsDuplicateKeys) {
  EXPECT_EQ(
      ParseError(R"({"text": "a", "text": "b"})"),
      R"(line 1, column 1: the object here has the key "text" more than once)");
  // Large objects are checked by sorting, not pairwise.
  std::string big = "{";
  for (int i = 0; i < 1000; ++i) big += "\"k" + std::to_string(i) + "\":0,";
  big += "\"k500\":1}";
  EXPECT_EQ(
      ParseError(big),
      R"(line 1, column 1: the object here has the key "k500" more than once)");
  big.replace(big.size() - 9, 6, "\"kx\"");
  Json v;
  EXPECT_EQ(ParseJson(big, &v), "");
  EXPECT_EQ(v.size(), 1001u);
}

TEST(Json, ErrorLeavesNull) {
  Json v = 5;
  EXPECT_NE(ParseJson("[1, 2", &v), "");
  EXPECT_TRUE(v.is_null());
}

TEST(Json, DeepNestingDoesNotRecurse) {
  // 200000 levels would overflow a recursive parser's or printer's stack.
  const int depth = 200000;
  std::string doc(depth, '[');
  doc += std::string(depth, ']');
  Json v;
  ASSERT_EQ(ParseJson(doc, &v), "");
  EXPECT_EQ(DumpJson(v), doc);
}

TEST(Json, DumpsLikeNlohmann) {
  Json v = Json::object();
  v["z"] = "ctl \x01\x1f\x7f \"q\" \\";
  v["a"] = Json::array({1.0, 0.1, 1e100, -2.5e-8, -0.0, 3, -3,
                        18446744073709551615ull, nullptr, true});
  v["nested"] = {{"x", Json::object()}, {"y", Json::array()}};
  v["é"] = "世界";
  EXPECT_EQ(DumpJson(v), v.dump());
}

TEST(Json, DumpReplacesInvalidUtf8) {
  Json v = std::string(
      "a\xFF"
      "b\xE4\xB8"
      "c\xF0\x9F\x8C\x8D");
  // One U+FFFD per maximal invalid subsequence; valid characters kept.
  EXPECT_EQ(DumpJson(v),
            "\"a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\xF0\x9F\x8C\x8D\"");
  EXPECT_EQ(DumpJson(Json(std::nan(""))), "null");
}

}  // namespace
}  // namespace airlock::tool
