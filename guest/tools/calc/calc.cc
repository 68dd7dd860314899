// calc: evaluates an arithmetic expression (see eval.h for the language).
// {"expression": "(2 + 3) * 4 / 7", "variables": {...}, "precision": N}
//   -> {"value": 2.857142857142857, "text": "2.857142857142857",
//       "type": "float"}
// Errors are invalid_arguments (syntax, unknown names, math errors such as
// division by zero) or too_large (integers over 10000 digits, float
// overflow, too much work); when the problem has a place in the expression,
// the message ends with "at offset N" and details are {"offset": N}
// (N counts code points from 0).
#include "airlock/tool.h"
#include "eval.h"

namespace tool = airlock::tool;

namespace {

tool::Result Handle(const tool::Json& args) {
  airlock::calc::CalcOptions options;
  auto vars = args.find("variables");
  if (vars != args.end()) options.variables = &*vars;
  auto precision = args.find("precision");
  if (precision != args.end() && precision->is_number()) {
    options.precision = precision->get<int>();
  }
  airlock::calc::CalcOutcome out = airlock::calc::Calculate(
      args["expression"].get_ref<const std::string&>(), options);
  if (!out.error) return std::move(out.result);
  tool::ToolError error{out.error->code, out.error->message, nullptr};
  if (out.error->offset) {
    error.details = tool::Json{{"offset", *out.error->offset}};
  }
  return error;
}

}  // namespace

AIRLOCK_TOOL_MAIN(Handle)
