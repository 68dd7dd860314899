#include "policy/authorizer.h"

#include <utility>

#include "absl/time/clock.h"

namespace airlock::policy {
namespace {

// Copies the name: `tenant` lives only as long as the snapshot holding its
// policy.
std::optional<std::string> NameOf(const Tenant* tenant) {
  if (tenant == nullptr) return std::nullopt;
  return tenant->name;
}

}  // namespace

Authorizer::Authorizer(const PolicyStore& store, AuditSink& sink,
                       std::function<absl::Time()> now)
    : store_(store), sink_(sink), now_(std::move(now)) {
  if (!now_) now_ = [] { return absl::Now(); };
}

Decision Authorizer::Authorize(std::string_view tenant, std::string_view tool,
                               const CallRequest& request) const {
  PolicyStore::Snapshot snapshot = store_.Current();
  Decision decision = snapshot.policy->Evaluate(tenant, tool, request);
  sink_.Record(AuditRecord{.time = now_(),
                           .decision = decision,
                           .policy_generation = snapshot.generation});
  return decision;
}

std::optional<std::string> Authorizer::ResolveToken(
    std::string_view token) const {
  PolicyStore::Snapshot snapshot = store_.Current();
  return NameOf(snapshot.policy->TenantForToken(token));
}

std::optional<std::string> Authorizer::ResolveMtlsSubject(
    std::string_view subject) const {
  PolicyStore::Snapshot snapshot = store_.Current();
  return NameOf(snapshot.policy->TenantForMtlsSubject(subject));
}

std::optional<std::string> Authorizer::ResolveUnixUid(uint32_t uid) const {
  PolicyStore::Snapshot snapshot = store_.Current();
  return NameOf(snapshot.policy->TenantForUnixUid(uid));
}

}  // namespace airlock::policy
