#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
} // namespace prometheus

namespace warden {

/// The metric handles of a node's cluster actors (membership and router),
/// fetched once. Labels are member names: bounded by [cluster] nodes.
struct cluster_metrics {
  /// warden_cluster_members: configured members, this node included.
  prometheus::Gauge* members = nullptr;
  /// warden_cluster_members_up: members up as this node sees them, itself
  /// included.
  prometheus::Gauge* members_up = nullptr;
  /// warden_cluster_view_changes_total{change="up"|"down"}.
  prometheus::Counter* went_up = nullptr;
  prometheus::Counter* went_down = nullptr;
  /// warden_cluster_refused_greetings_total: members refused for a member
  /// list that differs from this node's.
  prometheus::Counter* refused_greetings = nullptr;
  /// warden_cluster_forwarded_requests_total{to}: client requests passed to
  /// the member owning what they name, by member (this node's own too).
  std::vector<prometheus::Counter*> forwarded;
  /// warden_cluster_unavailable_total{owner}: client requests refused
  /// because the member owning what they name is down.
  std::vector<prometheus::Counter*> unavailable;
  /// warden_cluster_migrations_total{reason="drain"|"rejoin"}: sessions
  /// this node handed to the owner of their slot, because this member is
  /// leaving or because the owner came back.
  prometheus::Counter* migrated_drain = nullptr;
  prometheus::Counter* migrated_rejoin = nullptr;
  /// warden_cluster_handoff_failures_total: handoffs that failed (the
  /// session stays here and is offered again); a busy session waiting for
  /// its turn to end is not one.
  prometheus::Counter* handoff_failures = nullptr;
  /// warden_cluster_handoff_seconds: from the export of a session to its
  /// copy forgotten here, the import on its owner included.
  prometheus::Histogram* handoff_seconds = nullptr;
  /// warden_cluster_sessions_held_elsewhere: sessions this node holds in
  /// slots it does not own (on their way to the owner).
  prometheus::Gauge* held = nullptr;

  /// Creates the families in `registry` for `members` (names by index) and
  /// fetches every handle.
  static cluster_metrics create(prometheus::Registry& registry,
                                const std::vector<std::string>& members);
};

} // namespace warden
