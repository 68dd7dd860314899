#include "myers.h"

#include <algorithm>
#include <cstddef>
#include <limits>

namespace airlock::diff {
namespace {

// Line states before the search (see DiscardLines).
constexpr uint8_t kKeep = 0;
constexpr uint8_t kUnmatched = 1;  // occurs nowhere in the other sequence
constexpr uint8_t kCommon = 2;     // occurs very often in the other one

// Once CompareLimits::max_work is spent, a middle-snake search stops after
// this many edit steps and takes its best partial path.
constexpr ptrdiff_t kTooExpensiveAfterLimit = 32;

constexpr ptrdiff_t kNoX = std::numeric_limits<ptrdiff_t>::max();

// Where a middle-snake search splits its rectangle, and whether each half
// must then be searched for a shortest script (because the split came from
// an incomplete search on the other side).
struct Split {
  ptrdiff_t x;
  ptrdiff_t y;
  bool low_minimal;
  bool high_minimal;
};

// A rectangle of the edit graph still to compare (half-open ranges of the
// kept lines).
struct Pending {
  ptrdiff_t x_begin;
  ptrdiff_t x_end;
  ptrdiff_t y_begin;
  ptrdiff_t y_end;
  bool minimal;
};

class Comparer {
 public:
  Comparer(std::span<const uint32_t> a, std::span<const uint32_t> b,
           const CompareLimits& limits)
      : seq_{a, b},
        max_work_(limits.max_work),
        hard_limit_(limits.max_work + limits.coarse_work) {
    // Two zero sentinels on each side let the boundary shifting look one
    // line past either end without bounds checks.
    for (int f = 0; f < 2; ++f) marks_[f].assign(seq_[f].size() + 4, 0);
  }

  Comparison Run() {
    DiscardLines();
    SearchAll();
    ShiftBoundaries(0);
    ShiftBoundaries(1);
    Comparison result;
    for (int f = 0; f < 2; ++f) {
      std::vector<uint8_t>& out = f == 0 ? result.deleted : result.inserted;
      out.assign(marks_[f].begin() + 2, marks_[f].end() - 2);
    }
    result.work = work_;
    result.limited = limited_;
    return result;
  }

 private:
  uint8_t* changed(int f) { return marks_[f].data() + 2; }

  // Lines of one sequence that occur nowhere in the other cannot be matched,
  // so they are marked changed and left out of the search, which shrinks it
  // a lot for very different inputs. Lines that are very common in the other
  // sequence (blank lines, braces) are dropped too when they sit inside a
  // run of unmatched lines: matching them there would only scatter the
  // change into fragments.
  void DiscardLines() {
    uint32_t max_class = 0;
    for (int f = 0; f < 2; ++f) {
      for (uint32_t c : seq_[f]) max_class = std::max(max_class, c);
    }
    std::vector<ptrdiff_t> counts[2];
    for (int f = 0; f < 2; ++f) {
      counts[f].assign(size_t{max_class} + 1, 0);
      for (uint32_t c : seq_[f]) ++counts[f][c];
    }

    std::vector<uint8_t> state[2];
    for (int f = 0; f < 2; ++f) {
      const std::span<const uint32_t> lines = seq_[f];
      const std::vector<ptrdiff_t>& other_counts = counts[1 - f];
      // "Very common": more often than about sqrt(lines) * 5 / 8.
      ptrdiff_t many = 5;
      for (size_t t = lines.size() / 64; (t >>= 2) > 0;) many *= 2;
      state[f].assign(lines.size(), kKeep);
      for (size_t i = 0; i < lines.size(); ++i) {
        ptrdiff_t matches = other_counts[lines[i]];
        if (matches == 0) {
          state[f][i] = kUnmatched;
        } else if (matches > many) {
          state[f][i] = kCommon;
        }
      }
      SettleCommonLines(state[f]);
    }

    for (int f = 0; f < 2; ++f) {
      for (size_t i = 0; i < seq_[f].size(); ++i) {
        if (state[f][i] == kKeep) {
          kept_[f].push_back(seq_[f][i]);
          index_[f].push_back(static_cast<ptrdiff_t>(i));
        } else {
          changed(f)[i] = 1;
        }
      }
    }
  }

