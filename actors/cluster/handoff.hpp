#pragma once

// Moves the sessions a member holds without owning their placement slot to
// the slot's owner (actors/README.md, "A cluster"): after a drain_member of
// this member (it owns nothing while it leaves), and when a member that
// left comes back (its slots, and their sessions, return to it).
//
// One actor per member. At every slot_table from its router, and again
// every `rescan` while anything is left, it asks its node for the sessions
// held in slots it does not own, tells its membership actor which slots
// those are (other members refuse, as "on its way", what they do not yet
// hold of those slots), and hands them over one at a time:
//
//   handoff_session (node: the export, with the next ownership epoch)
//   -> import_session (the owner's node: durable there before it answers)
//   -> handoff_done (node: forgets its copy).
//
// A session is served by no one between the export and the import (its
// slot's owner does not know it yet and answers "on its way"; this node
// does not own its slot), so no two members serve it at once. A busy
// session waits for its turn to end; an import that fails or is not
// answered is offered again at the next scan (the owner answers a repeated
// offer of an epoch it holds as imported).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/cluster/metrics.hpp"
#include "actors/protocol/messages.hpp"
#include "policies/clock.hpp"

namespace warden {

/// What a handoff actor needs.
struct handoff_config {
  /// The local node actor.
  caf::actor node;
  /// How long one step (export, import, forget) may take before the
  /// session is left for the next scan.
  std::chrono::milliseconds step_timeout{30'000};
  /// The pause between scans while sessions are left to move.
  std::chrono::milliseconds rescan{1'000};
  /// A drain_member without a timeout waits this long ([node]
  /// drain_timeout_ms).
  std::chrono::milliseconds drain_timeout{30'000};
  /// Wall time for handoff durations; null: the system clock.
  std::shared_ptr<const policies::clock> time;
  /// Null: no metrics.
  std::shared_ptr<const cluster_metrics> metrics;
};

/// A drain_member of this member waiting for its sessions to move.
struct drain_waiter {
  caf::response_promise promise;
  std::string name;
  /// Sessions moved when the drain began.
  std::uint64_t moved_before = 0;
  std::uint64_t serial = 0;
};

/// State of the handoff actor.
struct handoff_state {
  static inline const char* name = "warden.cluster.handoff";

  handoff_config config;
  /// The router's latest table; none before the first.
  std::optional<slot_table> table;
  /// The local membership actor (it introduces itself).
  caf::actor membership;
  /// Sessions left to move in this scan, in id order.
  std::vector<std::uint64_t> queue;
  /// Sessions still held in foreign slots, as the latest scan found.
  std::size_t held = 0;
  /// A scan or a handoff is under way.
  bool busy = false;
  /// A table arrived during a scan: scan again when it ends.
  bool stale = false;
  /// A rescan timer is on its way.
  bool rescan_armed = false;
  /// Sessions moved by this actor since it started.
  std::uint64_t moved = 0;
  std::vector<drain_waiter> drains;
  std::uint64_t next_serial = 0;
};

/// The handoff actor. Takes slot_table (from its router),
/// (cluster_membership_atom, membership) and drain_member (from its
/// membership actor).
caf::behavior handoff_actor(caf::stateful_actor<handoff_state>* self,
                            handoff_config config);

} // namespace warden
