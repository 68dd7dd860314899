#include "sandbox/runtime/compiled_module.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "sandbox/abi/airlock_rt.h"

namespace airlock::sandbox {
namespace {

// Size of the value cell of a global of type `type` ("i", "mI", "v", ...).
size_t GlobalCellSize(std::string_view type) {
  if (!type.empty() && type[0] == 'm') type.remove_prefix(1);
  if (type.size() != 1) return 0;
  switch (type[0]) {
    case 'i':
    case 'f':
      return 4;
    case 'I':
    case 'F':
      return 8;
    case 'v':
      return 16;
    case 'r':
    case 'e':
      return sizeof(airlock_ref);
  }
  return 0;
}

bool FitsIn(uint64_t offset, uint64_t size, uint64_t instance_size) {
  return offset >= sizeof(airlock_instance_header) && size <= instance_size &&
         offset <= instance_size - size;
}

// The descriptor comes from our own compiler, but a damaged or foreign
// artifact must give an error, not a wild write: check every slot the
// runtime will touch lies inside the instance.
absl::Status ValidateDescriptor(const airlock_module_desc& desc) {
  if (desc.instance_size < sizeof(airlock_instance_header)) {
    return absl::FailedPreconditionError("instance size too small");
  }
  if (desc.init == nullptr || desc.destroy == nullptr) {
    return absl::FailedPreconditionError("no init or destroy function");
  }
  if (desc.num_imports != 0 && desc.imports == nullptr) {
    return absl::FailedPreconditionError("import table missing");
  }
  if (desc.num_exports != 0 && desc.exports == nullptr) {
    return absl::FailedPreconditionError("export table missing");
  }
  for (uint32_t i = 0; i < desc.num_imports; ++i) {
    const airlock_import_desc& imp = desc.imports[i];
    if (imp.module == nullptr || imp.name == nullptr || imp.type == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("import ", i, " has no name or type"));
    }
    size_t slot = sizeof(void*);
    switch (imp.kind) {
      case AIRLOCK_EXTERN_FUNC:
        slot = sizeof(airlock_ref);
        if (imp.thunk == nullptr) {
          return absl::FailedPreconditionError(absl::StrCat(
              "function import ", imp.module, ".", imp.name, " has no thunk"));
        }
        break;
      case AIRLOCK_EXTERN_TABLE:
      case AIRLOCK_EXTERN_MEMORY:
      case AIRLOCK_EXTERN_GLOBAL:
        break;
      default:
        return absl::FailedPreconditionError(absl::StrCat(
            "import ", imp.module, ".", imp.name, " has an unknown kind"));
    }
    if (!FitsIn(imp.offset, slot, desc.instance_size)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "import ", imp.module, ".", imp.name, " lies outside the instance"));
    }
  }
  for (uint32_t i = 0; i < desc.num_exports; ++i) {
    const airlock_export_desc& exp = desc.exports[i];
    if (exp.name == nullptr || exp.type == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("export ", i, " has no name or type"));
    }
    size_t slot = sizeof(void*);
    switch (exp.kind) {
      case AIRLOCK_EXTERN_FUNC:
        if (exp.func_ref == nullptr || exp.invoke == nullptr) {
          return absl::FailedPreconditionError(absl::StrCat(
              "function export ", exp.name, " has no func_ref or invoke"));
        }
        continue;  // no slot
      case AIRLOCK_EXTERN_TABLE:
      case AIRLOCK_EXTERN_MEMORY:
        break;
      case AIRLOCK_EXTERN_GLOBAL:
        if (!exp.indirect) slot = GlobalCellSize(exp.type);
        if (slot == 0) {
          return absl::FailedPreconditionError(
              absl::StrCat("global export ", exp.name, " has a bad type \"",
                           exp.type, "\""));
        }
        break;
      default:
        return absl::FailedPreconditionError(
            absl::StrCat("export ", exp.name, " has an unknown kind"));
    }
    if (!FitsIn(exp.offset, slot, desc.instance_size)) {
      return absl::FailedPreconditionError(
          absl::StrCat("export ", exp.name, " lies outside the instance"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CompiledModule>> CompiledModule::Load(
    const std::string& path, std::string_view expected_cache_key) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    int err = errno;
    std::string message =
        absl::StrCat("cannot load compiled module ", path, ": ", strerror(err));
    if (err == ENOENT) return absl::NotFoundError(message);
    return absl::FailedPreconditionError(message);
  }
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = dlerror();
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load compiled module ", path, ": ",
                     err != nullptr ? err : "dlopen failed"));
  }
  auto fail = [&](std::string problem) {
    dlclose(handle);
    return absl::FailedPreconditionError(
        absl::StrCat("compiled module ", path, " ", problem));
  };
  const auto* desc = static_cast<const airlock_module_desc*>(
      dlsym(handle, AIRLOCK_MODULE_SYMBOL));
  if (desc == nullptr) {
    return fail(absl::StrCat("has no module descriptor (symbol \"",
                             AIRLOCK_MODULE_SYMBOL, "\")"));
  }
  if (desc->abi_version != AIRLOCK_ABI_VERSION) {
    return fail(absl::StrCat("was built for runtime ABI version ",
                             desc->abi_version, ", this runtime has ",
                             AIRLOCK_ABI_VERSION));
  }
  absl::string_view key = desc->cache_key != nullptr ? desc->cache_key : "";
  absl::string_view expected(expected_cache_key.data(),
                             expected_cache_key.size());
  if (key != expected) {
    return fail(absl::StrCat("was built for cache key \"", key,
                             "\", expected \"", expected, "\""));
  }
  if (absl::Status valid = ValidateDescriptor(*desc); !valid.ok()) {
    return fail(absl::StrCat("has a malformed descriptor: ", valid.message()));
  }
  return std::shared_ptr<const CompiledModule>(
      new CompiledModule(handle, desc, path));
}

CompiledModule::CompiledModule(void* handle, const airlock_module_desc* desc,
                               std::string path)
    : handle_(handle), desc_(desc), path_(std::move(path)) {}

CompiledModule::~CompiledModule() { dlclose(handle_); }

const airlock_export_desc* CompiledModule::FindExport(
    std::string_view name) const {
  for (uint32_t i = 0; i < desc_->num_exports; ++i) {
    const airlock_export_desc& e = desc_->exports[i];
    std::string_view export_name(e.name,
                                 e.name_len != 0 ? e.name_len : strlen(e.name));
    if (name == export_name) return &e;
  }
  return nullptr;
}

}  // namespace airlock::sandbox