  // Decides which kCommon lines are really dropped: only those inside a run
  // of dropped lines that starts and ends with an unmatched one, and not too
  // many of them (a run that is over a quarter common lines keeps them all;
  // a long stretch of common lines inside a run is kept; near either end of
  // the run common lines are kept until unmatched lines dominate).
  static void SettleCommonLines(std::vector<uint8_t>& state) {
    const ptrdiff_t end = static_cast<ptrdiff_t>(state.size());
    for (ptrdiff_t i = 0; i < end; ++i) {
      if (state[i] == kCommon) {
        state[i] = kKeep;  // not inside a run that began with kUnmatched
        continue;
      }
      if (state[i] != kUnmatched) continue;
      ptrdiff_t j = i;
      ptrdiff_t common = 0;
      for (; j < end && state[j] != kKeep; ++j) {
        if (state[j] == kCommon) ++common;
      }
      while (j > i && state[j - 1] == kCommon) {
        state[--j] = kKeep;
        --common;
      }
      const ptrdiff_t length = j - i;
      if (common * 4 > length) {
        for (ptrdiff_t k = i; k < j; ++k) {
          if (state[k] == kCommon) state[k] = kKeep;
        }
        continue;
      }
      // Stretches of `longest` or more common lines stay: about
      // sqrt(length / 4) + 1.
      ptrdiff_t longest = 1;
      for (ptrdiff_t t = length >> 2; (t >>= 2) > 0;) longest <<= 1;
      ++longest;
      ptrdiff_t in_a_row = 0;
      for (ptrdiff_t k = 0; k < length; ++k) {
        if (state[i + k] != kCommon) {
          in_a_row = 0;
        } else if (++in_a_row == longest) {
          k -= in_a_row;  // revisit the stretch from its start, keeping it
        } else if (in_a_row > longest) {
          state[i + k] = kKeep;
        }
      }
      // From the start of the run, keep common lines until three unmatched
      // ones in a row, or an unmatched one at least 8 lines in.
      in_a_row = 0;
      for (ptrdiff_t k = 0; k < length; ++k) {
        uint8_t& s = state[i + k];
        if (k >= 8 && s == kUnmatched) break;
        if (s == kUnmatched) {
          ++in_a_row;
        } else {
          in_a_row = 0;
          s = kKeep;
        }
        if (in_a_row == 3) break;
      }
      // The same from its end.
      i += length - 1;
      in_a_row = 0;
      for (ptrdiff_t k = 0; k < length; ++k) {
        uint8_t& s = state[i - k];
        if (k >= 8 && s == kUnmatched) break;
        if (s == kUnmatched) {
          ++in_a_row;
        } else {
          in_a_row = 0;
          s = kKeep;
        }
        if (in_a_row == 3) break;
      }
    }
  }

  void MarkDeleted(ptrdiff_t x) { changed(0)[index_[0][x]] = 1; }
  void MarkInserted(ptrdiff_t y) { changed(1)[index_[1][y]] = 1; }

  // Compares the kept lines: repeatedly strips the equal ends of a
  // rectangle, then splits it at a middle snake (an explicit stack instead
  // of recursion: with coarse splits the depth could grow with the input).
  void SearchAll() {
    const ptrdiff_t n = static_cast<ptrdiff_t>(kept_[0].size());
    const ptrdiff_t m = static_cast<ptrdiff_t>(kept_[1].size());
    // Stop a search after about sqrt(n + m) edit steps, at least 4096.
    too_expensive_ = 1;
    for (size_t diagonals = n + m + 3; diagonals != 0; diagonals >>= 2) {
      too_expensive_ <<= 1;
    }
    too_expensive_ = std::max<ptrdiff_t>(4096, too_expensive_);
    forward_.assign(n + m + 3, 0);
    backward_.assign(n + m + 3, 0);
    diagonal_offset_ = m + 1;

    std::vector<Pending> stack = {{0, n, 0, m, false}};
    const uint32_t* xv = kept_[0].data();
    const uint32_t* yv = kept_[1].data();
    while (!stack.empty()) {
      Pending r = stack.back();
      stack.pop_back();
      while (r.x_begin < r.x_end && r.y_begin < r.y_end &&
             xv[r.x_begin] == yv[r.y_begin]) {
        ++r.x_begin;
        ++r.y_begin;
        ++work_;
      }
      while (r.x_begin < r.x_end && r.y_begin < r.y_end &&
             xv[r.x_end - 1] == yv[r.y_end - 1]) {
        --r.x_end;
        --r.y_end;
        ++work_;
      }
      if (r.x_begin == r.x_end || r.y_begin == r.y_end || work_ > hard_limit_) {
        if (r.x_begin != r.x_end && r.y_begin != r.y_end) limited_ = true;
        for (ptrdiff_t x = r.x_begin; x < r.x_end; ++x) MarkDeleted(x);
        for (ptrdiff_t y = r.y_begin; y < r.y_end; ++y) MarkInserted(y);
        continue;
      }
      Split s = FindSplit(r.x_begin, r.x_end, r.y_begin, r.y_end, r.minimal);
      if ((s.x == r.x_begin && s.y == r.y_begin) ||
          (s.x == r.x_end && s.y == r.y_end)) {
        // No progress (cannot happen with a sound search); replacing the
        // whole rectangle keeps the script correct and the loop finite.
        limited_ = true;
        for (ptrdiff_t x = r.x_begin; x < r.x_end; ++x) MarkDeleted(x);
        for (ptrdiff_t y = r.y_begin; y < r.y_end; ++y) MarkInserted(y);
        continue;
      }
      stack.push_back({s.x, r.x_end, s.y, r.y_end, s.high_minimal});
      stack.push_back({r.x_begin, s.x, r.y_begin, s.y, s.low_minimal});
    }
  }

