#pragma once

// A provider's requests and tokens per minute across a cluster
// (actors/README.md, "A provider's rates across the cluster"). Each of the
// two limits has a home: the member up that its name
// ("provider:<name>:requests", "provider:<name>:tokens") weighs most for,
// by the same rendezvous as tenants' caps. The home's provider actor keeps
// a `policies::lease_ledger` in budget mode whose window is the current
// UTC minute; every other member's keeps a `policies::lease_holder`, leases
// requests and tokens in chunks and spends them without asking. A call
// takes one request and its token estimate before its attempt starts;
// when the attempt ends, tokens it did not use go back and tokens it used
// beyond the estimate are charged too. What is spent is reported to the
// home (`lease_return`'s running totals) every tick.
//
// The bound. In a window, what the cluster spends never exceeds the
// capacity while the home stays the same (the ledger charges every grant,
// a revoked lease is presumed spent, leases still out at a new minute are
// charged to it), except by tokens that calls used beyond their estimates
// (charged when they are known, into the next grants) and, for a holder
// whose clock runs slower than the home's by more than the lease margin,
// one lease. When the home changes (a member down, back, or new), the new
// home knows nothing of what the earlier one charged in that window: the
// window of the change may spend up to twice its capacity, once.
//
// A call that needs units the holder does not have waits (the call table
// parks it) while the holder asks; it is refused `rate_limited` when the
// home answers that the window is spent (retry after the next minute
// starts), or when no units come within the lease ttl. Units other members
// hold and do not use are recalled (`lease_recall`) when the home, or a
// member that asks, finds none free: a call waits for them too.

#include <array>
#include <chrono>
#include <cstdint>
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

/// What a dependency's cluster-wide rates are built from.
struct cluster_rate_settings {
  /// Names the limits: "<prefix>:requests" and "<prefix>:tokens", e.g.
  /// "provider:openai". Empty: the call table keeps no cluster-wide rates.
  std::string prefix;
  /// Names the dependency in reasons, e.g. "provider 'openai'".
  std::string label;
  /// Requests and tokens per minute across the cluster; 0: no limit.
  std::uint64_t requests_per_minute = 0;
  std::uint64_t tokens_per_minute = 0;
  /// [cluster] lease_ttl_ms: how long a lease lives after the home's
  /// latest answer; how long a call waits for an answer.
  std::chrono::milliseconds ttl{3000};
  /// Lease counters (the gauges stay admission's).
  lease_metrics metrics;
};

/// What a call's take got.
struct rate_take {
  enum class outcome : std::uint8_t {
    taken,   ///< the call may start: its units are taken
    wait,    ///< a lease is asked for: try again after the next answer
    refused, ///< rate_limited (or invalid_argument): `reason`, `retry_after`
  };
  outcome what = outcome::taken;
  /// Refused: true when no wait is ever enough (the estimate exceeds the
  /// cluster's tokens per minute).
  bool never = false;
  std::string reason;
  policies::duration retry_after{0};
};

/// The two cluster-wide rate limits of one dependency, as this member holds
/// them. Inactive (every take succeeds) until `on_members` names a cluster
/// of more than one member, and when neither rate is set. Not thread-safe:
/// owned by the dependency actor.
class cluster_rates {
 public:
  /// `self` and `clock` must outlive this object.
  cluster_rates(caf::event_based_actor* self, const policies::clock& clock,
                cluster_rate_settings settings);

  /// Whether takes go through the cluster's leases.
  [[nodiscard]] bool active() const noexcept { return active_; }

  /// The members changed: recomputes both homes; a limit whose home
  /// changed starts over, carrying the tokens of calls in flight.
  void on_members(const lease_members& members);

  /// Takes one request and `tokens` for a call about to start.
  [[nodiscard]] rate_take try_take(std::uint64_t tokens);

  /// A take whose attempt did not start: its units come back.
  void put_back(std::uint64_t tokens);

  /// The attempt of a take ended having used `actual` tokens of the
  /// `estimate` it took (a failed attempt: the estimate).
  void reconcile(std::uint64_t estimate, std::uint64_t actual);

