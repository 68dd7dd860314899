// airlock-manifest: checks a tool's manifest.json at build time and emits
// what airlock_add_tool embeds (cmake/AirlockWasm.cmake):
//
//   airlock-manifest --name NAME [--json-out MIN.json] [--cc-out GEN.cc]
//                    MANIFEST.json
//
// A problem is printed as "MANIFEST.json: POINTER: problem" and exits 1,
// which fails the build before any guest code is compiled.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "airlock/schema.h"

namespace {

using airlock::tool::Json;

constexpr std::string_view kUsage =
    "usage: airlock-manifest --name NAME [--json-out FILE] [--cc-out FILE] "
    "MANIFEST.json\n";

std::string Dump(const Json& v) {
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Guest paths as docs/policy.md defines them for needs.files: absolute,
// normalised, not "/".
std::string CheckGuestPath(const std::string& path) {
  if (path.empty() || path[0] != '/') return "must be an absolute path";
  if (path == "/") return "must not be / (name a folder)";
  if (path.back() == '/') return "must not end with /";
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string_view part(path.data() + start, end - start);
    if (part.empty()) return "must not contain an empty component (//)";
    if (part == "." || part == "..") {
      return "must be normalised (no . or .. component)";
    }
    start = end + 1;
  }
  return "";
}

bool Overlap(const std::string& a, const std::string& b) {
  auto inside = [](const std::string& x, const std::string& y) {
    return x == y || (x.size() > y.size() && x.compare(0, y.size(), y) == 0 &&
                      x[y.size()] == '/');
  };
  return inside(a, b) || inside(b, a);
}

std::string CheckNeeds(const Json& needs) {
  if (!needs.is_object()) {
    return "/needs: must be an object with \"files\" and/or \"env\", got " +
           std::string(airlock::tool::TypeName(needs));
  }
  for (const auto& item : needs.items()) {
    if (item.key() != "files" && item.key() != "env") {
      return "/needs: unknown key " + Dump(Json(item.key())) +
             " (allowed: files, env)";
    }
  }
  if (auto files = needs.find("files"); files != needs.end()) {
    if (!files->is_array()) return "/needs/files: must be an array";
    std::vector<std::string> paths;
    for (size_t i = 0; i < files->size(); ++i) {
      const Json& f = (*files)[i];
      std::string at = "/needs/files/" + std::to_string(i);
      std::string path;
      if (f.is_string()) {
        path = f.get<std::string>();
      } else if (f.is_object()) {
        for (const auto& item : f.items()) {
          if (item.key() != "path" && item.key() != "mode") {
            return at + ": unknown key " + Dump(Json(item.key())) +
                   " (allowed: path, mode)";
          }
        }
        auto p = f.find("path");
        if (p == f.end() || !p->is_string()) {
          return at + ": needs \"path\" (a guest path string)";
        }
        path = p->get<std::string>();
        if (auto mode = f.find("mode"); mode != f.end()) {
          if (*mode != "ro" && *mode != "rw") {
            return at + "/mode: must be \"ro\" or \"rw\", got " + Dump(*mode);
          }
        }
      } else {
        return at +
               ": must be a guest path or {\"path\": ..., \"mode\": "
               "\"ro\"|\"rw\"}, got " +
               Dump(f);
      }
      if (std::string e = CheckGuestPath(path); !e.empty()) {
        return at + ": " + Dump(Json(path)) + " " + e;
      }
      for (size_t j = 0; j < paths.size(); ++j) {
        if (Overlap(paths[j], path)) {
          return at + ": " + Dump(Json(path)) + " overlaps /needs/files/" +
                 std::to_string(j) + " " + Dump(Json(paths[j]));
        }
      }
      paths.push_back(path);
    }
  }
  if (auto env = needs.find("env"); env != needs.end()) {
    if (!env->is_array()) return "/needs/env: must be an array of names";
    static const std::regex kName("[A-Za-z_][A-Za-z0-9_]*");
    for (size_t i = 0; i < env->size(); ++i) {
      const Json& e = (*env)[i];
      std::string at = "/needs/env/" + std::to_string(i);
      if (!e.is_string() || !std::regex_match(e.get<std::string>(), kName)) {
        return at + ": must be a variable name ([A-Za-z_][A-Za-z0-9_]*), got " +
               Dump(e);
      }
      for (size_t j = 0; j < i; ++j) {
        if ((*env)[j] == e) return at + ": duplicate name " + Dump(e);
      }
    }
  }
  return "";
}

// Returns "" or the manifest's first problem as "POINTER: problem".
std::string CheckManifest(const Json& m, const std::string& name) {
  if (!m.is_object()) {
    return "/: the manifest must be a JSON object, got " +
           std::string(airlock::tool::TypeName(m));
  }
  static const char* const kKeys[] = {"name",          "version",
                                      "description",   "input_schema",
                                      "output_schema", "needs"};
  for (const auto& item : m.items()) {
    bool known = false;
    for (const char* k : kKeys) known = known || item.key() == k;
    if (!known) {
      return "/" + item.key() +
             ": unknown key (allowed: name, version, description, "
             "input_schema, output_schema, needs)";
    }
  }
  for (const char* k :
       {"name", "version", "description", "input_schema", "output_schema"}) {
    if (!m.contains(k))
      return std::string("/: missing required key \"") + k + "\"";
  }
  for (const char* k : {"name", "version", "description"}) {
    if (!m[k].is_string() || m[k].get<std::string>().empty()) {
      return std::string("/") + k + ": must be a non-empty string, got " +
             Dump(m[k]);
    }
  }
  if (m["name"] != name) {
    return "/name: " + Dump(m["name"]) + " does not match the tool name \"" +
           name + "\" given to airlock_add_tool";
  }
  static const std::regex kName("[A-Za-z0-9_-]{1,64}");
  if (!std::regex_match(name, kName)) {
    return "/name: must match [A-Za-z0-9_-]{1,64}";
  }
  static const std::regex kVersion(
      "(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)([-+][0-9A-Za-z.+-]*)"
      "?");
  if (!std::regex_match(m["version"].get<std::string>(), kVersion)) {
    return "/version: must be a semantic version MAJOR.MINOR.PATCH, got " +
           Dump(m["version"]);
  }
  if (std::string e =
          airlock::tool::CheckSchema(m["input_schema"], "/input_schema");
      !e.empty()) {
    return e;
  }
  if (m["input_schema"].value("type", Json()) != "object") {
    return "/input_schema/type: must be \"object\" (a tool's arguments are a "
           "JSON object)";
  }
  if (std::string e =
          airlock::tool::CheckSchema(m["output_schema"], "/output_schema");
      !e.empty()) {
    return e;
  }
  if (auto needs = m.find("needs"); needs != m.end()) {
    return CheckNeeds(*needs);
  }
  return "";
}

// `schema` without the annotations (description, title, examples), which
// validation never reads: every byte the guest parses per call costs fuel.
Json StripAnnotations(const Json& schema) {
  if (!schema.is_object()) return schema;
  Json out = Json::object();
  for (const auto& item : schema.items()) {
    const std::string& k = item.key();
    if (k == "description" || k == "title" || k == "examples") continue;
    if (k == "properties") {
      Json props = Json::object();
      for (const auto& p : item.value().items()) {
        props[p.key()] = StripAnnotations(p.value());
      }
      out[k] = std::move(props);
    } else if (k == "items" || k == "additionalProperties") {
      out[k] = StripAnnotations(item.value());
    } else {
      out[k] = item.value();
    }
  }
  return out;
}

// A C++ string literal holding `text` (escaped, so any manifest is safe).
std::string CxxLiteral(std::string_view text) {
  std::string out = "\"";
  size_t line = 0;
  for (unsigned char c : text) {
    if (++line > 76) {  // keep generated lines short
      out += "\"\n    \"";
      line = 0;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

bool WriteFile(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
  f.close();
  if (!f) {
    std::fprintf(stderr, "airlock-manifest: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name, json_out, cc_out, input;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    std::optional<std::string> value;
    if ((a == "--name" || a == "--json-out" || a == "--cc-out") &&
        i + 1 < argc) {
      value = argv[++i];
    }
    if (a == "--name" && value) {
      name = *value;
    } else if (a == "--json-out" && value) {
      json_out = *value;
    } else if (a == "--cc-out" && value) {
      cc_out = *value;
    } else if (!a.empty() && a[0] != '-' && input.empty()) {
      input = a;
    } else {
      std::fputs(kUsage.data(), stderr);
      return 2;
    }
  }
  if (name.empty() || input.empty()) {
    std::fputs(kUsage.data(), stderr);
    return 2;
  }

  std::ifstream f(input, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "%s: cannot read the manifest\n", input.c_str());
    return 1;
  }
  std::string text{std::istreambuf_iterator<char>(f), {}};
  Json manifest;
  try {
    manifest = Json::parse(text);
  } catch (const Json::exception& e) {
    std::string what = e.what();
    if (size_t p = what.find("] "); p != std::string::npos)
      what.erase(0, p + 2);
    std::fprintf(stderr, "%s: not valid JSON: %s\n", input.c_str(),
                 what.c_str());
    return 1;
  }
  if (std::string e = CheckManifest(manifest, name); !e.empty()) {
    std::fprintf(stderr, "%s: %s\n", input.c_str(), e.c_str());
    return 1;
  }

  std::string minified = Dump(manifest);
  if (!json_out.empty() && !WriteFile(json_out, minified)) return 1;
  if (!cc_out.empty()) {
    Json schemas = {
        {"input_schema", StripAnnotations(manifest["input_schema"])},
        {"output_schema", StripAnnotations(manifest["output_schema"])}};
    std::string cc =
        "// Generated by airlock-manifest from " + input +
        "; do not edit.\n"
        "// The manifest's schemas without annotations: what the SDK "
        "validates\n// calls against.\n"
        "#include <string_view>\n\n"
        "namespace airlock::tool::internal {\n\n"
        "std::string_view SchemasText() {\n"
        "  static constexpr char kSchemas[] =\n    " +
        CxxLiteral(Dump(schemas)) +
        ";\n"
        "  return {kSchemas, sizeof(kSchemas) - 1};\n"
        "}\n\n"
        "}  // namespace airlock::tool::internal\n";
    if (!WriteFile(cc_out, cc)) return 1;
  }
  return 0;
}
