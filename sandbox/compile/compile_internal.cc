#include "sandbox/compile/compile_internal.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace airlock::sandbox::compile_internal {

CCompilerFamily CCompilerFamilyFromVersion(absl::string_view version_line) {
  return absl::StrContains(absl::AsciiStrToLower(version_line), "clang")
             ? CCompilerFamily::kClang
             : CCompilerFamily::kGcc;
}

absl::string_view CCompilerFamilyName(CCompilerFamily family) {
  return family == CCompilerFamily::kClang ? "clang" : "gcc";
}

std::vector<std::string> CCompileFlags(CCompilerFamily family, int opt_level) {
  std::vector<std::string> flags = {absl::StrCat("-O", opt_level), "-fPIC",
                                    "-fno-optimize-sibling-calls"};
  if (family == CCompilerFamily::kGcc) {
    flags.push_back("-frounding-math");
    flags.push_back("-fsignaling-nans");
  }
  // Not -fstack-clash-protection: it probes a big frame page by page in the
  // prologue, before the generated stack check (which runs after the
  // prologue, before anything is written to the frame) can trap, so a frame
  // that does not fit would crash instead of trapping
  // call_stack_exhausted.
  for (const char* flag :
       {"-fno-strict-aliasing", "-fvisibility=hidden", "-w", "-c"}) {
    flags.push_back(flag);
  }
  return flags;
}

}  // namespace airlock::sandbox::compile_internal
