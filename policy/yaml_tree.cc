#include "policy/yaml_tree.h"

#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/exceptions.h"
#include "yaml-cpp/mark.h"
#include "yaml-cpp/parser.h"

namespace airlock::policy::internal {

namespace {

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
// Policy strings end up in JSON schemas, log lines and protobuf strings,
// all of which require it.
bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t length;
    uint32_t min;
    uint32_t code;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      length = 2, min = 0x80, code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, min = 0x800, code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, min = 0x10000, code = c & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const unsigned char cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      code = (code << 6) | (cc & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

SourceLocation ToLocation(const YAML::Mark& mark) {
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

// Builds the tree from parser events. Errors are recorded (first one wins)
// and later events ignored; yaml-cpp's own errors arrive as exceptions.
class TreeBuilder : public YAML::EventHandler {
 public:
  std::shared_ptr<YamlNode> root;
  std::string error;
  SourceLocation error_location;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto node = std::make_shared<YamlNode>();
    node->kind = YamlNode::Kind::kNull;
    node->location = ToLocation(mark);
    Add(std::move(node), anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      // The anchor names a collection still open: the alias is inside the
      // node it refers to.
      Fail(ToLocation(mark), "an alias may not refer to a node containing it");
      return;
    }
    Add(it->second, 0);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag,
                YAML::anchor_t anchor, const std::string& value) override {
    if (!IsValidUtf8(value)) {
      Fail(ToLocation(mark), "a string is not valid UTF-8");
      return;
    }
    auto node = std::make_shared<YamlNode>();
    node->kind = YamlNode::Kind::kScalar;
    node->location = ToLocation(mark);
    node->scalar = value;
    // yaml-cpp tags quoted scalars "!" and plain ones "?".
    node->quoted = tag == "!";
    Add(std::move(node), anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(YamlNode::Kind::kSequence, mark, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&,
                  YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    Open(YamlNode::Kind::kMapping, mark, anchor);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Open_ {
    std::shared_ptr<YamlNode> node;
    YAML::anchor_t anchor;
    std::shared_ptr<const YamlNode> pending_key;  // mappings
  };

  void Fail(SourceLocation location, std::string message) {
    if (!error.empty()) return;
    error = std::move(message);
    error_location = location;
  }

  void Open(YamlNode::Kind kind, const YAML::Mark& mark,
            YAML::anchor_t anchor) {
    auto node = std::make_shared<YamlNode>();
    node->kind = kind;
    node->location = ToLocation(mark);
    stack_.push_back({std::move(node), anchor, nullptr});
  }

  void Close() {
    if (stack_.empty()) return;
    Open_ open = std::move(stack_.back());
    stack_.pop_back();
    Add(std::move(open.node), open.anchor);
  }

  // Attaches a finished node to its parent (or makes it the root) and
  // registers its anchor now that it is complete.
  void Add(std::shared_ptr<const YamlNode> node, YAML::anchor_t anchor) {
    if (!error.empty()) return;
    if (anchor != 0) anchors_[anchor] = node;
    if (stack_.empty()) {
      root = std::const_pointer_cast<YamlNode>(node);
      return;
    }
    Open_& parent = stack_.back();
    parent.node->expanded_size += node->expanded_size;
    if (parent.node->expanded_size > kMaxYamlNodes) {
      Fail(node->location,
           "the document is too large (more than 1000000 "
           "nodes with aliases expanded)");
      return;
    }
    if (parent.node->kind == YamlNode::Kind::kSequence) {
      parent.node->items.push_back(std::move(node));
    } else if (parent.pending_key == nullptr) {
      parent.pending_key = std::move(node);
    } else {
      // An empty value (`key:` and nothing) is reported at its key: the
      // parser places it wherever the next token starts.
      if (node->kind == YamlNode::Kind::kNull && node.use_count() == 1) {
        std::const_pointer_cast<YamlNode>(node)->location =
            parent.pending_key->location;
      }
      parent.node->entries.emplace_back(std::move(parent.pending_key),
                                        std::move(node));
      parent.pending_key = nullptr;
    }
  }

  std::vector<Open_> stack_;
  absl::flat_hash_map<YAML::anchor_t, std::shared_ptr<const YamlNode>> anchors_;
};

// Reads the rest of a document without keeping it: used to tell whether a
// second document follows.
class NullHandler : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

std::string_view KindName(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return "null";
    case YamlNode::Kind::kScalar:
      return "a string";
    case YamlNode::Kind::kSequence:
      return "a list";
    case YamlNode::Kind::kMapping:
      return "a mapping";
  }
  return "?";
}

YamlParse ParseYaml(std::string_view text) {
  YamlParse result;
  if (text.size() > kMaxYamlBytes) {
    result.error_location = {1, 1};
    result.error = "the policy file is larger than 16 MiB";
    return result;
  }
  // yaml-cpp stops at a NUL byte as if the text ended there; refuse it so
  // nothing after it is silently ignored.
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    int line = 1, column = 1;
    for (size_t i = 0; i < nul; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    result.error_location = {line, column};
    result.error = "the policy file contains a NUL byte";
    return result;
  }
  std::istringstream stream{std::string(text)};
  TreeBuilder builder;
  try {
    YAML::Parser parser(stream);
    if (!parser.HandleNextDocument(builder) && builder.root == nullptr) {
      // Empty text: a null document.
      auto node = std::make_shared<YamlNode>();
      node->location = {1, 1};
      result.root = std::move(node);
      return result;
    }
    if (!builder.error.empty()) {
      result.error = builder.error;
      result.error_location = builder.error_location;
      return result;
    }
    NullHandler rest;
    if (parser.HandleNextDocument(rest)) {
      result.error = "a policy file holds one YAML document; found a second";
      // The parser does not say where the second document started; point at
      // the end of the first one's root.
      result.error_location =
          builder.root ? builder.root->location : SourceLocation{1, 1};
      return result;
    }
  } catch (const YAML::Exception& e) {
    result.error = e.msg;
    result.error_location = ToLocation(e.mark);
    if (result.error_location.line == 0) result.error_location = {1, 1};
    return result;
  } catch (const std::exception& e) {
    result.error = std::string("cannot parse YAML: ") + e.what();
    result.error_location = {1, 1};
    return result;
  }
  if (builder.root == nullptr) {
    auto node = std::make_shared<YamlNode>();
    node->location = {1, 1};
    builder.root = std::move(node);
  }
  result.root = std::move(builder.root);
  return result;
}

}  // namespace airlock::policy::internal
