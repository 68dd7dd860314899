// Authorizer: the audited decision path. Every call the daemon admits or
// refuses goes through Authorize, which decides against the store's current
// policy and hands the decision to the audit sink before the caller sees
// it, so no decision escapes the audit log.
#ifndef AIRLOCK_POLICY_AUTHORIZER_H_
#define AIRLOCK_POLICY_AUTHORIZER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "policy/audit.h"
#include "policy/policy.h"
#include "policy/store.h"

namespace airlock::policy {

class Authorizer {
 public:
  // `store` and `sink` must outlive the authorizer. `now` stamps audit
  // records; absl::Now when empty.
  Authorizer(const PolicyStore& store, AuditSink& sink,
             std::function<absl::Time()> now = {});

  // Decides whether `tenant` may call `tool` with `request` under the
  // current policy, records the decision in the sink (with the policy's
  // generation), and returns it. The decision holds its policy snapshot:
  // the call keeps it across reloads. Thread-safe.
  Decision Authorize(std::string_view tenant, std::string_view tool,
                     const CallRequest& request = {}) const;

  // The tenant a credential belongs to under the current policy, or
  // nullopt. A reload between resolving and Authorize may remove the
  // tenant; Authorize then denies it as unknown_tenant.
  std::optional<std::string> ResolveToken(std::string_view token) const;
  std::optional<std::string> ResolveMtlsSubject(std::string_view subject) const;
  std::optional<std::string> ResolveUnixUid(uint32_t uid) const;

 private:
  const PolicyStore& store_;
  AuditSink& sink_;
  std::function<absl::Time()> now_;
};

}  // namespace airlock::policy

#endif  // AIRLOCK_POLICY_AUTHORIZER_H_
