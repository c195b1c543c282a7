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

/// A handoff actor tells its membership actor which placement slots its node
/// holds sessions of without owning them, as of the placement of `mask`:
/// (cluster_holding_atom, std::uint32_t mask, std::vector<std::uint32_t>
/// slots). Local only; the membership actor passes it on in greetings and
/// beats.
using cluster_holding_atom = caf::atom_constant<caf::atom("clu_hold")>;

/// The members that may own slots, as a bit per member index (bit i:
/// member i); at most 32 members, so 32 bits.
using member_mask = std::uint32_t;

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
  /// The member is leaving (wardenctl drain --member): it owns no slot, and
  /// hands its sessions to their new owners.
  bool leaving = false;
  /// What it holds without owning: see `member_view`; mask 0 while it
  /// does not know yet.
  std::uint32_t holding_mask = 0;
  std::vector<std::uint32_t> holding;
  /// Proof that the member holds the cluster's secret ([cluster]
  /// secret_file): an HMAC of its name, index, fingerprint and incarnation
  /// (membership_config::prove). The node port's CA signs clients'
  /// certificates too: without the proof, a client could greet as a
  /// member.
  std::string proof;
};

/// A heartbeat, sent by each membership actor to every member it is
/// connected to, every [cluster] heartbeat_interval_ms; it carries what
/// changes between greetings.
struct member_beat {
  std::uint32_t index = 0;
  std::uint64_t incarnation = 0;
  /// As member_greeting.
  bool leaving = false;
  std::uint32_t holding_mask = 0;
  std::vector<std::uint32_t> holding;
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
  /// Its membership actor while up (drain_member goes there); null when
  /// down.
  caf::actor membership;
  /// Leaving the cluster (kept while it is down, until a new incarnation
  /// greets without it): it owns no slot.
  bool leaving = false;
  /// The placement slots it holds sessions of without owning them, as of
  /// the placement where the members of `holding_mask` may own slots; a
  /// member that computed them under another mask may still hold every
  /// slot it owned under its own. Unknown (`holding_known` false) until it
  /// first said.
  bool holding_known = false;
  std::uint32_t holding_mask = 0;
  std::vector<std::uint32_t> holding;
};

/// The members as the membership actor sees them, sent to the router at
/// each change (by index; `self` is this node's).
struct cluster_view {
  std::vector<member_view> members;
  std::uint32_t self = 0;
};

/// Slot ownership as a member's router computes it, sent to its node actor
/// and its handoff actor at every change. Local only.
struct slot_table {
  /// This node's member index.
  std::uint32_t self = 0;
  /// Member names, by index.
  std::vector<std::string> names;
  /// By member index: whether it may own slots now (not leaving).
  member_mask eligible = 0;
  /// A member's index in the table. Not a byte: CAF 0.17 sizes a byte
  /// vector by the length it reads before checking that length against the
  /// input, so a forged length would allocate without bound
  /// (fuzz/corpus/caf_messages/regression-slot_table-length).
  using index_type = std::uint16_t;
  /// By slot: the owning member's index, or `no_member`.
  std::vector<index_type> owners;
  /// By slot: a member other than the owner that still holds sessions of
  /// it (they are on their way to the owner), or `no_member`.
  std::vector<index_type> holders;
  /// Members not heard from within [cluster] failure_timeout_ms of this
  /// node's start: what they hold is unknown, so they are named holders of
  /// every slot they do not own, but they do not hold back turns for the
  /// sessions this node holds (they are down). Until that time has passed,
  /// this is 0: every member counts.
  member_mask unheard = 0;
  /// By member index: its node actor while it is up.
  std::vector<caf::actor> nodes;
  /// The retry-after of a request the node refuses because what it names
  /// is served elsewhere or on its way, ms.
  std::uint64_t retry_after_ms = 1000;

  static constexpr index_type no_member = 0xFF;
};

/// Move every session off a member (wardenctl drain --member NAME): it stops
/// owning slots, and hands each session to its slot's new owner once the
/// session is idle (snapshot and journal, as export/import). Sent to any
/// member's entry actor. Reply: `member_drain_report` once the member holds
/// no session it does not own, or when `timeout_ms` passed (0: [node]
/// drain_timeout_ms of the member). The member stays out of placement until
/// it restarts.
struct drain_member {
  std::string name;
  std::uint64_t timeout_ms = 0;
};

/// The answer to `drain_member`.
struct member_drain_report {
  std::string name;
  /// Sessions handed to other members since the drain began.
  std::uint64_t moved = 0;
  /// Sessions still on the member (busy past the timeout, or refused by
  /// their new owner); they stay on its disk and are served again by it
  /// once it rejoins.
  std::uint64_t remaining = 0;
};

/// A handoff actor asks its node for the sessions it holds in slots it
/// does not own (local only). Reply: `foreign_sessions`.
struct list_foreign {};

