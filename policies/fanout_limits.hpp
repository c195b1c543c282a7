#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace warden::policies {

/// Fan-out bounds of one root run's tree of sessions.
struct fanout_limits_config {
  /// Deepest level a session may sit at; the root is at depth 1. Default 3.
  std::uint32_t max_depth = 3;
  /// Children one session may have alive at the same time. Default 8.
  std::uint32_t max_children = 8;
  /// Sessions a root run may spawn over its whole life, the root itself not
  /// counted; finished children still count (this bounds total cost).
  /// Default 64.
  std::uint32_t max_descendants = 64;
};

/// Why a spawn was refused.
enum class fanout_refusal : std::uint8_t {
  unknown_parent,  ///< the parent is not (or no longer) part of the tree
  duplicate_child, ///< the child id is already part of the tree
  depth,           ///< the child would sit deeper than max_depth
  children,        ///< the parent already has max_children live children
  descendants,     ///< the root already spawned max_descendants sessions
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(fanout_refusal x) noexcept;

/// The answer to "may this parent spawn a child now?".
struct fanout_decision {
  /// Set when the spawn is refused; empty when allowed.
  std::optional<fanout_refusal> refusal;
  /// A sentence naming the limit and the numbers; empty when allowed.
  std::string reason;

  [[nodiscard]] bool allowed() const noexcept { return !refusal.has_value(); }
};

/// Tracks one root run's tree of sessions and decides whether a session may
/// spawn another. Not thread-safe: owned by the run's supervisor.
class fanout_limits {
 public:
  /// Identifies a session within the run.
  using node_id = std::uint64_t;

  /// Starts a tree whose root session is `root`.
  fanout_limits(fanout_limits_config config, node_id root);

  /// Decides whether `parent` may spawn a child now, without recording it.
  [[nodiscard]] fanout_decision check(node_id parent) const;

  /// Decides like `check` and, when allowed, records `child` under `parent`.
  [[nodiscard]] fanout_decision spawn(node_id parent, node_id child);

  /// Records that `node` ended; its parent may spawn again. Children of `node`
  /// stay tracked until they end themselves. Unknown ids are ignored.
  void finish(node_id node);

  /// The depth of `node` (root = 1), or nothing for an unknown node.
  [[nodiscard]] std::optional<std::uint32_t> depth(node_id node) const;

  /// Live children of `node`; 0 for an unknown node.
  [[nodiscard]] std::uint32_t live_children(node_id node) const;

  /// Sessions spawned under the root so far, finished ones included.
  [[nodiscard]] std::uint32_t descendants() const noexcept {
    return descendants_;
  }

  /// Sessions of the tree that have not finished, root included.
  [[nodiscard]] std::size_t live_nodes() const noexcept {
    return nodes_.size();
  }

  [[nodiscard]] const fanout_limits_config& config() const noexcept {
    return config_;
  }

 private:
  struct node {
    std::optional<node_id> parent;
    std::uint32_t depth = 1;
    std::uint32_t live_children = 0;
  };

  fanout_limits_config config_;
  std::unordered_map<node_id, node> nodes_;
  std::uint32_t descendants_ = 0;
};

} // namespace warden::policies
