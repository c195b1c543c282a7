#pragma once

// A cluster's entry actor on each node (actors/README.md, "A cluster"):
// published on the node port in place of the node actor, and asked by the
// HTTP API. It sends every client request to the member that owns what the
// request names, by the placement slot in the session's or run's id
// (policies/placement.hpp): its own node's requests to its node actor, the
// others' to their node actors over CAF's middleman. It forwards with
// `delegate`, so the owner answers the client directly and the router holds
// no pending request. A request whose owner is down is refused at once with
// `unavailable`, naming the member, and a retry-after. New sessions go to a
// slot whose owner is up. Queries over every member (list_sessions,
// get_cluster) are gathered by a short-lived actor each.
//
// Members that are leaving (drain_member) own no slot: their slots go to
// the others by the same rendezvous, and the sessions move with them (the
// handoff actor). The router tells its node and its handoff actor who owns
// each slot, and which member still holds sessions of a slot on their way
// to its owner (slot_table).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/cluster/metrics.hpp"
#include "actors/protocol/messages.hpp"
#include "policies/placement.hpp"

namespace warden {

/// What a router needs.
struct router_config {
  /// Member names by index ([cluster] nodes).
  std::vector<std::string> members;
  /// This node's index.
  std::uint32_t self = 0;
  /// The local node actor.
  caf::actor node;
  /// The local membership actor; it introduces itself when it starts
  /// (cluster_membership_atom), as it needs the router's handle first.
  /// Greetings and drain_member go there.
  caf::actor membership;
  /// The local handoff actor: receives the slot_table at every change, as
  /// the node does.
  caf::actor handoff;
  /// The local admission actor: receives `lease_members` whenever the
  /// members up change, so that tenants' caps hold cluster-wide.
  caf::actor admission;
  /// The local provider actors and tool runners: receive `lease_members`
  /// with admission, so that their rates hold cluster-wide.
  std::vector<caf::actor> dependencies;
  /// The retry-after of a request refused because its owner is down.
  std::chrono::milliseconds retry_after{3000};
  /// The retry-after of a request a node refuses because what it names is
  /// on its way to another member, or to it (slot_table::retry_after_ms).
  std::chrono::milliseconds handoff_retry_after{1000};
  /// How long a query over every member waits for each.
  std::chrono::milliseconds gather_timeout{5000};
  /// Null: no metrics.
  std::shared_ptr<const cluster_metrics> metrics;
};

/// State of the router actor.
struct router_state {
  static inline const char* name = "warden.cluster.router";

  explicit router_state(caf::local_actor*) : placement({}) {}

  router_config config;
  policies::placement placement;
  /// The membership actor's latest view; until the first, only this node
  /// counts as up.
  cluster_view view;
  /// Seeds the placement of new sessions.
  std::uint64_t placed = 0;
  /// The slot table last sent to the node and the handoff actor.
  slot_table table;
  /// `retry_after` passed since the router started: members not heard from
  /// since are taken as down rather than as holders of stale-making copies
  /// (slot_table::unheard).
  bool settled_in = false;
};

/// The router actor.
caf::behavior router_actor(caf::stateful_actor<router_state>* self,
                           router_config config);

} // namespace warden
