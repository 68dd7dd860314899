#include "csv.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace airlock::csv {
namespace {

using Json = nlohmann::ordered_json;

size_t CountLineBreaks(std::string_view s) {
  size_t lines = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' ||
        (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n'))) {
      ++lines;
    }
  }
  return lines;
}

// The UTF-8 character starting at text[pos] (one byte if malformed), for
// messages.
std::string_view CharacterAt(std::string_view text, size_t pos) {
  auto lead = static_cast<unsigned char>(text[pos]);
  size_t length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  return text.substr(pos, std::min(length, text.size() - pos));
}

std::string Describe(std::string_view character) {
  if (character == "\t") return "a tab";
  if (character == " ") return "a space";
  return "'" + std::string(character) + "'";
}

// Running statistics of one column.
class ColumnStats {
 public:
  // `distinct_left` is shared by every column: the distinct values all of
  // them may still keep.
  ColumnStats(size_t max_distinct, size_t* distinct_left)
      : max_distinct_(max_distinct), distinct_left_(distinct_left) {}

  void Add(const std::string& cell) {
    ++count_;
    if (cell.empty()) ++empty_;
    Number number;
    if (ParseNumber(cell, &number)) AddNumber(number);
    auto it = index_.find(cell);
    if (it != index_.end()) {
      ++values_[it->second].second;
    } else if (values_.size() < max_distinct_ && *distinct_left_ > 0) {
      --*distinct_left_;
      index_.emplace(cell, values_.size());
      values_.emplace_back(cell, 1);
    } else {
      capped_ = true;
    }
  }

  Json ToJson(const std::string& column, size_t top_values) const {
    // Built member by member: an initializer list copies each value
    // through temporaries, which a table of thousands of columns notices.
    Json out = Json::object();
    out["column"] = column;
    out["count"] = count_;
    out["empty"] = empty_;
    out["numeric"] = numeric_;
    if (numeric_ > 0) {
      out["min"] = NumberJson(min_);
      out["max"] = NumberJson(max_);
      if (integer_sum_exact_) {
        out["sum"] = integer_sum_;
        out["mean"] =
            static_cast<double>(integer_sum_) / static_cast<double>(numeric_);
      } else {
        out["sum"] = FiniteOrNull(sum_);
        out["mean"] = FiniteOrNull(sum_ / static_cast<double>(numeric_));
      }
    }
    out["distinct"] = values_.size();
    out["distinct_capped"] = capped_;
    // Values seen more than once, most frequent first, ties in order of
    // first appearance.
    std::vector<size_t> order;
    for (size_t i = 0; i < values_.size(); ++i) {
      if (values_[i].second > 1) order.push_back(i);
    }
    std::stable_sort(order.begin(), order.end(), [this](size_t a, size_t b) {
      return values_[a].second > values_[b].second;
    });
    Json top = Json::array();
    for (size_t i = 0; i < order.size() && i < top_values; ++i) {
      Json entry = Json::object();
      entry["value"] = values_[order[i]].first;
      entry["count"] = values_[order[i]].second;
      top.push_back(std::move(entry));
    }
    out["top"] = std::move(top);
    return out;
  }

 private:
  static Json NumberJson(const Number& n) {
    return n.is_integer ? Json(n.integer) : Json(n.value);
  }
  static Json FiniteOrNull(double v) {
    return std::isfinite(v) ? Json(v) : Json(nullptr);
  }
  static bool Less(const Number& a, const Number& b) {
    if (a.is_integer && b.is_integer) return a.integer < b.integer;
    return a.value < b.value;
  }

  void AddNumber(const Number& n) {
    if (numeric_ == 0 || Less(n, min_)) min_ = n;
    if (numeric_ == 0 || Less(max_, n)) max_ = n;
    ++numeric_;
    sum_ += n.value;
    if (integer_sum_exact_) {
      integer_sum_exact_ =
          n.is_integer &&
          !__builtin_add_overflow(integer_sum_, n.integer, &integer_sum_);
    }
  }

