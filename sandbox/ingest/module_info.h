// What a Wasm module is, without compiling or running it: whether the engine
// would accept it, its digest, its airlock.manifest custom section, imports,
// exports, memories and the other counts `airlock inspect` prints and the
// daemon's module registry records.
//
// Reads untrusted bytes with libwabt (the same reader, feature set and extra
// checks as the translator, so "valid" here means the translator accepts it;
// unknown imports are the one thing left to instantiation). Never aborts on
// bad input; memory use is a small multiple of the module size.
#ifndef AIRLOCK_SANDBOX_INGEST_MODULE_INFO_H_
#define AIRLOCK_SANDBOX_INGEST_MODULE_INFO_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace airlock::sandbox {

// The custom section that holds a tool's manifest (guest/sdk).
inline constexpr std::string_view kManifestSectionName = "airlock.manifest";
// A manifest larger than this, or nested deeper than kMaxManifestDepth, is
// reported as an error instead of parsed: it is a few KiB in practice, and
// the daemon must not spend unbounded memory or stack on one.
inline constexpr size_t kMaxManifestBytes = 1 << 20;
inline constexpr int kMaxManifestDepth = 64;
inline constexpr uint64_t kWasmPageBytes = 65536;

enum class ExternKind { kFunc, kTable, kMemory, kGlobal, kTag };
// "func", "table", "memory", "global", "tag".
std::string_view ExternKindName(ExternKind kind);

struct FuncSignature {
  std::vector<std::string> params;  // value type names: "i32", "funcref"...
  std::vector<std::string> results;
  // "(i32, i32) -> i32", "() -> ()", "(i32) -> (i32, i64)".
  std::string ToString() const;
};

struct MemoryInfo {
  uint32_t index = 0;  // in the memory index space (imports first)
  bool imported = false;
  uint64_t initial_pages = 0;
  std::optional<uint64_t> max_pages;
  bool shared = false;
  bool memory64 = false;
  // pages * 64 KiB; nullopt if that does not fit in 64 bits (memory64).
  static std::optional<uint64_t> PagesToBytes(uint64_t pages);
  // "2 pages, max 16", "1 page, no max, shared".
  std::string ToString() const;
};

struct TableInfo {
  uint32_t index = 0;  // in the table index space (imports first)
  bool imported = false;
  std::string element_type;  // "funcref" or "externref"
  uint64_t initial = 0;      // elements
  std::optional<uint64_t> max;
  // "funcref, 1 element, max 1".
  std::string ToString() const;
};

struct GlobalType {
  std::string value_type;  // "i32"...
  bool is_mutable = false;
  // "i32" or "mut i32".
  std::string ToString() const;
};

struct ImportInfo {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t index = 0;       // in the index space of its kind
  FuncSignature signature;  // kFunc, kTag
  MemoryInfo memory;        // kMemory
  TableInfo table;          // kTable
  GlobalType global;        // kGlobal
  // The type: "func (i32) -> ()", "memory 1 page, no max", "global mut i32".
  std::string TypeString() const;
};

struct ExportInfo {
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t index = 0;  // in the index space of its kind
  // Filled in when `index` names an entity of the module (always, for a
  // valid module): the signature for functions, the type for globals.
  FuncSignature signature;
  std::optional<GlobalType> global;
  // "func 3 () -> ()", "memory 0", "global 0 mut i32".
  std::string TypeString() const;
};

struct CustomSectionInfo {
  std::string name;     // as in the module: any bytes
  uint64_t offset = 0;  // of the section's id byte in the file
  uint64_t size = 0;    // of the section's contents (after the size field),
                        // name included
};

struct ModuleError {
  std::string message;
  std::optional<uint64_t> offset;  // byte offset in the module, if known
  // "message (at byte offset 0x2c)".
  std::string ToString() const;
};

