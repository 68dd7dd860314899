// csv: CSV text to JSON rows, with optional per-column statistics.
//
// Arguments (manifest.json has the schema):
//   text           the CSV (RFC 4180; the reading rules are in csv.h)
//   delimiter      one ASCII character, default ","; not '"', CR or LF
//   header         the first record names the columns (default true): rows
//                  are objects keyed by column; false: rows are arrays
//   max_rows       rows returned at most (default 1000, at most 10000 by
//                  the schema); every row is still read, checked and
//                  counted, and is in the statistics. Rows also stop before
//                  they pass 1 MiB of JSON (then "note" says so)
//   ragged         pad rows with fewer fields with null, and give columns
//                  past the header generated names, instead of failing
//   parse_numbers  cells that are numbers become JSON numbers in rows
//   stats          add per-column statistics
// Result: {"columns", "rows", "row_count", "truncated"[, "note"]
//          [, "stats"]}
//   columns    names: the header's, "column_N" (N = 1-based position) for
//              empty or missing ones, duplicates suffixed "_2", "_3"...
//   row_count  data rows in the text (not counting the header)
//   truncated  not every row is in rows (max_rows, or the 1 MiB bound)
//   note       why rows stopped before max_rows: the 1 MiB bound
//   stats      per column: {"column", "count" (cells present), "empty",
//              "numeric", and when numeric > 0 "min", "max", "sum",
//              "mean"; "distinct" (exact up to 1000 values per column and
//              100000 over all columns, then "distinct_capped": true),
//              "top" (up to 5 values seen more than once: [{"value",
//              "count"}], most frequent first)}
// Errors: invalid_arguments naming the line, with details {"line": N}:
//   "line 3: unterminated quoted field (...)", "line 5: 4 fields, the
//   header has 3 (...)", "line 2: 'x' after the closing quote of field 2
//   (...)"; or a bad delimiter. too_large for a record of more than
//   10000 fields ("line 1: more than 10000 fields, the most a record may
//   have"), also with details {"line": N}.
#include <string>

#include "airlock/tool.h"
#include "csv.h"

namespace tool = airlock::tool;
namespace csv = airlock::csv;

namespace {

// `text` in double quotes, with quotes, backslashes and line breaks escaped
// as in JSON, for messages.
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

tool::Result Handle(const tool::Json& args) {
  csv::ConvertOptions options;
  const std::string& delimiter =
      args["delimiter"].get_ref<const std::string&>();
  const unsigned char d = static_cast<unsigned char>(delimiter[0]);
  if (delimiter.size() != 1 || d >= 0x80 || d == '"' || d == '\r' ||
      d == '\n') {
    return tool::InvalidArguments(
        "delimiter: must be one ASCII character other than '\"', CR and LF, "
        "got " +
        Quoted(delimiter));
  }
  options.delimiter = delimiter[0];
  options.header = args["header"].get<bool>();
  options.max_rows = args["max_rows"].get<size_t>();
  options.ragged = args["ragged"].get<bool>();
  options.parse_numbers = args["parse_numbers"].get<bool>();
  options.stats = args["stats"].get<bool>();

  csv::ConvertResult result =
      csv::Convert(args["text"].get_ref<const std::string&>(), options);
  if (!result.ok) {
    tool::ToolError error = result.too_large
                                ? tool::TooLarge(result.error)
                                : tool::InvalidArguments(result.error);
    error.details = {{"line", result.error_line}};
    return error;
  }
  return std::move(result.value);
}

}  // namespace

AIRLOCK_TOOL_MAIN(Handle)