  size_t max_distinct_;
  size_t* distinct_left_;
  size_t count_ = 0;
  size_t empty_ = 0;
  size_t numeric_ = 0;
  Number min_;
  Number max_;
  double sum_ = 0;
  int64_t integer_sum_ = 0;
  bool integer_sum_exact_ = true;  // every number so far an int64, no overflow
  std::unordered_map<std::string, size_t> index_;
  std::vector<std::pair<std::string, size_t>> values_;  // first-seen order
  bool capped_ = false;
};

// Column names: the header's, with "column_N" (1-based position) for empty
// ones, and duplicates made unique with a suffix "_2", "_3"...
class ColumnNames {
 public:
  void Add(std::string_view name) {
    std::string base = name.empty()
                           ? "column_" + std::to_string(names_.size() + 1)
                           : std::string(name);
    std::string unique = base;
    for (int k = 2; taken_.count(unique) > 0; ++k) {
      unique = base + "_" + std::to_string(k);
    }
    taken_.insert(unique);
    names_.push_back(std::move(unique));
  }
  size_t size() const { return names_.size(); }
  const std::string& operator[](size_t i) const { return names_[i]; }

 private:
  std::vector<std::string> names_;
  std::unordered_set<std::string> taken_;
};

// Appends a member whose key is known to be new (column names are unique),
// without ordered_map's linear search for an existing key.
void AppendMember(Json::object_t& object, const std::string& key, Json value) {
  static_cast<Json::object_t::Container&>(object).emplace_back(
      key, std::move(value));
}

