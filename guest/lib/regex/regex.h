// A regular-expression engine for guest tools (and the host's unit tests):
// RE2-like syntax over UTF-8, leftmost-first semantics with submatches, and
// matching in time linear in the text, so no pattern can backtrack
// exponentially. Portable C++20 without exceptions or RTTI: it builds for
// wasm32-wasi with -fno-exceptions, where std::regex would abort (trap) on a
// bad pattern. Bad patterns are compile errors that name the construct and
// its offset; no input makes the engine trap.
//
//   airlock::regex::CompileError error;
//   auto re = airlock::regex::Regex::Compile("(?P<key>\\w+)=(\\d+)", {},
//                                            &error);
//   if (!re) return error.message;  // e.g. "nothing to repeat at offset 3"
//   std::vector<airlock::regex::Span> groups(1 + re->num_groups());
//   if (re->Search(text, 0, groups.data(), groups.size())) ...
//
// Matching: a lazily built DFA (cached subsets of NFA states, bounded by
// Options::max_dfa_memory) answers whether and roughly where there is a
// match, in a few dozen Wasm instructions per byte; a Pike VM (every
// position visited once, at most one thread per instruction: O(text x
// pattern)) then finds the leftmost-first match and its groups, starting
// where the DFA showed no earlier match can start. FindLine runs the DFA in
// grep's line mode. A literal prefix is found with a substring search.
//
// Syntax: literals; escapes \n \t \r \f \v \a \e \0 \x41 \x{263A} and any
// escaped ASCII punctuation; \Q...\E; . (any character but \n unless (?s));
// classes [a-z] [^...] with \d \w \s \D \W \S and [:alpha:] style ASCII
// classes inside; \d \w \s \D \W \S outside (ASCII, as in RE2); anchors ^ $
// (text or, with (?m), line) \A \z; \b \B (ASCII word boundary); groups
// (...) (?:...) (?P<name>...) (?<name>...); alternation |; quantifiers * + ?
// {n} {n,} {n,m} (at most 1000) and their lazy forms (suffix ?); flags
// (?imsU) (?-i) (?i:...). $ without (?m) matches only at the very end of the
// text (like \z, as in RE2). Case-insensitive matching folds ASCII, Latin-1,
// Latin Extended-A, Greek, Cyrillic, Armenian, Latin Extended Additional and
// fullwidth letters (simple case folding). Invalid UTF-8 in the text is read
// one byte at a time, each byte as U+FFFD.
//
// Unsupported (compile errors): backreferences, lookaround, atomic groups,
// possessive quantifiers, \p{...} Unicode classes, \Z, \G, \K, (?x).
#ifndef AIRLOCK_GUEST_LIB_REGEX_REGEX_H_
#define AIRLOCK_GUEST_LIB_REGEX_REGEX_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace airlock::regex {

inline constexpr size_t kNoPos = static_cast<size_t>(-1);

struct Options {
  bool case_insensitive = false;  // as (?i) at the start of the pattern
  bool multiline = false;         // as (?m): ^ and $ also match at line ends
  bool dot_all = false;           // as (?s): . also matches \n
  // Bounds that turn a huge pattern into a compile error rather than a trap
  // for lack of memory. The thread lists of a match need
  // 2 x instructions x capture slots x 4 bytes.
  size_t max_pattern_bytes = 64 * 1024;
  int max_program_size = 50000;               // instructions
  size_t max_match_memory = size_t{8} << 20;  // bytes
  // The DFA that answers "is there a match?" before the Pike VM looks for
  // it, and the memory its cache may take (beyond it the VM works alone).
  // Only tests and benchmarks turn it off.
  bool use_dfa = true;
  size_t max_dfa_memory = size_t{8} << 20;  // bytes
};

// A half-open byte range [begin, end) of the searched text; begin == end ==
// kNoPos for a group that did not take part in the match.
struct Span {
  size_t begin = kNoPos;
  size_t end = kNoPos;
  bool matched() const { return begin != kNoPos; }
  size_t size() const { return end - begin; }
  bool operator==(const Span&) const = default;
};

struct CompileError {
  // E.g. "nothing to repeat at offset 3". Offsets in messages count
  // characters (code points) of the pattern, from 0.
  std::string message;
  size_t offset = 0;  // the same offset, in code points
};

class Regex {
 public:
  static constexpr int kMaxRepeat = 1000;
  // Groups nested deeper are an error: parsing and compiling recurse once
  // per level, and the guest's stack is small.
  static constexpr int kMaxNesting = 200;

  // Compiles `pattern`; on error returns nullopt and fills *error (if given).
  static std::optional<Regex> Compile(std::string_view pattern,
                                      const Options& options = {},
                                      CompileError* error = nullptr);

  // Number of capture groups, not counting group 0 (the whole match).
  int num_groups() const { return static_cast<int>(group_names_.size()) - 1; }
  // Name of group `group` (1..num_groups()); "" when the group is unnamed.
  std::string_view group_name(int group) const;
  // The group called `name`, or -1.
  int group_index(std::string_view name) const;

