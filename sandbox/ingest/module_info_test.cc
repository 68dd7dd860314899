#include "sandbox/ingest/module_info.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace airlock::sandbox {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Modules, as hex of wat2wasm's output; the WebAssembly text is beside each.
//
// (module
//   (import "wasi_snapshot_preview1" "fd_write"
//     (func $fd_write (param i32 i32 i32 i32) (result i32)))
//   (import "env" "counter" (global $counter (mut i64)))
//   (memory (export "memory") 2 16)
//   (table 1 4 funcref)
//   (global $g (mut i32) (i32.const 7))
//   (global (export "answer") i32 (i32.const 42))
//   (func $init)
//   (func (export "_start"))
//   (func (export "add") (param i32 i32) (result i32)
//     (i32.add (local.get 0) (local.get 1)))
//   (start $init)
//   (elem (i32.const 0) $init)
//   (data (i32.const 16) "hi")
//   (data "passive"))
constexpr char kRich[] =
    "0061736d0100000001120360047f7f7f7f017f60000060027f7f017f0232021677617369"
    "5f736e617073686f745f70726576696577310866645f7772697465000003656e7607636f"
    "756e746572037e0103040301010204050170010104050401010210060b027f0141070b7f"
    "00412a0b072204066d656d6f7279020006616e737765720302065f737461727400020361"
    "646400030801010907010041000b01010a0f0302000b02000b0700200020016a0b0b1102"
    "0041100b026869010770617373697665";
// (module (func (export "_initialize"))
//   (func (export "run") (param f32) (result f64 i64)
//     (f64.const 0) (i64.const 0)))
constexpr char kReactor[] =
    "0061736d01000000010a0260000060017d027c7e03030200010715020b5f696e69746961"
    "6c697a6500000372756e00010a120202000b0d0044000000000000000042000b";
// (module (func (export "main")))
constexpr char kNeither[] =
    "0061736d0100000001040160000003020100070801046d61696e00000a040102000b";
// (module (import "env" "mem" (memory 1))
//   (import "env" "tab" (table 2 externref)) (import "env" "g" (global f32)))
constexpr char kImports[] =
    "0061736d0100000002210303656e76036d656d02000103656e7603746162016f00020365"
    "6e760167037d00";
// (module (memory (export "memory") 1 2 shared) (func (export "_start")))
constexpr char kShared[] =
    "0061736d0100000001040160000003020100050401030102071302066d656d6f72790200"
    "065f737461727400000a040102000b";
// (module (func (export "_start") (i32.const 1))): fails validation.
constexpr char kInvalid[] =
    "0061736d0100000001040160000003020100070a01065f737461727400000a0601040041"
    "010b";
// (module (memory 1) (data (i32.const 0) "x")) with the offset expression
// emptied by hand: libwabt's validator misses it, the translator does not.
constexpr char kEmptyOffset[] =
    "0061736d010000000503010001"
    "0b0501000b0178";

std::vector<uint8_t> Bytes(std::string_view s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}
std::vector<uint8_t> Hex(const char* hex) {
  return Bytes(absl::HexStringToBytes(hex));
}

void AppendLeb(uint64_t value, std::vector<uint8_t>* out) {
  do {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    if (value != 0) byte |= 0x80;
    out->push_back(byte);
  } while (value != 0);
}

// Appends a custom section: id 0, LEB128 size, LEB128 name length, name,
// payload.
std::vector<uint8_t> WithCustom(std::vector<uint8_t> module,
                                std::string_view name,
                                std::string_view payload) {
  std::vector<uint8_t> contents;
  AppendLeb(name.size(), &contents);
  contents.insert(contents.end(), name.begin(), name.end());
  contents.insert(contents.end(), payload.begin(), payload.end());
  module.push_back(0);
  AppendLeb(contents.size(), &module);
  module.insert(module.end(), contents.begin(), contents.end());
  return module;
}

ModuleInfo Inspect(const std::vector<uint8_t>& wasm) {
  absl::StatusOr<ModuleInfo> info = InspectModule(wasm);
  EXPECT_TRUE(info.ok()) << info.status();
  return info.ok() ? *std::move(info) : ModuleInfo();
}

std::vector<std::string> ErrorStrings(const ModuleInfo& info) {
  std::vector<std::string> out;
  for (const ModuleError& e : info.errors) out.push_back(e.ToString());
  return out;
}