// "1 MiB", "768 KiB" or "100 bytes".
std::string SizeText(size_t bytes) {
  if (bytes % (1 << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes % (1 << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

// Bytes of `s` as a JSON string, quotes included, as the SDK and
// nlohmann's dump write it (non-ASCII characters as they are; the text came
// from JSON, so it is valid UTF-8).
size_t JsonStringSize(std::string_view s) {
  size_t size = s.size() + 2;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' ||
        c == '\r' || c == '\t') {
      size += 1;  // \n
    } else if (c < 0x20) {
      size += 5;  // \u001f
    }
  }
  return size;
}

// Bytes of a row (an object or array of strings, numbers and nulls) as
// compact JSON, without writing it: a row may hold megabytes of escapes.
size_t RowJsonSize(const Json& row) {
  size_t size = 2 + (row.empty() ? 0 : row.size() - 1);  // brackets, commas
  auto value_size = [](const Json& v) {
    return v.is_string() ? JsonStringSize(v.get_ref<const std::string&>())
                         : v.dump().size();  // a number or null: short
  };
  if (row.is_object()) {
    for (auto it = row.begin(); it != row.end(); ++it) {
      size += JsonStringSize(it.key()) + 1 + value_size(it.value());
    }
  } else {
    for (const Json& v : row) size += value_size(v);
  }
  return size;
}

// A row as JSON: an object keyed by `columns` (which has a name for every
// field) with a header, else an array. Cells move out of `fields`.
Json MakeRow(std::vector<std::string>& fields, const ColumnNames& columns,
             const ConvertOptions& options) {
  auto cell_value = [&options](std::string& cell) {
    Number number;
    if (options.parse_numbers && ParseNumber(cell, &number)) {
      return number.is_integer ? Json(number.integer) : Json(number.value);
    }
    return Json(std::move(cell));
  };
  if (options.header) {
    Json row = Json::object();
    Json::object_t& object = row.get_ref<Json::object_t&>();
    object.reserve(columns.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      AppendMember(object, columns[i], cell_value(fields[i]));
    }
    return row;
  }
  Json row = Json::array();
  Json::array_t& array = row.get_ref<Json::array_t&>();
  array.reserve(fields.size());
  for (std::string& cell : fields) array.push_back(cell_value(cell));
  return row;
}

}  // namespace

Reader::Reader(std::string_view text, char delimiter, size_t max_fields)
    : text_(text), delimiter_(delimiter), max_fields_(max_fields) {
  if (text_.substr(0, 3) == "\xef\xbb\xbf") text_.remove_prefix(3);
}

bool Reader::SkipLineBreak() {
  if (pos_ >= text_.size()) return false;
  if (text_[pos_] == '\r') {
    ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
  } else if (text_[pos_] == '\n') {
    ++pos_;
  } else {
    return false;
  }
  ++line_;
  return true;
}

bool Reader::Fail(size_t line, std::string message) {
  error_ = "line " + std::to_string(line) + ": " + message;
  error_line_ = line;
  pos_ = text_.size();
  return false;
}

bool Reader::Next(Record* record) {
  // The field strings of the previous record are reused: their buffers
  // save an allocation per field.
  std::vector<std::string>& fields = record->fields;
  size_t count = 0;
  auto next_field = [&]() -> std::string& {
    if (count == fields.size()) fields.emplace_back();
    std::string& field = fields[count++];
    field.clear();
    return field;
  };
  if (!error_.empty()) {
    fields.clear();
    return false;
  }
  while (SkipLineBreak()) {
  }
  if (pos_ >= text_.size()) {
    fields.clear();
    return false;
  }
  record->line = line_;
  auto too_many_fields = [&]() {
    too_large_ = true;
    return Fail(record->line, "more than " + std::to_string(max_fields_) +
                                  " fields, the most a record may have");
  };
  for (;;) {
    if (count == max_fields_) return too_many_fields();
    std::string& field = next_field();
    const size_t field_number = count;
    if (text_[pos_] == '"') {
      const size_t open_line = line_;
      ++pos_;
      for (;;) {
        size_t quote = text_.find('"', pos_);
        if (quote == std::string_view::npos) {
          return Fail(open_line, "unterminated quoted field (field " +
                                     std::to_string(field_number) +
                                     " opens with a quote that is never "
                                     "closed)");
        }
        std::string_view piece = text_.substr(pos_, quote - pos_);
        line_ += CountLineBreaks(piece);
        field.append(piece);
        pos_ = quote + 1;
        if (pos_ < text_.size() && text_[pos_] == '"') {
          field.push_back('"');
          ++pos_;
          continue;
        }
        break;
      }
      if (pos_ < text_.size() && text_[pos_] != delimiter_ &&
          text_[pos_] != '\r' && text_[pos_] != '\n') {
        return Fail(line_, Describe(CharacterAt(text_, pos_)) +
                               " after the closing quote of field " +
                               std::to_string(field_number) +
                               " (a quote inside a quoted field is written "
                               "\"\")");
      }
    } else {
      const size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] != delimiter_ &&
             text_[pos_] != '\r' && text_[pos_] != '\n') {
        ++pos_;
      }
      field.assign(text_.substr(start, pos_ - start));
    }
    if (pos_ < text_.size() && text_[pos_] == delimiter_) {
      ++pos_;
      if (pos_ == text_.size()) {
        if (count == max_fields_) return too_many_fields();
        next_field();  // "a," ends with an empty field
        fields.resize(count);
        return true;
      }
      continue;
    }
    SkipLineBreak();
    fields.resize(count);
    return true;
  }
}

