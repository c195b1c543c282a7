#pragma once

// What the node keeps about trees of runs grown through spawn_agent tools:
// per run, its place in the tree; per node, the supervisor of each root run
// that fans out. The logic is in actors/node/children.cpp.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include "actors/protocol/messages.hpp"

namespace warden {

/// A run's place in its tree. A root run has parent 0 and root 0.
struct run_tree_link {
  /// The root run of the tree; 0 for a root run itself.
  run_id root = 0;
  /// The run whose spawn_agent call started this one; 0 for a root run.
  run_id parent = 0;
  /// Depth in the tree; a root run is at depth 1.
  std::uint32_t depth = 1;
  /// The budget the parent reserved for this child (children only).
  budget_grant grant;
  /// The supervisor of the tree (children only): told when the run is
  /// final. An address, so that old run records do not keep it alive.
  caf::actor_addr supervisor;
  /// Usage of finished children (their own children included), added to
  /// the run's usage when it becomes final.
  usage_totals children_usage;
  /// The key of the spawn call that started this run (children only): its
  /// stored idempotency key, by which the parent's replay finds it.
  std::string call_key;
  /// Children of this run found unfinished after a restart, waiting for
  /// this run's replayed spawn calls to adopt them; those not adopted are
  /// cancelled when this run ends.
  std::vector<run_id> recovered_children;

  /// Whether the run is a child of another run.
  [[nodiscard]] bool is_child() const noexcept { return parent != 0; }
};

/// The node's supervisors: root run -> the supervisor of its tree, for
/// routing spawn requests. An entry exists from the first spawn request of a
/// root until the root is final; the supervisor itself lives on until the
/// root's last child is final.
struct run_trees {
  std::unordered_map<run_id, caf::actor> supervisors;
  /// Spawn call key -> child run found unfinished after a restart and not
  /// yet adopted by its parent's replayed call.
  std::unordered_map<std::string, run_id> adoptable;
};

} // namespace warden
