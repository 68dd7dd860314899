#include "clients/cli/policy_command.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clients/cli/run_command.h"
#include "nlohmann/json.hpp"
#include "policy/policy.h"
#include "policy/units.h"

namespace airlock::cli {

namespace {

using policy::Decision;
using policy::LimitKind;

constexpr std::string_view kHelp = R"(usage: airlock policy COMMAND ...

commands:
  check [--strict] FILE...   validate policies; prints "ok: N tenants, M tools"
                             or every error as FILE:LINE:COL: error: ...
                             (--strict: warnings fail too)
  explain FILE --tenant T --tool X [--fuel N] [--memory SIZE]
          [--timeout DURATION] [--output SIZE] [--input SIZE] [--json]
                             the decision for one call: allow or deny, the
                             rule that decided, effective limits and grants.
                             Instead of --tenant: --uid N, --mtls-subject S or
                             --token-stdin (resolve a credential).
  hash-token                 read a token on stdin, print its token_sha256

exit status: 0 ok/allowed, 1 invalid policy, 2 usage error, 4 denied
(explain). See docs/policy.md.
)";

absl::string_view AV(std::string_view s) { return {s.data(), s.size()}; }

std::string Quoted(std::string_view text) {
  return absl::StrCat("\"", AV(text), "\"");
}

int Usage(const PolicyIo& io, std::string_view message) {
  io.err(absl::StrCat("airlock: error: policy: ", AV(message), "\n"));
  return kExitUsage;
}

// Prints every diagnostic to stderr.
void PrintDiagnostics(const policy::LoadResult& result, const PolicyIo& io) {
  for (const policy::Diagnostic& d : result.diagnostics) {
    io.err(d.ToString() + "\n");
  }
}

bool HasWarnings(const policy::LoadResult& result) {
  for (const policy::Diagnostic& d : result.diagnostics) {
    if (d.severity == policy::Diagnostic::Severity::kWarning) return true;
  }
  return false;
}

int Check(std::span<const std::string> args, const PolicyIo& io) {
  bool strict = false;
  std::vector<std::string> files;
  for (const std::string& arg : args) {
    if (arg == "--strict") {
      strict = true;
    } else if (!arg.empty() && arg[0] == '-' && arg != "-") {
      return Usage(io, "check: unknown flag " + Quoted(arg));
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) return Usage(io, "check: missing FILE");
  int status = 0;
  for (const std::string& file : files) {
    policy::LoadResult result = policy::LoadPolicyFile(file);
    PrintDiagnostics(result, io);
    if (!result.ok()) {
      status = kExitPolicyInvalid;
      continue;
    }
    if (strict && HasWarnings(result)) {
      io.err(absl::StrCat(file, ": warnings are errors with --strict\n"));
      status = kExitPolicyInvalid;
      continue;
    }
    const std::string prefix = files.size() > 1 ? file + ": " : "";
    const size_t tenants = result.policy->tenants().size();
    const size_t tools = result.policy->tools().size();
    io.out(absl::StrCat(prefix, "ok: ", tenants,
                        tenants == 1 ? " tenant, " : " tenants, ", tools,
                        tools == 1 ? " tool\n" : " tools\n"));
  }
  return status;
}

std::string FormatLimit(const policy::Limits& l, LimitKind kind) {
  switch (kind) {
    case LimitKind::kFuel:
      return policy::FormatCount(l.fuel);
    case LimitKind::kMemory:
      return policy::FormatByteSize(l.memory_bytes);
    case LimitKind::kTimeout:
      return absl::FormatDuration(l.timeout);
    case LimitKind::kOutput:
      return policy::FormatByteSize(l.output_bytes);
    case LimitKind::kInput:
      return policy::FormatByteSize(l.input_bytes);
    case LimitKind::kConcurrency:
      return absl::StrCat(l.concurrency);
    case LimitKind::kRate:
      return l.rate.ToString();
  }
  return "?";
}

std::string LimitSource(const Decision& d, size_t k) {
  if (d.limit_from_request[k]) return "the request";
  const policy::Rule* rule = d.limit_rules[k];
  return rule != nullptr ? rule->ToString(d.policy->file())
                         : "built-in default";
}

std::string ExplainText(const Decision& d) {
  std::string out;
  if (d.allowed()) {
    out += "decision: allow\n";
  } else {
    absl::StrAppend(&out, "decision: deny (",
                    AV(policy::DecisionCodeName(d.code)), ")\n");
  }
  absl::StrAppend(&out, "reason:   ", d.Reason(), "\n");
  absl::StrAppend(&out, "policy:   ", d.policy->file(), " (sha256 ",
                  d.policy->digest(), ")\n");
  if (d.tool != nullptr) {
    absl::StrAppend(
        &out, "module:   ",
        d.tool->module_path.empty() ? "(registered)" : d.tool->module_path,
        " (sha256 ", d.tool->module_sha256, ")\n");
  }
  if (d.tenant == nullptr || d.tool == nullptr) return out;
  out += "limits:\n";
  for (size_t k = 0; k < policy::kLimitKindCount; ++k) {
    const LimitKind kind = static_cast<LimitKind>(k);
    std::string name(policy::LimitName(kind));
    std::string value = FormatLimit(d.limits, kind);
    name.resize(std::max<size_t>(name.size(), 12), ' ');
    value.resize(std::max<size_t>(value.size(), 15), ' ');
    absl::StrAppend(&out, "  ", name, value, LimitSource(d, k), "\n");
  }
  if (!d.allowed()) return out;
  out += "grants:\n";
  if (d.files.empty() && d.env.empty()) out += "  (none)\n";
  for (const policy::FileGrant& f : d.files) {
    absl::StrAppend(&out, "  folder ", AV(f.guest_path), " = ", f.HostPath(),
                    f.read_only ? " (read-only)" : " (read-write)", "  ",
                    f.need_rule->ToString(d.policy->file()), ", ",
                    f.tenant_rule->ToString(d.policy->file()), "\n");
  }
  for (const policy::EnvGrant& e : d.env) {
    absl::StrAppend(&out, "  env ", AV(e.name), "=", AV(e.value), "\n");
  }
  return out;
}

nlohmann::json RuleJson(const policy::Rule* rule, const Decision& d) {
  if (rule == nullptr) return nullptr;
  return {{"path", rule->path},
          {"file", d.policy->file()},
          {"line", rule->location.line},
          {"column", rule->location.column}};
}

std::string ExplainJson(const Decision& d) {
  nlohmann::json j;
  j["allowed"] = d.allowed();
  j["code"] = std::string(policy::DecisionCodeName(d.code));
  j["reason"] = d.Reason();
  j["rule"] = RuleJson(d.rule, d);
  j["tenant"] = d.tenant_name;
  j["tool"] = d.tool_name;
  j["policy"] = {{"file", d.policy->file()}, {"sha256", d.policy->digest()}};
  if (d.tool != nullptr) {
    j["module"] = {{"path", d.tool->module_path},
                   {"sha256", d.tool->module_sha256}};
  }
  if (d.tenant != nullptr && d.tool != nullptr) {
    nlohmann::json limits = nlohmann::json::object();
    for (size_t k = 0; k < policy::kLimitKindCount; ++k) {
      const LimitKind kind = static_cast<LimitKind>(k);
      nlohmann::json value;
      switch (kind) {
        case LimitKind::kFuel:
          value = d.limits.fuel;
          break;
        case LimitKind::kMemory:
          value = d.limits.memory_bytes;
          break;
        case LimitKind::kTimeout:
          value = absl::ToInt64Milliseconds(d.limits.timeout);
          break;
        case LimitKind::kOutput:
          value = d.limits.output_bytes;
          break;
        case LimitKind::kInput:
          value = d.limits.input_bytes;
          break;
        case LimitKind::kConcurrency:
          value = d.limits.concurrency;
          break;
        case LimitKind::kRate:
          value = d.limits.rate.ToString();
          break;
      }
      std::string name(policy::LimitName(kind));
      if (kind == LimitKind::kTimeout) name = "timeout_ms";
      if (kind == LimitKind::kMemory || kind == LimitKind::kOutput ||
          kind == LimitKind::kInput) {
        name += "_bytes";
      }
      limits[name] = {
          {"value", value},
          {"source", d.limit_from_request[k] ? nlohmann::json("request")
                                             : RuleJson(d.limit_rules[k], d)}};
    }
    j["limits"] = limits;
  }
  nlohmann::json files = nlohmann::json::array();
  for (const policy::FileGrant& f : d.files) {
    files.push_back({{"guest", std::string(f.guest_path)},
                     {"host", f.HostPath()},
                     {"read_only", f.read_only}});
  }
  nlohmann::json env = nlohmann::json::object();
  for (const policy::EnvGrant& e : d.env) {
    env[std::string(e.name)] = std::string(e.value);
  }
  j["grants"] = {{"files", files}, {"env", env}};
  return j.dump(2) + "\n";
}

// Reads the token from stdin: all of it, minus one trailing newline.
std::optional<std::string> ReadToken(const PolicyIo& io) {
  if (io.stdin_is_terminal) {
    io.err("airlock: reading the token from stdin (end with Ctrl-D)\n");
  }
  std::string token;
  if (!io.read_stdin(&token)) {
    io.err("airlock: error: policy: cannot read stdin\n");
    return std::nullopt;
  }
  if (token.size() >= 2 && token.compare(token.size() - 2, 2, "\r\n") == 0) {
    token.resize(token.size() - 2);
  } else if (!token.empty() && token.back() == '\n') {
    token.pop_back();
  }
  if (token.empty()) {
    io.err("airlock: error: policy: empty token on stdin\n");
    return std::nullopt;
  }
  return token;
}

int Explain(std::span<const std::string> args, const PolicyIo& io) {
  std::string file, tenant, tool;
  std::optional<uint32_t> uid;
  std::optional<std::string> subject;
  bool token_stdin = false, json = false;
  policy::CallRequest request;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i], value;
    const bool boolean = arg == "--json" || arg == "--token-stdin";
    if (arg.rfind("--", 0) == 0 && !boolean) {
      if (const size_t eq = arg.find('='); eq != std::string::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Usage(io, "explain: " + arg + ": missing value");
      }
    }
    auto bad = [&](const absl::Status& status) {
      return Usage(io, absl::StrCat("explain: ", arg, ": ", status.message()));
    };
    if (arg == "--json") {
      json = true;
    } else if (arg == "--token-stdin") {
      token_stdin = true;
    } else if (arg == "--tenant") {
      tenant = value;
    } else if (arg == "--tool") {
      tool = value;
    } else if (arg == "--uid") {
      absl::StatusOr<int64_t> n = policy::ParseCount(value, "uid");
      if (!n.ok() || *n > 4294967294) {
        return Usage(io, "explain: --uid: invalid uid " + Quoted(value));
      }
      uid = static_cast<uint32_t>(*n);
    } else if (arg == "--mtls-subject") {
      subject = value;
    } else if (arg == "--fuel") {
      absl::StatusOr<int64_t> n = policy::ParseCount(value, "fuel");
      if (!n.ok()) return bad(n.status());
      request.fuel = *n;
    } else if (arg == "--memory" || arg == "--output" || arg == "--input") {
      absl::StatusOr<uint64_t> n = policy::ParseByteSize(value);
      if (!n.ok()) return bad(n.status());
      if (arg == "--memory") request.memory_bytes = *n;
      if (arg == "--output") request.output_bytes = *n;
      if (arg == "--input") request.input_bytes = *n;
    } else if (arg == "--timeout") {
      absl::StatusOr<absl::Duration> d = policy::ParseDuration(value);
      if (!d.ok()) return bad(d.status());
      request.timeout = *d;
    } else if (arg.rfind("--", 0) == 0) {
      return Usage(io, "explain: unknown flag " + Quoted(arg));
    } else if (file.empty()) {
      file = arg;
    } else {
      return Usage(io, "explain: more than one FILE given");
    }
  }
  if (file.empty()) return Usage(io, "explain: missing FILE");
  if (tool.empty()) return Usage(io, "explain: missing --tool");
  const int identities =
      !tenant.empty() + uid.has_value() + subject.has_value() + token_stdin;
  if (identities != 1) {
    return Usage(io,
                 "explain: give exactly one of --tenant, --uid, "
                 "--mtls-subject, --token-stdin");
  }
  std::optional<std::string> token;
  if (token_stdin && !(token = ReadToken(io))) return kExitUsage;

