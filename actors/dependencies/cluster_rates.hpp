#pragma once

// A provider's requests and tokens per minute across a cluster
// (actors/README.md, "A provider's rates across the cluster"): two budget
// limits ("provider:<name>:requests", "provider:<name>:tokens") whose
// window is the current UTC minute (budget_leases.hpp has the leases and
// their bound). A call takes one request and its token estimate before its
// attempt starts; when the attempt ends, tokens it did not use go back and
// tokens it used beyond the estimate are charged too. When the home
// changes, the new home knows nothing of what the earlier one charged in
// that minute: that minute may spend up to twice its capacity, once.
//
// A call that needs units the holder does not have waits (the call table
// parks it) while the holder asks; it is refused `rate_limited` when the
// home answers that the minute is spent (retry after the next minute
// starts), or when no units come within the lease ttl.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/common/budget_leases.hpp"
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
  [[nodiscard]] bool active() const noexcept {
    return leases_.active() && !leases_.limits().empty();
  }

  /// The members changed: recomputes both homes; a limit whose home
  /// changed starts over, carrying the tokens of calls in flight.
  void on_members(const lease_members& members) { leases_.on_members(members); }

  /// Takes one request and `tokens` for a call about to start.
  [[nodiscard]] rate_take try_take(std::uint64_t tokens);

  /// A take whose attempt did not start: its units come back.
  void put_back(std::uint64_t tokens);

  /// The attempt of a take ended having used `actual` tokens of the
  /// `estimate` it took (a failed attempt: the estimate).
  void reconcile(std::uint64_t estimate, std::uint64_t actual);

  /// The home side of `lease_ask`: answers `sender` with `lease_grant`.
  void on_ask(const lease_ask& msg, const caf::actor& sender) {
    leases_.on_ask(msg, sender);
  }

  /// The holder side of `lease_grant`; true when it answered an ask of
  /// this node (waiting calls may try again).
  bool on_grant(const lease_grant& msg) {
    return leases_.on_grant(msg) != nullptr;
  }

  /// The home side of `lease_return`; true when units came back (waiting
  /// calls may try again).
  bool on_return(const lease_return& msg) {
    return leases_.on_return(msg) != nullptr;
  }

  /// The holder side of `lease_recall`.
  void on_recall(const lease_recall& msg) { leases_.on_recall(msg); }

  /// Rolls the homes' windows, expires leases and asks, settles what was
  /// spent and sends the reports, returns and asks that are due.
  void tick() { leases_.tick(); }

  /// The tick's period (lease_tick_interval).
  [[nodiscard]] std::chrono::milliseconds tick_interval() const noexcept {
    return leases_.tick_interval();
  }

  /// How long a call waits for a lease before it is refused.
  [[nodiscard]] std::chrono::milliseconds max_wait() const noexcept {
    return leases_.max_wait();
  }

  /// Whether `sender` runs on a member of the cluster.
  [[nodiscard]] bool from_member(const caf::strong_actor_ptr& sender) const {
    return leases_.from_member(sender);
  }

  /// The requests (0) or tokens (1) limit; throws std::out_of_range when
  /// that rate is not set (for tests).
  [[nodiscard]] const budget_limit& of(std::size_t i) const;

 private:
  [[nodiscard]] bool take(budget_limit* x, std::uint64_t units,
                          rate_take& verdict);
  void give(budget_limit* x, std::uint64_t units);

  cluster_rate_settings settings_;
  budget_leases leases_;
  /// The requests and the tokens limit; null when that rate is not set.
  budget_limit* requests_ = nullptr;
  budget_limit* tokens_ = nullptr;
};

} // namespace warden