  // Myers' bidirectional search for the middle snake of the rectangle
  // [x_begin, x_end) x [y_begin, y_end), whose first and last lines differ.
  // Diagonal k holds the points with x - y == k; forward[k] is the furthest
  // x reached going down from the top-left corner, backward[k] the smallest
  // x reached going up from the bottom-right corner.
  Split FindSplit(ptrdiff_t x_begin, ptrdiff_t x_end, ptrdiff_t y_begin,
                  ptrdiff_t y_end, bool minimal) {
    ptrdiff_t* fd = forward_.data() + diagonal_offset_;
    ptrdiff_t* bd = backward_.data() + diagonal_offset_;
    const uint32_t* xv = kept_[0].data();
    const uint32_t* yv = kept_[1].data();
    const ptrdiff_t dmin = x_begin - y_end;
    const ptrdiff_t dmax = x_end - y_begin;
    const ptrdiff_t fmid = x_begin - y_begin;
    const ptrdiff_t bmid = x_end - y_end;
    ptrdiff_t fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
    // With an odd difference of the two centre diagonals, the paths can
    // only meet after a forward step; with an even one, after a backward one.
    const bool odd = ((fmid - bmid) & 1) != 0;
    fd[fmid] = x_begin;
    bd[bmid] = x_end;
    // A local copy: the member would be reloaded and stored on every
    // diagonal, which is most of the cost of a step in the guest.
    uint64_t work = work_;

    for (ptrdiff_t cost = 1;; ++cost) {
      if (fmin > dmin) {
        fd[--fmin - 1] = -1;
      } else {
        ++fmin;
      }
      if (fmax < dmax) {
        fd[++fmax + 1] = -1;
      } else {
        --fmax;
      }
      for (ptrdiff_t d = fmax; d >= fmin; d -= 2) {
        const ptrdiff_t from_left = fd[d - 1], from_above = fd[d + 1];
        const ptrdiff_t x0 =
            from_left < from_above ? from_above : from_left + 1;
        ptrdiff_t x = x0, y = x0 - d;
        while (x < x_end && y < y_end && xv[x] == yv[y]) {
          ++x;
          ++y;
        }
        work += 1 + (x - x0);
        fd[d] = x;
        if (odd && bmin <= d && d <= bmax && bd[d] <= x) {
          work_ = work;
          return {x, y, true, true};
        }
      }

      if (bmin > dmin) {
        bd[--bmin - 1] = kNoX;
      } else {
        ++bmin;
      }
      if (bmax < dmax) {
        bd[++bmax + 1] = kNoX;
      } else {
        --bmax;
      }
      for (ptrdiff_t d = bmax; d >= bmin; d -= 2) {
        const ptrdiff_t from_left = bd[d - 1], from_below = bd[d + 1];
        const ptrdiff_t x0 =
            from_left < from_below ? from_left : from_below - 1;
        ptrdiff_t x = x0, y = x0 - d;
        while (x_begin < x && y_begin < y && xv[x - 1] == yv[y - 1]) {
          --x;
          --y;
        }
        work += 1 + (x0 - x);
        bd[d] = x;
        if (!odd && fmin <= d && d <= fmax && x <= fd[d]) {
          work_ = work;
          return {x, y, true, true};
        }
      }

      const bool over_limit = work > max_work_;
      if (minimal && !over_limit) continue;
      if (cost < (over_limit ? kTooExpensiveAfterLimit : too_expensive_) &&
          work <= hard_limit_) {
        continue;
      }
      if (over_limit) limited_ = true;
      work_ = work;

      // Too expensive: split at the furthest point either search reached
      // (measured by x + y from its own corner); the half on that side is
      // then searched exhaustively.
      ptrdiff_t best_forward_sum = -1, best_forward_x = 0;
      for (ptrdiff_t d = fmax; d >= fmin; d -= 2) {
        ptrdiff_t x = std::min(fd[d], x_end);
        ptrdiff_t y = x - d;
        if (y_end < y) {
          x = y_end + d;
          y = y_end;
        }
        if (best_forward_sum < x + y) {
          best_forward_sum = x + y;
          best_forward_x = x;
        }
      }
      ptrdiff_t best_backward_sum = kNoX, best_backward_x = 0;
      for (ptrdiff_t d = bmax; d >= bmin; d -= 2) {
        ptrdiff_t x = std::max(x_begin, bd[d]);
        ptrdiff_t y = x - d;
        if (y < y_begin) {
          x = y_begin + d;
          y = y_begin;
        }
        if (x + y < best_backward_sum) {
          best_backward_sum = x + y;
          best_backward_x = x;
        }
      }
      if ((x_end + y_end) - best_backward_sum <
          best_forward_sum - (x_begin + y_begin)) {
        return {best_forward_x, best_forward_sum - best_forward_x, true, false};
      }
      return {best_backward_x, best_backward_sum - best_backward_x, false,
              true};
    }
  }

