// The schema subset as tool authors and agents see it: which schemas the
// build accepts, and the exact messages a bad call gets back.
#include "airlock/schema.h"

#include <string>

#include "gtest/gtest.h"

namespace airlock::tool {
namespace {

Json J(const char* text) { return Json::parse(text); }

std::string Check(const char* schema, const char* value) {
  Json v = J(value);
  return Validate(J(schema), v, /*fill_defaults=*/true);
}

constexpr const char* kEcho = R"({"type": "object",
  "properties": {"text": {"type": "string"}},
  "required": ["text"], "additionalProperties": false})";

TEST(Validate, AcceptsConformingValues) {
  EXPECT_EQ(Check(kEcho, R"({"text": "hi"})"), "");
  EXPECT_EQ(Check(kEcho, R"({"text": ""})"), "");
  EXPECT_EQ(Check(R"({})", R"([1, "x", null])"), "");
  EXPECT_EQ(Check(R"({"type": ["string", "null"]})", "null"), "");
}

TEST(Validate, NamesPointerRuleAndValue) {
  EXPECT_EQ(Check(kEcho, "{}"), R"(/: missing required property "text")");
  EXPECT_EQ(Check(kEcho, R"({"text": 5})"),
            "/text: must be a string, got number");
  EXPECT_EQ(Check(kEcho, R"({"text": null})"),
            "/text: must be a string, got null");
  EXPECT_EQ(Check(kEcho, R"({"text": "a", "extra": 1})"),
            "/extra: unknown property (allowed: text)");
  EXPECT_EQ(Check(kEcho, "[]"), "/: must be an object, got array");
  EXPECT_EQ(Check(R"({"properties": {"n": {"minimum": 1}}})", R"({"n": 0})"),
            "/n: must be >= 1, got 0");
  EXPECT_EQ(Check(R"({"maximum": 2.5})", "3"), "/: must be <= 2.5, got 3");
  EXPECT_EQ(Check(R"({"exclusiveMinimum": 0})", "0"), "/: must be > 0, got 0");
  EXPECT_EQ(Check(R"({"exclusiveMaximum": 10})", "10"),
            "/: must be < 10, got 10");
  EXPECT_EQ(Check(R"({"type": ["string", "null"]})", "true"),
            "/: must be a string or null, got boolean");
  EXPECT_EQ(Check(R"({"type": ["string", "integer", "null"]})", "[]"),
            "/: must be a string, an integer or null, got array");
}

TEST(Validate, UnknownPropertyBeforeMissingOne) {
  // A typo reports the typo, not only its consequence.
  EXPECT_EQ(Check(kEcho, R"({"txt": "hi"})"),
            "/txt: unknown property (allowed: text)");
  EXPECT_EQ(Check(R"({"additionalProperties": false})", R"({"a": 1})"),
            "/a: unknown property (no properties allowed)");
}

TEST(Validate, Integer) {
  const char* s = R"({"type": "integer", "minimum": 1})";
  EXPECT_EQ(Check(s, "3"), "");
  EXPECT_EQ(Check(s, "3.0"), "");  // no fractional part
  EXPECT_EQ(Check(s, "1.5"), "/: must be an integer, got 1.5");
  EXPECT_EQ(Check(s, R"("3")"), "/: must be an integer, got string");
  EXPECT_EQ(Check(s, "-1"), "/: must be >= 1, got -1");
  EXPECT_EQ(
      Check(R"({"maximum": 18446744073709551615})", "18446744073709551615"),
      "");
  EXPECT_EQ(Check(R"({"minimum": -9007199254740993})", "-9007199254740992"),
            "");
}

TEST(Validate, StringLengthCountsCodePoints) {
  const char* s = R"({"minLength": 2, "maxLength": 3})";
  EXPECT_EQ(Check(s, R"("héé")"), "");  // 3 code points, 5 bytes
  EXPECT_EQ(Check(s, R"("🌍🌍")"), "");
  EXPECT_EQ(Check(s, R"("a")"), "/: must be at least 2 characters long, got 1");
  EXPECT_EQ(Check(s, R"("abcd")"),
            "/: must be at most 3 characters long, got 4");
  EXPECT_EQ(Check(R"({"minLength": 1})", R"("")"),
            "/: must be at least 1 character long, got 0");
}

TEST(Validate, ArraysAndItems) {
  const char* s = R"({"type": "array", "items": {"type": "integer"},
                      "minItems": 1, "maxItems": 2})";
  EXPECT_EQ(Check(s, "[1, 2]"), "");
  EXPECT_EQ(Check(s, "[]"), "/: must have at least 1 item, got 0");
  EXPECT_EQ(Check(s, "[1, 2, 3]"), "/: must have at most 2 items, got 3");
  EXPECT_EQ(Check(s, R"([1, "x"])"), "/1: must be an integer, got string");
}

TEST(Validate, EnumAndConst) {
  EXPECT_EQ(Check(R"({"enum": ["a", "b", 1]})", R"("b")"), "");
  EXPECT_EQ(Check(R"({"enum": ["a", "b", 1]})", R"("c")"),
            R"(/: must be one of "a", "b", 1, got "c")");
  EXPECT_EQ(Check(R"({"const": "x"})", R"("y")"), R"(/: must be "x", got "y")");
  EXPECT_EQ(Check(R"({"const": 1})", "1.0"), "");  // numerically equal
}

