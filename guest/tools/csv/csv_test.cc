#include "csv.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace airlock::csv {
namespace {

using Json = nlohmann::ordered_json;

std::vector<std::vector<std::string>> ReadAll(std::string_view text,
                                              char delimiter = ',') {
  Reader reader(text, delimiter);
  Record record;
  std::vector<std::vector<std::string>> out;
  while (reader.Next(&record)) out.push_back(record.fields);
  EXPECT_EQ(reader.error(), "");
  return out;
}

std::string ReadError(std::string_view text) {
  Reader reader(text, ',');
  Record record;
  while (reader.Next(&record)) {
  }
  return reader.error();
}

using Rows = std::vector<std::vector<std::string>>;

// RFC 4180 section 2: quoted fields with delimiters, line breaks and
// doubled quotes; CRLF and LF line ends alike.
TEST(CsvReaderTest, Rfc4180Fields) {
  EXPECT_EQ(ReadAll("aaa,bbb,ccc\r\nzzz,yyy,xxx\r\n"),
            (Rows{{"aaa", "bbb", "ccc"}, {"zzz", "yyy", "xxx"}}));
  EXPECT_EQ(ReadAll("aaa,bbb,ccc\nzzz,yyy,xxx"),
            (Rows{{"aaa", "bbb", "ccc"}, {"zzz", "yyy", "xxx"}}));
  EXPECT_EQ(ReadAll("\"aaa\",\"b\r\nbb\",\"ccc\"\r\n"),
            (Rows{{"aaa", "b\r\nbb", "ccc"}}));
  EXPECT_EQ(ReadAll("\"aaa\",\"b\"\"bb\",\"ccc\""),
            (Rows{{"aaa", "b\"bb", "ccc"}}));
  EXPECT_EQ(ReadAll("\"\",\"\"\"\"\n"), (Rows{{"", "\""}}));
}

TEST(CsvReaderTest, EmptyFieldsAndLines) {
  EXPECT_EQ(ReadAll(""), Rows{});
  EXPECT_EQ(ReadAll("\n\r\n\n"), Rows{});
  EXPECT_EQ(ReadAll(",\n"), (Rows{{"", ""}}));
  EXPECT_EQ(ReadAll("a,"), (Rows{{"a", ""}}));
  EXPECT_EQ(ReadAll("a,\nb,"), (Rows{{"a", ""}, {"b", ""}}));
  // Empty lines between records are skipped, not empty records.
  EXPECT_EQ(ReadAll("a\n\n\nb\n"), (Rows{{"a"}, {"b"}}));
  // Spaces belong to the field.
  EXPECT_EQ(ReadAll(" a , b \n"), (Rows{{" a ", " b "}}));
  // A lone CR ends a record too.
  EXPECT_EQ(ReadAll("a\rb\r"), (Rows{{"a"}, {"b"}}));
}

TEST(CsvReaderTest, BareQuoteInUnquotedFieldIsKept) {
  EXPECT_EQ(ReadAll("5\" screen,x\n"), (Rows{{"5\" screen", "x"}}));
}

TEST(CsvReaderTest, ByteOrderMarkIsDropped) {
  EXPECT_EQ(ReadAll("\xef\xbb\xbf"
                    "a,b\n"),
            (Rows{{"a", "b"}}));
}

TEST(CsvReaderTest, OtherDelimiters) {
  EXPECT_EQ(ReadAll("a\tb\t\"c\td\"\n", '\t'), (Rows{{"a", "b", "c\td"}}));
  EXPECT_EQ(ReadAll("a;b,c\n", ';'), (Rows{{"a", "b,c"}}));
}

// Record lines count the line breaks inside quoted fields.
TEST(CsvReaderTest, RecordLines) {
  Reader reader("h\n\"a\nb\nc\"\r\n\nlast\n", ',');
  Record record;
  std::vector<size_t> lines;
  while (reader.Next(&record)) lines.push_back(record.line);
  EXPECT_EQ(lines, (std::vector<size_t>{1, 2, 6}));
}

TEST(CsvReaderTest, ErrorsNameTheLine) {
  EXPECT_EQ(ReadError("a,b\nc,d\n\"e,f\n\ng\n"),
            "line 3: unterminated quoted field (field 1 opens with a quote "
            "that is never closed)");
  EXPECT_EQ(ReadError("a,b\nc,\"d\"x\n"),
            "line 2: 'x' after the closing quote of field 2 (a quote inside "
            "a quoted field is written \"\")");
  EXPECT_EQ(ReadError("\"a\nb\" ,c\n"),
            "line 2: a space after the closing quote of field 1 (a quote "
            "inside a quoted field is written \"\")");
  EXPECT_EQ(ReadError("\"a\"\xc3\xa9\n"),
            "line 1: '\xc3\xa9' after the closing quote of field 1 (a quote "
            "inside a quoted field is written \"\")");
}

TEST(CsvParseNumberTest, AcceptsDecimalNumbers) {
  Number n;
  ASSERT_TRUE(ParseNumber("42", &n));
  EXPECT_TRUE(n.is_integer);
  EXPECT_EQ(n.integer, 42);
  ASSERT_TRUE(ParseNumber(" -7 ", &n));
  EXPECT_EQ(n.integer, -7);
  ASSERT_TRUE(ParseNumber("+8", &n));
  EXPECT_EQ(n.integer, 8);
  ASSERT_TRUE(ParseNumber("2.5", &n));
  EXPECT_FALSE(n.is_integer);
  EXPECT_EQ(n.value, 2.5);
  ASSERT_TRUE(ParseNumber(".5", &n));
  EXPECT_EQ(n.value, 0.5);
  ASSERT_TRUE(ParseNumber("1e3", &n));
  EXPECT_FALSE(n.is_integer);
  EXPECT_EQ(n.value, 1000);
  ASSERT_TRUE(ParseNumber("99999999999999999999", &n));
  EXPECT_FALSE(n.is_integer);  // beyond int64: a double
  EXPECT_EQ(n.value, 1e20);
}

TEST(CsvParseNumberTest, Int64Range) {
  Number n;
  ASSERT_TRUE(ParseNumber("-9223372036854775808", &n));
  EXPECT_TRUE(n.is_integer);
  EXPECT_EQ(n.integer, INT64_MIN);
  ASSERT_TRUE(ParseNumber("9223372036854775807", &n));
  EXPECT_EQ(n.integer, INT64_MAX);
  ASSERT_TRUE(ParseNumber("9223372036854775808", &n));
  EXPECT_FALSE(n.is_integer);
  EXPECT_EQ(n.value, 9223372036854775808.0);
  ASSERT_TRUE(ParseNumber("-0", &n));
  EXPECT_TRUE(n.is_integer);
  EXPECT_EQ(n.integer, 0);
  ASSERT_TRUE(ParseNumber("007", &n));
  EXPECT_EQ(n.integer, 7);
}

// The fast conversion gives exactly strtod's (correctly rounded) double,
// for short and long significands and all exponent ranges.
TEST(CsvParseNumberTest, SameValueAsStrtod) {
  std::mt19937 rng(3);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    if (rng() % 3 == 0) text += rng() % 2 ? '-' : '+';
    for (int i = rng() % 22; i > 0; --i)
      text += static_cast<char>('0' + rng() % 10);
    if (rng() % 2) {
      text += '.';
      for (int i = rng() % 22; i > 0; --i)
        text += static_cast<char>('0' + rng() % 10);
    }
    if (rng() % 3 == 0) {
      text += 'e';
      text += std::to_string(static_cast<int>(rng() % 80) - 40);
    }
    Number n;
    const bool ok = ParseNumber(text, &n);
    const bool has_digit = text.find_first_of("0123456789") < text.find('e');
    ASSERT_EQ(ok, has_digit) << text;
    if (ok) {
      EXPECT_EQ(n.value, std::strtod(text.c_str(), nullptr)) << text;
    }
  }
}

