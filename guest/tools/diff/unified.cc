#include "unified.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <unordered_map>

namespace airlock::diff {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

// A maximal stretch of changed lines: `removed` lines of the old text from
// line `old_line` replaced by `added` lines of the new one from `new_line`
// (0-based).
struct Change {
  size_t old_line;
  size_t new_line;
  size_t removed;
  size_t added;
};

// GNU diff numbers an empty range by the line before it ("3,0": after line
// 3) and a one-line range by the line alone.
void AppendRange(std::string& out, size_t first, size_t count) {
  if (count == 0) {
    out += std::to_string(first);
    out += ",0";
  } else if (count == 1) {
    out += std::to_string(first + 1);
  } else {
    out += std::to_string(first + 1);
    out += ',';
    out += std::to_string(count);
  }
}

// Bytes equal at the start of a and b. Compares 8 bytes at a time.
size_t CommonPrefixBytes(std::string_view a, std::string_view b) {
  const size_t limit = std::min(a.size(), b.size());
  size_t i = 0;
  for (; i + 8 <= limit; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) break;
  }
  while (i < limit && a[i] == b[i]) ++i;
  return i;
}

// Bytes equal at the end of a and b, at most `limit`.
size_t CommonSuffixBytes(std::string_view a, std::string_view b, size_t limit) {
  const char* x = a.data() + a.size();
  const char* y = b.data() + b.size();
  size_t i = 0;
  for (; i + 8 <= limit; i += 8) {
    uint64_t u, v;
    std::memcpy(&u, x - i - 8, 8);
    std::memcpy(&v, y - i - 8, 8);
    if (u != v) break;
  }
  while (i < limit && x[-1 - static_cast<ptrdiff_t>(i)] ==
                          y[-1 - static_cast<ptrdiff_t>(i)]) {
    ++i;
  }
  return i;
}

void AppendLine(std::string& out, char mark, std::string_view line) {
  out += mark;
  out += line;
  if (line.empty() || line.back() != '\n') {
    out += "\n\\ No newline at end of file\n";
  }
}

}  // namespace

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t newline = text.find('\n', start);
    size_t end = newline == std::string_view::npos ? text.size() : newline + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

