// echo: {"text": T} -> {"text": T}. The SDK has already checked that the
// arguments are an object with exactly one string property "text".
#include <string>

#include "airlock/tool.h"

namespace tool = airlock::tool;

namespace {

tool::Result Handle(const tool::Json& args) {
  return tool::Json{{"text", args["text"].get_ref<const std::string&>()}};
}

}  // namespace

AIRLOCK_TOOL_MAIN(Handle)