TEST(CsvParseNumberTest, RejectsOtherText) {
  Number n;
  for (const char* text : {"", " ", "-", ".", "1e", "1,000", "0x10", "inf",
                           "nan", "1.2.3", "12abc", "1e999", "- 1"}) {
    EXPECT_FALSE(ParseNumber(text, &n)) << text;
  }
}

TEST(CsvConvertTest, HeaderRowsBecomeObjects) {
  ConvertResult r = Convert("name,age\nann,31\nbob,27\n", {});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.value, Json::parse(R"({"columns":["name","age"],
      "rows":[{"name":"ann","age":"31"},{"name":"bob","age":"27"}],
      "row_count":2,"truncated":false})"));
}

TEST(CsvConvertTest, WithoutHeaderRowsAreArrays) {
  ConvertOptions options;
  options.header = false;
  options.parse_numbers = true;
  ConvertResult r = Convert("ann,31\nbob,2.5\n", options);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.value, Json::parse(R"({"columns":["column_1","column_2"],
      "rows":[["ann",31],["bob",2.5]],"row_count":2,"truncated":false})"));
}

TEST(CsvConvertTest, MaxRowsTruncatesButCountsAll) {
  ConvertOptions options;
  options.max_rows = 1;
  ConvertResult r = Convert("x\n1\n2\n3\n", options);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.value["rows"], Json::parse(R"([{"x":"1"}])"));
  EXPECT_EQ(r.value["row_count"], 3);
  EXPECT_EQ(r.value["truncated"], true);
}

