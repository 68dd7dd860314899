#include "sandbox/ingest/module_info.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sandbox/compile/compiler.h"
#include "sandbox/ingest/features.h"
#include "wabt/binary-reader-ir.h"
#include "wabt/binary-reader.h"
#include "wabt/cast.h"
#include "wabt/feature.h"
#include "wabt/ir.h"
#include "wabt/validator.h"

namespace airlock::sandbox {

namespace {

using wabt::Expr;
using wabt::ExprList;
using wabt::ExprType;
using wabt::Index;

// This abseil's string_view is its own type, not std::string_view.
absl::string_view AV(std::string_view s) { return {s.data(), s.size()}; }

// More validator errors than this are summed up in one line: the first few
// say what is wrong, and a hostile module could have millions.
constexpr size_t kMaxErrors = 100;

// ---------------------------------------------------------------------------
// The binary header and section framing, read directly: it tells "not Wasm
// at all" apart from "a broken module", and custom sections (libwabt 1.0.32
// keeps none in its IR) are listed even when a later section is malformed.

class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> data, size_t pos, size_t end)
      : data_(data), pos_(pos), end_(end) {}
  size_t pos() const { return pos_; }
  size_t remaining() const { return end_ - pos_; }

  bool ReadByte(uint8_t* out) {
    if (pos_ >= end_) return false;
    *out = data_[pos_++];
    return true;
  }
  // An unsigned LEB128 u32: at most 5 bytes, no bits past 32.
  bool ReadU32(uint32_t* out) {
    uint32_t value = 0;
    for (int i = 0; i < 5; ++i) {
      uint8_t byte;
      if (!ReadByte(&byte)) return false;
      if (i == 4 && (byte & 0xf0) != 0) return false;
      value |= static_cast<uint32_t>(byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0) {
        *out = value;
        return true;
      }
    }
    return false;
  }
  void Skip(size_t n) { pos_ += n; }

 private:
  std::span<const uint8_t> data_;
  size_t pos_;
  size_t end_;
};

absl::Status CheckHeader(std::span<const uint8_t> wasm) {
  static constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6d};
  if (wasm.empty()) {
    return absl::InvalidArgumentError("empty file, not a Wasm module");
  }
  const size_t magic_bytes = std::min<size_t>(wasm.size(), 4);
  if (std::memcmp(wasm.data(), kMagic, magic_bytes) == 0) {
    if (wasm.size() < 8) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a Wasm module (truncated header: ", wasm.size(),
                       " bytes, a module starts with 8)"));
    }
  } else {
    size_t i = 0;
    while (i < wasm.size() && (wasm[i] == ' ' || wasm[i] == '\t' ||
                               wasm[i] == '\n' || wasm[i] == '\r')) {
      ++i;
    }
    if (i < wasm.size() && (wasm[i] == '(' || wasm[i] == ';')) {
      return absl::InvalidArgumentError(
          "not a Wasm binary (it looks like WebAssembly text; convert it "
          "with wat2wasm)");
    }
    return absl::InvalidArgumentError(
        "not a Wasm module (no \\0asm magic number)");
  }
  const uint32_t version = wasm[4] | wasm[5] << 8 | wasm[6] << 16 |
                           static_cast<uint32_t>(wasm[7]) << 24;
  if (version == 1) return absl::OkStatus();
  // Component-model binaries share the magic; version 0x0d, layer 1.
  if (wasm[4] == 0x0d && wasm[5] == 0x00 && wasm[6] == 0x01 &&
      wasm[7] == 0x00) {
    return absl::InvalidArgumentError(
        "a WebAssembly component, not a core module (airlock runs core "
        "WebAssembly 2.0 modules)");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "not a Wasm module (binary version ", version, ", expected 1)"));
}

