// diff: the unified diff of two texts, as GNU `diff -u` prints it.
//
// Arguments (manifest.json has the schema):
//   old, new            the texts
//   context             unchanged lines around each change (default 3)
//   old_name, new_name  labels of the "---" / "+++" lines (default "a", "b")
//   ignore_whitespace   compare lines ignoring all white space (diff -w)
// Result: {"diff", "added", "removed", "hunks", "identical"[, "approximate"]}
//   diff        "--- a\n+++ b\n@@ -1,3 +1,4 @@\n..."; "" when identical. The
//               hunks are byte-identical to `diff -u --label a --label b`
//               (GNU diffutils), "\ No newline at end of file" included
//   added       "+" lines; removed: "-" lines; hunks: "@@" lines
//   identical   no differences (with ignore_whitespace: none but white space)
//   approximate present (true) when the texts differ so much that the
//               comparison stopped searching for the shortest diff (see
//               myers.h): the diff is still correct, only longer
// Errors: invalid_arguments (a label with a line break), too_large (more
// than kMaxLines lines in old and new together).
#include <algorithm>
#include <string>
#include <string_view>

#include "airlock/tool.h"
#include "unified.h"

namespace tool = airlock::tool;
namespace diff = airlock::diff;

namespace {

// Lines of old and new together that one call compares at most. The cost
// outside the (bounded) search is about 1,500 fuel per line, parsing and
// printing included, so this keeps the worst call under ~0.8 G fuel.
constexpr size_t kMaxLines = 150'000;

size_t CountLines(std::string_view text) {
  size_t lines = std::count(text.begin(), text.end(), '\n');
  if (!text.empty() && text.back() != '\n') ++lines;
  return lines;
}

tool::Result Handle(const tool::Json& args) {
  diff::UnifiedOptions options;
  options.context = args["context"].get<size_t>();
  options.ignore_whitespace = args["ignore_whitespace"].get<bool>();
  for (const char* name : {"old_name", "new_name"}) {
    const std::string& label = args[name].get_ref<const std::string&>();
    if (label.find_first_of("\r\n") != std::string::npos) {
      return tool::InvalidArguments(std::string(name) +
                                    ": must not contain a line break");
    }
  }
  options.old_label = args["old_name"].get_ref<const std::string&>();
  options.new_label = args["new_name"].get_ref<const std::string&>();

  const std::string& old_text = args["old"].get_ref<const std::string&>();
  const std::string& new_text = args["new"].get_ref<const std::string&>();
  const size_t lines = CountLines(old_text) + CountLines(new_text);
  if (lines > kMaxLines) {
    return tool::TooLarge("old and new have " + std::to_string(lines) +
                          " lines together; this tool compares at most " +
                          std::to_string(kMaxLines));
  }
  diff::UnifiedDiff d = diff::MakeUnifiedDiff(old_text, new_text, options);
  tool::Json result = {{"diff", std::move(d.text)},
                       {"added", d.added},
                       {"removed", d.removed},
                       {"hunks", d.hunks},
                       {"identical", d.hunks == 0}};
  if (d.limited) result["approximate"] = true;
  return result;
}

}  // namespace

AIRLOCK_TOOL_MAIN(Handle)
