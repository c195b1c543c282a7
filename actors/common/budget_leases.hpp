#pragma once

// Limits of units spent in a calendar window (a provider's requests or
// tokens per UTC minute, a tenant's tokens per UTC day) that hold across a
// cluster (actors/README.md, "A provider's rates across the cluster" and
// "A tenant's daily tokens across the cluster"). Each limit has a home: the
// member up that its name weighs most for, by the same rendezvous as
// tenants' caps. The home keeps a `policies::lease_ledger` in budget mode
// whose window is the current calendar window; every other member keeps a
// `policies::lease_holder`, leases units in chunks and spends them without
// asking. The owner takes units before the work that spends them starts
// (`take`); what the work did not use goes back (`give`), what it used
// beyond them is charged too (`charge`). Units taken and not counted in
// `budget_limit::in_flight` are spent: they are settled at the home
// (`lease_return`'s running totals) every tick.
//
// The bound. In a window, what the cluster spends never exceeds the
// capacity while the home stays the same (the ledger charges every grant,
// a revoked lease is presumed spent, leases still out at a new window are
// charged to it), except by units used beyond what was taken (charged when
// they are known, into the next grants) and, for a holder whose clock runs
// slower than the home's by more than the lease margin, one lease. When
// the home changes, the new home learns what each member up has in use
// (what it spent in the window too, when the owner says so: `in_use`
// below) from its first ask, and counts it before it grants anything: what
// the earlier home charged for members that are down is not known, so the
// window of the change may overshoot by what those members spent in it.
// Members that spent units ask within a tick of the change; a home that is
// told what members spent (`in_use` set) grants nothing for two ticks.
//
// Work that needs units the holder does not have waits (the owner parks
// it) while the holder asks; `take` says `spent` when the home answered
// that the window is spent (retry once the next window starts). Units
// other members hold and do not use are recalled (`lease_recall`) when the
// home, or a member that asks, finds none free.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
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

/// What the budget limits of one owner share.
struct budget_lease_settings {
  /// [cluster] lease_ttl_ms: how long a lease lives after the home's
  /// latest answer; how long work waits for an answer.
  std::chrono::milliseconds ttl{3000};
  /// The calendar window, in ms of Unix time (60'000: a UTC minute;
  /// policies::day_ms: a UTC day).
  std::uint64_t window_ms = 60'000;
  /// Lease counters (the gauges stay admission's).
  lease_metrics metrics;
};

/// One limit as this member holds it.
struct budget_limit {
  /// The limit's name, e.g. "provider:openai:tokens".
  std::string name;
  /// Units per window.
  std::uint64_t capacity = 0;
  /// The home as of the latest members; `no_home` until known.
  std::uint32_t home = no_home;
  /// Home: the ledger, and the window (since the epoch) it counts.
  std::optional<policies::lease_ledger> ledger;
  std::uint64_t window = 0;
  /// Home, when spending outlives a change of home: it grants nothing
  /// before this, until the members up told it what they spent.
  policies::time_point grace_until{};
  /// Holder: the lease, the ask out, no ask before `retry_at`, and every
  /// take beyond the balance refused before `spent_until` (the home said
  /// the window is spent).
  std::optional<policies::lease_holder> holder;
  std::uint64_t ask = 0;
  policies::time_point ask_sent{};
  policies::time_point retry_at{};
  policies::time_point spent_until{};
  /// The report last sent (running totals): a new one goes when they
  /// changed.
  policies::lease_report sent{};
  /// Units taken by work in flight (the owner keeps it); what else is
  /// taken is spent, and settled at the next tick.
  std::uint64_t in_flight = 0;
  /// Home: each holder's actor (the sender of its latest ask), for
  /// recalls, and no recall before `recall_at`.
  std::array<caf::actor, policies::max_lease_holders> holders{};
  policies::time_point recall_at{};
  /// Holder: recalled, it keeps nothing ahead until this. Work waits for
  /// units: the next ask is for it, and the holder keeps the units it has
  /// for it (returning them would have them granted back at once). It
  /// waits while a take failed since the tick before last.
  policies::time_point lean_until{};
  bool waiting = false;
  bool failed_since_tick = false;

  static constexpr std::uint32_t no_home = 0xFFFFFFFFu;
};

/// What a take got.
enum class budget_take : std::uint8_t {
  taken, ///< the units are taken
  wait,  ///< a lease is asked for: try again after the next answer
  spent, ///< the window is spent: `until_next_window`
};

