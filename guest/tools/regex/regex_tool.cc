// regex: the matches of a regular expression in a text (guest/lib/regex:
// RE2 syntax, leftmost-first, linear time).
//
// Arguments (manifest.json has the schema):
//   pattern      the expression; a bad one is invalid_arguments with the
//                engine's message ("pattern: nothing to repeat at offset 0")
//   text         the text to search
//   ignore_case  as (?i) (default false)
//   multiline    as (?m): ^ and $ match at line ends (default false)
//   dot_all      as (?s): . matches \n (default false)
//   max_matches  list at most this many matches (default 100)
//   replacement  when given, "replaced" is the text with every match
//                replaced ($1, ${1}, ${name}, $name, $0, $$)
// Result: {"matches": [{"match", "start", "end", "groups", "named"?}],
//          "count", "truncated", "replaced"?}
//   start/end   offsets in characters (Unicode code points) of `text`,
//               end exclusive; the same for groups
//   groups      one entry per capture group (1, 2, ...): {"text", "start",
//               "end"}, all three null when the group took no part
//   named       {name: text or null}, only when the pattern names groups
//   count       number of entries in matches
//   truncated   true when more matches exist than were listed (max_matches
//               or the result size limit)
// Matches never overlap; after an empty match the search moves on by one
// character (as Go and Rust do).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "airlock/tool.h"
#include "regex/regex.h"

namespace tool = airlock::tool;
namespace re = airlock::regex;

namespace {

// Policies cap a call's output at 1 MiB by default: stop listing matches
// well before that (truncated), and refuse a replaced text that cannot fit.
constexpr size_t kMaxResultBytes = 768 << 10;

std::string Dump(const tool::Json& value) {
  return value.dump(-1, ' ', false, tool::Json::error_handler_t::replace);
}

// Converts byte offsets of a UTF-8 text to code point offsets, moving from
// the last position (matches come in order, so the total work is linear).
class CodePointCursor {
 public:
  explicit CodePointCursor(std::string_view text) : text_(text) {}

  size_t At(size_t byte) {
    while (byte_ < byte) {
      if ((static_cast<unsigned char>(text_[byte_]) & 0xC0) != 0x80) ++cp_;
      ++byte_;
    }
    while (byte_ > byte) {
      --byte_;
      if ((static_cast<unsigned char>(text_[byte_]) & 0xC0) != 0x80) --cp_;
    }
    return cp_;
  }

 private:
  std::string_view text_;
  size_t byte_ = 0;
  size_t cp_ = 0;
};

tool::Result Handle(const tool::Json& args) {
  const std::string& pattern = args["pattern"].get_ref<const std::string&>();
  const std::string& text = args["text"].get_ref<const std::string&>();
  re::Options options;
  options.case_insensitive = args["ignore_case"].get<bool>();
  options.multiline = args["multiline"].get<bool>();
  options.dot_all = args["dot_all"].get<bool>();
  size_t max_matches = args["max_matches"].get<size_t>();

  re::CompileError error;
  std::optional<re::Regex> regex = re::Regex::Compile(pattern, options, &error);
  if (!regex) return tool::InvalidArguments("pattern: " + error.message);

  tool::Json result = tool::Json::object();
  size_t budget = kMaxResultBytes;
  std::string replaced;
  bool replace = args.contains("replacement");
  if (replace) {
    std::string message;
    const std::string& replacement =
        args["replacement"].get_ref<const std::string&>();
    if (regex->ReplaceAll(text, replacement, &replaced, &message) < 0) {
      return tool::InvalidArguments(message);
    }
    size_t size = Dump(tool::Json(replaced)).size();
    if (size > budget) {
      return tool::TooLarge("the replaced text is " + std::to_string(size) +
                            " bytes as JSON, more than the " +
                            std::to_string(kMaxResultBytes >> 10) +
                            " KiB a result may hold");
    }
    budget -= size;
  }

  bool has_names = false;
  for (int g = 1; g <= regex->num_groups(); ++g) {
    if (!regex->group_name(g).empty()) has_names = true;
  }
  tool::Json matches = tool::Json::array();
  bool truncated = false;
  CodePointCursor cursor(text);
  re::MatchIterator it(*regex, text, 1 + regex->num_groups());
  while (it.Next()) {
    if (matches.size() == max_matches) {
      truncated = true;
      break;
    }
    const std::vector<re::Span>& spans = it.groups();
    auto slice = [&](const re::Span& s) {
      return text.substr(s.begin, s.end - s.begin);
    };
    tool::Json m = tool::Json::object();
    m["match"] = slice(spans[0]);
    m["start"] = cursor.At(spans[0].begin);
    m["end"] = cursor.At(spans[0].end);
    tool::Json groups = tool::Json::array();
    tool::Json named = tool::Json::object();
    for (int g = 1; g <= regex->num_groups(); ++g) {
      tool::Json group = tool::Json::object();
      const re::Span& s = spans[g];
      if (s.matched()) {
        group["text"] = slice(s);
        group["start"] = cursor.At(s.begin);
        group["end"] = cursor.At(s.end);
      } else {
        group["text"] = nullptr;
        group["start"] = nullptr;
        group["end"] = nullptr;
      }
      std::string_view name = regex->group_name(g);
      if (!name.empty()) named[std::string(name)] = group["text"];
      groups.push_back(std::move(group));
    }
    m["groups"] = std::move(groups);
    if (has_names) m["named"] = std::move(named);
    size_t size = Dump(m).size() + 1;
    if (size > budget) {
      truncated = true;
      break;
    }
    budget -= size;
    matches.push_back(std::move(m));
  }
  size_t count = matches.size();
  result["matches"] = std::move(matches);
  result["count"] = count;
  result["truncated"] = truncated;
  if (replace) result["replaced"] = std::move(replaced);
  return result;
}

}  // namespace

AIRLOCK_TOOL_MAIN(Handle)
