// json_query: runs a jq-like query (see query.h for the language) on a JSON
// document.
// {"document": {...}, "query": ".items[] | .name"}
//   -> {"results": ["apple", "banana"]}   (every output of the query)
// Errors: invalid_arguments for syntax errors (message ends with "at offset
// N") and run-time errors (jq-like messages, e.g. `cannot index number with
// "foo"`), too_large for the limits (results, output bytes, work, data
// built, nesting: query.h);
// details are {"kind": "parse"|"runtime"|"limit", "offset": N} (N counts
// code points of the query; a run-time offset is the failing filter's).
#include "airlock/tool.h"
#include "query.h"

namespace tool = airlock::tool;

namespace {

tool::Result Handle(const tool::Json& args) {
  airlock::json_query::QueryOutcome out = airlock::json_query::RunQuery(
      args["query"].get_ref<const std::string&>(), args["document"]);
  if (!out.error) {
    tool::Json result = tool::Json::object();
    result["results"] = std::move(out.results);
    return result;
  }
  tool::Json details = {{"kind", out.error->kind}};
  if (out.error->offset) details["offset"] = *out.error->offset;
  return tool::ToolError{out.error->code, out.error->message,
                         std::move(details)};
}

}  // namespace

AIRLOCK_TOOL_MAIN(Handle)