TEST(InspectModuleTest, DescribesAValidModule) {
  const std::vector<uint8_t> wasm = Hex(kRich);
  ModuleInfo info = Inspect(wasm);
  EXPECT_TRUE(info.valid()) << ::testing::PrintToString(ErrorStrings(info));
  EXPECT_THAT(info.errors, IsEmpty());
  EXPECT_TRUE(info.decoded);
  EXPECT_EQ(info.size_bytes, wasm.size());
  EXPECT_EQ(info.wasi, WasiKind::kCommand);

  ASSERT_EQ(info.imports.size(), 2u);
  EXPECT_EQ(info.imports[0].module, "wasi_snapshot_preview1");
  EXPECT_EQ(info.imports[0].name, "fd_write");
  EXPECT_EQ(info.imports[0].TypeString(), "func (i32, i32, i32, i32) -> i32");
  EXPECT_EQ(info.imports[1].TypeString(), "global mut i64");
  EXPECT_EQ(info.imports[1].index, 0u);

  std::vector<std::string> exports;
  for (const ExportInfo& e : info.exports) {
    exports.push_back(e.name + ": " + e.TypeString());
  }
  EXPECT_THAT(exports, ElementsAre("memory: memory 0", "answer: global 2 i32",
                                   "_start: func 2 () -> ()",
                                   "add: func 3 (i32, i32) -> i32"));

  ASSERT_EQ(info.memories.size(), 1u);
  EXPECT_EQ(info.memories[0].initial_pages, 2u);
  EXPECT_EQ(info.memories[0].max_pages, 16u);
  EXPECT_FALSE(info.memories[0].imported);
  EXPECT_EQ(info.memories[0].ToString(), "2 pages, max 16");
  ASSERT_EQ(info.tables.size(), 1u);
  EXPECT_EQ(info.tables[0].ToString(), "funcref, 1 element, max 4");

  EXPECT_EQ(info.functions, 4u);
  EXPECT_EQ(info.imported_functions, 1u);
  EXPECT_EQ(info.globals, 3u);
  EXPECT_EQ(info.imported_globals, 1u);
  EXPECT_EQ(info.data_segments, 2u);
  EXPECT_EQ(info.element_segments, 1u);
  EXPECT_EQ(info.start_function, 1u);
  EXPECT_THAT(info.custom_sections, IsEmpty());
  EXPECT_FALSE(info.manifest.has_value());
}

TEST(InspectModuleTest, DigestIsSha256OfTheBytes) {
  // sha256sum of the 8-byte empty module.
  ModuleInfo info = Inspect(Bytes(std::string_view("\0asm\1\0\0\0", 8)));
  EXPECT_TRUE(info.valid());
  EXPECT_EQ(info.sha256,
            "93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476");
  EXPECT_EQ(Inspect(Hex(kNeither)).sha256,
            "e564d5cf50083002e041080cd1a2847a063d018edcf15ab8d7642415c8b3526e");
}

TEST(InspectModuleTest, ReadsTheManifestSection) {
  const std::string manifest =
      R"({"name": "echo", "version": "1.0.0", "needs": {"env": []}})";
  std::vector<uint8_t> wasm =
      WithCustom(WithCustom(Hex(kRich), "producers", "xyz"),
                 kManifestSectionName, manifest);
  ModuleInfo info = Inspect(wasm);
  EXPECT_TRUE(info.valid()) << ::testing::PrintToString(ErrorStrings(info));
  ASSERT_TRUE(info.manifest.has_value());
  EXPECT_EQ(info.manifest->error, "");
  EXPECT_EQ(info.manifest->text, manifest);
  EXPECT_EQ(info.manifest->sections, 1);
  // Key order as written.
  EXPECT_EQ(info.manifest->json.dump(),
            R"({"name":"echo","version":"1.0.0","needs":{"env":[]}})");

  ASSERT_EQ(info.custom_sections.size(), 2u);
  EXPECT_EQ(info.custom_sections[0].name, "producers");
  EXPECT_EQ(info.custom_sections[0].size, 1 + 9 + 3u);
  EXPECT_EQ(info.custom_sections[0].offset, Hex(kRich).size());
  EXPECT_EQ(info.custom_sections[1].name, "airlock.manifest");
  EXPECT_EQ(info.custom_sections[1].size, 1 + 16 + manifest.size());
}

