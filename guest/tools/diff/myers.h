// Line-sequence comparison for the diff tool: Myers' O(ND) algorithm ("An
// O(ND) Difference Algorithm and Its Variations", 1986) in its linear-space
// form (bisection at the middle snake), with the refinements GNU diff
// applies so that `diff -u` and this tool choose the same lines when several
// shortest edit scripts exist:
//   - lines that occur nowhere in the other sequence are dropped before the
//     search (they are changes anyway), as are runs of very common lines
//     wedged between them;
//   - a search that grows too expensive settles for a good, not shortest,
//     split (as GNU diff without --minimal);
//   - afterwards each run of changes slides down as far as equal lines let
//     it, merging with neighbouring runs and lining up with the changes of
//     the other side.
// The total search work is bounded (CompareLimits): past the limit the
// result is still a correct edit script, only a longer one.
#ifndef AIRLOCK_GUEST_TOOLS_DIFF_MYERS_H_
#define AIRLOCK_GUEST_TOOLS_DIFF_MYERS_H_

#include <cstdint>
#include <span>
#include <vector>

namespace airlock::diff {

struct CompareLimits {
  // Search steps (a diagonal extended by one edit, or a snake extended by
  // one line) after which the search stops looking for short scripts and
  // splits the remaining work coarsely. Two unrelated 10,000-line source
  // files need ~2.4 M steps (and get the same diff as GNU diff).
  uint64_t max_work = 3'000'000;
  // Steps allowed for the coarse splitting; past them whatever is left is
  // reported as replaced. In the guest a step costs up to ~110 fuel, so by
  // default the search stays under ~0.45 G fuel. Texts made of the same
  // few lines in random orders get there; their diffs come out a few percent
  // longer than the shortest.
  uint64_t coarse_work = 1'000'000;
};

struct Comparison {
  // deleted[i]: line i of `a` is not in the common subsequence; inserted[j]
  // likewise for line j of `b`.
  std::vector<uint8_t> deleted;
  std::vector<uint8_t> inserted;
  // Search steps used (see CompareLimits).
  uint64_t work = 0;
  // The work limit was reached, so the script may be longer than needed.
  bool limited = false;
};

// Compares two sequences of line classes (equal numbers = equal lines).
Comparison Compare(std::span<const uint32_t> a, std::span<const uint32_t> b,
                   const CompareLimits& limits = {});

}  // namespace airlock::diff

#endif  // AIRLOCK_GUEST_TOOLS_DIFF_MYERS_H_
