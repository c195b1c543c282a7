#pragma once

// Cluster-wide limits by leases. A limit that must hold across the members
// of a cluster (a tenant's in-flight cap, a provider's requests or tokens
// per minute, a tenant's daily tokens) lives on one member, its home. The
// home keeps a `lease_ledger`; every other member keeps a `lease_holder`,
// leases units from the home in chunks, takes them locally without asking,
// and returns what it does not use. A lease lives for `ttl` after the
// home's latest answer to its holder; a holder that stops asking (lost, or
// cut off from the home) loses it, so a lost member cannot keep capacity
// for ever.
//
// Timing. The home extends a lease to (the instant it answers) + ttl. The
// holder trusts it until (the instant it sent the ask) + ttl - margin,
// which comes first in real time because the ask was sent before it was
// answered: a holder cut off from its home stops taking units before the
// home frees them, provided the holder's clock runs no slower than the
// home's by more than margin / ttl (the clock condition).
//
// Concurrency mode (units come back: in-flight runs). Let in_use(h) be the
// units holder h took and has not given back, local the home's own units,
// leased(h) the home's count for h. The home grants only what is free, so
// local + sum of leased(h) <= capacity at all times (unless `reset` lowered
// the capacity below what is out). A holder takes only within the units it
// trusts it holds, and those never exceed leased(h) until the home revokes
// its lease. Hence, at every instant,
//
//   local + sum of in_use(h) <= capacity + sum of max(0, in_use(h) - leased(h))
//
// and the term of h is zero unless the home revoked h's lease (`expire` or
// `holder_lost`) while h, still alive, had units in use or to take:
//   - after `expire` of a holder cut off from the home, h starts nothing new
//     (under the clock condition its own expiry came first), but runs it
//     started before keep running until they end: they count twice;
//   - after `holder_lost` of a member that is in fact alive, h may also keep
//     taking its unused units until its own expiry (at most ttl - margin
//     after its last ask) or its next answer, which names a new generation.
// Units in use at a holder never exceed what it trusted it held at the
// time, which never exceeds max_per_holder. So, whatever the clocks do, the
// overshoot is at most max_per_holder for each holder whose lease was
// revoked while it was alive: at most (members - 1) * max_per_holder. It
// lasts until those units are given back or covered by a new lease (a new
// grant covers a holder's units in use before it lets it take more). With
// no revocation of a live holder, nothing overshoots.
//
// Budget mode (units are spent: requests or tokens in a window, daily
// tokens). A grant charges the window; what a holder returns unspent comes
// back, what it reports spent (`settle`) stays charged. A revoked lease is
// presumed spent, never freed; `holder_lost` revokes nothing (see there),
// and `reset` (a new window) charges leases still out to the new window.
// Spending in a window therefore never exceeds its capacity, under the
// clock condition (a holder whose clock runs slow could spend units after
// the home presumed them spent and after a reset: at most max_per_holder
// per such holder). What this costs is under-use: a lost holder's units
// stay charged until the next window, and units spent in one window but
// settled in the next are charged to both.
//
// Messages. The owners carry asks, answers and reports between members; any
// of them may be lost, repeated or reordered. Reports carry running totals
// for one lease generation (units returned, units spent), and answers the
// running total granted, so the next one makes up for one that was lost;
// one for an earlier generation, or an answer to an ask the holder gave up,
// is ignored. A lost message leaves the home counting more than the holder
// uses, never less.

#include <array>
#include <cstdint>

#include "policies/clock.hpp"

