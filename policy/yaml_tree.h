// A YAML document as a tree of nodes that remember where they were written.
// Built from yaml-cpp's event parser rather than YAML::Node so that every
// node keeps its line and column, duplicate keys stay visible (YAML::Node
// would hide one), and the size of the document after alias expansion is
// bounded before anything walks it. Private to policy/.
#ifndef AIRLOCK_POLICY_YAML_TREE_H_
#define AIRLOCK_POLICY_YAML_TREE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/policy.h"

namespace airlock::policy::internal {

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMapping };
  Kind kind = Kind::kNull;
  SourceLocation location;
  std::string scalar;   // kScalar
  bool quoted = false;  // kScalar written in quotes (or with a `!` tag)
  std::vector<std::shared_ptr<const YamlNode>> items;  // kSequence
  std::vector<std::pair<std::shared_ptr<const YamlNode>,
                        std::shared_ptr<const YamlNode>>>
      entries;  // kMapping, in document order, duplicates kept
  // Nodes in this subtree with aliases expanded (1 for a scalar).
  uint64_t expanded_size = 1;
};

struct YamlParse {
  std::shared_ptr<const YamlNode> root;  // null when `error` is set
  SourceLocation error_location;
  std::string error;
};

// Limits that keep a hostile document from exhausting memory or stack.
inline constexpr uint64_t kMaxYamlNodes = 1'000'000;  // after alias expansion
inline constexpr size_t kMaxYamlBytes = 16u << 20;

// Parses exactly one YAML document (an empty text is a null root).
YamlParse ParseYaml(std::string_view text);

// "mapping", "sequence", "string", "null": for "expected X, got Y" errors.
std::string_view KindName(const YamlNode& node);

}  // namespace airlock::policy::internal

#endif  // AIRLOCK_POLICY_YAML_TREE_H_