// Lists the custom sections and takes the manifest's payload, stopping
// quietly at the first framing error (libwabt reports it).
void ReadCustomSections(std::span<const uint8_t> wasm, ModuleInfo* info,
                        std::optional<std::string>* manifest_text,
                        int* manifest_sections) {
  ByteReader r(wasm, 8, wasm.size());
  while (r.remaining() > 0) {
    const size_t start = r.pos();
    uint8_t id;
    uint32_t size;
    if (!r.ReadByte(&id) || !r.ReadU32(&size) || size > r.remaining()) return;
    const size_t end = r.pos() + size;
    if (id == 0) {
      ByteReader s(wasm, r.pos(), end);
      uint32_t name_size;
      if (!s.ReadU32(&name_size) || name_size > s.remaining()) return;
      CustomSectionInfo custom;
      custom.name.assign(reinterpret_cast<const char*>(&wasm[s.pos()]),
                         name_size);
      custom.offset = start;
      custom.size = size;
      s.Skip(name_size);
      if (custom.name == kManifestSectionName) {
        if (++*manifest_sections == 1) {
          manifest_text->emplace(reinterpret_cast<const char*>(&wasm[s.pos()]),
                                 s.remaining());
        }
      }
      info->custom_sections.push_back(std::move(custom));
    }
    r.Skip(size);
  }
}