bool ParseNumber(std::string_view cell, Number* number) {
  while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) {
    cell.remove_prefix(1);
  }
  while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t')) {
    cell.remove_suffix(1);
  }
  // Syntax check, collecting up to 19 significant digits on the way.
  size_t i = 0;
  uint64_t significand = 0;
  int significant_digits = 0;  // in `significand`, leading zeros skipped
  int dropped_digits = 0;      // integer digits past the 19 kept
  int fraction_digits = 0;     // of those kept
  auto digits = [&](bool fraction) {
    const size_t start = i;
    for (; i < cell.size() && cell[i] >= '0' && cell[i] <= '9'; ++i) {
      if (significant_digits == 0 && cell[i] == '0') {
        if (fraction) ++fraction_digits;
        continue;
      }
      if (significant_digits < 19) {
        significand = significand * 10 + (cell[i] - '0');
        ++significant_digits;
        if (fraction) ++fraction_digits;
      } else if (!fraction) {
        ++dropped_digits;
      }
    }
    return i - start;
  };
  const bool negative = !cell.empty() && cell[0] == '-';
  if (i < cell.size() && (cell[i] == '+' || cell[i] == '-')) ++i;
  size_t mantissa_digits = digits(false);
  bool integral = true;
  if (i < cell.size() && cell[i] == '.') {
    ++i;
    mantissa_digits += digits(true);
    integral = false;
  }
  if (mantissa_digits == 0) return false;
  int exponent = 0;
  if (i < cell.size() && (cell[i] == 'e' || cell[i] == 'E')) {
    ++i;
    const bool negative_exponent = i < cell.size() && cell[i] == '-';
    if (i < cell.size() && (cell[i] == '+' || cell[i] == '-')) ++i;
    const size_t start = i;
    for (; i < cell.size() && cell[i] >= '0' && cell[i] <= '9'; ++i) {
      if (exponent < 100000) exponent = exponent * 10 + (cell[i] - '0');
    }
    if (i == start) return false;
    if (negative_exponent) exponent = -exponent;
    integral = false;
  }
  if (i != cell.size()) return false;

  number->is_integer = false;
  if (integral && dropped_digits == 0) {
    // At most 19 digits: fits in uint64; int64 needs a range check.
    if (!negative && significand <= INT64_MAX) {
      number->is_integer = true;
      number->integer = static_cast<int64_t>(significand);
    } else if (negative && significand <= uint64_t{INT64_MAX} + 1) {
      number->is_integer = true;
      number->integer = static_cast<int64_t>(0 - significand);
    }
    if (number->is_integer) {
      number->value = static_cast<double>(number->integer);
      return true;
    }
  }
  // Exact when the significand and the power of ten are both exact doubles
  // (Clinger's fast path): one correctly rounded operation. Otherwise
  // strtod, which is much slower in the guest.
  static constexpr double kPowersOfTen[] = {
      1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const int scale = exponent + dropped_digits - fraction_digits;
  double value;
  if (significand < (uint64_t{1} << 53) && scale >= -22 && scale <= 22) {
    value = static_cast<double>(significand);
    value =
        scale < 0 ? value / kPowersOfTen[-scale] : value * kPowersOfTen[scale];
    if (negative) value = -value;
  } else {
    const std::string copy(cell);  // strtod needs a terminated string
    value = std::strtod(copy.c_str(), nullptr);
  }
  if (!std::isfinite(value)) return false;
  number->value = value;
  return true;
}