  /// The home side of `lease_ask`: answers `sender` with `lease_grant`.
  void on_ask(const lease_ask& msg, const caf::actor& sender);

  /// The holder side of `lease_grant`; true when it answered an ask of
  /// this node (waiting calls may try again).
  bool on_grant(const lease_grant& msg);

  /// The home side of `lease_return`; true when units came back (waiting
  /// calls may try again).
  bool on_return(const lease_return& msg);

  /// The holder side of `lease_recall`: every unit it does not use goes
  /// back now, and for a few ticks it asks only for calls that wait.
  void on_recall(const lease_recall& msg);

  /// Rolls the homes' windows, expires leases and asks, settles what was
  /// spent and sends the reports, returns and asks that are due.
  void tick();

  /// The tick's period (lease_tick_interval).
  [[nodiscard]] std::chrono::milliseconds tick_interval() const noexcept {
    return lease_tick_interval(settings_.ttl);
  }

  /// How long a call waits for a lease before it is refused.
  [[nodiscard]] std::chrono::milliseconds max_wait() const noexcept {
    return settings_.ttl;
  }

  /// Whether `sender` runs on a member of the cluster.
  [[nodiscard]] bool from_member(const caf::strong_actor_ptr& sender) const {
    return sent_by_member(self_, nodes_, sender);
  }

  /// One of the two limits, as this node holds it (for tests).
  struct limit {
    /// "<prefix>:requests" or "<prefix>:tokens".
    std::string name;
    /// Units per minute; 0: no limit.
    std::uint64_t capacity = 0;
    /// The home as of the latest members; `no_home` until known.
    std::uint32_t home = no_home;
    /// Home: the ledger, and the minute (since the epoch) it counts.
    std::optional<policies::lease_ledger> ledger;
    std::uint64_t window = 0;
    /// Holder: the lease, the ask out, no ask before `retry_at`, and every
    /// take refused before `spent_until` (the home said the window is
    /// spent).
    std::optional<policies::lease_holder> holder;
    std::uint64_t ask = 0;
    policies::time_point ask_sent{};
    policies::time_point retry_at{};
    policies::time_point spent_until{};
    /// The report last sent (running totals): a new one goes when they
    /// changed.
    policies::lease_report sent{};
    /// Units taken by attempts in flight (token estimates); what else is
    /// taken is spent, and settled at the next tick.
    std::uint64_t in_flight = 0;
    /// Home: each holder's actor (the sender of its latest ask), for
    /// recalls, and no recall before `recall_at`.
    std::array<caf::actor, policies::max_lease_holders> holders{};
    policies::time_point recall_at{};
    /// Holder: recalled, it keeps nothing ahead until this; a call waits
    /// for units (the next ask is for it).
    policies::time_point lean_until{};
    bool waiting = false;

    static constexpr std::uint32_t no_home = 0xFFFFFFFFu;
  };

  /// The requests (0) or tokens (1) limit.
  [[nodiscard]] const limit& of(std::size_t i) const { return limits_.at(i); }

 private:
  [[nodiscard]] bool take(limit& x, std::uint64_t units, rate_take& verdict);
  void give(limit& x, std::uint64_t units);
  void charge(limit& x, std::uint64_t units);
  void rehome(limit& x, std::uint32_t home);
  void roll(limit& x);
  void pump(limit& x);
  void recall(limit& x, std::uint32_t except);
  [[nodiscard]] policies::duration until_next_window() const;
  [[nodiscard]] limit* find(const std::string& name);

  caf::event_based_actor* self_;
  const policies::clock& clock_;
  cluster_rate_settings settings_;
  bool active_ = false;
  std::uint32_t self_index_ = 0;
  std::vector<caf::actor> nodes_;
  std::optional<policies::placement> placement_;
  /// Seeds the first generation of each new ledger.
  std::uint64_t ledgers_made_ = 0;
  std::array<limit, 2> limits_;
};

} // namespace warden
