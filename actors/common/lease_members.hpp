#pragma once

// What every holder and home of cluster-wide limits shares, whichever actor
// keeps them (admission for tenants' caps, a provider for its rates): the
// lease counters, who is a member, and where a limit's home is.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/fwd.hpp>

#include "actors/protocol/messages.hpp"
#include "policies/lease_ledger.hpp"
#include "policies/placement.hpp"

namespace prometheus {
class Counter;
class Gauge;
} // namespace prometheus

namespace warden {

/// The lease metrics of one node; every pointer may be null. The counters
/// count every limit's leases; the gauges are the tenants' caps' (set by
/// admission alone).
struct lease_metrics {
  /// `warden_cluster_lease_grants_total`: answers of this node, as a home,
  /// that granted units.
  prometheus::Counter* grants = nullptr;
  /// `warden_cluster_lease_granted_units_total`: the units they granted.
  prometheus::Counter* granted_units = nullptr;
  /// `warden_cluster_lease_expiries_total{side="home"}`: leases this node
  /// revoked as a home (their ttl passed, or their holder was lost).
  prometheus::Counter* home_expiries = nullptr;
  /// `warden_cluster_lease_expiries_total{side="holder"}`: leases this
  /// node gave up as a holder (no renewal in time).
  prometheus::Counter* holder_expiries = nullptr;
  /// `warden_cluster_leased_units`: units this node has leased out.
  prometheus::Gauge* leased_out = nullptr;
  /// `warden_cluster_lease_held_units`: units leased to this node.
  prometheus::Gauge* held = nullptr;
};

/// The period of a lease side's timer, and the wait before asking again
/// after an ask that got nothing: a sixtieth of the lease ttl, within
/// [10, 100] ms.
[[nodiscard]] std::chrono::milliseconds
lease_tick_interval(std::chrono::milliseconds ttl) noexcept;

/// The first generation of a new ledger made by member `member`: one no
/// earlier ledger of the limit used (the wall time in ms, well apart from
/// the member's index and `made`, a count of the ledgers its owner made, so
/// that two members, or two actors of one process, that make a ledger in
/// the same millisecond differ). Increments `made`.
[[nodiscard]] policies::lease_generation
first_lease_generation(std::uint32_t member, std::uint64_t& made) noexcept;

/// Adds `units` to `counter` (null-safe; 0 adds nothing).
void add_units(prometheus::Counter* counter, std::uint64_t units) noexcept;

/// Whether `sender` runs on this node (`self`) or on a member up in
/// `nodes` (their node actors by member index, null when down): lease
/// messages from anywhere else are dropped.
[[nodiscard]] bool sent_by_member(const caf::local_actor* self,
                                  const std::vector<caf::actor>& nodes,
                                  const caf::strong_actor_ptr& sender);

/// The home of limit `name`: the member up (`nodes[i]` set, or `self`)
/// that the name weighs most for; nothing without a placement.
[[nodiscard]] std::optional<std::uint32_t>
lease_home_of(const std::optional<policies::placement>& placement,
              const std::vector<caf::actor>& nodes, std::uint32_t self,
              const std::string& name);

/// The home's answer to an ask as the message that carries it, counting a
/// grant in `metrics` (grants and granted units).
[[nodiscard]] lease_grant grant_of(const lease_ask& ask, std::uint32_t home,
                                   const policies::lease_answer& answer,
                                   const lease_metrics& metrics);

/// The answer a `lease_grant` carries, for a holder in `mode`.
[[nodiscard]] policies::lease_answer answer_of(const lease_grant& msg,
                                               policies::lease_mode mode);

/// Sends `lease_recall` for limit `name` to every holder in `holders` (by
/// member index, but `except`) that `ledger` counts units for.
void send_recalls(
    caf::event_based_actor* self, const std::string& name, std::uint32_t home,
    const std::array<caf::actor, policies::max_lease_holders>& holders,
    const policies::lease_ledger& ledger, std::uint32_t except);

} // namespace warden