ConvertResult Convert(std::string_view text, const ConvertOptions& options) {
  ConvertResult result;
  Reader reader(text, options.delimiter, options.max_fields);
  Record record;
  ColumnNames columns;
  // Width every row must have (header or first row); 0 until known.
  size_t width = 0;
  size_t width_line = 0;
  if (options.header && reader.Next(&record)) {
    for (const std::string& name : record.fields) columns.Add(name);
    width = columns.size();
    width_line = record.line;
  }

  Json rows = Json::array();
  // Of each row in `rows`: its bytes as JSON plus a comma (or the closing
  // bracket), and its fields (rows padded at the end, when ragged, grow by
  // the padding). row_bytes is the size of `rows` as JSON.
  std::vector<std::pair<size_t, size_t>> row_sizes;
  size_t row_bytes = 1;    // "["; an empty array is "[]", 2 bytes
  bool rows_full = false;  // the next row would pass max_row_bytes
  std::vector<ColumnStats> stats;
  size_t distinct_left = options.max_distinct_total;
  size_t row_count = 0;
  size_t widest = width;
  while (reader.Next(&record)) {
    const size_t fields = record.fields.size();
    if (width == 0) {
      width = fields;
      width_line = record.line;
      widest = width;
    }
    if (fields != width && !options.ragged) {
      result.error_line = record.line;
      result.error = "line " + std::to_string(record.line) + ": " +
                     std::to_string(fields) + " field" +
                     (fields == 1 ? "" : "s") + ", " +
                     (options.header ? std::string("the header")
                                     : "line " + std::to_string(width_line)) +
                     " has " + std::to_string(width) +
                     " (set ragged to pad short rows instead)";
      return result;
    }
    widest = std::max(widest, fields);
    ++row_count;
    if (options.stats) {
      while (stats.size() < fields) {
        stats.emplace_back(options.max_distinct, &distinct_left);
      }
      for (size_t i = 0; i < fields; ++i) stats[i].Add(record.fields[i]);
    }
    if (!rows_full && rows.size() < options.max_rows) {
      // Columns past the header get their names as soon as a row has them.
      while (options.header && columns.size() < fields) columns.Add("");
      Json row = MakeRow(record.fields, columns, options);
      const size_t size = RowJsonSize(row) + 1;
      if (row_bytes + size > options.max_row_bytes) {
        rows_full = true;
      } else {
        row_bytes += size;
        row_sizes.emplace_back(size, fields);
        rows.push_back(std::move(row));
      }
    }
  }
  if (!reader.error().empty()) {
    result.error = reader.error();
    result.error_line = reader.error_line();
    result.too_large = reader.too_large();
    return result;
  }

  // Columns past the header (ragged rows, or no header at all).
  while (columns.size() < widest) columns.Add("");
  Json column_names = Json::array();
  for (size_t i = 0; i < columns.size(); ++i) {
    column_names.push_back(columns[i]);
  }
  // Rows shorter than the widest one, when ragged, get null for the rest:
  // the rows that still fit in max_row_bytes once padded. pad[i] is what
  // padding from column i on adds (`,"name":null` or `,null` each).
  if (options.ragged && !rows.empty()) {
    std::vector<size_t> pad(columns.size() + 1, 0);
    for (size_t i = columns.size(); i-- > 0;) {
      pad[i] = pad[i + 1] + 5 +
               (options.header ? JsonStringSize(columns[i]) + 1 : 0);
    }
    size_t total = 1;
    size_t keep = 0;
    for (; keep < row_sizes.size(); ++keep) {
      // A record has at least one field: a comma precedes every padded
      // value.
      auto [size, fields] = row_sizes[keep];
      size_t padded = size + pad[fields];
      if (total + padded > options.max_row_bytes) break;
      total += padded;
    }
    if (keep < rows.size()) {
      rows.erase(rows.begin() + static_cast<std::ptrdiff_t>(keep), rows.end());
      rows_full = true;
    }
    for (Json& row : rows) {
      if (row.size() == columns.size()) continue;
      if (options.header) {
        Json::object_t& object = row.get_ref<Json::object_t&>();
        for (size_t i = object.size(); i < columns.size(); ++i) {
          AppendMember(object, columns[i], nullptr);
        }
      } else {
        while (row.size() < columns.size()) row.push_back(nullptr);
      }
    }
  }

  const size_t returned = rows.size();
  result.ok = true;
  result.value = {{"columns", std::move(column_names)},
                  {"rows", std::move(rows)},
                  {"row_count", row_count},
                  {"truncated", row_count > returned}};
  if (rows_full) {
    result.value["note"] =
        "rows stop after " + std::to_string(returned) + " of " +
        std::to_string(row_count) + ": more would pass " +
        SizeText(options.max_row_bytes) +
        " of JSON, the most one call returns (row_count and stats cover "
        "every row)";
  }
  if (options.stats) {
    Json all = Json::array();
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i < stats.size()) {
        all.push_back(stats[i].ToJson(columns[i], options.top_values));
      } else {
        all.push_back(ColumnStats(options.max_distinct, &distinct_left)
                          .ToJson(columns[i], options.top_values));
      }
    }
    result.value["stats"] = std::move(all);
  }
  return result;
}

}  // namespace airlock::csv