TEST(InspectModuleTest, ManifestProblemsAreReportedNotFatal) {
  auto manifest_of = [](std::vector<uint8_t> wasm) {
    ModuleInfo info = Inspect(wasm);
    EXPECT_TRUE(info.valid());  // the module itself is fine
    EXPECT_EQ(info.exports.size(), 1u);
    EXPECT_TRUE(info.manifest.has_value());
    return info.manifest.value_or(Manifest());
  };
  Manifest m = manifest_of(
      WithCustom(Hex(kNeither), kManifestSectionName, R"({"name": "echo",})"));
  EXPECT_THAT(m.error, HasSubstr("is not valid JSON: parse error at line 1"));
  EXPECT_TRUE(m.json.is_null());

  m = manifest_of(WithCustom(Hex(kNeither), kManifestSectionName, "[1, 2]"));
  EXPECT_EQ(m.error, "is JSON but not an object (a array)");

  m = manifest_of(WithCustom(Hex(kNeither), kManifestSectionName, ""));
  EXPECT_THAT(m.error, HasSubstr("is not valid JSON"));

  const std::string deep = std::string(100, '[') + std::string(100, ']');
  m = manifest_of(WithCustom(Hex(kNeither), kManifestSectionName, deep));
  EXPECT_THAT(m.error, HasSubstr("deeper than 64 levels"));

  const std::string big = "\"" + std::string(kMaxManifestBytes, 'a') + "\"";
  m = manifest_of(WithCustom(Hex(kNeither), kManifestSectionName, big));
  EXPECT_THAT(m.error, HasSubstr("over the 1048576-byte limit"));

  // Two manifests: the first counts, and the count says there were two.
  m = manifest_of(
      WithCustom(WithCustom(Hex(kNeither), kManifestSectionName, R"({"a": 1})"),
                 kManifestSectionName, R"({"b": 2})"));
  EXPECT_EQ(m.error, "");
  EXPECT_EQ(m.sections, 2);
  EXPECT_EQ(m.json.dump(), R"({"a":1})");
}

TEST(InspectModuleTest, WasiKinds) {
  ModuleInfo reactor = Inspect(Hex(kReactor));
  EXPECT_TRUE(reactor.valid());
  EXPECT_EQ(reactor.wasi, WasiKind::kReactor);
  ASSERT_EQ(reactor.exports.size(), 2u);
  EXPECT_EQ(reactor.exports[1].TypeString(), "func 1 (f32) -> (f64, i64)");
  EXPECT_EQ(Inspect(Hex(kNeither)).wasi, WasiKind::kNone);
}

TEST(InspectModuleTest, ImportedMemoryTableAndGlobal) {
  ModuleInfo info = Inspect(Hex(kImports));
  EXPECT_TRUE(info.valid());
  ASSERT_EQ(info.imports.size(), 3u);
  EXPECT_EQ(info.imports[0].TypeString(), "memory 1 page, no max");
  EXPECT_EQ(info.imports[1].TypeString(),
            "table externref, 2 elements, no max");
  EXPECT_EQ(info.imports[2].TypeString(), "global f32");
  ASSERT_EQ(info.memories.size(), 1u);
  EXPECT_TRUE(info.memories[0].imported);
  ASSERT_EQ(info.tables.size(), 1u);
  EXPECT_TRUE(info.tables[0].imported);
  EXPECT_EQ(info.imported_globals, 1u);
}

TEST(InspectModuleTest, InvalidModuleIsDescribedWithItsErrors) {
  ModuleInfo info = Inspect(Hex(kInvalid));
  EXPECT_EQ(info.validity, ModuleInfo::Validity::kInvalid);
  EXPECT_FALSE(info.valid());
  ASSERT_EQ(info.errors.size(), 1u);
  EXPECT_THAT(info.errors[0].message, HasSubstr("type mismatch"));
  ASSERT_TRUE(info.errors[0].offset.has_value());
  EXPECT_THAT(info.errors[0].ToString(), HasSubstr("(at byte offset 0x"));
  // Everything else is still there.
  EXPECT_TRUE(info.decoded);
  EXPECT_EQ(info.wasi, WasiKind::kCommand);
  EXPECT_EQ(info.functions, 1u);
}

TEST(InspectModuleTest, EmptyConstantExpressionIsInvalid) {
  ModuleInfo info = Inspect(Hex(kEmptyOffset));
  EXPECT_EQ(info.validity, ModuleInfo::Validity::kInvalid);
  EXPECT_THAT(ErrorStrings(info),
              ElementsAre("type mismatch: a data segment offset is empty"));
}