  policy::LoadResult result = policy::LoadPolicyFile(file);
  if (!result.ok()) {
    PrintDiagnostics(result, io);
    return kExitPolicyInvalid;
  }
  const policy::Policy& p = *result.policy;
  if (tenant.empty()) {
    const policy::Tenant* found = uid       ? p.TenantForUnixUid(*uid)
                                  : subject ? p.TenantForMtlsSubject(*subject)
                                            : p.TenantForToken(*token);
    if (found == nullptr) {
      const std::string what = uid       ? absl::StrCat("uid ", *uid)
                               : subject ? "mTLS subject " + Quoted(*subject)
                                         : std::string("this token");
      const std::string message =
          "no tenant has " + what + " as a credential: unauthenticated";
      if (json) {
        io.out(nlohmann::json({{"allowed", false},
                               {"code", "unauthenticated"},
                               {"reason", message}})
                   .dump(2) +
               "\n");
      } else {
        io.out("decision: deny (unauthenticated)\nreason:   " + message + "\n");
      }
      return kExitPolicyDenied;
    }
    tenant = found->name;
  }
  const Decision d = p.Evaluate(tenant, tool, request);
  io.out(json ? ExplainJson(d) : ExplainText(d));
  return d.allowed() ? 0 : kExitPolicyDenied;
}

int HashTokenCommand(std::span<const std::string> args, const PolicyIo& io) {
  if (!args.empty()) {
    return Usage(io,
                 "hash-token takes no arguments (the token comes on stdin, so "
                 "it stays out of shell history and ps)");
  }
  std::optional<std::string> token = ReadToken(io);
  if (!token) return kExitUsage;
  io.out(policy::HashToken(*token) + "\n");
  return 0;
}

}  // namespace

int PolicyCommand(std::span<const std::string> args, const PolicyIo& io) {
  if (args.empty()) {
    io.err(kHelp);
    return kExitUsage;
  }
  const std::string& command = args[0];
  const std::span<const std::string> rest = args.subspan(1);
  if (command == "help" || command == "--help" || command == "-h") {
    io.out(kHelp);
    return 0;
  }
  if (command == "check") return Check(rest, io);
  if (command == "explain") return Explain(rest, io);
  if (command == "hash-token") return HashTokenCommand(rest, io);
  return Usage(io, "unknown command " + Quoted(command) +
                       " (see airlock policy --help)");
}

}  // namespace airlock::cli