TEST(CsvConvertTest, FieldCountMismatchIsAnError) {
  ConvertResult r = Convert("a,b,c\n1,2,3\n\n1,2,3,4\n", {});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error,
            "line 4: 4 fields, the header has 3 (set ragged to pad short rows "
            "instead)");
  EXPECT_EQ(r.error_line, 4u);
  ConvertOptions options;
  options.header = false;
  r = Convert("1,2\n3\n", options);
  EXPECT_EQ(r.error,
            "line 2: 1 field, line 1 has 2 (set ragged to pad short rows "
            "instead)");
}

TEST(CsvConvertTest, RaggedRowsArePadded) {
  ConvertOptions options;
  options.ragged = true;
  ConvertResult r = Convert("a,b\n1\n1,2,3\n", options);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.value, Json::parse(R"({"columns":["a","b","column_3"],
      "rows":[{"a":"1","b":null,"column_3":null},
              {"a":"1","b":"2","column_3":"3"}],
      "row_count":2,"truncated":false})"));
}

TEST(CsvConvertTest, HeaderNamesAreMadeUnique) {
  ConvertResult r = Convert("a,,a,a_2,a\n1,2,3,4,5\n", {});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.value["columns"],
            Json::parse(R"(["a","column_2","a_2","a_2_2","a_3"])"));
  EXPECT_EQ(r.value["rows"][0].size(), 5u);
}

TEST(CsvConvertTest, QuotedErrorsPropagate) {
  ConvertResult r = Convert("a\n\"x\n", {});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_line, 2u);
}

TEST(CsvConvertTest, Stats) {
  ConvertOptions options;
  options.stats = true;
  options.max_rows = 0;
  ConvertResult r = Convert(
      "city,temp,note\n"
      "Oslo,3,\n"
      "Rome,17.5,warm\n"
      "Oslo,-2,\n"
      "Oslo,x,cold\n",
      options);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.value["rows"], Json::array());
  EXPECT_EQ(r.value["row_count"], 4);
  EXPECT_EQ(r.value["stats"], Json::parse(R"([
    {"column":"city","count":4,"empty":0,"numeric":0,"distinct":2,
     "distinct_capped":false,"top":[{"value":"Oslo","count":3}]},
    {"column":"temp","count":4,"empty":0,"numeric":3,"min":-2,"max":17.5,
     "sum":18.5,"mean":6.166666666666667,"distinct":4,"distinct_capped":false,
     "top":[]},
    {"column":"note","count":4,"empty":2,"numeric":0,"distinct":3,
     "distinct_capped":false,"top":[{"value":"","count":2}]}])"));
}

TEST(CsvConvertTest, IntegerStatsStayExact) {
  ConvertOptions options;
  options.stats = true;
  ConvertResult r = Convert("n\n9007199254740993\n1\n", options);
  ASSERT_TRUE(r.ok) << r.error;
  const Json& s = r.value["stats"][0];
  EXPECT_EQ(s["sum"].dump(), "9007199254740994");
  EXPECT_EQ(s["max"].dump(), "9007199254740993");
  // Overflow of the integer sum falls back to a double.
  r = Convert("n\n9223372036854775807\n1\n", options);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.value["stats"][0]["sum"].is_number_float());
}

TEST(CsvConvertTest, DistinctValuesAreCapped) {
  ConvertOptions options;
  options.stats = true;
  options.max_distinct = 3;
  ConvertResult r = Convert("v\na\nb\na\nc\nd\ne\nd\n", options);
  ASSERT_TRUE(r.ok) << r.error;
  const Json& s = r.value["stats"][0];
  EXPECT_EQ(s["distinct"], 3);
  EXPECT_EQ(s["distinct_capped"], true);
  EXPECT_EQ(s["top"], Json::parse(R"([{"value":"a","count":2}])"));
}

TEST(CsvConvertTest, TopValuesOrderedByCountThenFirstSeen) {
  ConvertOptions options;
  options.stats = true;
  options.top_values = 2;
  ConvertResult r = Convert("v\nb\na\nc\na\nb\nc\nc\n", options);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.value["stats"][0]["top"], Json::parse(R"([
      {"value":"c","count":3},{"value":"b","count":2}])"));
}

// The rows' JSON size is counted without writing it: the count must be what
// the dump writes, escapes included, or the bound would be off.
TEST(CsvConvertTest, RowBytesBoundIsTheDumpedSize) {
  ConvertOptions options;
  options.max_rows = 100;
  const std::string text =
      "na\"me,v\n"
      "\"a\tb\",\"x\x01y\\\"\n"
      "\"q\"\"\",é\n"
      "3,4\n";
  ConvertResult all = Convert(text, options);
  ASSERT_TRUE(all.ok) << all.error;
  const size_t needed = all.value["rows"].dump().size();
  options.max_row_bytes = needed;  // exactly what three rows take
  ConvertResult r = Convert(text, options);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.value["rows"].size(), 3u);
  EXPECT_EQ(r.value.dump().find("\"note\""), std::string::npos);
  options.max_row_bytes = needed - 1;  // one byte short: two rows
  r = Convert(text, options);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.value["rows"].size(), 2u);
  EXPECT_EQ(r.value["row_count"], 3);
  EXPECT_EQ(r.value["truncated"], true);
  EXPECT_EQ(r.value["note"],
            "rows stop after 2 of 3: more would pass " +
                std::to_string(needed - 1) +
                " bytes of JSON, the most one call returns (row_count and "
                "stats cover every row)");
}