// The deepest nesting of arrays and objects in `text` (strings skipped),
// so a hostile manifest cannot exhaust the stack of a recursive consumer.
int JsonDepth(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

Manifest ParseManifest(std::string text, int sections) {
  Manifest m;
  m.text = std::move(text);
  m.sections = sections;
  if (m.text.size() > kMaxManifestBytes) {
    m.error = absl::StrCat("is ", m.text.size(), " bytes, over the ",
                           kMaxManifestBytes, "-byte limit; not parsed");
    return m;
  }
  if (JsonDepth(m.text) > kMaxManifestDepth) {
    m.error = absl::StrCat("nests arrays and objects deeper than ",
                           kMaxManifestDepth, " levels; not parsed");
    return m;
  }
  // With exceptions, for the parser's message: where, and what it expected.
  nlohmann::ordered_json json;
  try {
    json = nlohmann::ordered_json::parse(m.text);
  } catch (const nlohmann::ordered_json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1,
    // column 5: syntax error while parsing ..."; keep from "parse error".
    const std::string what = e.what();
    const size_t at = what.find("parse error");
    m.error = "is not valid JSON: " +
              (at == std::string::npos ? what : what.substr(at));
    return m;
  }
  if (!json.is_object()) {
    m.error =
        absl::StrCat("is JSON but not an object (a ", json.type_name(), ")");
    return m;
  }
  m.json = std::move(json);
  return m;
}

// What airlock runs: the checks the translator makes too
// (sandbox/ingest/features.h), so "valid" agrees with `airlock run`.
struct Problem {
  ModuleInfo::Validity validity;
  std::string message;
};

std::optional<Problem> CheckSupported(const wabt::Module& m) {
  std::optional<FeatureProblem> p = CheckFeatures(m);
  if (!p) return std::nullopt;
  return Problem{p->kind == FeatureProblem::Kind::kUnsupported
                     ? ModuleInfo::Validity::kUnsupportedFeature
                     : ModuleInfo::Validity::kInvalid,
                 std::move(p->message)};
}

wabt::Result ReadWith(std::span<const uint8_t> wasm,
                      const wabt::Features& features, wabt::Errors* errors,
                      wabt::Module* module) {
  wabt::ReadBinaryOptions options(features, nullptr,
                                  /*read_debug_names=*/false,
                                  /*stop_on_first_error=*/true,
                                  // As the translator: custom section framing
                                  // errors make a module malformed.
                                  /*fail_on_custom_section_error=*/true);
  return wabt::ReadBinaryIr("module.wasm", wasm.data(), wasm.size(), options,
                            errors, module);
}

ModuleError Error(std::string message) {
  ModuleError e;
  e.message = std::move(message);
  return e;
}

void AddErrors(const wabt::Errors& errors, ModuleInfo* info) {
  size_t omitted = 0;
  for (const wabt::Error& e : errors) {
    if (e.error_level != wabt::ErrorLevel::Error) continue;
    if (info->errors.size() >= kMaxErrors) {
      ++omitted;
      continue;
    }
    ModuleError error;
    error.message = e.message;
    if (e.loc.offset != wabt::kInvalidOffset) error.offset = e.loc.offset;
    info->errors.push_back(std::move(error));
  }
  if (omitted > 0) {
    info->errors.push_back(
        Error(absl::StrCat("... and ", omitted, " more errors")));
  }
}

// ---------------------------------------------------------------------------
// Facts from the decoded module. Indices are checked before use: a module
// decoded with extended features is not validated.

std::string TypeName(wabt::Type t) { return t.GetName(); }

FuncSignature Signature(const wabt::FuncSignature& sig) {
  FuncSignature out;
  for (wabt::Type t : sig.param_types) out.params.push_back(TypeName(t));
  for (wabt::Type t : sig.result_types) out.results.push_back(TypeName(t));
  return out;
}

MemoryInfo Memory(const wabt::Memory& mem, uint32_t index, bool imported) {
  const wabt::Limits& l = mem.page_limits;
  MemoryInfo info;
  info.index = index;
  info.imported = imported;
  info.initial_pages = l.initial;
  info.shared = l.is_shared;
  info.memory64 = l.is_64;
  if (l.has_max) info.max_pages = l.max;
  return info;
}

TableInfo Table(const wabt::Table& table, uint32_t index, bool imported) {
  TableInfo info;
  info.index = index;
  info.imported = imported;
  info.element_type = TypeName(table.elem_type);
  info.initial = table.elem_limits.initial;
  if (table.elem_limits.has_max) info.max = table.elem_limits.max;
  return info;
}

void Describe(const wabt::Module& m, ModuleInfo* info) {
  info->decoded = true;
  uint32_t counts[5] = {};  // next index per ExternKind
  for (const wabt::Import* import : m.imports) {
    ImportInfo out;
    out.module = import->module_name;
    out.name = import->field_name;
    switch (import->kind()) {
      case wabt::ExternalKind::Func:
        out.kind = ExternKind::kFunc;
        out.signature =
            Signature(wabt::cast<wabt::FuncImport>(import)->func.decl.sig);
        break;
      case wabt::ExternalKind::Table:
        out.kind = ExternKind::kTable;
        out.table = Table(wabt::cast<wabt::TableImport>(import)->table,
                          counts[static_cast<int>(out.kind)], true);
        break;
      case wabt::ExternalKind::Memory:
        out.kind = ExternKind::kMemory;
        out.memory = Memory(wabt::cast<wabt::MemoryImport>(import)->memory,
                            counts[static_cast<int>(out.kind)], true);
        break;
      case wabt::ExternalKind::Global: {
        out.kind = ExternKind::kGlobal;
        const wabt::Global& g = wabt::cast<wabt::GlobalImport>(import)->global;
        out.global = {TypeName(g.type), g.mutable_};
        break;
      }
      case wabt::ExternalKind::Tag:
        out.kind = ExternKind::kTag;
        out.signature =
            Signature(wabt::cast<wabt::TagImport>(import)->tag.decl.sig);
        break;
    }
    out.index = counts[static_cast<int>(out.kind)]++;
    info->imports.push_back(std::move(out));
  }
  for (size_t i = 0; i < m.memories.size(); ++i) {
    info->memories.push_back(Memory(*m.memories[i], static_cast<uint32_t>(i),
                                    i < m.num_memory_imports));
  }
  for (size_t i = 0; i < m.tables.size(); ++i) {
    info->tables.push_back(
        Table(*m.tables[i], static_cast<uint32_t>(i), i < m.num_table_imports));
  }
  info->functions = static_cast<uint32_t>(m.funcs.size());
  info->imported_functions = m.num_func_imports;
  info->globals = static_cast<uint32_t>(m.globals.size());
  info->imported_globals = m.num_global_imports;
  info->data_segments = static_cast<uint32_t>(m.data_segments.size());
  info->element_segments = static_cast<uint32_t>(m.elem_segments.size());
  if (!m.starts.empty() && m.starts.front()->is_index()) {
    info->start_function = m.starts.front()->index();
  }
  bool start = false, initialize = false;
  for (const wabt::Export* e : m.exports) {
    if (!e->var.is_index()) continue;  // never from the binary reader
    ExportInfo out;
    out.name = e->name;
    out.index = e->var.index();
    switch (e->kind) {
      case wabt::ExternalKind::Func:
        out.kind = ExternKind::kFunc;
        if (out.index < m.funcs.size()) {
          out.signature = Signature(m.funcs[out.index]->decl.sig);
        }
        start |= out.name == "_start";
        initialize |= out.name == "_initialize";
        break;
      case wabt::ExternalKind::Table:
        out.kind = ExternKind::kTable;
        break;
      case wabt::ExternalKind::Memory:
        out.kind = ExternKind::kMemory;
        break;
      case wabt::ExternalKind::Global:
        out.kind = ExternKind::kGlobal;
        if (out.index < m.globals.size()) {
          const wabt::Global& g = *m.globals[out.index];
          out.global = GlobalType{TypeName(g.type), g.mutable_};
        }
        break;
      case wabt::ExternalKind::Tag:
        out.kind = ExternKind::kTag;
        break;
    }
    info->exports.push_back(std::move(out));
  }
  info->wasi = start        ? WasiKind::kCommand
               : initialize ? WasiKind::kReactor
                            : WasiKind::kNone;
}

std::string Plural(uint64_t n, std::string_view one, std::string_view many) {
  return absl::StrCat(n, " ", AV(n == 1 ? one : many));
}

// ---------------------------------------------------------------------------
// JSON.

using Json = nlohmann::ordered_json;

Json OptionalJson(const std::optional<uint64_t>& v) {
  return v ? Json(*v) : Json(nullptr);
}

Json SignatureJson(const FuncSignature& sig) {
  return {{"params", sig.params}, {"results", sig.results}};
}

Json MemoryJson(const MemoryInfo& m) {
  Json j = {{"index", m.index},
            {"imported", m.imported},
            {"initial_pages", m.initial_pages},
            {"max_pages", OptionalJson(m.max_pages)},
            {"initial_bytes",
             OptionalJson(MemoryInfo::PagesToBytes(m.initial_pages))},
            {"max_bytes", nullptr},
            {"shared", m.shared},
            {"memory64", m.memory64}};
  if (m.max_pages) {
    j["max_bytes"] = OptionalJson(MemoryInfo::PagesToBytes(*m.max_pages));
  }
  return j;
}

Json TableJson(const TableInfo& t) {
  return {{"index", t.index},
          {"imported", t.imported},
          {"element_type", t.element_type},
          {"initial", t.initial},
          {"max", OptionalJson(t.max)}};
}

Json GlobalJson(const GlobalType& g) {
  return {{"value_type", g.value_type}, {"mutable", g.is_mutable}};
}

}  // namespace

