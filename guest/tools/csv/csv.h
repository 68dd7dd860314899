// CSV (RFC 4180) reading and conversion to JSON for the csv tool.
//
// Reading rules:
// - Fields are separated by a one-byte delimiter (',' by default); records
//   end at CRLF, LF or a lone CR. A line break right before the end of the
//   text does not start another record; empty lines are skipped.
// - A field that starts with '"' is quoted: it ends at the next '"' not
//   doubled, may contain delimiters and line breaks (kept as they are), and
//   "" stands for one '"'. After the closing quote only a delimiter, a line
//   break or the end may follow. A '"' inside an unquoted field is kept as
//   an ordinary character (as most spreadsheets do).
// - Spaces are part of fields. A UTF-8 byte order mark at the start is
//   dropped.
// - Errors name the line (1-based, counting line breaks inside quoted
//   fields): "line 3: unterminated quoted field", "line 5: 4 fields, the
//   header has 3".
// - A record has at most a given number of fields (ConvertOptions::
//   max_fields): a table is a few thousand columns at most, and a line of a
//   million delimiters would otherwise be a million columns, each with a
//   name in every row and its own statistics.
#ifndef AIRLOCK_GUEST_TOOLS_CSV_CSV_H_
#define AIRLOCK_GUEST_TOOLS_CSV_CSV_H_

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace airlock::csv {

struct Record {
  std::vector<std::string> fields;
  size_t line = 0;  // where the record starts (1-based)
};

// Reads records one at a time.
class Reader {
 public:
  // REQUIRES: delimiter is not '"', '\r' or '\n'. A record with more
  // than max_fields fields is an error (too_large() is then true).
  Reader(std::string_view text, char delimiter, size_t max_fields = SIZE_MAX);

  // Reads the next record into *record; false at the end of the text or on
  // an error (then error() says what and where).
  bool Next(Record* record);

  // Empty unless Next() failed on malformed input.
  const std::string& error() const { return error_; }
  // The line of the error (0 if none).
  size_t error_line() const { return error_line_; }
  // The error is a record over max_fields, not malformed input.
  bool too_large() const { return too_large_; }

 private:
  // Consumes a line break at pos_ if there is one.
  bool SkipLineBreak();
  bool Fail(size_t line, std::string message);

  std::string_view text_;
  char delimiter_;
  size_t max_fields_;
  size_t pos_ = 0;
  size_t line_ = 1;
  std::string error_;
  size_t error_line_ = 0;
  bool too_large_ = false;
};

struct ConvertOptions {
  char delimiter = ',';
  // true: the first record names the columns and rows become objects keyed
  // by them; false: rows are arrays and columns are named column_1...
  bool header = true;
  // Rows returned at most; all rows are still read, checked, counted and
  // included in the statistics.
  size_t max_rows = 1000;
  // Bytes the returned rows may take as compact JSON (commas between rows
  // included): rows stop there (truncated, with a note), which bounds the
  // output and the memory whatever max_rows is.
  size_t max_row_bytes = 1 << 20;
  // Fields a record may have (so columns a table may have); more is an
  // error (ConvertResult::too_large).
  size_t max_fields = 10000;
  // Rows with another number of fields than the header (or the first row)
  // are an error unless `ragged`: then every row is padded with null to the
  // widest row, and columns past the header get generated names.
  bool ragged = false;
  // Cells that are numbers (see ParseNumber) become JSON numbers in rows.
  bool parse_numbers = false;
  // Per-column statistics.
  bool stats = false;
  // Distinct values tracked per column for the statistics, and over all
  // columns together (each is kept twice, with its count: a wide table of
  // unique values would otherwise hold several copies of the text).
  size_t max_distinct = 1000;
  size_t max_distinct_total = 100000;
  // Most frequent values reported per column.
  size_t top_values = 5;
};

struct ConvertResult {
  bool ok = false;
  // When ok: {"columns", "rows", "row_count", "truncated"[, "note"]
  // [, "stats"]}.
  nlohmann::ordered_json value;
  // When !ok: "line N: ..." and N; too_large when a limit was passed (a
  // record over max_fields) rather than the text being malformed.
  std::string error;
  size_t error_line = 0;
  bool too_large = false;
};

ConvertResult Convert(std::string_view text, const ConvertOptions& options);

// A cell's number: optional spaces/tabs around an optional sign, digits with
// an optional fraction (or a fraction alone, ".5"), and an optional
// exponent. No thousands separators, hexadecimal, inf or nan.
struct Number {
  bool is_integer = false;  // no fraction or exponent, and fits in int64
  int64_t integer = 0;
  double value = 0;
};
bool ParseNumber(std::string_view cell, Number* number);

}  // namespace airlock::csv

#endif  // AIRLOCK_GUEST_TOOLS_CSV_CSV_H_