UnifiedDiff MakeUnifiedDiff(std::string_view old_text,
                            std::string_view new_text,
                            const UnifiedOptions& options) {
  const std::vector<std::string_view> lines[2] = {SplitLines(old_text),
                                                  SplitLines(new_text)};
  const size_t n = lines[0].size(), m = lines[1].size();

  // Byte-identical lines at both ends take no part in the comparison,
  // except `context` of them next to the differences, where boundary
  // shifting may still move a change (GNU diff's "horizon"). They are found
  // by comparing bytes, not lines: much cheaper in the guest than a
  // comparison call per line.
  UnifiedDiff result;
  const size_t same_head = CommonPrefixBytes(old_text, new_text);
  if (same_head == old_text.size() && same_head == new_text.size()) {
    return result;
  }
  // Equal lines at the start lie within the equal bytes and end with a
  // newline (a last line without one is equal only if the texts are).
  size_t prefix = 0;
  size_t prefix_bytes = 0;
  while (prefix < n && prefix < m) {
    std::string_view line = lines[0][prefix];
    if (prefix_bytes + line.size() > same_head || line.back() != '\n') break;
    prefix_bytes += line.size();
    ++prefix;
  }
  // Equal lines at the end: within the equal bytes (which must not reach
  // into the prefix), and starting a line in the new text too.
  const size_t same_tail = CommonSuffixBytes(
      old_text, new_text,
      std::min(old_text.size(), new_text.size()) - prefix_bytes);
  size_t suffix = 0;
  while (suffix < n - prefix && suffix < m - prefix) {
    std::string_view line = lines[0][n - 1 - suffix];
    const size_t tail = old_text.data() + old_text.size() - line.data();
    if (tail > same_tail) break;
    const size_t new_start = new_text.size() - tail;
    if (new_start > 0 && new_text[new_start - 1] != '\n') break;
    ++suffix;
  }
  const size_t horizon = options.context;
  const size_t begin = prefix - std::min(prefix, horizon);
  const size_t end[2] = {n - (suffix - std::min(suffix, horizon)),
                         m - (suffix - std::min(suffix, horizon))};

  // Line classes: equal numbers for lines that compare equal.
  std::vector<std::string> stripped;  // keys when ignoring white space
  if (options.ignore_whitespace) {
    stripped.reserve((end[0] - begin) + (end[1] - begin));
  }
  std::unordered_map<std::string_view, uint32_t> classes;
  std::vector<uint32_t> ids[2];
  for (int f = 0; f < 2; ++f) {
    ids[f].reserve(end[f] - begin);
    for (size_t i = begin; i < end[f]; ++i) {
      std::string_view key = lines[f][i];
      if (options.ignore_whitespace) {
        std::string& s = stripped.emplace_back();
        for (char c : key) {
          if (!IsSpace(c)) s.push_back(c);
        }
        key = s;
      }
      auto [it, inserted] =
          classes.emplace(key, static_cast<uint32_t>(classes.size()));
      ids[f].push_back(it->second);
    }
  }
  Comparison comparison = Compare(ids[0], ids[1], options.limits);
  result.limited = comparison.limited;
  result.work = comparison.work;

  // Changes, in order. A line past either end counts as unchanged.
  const std::vector<uint8_t>& deleted = comparison.deleted;
  const std::vector<uint8_t>& inserted = comparison.inserted;
  auto is_deleted = [&](size_t i) {
    return i >= begin && i < end[0] && deleted[i - begin];
  };
  auto is_inserted = [&](size_t j) {
    return j >= begin && j < end[1] && inserted[j - begin];
  };
  std::vector<Change> changes;
  for (size_t i = begin, j = begin; i < end[0] || j < end[1];) {
    if (!is_deleted(i) && !is_inserted(j)) {
      ++i;
      ++j;
      continue;
    }
    Change change{i, j, 0, 0};
    for (; is_deleted(i); ++i) ++change.removed;
    for (; is_inserted(j); ++j) ++change.added;
    changes.push_back(change);
  }
  if (changes.empty()) return result;  // only white space differed

  // Context beyond the text's length changes nothing; clamping keeps
  // 2 * context from overflowing.
  const size_t context = std::min(options.context, std::max(n, m));
  result.text += "--- ";
  result.text += options.old_label;
  result.text += "\n+++ ";
  result.text += options.new_label;
  result.text += '\n';
  for (size_t first = 0; first < changes.size();) {
    // A hunk takes the following changes while at most 2 * context
    // unchanged lines separate them.
    size_t last = first;
    while (last + 1 < changes.size() &&
           changes[last + 1].old_line -
                   (changes[last].old_line + changes[last].removed) <=
               2 * context) {
      ++last;
    }
    const Change& head = changes[first];
    const Change& tail = changes[last];
    const size_t old_begin = head.old_line - std::min(head.old_line, context);
    const size_t new_begin = head.new_line - std::min(head.new_line, context);
    const size_t old_end = std::min(tail.old_line + tail.removed + context, n);
    const size_t new_end = std::min(tail.new_line + tail.added + context, m);
    result.text += "@@ -";
    AppendRange(result.text, old_begin, old_end - old_begin);
    result.text += " +";
    AppendRange(result.text, new_begin, new_end - new_begin);
    result.text += " @@\n";

    size_t i = old_begin, j = new_begin;
    for (size_t k = first; k <= last; ++k) {
      const Change& change = changes[k];
      for (; i < change.old_line; ++i, ++j) {
        AppendLine(result.text, ' ', lines[0][i]);
      }
      for (size_t r = 0; r < change.removed; ++r, ++i) {
        AppendLine(result.text, '-', lines[0][i]);
      }
      for (size_t a = 0; a < change.added; ++a, ++j) {
        AppendLine(result.text, '+', lines[1][j]);
      }
      result.removed += change.removed;
      result.added += change.added;
    }
    for (; i < old_end; ++i) AppendLine(result.text, ' ', lines[0][i]);
    ++result.hunks;
    first = last + 1;
  }
  return result;
}

}  // namespace airlock::diff
