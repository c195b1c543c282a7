#pragma once

// Who of a cluster is up, as this node sees it (actors/README.md, "A
// cluster"). The membership actor connects to the members with a higher
// index than its own through CAF's middleman (libcaf_openssl: mutual TLS),
// greets them, and exchanges heartbeats with every member it knows. A
// member is down when its actor is lost (a CAF monitor) or when nothing
// came from it for failure_timeout; it is up again once it greets or beats
// again. Each change goes to the router as a `cluster_view`, is logged and
// counted.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/cluster/metrics.hpp"
#include "actors/protocol/messages.hpp"
#include "policies/clock.hpp"

namespace warden {

/// One member as configured.
struct member_address {
  std::string name;
  std::string host;
  std::uint16_t port = 0;

  /// "host:port".
  [[nodiscard]] std::string address() const;
};

/// What a membership actor needs.
struct membership_config {
  /// Every member, by index ([cluster] nodes).
  std::vector<member_address> members;
  /// This node's index among them.
  std::uint32_t self = 0;
  /// [cluster] heartbeat_interval_ms and failure_timeout_ms.
  std::chrono::milliseconds heartbeat_interval{500};
  std::chrono::milliseconds failure_timeout{3000};
  /// This process's start, Unix ms: tells a restarted member apart.
  std::uint64_t incarnation = 0;
  /// The local node actor, named in greetings.
  caf::actor node;
  /// Receives a `cluster_view` at start and at every change.
  caf::actor router;
  /// The local handoff actor: told this actor's handle at start, and given
  /// the drain_member requests for this member.
  caf::actor handoff;
  /// Opens connections: answers (connect_atom, host, port) with
  /// (node_id, strong_actor_ptr, std::set<std::string>) like CAF's
  /// middleman actor. wardend passes libcaf_openssl's, so that every
  /// connection between members takes mutual TLS; tests pass a fake.
  caf::actor connector;
  /// Signs a greeting's identity with the cluster's secret (wardend: an
  /// HMAC-SHA256 under [cluster] secret_file, apps/tls/member_secret.hpp);
  /// a greeting whose proof differs from what this gives is refused. The
  /// secret stays inside the function.
  std::function<std::string(const std::string&)> prove;
  /// Wall time for `since_ms`; null: the system clock.
  std::shared_ptr<const policies::clock> time;
  /// Null: no metrics.
  std::shared_ptr<const cluster_metrics> metrics;
};

/// A hash of the member list (names and addresses, in order): members of
/// one cluster agree on it.
[[nodiscard]] std::uint64_t
cluster_fingerprint(const std::vector<member_address>& members);

/// What a greeting's proof signs (membership_config::prove): who greets,
/// in which cluster, which incarnation.
[[nodiscard]] std::string member_identity(const member_greeting& g);

/// One other member as the membership actor tracks it.
struct peer_state {
  bool up = false;
  std::uint64_t since_ms = 0;
  /// Its actors, from its greeting; null until it greeted, and again once
  /// its membership actor is lost.
  caf::actor membership;
  caf::actor node;
  std::uint64_t incarnation = 0;
  /// When anything last came from it.
  caf::actor_clock::time_point last_heard{};
  /// A connection attempt is under way (members with a higher index only).
  bool connecting = false;
  /// No attempt before this.
  caf::actor_clock::time_point next_attempt{};
  /// The wait after the next failed attempt (doubles up to
  /// failure_timeout).
  std::chrono::milliseconds backoff{0};
  /// What it said last in its greeting or beats: leaving the cluster, and
  /// the slots it holds without owning them (kept while it is down).
  bool leaving = false;
  bool holding_known = false;
  std::uint32_t holding_mask = 0;
  std::vector<std::uint32_t> holding;
};

/// State of the membership actor.
struct membership_state {
  static inline const char* name = "warden.cluster.membership";

  membership_config config;
  std::uint64_t fingerprint = 0;
  /// By member index; this node's own entry is unused.
  std::vector<peer_state> peers;
  std::uint64_t started_ms = 0;
  /// This member leaves the cluster (drain_member): it owns no slot.
  bool leaving = false;
  /// The slots this member's node holds without owning them, as its
  /// handoff actor last said; unknown until it first said.
  bool holding_known = false;
  std::uint32_t holding_mask = 0;
  std::vector<std::uint32_t> holding;
};

/// The membership actor. Besides its timers it takes `member_greeting`
/// (from the router), `member_beat`, `drain_member` (from the router, or
/// from another member's membership actor), and its handoff actor's
/// holdings (cluster_holding_atom).
caf::behavior membership_actor(caf::stateful_actor<membership_state>* self,
                               membership_config config);

} // namespace warden