namespace warden::policies {

/// The most holders a ledger tracks: a cluster's most members
/// (id_layout::max_members).
inline constexpr std::uint32_t max_lease_holders = 32;

/// A member's index in its cluster, below max_lease_holders.
using lease_holder_id = std::uint32_t;

/// Counts the revocations of one holder's lease: a report for an earlier
/// generation is ignored.
using lease_generation = std::uint64_t;

/// Whether units come back.
enum class lease_mode : std::uint8_t {
  concurrency, ///< units come back when released (in-flight runs)
  budget,      ///< units are spent; `reset` starts a new window
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(lease_mode x) noexcept;

/// Settings of the home side of one limit.
struct lease_ledger_config {
  /// The limit, in units (runs in flight; requests or tokens in a window).
  /// Default 0: nothing can be granted.
  std::uint64_t capacity = 0;
  /// How long a lease lives after the home's latest answer to its holder.
  /// Default 10 s.
  duration ttl = std::chrono::seconds{10};
  /// The most units one holder may hold at once; it bounds the overshoot
  /// (see the top of this file). 0 means capacity. Default 0.
  std::uint64_t max_per_holder = 0;
  /// Whether units come back or are spent. Default concurrency.
  lease_mode mode = lease_mode::concurrency;
  /// The generation every holder's lease starts at. A home that takes over
  /// a limit (another member's ledger, or its own before a restart) starts
  /// at a number no earlier ledger used, so that a holder's lease from the
  /// earlier one shows as another generation: the holder then takes this
  /// ledger's totals as they are (`lease_holder::on_answer`). Default 0.
  lease_generation first_generation = 0;
};

/// What an ask (grant or renew) got.
enum class lease_outcome : std::uint8_t {
  granted,        ///< every unit asked for
  partial,        ///< fewer: all that was free or all the holder may add
  exhausted,      ///< none free: ask again once units come back or, in
                  ///< budget mode, in the next window
  holder_full,    ///< the holder holds max_per_holder: use those first
  renewed,        ///< renew: the lease runs for another ttl
  no_lease,       ///< renew: the holder holds nothing (expired or revoked)
  unknown_holder, ///< the holder index is not below max_lease_holders
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(lease_outcome x) noexcept;

/// The home's answer to an ask, sent back to the holder as is.
struct lease_answer {
  /// What happened.
  lease_outcome outcome = lease_outcome::exhausted;
  /// Units granted by this answer (0 unless granted or partial).
  std::uint64_t units = 0;
  /// Units granted in this generation of the lease, in total.
  std::uint64_t granted_total = 0;
  /// Units leased to the holder after this answer, as the home counts them.
  std::uint64_t held = 0;
  /// The holder's lease generation at the home.
  lease_generation generation = 0;
  /// How long the lease lives from the answer; zero when `held` is 0.
  duration ttl = duration::zero();
  /// Whether units come back or are spent.
  lease_mode mode = lease_mode::concurrency;

  /// True when units were granted.
  [[nodiscard]] bool granted() const noexcept { return units > 0; }
};

/// What a holder did with one generation of its lease, in running totals:
/// a report supersedes every earlier one of the same generation.
struct lease_report {
  /// The generation of the lease.
  lease_generation generation = 0;
  /// Units returned unused, in total.
  std::uint64_t returned = 0;
  /// Budget mode: units spent, in total (0 in concurrency mode).
  std::uint64_t settled = 0;
};

/// What one `expire` call revoked (for the "lease expiries" metric).
struct lease_expiry {
  /// Leases revoked.
  std::uint32_t leases = 0;
  /// Units those leases held: freed in concurrency mode, presumed spent in
  /// budget mode.
  std::uint64_t units = 0;
};

/// The home side of one cluster-wide limit: the capacity, the home's own
/// use and, per holder, the units leased and until when. Decisions are
/// values; time comes from the injected clock. Not thread-safe: owned by
/// one actor.
class lease_ledger {
 public:
  /// An empty ledger; `time_source` must outlive it.
  lease_ledger(const clock& time_source, lease_ledger_config config);

  /// Grants `holder` up to `wanted` units: never more than is free
  /// (capacity minus local use, spent units and every outstanding lease)
  /// nor beyond max_per_holder. Renews the holder's lease whatever it
  /// grants: the ask shows that the holder is alive. Asking 0 units renews.
  [[nodiscard]] lease_answer grant(lease_holder_id holder,
                                   std::uint64_t wanted);