std::string_view ExternKindName(ExternKind kind) {
  switch (kind) {
    case ExternKind::kFunc:
      return "func";
    case ExternKind::kTable:
      return "table";
    case ExternKind::kMemory:
      return "memory";
    case ExternKind::kGlobal:
      return "global";
    case ExternKind::kTag:
      return "tag";
  }
  return "?";
}

std::string_view WasiKindName(WasiKind kind) {
  switch (kind) {
    case WasiKind::kNone:
      return "none";
    case WasiKind::kCommand:
      return "command";
    case WasiKind::kReactor:
      return "reactor";
  }
  return "?";
}

std::string_view ValidityName(ModuleInfo::Validity v) {
  switch (v) {
    case ModuleInfo::Validity::kValid:
      return "valid";
    case ModuleInfo::Validity::kMalformed:
      return "malformed";
    case ModuleInfo::Validity::kUnsupportedFeature:
      return "unsupported_feature";
    case ModuleInfo::Validity::kInvalid:
      return "invalid";
  }
  return "?";
}

std::string FuncSignature::ToString() const {
  const std::string out =
      results.size() == 1
          ? results[0]
          : absl::StrCat("(", absl::StrJoin(results, ", "), ")");
  return absl::StrCat("(", absl::StrJoin(params, ", "), ") -> ", out);
}

std::optional<uint64_t> MemoryInfo::PagesToBytes(uint64_t pages) {
  if (pages > UINT64_MAX / kWasmPageBytes) return std::nullopt;
  return pages * kWasmPageBytes;
}

