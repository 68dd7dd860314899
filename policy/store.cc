#include "policy/store.h"

#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"

namespace airlock::policy {
namespace {

// Enough of the digest to tell versions apart in a log line.
constexpr size_t kShortDigest = 12;

std::string ShortDigest(const Policy& policy) {
  return policy.digest().substr(0, kShortDigest);
}

std::string Summary(const Policy& policy) {
  return absl::StrCat("digest ", ShortDigest(policy), ", ",
                      policy.tenants().size(), " tenants, ",
                      policy.tools().size(), " tools");
}

// See Reload(): the policy bytes and every module they name.
bool SameContent(const Policy& a, const Policy& b) {
  if (a.digest() != b.digest()) return false;
  if (a.tools().size() != b.tools().size()) return false;
  for (size_t i = 0; i < a.tools().size(); ++i) {
    if (a.tools()[i].module_sha256 != b.tools()[i].module_sha256) return false;
  }
  return true;
}

// Every diagnostic, one per line: warnings too, as they may explain the
// errors. A loader that fails without saying why still produces a message
// naming the file.
std::string DiagnosticText(const LoadResult& result, const std::string& path) {
  std::string text;
  for (const Diagnostic& d : result.diagnostics) {
    if (!text.empty()) text += '\n';
    text += d.ToString();
  }
  if (text.empty()) text = absl::StrCat(path, ": error: policy did not load");
  return text;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PolicyStore>> PolicyStore::Open(
    Options options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("policy: no policy file given");
  }
  if (!options.loader) {
    options.loader = [](const std::string& path) {
      return LoadPolicyFile(path);
    };
  }
  if (!options.log) {
    options.log = [](std::string_view line) {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()),
                   line.data());
    };
  }
  if (!options.now) options.now = [] { return absl::Now(); };

  std::unique_ptr<PolicyStore> store(new PolicyStore(std::move(options)));
  LoadResult result = store->Load();
  if (!result.ok()) {
    return absl::InvalidArgumentError(DiagnosticText(result, store->path()));
  }
  store->LogDiagnostics(result, /*errors_too=*/false);
  store->Log(absl::StrCat("policy: loaded ", store->path(), " (",
                          Summary(*result.policy), ")"));
  {
    absl::MutexLock lock(&store->counters_mu_);
    store->counters_.last_reload_time = store->options_.now();
  }
  {
    absl::MutexLock lock(&store->current_mu_);
    store->current_ = Snapshot{std::move(result.policy), 0};
  }
  return store;
}

PolicyStore::PolicyStore(Options options) : options_(std::move(options)) {}

PolicyStore::Snapshot PolicyStore::Current() const {
  absl::MutexLock lock(&current_mu_);
  return current_;
}

absl::Status PolicyStore::Reload() {
  absl::MutexLock reload_lock(&reload_mu_);
  // Only reloads replace `current_`, and they are serialised by
  // reload_mu_: this copy stays the current policy until we swap.
  Snapshot old = Current();
  LoadResult result = Load();

  if (!result.ok()) {
    std::string error = DiagnosticText(result, path());
    Log(absl::StrCat("policy: reload of ", path(), " failed, keeping digest ",
                     ShortDigest(*old.policy), ":"));
    LogDiagnostics(result, /*errors_too=*/true);
    absl::MutexLock lock(&counters_mu_);
    ++counters_.reloads_failed;
    counters_.last_error = error;
    return absl::InvalidArgumentError(error);
  }

  LogDiagnostics(result, /*errors_too=*/false);
  if (SameContent(*old.policy, *result.policy)) {
    Log(absl::StrCat("policy: ", path(), " unchanged (", Summary(*old.policy),
                     ")"));
    absl::MutexLock lock(&counters_mu_);
    ++counters_.reloads_unchanged;
    counters_.last_error.clear();
    return absl::OkStatus();
  }

  std::string summary = Summary(*result.policy);
  absl::Time now = options_.now();
  {
    absl::MutexLock lock(&current_mu_);
    // The old policy is released outside the lock, by `old` (or by the
    // last call still holding it).
    current_ = Snapshot{std::move(result.policy), old.generation + 1};
  }
  {
    absl::MutexLock lock(&counters_mu_);
    ++counters_.reloads_ok;
    counters_.last_error.clear();
    counters_.last_reload_time = now;
  }
  Log(absl::StrCat("policy: reloaded ", path(), " (", summary, ")"));
  return absl::OkStatus();
}

PolicyStore::Counters PolicyStore::counters() const {
  absl::MutexLock lock(&counters_mu_);
  return counters_;
}

void PolicyStore::Log(std::string_view line) const { options_.log(line); }

LoadResult PolicyStore::Load() const {
  LoadResult result = options_.loader(options_.path);
  // A loader must not return a policy together with errors; treat it as a
  // failure rather than enforce a policy its loader says is wrong.
  for (const Diagnostic& d : result.diagnostics) {
    if (d.severity == Diagnostic::Severity::kError) result.policy = nullptr;
  }
  return result;
}

void PolicyStore::LogDiagnostics(const LoadResult& result,
                                 bool errors_too) const {
  for (const Diagnostic& d : result.diagnostics) {
    if (errors_too || d.severity == Diagnostic::Severity::kWarning) {
      Log(absl::StrCat("policy: ", d.ToString()));
    }
  }
}

}  // namespace airlock::policy
