#include "regex.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace airlock::regex {
namespace {

constexpr const char* kUnset = "<unset>";

// The error message of compiling `pattern`, or "" when it compiles.
std::string ErrorOf(std::string_view pattern, const Options& options = {}) {
  CompileError error;
  std::optional<Regex> re = Regex::Compile(pattern, options, &error);
  if (re) return "";
  return error.message;
}

Regex MustCompile(std::string_view pattern, const Options& options = {}) {
  CompileError error;
  std::optional<Regex> re = Regex::Compile(pattern, options, &error);
  EXPECT_TRUE(re.has_value()) << pattern << ": " << error.message;
  if (!re) return std::move(*Regex::Compile("(?:)"));
  return std::move(*re);
}

// The first match of `pattern` in `text`: the whole match then each group
// ("<unset>" for a group that did not take part); empty when no match.
std::vector<std::string> Find(std::string_view pattern, std::string_view text,
                              const Options& options = {}) {
  Regex re = MustCompile(pattern, options);
  std::vector<Span> groups(1 + re.num_groups());
  if (!re.Search(text, 0, groups.data(), groups.size())) return {};
  std::vector<std::string> out;
  for (const Span& g : groups) {
    out.push_back(g.matched() ? std::string(text.substr(g.begin, g.size()))
                              : kUnset);
  }
  return out;
}

// The whole match of the first match, or "<none>".
std::string Match(std::string_view pattern, std::string_view text,
                  const Options& options = {}) {
  std::vector<std::string> m = Find(pattern, text, options);
  return m.empty() ? "<none>" : m[0];
}

// Every match as "begin-end:text".
std::vector<std::string> FindAll(std::string_view pattern,
                                 std::string_view text,
                                 const Options& options = {}) {
  Regex re = MustCompile(pattern, options);
  MatchIterator it(re, text, 1);
  std::vector<std::string> out;
  while (it.Next()) {
    const Span& m = it.groups()[0];
    out.push_back(std::to_string(m.begin) + "-" + std::to_string(m.end) + ":" +
                  std::string(text.substr(m.begin, m.size())));
  }
  return out;
}

using V = std::vector<std::string>;

TEST(RegexTest, LiteralsAndEscapes) {
  EXPECT_EQ(Match("abc", "xxabcxx"), "abc");
  EXPECT_EQ(Match("abd", "xxabcxx"), "<none>");
  EXPECT_EQ(Match("a\\.c", "abc a.c"), "a.c");
  EXPECT_EQ(Match("\\(\\)\\[\\]\\{\\}\\*\\+\\?\\|\\^\\$\\\\", "()[]{}*+?|^$\\"),
            "()[]{}*+?|^$\\");
  EXPECT_EQ(Match("a\\tb\\nc\\rd", "a\tb\nc\rd"), "a\tb\nc\rd");
  EXPECT_EQ(Match("\\f\\v\\a\\e", "\f\v\a\x1b"), "\f\v\a\x1b");
  EXPECT_EQ(Match("\\x41\\x{42}\\x{263A}", "AB\u263A"), "AB\u263A");
  EXPECT_EQ(Match("\\u00e9t\\u00E9", "\u00e9t\u00e9"), "\u00e9t\u00e9");
  EXPECT_EQ(Match("a\\0b", std::string_view("a\0b", 3)),
            std::string("a\0b", 3));
  EXPECT_EQ(Match("\\012", "\n"), "\n");
  EXPECT_EQ(Match("\\Qa.b*c\\E+", "a.b*cc"), "a.b*cc");
  EXPECT_EQ(Match("\\Qa.b", "xa.b"), "a.b");  // \Q without \E
  EXPECT_EQ(Match("\\-\\_\\ \\#", "-_ #"), "-_ #");
  EXPECT_EQ(Match("", "abc"), "");
}

TEST(RegexTest, LiteralBraceWhenNotARepeat) {
  EXPECT_EQ(Match("a{", "a{"), "a{");
  EXPECT_EQ(Match("a{,2}", "a{,2}"), "a{,2}");
  EXPECT_EQ(Match("a{x}", "a{x}"), "a{x}");
  EXPECT_EQ(Match("{}", "{}"), "{}");
  EXPECT_EQ(Match("a{1", "a{1"), "a{1");
}

TEST(RegexTest, Dot) {
  EXPECT_EQ(Match("a.c", "abc"), "abc");
  EXPECT_EQ(Match("a.c", "a\nc"), "<none>");
  EXPECT_EQ(Match("(?s)a.c", "a\nc"), "a\nc");
  Options dot_all;
  dot_all.dot_all = true;
  EXPECT_EQ(Match("a.c", "a\nc", dot_all), "a\nc");
  EXPECT_EQ(Match("(?s:.).", "\n\n"), "<none>");
  EXPECT_EQ(Match("(?s:.).", "\nx"), "\nx");
}

TEST(RegexTest, Classes) {
  EXPECT_EQ(Match("[a-c]+", "xxabcabd"), "abcab");
  EXPECT_EQ(Match("[^a-c]+", "abxyzc"), "xyz");
  EXPECT_EQ(Match("[]a]+", "]a]b"), "]a]");
  EXPECT_EQ(Match("[^]a]+", "]a]bc"), "bc");
  EXPECT_EQ(Match("[a-]+", "x-a-"), "-a-");
  EXPECT_EQ(Match("[-a]+", "x-a-"), "-a-");
  EXPECT_EQ(Match("[\\d-z]+", "a1-z"), "1-z");
  EXPECT_EQ(Match("[\\]\\\\]+", "a]\\"), "]\\");
  EXPECT_EQ(Match("[.*+]+", "a.*+"), ".*+");
  EXPECT_EQ(Match("[[]+", "a[["), "[[");
  EXPECT_EQ(Match("[\\x41-\\x43]+", "ABCD"), "ABC");
  EXPECT_EQ(Match("[\\n]", "a\nb"), "\n");
  EXPECT_EQ(Match("[^\\n]+", "ab\ncd"), "ab");
  EXPECT_EQ(Match("[[:alpha:]]+", "12abC3"), "abC");
  EXPECT_EQ(Match("[[:^digit:]]+", "12ab3"), "ab");
  EXPECT_EQ(Match("[[:xdigit:][:space:]]+", "xx0f a9g"), "0f a9");
  EXPECT_EQ(Match("[[:punct:]]+", "ab!?#cd"), "!?#");
}

TEST(RegexTest, PerlClasses) {
  EXPECT_EQ(Match("\\d+", "ab123c"), "123");
  EXPECT_EQ(Match("\\D+", "12abc3"), "abc");
  EXPECT_EQ(Match("\\w+", "  foo_bar9!"), "foo_bar9");
  EXPECT_EQ(Match("\\W+", "ab, cd"), ", ");
  EXPECT_EQ(Match("\\s+", "a \t\r\n\fb"), " \t\r\n\f");
  EXPECT_EQ(Match("\\S+", "  ab  "), "ab");
  EXPECT_EQ(Match("[\\d\\s]+", "a1 2 3b"), "1 2 3");
  EXPECT_EQ(Match("[^\\d\\s]+", "1 ab 2"), "ab");
  EXPECT_EQ(Match("[\\W\\d]+", "ab1,2cd"), "1,2");
  // ASCII only, as in RE2: accented letters and other digits are not \w/\d.
  EXPECT_EQ(Match("\\w+", "\u00e9t\u00e9"), "t");
  EXPECT_EQ(Match("\\d", "\u0663"), "<none>");
  // \s does not include \v (RE2).
  EXPECT_EQ(Match("\\s", "\v"), "<none>");
}

TEST(RegexTest, Anchors) {
  EXPECT_EQ(Match("^abc", "abcabc"), "abc");
  EXPECT_EQ(Match("^bc", "abc"), "<none>");
  EXPECT_EQ(Match("abc$", "abcabc"), "abc");
  EXPECT_EQ(Match("ab$", "abc"), "<none>");
  // Without (?m), $ is the end of the text only: not before a final \n.
  EXPECT_EQ(Match("abc$", "abc\n"), "<none>");
  EXPECT_EQ(Match("^b", "a\nb"), "<none>");
  EXPECT_EQ(Match("(?m)^b", "a\nb"), "b");
  EXPECT_EQ(Match("(?m)a$", "a\nb"), "a");
  Options multiline;
  multiline.multiline = true;
  EXPECT_EQ(FindAll("^\\w+$", "one\ntwo\n\nthree", multiline),
            V({"0-3:one", "4-7:two", "9-14:three"}));
  EXPECT_EQ(FindAll("^", "a\nb\n", multiline), V({"0-0:", "2-2:", "4-4:"}));
  EXPECT_EQ(FindAll("$", "a\nb\n", multiline), V({"1-1:", "3-3:", "4-4:"}));
  // \A and \z ignore (?m).
  EXPECT_EQ(FindAll("(?m)\\A\\w", "a\nb"), V({"0-1:a"}));
  EXPECT_EQ(FindAll("(?m)\\w\\z", "a\nb"), V({"2-3:b"}));
  EXPECT_EQ(Match("\\Aabc\\z", "abc"), "abc");
  EXPECT_EQ(Match("\\Aabc\\z", "abc\n"), "<none>");
  EXPECT_EQ(Match("^$", ""), "");
  EXPECT_EQ(Match("a|^b", "xb"), "<none>");
  EXPECT_EQ(Match("x|^b", "bx"), "b");
}

TEST(RegexTest, WordBoundaries) {
  EXPECT_EQ(FindAll("\\bcat\\b", "cat concat cat_ cat."),
            V({"0-3:cat", "16-19:cat"}));
  EXPECT_EQ(FindAll("\\Bcat", "cat concat"), V({"7-10:cat"}));
  EXPECT_EQ(FindAll("\\b", "ab cd"), V({"0-0:", "2-2:", "3-3:", "5-5:"}));
  EXPECT_EQ(Match("\\b", ""), "<none>");
  EXPECT_EQ(Match("\\B", ""), "");
}

TEST(RegexTest, Groups) {
  EXPECT_EQ(Find("(a)(b)?(c)", "ac"), V({"ac", "a", kUnset, "c"}));
  EXPECT_EQ(Find("(?:ab)+(c)", "ababc"), V({"ababc", "c"}));
  EXPECT_EQ(Find("(a(b(c)))", "abc"), V({"abc", "abc", "bc", "c"}));
  EXPECT_EQ(Find("(a)|(b)", "b"), V({"b", kUnset, "b"}));
  // A repeated group keeps its last iteration.
  EXPECT_EQ(Find("(a|b)*", "abab"), V({"abab", "b"}));
  EXPECT_EQ(Find("(a|b)*c", "c"), V({"c", kUnset}));
  EXPECT_EQ(Find("()", "x"), V({"", ""}));

  Regex re = MustCompile("(?P<year>\\d{4})-(?<month>\\d\\d)-(\\d\\d)");
  EXPECT_EQ(re.num_groups(), 3);
  EXPECT_EQ(re.group_name(1), "year");
  EXPECT_EQ(re.group_name(2), "month");
  EXPECT_EQ(re.group_name(3), "");
  EXPECT_EQ(re.group_name(4), "");
  EXPECT_EQ(re.group_index("year"), 1);
  EXPECT_EQ(re.group_index("month"), 2);
  EXPECT_EQ(re.group_index("day"), -1);
  EXPECT_EQ(re.group_index(""), -1);
  std::string text = "on 2024-03-15.";
  std::vector<Span> g(4);
  ASSERT_TRUE(re.Search(text, 0, g.data(), g.size()));
  EXPECT_EQ(g[0], (Span{3, 13}));
  EXPECT_EQ(g[1], (Span{3, 7}));
  EXPECT_EQ(g[2], (Span{8, 10}));
  EXPECT_EQ(g[3], (Span{11, 13}));
}

TEST(RegexTest, FewerSpansThanGroups) {
  Regex re = MustCompile("(a)(b)");
  std::vector<Span> g(5, Span{1, 2});
  ASSERT_TRUE(re.Search("xab", 0, g.data(), 1));
  EXPECT_EQ(g[0], (Span{1, 3}));
  EXPECT_EQ(g[1], (Span{1, 2}));  // beyond num_spans: untouched
  // More spans than groups: the extra ones are unmatched.
  ASSERT_TRUE(re.Search("xab", 0, g.data(), 5));
  EXPECT_EQ(g[2], (Span{2, 3}));
  EXPECT_FALSE(g[3].matched());
  EXPECT_FALSE(g[4].matched());
  EXPECT_TRUE(re.Contains("zzab"));
  EXPECT_FALSE(re.Contains("zzba"));
}

TEST(RegexTest, LeftmostFirstAlternation) {
  // The leftmost match wins; among matches starting there, the first
  // alternative (not the longest) wins.
  EXPECT_EQ(Match("a|ab", "ab"), "a");
  EXPECT_EQ(Match("ab|a", "ab"), "ab");
  EXPECT_EQ(Match("foo|foobar", "foobar"), "foo");
  EXPECT_EQ(Match("b|ab", "ab"), "ab");  // leftmost beats first
  EXPECT_EQ(Find("(a|ab)(c|bcd)(d*)", "abcd"), V({"abcd", "a", "bcd", ""}));
  EXPECT_EQ(Match("abcd|c", "abcd"), "abcd");
  EXPECT_EQ(Match("a|", "b"), "");
  EXPECT_EQ(Match("|a", "a"), "");
  EXPECT_EQ(Match("x*|a", "a"), "");
}

TEST(RegexTest, GreedyAndLazy) {
  EXPECT_EQ(Match("a+", "aaa"), "aaa");
  EXPECT_EQ(Match("a+?", "aaa"), "a");
  EXPECT_EQ(Match("a*?", "aaa"), "");
  EXPECT_EQ(Match("a??b", "ab"), "ab");
  EXPECT_EQ(Match("a?", "aa"), "a");
  EXPECT_EQ(Match("a??", "aa"), "");
  EXPECT_EQ(Match("<.*>", "<a><b>"), "<a><b>");
  EXPECT_EQ(Match("<.*?>", "<a><b>"), "<a>");
  EXPECT_EQ(Match("a{2,4}", "aaaaa"), "aaaa");
  EXPECT_EQ(Match("a{2,4}?", "aaaaa"), "aa");
  EXPECT_EQ(Match("a{2,}?", "aaaaa"), "aa");
  EXPECT_EQ(Match("a{2,}", "aaaaa"), "aaaaa");
  EXPECT_EQ(Find("(a+?)(a*)", "aaa"), V({"aaa", "a", "aa"}));
  EXPECT_EQ(Find("(a*?)(a*)", "aaa"), V({"aaa", "", "aaa"}));
  // (?U) swaps greedy and lazy.
  EXPECT_EQ(Match("(?U)a+", "aaa"), "a");
  EXPECT_EQ(Match("(?U)a+?", "aaa"), "aaa");
  EXPECT_EQ(Match("(?U:<.*>)", "<a><b>"), "<a>");
}

TEST(RegexTest, CountedRepeats) {
  EXPECT_EQ(Match("a{3}", "aaaa"), "aaa");
  EXPECT_EQ(Match("a{3}", "aa"), "<none>");
  EXPECT_EQ(Match("a{0}b", "aab"), "b");
  EXPECT_EQ(Match("a{0,0}b", "ab"), "b");
  EXPECT_EQ(Match("(?:ab){2}", "abababab"), "abab");
  EXPECT_EQ(Match("(?:a{2}){3}", "aaaaaaaa"), "aaaaaa");
  EXPECT_EQ(Match("x{1000}", std::string(1000, 'x')), std::string(1000, 'x'));
  EXPECT_EQ(Match("x{1000}", std::string(999, 'x')), "<none>");
  EXPECT_EQ(Match("\\d{1,3}(?:\\.\\d{1,3}){3}", "ip 192.168.0.1!"),
            "192.168.0.1");
  EXPECT_EQ(Find("(a){2,3}", "aaaa"), V({"aaa", "a"}));
}

TEST(RegexTest, CaseInsensitive) {
  Options icase;
  icase.case_insensitive = true;
  EXPECT_EQ(Match("hello", "Say HeLLo", icase), "HeLLo");
  EXPECT_EQ(Match("(?i)hello", "Say HELLO"), "HELLO");
  EXPECT_EQ(Match("hello", "Say HELLO"), "<none>");
  EXPECT_EQ(Match("[a-c]+", "xABCd", icase), "ABC");
  EXPECT_EQ(Match("[^a-c]+", "ABCdef", icase), "def");
  // (?i) negated class: fold first, then negate.
  EXPECT_EQ(Match("(?i)[^k]", "Kk\u212Ax"), "x");
  // Scoped and cleared flags.
  EXPECT_EQ(Match("a(?i)b", "aB"), "aB");
  EXPECT_EQ(Match("a(?i)b", "AB"), "<none>");
  EXPECT_EQ(Match("(?i:a)b", "Ab"), "Ab");
  EXPECT_EQ(Match("(?i:a)b", "AB"), "<none>");
  EXPECT_EQ(Match("(?i)a(?-i)b", "AB"), "<none>");
  EXPECT_EQ(Match("(?i)a(?-i:b)c", "AbC"), "AbC");
  // The flags of a group end with the group; a flag set in one branch
  // carries on to the next (as in RE2).
  EXPECT_EQ(Match("(a(?i)b)c", "aBC"), "<none>");
  EXPECT_EQ(Match("x(?i)y|z", "Z"), "Z");
  // Beyond ASCII.
  EXPECT_EQ(Match("\u00e9t\u00e9", "\u00c9T\u00c9", icase), "\u00c9T\u00c9");
  EXPECT_EQ(Match("\u03c3+", "\u03a3\u03c3\u03c2", icase),
            "\u03a3\u03c3\u03c2");
  EXPECT_EQ(Match("\u0434\u043e\u043c", "\u0414\u041e\u041c", icase),
            "\u0414\u041e\u041c");
  EXPECT_EQ(Match("k", "\u212A", icase), "\u212A");  // Kelvin sign
  EXPECT_EQ(Match("\u017f", "S", icase), "S");       // long s
  EXPECT_EQ(Match("\u0101\u0139", "\u0100\u013a", icase), "\u0100\u013a");
  EXPECT_EQ(Match("\\w+", "ABC", icase), "ABC");
  EXPECT_EQ(Match("\u00ff", "\u0178", icase), "\u0178");
}

TEST(RegexTest, Utf8) {
  // . and classes read whole characters, offsets are bytes.
  EXPECT_EQ(Match("^.$", "\u00e9"), "\u00e9");
  EXPECT_EQ(Match("^.$", "\u65e5"), "\u65e5");
  EXPECT_EQ(Match("^.$", "\U0001F600"), "\U0001F600");
  EXPECT_EQ(Match("^..$", "\U0001F600"), "<none>");
  EXPECT_EQ(Match("a.c", "a\u00e9c"), "a\u00e9c");
  EXPECT_EQ(Match("[\u00e0-\u00ff]+", "x\u00e9\u00e8y"), "\u00e9\u00e8");
  EXPECT_EQ(Match("[^a]", "a\u00e9"), "\u00e9");
  EXPECT_EQ(Match("[\u65e5\u672c]+", "\u65e5\u672c\u8a9e"), "\u65e5\u672c");
  EXPECT_EQ(Match("\u8a9e", "\u65e5\u672c\u8a9e"), "\u8a9e");
  EXPECT_EQ(Match("\\x{1F600}", "a\U0001F600"), "\U0001F600");
  Regex re = MustCompile("\u00e9+");
  std::vector<Span> g(1);
  std::string text = "ab\u00e9\u00e9c";
  ASSERT_TRUE(re.Search(text, 0, g.data(), 1));
  EXPECT_EQ(g[0], (Span{2, 6}));
  // Invalid UTF-8 in the text: one byte at a time, each byte U+FFFD.
  EXPECT_EQ(Match("a.b",
                  "a\xff"
                  "b"),
            "a\xff"
            "b");
  EXPECT_EQ(Match("a..b",
                  "a\xe2\x82"
                  "b"),
            "a\xe2\x82"
            "b");
  EXPECT_EQ(Match("a\\x{FFFD}b",
                  "a\xc0"
                  "b"),
            "a\xc0"
            "b");
  EXPECT_EQ(Match("[^x]+", "\xff\xfe"), "\xff\xfe");
  EXPECT_EQ(FindAll("", "\u00e9"), V({"0-0:", "2-2:"}));
}

TEST(RegexTest, SearchFromOffset) {
  Regex re = MustCompile("\\bx\\w*");
  std::string text = "xa bxc xd";
  std::vector<Span> g(1);
  ASSERT_TRUE(re.Search(text, 1, g.data(), 1));
  EXPECT_EQ(g[0], (Span{7, 9}));  // assertions see the text before `start`
  ASSERT_TRUE(re.Search(text, 0, g.data(), 1));
  EXPECT_EQ(g[0], (Span{0, 2}));
  EXPECT_FALSE(re.Search(text, 8, g.data(), 1));
  EXPECT_FALSE(re.Search(text, 100, g.data(), 1));
  EXPECT_FALSE(g[0].matched());
  Regex anchored = MustCompile("^a");
  EXPECT_FALSE(anchored.Search("aa", 1, g.data(), 1));
  Regex empty = MustCompile("");
  ASSERT_TRUE(empty.Search("ab", 2, g.data(), 1));
  EXPECT_EQ(g[0], (Span{2, 2}));
}

TEST(RegexTest, FindAllEmptyMatches) {
  EXPECT_EQ(FindAll("a*", "baaa"), V({"0-0:", "1-4:aaa"}));
  EXPECT_EQ(FindAll("a*", "baaac"), V({"0-0:", "1-4:aaa", "5-5:"}));
  EXPECT_EQ(FindAll("", "abc"), V({"0-0:", "1-1:", "2-2:", "3-3:"}));
  EXPECT_EQ(FindAll("x*", ""), V({"0-0:"}));
  EXPECT_EQ(FindAll("a|", "aab"), V({"0-1:a", "1-2:a", "3-3:"}));
  EXPECT_EQ(FindAll("\\d+", "a1b22c333"), V({"1-2:1", "3-5:22", "6-9:333"}));
  EXPECT_EQ(FindAll("aa", "aaaaa"), V({"0-2:aa", "2-4:aa"}));
  EXPECT_EQ(FindAll("a*?", "aa"), V({"0-0:", "1-1:", "2-2:"}));
}

TEST(RegexTest, PathologicalPatternsRunInLinearTime) {
  // A backtracking engine takes exponential time on these.
  std::string as(10000, 'a');
  EXPECT_EQ(Match("(a*)*b", as), "<none>");
  EXPECT_EQ(Match("(a+)+b", as), "<none>");
  EXPECT_EQ(Match("(a|a)*b", as), "<none>");
  EXPECT_EQ(Match("(a|aa)*b", as), "<none>");
  EXPECT_EQ(Match("(?:a*)*$", as), as);
  EXPECT_EQ(Find("(a*)*b", as + "b")[0], as + "b");
  EXPECT_EQ(Match("(x+x+)+y", std::string(5000, 'x')), "<none>");
  EXPECT_EQ(Match(".*.*.*.*.*=.*", std::string(5000, 'x')), "<none>");
  std::string thirty(30, 'a');
  EXPECT_EQ(Match("(a?){30}a{30}", thirty), thirty);
  EXPECT_EQ(Match("^(\\w+\\s?)*$", std::string(5000, 'w') + "!"), "<none>");
  // Empty loops terminate.
  EXPECT_EQ(Find("(a*)*", "b"), V({"", kUnset}));
  EXPECT_EQ(Find("(a*)+", "b"), V({"", ""}));
  EXPECT_EQ(Find("(|a)*", "aa")[0], "aa");
  EXPECT_EQ(Find("(?:)*x", "x")[0], "x");
  EXPECT_EQ(FindAll("(a*)*", "aab"), V({"0-2:aa", "3-3:"}));
}

TEST(RegexTest, Errors) {
  struct Case {
    const char* pattern;
    const char* message;
  };
  const Case kCases[] = {
      {"(abc", "missing ) for the group opened at offset 0"},
      {"a(b(c)", "missing ) for the group opened at offset 1"},
      {"abc)", "unmatched ) at offset 3"},
      {"*a", "nothing to repeat at offset 0"},
      {"abc|*", "nothing to repeat at offset 4"},
      {"a(+)", "nothing to repeat at offset 2"},
      {"x(?i)?", "nothing to repeat at offset 5"},
      {"{2}", "nothing to repeat at offset 0"},
      {"a{1001}", "repeat count above 1000 at offset 1"},
      {"a{1,1001}", "repeat count above 1000 at offset 1"},
      {"a{99999999999}", "repeat count above 1000 at offset 1"},
      {"a{3,2}", "invalid repeat {3,2} at offset 1: minimum above maximum"},
      {"a**",
       "multiple quantifiers ** at offset 1 (group the first with "
       "(?:...) to repeat it)"},
      {"a{2}{3}",
       "multiple quantifiers {2}{3} at offset 1 (group the first "
       "with (?:...) to repeat it)"},
      {"a*?+",
       "multiple quantifiers *?+ at offset 1 (group the first with "
       "(?:...) to repeat it)"},
      {"a*+", "possessive quantifier *+ is not supported at offset 1"},
      {"a++", "possessive quantifier ++ is not supported at offset 1"},
      {"a?+", "possessive quantifier ?+ is not supported at offset 1"},
      {"a{2,}+", "possessive quantifier {2,}+ is not supported at offset 1"},
      {"(a)\\1", "backreference \\1 is not supported at offset 3"},
      {"(a)\\12", "backreference \\12 is not supported at offset 3"},
      {"(?P<x>a)(?P=x)",
       "named backreference (?P= is not supported at "
       "offset 8"},
      {"(?<x>a)\\k<x>", "named backreference \\k is not supported at offset 7"},
      {"a(?=b)", "lookahead (?= is not supported at offset 1"},
      {"a(?!b)", "negative lookahead (?! is not supported at offset 1"},
      {"(?<=a)b", "lookbehind (?<= is not supported at offset 0"},
      {"(?<!a)b", "negative lookbehind (?<! is not supported at offset 0"},
      {"(?>a+)", "atomic group (?> is not supported at offset 0"},
      {"(?#note)", "comment group (?# is not supported at offset 0"},
      {"(?R)", "recursion (?R is not supported at offset 0"},
      {"(?(1)a|b)", "conditional group (?( is not supported at offset 0"},
      {"[abc", "missing ] for the character class opened at offset 0"},
      {"x[]", "missing ] for the character class opened at offset 1"},
      {"[^]", "missing ] for the character class opened at offset 0"},
      {"[z-a]",
       "invalid character class range z-a at offset 1: start "
       "above end"},
      {"[a-\\d]", "invalid character class range a-\\d at offset 1"},
      {"[[:foo:]]", "invalid POSIX class [:foo:] at offset 1"},
      {"[\\b]", "invalid escape \\b at offset 1 inside a character class"},
      {"\\y", "invalid escape \\y at offset 0"},
      {"\\\u00e9", "invalid escape \\\u00e9 at offset 0"},
      {"ab\\", "trailing \\ at offset 2"},
      {"\\pL",
       "Unicode class \\p is not supported at offset 0 (write the "
       "ranges in [...] instead)"},
      {"\\Z",
       "\\Z is not supported at offset 0 (use \\z for the end of the "
       "text)"},
      {"\\x4",
       "invalid \\x escape at offset 0: expected 2 hex digits or "
       "{...}"},
      {"\\x{}", "invalid \\x{...} escape at offset 0"},
      {"\\x{110000}", "invalid code point in escape at offset 0"},
      {"\\uD800", "invalid code point in escape at offset 0"},
      {"\\u12", "invalid \\u escape at offset 0: expected 4 hex digits"},
      {"(?P<1a>x)",
       "invalid group name <1a> at offset 0: use letters, "
       "digits and _, not starting with a digit"},
      {"(?P<>x)",
       "invalid group name <> at offset 0: use letters, digits "
       "and _, not starting with a digit"},
      {"(?P<a>x)(?<a>y)", "duplicate group name <a> at offset 8"},
      {"(?P<abc", "missing > after the group name at offset 0"},
      {"(?x)a", "unsupported flag x at offset 2 (supported: i, m, s, U)"},
      {"(?i", "missing ) for the flags group opened at offset 0"},
      {"(?)", "missing flag in the flags group at offset 0"},
      {"(?i-)", "missing flag in the flags group at offset 0"},
      {"(?i-m-s)", "second - in the flags group at offset 5"},
      {"(?i:a", "missing ) for the group opened at offset 0"},
      // Offsets count characters, not bytes.
      {"\u00e9\u00e9*+",
       "possessive quantifier *+ is not supported at "
       "offset 2"},
      {"\xff", "invalid UTF-8 at offset 0"},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(ErrorOf(c.pattern), c.message) << c.pattern;
  }
  CompileError error;
  EXPECT_FALSE(Regex::Compile("ab(", {}, &error));
  EXPECT_EQ(error.offset, 2u);
  EXPECT_FALSE(Regex::Compile("ab("));  // no error out-parameter: no crash
}

TEST(RegexTest, SizeLimits) {
  EXPECT_EQ(ErrorOf("(?:a{1000}){1000}"),
            "pattern too large: the compiled program exceeds 50000 "
            "instructions (make repeat counts smaller)");
  EXPECT_EQ(ErrorOf("((((a{100}){100}){100}){100})"),
            "pattern too large: the compiled program exceeds 50000 "
            "instructions (make repeat counts smaller)");
  EXPECT_EQ(ErrorOf("(?:a{100}){100}"), "");
  Options small;
  small.max_pattern_bytes = 4;
  EXPECT_EQ(ErrorOf("abcde", small),
            "pattern too large: 5 bytes, the limit is 4");
  small.max_pattern_bytes = 1000;
  small.max_match_memory = 64 << 10;
  EXPECT_EQ(ErrorOf("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)x{1000}", small),
            "pattern too large: 1033 instructions with 10 capture groups need "
            "more than the 64 KiB of matching memory allowed (use fewer "
            "groups: (?:...) does not capture)");
  EXPECT_EQ(ErrorOf("(?:a)(?:b)(?:c)(?:d)(?:e)(?:f)(?:g)(?:h)(?:i)(?:j)x{1000}",
                    small),
            "");

  std::string deep;
  for (int i = 0; i < Regex::kMaxNesting; ++i) deep += "(";
  deep += "a";
  for (int i = 0; i < Regex::kMaxNesting; ++i) deep += ")";
  EXPECT_EQ(ErrorOf(deep), "");
  EXPECT_EQ(ErrorOf("(" + deep + ")"),
            "groups nested more than 200 deep at offset 200");
  EXPECT_EQ(ErrorOf("(?:" + deep + ")"),
            "groups nested more than 200 deep at offset 202");
}

TEST(RegexTest, Replace) {
  Regex re = MustCompile("(?P<key>\\w+)=(\\w*)");
  std::string out, error;
  EXPECT_EQ(re.ReplaceAll("a=1, b=2", "$2:$1", &out, &error), 2);
  EXPECT_EQ(out, "1:a, 2:b");
  out.clear();
  EXPECT_EQ(re.ReplaceAll("a=1, b=2", "${key}->${2}$$", &out, &error), 2);
  EXPECT_EQ(out, "a->1$, b->2$");
  out.clear();
  EXPECT_EQ(re.ReplaceAll("a=1, b=2", "[$0|$key]", &out, &error), 2);
  EXPECT_EQ(out, "[a=1|a], [b=2|b]");
  out.clear();
  EXPECT_EQ(re.ReplaceAll("a=1, b=2", "${1}x", &out, &error, 1), 1);
  EXPECT_EQ(out, "ax, b=2");
  out.clear();
  EXPECT_EQ(re.ReplaceAll("nothing here", "X", &out, &error), 0);
  EXPECT_EQ(out, "nothing here");

  Regex optional = MustCompile("(a)|(b)");
  out.clear();
  EXPECT_EQ(optional.ReplaceAll("ab", "[$1$2]", &out, &error), 2);
  EXPECT_EQ(out, "[a][b]");

  Regex star = MustCompile("a*");
  out.clear();
  EXPECT_EQ(star.ReplaceAll("baaac", "-", &out, &error), 3);
  EXPECT_EQ(out, "-b-c-");
  Regex e = MustCompile("");
  out.clear();
  EXPECT_EQ(e.ReplaceAll("\u00e9t", ".", &out, &error), 3);
  EXPECT_EQ(out, ".\u00e9.t.");

  struct Case {
    const char* replacement;
    const char* message;
  };
  const Case kErrors[] = {
      {"$3", "replacement: $3 at offset 0: the pattern has only 2 groups"},
      {"x${9}",
       "replacement: ${9} at offset 1: the pattern has only 2 "
       "groups"},
      {"$nope",
       "replacement: $nope at offset 0: the pattern has no group "
       "named nope"},
      {"${k ey}",
       "replacement: ${k ey} at offset 0: the pattern has no "
       "group named k ey"},
      {"${1a}",
       "replacement: ${1a} at offset 0: a group name must not start "
       "with a digit"},
      {"cost $",
       "replacement: $ at offset 5 must be followed by a group "
       "number, a name, {...} or $ (write $$ for a literal $)"},
      {"$-",
       "replacement: $ at offset 0 must be followed by a group number, "
       "a name, {...} or $ (write $$ for a literal $)"},
      {"\u00e9${1", "replacement: missing } after ${ at offset 1"},
      {"${}", "replacement: empty ${} at offset 0"},
  };
  for (const Case& c : kErrors) {
    out.clear();
    error.clear();
    EXPECT_EQ(re.ReplaceAll("a=1", c.replacement, &out, &error), -1)
        << c.replacement;
    EXPECT_EQ(error, c.message);
    EXPECT_TRUE(re.CheckReplacement("$1", &error));
  }
  Regex one = MustCompile("(x)");
  EXPECT_FALSE(one.CheckReplacement("$2", &error));
  EXPECT_EQ(error, "replacement: $2 at offset 0: the pattern has only 1 group");
}

TEST(RegexTest, LiteralPrefix) {
  EXPECT_EQ(MustCompile("abc\\d").literal_prefix(), "abc");
  EXPECT_EQ(MustCompile("(ab)c|abd").literal_prefix(), "");
  EXPECT_EQ(MustCompile("(?:ab)+").literal_prefix(), "ab");
  EXPECT_EQ(MustCompile("\u00e9t").literal_prefix(), "\u00e9t");
  EXPECT_EQ(MustCompile("(?i)abc").literal_prefix(), "");
  EXPECT_EQ(MustCompile("^abc").literal_prefix(), "");
  EXPECT_EQ(MustCompile(QuoteMeta("a.b(c)")).literal_prefix(), "a.b(c)");
}

TEST(RegexTest, QuoteMeta) {
  std::string special = "a.b*c+d?e(f)g[h]i{j}k|l^m$n\\o-p#q&r~s t/\u00e9_";
  Regex re = MustCompile(QuoteMeta(special));
  EXPECT_EQ(Match(QuoteMeta(special), "xx" + special + "yy"), special);
  EXPECT_EQ(QuoteMeta("a.b"), "a\\.b");
  EXPECT_EQ(QuoteMeta("\u00e9_1 "), "\u00e9_1 ");
  EXPECT_FALSE(re.Contains("a.b*c+d?e(f)g[h]i{j}k|l^m$n\\o-p#q&r~s t/e_"));
}

TEST(RegexTest, PrefixAndFirstByteSkipping) {
  // The fast paths must not change results.
  EXPECT_EQ(FindAll("abc\\d", "abc abc1 xabc2"), V({"4-8:abc1", "10-14:abc2"}));
  EXPECT_EQ(FindAll("[xy]z", "az xz yyz"), V({"3-5:xz", "7-9:yz"}));
  EXPECT_EQ(FindAll("(?i)ab", "aB Ab"), V({"0-2:aB", "3-5:Ab"}));
  EXPECT_EQ(FindAll("\u00e9|\u65e5", "a\u00e9b\u65e5"),
            V({"1-3:\u00e9", "4-7:\u65e5"}));
  EXPECT_EQ(FindAll("\\bfoo", "xfoo foo"), V({"5-8:foo"}));
  EXPECT_EQ(FindAll("[^\\x00-\\x{10FFFF}]", "abc"), V({}));
  EXPECT_EQ(FindAll("(?m)^a", "a\na\nba"), V({"0-1:a", "2-3:a"}));
  EXPECT_EQ(FindAll("\\x{FFFD}", "a\xff\xef\xbf\xbd"),
            V({"1-2:\xff", "2-5:\xef\xbf\xbd"}));
}

// Line starts FindLine reports, scanning the whole text.
std::vector<size_t> MatchingLines(const Regex& re, std::string_view text) {
  std::vector<size_t> lines;
  size_t pos = 0;
  while ((pos = re.FindLine(text, pos)) != kNoPos) {
    lines.push_back(pos);
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return lines;
}

TEST(RegexTest, FindLine) {
  Regex re = MustCompile("^\\w+$");
  std::string text = "one\ntwo three\n\nfour\r\nfive";
  EXPECT_EQ(MatchingLines(re, text), (std::vector<size_t>{0, 15, 21}));
  // Each line is a whole text: \A, \z, ^ and $ at its ends.
  EXPECT_EQ(MatchingLines(MustCompile("\\Ab"), "ab\nba\nb"),
            (std::vector<size_t>{3, 6}));
  EXPECT_EQ(MatchingLines(MustCompile("a\\z"), "ba\nab\r\na"),
            (std::vector<size_t>{0, 7}));
  // A match cannot span lines.
  EXPECT_EQ(MatchingLines(MustCompile("a\\sb"), "a\nb\na b"),
            (std::vector<size_t>{4}));
  EXPECT_EQ(MatchingLines(MustCompile("x[^y]*z"), "x\nz\nxz"),
            (std::vector<size_t>{4}));
  // Empty lines match an empty pattern; the end of the text is no line.
  EXPECT_EQ(MatchingLines(MustCompile(""), "a\n\nb\n"),
            (std::vector<size_t>{0, 2, 3}));
  EXPECT_EQ(MatchingLines(MustCompile(""), ""), (std::vector<size_t>{}));
  EXPECT_EQ(MatchingLines(MustCompile("^$"), "a\n\r\n\nb"),
            (std::vector<size_t>{2, 4}));
  EXPECT_EQ(MatchingLines(MustCompile("\\bis\\b"), "this\nis\nit is."),
            (std::vector<size_t>{5, 8}));
  EXPECT_EQ(MatchingLines(MustCompile("\u00e9+"), "e\n\u00e9\u00e9\nx"),
            (std::vector<size_t>{2}));
  // Lines found by skipping to a rare first byte or to a literal prefix.
  EXPECT_EQ(MatchingLines(MustCompile("\\bTO\\b"), "x TO\nTOO\n TO\nto"),
            (std::vector<size_t>{0, 9}));
  EXPECT_EQ(MatchingLines(MustCompile("TO|FIX"), "FI\nxxFIX\n\nTO"),
            (std::vector<size_t>{3, 10}));
  EXPECT_EQ(MatchingLines(MustCompile("abc$"), "abcd\nxabc\r\nabc"),
            (std::vector<size_t>{5, 11}));
  EXPECT_EQ(MatchingLines(MustCompile("\u00c9t\u00e9"),
                          "\u00e9t\u00e9\n\u00c9t\u00e9"),
            (std::vector<size_t>{6}));
  EXPECT_EQ(re.FindLine(text, 4), 15u);
  EXPECT_EQ(re.FindLine(text, text.size()), kNoPos);
}

TEST(RegexTest, DfaGivesUpWithoutChangingResults) {
  Options tiny;
  tiny.max_dfa_memory = 1000;  // a few states
  Regex re = MustCompile("[a-q][^u-z]{13}x", tiny);
  std::string text(2000, 'a');
  text += "bbbbbbbbbbbbbbx\n";
  std::vector<Span> g(1);
  EXPECT_FALSE(re.dfa_gave_up());
  ASSERT_TRUE(re.Search(text, 0, g.data(), 1));
  EXPECT_TRUE(re.dfa_gave_up());
  EXPECT_EQ(g[0], (Span{2000, 2015}));
  EXPECT_EQ(re.FindLine(text, 0), 0u);
  EXPECT_EQ(re.FindLine("abc\n" + text, 0), 4u);
  EXPECT_FALSE(re.Contains(std::string(3000, 'a')));
}

// Differential test: on random patterns and texts, the DFA (Search,
// Contains, FindLine) must agree with the Pike VM alone.
std::string RandomPattern(std::mt19937& rng, int depth) {
  static const char* kAtoms[] = {
      "a",          "b",         "c",           ".",      "[ab]",   "[^a]",
      "\\b",        "\\B",       "^",           "$",      "\\w",    "\\s",
      "\\d",        "\u00e9",    "(?i)A",       "(?s:.)", "(?m)^",  "(?m)$",
      "\\A",        "\\z",       "[a-c\u00e9]", "x*",     "\\n",    "1",
      "B",          "B|C",       "\\bBA",       "\u00c9", "\u65e5", "[^\u65e5]",
      "\U0001F600", "(?i)\u00e9"};
  std::uniform_int_distribution<int> pick(0, 99);
  std::string out;
  int n = 1 + pick(rng) % 4;
  for (int i = 0; i < n; ++i) {
    int r = pick(rng);
    std::string atom;
    if (depth < 3 && r < 15) {
      atom = "(" + RandomPattern(rng, depth + 1) + ")";
    } else if (depth < 3 && r < 25) {
      atom = "(?:" + RandomPattern(rng, depth + 1) + "|" +
             RandomPattern(rng, depth + 1) + ")";
    } else {
      atom = kAtoms[pick(rng) % (sizeof(kAtoms) / sizeof(kAtoms[0]))];
    }
    int q = pick(rng);
    static const char* kQuantifiers[] = {"*",  "+",  "?",   "{1,2}",
                                         "*?", "+?", "{2}", "??"};
    if (q < 40 && atom != "^" && atom != "$" && atom.substr(0, 2) != "(?" &&
        atom[0] != '\\') {
      atom = "(?:" + atom + ")" + kQuantifiers[q % 8];
    }
    out += atom;
  }
  return out;
}

TEST(RegexTest, DfaAgreesWithPikeVm) {
  std::mt19937 rng(20240601);
  const char* kAlphabet[] = {
      "a",      "b",          "c",    " ",       "\n",     "1",
      "_",      "A",          "B",    "\r\n",    "\u00e9", "\u00c9",
      "\u65e5", "\U0001F600", "\xff", "\xe6\x97"};  // a truncated sequence
  const int kLetters = sizeof(kAlphabet) / sizeof(kAlphabet[0]);
  std::uniform_int_distribution<int> pick(0, 1000);
  Options no_dfa;
  no_dfa.use_dfa = false;
  int compared = 0, matched = 0;
  for (int p = 0; p < 1500; ++p) {
    std::string pattern = RandomPattern(rng, 0);
    std::optional<Regex> fast = Regex::Compile(pattern);
    std::optional<Regex> slow = Regex::Compile(pattern, no_dfa);
    ASSERT_TRUE(fast && slow) << pattern;
    for (int t = 0; t < 8; ++t) {
      std::string text;
      int len = pick(rng) % (t < 4 ? 12 : 40);
      for (int i = 0; i < len; ++i) text += kAlphabet[pick(rng) % kLetters];
      std::vector<Span> a(1 + fast->num_groups()), b(a.size());
      for (size_t start = 0; start <= text.size(); start += 3) {
        bool fa = fast->Search(text, start, a.data(), a.size());
        bool fb = slow->Search(text, start, b.data(), b.size());
        ASSERT_EQ(fa, fb) << pattern << " on '" << text << "' from " << start;
        ASSERT_EQ(a, b) << pattern << " on '" << text << "'";
        ASSERT_EQ(fast->Search(text, start, nullptr, 0), fb);
        ++compared;
        matched += fb;
      }
      // Every match, as the regex tool lists them.
      MatchIterator fa(*fast, text, 1 + fast->num_groups());
      MatchIterator fb(*slow, text, 1 + slow->num_groups());
      while (true) {
        bool more = fa.Next();
        ASSERT_EQ(more, fb.Next()) << pattern << " on '" << text << "'";
        if (!more) break;
        ASSERT_EQ(fa.groups(), fb.groups())
            << pattern << " on '" << text << "'";
      }
      // Line mode against the VM on each line.
      std::vector<size_t> expected;
      size_t pos = 0;
      while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        size_t end = nl == std::string::npos ? text.size() : nl;
        size_t line_end = end;
        if (nl != std::string::npos && end > pos && text[end - 1] == '\r') {
          --line_end;
        }
        if (slow->Contains(
                std::string_view(text).substr(pos, line_end - pos))) {
          expected.push_back(pos);
        }
        if (nl == std::string::npos) break;
        pos = nl + 1;
      }
      ASSERT_EQ(MatchingLines(*fast, text), expected)
          << pattern << " on '" << text << "'";
    }
  }
  // The generator must produce both outcomes often enough to mean anything.
  EXPECT_GT(matched, compared / 5);
  EXPECT_LT(matched, compared * 4 / 5);
}

}  // namespace
}  // namespace airlock::regex