std::string MemoryInfo::ToString() const {
  std::string s = Plural(initial_pages, "page", "pages");
  absl::StrAppend(&s, max_pages ? absl::StrCat(", max ", *max_pages)
                                : std::string(", no max"));
  if (shared) s += ", shared";
  if (memory64) s += ", memory64";
  return s;
}

std::string TableInfo::ToString() const {
  return absl::StrCat(element_type, ", ",
                      Plural(initial, "element", "elements"),
                      max ? absl::StrCat(", max ", *max) : ", no max");
}

std::string GlobalType::ToString() const {
  return is_mutable ? "mut " + value_type : value_type;
}

std::string ImportInfo::TypeString() const {
  switch (kind) {
    case ExternKind::kFunc:
      return "func " + signature.ToString();
    case ExternKind::kTable:
      return "table " + table.ToString();
    case ExternKind::kMemory:
      return "memory " + memory.ToString();
    case ExternKind::kGlobal:
      return "global " + global.ToString();
    case ExternKind::kTag:
      return "tag " + signature.ToString();
  }
  return "?";
}

std::string ExportInfo::TypeString() const {
  std::string s = absl::StrCat(AV(ExternKindName(kind)), " ", index);
  if (kind == ExternKind::kFunc) absl::StrAppend(&s, " ", signature.ToString());
  if (global) absl::StrAppend(&s, " ", global->ToString());
  return s;
}

std::string ModuleError::ToString() const {
  if (!offset) return message;
  return absl::StrFormat("%s (at byte offset 0x%x)", message, *offset);
}

absl::Status CheckWasmHeader(std::span<const uint8_t> wasm) {
  return CheckHeader(wasm);
}

absl::StatusOr<ModuleInfo> InspectModuleUndecoded(std::span<const uint8_t> wasm,
                                                  std::string reason) {
  if (absl::Status s = CheckWasmHeader(wasm); !s.ok()) return s;
  ModuleInfo info;
  info.size_bytes = wasm.size();
  info.sha256 = Sha256Hex(wasm);
  std::optional<std::string> manifest_text;
  int manifest_sections = 0;
  ReadCustomSections(wasm, &info, &manifest_text, &manifest_sections);
  if (manifest_text) {
    info.manifest = ParseManifest(*std::move(manifest_text), manifest_sections);
  }
  info.validity = ModuleInfo::Validity::kMalformed;
  info.errors.push_back(Error(std::move(reason)));
  return info;
}

absl::StatusOr<ModuleInfo> InspectModule(std::span<const uint8_t> wasm) {
  absl::StatusOr<ModuleInfo> undecoded = InspectModuleUndecoded(wasm, "");
  if (!undecoded.ok()) return undecoded.status();
  ModuleInfo info = *std::move(undecoded);
  info.errors.clear();

  // As the translator: read as 2.0; if that fails, see whether it decodes
  // with post-2.0 proposals, to name the one it uses.
  auto module = std::make_unique<wabt::Module>();
  wabt::Errors errors;
  if (wabt::Failed(ReadWith(wasm, Wasm2Features(), &errors, module.get()))) {
    auto extended = std::make_unique<wabt::Module>();
    wabt::Errors ignored;
    if (wabt::Succeeded(
            ReadWith(wasm, ExtendedFeatures(), &ignored, extended.get()))) {
      if (std::optional<Problem> p = CheckSupported(*extended)) {
        info.validity = p->validity;
        info.errors.push_back(Error(p->message));
        Describe(*extended, &info);
        return info;
      }
    }
    info.validity = ModuleInfo::Validity::kMalformed;
    AddErrors(errors, &info);
    if (info.errors.empty()) info.errors.push_back(Error("unreadable"));
    return info;
  }
  Describe(*module, &info);
  if (std::optional<Problem> p = CheckSupported(*module)) {
    info.validity = p->validity;
    info.errors.push_back(Error(p->message));
    return info;
  }
  wabt::ValidateOptions options(Wasm2Features());
  if (wabt::Failed(wabt::ValidateModule(module.get(), &errors, options))) {
    info.validity = ModuleInfo::Validity::kInvalid;
    AddErrors(errors, &info);
    if (info.errors.empty()) info.errors.push_back(Error("invalid"));
    return info;
  }
  info.validity = ModuleInfo::Validity::kValid;
  return info;
}

