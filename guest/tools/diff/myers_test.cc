#include "myers.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "unified.h"

namespace airlock::diff {
namespace {

std::string Diff(std::string_view a, std::string_view b, size_t context = 3,
                 bool ignore_whitespace = false) {
  UnifiedOptions options;
  options.context = context;
  options.ignore_whitespace = ignore_whitespace;
  return MakeUnifiedDiff(a, b, options).text;
}

// Applies a unified diff (as this code prints it) to `old_text`; checks the
// context and removed lines against it. Returns the new text.
std::string Apply(std::string_view old_text, const std::string& diff) {
  std::vector<std::string_view> old_lines = SplitLines(old_text);
  std::vector<std::string_view> lines = SplitLines(diff);
  std::string out;
  size_t next_old = 0;  // first old line not yet copied
  for (size_t k = 2; k < lines.size(); ++k) {
    std::string_view line = lines[k];
    // A "\ No newline" marker strips the newline the previous line got.
    auto strip_if_marked = [&](std::string& text) {
      if (k + 1 < lines.size() && lines[k + 1].starts_with("\\ ")) {
        text.pop_back();
        ++k;
      }
    };
    if (line.starts_with("@@ -")) {
      size_t start = std::stoul(std::string(line.substr(4)));
      size_t comma = line.find(',');
      size_t space = line.find(' ', 4);
      size_t count =
          comma < space ? std::stoul(std::string(line.substr(comma + 1))) : 1;
      size_t first = count == 0 ? start : start - 1;
      for (; next_old < first; ++next_old) out += old_lines[next_old];
      continue;
    }
    std::string text(line.substr(1));
    strip_if_marked(text);
    if (line[0] == '+') {
      out += text;
    } else {
      EXPECT_LT(next_old, old_lines.size());
      if (next_old >= old_lines.size()) return out;
      EXPECT_EQ(old_lines[next_old], text) << "line " << next_old + 1;
      if (line[0] == ' ') out += old_lines[next_old];
      ++next_old;
    }
  }
  for (; next_old < old_lines.size(); ++next_old) out += old_lines[next_old];
  return out;
}

// Number of unchanged lines: the length of the common subsequence found.
size_t Kept(const Comparison& c) {
  size_t kept = 0;
  for (uint8_t d : c.deleted) kept += d == 0;
  return kept;
}

// The found subsequence really is common: the unchanged lines of both
// sides, in order, are equal.
void ExpectCommonSubsequence(const std::vector<uint32_t>& a,
                             const std::vector<uint32_t>& b,
                             const Comparison& c) {
  std::vector<uint32_t> kept_a, kept_b;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!c.deleted[i]) kept_a.push_back(a[i]);
  }
  for (size_t j = 0; j < b.size(); ++j) {
    if (!c.inserted[j]) kept_b.push_back(b[j]);
  }
  EXPECT_EQ(kept_a, kept_b);
}

size_t LcsLength(const std::vector<uint32_t>& a,
                 const std::vector<uint32_t>& b) {
  std::vector<size_t> row(b.size() + 1, 0), prev(b.size() + 1, 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      row[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1
                                    : std::max(prev[j], row[j - 1]);
    }
    std::swap(row, prev);
  }
  return prev[b.size()];
}

// On small inputs (where the search is never cut short) the script is a
// shortest one: the kept lines are a longest common subsequence.
TEST(DiffCompareTest, FindsALongestCommonSubsequence) {
  std::mt19937 rng(7);
  for (int round = 0; round < 500; ++round) {
    std::vector<uint32_t> a(rng() % 40), b(rng() % 40);
    uint32_t alphabet = 1 + rng() % 6;
    for (uint32_t& x : a) x = rng() % alphabet;
    for (uint32_t& x : b) x = rng() % alphabet;
    Comparison c = Compare(a, b);
    ExpectCommonSubsequence(a, b, c);
    EXPECT_EQ(Kept(c), LcsLength(a, b)) << "round " << round;
    EXPECT_FALSE(c.limited);
  }
}

TEST(DiffCompareTest, EmptySequences) {
  std::vector<uint32_t> none, some = {1, 2};
  Comparison c = Compare(none, some);
  EXPECT_EQ(c.inserted, (std::vector<uint8_t>{1, 1}));
  c = Compare(some, none);
  EXPECT_EQ(c.deleted, (std::vector<uint8_t>{1, 1}));
  c = Compare(none, none);
  EXPECT_TRUE(c.deleted.empty() && c.inserted.empty());
}