TEST(Validate, NestedPointersAreEscaped) {
  const char* s = R"({"properties": {"a/b": {"properties": {"c~d":
                      {"type": "string"}}}}})";
  EXPECT_EQ(Check(s, R"({"a/b": {"c~d": 1}})"),
            "/a~1b/c~0d: must be a string, got number");
  EXPECT_EQ(Check(R"({"additionalProperties": {"type": "integer"}})",
                  R"({"x": 1, "y": "2"})"),
            "/y: must be an integer, got string");
}

TEST(Validate, LongValuesAreCutInMessages) {
  std::string text(1000, 'a');
  Json v = text;
  std::string e = Validate(J(R"({"enum": ["b"]})"), v, false);
  EXPECT_EQ(e, "/: must be one of \"b\", got \"" + std::string(60, 'a') +
                   "...\" (1000 bytes)");
  v = Json::array({1, 2, 3});
  EXPECT_EQ(Validate(J(R"({"const": 1})"), v, false),
            "/: must be 1, got an array of 3 items");
}

TEST(Validate, FillsDefaultsOnlyWhenAsked) {
  const char* s = R"({"type": "object", "properties": {
      "ignore_case": {"type": "boolean", "default": false},
      "max": {"type": "integer", "minimum": 1, "default": 100},
      "opts": {"type": "object", "default": {},
               "properties": {"deep": {"type": "string", "default": "d"}}}}})";
  Json v = J(R"({"max": 5})");
  EXPECT_EQ(Validate(J(s), v, true), "");
  EXPECT_EQ(v, J(R"({"max": 5, "ignore_case": false,
                      "opts": {"deep": "d"}})"));
  Json w = J("{}");
  EXPECT_EQ(Validate(J(s), w), "");
  EXPECT_EQ(w, J("{}"));
  // A given value is validated, not replaced.
  Json bad = J(R"({"max": 0})");
  EXPECT_EQ(Validate(J(s), bad, true), "/max: must be >= 1, got 0");
}

TEST(CheckSchema, AcceptsTheSubset) {
  EXPECT_EQ(CheckSchema(J(kEcho)), "");
  EXPECT_EQ(CheckSchema(J(R"({
      "type": "object", "title": "t", "description": "d",
      "examples": [{"n": 1}],
      "properties": {
        "n": {"type": "integer", "minimum": 1, "maximum": 9,
              "exclusiveMinimum": 0, "exclusiveMaximum": 10, "default": 1},
        "s": {"type": ["string", "null"], "minLength": 0, "maxLength": 5,
              "enum": ["a", null]},
        "a": {"type": "array", "items": {"const": 1}, "minItems": 0,
              "maxItems": 2},
        "o": {"additionalProperties": {"type": "number"}},
        "any": {}},
      "required": ["n"], "additionalProperties": false})")),
            "");
}

TEST(CheckSchema, NamesTheProblem) {
  EXPECT_EQ(CheckSchema(J(R"({"properties": {"n": {"pattern": "x"}}})"),
                        "/input_schema"),
            "/input_schema/properties/n: unsupported keyword \"pattern\" "
            "(supported: type, properties, required, additionalProperties, "
            "items, enum, const, minimum, maximum, exclusiveMinimum, "
            "exclusiveMaximum, minLength, maxLength, minItems, maxItems, "
            "default, description, title, examples)");
  EXPECT_EQ(CheckSchema(J(R"({"type": "text"})")),
            "/type: unknown type \"text\" (types: null, boolean, object, "
            "array, number, integer, string)");
  EXPECT_EQ(CheckSchema(J(R"({"type": ["string", "string"]})")),
            "/type/1: duplicate type \"string\"");
  EXPECT_EQ(CheckSchema(J(R"({"minLength": -1})")),
            "/minLength: must be a non-negative integer, got -1");
  EXPECT_EQ(CheckSchema(J(R"({"minimum": "1"})")),
            "/minimum: must be a number, got \"1\"");
  EXPECT_EQ(CheckSchema(J(R"({"items": [{}]})")),
            "/items: must be a schema object (tuple forms are not supported), "
            "got array");
  EXPECT_EQ(CheckSchema(J(R"({"required": ["a", "a"]})")),
            "/required/1: duplicate property \"a\"");
  EXPECT_EQ(CheckSchema(J(R"({"enum": []})")),
            "/enum: must be a non-empty array of values, got an array of 0 "
            "items");
  EXPECT_EQ(CheckSchema(J("true")),
            "/: a schema must be an object, got boolean");
  EXPECT_EQ(CheckSchema(J(R"({"minimum": 5, "maximum": 3})")),
            "/: minimum 5 is greater than maximum 3");
  EXPECT_EQ(CheckSchema(J(R"({"properties": {"a": {}}, "required": ["b"],
                              "additionalProperties": false})")),
            "/required/0: required property \"b\" is not in \"properties\" "
            "and additionalProperties is false");
  EXPECT_EQ(CheckSchema(J(R"({"properties": {"n": {"type": "integer",
                              "minimum": 1, "default": 0}}})")),
            "/properties/n/default: the default does not match its schema: "
            "/: must be >= 1, got 0");
}

}  // namespace
}  // namespace airlock::tool