  // Finds the leftmost-first match starting at or after byte `start` of
  // `text` (start <= text.size()). Assertions (^ \b ...) see the text before
  // `start`, so searching again from the end of a match behaves as one scan.
  // Fills groups[0..num_spans) (group 0 = whole match; spans beyond
  // 1 + num_groups() are left unmatched); fewer spans make matching cheaper.
  // Not thread-safe: it reuses scratch buffers held by the Regex.
  bool Search(std::string_view text, size_t start, Span* groups,
              size_t num_spans) const;
  // Whether `text` contains a match.
  bool Contains(std::string_view text) const {
    return Search(text, 0, nullptr, 0);
  }

  // Line mode (grep): the start of the first line of `text` at or after
  // `pos` (a line start) that contains a match, or kNoPos. A line ends
  // before "\n" or "\r\n" (or at the end of the text) and is matched on
  // its own, as if it were the whole text: ^ $ \A \z match at its ends.
  // Runs the DFA over the text without per-line overhead.
  size_t FindLine(std::string_view text, size_t pos) const;

  // Every match starts with these bytes ("" when that cannot be said);
  // searches skip to them with a plain substring search.
  std::string_view literal_prefix() const { return prefix_; }
  // Whether the DFA gave up (its cache filled up, Options::max_dfa_memory)
  // or is off: searches then run the Pike VM over the whole text, tens of
  // times slower. Callers that budget work can check it.
  bool dfa_gave_up() const;

  // Checks a replacement template: $1 or ${1} (group by number, $0 the
  // whole match), $name or ${name} (group by name; a name extends over all
  // following letters, digits and _), $$ (a literal $). A reference to a
  // group that does not exist, or a $ followed by anything else, is an
  // error (message names it and its offset); an existing group that did
  // not take part in a match expands to "".
  bool CheckReplacement(std::string_view replacement, std::string* error) const;
  // Appends `replacement` expanded for the match `groups` (1 + num_groups()
  // spans of `text`) to *out. The template must have passed
  // CheckReplacement.
  void ExpandReplacement(std::string_view replacement, std::string_view text,
                         const Span* groups, std::string* out) const;
  // Replaces every match (at most max_replacements if nonzero) found as
  // MatchIterator does; returns the number of replacements or -1 with
  // *error set when the template is invalid.
  long ReplaceAll(std::string_view text, std::string_view replacement,
                  std::string* out, std::string* error,
                  size_t max_replacements = 0) const;

  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;
  ~Regex();

  // One instruction of the compiled program (see regex.cc).
  struct Inst {
    uint8_t op = 0;
    uint32_t x = 0;
    uint32_t y = 0;
    uint32_t z = 0;
  };
  struct Scratch;
  struct Dfa;

 private:
  friend class Compiler;
  Regex();
  // The Pike VM behind Search (which first asks the DFA whether there is a
  // match at all).
  bool SearchNfa(std::string_view text, size_t start, Span* groups,
                 size_t num_spans) const;
  // The DFA for Search or (line_mode) FindLine, built on first use; nullptr
  // once one of them gave up (too many states), or with Options::use_dfa
  // false.
  Dfa* GetDfa(bool line_mode) const;
  // Gives up on the DFAs: the Pike VM answers alone from now on.
  void DropDfa() const;

  std::vector<Inst> prog_;
  std::vector<std::pair<uint32_t, uint32_t>> ranges_;  // for kRanges insts
  std::vector<uint64_t> ascii_bits_;      // 2 words per kRanges inst
  std::vector<std::string> group_names_;  // [0] = "" for the whole match
  uint32_t start_ = 0;                    // first instruction
  bool anchored_start_ = false;           // every match starts at text offset 0
  std::string prefix_;                    // every match starts with these bytes
  bool use_first_bytes_ = false;
  bool use_dfa_ = true;
  size_t max_dfa_memory_ = 0;
  uint64_t first_bytes_[4] = {};  // bytes that can start a match
  // Scratch buffers of Search, kept to avoid allocating on every call.
  mutable std::unique_ptr<Scratch> scratch_;
};

// Iterates over the non-overlapping matches of a regex in a text, left to
// right, as Go's FindAll and Rust's find_iter do: after a match the search
// resumes at its end, and an empty match right where the previous match
// ended is skipped, so "a*" on "baaac" yields "" (0), "aaa" (1-4) and ""
// (5), and an empty match never loops.
class MatchIterator {
 public:
  // `num_spans` as for Regex::Search; the regex and text must outlive the
  // iterator.
  MatchIterator(const Regex& re, std::string_view text, size_t num_spans);
  // Finds the next match; false when there is none.
  bool Next();
  const std::vector<Span>& groups() const { return groups_; }

 private:
  const Regex& re_;
  std::string_view text_;
  std::vector<Span> groups_;
  size_t pos_ = 0;
  size_t prev_end_ = kNoPos;
  bool done_ = false;
};

// `text` with every ASCII punctuation character escaped, so that it
// compiles to a regex matching exactly `text`.
std::string QuoteMeta(std::string_view text);

// Decodes the UTF-8 character at text[pos] (pos < text.size()): returns its
// code point and sets *width (1..4); an invalid or truncated sequence is
// U+FFFD of width 1.
uint32_t DecodeUtf8(std::string_view text, size_t pos, size_t* width);

}  // namespace airlock::regex

#endif  // AIRLOCK_GUEST_LIB_REGEX_REGEX_H_