// Two unrelated 10,000-line texts whose lines all occur on both sides (the
// worst case: nothing can be discarded up front): the search stops near the
// work limit instead of running for ~85 M steps, and the script is still a
// correct one that keeps most of what the full search keeps.
TEST(DiffCompareTest, WorkIsBounded) {
  std::mt19937 rng(1);
  std::vector<uint32_t> a(10000), b(10000);
  for (uint32_t& x : a) x = rng() % 100;
  for (uint32_t& x : b) x = rng() % 100;
  CompareLimits unlimited;
  unlimited.max_work = UINT64_MAX / 4;
  unlimited.coarse_work = 0;
  Comparison full = Compare(a, b, unlimited);
  EXPECT_FALSE(full.limited);
  EXPECT_GT(full.work, 50'000'000u);

  CompareLimits limits;
  limits.max_work = 2'000'000;
  limits.coarse_work = 2'000'000;
  Comparison c = Compare(a, b, limits);
  EXPECT_TRUE(c.limited);
  EXPECT_LE(c.work, limits.max_work + limits.coarse_work + 100'000);
  ExpectCommonSubsequence(a, b, c);
  EXPECT_GT(Kept(c), Kept(full) * 7 / 10);

  // The default limit leaves a typical input alone: two 2,000-line texts
  // with a change every ~10 lines.
  std::vector<uint32_t> x(2000), y;
  for (uint32_t& v : x) v = rng() % 500;
  for (uint32_t v : x) {
    if (rng() % 10 == 0) y.push_back(rng() % 500);
    if (rng() % 10 != 0) y.push_back(v);
  }
  Comparison typical = Compare(x, y);
  EXPECT_FALSE(typical.limited);
  EXPECT_EQ(Kept(typical), LcsLength(x, y));
}

TEST(DiffUnifiedTest, OneChangedLine) {
  EXPECT_EQ(Diff("a\nb\nc\n", "a\nB\nc\n"),
            "--- a\n+++ b\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
}

TEST(DiffUnifiedTest, IdenticalTextsGiveNoDiff) {
  UnifiedDiff d = MakeUnifiedDiff("a\nb\n", "a\nb\n", {});
  EXPECT_EQ(d.text, "");
  EXPECT_EQ(d.hunks, 0u);
  EXPECT_EQ(Diff("", ""), "");
}

// Changes more than 2 * context lines apart get their own hunks.
TEST(DiffUnifiedTest, HunksAndContext) {
  const char* a =
      "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\neleven\n"
      "twelve\n";
  const char* b =
      "one\n2\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n11\n"
      "twelve\n";
  EXPECT_EQ(Diff(a, b),
            "--- a\n+++ b\n@@ -1,5 +1,5 @@\n one\n-two\n+2\n three\n four\n "
            "five\n@@ -8,5 +8,5 @@\n eight\n nine\n ten\n-eleven\n+11\n "
            "twelve\n");
  EXPECT_EQ(Diff(a, b, 4),
            "--- a\n+++ b\n@@ -1,12 +1,12 @@\n one\n-two\n+2\n three\n four\n "
            "five\n six\n seven\n eight\n nine\n ten\n-eleven\n+11\n twelve\n");
  EXPECT_EQ(Diff(a, b, 2),
            "--- a\n+++ b\n@@ -1,4 +1,4 @@\n one\n-two\n+2\n three\n four\n@@ "
            "-9,4 +9,4 @@\n nine\n ten\n-eleven\n+11\n twelve\n");
  UnifiedDiff d = MakeUnifiedDiff(a, b, {});
  EXPECT_EQ(d.hunks, 2u);
  EXPECT_EQ(d.added, 2u);
  EXPECT_EQ(d.removed, 2u);
}

// Empty ranges are numbered by the line before them; one-line ranges
// without a count (GNU diff's format).
TEST(DiffUnifiedTest, RangeNumbers) {
  EXPECT_EQ(Diff("a\nb\nc\nd\n", "a\nc\nd\ne\n", 0),
            "--- a\n+++ b\n@@ -2 +1,0 @@\n-b\n@@ -4,0 +4 @@\n+e\n");
  EXPECT_EQ(Diff("", "x\ny\n"), "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n");
  EXPECT_EQ(Diff("x\ny\n", ""), "--- a\n+++ b\n@@ -1,2 +0,0 @@\n-x\n-y\n");
  EXPECT_EQ(Diff("x\nx\nx\n", "x\nx\n", 0),
            "--- a\n+++ b\n@@ -3 +2,0 @@\n-x\n");
}

TEST(DiffUnifiedTest, NoNewlineAtEnd) {
  EXPECT_EQ(Diff("a\nb", "a\nb\n"),
            "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of "
            "file\n+b\n");
  EXPECT_EQ(
      Diff("a\nb\n", "a\nc"),
      "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\\ No newline at end of "
      "file\n");
}

// Where several shortest diffs exist, the same one as GNU diff: here the
// insertion shows as a new block before the old last one.
TEST(DiffUnifiedTest, AmbiguousInsertionPlacedLikeGnuDiff) {
  EXPECT_EQ(Diff("{\n  f();\n}\n\n{\n  g();\n}\n",
                 "{\n  f();\n}\n\n{\n  h();\n}\n\n{\n  g();\n}\n"),
            "--- a\n+++ b\n@@ -3,5 +3,9 @@\n }\n \n {\n+  h();\n+}\n+\n+{\n   "
            "g();\n }\n");
  EXPECT_EQ(Diff("a\nb\nc\n", "c\nb\na\n", 1),
            "--- a\n+++ b\n@@ -1,3 +1,3 @@\n-a\n-b\n c\n+b\n+a\n");
}

TEST(DiffUnifiedTest, IgnoreWhitespace) {
  EXPECT_EQ(Diff("a b\nc\n", "ab\nd\n", 3, true),
            "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a b\n-c\n+d\n");
  EXPECT_EQ(Diff("x\r\ny\n", "x\ny\n"),
            "--- a\n+++ b\n@@ -1,2 +1,2 @@\n-x\r\n+x\n y\n");
  EXPECT_EQ(Diff("x\r\ny\n", "x\ny", 3, true), "");
}

TEST(DiffUnifiedTest, Labels) {
  UnifiedOptions options;
  options.old_label = "src/old.c";
  options.new_label = "src/new.c";
  EXPECT_EQ(MakeUnifiedDiff("a\n", "b\n", options).text,
            "--- src/old.c\n+++ src/new.c\n@@ -1 +1 @@\n-a\n+b\n");
}

// Random texts (mutations of each other, and unrelated ones): applying the
// diff to the old text gives the new one.
TEST(DiffUnifiedTest, DiffAppliesBack) {
  std::mt19937 rng(11);
  for (int round = 0; round < 300; ++round) {
    uint32_t alphabet = 2 + rng() % 8;
    auto line = [&] { return std::string(1, 'a' + rng() % alphabet) + "\n"; };
    std::string a, b;
    for (int i = rng() % 60; i > 0; --i) a += line();
    for (int i = rng() % 60; i > 0; --i) b += line();
    if (rng() % 3 == 0 && !a.empty()) a.pop_back();
    if (rng() % 3 == 0 && !b.empty()) b.pop_back();
    const size_t context = rng() % 4;
    std::string d = Diff(a, b, context);
    EXPECT_EQ(Apply(a, d), b) << "round " << round << "\n" << d;
  }
}

// The same output as GNU diff, byte for byte, on random inputs of the kinds
// that make diff algorithms disagree: few distinct lines (many equally short
// scripts), lines common enough to be skipped, unrelated texts, missing final
// newlines, white space differences. Needs GNU diff (diffutils) on PATH.
TEST(DiffUnifiedTest, SameAsGnuDiff) {
  if (system("diff --version 2>/dev/null | grep -q 'GNU diffutils'") != 0) {
    GTEST_SKIP() << "GNU diff not found";
  }
  char dir_template[] = "/tmp/myers_test.XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string old_path = dir + "/old", new_path = dir + "/new";
  std::mt19937 rng(2024);
  int mismatches = 0;
  for (int round = 0; round < 400; ++round) {
    const uint32_t alphabet = 2 + rng() % 30;
    const bool related = rng() % 3 != 0;
    const int size = rng() % (round % 10 == 0 ? 2000 : 120);
    auto line = [&] {
      std::string s(1, 'A' + rng() % alphabet);
      if (rng() % 9 == 0) s += ' ';
      return s + "\n";
    };
    std::string a, b;
    for (int i = 0; i < size; ++i) a += line();
    if (related) {
      for (std::string_view l : SplitLines(a)) {
        int r = rng() % 12;
        if (r == 0) continue;
        if (r == 1) b += line();
        b += l;
        if (r == 2) b += line();
      }
    } else {
      for (int i = 0; i < size; ++i) b += line();
    }
    if (rng() % 5 == 0 && !a.empty()) a.pop_back();
    if (rng() % 5 == 0 && !b.empty()) b.pop_back();
    const size_t context = rng() % 5;
    const bool ignore_whitespace = rng() % 4 == 0;
    std::ofstream(old_path, std::ios::binary) << a;
    std::ofstream(new_path, std::ios::binary) << b;
    std::string command = "diff " +
                          std::string(ignore_whitespace ? "-w " : "") + "-U" +
                          std::to_string(context) + " --label a --label b " +
                          old_path + " " + new_path;
    std::string expected;
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buffer[65536];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      expected.append(buffer, n);
    }
    pclose(pipe);
    std::string actual = Diff(a, b, context, ignore_whitespace);
    if (actual != expected && ++mismatches <= 3) {
      ADD_FAILURE() << "round " << round << " (" << command << ")\nold:\n"
                    << a << "\nnew:\n"
                    << b << "\nexpected:\n"
                    << expected << "\nactual:\n"
                    << actual;
    }
  }
  EXPECT_EQ(mismatches, 0);
  unlink(old_path.c_str());
  unlink(new_path.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace airlock::diff
