#pragma once

// A tenant's in-flight cap across a cluster (actors/README.md, "Limits that
// hold cluster-wide"). Each tenant's cap has a home: the member up that the
// limit's name weighs most for (rendezvous over the members' names). The
// home's admission actor keeps a `policies::lease_ledger` of the cap; every
// other member's keeps a `policies::lease_holder`, leases runs from the home
// in chunks and admits within them without asking. The admission queue
// stays the node's own: what the leases change is the tenant's in-flight cap
// the queue applies there, which is the runs the tenant has in flight on the
// node plus the units the node may still take.
//
// The bound. With the members' views steady, runs in flight across the
// cluster never exceed the cap, except by the runs of a member whose lease
// was revoked while it was alive (declared down wrongly, or cut off): at
// most the units it held, which never exceed the cap (max_per_holder is the
// cap), so at most (members - 1) x cap while it lasts, and only until those
// runs end (policies/lease_ledger.hpp). When a limit's home changes, the new
// home counts the runs it has itself, grants nothing new for one lease ttl,
// and adopts the runs each member tells it it has in use
// (policies::lease_ledger::adopt); a member whose view of the home lags
// keeps its earlier lease until it expires (ttl - margin after its last
// ask), which the grace covers. Members on two sides of a partition each
// elect a home on their side: each side holds the cap on its own.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/common/lease_members.hpp"
#include "actors/protocol/messages.hpp"
#include "policies/clock.hpp"
#include "policies/lease_ledger.hpp"
#include "policies/placement.hpp"

namespace warden {

/// The tenant a limit's name ("tenant:<name>") is the cap of.
[[nodiscard]] std::string tenant_of_limit(const std::string& limit);

/// What the lease side of admission needs.
struct lease_settings {
  /// [cluster] lease_ttl_ms: how long a lease lives after the home's
  /// latest answer, and the grace of a new home.
  std::chrono::milliseconds ttl{3000};
  /// [cluster] lease_chunk: units asked for at a time.
  std::uint64_t chunk = 2;
  /// Metric handles.
  lease_metrics metrics;
};

/// One cluster-wide limit as this node holds it.
struct lease_limit {
  /// "tenant:<name>".
  std::string name;
  /// The cap, in runs.
  std::uint64_t capacity = 0;
  /// The limit's home as of the latest members; `no_home` until known.
  std::uint32_t home = no_home;
  /// When this node is the home.
  std::optional<policies::lease_ledger> ledger;
  /// A new home grants nothing new before this.
  policies::time_point grace_until{};
  /// Home: units each member asked for and did not get, at most a chunk,
  /// until when: the home leaves them to those members rather than take
  /// them itself, so that a home busy with the tenant cannot starve the
  /// other members.
  std::array<std::uint64_t, policies::max_lease_holders> unmet{};
  std::array<policies::time_point, policies::max_lease_holders> unmet_until{};
  /// Home: each holder's admission actor (the sender of its latest ask),
  /// for recalls; and no recall before this.
  std::array<caf::actor, policies::max_lease_holders> holders{};
  policies::time_point recall_at{};
  /// Holder: no new ask before this after one that got nothing.
  policies::time_point retry_at{};
  /// Holder: return every unit it does not use until this (the home
  /// recalled them: someone waits).
  policies::time_point lean_until{};
  /// When another member is the home.
  std::optional<policies::lease_holder> holder;
  /// The ask out, if any: its id and when it left.
  std::uint64_t ask = 0;
  policies::time_point ask_sent{};

  static constexpr std::uint32_t no_home = 0xFFFFFFFFu;
};

/// The lease side of an admission actor: its tenants' caps as leases of
/// cluster-wide limits. Inactive (every cap local, as on a single node)
/// until `on_members` names this node's cluster. Not thread-safe: owned by
/// the admission actor.
class admission_leases {
 public:
  /// `clustered`: the node is a member of a cluster; until `on_members`
  /// it then admits no run of any tenant (it knows no home yet), and the
  /// start counts as a change of members (see `members_changed_`).
  admission_leases(caf::event_based_actor* self, const policies::clock& clock,
                   lease_settings settings, bool clustered);

