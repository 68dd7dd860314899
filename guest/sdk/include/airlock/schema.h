// The JSON Schema subset of airlock tool manifests: checking that a schema
// uses only supported keywords (at build time, by the manifest tool) and
// validating a value against it (at run time, by the guest SDK). Plain C++
// over nlohmann::ordered_json, so it builds for the guest and for the host.
//
// Supported keywords: type (a name or an array of names: null, boolean,
// object, array, number, integer, string), properties, required,
// additionalProperties (bool or schema), items, enum, const, minimum,
// maximum, exclusiveMinimum, exclusiveMaximum (numbers), minLength,
// maxLength (Unicode code points), minItems, maxItems, default, and the
// annotations description, title, examples. "integer" accepts any number
// with no fractional part (3 and 3.0).
#ifndef AIRLOCK_GUEST_SDK_SCHEMA_H_
#define AIRLOCK_GUEST_SDK_SCHEMA_H_

#include <string>
#include <string_view>

#include "airlock/json.h"

namespace airlock::tool {

// Returns "" when `schema` uses only the supported keywords with well-typed
// values (and each "default" validates against its own schema); otherwise
// the first problem, e.g. `/properties/n: unsupported keyword "pattern"`.
// `where` is the JSON pointer of `schema` in its document, prefixed to
// messages (e.g. "/input_schema").
std::string CheckSchema(const Json& schema, std::string_view where = "");

// Validates `value` against `schema` (which CheckSchema accepted). Returns ""
// when it conforms, otherwise the first violation as
// "POINTER: RULE" naming the offending value, e.g.
//   /max_matches: must be >= 1, got 0
//   /: missing required property "text"
//   /extra: unknown property (allowed: text)
//   /text: must be a string, got number
// With `fill_defaults`, an object property that is missing and whose schema
// has a "default" is set to that default (recursively, before validating).
std::string Validate(const Json& schema, Json& value, bool fill_defaults);

// Validates without modifying `value` (no defaults filled).
std::string Validate(const Json& schema, const Json& value);

// The JSON type name of `value` as schema messages use it: null, boolean,
// number, string, array, object.
std::string_view TypeName(const Json& value);

}  // namespace airlock::tool

#endif  // AIRLOCK_GUEST_SDK_SCHEMA_H_
