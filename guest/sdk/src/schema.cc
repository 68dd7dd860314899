// The JSON Schema subset of tool manifests (see airlock/schema.h). Written
// for the guest first: no exceptions (nlohmann is used only through calls
// that cannot throw: find, is_*, get on a checked type, dump with
// error_handler_t::replace), no recursion on the value beyond the schema's
// own depth, so a deeply nested argument cannot exhaust the call stack.
#include "airlock/schema.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace airlock::tool {
namespace {

// Longest rendering of an offending value in a message, in bytes.
constexpr size_t kBriefMax = 60;

std::string EscapeToken(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Child(std::string_view pointer, std::string_view token) {
  std::string out(pointer);
  out += '/';
  out += EscapeToken(token);
  return out;
}

std::string Child(std::string_view pointer, size_t index) {
  return std::string(pointer) + "/" + std::to_string(index);
}

// The root pointer is "" in RFC 6901; messages show it as "/".
std::string Where(std::string_view pointer) {
  return pointer.empty() ? std::string("/") : std::string(pointer);
}

std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view CutUtf8(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// The offending value as a message shows it: JSON for scalars (long strings
// cut), a summary for containers (never a full, possibly huge or deep, dump).
std::string Brief(const Json& value) {
  if (value.is_array()) {
    return "an array of " + std::to_string(value.size()) +
           (value.size() == 1 ? " item" : " items");
  }
  if (value.is_object()) {
    return "an object with " + std::to_string(value.size()) +
           (value.size() == 1 ? " property" : " properties");
  }
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s.size() > kBriefMax) {
      std::string cut = Dump(Json(std::string(CutUtf8(s, kBriefMax))));
      cut.insert(cut.size() - 1, "...");
      return cut + " (" + std::to_string(s.size()) + " bytes)";
    }
  }
  return Dump(value);
}

bool IsInteger(const Json& value) {
  if (value.is_number_integer()) return true;  // signed or unsigned
  if (!value.is_number_float()) return false;
  double d = value.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool HasType(const Json& value, std::string_view type) {
  if (type == "null") return value.is_null();
  if (type == "boolean") return value.is_boolean();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "number") return value.is_number();
  if (type == "integer") return IsInteger(value);
  return false;
}

std::string WithArticle(std::string_view type) {
  if (type == "null") return "null";
  bool vowel = type == "array" || type == "object" || type == "integer";
  return std::string(vowel ? "an " : "a ") + std::string(type);
}

// -1, 0, 1 as a <, ==, > b; exact for two integers of the same signedness.
int Compare(const Json& a, const Json& b) {
  if (a.is_number_integer() && b.is_number_integer() &&
      a.is_number_unsigned() == b.is_number_unsigned()) {
    if (a.is_number_unsigned()) {
      uint64_t x = a.get<uint64_t>(), y = b.get<uint64_t>();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    int64_t x = a.get<int64_t>(), y = b.get<int64_t>();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  double x = a.get<double>(), y = b.get<double>();
  return x < y ? -1 : x > y ? 1 : 0;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string Plural(uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

const Json* Find(const Json& object, std::string_view key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

uint64_t Count(const Json& n) {
  return n.is_number_unsigned() ? n.get<uint64_t>()
                                : static_cast<uint64_t>(n.get<int64_t>());
}

// Validation; J is Json (fill defaults) or const Json (check only).
template <typename J>
std::string Check(const Json& schema, J& value, const std::string& pointer) {
  constexpr bool kFill = !std::is_const_v<J>;
  if (!schema.is_object()) return "";  // CheckSchema rejects non-objects

  if (const Json* type = Find(schema, "type")) {
    bool ok = false;
    std::vector<std::string_view> names;
    if (type->is_string()) {
      names.push_back(type->get_ref<const std::string&>());
    } else if (type->is_array()) {
      for (const Json& t : *type) {
        if (t.is_string()) names.push_back(t.get_ref<const std::string&>());
      }
    }
    for (std::string_view t : names) ok = ok || HasType(value, t);
    if (!ok) {
      std::string want;
      for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0) want += i + 1 == names.size() ? " or " : ", ";
        want += WithArticle(names[i]);
      }
      // A fractional number for an integer is the one case the type name
      // alone would not explain ("must be an integer, got number").
      bool wants_integer = false;
      for (std::string_view t : names) wants_integer |= t == "integer";
      if (value.is_number() && wants_integer) {
        return Where(pointer) + ": must be " + want + ", got " + Brief(value);
      }
      return Where(pointer) + ": must be " + want + ", got " +
             std::string(TypeName(value));
    }
  }

  if (const Json* e = Find(schema, "enum"); e && e->is_array()) {
    bool found = false;
    for (const Json& option : *e) found = found || option == value;
    if (!found) {
      std::string options;
      for (const Json& option : *e) {
        if (!options.empty()) options += ", ";
        options += Brief(option);
      }
      return Where(pointer) + ": must be one of " + options + ", got " +
             Brief(value);
    }
  }
  if (const Json* c = Find(schema, "const"); c && *c != value) {
    return Where(pointer) + ": must be " + Brief(*c) + ", got " + Brief(value);
  }

  if (value.is_number()) {
    struct Bound {
      const char* keyword;
      const char* op;
      bool (*ok)(int);
    };
    static constexpr Bound kBounds[] = {
        {"minimum", ">=", [](int c) { return c >= 0; }},
        {"maximum", "<=", [](int c) { return c <= 0; }},
        {"exclusiveMinimum", ">", [](int c) { return c > 0; }},
        {"exclusiveMaximum", "<", [](int c) { return c < 0; }},
    };
    for (const Bound& b : kBounds) {
      const Json* limit = Find(schema, b.keyword);
      if (limit && limit->is_number() && !b.ok(Compare(value, *limit))) {
        return Where(pointer) + ": must be " + b.op + " " + Dump(*limit) +
               ", got " + Dump(value);
      }
    }
  }

  if (value.is_string()) {
    const Json* min = Find(schema, "minLength");
    const Json* max = Find(schema, "maxLength");
    // Counted only when asked: it costs fuel per byte of a long string.
    size_t n = min || max
                   ? CodePoints(value.template get_ref<const std::string&>())
                   : 0;
    if (min && min->is_number_integer() && n < Count(*min)) {
      return Where(pointer) + ": must be at least " +
             Plural(Count(*min), "character", "characters") + " long, got " +
             std::to_string(n);
    }
    if (max && max->is_number_integer() && n > Count(*max)) {
      return Where(pointer) + ": must be at most " +
             Plural(Count(*max), "character", "characters") + " long, got " +
             std::to_string(n);
    }
  }

  if (value.is_array()) {
    const Json* min = Find(schema, "minItems");
    if (min && min->is_number_integer() && value.size() < Count(*min)) {
      return Where(pointer) + ": must have at least " +
             Plural(Count(*min), "item", "items") + ", got " +
             std::to_string(value.size());
    }
    const Json* max = Find(schema, "maxItems");
    if (max && max->is_number_integer() && value.size() > Count(*max)) {
      return Where(pointer) + ": must have at most " +
             Plural(Count(*max), "item", "items") + ", got " +
             std::to_string(value.size());
    }
    if (const Json* items = Find(schema, "items");
        items && items->is_object()) {
      size_t i = 0;
      for (auto& item : value) {
        std::string error = Check(*items, item, Child(pointer, i++));
        if (!error.empty()) return error;
      }
    }
  }

  if (value.is_object()) {
    const Json* properties = Find(schema, "properties");
    if (properties && !properties->is_object()) properties = nullptr;
    if constexpr (kFill) {
      if (properties) {
        for (const auto& [name, sub] : properties->items()) {
          if (!sub.is_object() || value.contains(name)) continue;
          if (const Json* d = Find(sub, "default")) value[name] = *d;
        }
      }
    }
    const Json* additional = Find(schema, "additionalProperties");
    // Unknown properties first: "/txt: unknown property (allowed: text)"
    // explains a typo better than the missing "text" it also causes.
    if (additional && additional->is_boolean() && !additional->get<bool>()) {
      for (const auto& [name, sub] : value.items()) {
        if (properties && properties->contains(name)) continue;
        std::string allowed;
        if (properties) {
          for (const auto& p : properties->items()) {
            if (!allowed.empty()) allowed += ", ";
            allowed += p.key();
          }
        }
        return Child(pointer, name) + ": unknown property (" +
               (allowed.empty() ? std::string("no properties allowed")
                                : "allowed: " + allowed) +
               ")";
      }
    }
    if (const Json* required = Find(schema, "required");
        required && required->is_array()) {
      for (const Json& name : *required) {
        if (name.is_string() &&
            !value.contains(name.get_ref<const std::string&>())) {
          return Where(pointer) + ": missing required property " + Dump(name);
        }
      }
    }
    for (auto& [name, sub] : value.items()) {
      const Json* sub_schema = nullptr;
      if (properties) sub_schema = Find(*properties, name);
      if (!sub_schema && additional && additional->is_object()) {
        sub_schema = additional;
      }
      if (!sub_schema) continue;
      std::string error = Check(*sub_schema, sub, Child(pointer, name));
      if (!error.empty()) return error;
    }
  }
  return "";
}

// --- CheckSchema -----------------------------------------------------------

constexpr std::string_view kKeywords[] = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "default",
    "description",
    "title",
    "examples",
};
constexpr std::string_view kTypes[] = {"null",   "boolean", "object", "array",
                                       "number", "integer", "string"};

bool IsType(std::string_view t) {
  for (std::string_view k : kTypes) {
    if (k == t) return true;
  }
  return false;
}

bool IsCount(const Json& v) {
  return v.is_number_unsigned() ||
         (v.is_number_integer() && v.get<int64_t>() >= 0);
}

std::string CheckSchemaAt(const Json& schema, const std::string& where) {
  if (!schema.is_object()) {
    return Where(where) + ": a schema must be an object, got " +
           std::string(TypeName(schema));
  }
  for (const auto& [key, v] : schema.items()) {
    bool known = false;
    for (std::string_view k : kKeywords) known = known || k == key;
    if (!known) {
      return Where(where) + ": unsupported keyword " + Dump(Json(key)) +
             " (supported: type, properties, required, additionalProperties, "
             "items, enum, const, minimum, maximum, exclusiveMinimum, "
             "exclusiveMaximum, minLength, maxLength, minItems, maxItems, "
             "default, description, title, examples)";
    }
    std::string at = Child(where, key);
    if (key == "type") {
      if (v.is_string()) {
        if (!IsType(v.get_ref<const std::string&>())) {
          return at + ": unknown type " + Dump(v) +
                 " (types: null, boolean, object, array, number, integer, "
                 "string)";
        }
      } else if (v.is_array() && !v.empty()) {
        for (size_t i = 0; i < v.size(); ++i) {
          if (!v[i].is_string() ||
              !IsType(v[i].get_ref<const std::string&>())) {
            return Child(at, i) + ": unknown type " + Brief(v[i]) +
                   " (types: null, boolean, object, array, number, integer, "
                   "string)";
          }
          for (size_t j = 0; j < i; ++j) {
            if (v[j] == v[i])
              return Child(at, i) + ": duplicate type " + Dump(v[i]);
          }
        }
      } else {
        return at + ": must be a type name or a non-empty array of them, got " +
               Brief(v);
      }
    } else if (key == "properties") {
      if (!v.is_object()) {
        return at + ": must be an object of schemas, got " +
               std::string(TypeName(v));
      }
      for (const auto& [name, sub] : v.items()) {
        std::string error = CheckSchemaAt(sub, Child(at, name));
        if (!error.empty()) return error;
      }
    } else if (key == "required") {
      if (!v.is_array()) {
        return at + ": must be an array of property names, got " + Brief(v);
      }
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) {
          return Child(at, i) + ": must be a property name (string), got " +
                 Brief(v[i]);
        }
        for (size_t j = 0; j < i; ++j) {
          if (v[j] == v[i]) {
            return Child(at, i) + ": duplicate property " + Dump(v[i]);
          }
        }
      }
    } else if (key == "additionalProperties") {
      if (!v.is_boolean()) {
        std::string error = CheckSchemaAt(v, at);
        if (!error.empty()) return error;
      }
    } else if (key == "items") {
      if (!v.is_object()) {
        return at +
               ": must be a schema object (tuple forms are not "
               "supported), got " +
               std::string(TypeName(v));
      }
      std::string error = CheckSchemaAt(v, at);
      if (!error.empty()) return error;
    } else if (key == "enum") {
      if (!v.is_array() || v.empty()) {
        return at + ": must be a non-empty array of values, got " + Brief(v);
      }
    } else if (key == "minimum" || key == "maximum" ||
               key == "exclusiveMinimum" || key == "exclusiveMaximum") {
      if (!v.is_number()) return at + ": must be a number, got " + Brief(v);
    } else if (key == "minLength" || key == "maxLength" || key == "minItems" ||
               key == "maxItems") {
      if (!IsCount(v)) {
        return at + ": must be a non-negative integer, got " + Brief(v);
      }
    } else if (key == "description" || key == "title") {
      if (!v.is_string()) return at + ": must be a string, got " + Brief(v);
    } else if (key == "examples") {
      if (!v.is_array()) return at + ": must be an array, got " + Brief(v);
    }
  }
  // Bounds that no value can meet are a mistake, not a tight schema.
  static constexpr std::string_view kPairs[][2] = {{"minimum", "maximum"},
                                                   {"minLength", "maxLength"},
                                                   {"minItems", "maxItems"}};
  for (const auto& [lo_key, hi_key] : kPairs) {
    const Json* lo = Find(schema, lo_key);
    const Json* hi = Find(schema, hi_key);
    if (lo && hi && Compare(*lo, *hi) > 0) {
      return Where(where) + ": " + std::string(lo_key) + " " + Dump(*lo) +
             " is greater than " + std::string(hi_key) + " " + Dump(*hi);
    }
  }
  const Json* additional = Find(schema, "additionalProperties");
  const Json* properties = Find(schema, "properties");
  if (const Json* required = Find(schema, "required");
      required && additional && additional->is_boolean() &&
      !additional->get<bool>()) {
    for (size_t i = 0; i < required->size(); ++i) {
      const Json& name = (*required)[i];
      if (!properties ||
          !properties->contains(name.get_ref<const std::string&>())) {
        return Child(Child(where, "required"), i) + ": required property " +
               Dump(name) +
               " is not in \"properties\" and additionalProperties is false";
      }
    }
  }
  if (const Json* d = Find(schema, "default")) {
    std::string error = Check(schema, *d, "");
    if (!error.empty()) {
      return Child(where, "default") +
             ": the default does not match its "
             "schema: " +
             error;
    }
  }
  return "";
}

}  // namespace

std::string_view TypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    default:
      return "binary";
  }
}

std::string CheckSchema(const Json& schema, std::string_view where) {
  return CheckSchemaAt(schema, std::string(where));
}

std::string Validate(const Json& schema, Json& value, bool fill_defaults) {
  if (fill_defaults) return Check(schema, value, "");
  return Check(schema, static_cast<const Json&>(value), "");
}

std::string Validate(const Json& schema, const Json& value) {
  return Check(schema, value, "");
}

}  // namespace airlock::tool