  // Slides each run of changed lines of sequence f (a run can move by one
  // line when the line before it equals its last line, or the line after it
  // its first): first up, merging with runs above, then down as far as it
  // goes, merging with runs below; finally back up to end where a change
  // of the other sequence ends, if it passed such a place. This makes
  // ambiguous changes come out the same way GNU diff prints them.
  void ShiftBoundaries(int f) {
    uint8_t* mine = changed(f);
    const uint8_t* other = changed(1 - f);
    const std::span<const uint32_t> lines = seq_[f];
    const ptrdiff_t end = static_cast<ptrdiff_t>(lines.size());
    ptrdiff_t i = 0;  // line of this sequence
    ptrdiff_t j = 0;  // the corresponding line of the other one
    for (;;) {
      while (i < end && !mine[i]) {
        while (other[j++]) {
        }
        ++i;
      }
      if (i == end) break;
      ptrdiff_t start = i;
      while (mine[++i]) {
      }
      while (other[j]) ++j;

      ptrdiff_t run_length;
      ptrdiff_t corresponding;
      do {
        run_length = i - start;
        while (start > 0 && lines[start - 1] == lines[i - 1]) {
          mine[--start] = 1;
          mine[--i] = 0;
          while (mine[start - 1]) --start;
          while (other[--j]) {
          }
        }
        // The last place where the run ends level with a change of the
        // other sequence (`end` if none).
        corresponding = other[j - 1] ? i : end;
        while (i != end && lines[start] == lines[i]) {
          mine[start++] = 0;
          mine[i++] = 1;
          while (mine[i]) ++i;
          while (other[++j]) corresponding = i;
        }
      } while (run_length != i - start);

      while (corresponding < i) {
        mine[--start] = 1;
        mine[--i] = 0;
        while (other[--j]) {
        }
      }
    }
  }

  const std::span<const uint32_t> seq_[2];
  const uint64_t max_work_;
  // Past this much work nothing is searched any more (see CompareLimits).
  const uint64_t hard_limit_;
  std::vector<uint8_t> marks_[2];
  std::vector<uint32_t> kept_[2];
  std::vector<ptrdiff_t> index_[2];  // kept line -> line of seq_
  std::vector<ptrdiff_t> forward_;
  std::vector<ptrdiff_t> backward_;
  ptrdiff_t diagonal_offset_ = 0;
  ptrdiff_t too_expensive_ = 4096;
  uint64_t work_ = 0;
  bool limited_ = false;
};

}  // namespace

Comparison Compare(std::span<const uint32_t> a, std::span<const uint32_t> b,
                   const CompareLimits& limits) {
  return Comparer(a, b, limits).Run();
}

}  // namespace airlock::diff