  /// A holder says it has `in_use` units in use. When the ledger counts
  /// fewer as leased to it (the lease came from another home, or was
  /// revoked here), it counts the difference as leased to it at once,
  /// whether free or not: those runs run anyway, and counting them keeps
  /// new grants within the capacity as soon as they end. Asking again
  /// adopts nothing more. Renews the lease when it adopts. Returns the
  /// units adopted.
  std::uint64_t adopt(lease_holder_id holder, std::uint64_t in_use);

  /// The home's own units in use when it took the limit over: counted as
  /// its own use, whether free or not.
  void adopt_local(std::uint64_t units) noexcept { local_ += units; }

  /// Extends `holder`'s lease to now + ttl; `no_lease` when it holds
  /// nothing (its lease expired or was revoked: the answer's generation
  /// tells the holder so).
  [[nodiscard]] lease_answer renew(lease_holder_id holder);

  /// Applies `holder`'s report: units it returned unused come back, and,
  /// in budget mode, units it spent leave the lease but stay charged to the
  /// window. Only what the totals add to the last report counts, and never
  /// more than was granted; a report for an earlier generation is ignored
  /// (that lease is gone already). Returns the units that came back.
  std::uint64_t report(lease_holder_id holder, const lease_report& report);

  /// Membership declared `holder` down. Concurrency mode: revokes its lease
  /// at once and returns the units freed. Budget mode: nothing (returns 0);
  /// the lease expires after its ttl and is presumed spent then, since
  /// freeing would give nothing back and a reset before the ttl would let a
  /// holder that is in fact alive spend uncharged units.
  std::uint64_t holder_lost(lease_holder_id holder);

  /// Revokes every lease whose ttl passed (expiry <= now): frees their
  /// units in concurrency mode, charges them as spent in budget mode.
  lease_expiry expire();

  /// Takes `units` for the home's own use if they are free; all or nothing.
  [[nodiscard]] bool try_acquire_local(std::uint64_t units);

  /// Gives back up to `units` of the home's own use that were not used (a
  /// run ended; in budget mode, an estimate above the actual use).
  void release_local(std::uint64_t units);

  /// Budget mode: `units` of the home's own use were spent; they stay
  /// charged to the window. No effect in concurrency mode.
  void settle_local(std::uint64_t units);

  /// Sets the capacity. Budget mode: starts a new window, forgetting the
  /// spent units; the home's own use and the leases still out stay charged
  /// (they may be spent in the new window).
  void reset(std::uint64_t capacity);

  /// Units leased to holders, over all holders.
  [[nodiscard]] std::uint64_t outstanding() const noexcept {
    return outstanding_;
  }

  /// Units free to grant or acquire now.
  [[nodiscard]] std::uint64_t available() const noexcept;

  /// The home's own units in use (budget mode: taken and not settled).
  [[nodiscard]] std::uint64_t local_use() const noexcept { return local_; }

  /// Budget mode: units spent in the current window (settled, or presumed
  /// spent on revocation). Always 0 in concurrency mode.
  [[nodiscard]] std::uint64_t spent() const noexcept { return spent_; }

  /// Units leased to `holder` (0 for an unknown holder).
  [[nodiscard]] std::uint64_t leased_to(lease_holder_id holder) const noexcept;

  /// The generation of `holder`'s lease (0 for an unknown holder).
  [[nodiscard]] lease_generation
  generation_of(lease_holder_id holder) const noexcept;

  /// When `holder`'s lease expires at the home (meaningless when it holds
  /// nothing).
  [[nodiscard]] time_point expiry_of(lease_holder_id holder) const noexcept;

  /// The limit, in units.
  [[nodiscard]] std::uint64_t capacity() const noexcept { return capacity_; }

  /// The most units one holder may hold (after the 0 default is applied).
  [[nodiscard]] std::uint64_t max_per_holder() const noexcept;

  /// How long a lease lives after an answer.
  [[nodiscard]] duration ttl() const noexcept { return ttl_; }

  /// Whether units come back or are spent.
  [[nodiscard]] lease_mode mode() const noexcept { return mode_; }

