#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace prometheus {
class Counter;
class Gauge;
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

  /// Creates the families in `registry` for `members` (names by index) and
  /// fetches every handle.
  static cluster_metrics create(prometheus::Registry& registry,
                                const std::vector<std::string>& members);
};

} // namespace warden
