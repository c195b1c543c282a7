#pragma once

// The cluster protocol: what the members of a cluster say to each other
// (actors/cluster/), and the operators' view of it. One part of the
// protocol: include actors/protocol/messages.hpp.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>

namespace warden {

/// A membership actor introduces itself to its node's router as it starts:
/// (cluster_membership_atom, caf::actor membership). Local only.
using cluster_membership_atom = caf::atom_constant<caf::atom("clu_member")>;

/// A member introduces itself: sent by a member's membership actor to the
/// entry actor of a member with a higher index, which passes it to its own
/// membership actor. Reply: the receiver's `member_greeting`.
struct member_greeting {
  /// The member's [node] name.
  std::string name;
  /// Its index in [cluster] nodes.
  std::uint32_t index = 0;
  /// A hash of the cluster's member list (names and addresses, in order):
  /// members whose lists differ refuse each other.
  std::uint64_t fingerprint = 0;
  /// When the member's process started, Unix ms: a restarted member is a
  /// new incarnation.
  std::uint64_t incarnation = 0;
  /// Its membership actor: heartbeats go there.
  caf::actor membership;
  /// Its node actor: requests for the sessions it owns go there.
  caf::actor node;
};

/// A heartbeat, sent by each membership actor to every member it is
/// connected to, every [cluster] heartbeat_interval_ms.
struct member_beat {
  std::uint32_t index = 0;
  std::uint64_t incarnation = 0;
};

/// One member as a membership actor sees it.
struct member_view {
  std::string name;
  /// Its node port, "host:port".
  std::string address;
  /// Heard from within [cluster] failure_timeout_ms (always, for itself).
  bool up = false;
  /// When `up` last changed, Unix ms (for itself: its start).
  std::uint64_t since_ms = 0;
  /// Its node actor while up; null when down.
  caf::actor node;
};

/// The members as the membership actor sees them, sent to the router at
/// each change (by index; `self` is this node's).
struct cluster_view {
  std::vector<member_view> members;
  std::uint32_t self = 0;
};

/// An operator asks a node for the cluster as it sees it (wardenctl
/// cluster). Reply: `cluster_report`.
struct get_cluster {};

/// One member in a `cluster_report`.
struct member_report {
  std::string name;
  std::string address;
  /// "up" or "down" ("up" for the node answering).
  std::string state;
  /// When it entered that state, Unix ms.
  std::uint64_t since_ms = 0;
  /// Placement slots it owns (of policies::id_layout::slots).
  std::uint32_t slots = 0;
  /// Whether the counts below come from the member (it is up and answered).
  bool counted = false;
  /// Sessions it holds in memory, and runs it tracks that are not final.
  std::uint64_t resident_sessions = 0;
  std::uint64_t open_runs = 0;
};

/// The answer to `get_cluster`.
struct cluster_report {
  /// The answering node's name; empty when it runs without a cluster.
  std::string self;
  std::vector<member_report> members;
};

/// Ask a node for its counts (for `cluster_report`). Reply: `node_counts`.
struct get_node_counts {};

/// The answer to `get_node_counts`.
struct node_counts {
  std::uint64_t resident_sessions = 0;
  std::uint64_t open_runs = 0;
};

} // namespace warden