 private:
  // One holder's lease; units = granted - returned - settled.
  struct lease {
    std::uint64_t units = 0;
    std::uint64_t granted = 0;
    std::uint64_t returned = 0;
    std::uint64_t settled = 0;
    time_point expiry{};
    lease_generation generation = 0;
  };

  [[nodiscard]] lease_answer answer(const lease& x,
                                    lease_outcome outcome) const noexcept;
  std::uint64_t revoke(lease& x) noexcept;

  const clock& clock_;
  duration ttl_;
  std::uint64_t capacity_;
  std::uint64_t max_per_holder_;
  lease_mode mode_;
  std::uint64_t local_ = 0;
  std::uint64_t spent_ = 0;
  std::uint64_t outstanding_ = 0;
  std::array<lease, max_lease_holders> leases_{};
};

/// Settings of the holder side of one limit.
struct lease_holder_config {
  /// Units to ask for at a time. Default 1.
  std::uint64_t chunk = 1;
  /// Ask when the unused balance is at or below this many units (and
  /// something asked for units lately). Default 0.
  std::uint64_t low_water = 0;
  /// Return the unused balance above this many units. Default 0: 2 * chunk.
  std::uint64_t high_water = 0;
  /// Return the whole unused balance, and stop asking, once nothing asked
  /// for units for this long. Default 30 s.
  duration idle_after = std::chrono::seconds{30};
  /// How much sooner than the home the holder gives its lease up; covers a
  /// clock that runs slower than the home's (margin / ttl of drift). Must
  /// be below the home's ttl. Default 1 s.
  duration margin = std::chrono::seconds{1};
};

/// The holder side of one cluster-wide limit: a local balance of units
/// leased from the home, taken without asking the home. Asks, renewals and
/// reports are values for the owner to send; answers come back through
/// `on_answer`. Once its lease runs out without renewal, the holder takes
/// nothing more from it until an answer renews it. Time comes from the
/// injected clock. Not thread-safe: owned by one actor.
class lease_holder {
 public:
  /// A holder with nothing leased; `time_source` must outlive it.
  lease_holder(const clock& time_source, lease_holder_config config);

  /// Takes `units` from the balance if it has them (0 always succeeds),
  /// after `on_expired`. A refusal counts as demand: `wants` asks for at
  /// least the missing units.
  [[nodiscard]] bool try_take(std::uint64_t units);

  /// Gives back up to `units` taken but not used (a run ended; in budget
  /// mode, an estimate above the actual use).
  void give_back(std::uint64_t units);

  /// Counts `units` in use that no lease of this holder covers (runs that
  /// started under a lease from an earlier home): the next ask tells the
  /// home (`lease_ledger::adopt`), whose answer covers them before any
  /// unit can be taken again.
  void adopt(std::uint64_t units) noexcept { in_use_ += units; }

  /// Units to ask the home for now (send them with `asked`): 0 while an
  /// ask is out, when idle, or while the balance is above low_water;
  /// otherwise the larger of chunk and what the last refused take missed.
  /// Units in use that the lease does not cover (`uncovered`) are asked
  /// for whatever the demand: the home adopts them with the ask.
  [[nodiscard]] std::uint64_t wants() const;

  /// Whether to renew now: the lease has units (even if it ran out here:
  /// the home may still hold them), no ask is out, and half of the time the
  /// lease is trusted for has passed.
  [[nodiscard]] bool renew_due() const;

  /// Records that an ask (grant or renew) leaves now; returns its id, to
  /// pass to `on_answer`. An earlier ask still out is forgotten.
  std::uint64_t asked();

  /// Applies the home's answer to ask `ask`: counts the units granted and,
  /// when the home holds units for it, trusts the lease until the ask's
  /// departure + ttl - margin. A revoked lease (a new generation) is
  /// dropped first; in budget mode with the units taken from it, which the
  /// home charged, except at the holder's first answer: the home adopted
  /// its units in use with that ask (`adopt`), and they stay in use. Answers
  /// to other asks are ignored.
  void on_answer(std::uint64_t ask, const lease_answer& answer);