nlohmann::ordered_json ModuleInfoToJson(const ModuleInfo& info) {
  Json j;
  j["size_bytes"] = info.size_bytes;
  j["sha256"] = info.sha256;
  j["valid"] = info.valid();
  j["problem"] = info.valid() ? Json(nullptr)
                              : Json(std::string(ValidityName(info.validity)));
  Json errors = Json::array();
  for (const ModuleError& e : info.errors) {
    errors.push_back(
        {{"message", e.message}, {"offset", OptionalJson(e.offset)}});
  }
  j["errors"] = std::move(errors);
  j["decoded"] = info.decoded;
  j["wasi"] =
      info.decoded ? Json(std::string(WasiKindName(info.wasi))) : Json(nullptr);
  j["manifest"] = nullptr;
  j["manifest_error"] = nullptr;
  if (!info.manifest) {
    j["manifest_error"] = "no airlock.manifest section";
  } else if (!info.manifest->error.empty()) {
    j["manifest_error"] = "airlock.manifest " + info.manifest->error;
  } else {
    j["manifest"] = info.manifest->json;
  }
  if (info.manifest && info.manifest->sections > 1) {
    j["manifest_sections"] = info.manifest->sections;
  }

  Json imports = nullptr, exports = nullptr, memories = nullptr,
       tables = nullptr;
  if (info.decoded) {
    imports = Json::array();
    for (const ImportInfo& i : info.imports) {
      Json imp = {{"module", i.module},
                  {"name", i.name},
                  {"kind", std::string(ExternKindName(i.kind))},
                  {"index", i.index},
                  {"type", i.TypeString()}};
      switch (i.kind) {
        case ExternKind::kFunc:
        case ExternKind::kTag:
          imp["signature"] = SignatureJson(i.signature);
          break;
        case ExternKind::kMemory:
          imp["memory"] = MemoryJson(i.memory);
          break;
        case ExternKind::kTable:
          imp["table"] = TableJson(i.table);
          break;
        case ExternKind::kGlobal:
          imp["global"] = GlobalJson(i.global);
          break;
      }
      imports.push_back(std::move(imp));
    }
    exports = Json::array();
    for (const ExportInfo& e : info.exports) {
      Json exp = {{"name", e.name},
                  {"kind", std::string(ExternKindName(e.kind))},
                  {"index", e.index},
                  {"type", e.TypeString()}};
      if (e.kind == ExternKind::kFunc) {
        exp["signature"] = SignatureJson(e.signature);
      }
      if (e.global) exp["global"] = GlobalJson(*e.global);
      exports.push_back(std::move(exp));
    }
    memories = Json::array();
    for (const MemoryInfo& m : info.memories) memories.push_back(MemoryJson(m));
    tables = Json::array();
    for (const TableInfo& t : info.tables) tables.push_back(TableJson(t));
  }
  j["imports"] = std::move(imports);
  j["exports"] = std::move(exports);
  j["memories"] = std::move(memories);
  j["tables"] = std::move(tables);
  if (info.decoded) {
    j["functions"] = {{"count", info.functions},
                      {"imported", info.imported_functions}};
    j["globals"] = {{"count", info.globals},
                    {"imported", info.imported_globals}};
    j["data_segments"] = info.data_segments;
    j["element_segments"] = info.element_segments;
    j["start_function"] =
        info.start_function ? Json(*info.start_function) : Json(nullptr);
  } else {
    for (const char* key : {"functions", "globals", "data_segments",
                            "element_segments", "start_function"}) {
      j[key] = nullptr;
    }
  }
  Json customs = Json::array();
  for (const CustomSectionInfo& c : info.custom_sections) {
    customs.push_back(
        {{"name", c.name}, {"offset", c.offset}, {"size_bytes", c.size}});
  }
  j["custom_sections"] = std::move(customs);
  return j;
}

}  // namespace airlock::sandbox
