// Unified diffs of two texts, formatted exactly as GNU `diff -u` (with
// --label) prints them: the same hunks, headers and line choices, and
// "\ No newline at end of file" after a last line without a newline.
#ifndef AIRLOCK_GUEST_TOOLS_DIFF_UNIFIED_H_
#define AIRLOCK_GUEST_TOOLS_DIFF_UNIFIED_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "myers.h"

namespace airlock::diff {

struct UnifiedOptions {
  // Unchanged lines shown around each change (diff -U N). Changes at most
  // 2 * context lines apart share a hunk.
  size_t context = 3;
  // Compare lines ignoring all white space (diff -w): "a b" equals "ab",
  // "x\r\n" equals "x\n", and a last line without a newline equals the same
  // line with one. Unchanged lines are printed as in the old text.
  bool ignore_whitespace = false;
  // The names on the "---" and "+++" lines (no newline in them).
  std::string_view old_label = "a";
  std::string_view new_label = "b";
  CompareLimits limits;
};

struct UnifiedDiff {
  // The diff; empty when there are no differences.
  std::string text;
  size_t added = 0;    // "+" lines
  size_t removed = 0;  // "-" lines
  size_t hunks = 0;
  // The comparison ran into CompareLimits: the diff is correct but may
  // show more changed lines than a shortest one would.
  bool limited = false;
  // Search steps the comparison used (see CompareLimits).
  uint64_t work = 0;
};

UnifiedDiff MakeUnifiedDiff(std::string_view old_text,
                            std::string_view new_text,
                            const UnifiedOptions& options);

// The lines of `text`, each with its "\n" (the last may lack one). An empty
// text has no lines.
std::vector<std::string_view> SplitLines(std::string_view text);

}  // namespace airlock::diff

#endif  // AIRLOCK_GUEST_TOOLS_DIFF_UNIFIED_H_