/// The budget limits of one owner (a dependency actor, admission), as this
/// member holds them. Inactive (every take succeeds) until `on_members`
/// names a cluster of more than one member. Not thread-safe: owned by one
/// actor.
class budget_leases {
 public:
  /// Units the owner has in use here for a limit whose home changes: those
  /// of work in flight and, when the window's spending is to outlive a
  /// change of home (daily tokens), what it spent in the window.
  using in_use_fn = std::function<std::uint64_t(const budget_limit&)>;

  /// `self` and `clock` must outlive this object. `in_use` null: a limit's
  /// `in_flight`.
  budget_leases(caf::event_based_actor* self, const policies::clock& clock,
                budget_lease_settings settings, in_use_fn in_use = nullptr);

  /// Whether takes go through the cluster's leases.
  [[nodiscard]] bool active() const noexcept { return active_; }

  /// The members changed: recomputes every limit's home; a limit whose home
  /// changed starts over, carrying what is in use here.
  void on_members(const lease_members& members);

  /// The limit `name`, added with `capacity` (> 0) units per window and
  /// homed at once when it is new.
  budget_limit& add(const std::string& name, std::uint64_t capacity);

  /// The limit `name`, or null.
  [[nodiscard]] budget_limit* find(const std::string& name);
  [[nodiscard]] const budget_limit* find(const std::string& name) const;

  /// Takes `units` of `x`, or asks for them.
  [[nodiscard]] budget_take take(budget_limit& x, std::uint64_t units);

  /// Units of `x` this member may take now without asking: the ledger's
  /// free units at the home, the balance at a holder; 0 before a home is
  /// known.
  [[nodiscard]] std::uint64_t free(budget_limit& x);

  /// Units a holder of `x` asks for at a time: a quarter of an even share
  /// (a busy member asks a few times a window, an idle one holds little).
  [[nodiscard]] std::uint64_t chunk(const budget_limit& x) const noexcept;

  /// Units taken and not used come back.
  void give(budget_limit& x, std::uint64_t units);

  /// Units used beyond what was taken: charged whether free or not.
  void charge(budget_limit& x, std::uint64_t units);

  /// The home side of `lease_ask`: answers `sender` with `lease_grant`.
  void on_ask(const lease_ask& msg, const caf::actor& sender);

  /// The holder side of `lease_grant`: the limit whose ask it answered
  /// (work waiting for it may try again), or null.
  budget_limit* on_grant(const lease_grant& msg);

  /// The home side of `lease_return`: the limit, when units came back
  /// (work waiting for it may try again), or null.
  budget_limit* on_return(const lease_return& msg);

  /// The holder side of `lease_recall`: every unit it does not use goes
  /// back now, and for a few ticks it asks only for work that waits.
  void on_recall(const lease_recall& msg);

  /// Rolls the homes' windows, expires leases and asks, settles what was
  /// spent and sends the reports, returns and asks that are due.
  void tick();

  /// The time until the next window starts.
  [[nodiscard]] policies::duration until_next_window() const;

  /// The tick's period (lease_tick_interval).
  [[nodiscard]] std::chrono::milliseconds tick_interval() const noexcept {
    return lease_tick_interval(settings_.ttl);
  }

  /// How long work waits for a lease before it is refused.
  [[nodiscard]] std::chrono::milliseconds max_wait() const noexcept {
    return settings_.ttl;
  }

  /// Whether `sender` runs on a member of the cluster.
  [[nodiscard]] bool from_member(const caf::strong_actor_ptr& sender) const {
    return sent_by_member(self_, nodes_, sender);
  }

  /// Every limit, by name.
  [[nodiscard]] const std::map<std::string, budget_limit>& limits() const {
    return limits_;
  }

 private:
  [[nodiscard]] std::uint64_t in_use_of(const budget_limit& x) const;
  void rehome(budget_limit& x, std::uint32_t home);
  void roll(budget_limit& x);
  void pump(budget_limit& x);
  void recall(budget_limit& x, std::uint32_t except);

  caf::event_based_actor* self_;
  const policies::clock& clock_;
  budget_lease_settings settings_;
  in_use_fn in_use_;
  bool active_ = false;
  std::uint32_t self_index_ = 0;
  std::vector<caf::actor> nodes_;
  std::optional<policies::placement> placement_;
  /// Seeds the first generation of each new ledger.
  std::uint64_t ledgers_made_ = 0;
  std::map<std::string, budget_limit> limits_;
};

} // namespace warden