struct Manifest {
  std::string text;             // the section's payload, unparsed
  nlohmann::ordered_json json;  // parsed (key order kept); null on error
  std::string error;            // why it is not usable; empty if it is
  int sections = 1;             // how many airlock.manifest sections (the
                                // first is used)
};

enum class WasiKind {
  kNone,     // neither _start nor _initialize is exported as a function
  kCommand,  // exports _start (run once, then the instance is gone)
  kReactor,  // exports _initialize and no _start (a library)
};
std::string_view WasiKindName(WasiKind kind);  // "none", "command", "reactor"

struct ModuleInfo {
  uint64_t size_bytes = 0;
  std::string sha256;  // lowercase hex, as the compile cache keys modules

  // kValid: the engine's translator accepts the module (it may still name
  // imports airlock does not provide). Otherwise `errors` says why: the
  // decoding error (kMalformed), the proposal the module uses
  // (kUnsupportedFeature), or the validator's errors (kInvalid).
  enum class Validity { kValid, kMalformed, kUnsupportedFeature, kInvalid };
  Validity validity = Validity::kMalformed;
  std::vector<ModuleError> errors;
  bool valid() const { return validity == Validity::kValid; }

  // decoded: the sections decoded, so the fields below it are filled in
  // (also for a module that uses an unsupported proposal, decoded with that
  // proposal enabled to show what it declares). False for a malformed
  // module; custom_sections and manifest are still filled in up to the
  // first framing error.
  bool decoded = false;
  std::vector<ImportInfo> imports;
  std::vector<ExportInfo> exports;
  std::vector<MemoryInfo> memories;  // imported ones first
  std::vector<TableInfo> tables;     // imported ones first
  uint32_t functions = 0;            // imported + defined
  uint32_t imported_functions = 0;
  uint32_t globals = 0;
  uint32_t imported_globals = 0;
  uint32_t data_segments = 0;
  uint32_t element_segments = 0;
  std::optional<uint32_t> start_function;
  WasiKind wasi = WasiKind::kNone;

  std::vector<CustomSectionInfo> custom_sections;  // in file order
  std::optional<Manifest> manifest;  // nullopt: no airlock.manifest section
};

// "valid", "malformed", "unsupported_feature", "invalid".
std::string_view ValidityName(ModuleInfo::Validity validity);

// OK when `wasm` starts with a Wasm 1 (core module) header. Otherwise
// InvalidArgument saying what it is instead (empty, no \0asm magic,
// WebAssembly text, a component, an unknown binary version), without a file
// name. Cheap; does not look past the 8-byte header.
absl::Status CheckWasmHeader(std::span<const uint8_t> wasm);

// Inspects a module. Fails (as CheckWasmHeader) only when the bytes are not
// a Wasm module at all; a malformed or invalid module is an OK result with
// valid() == false.
//
// libwabt 1.0.32 aborts (assertion) on some malformed modules, e.g. an `if`
// in a global initializer followed by an element segment; callers that must
// survive hostile input run this in a child process, as the translator is
// (see clients/cli/inspect_command.cc), and use InspectModuleUndecoded when
// the child dies.
absl::StatusOr<ModuleInfo> InspectModule(std::span<const uint8_t> wasm);

// What needs no libwabt: size, digest, custom sections and manifest, with
// validity kMalformed and `reason` as the only error (why decoding was not
// possible). Fails as CheckWasmHeader.
absl::StatusOr<ModuleInfo> InspectModuleUndecoded(std::span<const uint8_t> wasm,
                                                  std::string reason);

// The whole ModuleInfo as JSON (docs/cli.md, `airlock inspect --json`).
// Strings with invalid UTF-8 (names are arbitrary bytes) get U+FFFD when
// dumped with error_handler_t::replace.
nlohmann::ordered_json ModuleInfoToJson(const ModuleInfo& info);

}  // namespace airlock::sandbox

#endif  // AIRLOCK_SANDBOX_INGEST_MODULE_INFO_H_