// Shared memory needs the threads proposal: named, and the module is still
// described (decoded with the proposal enabled).
TEST(InspectModuleTest, UnsupportedFeatureIsNamed) {
  ModuleInfo info = Inspect(Hex(kShared));
  EXPECT_EQ(info.validity, ModuleInfo::Validity::kUnsupportedFeature);
  EXPECT_THAT(ErrorStrings(info),
              ElementsAre("threads (shared memory); airlock runs WebAssembly "
                          "2.0 modules"));
  EXPECT_TRUE(info.decoded);
  ASSERT_EQ(info.memories.size(), 1u);
  EXPECT_TRUE(info.memories[0].shared);
  EXPECT_EQ(info.memories[0].ToString(), "1 page, max 2, shared");
}

TEST(InspectModuleTest, TruncatedModuleIsMalformed) {
  const std::vector<uint8_t> rich = Hex(kRich);
  // Cut inside the import section.
  ModuleInfo info =
      Inspect(std::vector<uint8_t>(rich.begin(), rich.begin() + 40));
  EXPECT_EQ(info.validity, ModuleInfo::Validity::kMalformed);
  EXPECT_FALSE(info.decoded);
  ASSERT_EQ(info.errors.size(), 1u);
  EXPECT_TRUE(info.errors[0].offset.has_value());
  EXPECT_EQ(info.size_bytes, 40u);
  EXPECT_EQ(info.sha256.size(), 64u);

  // Every cut: never a crash; a result is either valid or says why not.
  for (size_t n = 0; n < rich.size(); ++n) {
    absl::StatusOr<ModuleInfo> cut =
        InspectModule(std::span<const uint8_t>(rich.data(), n));
    if (n < 8) {
      EXPECT_FALSE(cut.ok()) << n;
      continue;
    }
    ASSERT_TRUE(cut.ok()) << n << ": " << cut.status();
    EXPECT_EQ(cut->valid(), cut->errors.empty()) << n;
  }
}

TEST(InspectModuleTest, CustomSectionsAreListedUpToAMalformedSection) {
  std::vector<uint8_t> wasm =
      WithCustom(Hex(kNeither), kManifestSectionName, R"({"name": "x"})");
  // A section claiming 4 GiB - 1 bytes.
  for (uint8_t b : {0x00, 0xff, 0xff, 0xff, 0xff, 0x0f}) wasm.push_back(b);
  ModuleInfo info = Inspect(wasm);
  EXPECT_EQ(info.validity, ModuleInfo::Validity::kMalformed);
  ASSERT_EQ(info.custom_sections.size(), 1u);
  ASSERT_TRUE(info.manifest.has_value());
  EXPECT_EQ(info.manifest->json["name"], "x");
}

TEST(InspectModuleTest, LargeCustomSection) {
  const std::string payload(8 << 20, '\xab');
  ModuleInfo info = Inspect(WithCustom(Hex(kNeither), "blob", payload));
  EXPECT_TRUE(info.valid());
  ASSERT_EQ(info.custom_sections.size(), 1u);
  EXPECT_EQ(info.custom_sections[0].size, 5 + payload.size());
}

TEST(InspectModuleTest, NotWasmIsAnError) {
  struct Case {
    std::string bytes;
    std::string message;
  } cases[] = {
      {"", "empty file, not a Wasm module"},
      {"hello, world\n", "not a Wasm module (no \\0asm magic number)"},
      {"  (module)\n", "it looks like WebAssembly text"},
      {std::string("\0as", 3), "truncated header: 3 bytes"},
      {std::string("\0asm\1\0", 6), "truncated header: 6 bytes"},
      {std::string("\0asm\x0d\0\1\0", 8), "a WebAssembly component"},
      {std::string("\0asm\2\0\0\0", 8), "binary version 2, expected 1"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ModuleInfo> info = InspectModule(Bytes(c.bytes));
    ASSERT_FALSE(info.ok()) << absl::CEscape(c.bytes);
    EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(info.status().message(), HasSubstr(c.message));
  }
}

// An element segment after a global initializer that opens an `if`:
// libwabt 1.0.32 fails an assertion reading it (found by fuzzing
// hello.wasm; wasm-validate aborts on it too). The library cannot prevent that;
// it can still describe the module without libwabt, for a caller whose decoding
// child died.
constexpr char kWabtAbort[] =
    "0061736d010000000104016000000607017f004100044009070100410"
    "00b0100";

TEST(InspectModuleUndecodedTest, DescribesWithoutDecoding) {
  absl::StatusOr<ModuleInfo> info = InspectModuleUndecoded(
      WithCustom(Hex(kWabtAbort), kManifestSectionName, R"({"a": 1})"),
      "the decoder crashed");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->validity, ModuleInfo::Validity::kMalformed);
  EXPECT_THAT(ErrorStrings(*info), ElementsAre("the decoder crashed"));
  EXPECT_FALSE(info->decoded);
  EXPECT_EQ(info->sha256.size(), 64u);
  ASSERT_TRUE(info->manifest.has_value());
  EXPECT_EQ(info->manifest->json.dump(), R"({"a":1})");
  EXPECT_FALSE(InspectModuleUndecoded(Bytes("(module)"), "x").ok());
}