// Every row is still in the statistics when the rows stop at the bound.
TEST(CsvConvertTest, RowBytesBoundKeepsStatsOverAllRows) {
  ConvertOptions options;
  options.stats = true;
  options.max_row_bytes = 1 << 10;
  std::string text = "n\n";
  for (int i = 0; i < 1000; ++i) text += std::to_string(i) + "\n";
  ConvertResult r = Convert(text, options);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_LT(r.value["rows"].size(), 1000u);
  EXPECT_LE(r.value["rows"].dump().size(), 1u << 10);
  EXPECT_EQ(r.value["truncated"], true);
  EXPECT_EQ(r.value["stats"][0]["count"], 1000);
  EXPECT_EQ(r.value["stats"][0]["max"], 999);
}

// Padding ragged rows at the end makes them longer: rows that no longer fit
// once padded are dropped, so the bound holds for what is returned.
TEST(CsvConvertTest, RowBytesBoundCountsRaggedPadding) {
  ConvertOptions options;
  options.ragged = true;
  options.max_row_bytes = 120;
  // 10 rows of {"a":"1"} (9 bytes + comma: all fit unpadded), then a row of
  // 10 fields: padded, each short row also gets 9 ,"column_N":null.
  std::string text = "a\n";
  for (int i = 0; i < 10; ++i) text += "1\n";
  text += "1,2,3,4,5,6,7,8,9,10\n";
  ConvertResult r = Convert(text, options);
  ASSERT_TRUE(r.ok) << r.error;
  const Json& rows = r.value["rows"];
  ASSERT_EQ(rows.size(), 0u);  // one padded row is 154 bytes
  EXPECT_EQ(r.value["truncated"], true);
  EXPECT_EQ(r.value["row_count"], 11);
  options.max_row_bytes = 400;
  r = Convert(text, options);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.value["rows"].size(), 2u);
  EXPECT_EQ(r.value["rows"][0].size(), 10u);
  EXPECT_LE(r.value["rows"].dump().size(), 400u);
}

TEST(CsvConvertTest, RecordsOverMaxFieldsAreTooLarge) {
  ConvertOptions options;
  options.max_fields = 3;
  ConvertResult r = Convert("a,b,c\n1,2,3\n", options);
  EXPECT_TRUE(r.ok) << r.error;
  r = Convert("a,b,c\n1,2,3,\n", options);  // a trailing empty field
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.too_large);
  EXPECT_EQ(r.error, "line 2: more than 3 fields, the most a record may have");
  EXPECT_EQ(r.error_line, 2u);
  options.ragged = true;
  r = Convert("a\n1\n\"x\ny\",2,3,4\n", options);
  EXPECT_TRUE(r.too_large);
  EXPECT_EQ(r.error_line, 3u);
  // Malformed input is not too_large.
  r = Convert("a\n\"x\n", options);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.too_large);
}

// Distinct values are kept per column up to max_distinct, and over all
// columns up to max_distinct_total: the first columns to meet new values
// get them.
TEST(CsvConvertTest, DistinctValuesAreCappedOverAllColumns) {
  ConvertOptions options;
  options.stats = true;
  options.max_distinct_total = 5;
  ConvertResult r = Convert("a,b\n1,x\n2,y\n3,z\n1,x\n", options);
  ASSERT_TRUE(r.ok) << r.error;
  const Json& stats = r.value["stats"];
  // Row by row: a=1 b=x a=2 b=y a=3 (5 kept), then b=z is not.
  EXPECT_EQ(stats[0]["distinct"], 3);
  EXPECT_EQ(stats[0]["distinct_capped"], false);
  EXPECT_EQ(stats[1]["distinct"], 2);
  EXPECT_EQ(stats[1]["distinct_capped"], true);
  EXPECT_EQ(stats[1]["top"], Json::parse(R"([{"value":"x","count":2}])"));
}

TEST(CsvConvertTest, EmptyInputs) {
  ConvertResult r = Convert("", {});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.value, Json::parse(R"({"columns":[],"rows":[],"row_count":0,
      "truncated":false})"));
  r = Convert("a,b\n", {});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.value, Json::parse(R"({"columns":["a","b"],"rows":[],
      "row_count":0,"truncated":false})"));
}

}  // namespace
}  // namespace airlock::csv