  /// Ask `ask` got no answer (timeout, error): another may leave.
  void ask_failed(std::uint64_t ask) noexcept;

  /// Units to return now: the whole balance when idle, else what exceeds
  /// high_water.
  [[nodiscard]] std::uint64_t surplus() const;

  /// Removes up to `units` from the unused balance; send the result to the
  /// home's `report`.
  [[nodiscard]] lease_report return_units(std::uint64_t units);

  /// Budget mode: the units taken (spent) since the last settlement leave
  /// the lease; send the result to the home's `report`.
  [[nodiscard]] lease_report settle();

  /// Budget mode: `units` of the units taken were spent (a call's actual
  /// use, while others are still in flight); they leave the lease, never
  /// more than it has left: units in use beyond it stay in use until the
  /// home adopted them. Send the result to the home's `report`.
  [[nodiscard]] lease_report settle(std::uint64_t units);

  /// The running totals of the current lease, to send again (a report may
  /// be lost; sending it twice does no harm).
  [[nodiscard]] lease_report report() const noexcept {
    return {generation_, returned_, settled_};
  }

  /// Stops trusting the lease if it ran out: the balance is 0 until an
  /// answer renews it (units in use stay counted, so a later lease covers
  /// them first). Returns the units the lease held, 0 when it did not run
  /// out (for the "lease expiries" metric).
  std::uint64_t on_expired();

  /// Units free to take (before `on_expired` notices a lease that ran out).
  [[nodiscard]] std::uint64_t balance() const noexcept {
    return held() > in_use_ ? held() - in_use_ : 0;
  }

  /// Units the holder trusts are leased to it: 0 once the lease ran out.
  [[nodiscard]] std::uint64_t held() const noexcept {
    return lapsed_ ? 0 : leased();
  }

  /// Units taken and not given back (budget mode: and not settled).
  [[nodiscard]] std::uint64_t in_use() const noexcept { return in_use_; }

  /// Units of the current generation as the home last said, trusted or
  /// not (the lease may have run out here while the home still counts
  /// them).
  [[nodiscard]] std::uint64_t leased_units() const noexcept { return leased(); }

  /// Units in use beyond what is held: in use after the lease was lost.
  [[nodiscard]] std::uint64_t uncovered() const noexcept {
    return in_use_ > held() ? in_use_ - held() : 0;
  }

  /// Until when the lease is trusted (meaningless when nothing is held).
  [[nodiscard]] time_point expiry() const noexcept { return expiry_; }

  /// The generation of the lease, as the home last said.
  [[nodiscard]] lease_generation generation() const noexcept {
    return generation_;
  }

  /// Whether an ask is out.
  [[nodiscard]] bool asking() const noexcept { return asking_; }

 private:
  [[nodiscard]] bool idle(time_point now) const noexcept;
  [[nodiscard]] std::uint64_t live_balance(time_point now) const noexcept;
  // The units of the current generation, trusted or not.
  [[nodiscard]] std::uint64_t leased() const noexcept {
    return granted_ - returned_ - settled_;
  }

  const clock& clock_;
  lease_holder_config config_;
  lease_mode mode_ = lease_mode::concurrency;
  // Running totals of the current generation.
  lease_generation generation_ = 0;
  std::uint64_t granted_ = 0;
  std::uint64_t returned_ = 0;
  std::uint64_t settled_ = 0;
  std::uint64_t in_use_ = 0;
  // The lease ran out: nothing is trusted until an answer renews it.
  bool lapsed_ = false;
  // Whether any answer came: the first one revokes nothing.
  bool answered_ = false;
  time_point expiry_{};
  time_point renew_at_{};
  // The ask out, if any.
  bool asking_ = false;
  std::uint64_t ask_id_ = 0;
  time_point ask_sent_{};
  // Demand: the last take attempted (none yet: idle), and what the last
  // refused take missed.
  bool demanded_ = false;
  time_point last_demand_{};
  std::uint64_t shortfall_ = 0;
};

} // namespace warden::policies