// Random byte changes to a module using most sections: never a crash, and
// the result is consistent. Deterministic (fixed seed).
TEST(InspectModuleTest, MutatedModulesNeverCrash) {
  const std::vector<uint8_t> base =
      WithCustom(WithCustom(Hex(kRich), "name", "\x01\x02\x01\x00\x01x"),
                 kManifestSectionName, R"({"name": "x"})");
  std::mt19937 rng(12345);
  int valid = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<uint8_t> wasm = base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = 8 + rng() % (wasm.size() - 8);
      switch (rng() % 4) {
        case 0:
          wasm[at] = static_cast<uint8_t>(rng());
          break;
        case 1:
          wasm[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;
        case 2:
          wasm.erase(wasm.begin() + at);
          break;
        default:
          wasm.insert(wasm.begin() + at, static_cast<uint8_t>(rng()));
          break;
      }
    }
    absl::StatusOr<ModuleInfo> info = InspectModule(wasm);
    ASSERT_TRUE(info.ok()) << info.status();
    ASSERT_EQ(info->valid(), info->errors.empty());
    valid += info->valid();
    (void)ModuleInfoToJson(*info).dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  // Some mutations land in data or names and keep the module valid.
  EXPECT_GT(valid, 0);
}

TEST(ModuleInfoToJsonTest, Shape) {
  nlohmann::ordered_json j = ModuleInfoToJson(
      Inspect(WithCustom(Hex(kRich), kManifestSectionName,
                         R"({"name": "echo", "version": "1"})")));
  EXPECT_EQ(j["valid"], true);
  EXPECT_TRUE(j["problem"].is_null());
  EXPECT_EQ(j["wasi"], "command");
  EXPECT_EQ(j["manifest"]["name"], "echo");
  EXPECT_TRUE(j["manifest_error"].is_null());
  EXPECT_EQ(j["imports"][0]["signature"]["params"].size(), 4u);
  EXPECT_EQ(j["imports"][1]["global"]["mutable"], true);
  EXPECT_EQ(j["exports"][3]["name"], "add");
  EXPECT_EQ(j["exports"][3]["signature"]["results"][0], "i32");
  EXPECT_EQ(j["memories"][0]["initial_bytes"], 131072);
  EXPECT_EQ(j["memories"][0]["max_bytes"], 16 * 65536);
  EXPECT_EQ(j["tables"][0]["element_type"], "funcref");
  EXPECT_EQ(j["functions"]["count"], 4);
  EXPECT_EQ(j["start_function"], 1);
  EXPECT_EQ(j["custom_sections"][0]["name"], "airlock.manifest");

  j = ModuleInfoToJson(Inspect(Hex(kInvalid)));
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(j["problem"], "invalid");
  EXPECT_TRUE(j["errors"][0]["offset"].is_number());
  EXPECT_EQ(j["manifest_error"], "no airlock.manifest section");

  // Malformed: module facts are null, not empty.
  std::vector<uint8_t> rich = Hex(kRich);
  rich.resize(40);
  j = ModuleInfoToJson(Inspect(rich));
  EXPECT_EQ(j["problem"], "malformed");
  EXPECT_TRUE(j["imports"].is_null());
  EXPECT_TRUE(j["functions"].is_null());
  EXPECT_EQ(j["custom_sections"].size(), 0u);
}

}  // namespace
}  // namespace airlock::sandbox