/// The answer to `list_foreign`.
struct foreign_sessions {
  std::vector<std::uint64_t> sessions;
};

/// A handoff actor asks its node for the export of a session it holds
/// without owning its slot (local only). Reply: `session_export` whose
/// snapshot carries the next ownership epoch; refused with `cap_exceeded`
/// while a run of the session is not final, `not_found` when the node no
/// longer holds it, `invalid_argument` when the node owns its slot.
struct handoff_session {
  std::uint64_t session = 0;
};

/// The new owner imported the session: the node forgets it (its snapshot,
/// its record, its actor). Local only. Reply: `handoff_done`.
struct handoff_done {
  std::uint64_t session = 0;
};

/// The members an admission actor (tenants' caps) or a provider actor (its
/// rates) leases cluster-wide limits from, sent by the router at every
/// change (local only). A limit's home is the member
/// up that the limit's name weighs most for (rendezvous, as placement).
struct lease_members {
  /// This node's member index.
  std::uint32_t self = 0;
  /// Member names, by index.
  std::vector<std::string> names;
  /// By member index: its node actor while it is up, else null. Lease
  /// messages go to a member's node actor, which passes them to the actor
  /// that keeps the limit (by the limit's name).
  std::vector<caf::actor> nodes;
};

/// A member asks the home of a cluster-wide limit for units, or renews its
/// lease (`wanted` 0), telling it the units it has in use: a home that
/// counts fewer as leased to it (it took the limit over, or revoked the
/// lease) counts them at once (policies::lease_ledger::adopt). Sent to the
/// home's node actor; answered one-way with `lease_grant`.
struct lease_ask {
  /// The limit, e.g. "tenant:acme" (a tenant's in-flight cap) or
  /// "provider:openai:requests" (a provider's requests per minute; also
  /// ":tokens").
  std::string limit;
  /// The asking member's index.
  std::uint32_t holder = 0;
  /// The ask's id, echoed by the answer.
  std::uint64_t ask = 0;
  /// Units to add to the lease; 0 renews it.
  std::uint64_t wanted = 0;
  /// Units the holder has in use.
  std::uint64_t in_use = 0;
};

/// The home's answer to a `lease_ask` (policies::lease_answer).
struct lease_grant {
  std::string limit;
  /// The answering member's index.
  std::uint32_t home = 0;
  std::uint64_t ask = 0;
  /// False when the member is not the limit's home (as it sees the
  /// members): the asker gives the ask up.
  bool is_home = true;
  /// policies::lease_outcome.
  std::uint8_t outcome = 0;
  /// Units granted by this answer, in this generation in total, and held
  /// by the asker after it, as the home counts them.
  std::uint64_t units = 0;
  std::uint64_t granted_total = 0;
  std::uint64_t held = 0;
  std::uint64_t generation = 0;
  /// How long the lease lives from the answer, ms.
  std::uint64_t ttl_ms = 0;
  /// Units leased to other members, which the home recalls when it
  /// granted less than asked: a budget's holder waits for them rather
  /// than take the window as spent (0 for tenants' caps).
  std::uint64_t elsewhere = 0;
};

/// A holder returns units it does not use, as running totals of one lease
/// generation (policies::lease_report). One-way, to the home's node actor.
struct lease_return {
  std::string limit;
  std::uint32_t holder = 0;
  std::uint64_t generation = 0;
  std::uint64_t returned = 0;
  std::uint64_t settled = 0;
};

/// The home of a limit asks a holder for the units it holds and does not
/// use, because a member (or the home itself) waits for units none are
/// free of. One-way, from the home's admission (or provider) actor to the
/// holder's; the holder answers with `lease_return`.
struct lease_recall {
  std::string limit;
  /// The home's member index.
  std::uint32_t home = 0;
};

/// Ask an admission actor for its leases (for `cluster_report`). Reply:
/// `lease_counts`.
struct get_lease_counts {};

/// What a member's admission actor holds of cluster-wide limits.
struct lease_counts {
  /// Limits this member is the home of, and the units it has leased out.
  std::uint64_t homes = 0;
  std::uint64_t leased_out = 0;
  /// Units leased to this member by the limits' homes.
  std::uint64_t held = 0;
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
  /// Leaving the cluster (drain_member).
  bool leaving = false;
  /// Placement slots it holds sessions of without owning them.
  std::uint32_t holding = 0;
  /// Its cluster-wide limits (lease_counts; counted only).
  std::uint64_t lease_homes = 0;
  std::uint64_t leased_out = 0;
  std::uint64_t leases_held = 0;
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
  /// From its admission actor (lease_counts).
  std::uint64_t lease_homes = 0;
  std::uint64_t leased_out = 0;
  std::uint64_t leases_held = 0;
};

} // namespace warden
