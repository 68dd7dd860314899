// Every policy decision produces an audit record, handed to a sink the
// embedder (the daemon) implements: a log file, a stream, a test vector.
#ifndef AIRLOCK_POLICY_AUDIT_H_
#define AIRLOCK_POLICY_AUDIT_H_

#include <cstdint>

#include "absl/time/time.h"
#include "policy/policy.h"

namespace airlock::policy {

struct AuditRecord {
  absl::Time time;
  // Tenant and tool as requested, the verdict, the deciding rule and the
  // policy version (decision.policy->digest()); decision.Reason() gives the
  // sentence.
  const Decision& decision;
  // How many policies the store has loaded before this one (0: the first).
  uint64_t policy_generation = 0;
};

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  // Called once per decision, on the deciding thread, before the caller
  // sees the decision. Must be thread-safe and should not block for long;
  // a sink that can fail must handle it itself (the decision stands).
  virtual void Record(const AuditRecord& record) = 0;
};

}  // namespace airlock::policy

#endif  // AIRLOCK_POLICY_AUDIT_H_