  /// Whether the caps are leased: the node is a member of a cluster.
  [[nodiscard]] bool active() const noexcept { return active_; }

  /// The members changed: recomputes every limit's home. A limit whose home
  /// changed starts over (a new ledger with a grace, or a new lease that
  /// tells the home the runs in use); a member that went down loses its
  /// leases at this node's ledgers. Returns the tenants whose caps may
  /// have changed.
  std::vector<std::string>
  on_members(const lease_members& members,
             const std::map<std::string, std::uint64_t>& in_use);

  /// Keeps tenant `tenant`'s limit in step with its `in_flight` runs on
  /// this node (taking or giving back units) and returns the units the
  /// node may still take; `waiting`: runs of the tenant wait here, so the
  /// node asks for more when it has none. Sends the asks, renewals and
  /// returns that are due.
  std::uint64_t sync(const std::string& tenant, std::uint64_t capacity,
                     std::uint64_t in_flight, bool waiting);

  /// The home side of `lease_ask`: answers `sender`. `capacity` is the
  /// tenant's cap, nothing when this node does not admit the tenant.
  void on_ask(const lease_ask& msg, std::optional<std::uint64_t> capacity,
              const caf::actor& sender);

  /// The holder side of `lease_grant`.
  void on_grant(const lease_grant& msg);

  /// The home side of `lease_return`.
  void on_return(const lease_return& msg);

  /// The holder side of `lease_recall`.
  void on_recall(const lease_recall& msg);

  /// Expires leases and asks that ran out; returns the tenants whose caps
  /// may have changed (every tenant with a limit).
  std::vector<std::string> tick();

  /// Drops tenant `tenant`'s limit when nothing of it runs or waits here
  /// (the caller knows) and it holds, leases and asks nothing: it comes
  /// back with the tenant's next run.
  void forget_if_unused(const std::string& tenant);

  /// The timer's period, and the wait before asking again after an ask
  /// that got nothing: a sixtieth of the ttl, within [10, 100] ms.
  [[nodiscard]] std::chrono::milliseconds tick_interval() const noexcept {
    return lease_tick_interval(settings_.ttl);
  }

  /// Whether `sender` runs on a member of the cluster (this node
  /// included): lease messages from anywhere else are dropped.
  [[nodiscard]] bool from_member(const caf::strong_actor_ptr& sender) const;

  /// What this node holds (for `cluster_report`).
  [[nodiscard]] lease_counts counts() const;

  /// The limit of `tenant`, or null (for tests).
  [[nodiscard]] const lease_limit* find(const std::string& tenant) const;

 private:
  lease_limit& limit_for(const std::string& tenant, std::uint64_t capacity);
  void rehome(lease_limit& limit, std::uint32_t home, std::uint64_t in_use);
  [[nodiscard]] std::uint32_t home_of(const std::string& name) const;
  void pump(lease_limit& limit, bool waiting);
  void send_ask(lease_limit& limit, std::uint64_t wanted);
  void recall(lease_limit& limit, std::uint32_t except);
  void show_counts();

  caf::event_based_actor* self_;
  const policies::clock& clock_;
  lease_settings settings_;
  bool active_ = false;
  std::uint32_t self_index_ = 0;
  std::vector<caf::actor> nodes_;
  std::optional<policies::placement> placement_;
  /// When the members last changed (or the actor started): a ledger made
  /// within a ttl of it grants nothing new until that ttl has passed.
  policies::time_point members_changed_{};
  /// Seeds the first generation of each new ledger.
  std::uint64_t ledgers_made_ = 0;
  std::map<std::string, lease_limit> limits_; // by tenant name
};

} // namespace warden
