#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "policies/clock.hpp"

namespace warden::policies {

/// One of the four things a budget limits.
enum class budget_dimension : std::uint8_t {
  tokens,     ///< model tokens, input plus output
  cost,       ///< money, in integer micro-units
  wall_time,  ///< elapsed time of calls, in milliseconds
  iterations, ///< governed steps (model calls, tool calls)
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(budget_dimension x) noexcept;

/// An amount in each of the four budget dimensions. A plain value type; all
/// arithmetic saturates instead of wrapping.
struct budget_amounts {
  /// The value that stands for "no limit" in a grant dimension.
  static constexpr std::uint64_t unlimited =
      std::numeric_limits<std::uint64_t>::max();

  /// Model tokens, input plus output. Default 0.
  std::uint64_t tokens = 0;
  /// Cost in millionths of the billing currency unit (no floating point
  /// money). Default 0.
  std::uint64_t cost_micros = 0;
  /// Wall-clock time of calls in milliseconds, measured by the caller.
  /// Default 0.
  std::uint64_t wall_ms = 0;
  /// Governed steps; one model or tool call is one iteration. Default 0.
  std::uint64_t iterations = 0;

  /// The amount in dimension `d`.
  [[nodiscard]] std::uint64_t get(budget_dimension d) const noexcept;

  /// True when every dimension is zero.
  [[nodiscard]] bool is_zero() const noexcept;

  /// True when no dimension exceeds the same dimension of `limit`.
  [[nodiscard]] bool fits_in(const budget_amounts& limit) const noexcept;

  /// The first dimension in which this amount exceeds `limit`, if any.
  [[nodiscard]] std::optional<budget_dimension>
  first_exceeding(const budget_amounts& limit) const noexcept;

  /// An amount with every dimension set to `unlimited`.
  [[nodiscard]] static budget_amounts no_limit() noexcept {
    return {unlimited, unlimited, unlimited, unlimited};
  }
};

/// Sum per dimension, saturating at `budget_amounts::unlimited`.
budget_amounts operator+(const budget_amounts& x,
                         const budget_amounts& y) noexcept;

/// Difference per dimension, saturating at zero.
budget_amounts operator-(const budget_amounts& x,
                         const budget_amounts& y) noexcept;

/// Minimum per dimension.
budget_amounts min(const budget_amounts& x, const budget_amounts& y) noexcept;

/// Equality in every dimension.
bool operator==(const budget_amounts& x, const budget_amounts& y) noexcept;

/// Inequality in some dimension.
inline bool operator!=(const budget_amounts& x,
                       const budget_amounts& y) noexcept {
  return !(x == y);
}

/// Renders `x` as "{tokens=1, cost_micros=2, wall_ms=3, iterations=4}".
std::string to_string(const budget_amounts& x);

/// Identifies an account (a tenant's day or a run); handed out by the ledger,
/// never reused by one ledger. 0 is never a valid id.
using account_id = std::uint64_t;

/// Identifies an open reservation; handed out by the ledger, never reused.
using reservation_id = std::uint64_t;

/// Settings of a budget ledger.
struct budget_ledger_config {
  /// Length of a tenant's budget day. Default 24 h; tests use a short one.
  duration day_length = std::chrono::hours{24};
  /// Time from the ledger's construction to its first day boundary, modulo
  /// day_length; 0 puts boundaries at whole day_lengths after construction.
  /// Set it to the time until the next midnight to follow the calendar.
  /// Default 0.
  duration day_offset = duration::zero();
};

/// What kind of refusal a ledger operation returned.
enum class budget_refusal_code : std::uint8_t {
  unknown_account,     ///< the account is not (or no longer) open
  unknown_reservation, ///< the reservation is not (or no longer) open
  insufficient,        ///< the account lacks budget in `dimension`
  invalid_grant,       ///< a final-turn reserve larger than its grant
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(budget_refusal_code x) noexcept;

/// Why the ledger refused an operation. Cheap to build: the sentence is made
/// only on demand by `reason()`.
struct budget_refusal {
  /// What went wrong.
  budget_refusal_code code = budget_refusal_code::insufficient;
  /// The account (or, for unknown_reservation, the reservation) concerned.
  std::uint64_t subject = 0;
  /// The first dimension that lacks budget (meaningful for `insufficient`).
  budget_dimension dimension = budget_dimension::tokens;
  /// What the request needed in `dimension`.
  std::uint64_t needed = 0;
  /// What the account had available in `dimension`.
  std::uint64_t available = 0;

  /// A sentence naming the account, the dimension and the numbers.
  [[nodiscard]] std::string reason() const;
};

/// The answer to open_tenant and open_run.
struct open_decision {
  /// The new account; 0 when refused.
  account_id account = 0;
  /// Set when refused.
  std::optional<budget_refusal> refusal;

  /// True when the account was opened.
  [[nodiscard]] bool opened() const noexcept { return !refusal.has_value(); }
};

/// The answer to reserve and reserve_final_turn.
struct reserve_decision {
  /// The new reservation; 0 when refused.
  reservation_id reservation = 0;
  /// Set when refused: names the exhausted dimension and the numbers.
  std::optional<budget_refusal> refusal;

  /// True when the estimate was reserved.
  [[nodiscard]] bool admitted() const noexcept { return !refusal.has_value(); }
};

/// The outcome of commit and refund.
struct settle_result {
  /// Set when the reservation was unknown; nothing changed then.
  std::optional<budget_refusal> refusal;
  /// Added to the account's spent.
  budget_amounts charged;
  /// Reserved but not used: returned to the account's remaining.
  budget_amounts released;
  /// Used beyond what the account could cover; never charged.
  budget_amounts overrun;
  /// Whether the account is exhausted after this operation.
  bool exhausted = false;

  /// True when the reservation was known and is now settled.
  [[nodiscard]] bool ok() const noexcept { return !refusal.has_value(); }

  /// True when the actual use did not fit in the account.
  [[nodiscard]] bool overran() const noexcept { return !overrun.is_zero(); }
};

/// The outcome of close.
struct close_result {
  /// Set when the account was unknown; nothing changed then.
  std::optional<budget_refusal> refusal;
  /// Spent by the account, its subtree included; added to the parent's spent.
  budget_amounts spent;
  /// The unspent part of the grant; returned to the parent's remaining.
  budget_amounts returned;
  /// Overrun of the account and its subtree, added to the parent's overrun.
  budget_amounts overrun;
  /// Accounts closed: the account itself plus its open descendants.
  std::size_t closed_accounts = 0;
  /// Open reservations of the subtree that were charged at their estimate.
  std::size_t settled_reservations = 0;

  /// True when the account was known and is now closed.
  [[nodiscard]] bool ok() const noexcept { return !refusal.has_value(); }
};

/// A snapshot of one account. Always reserved + spent + remaining == grant in
/// every dimension.
struct budget_balance {
  /// What the account was given (a tenant: per day).
  budget_amounts grant;
  /// Held by open reservations and by the whole grants of open children.
  budget_amounts reserved;
  /// Charged by commits and by closed children (a tenant: today only).
  budget_amounts spent;
  /// Neither reserved nor spent; includes the final-turn reserve.
  budget_amounts remaining;
  /// The part of remaining that only reserve_final_turn may draw on.
  budget_amounts final_turn_reserve;
  /// Use that the account could not cover and was not charged.
  budget_amounts overrun;

  /// What an ordinary reserve or a child's grant may draw on.
  [[nodiscard]] budget_amounts available() const noexcept {
    return remaining - final_turn_reserve;
  }
};

/// Hierarchical budgets: a tenant's grant per day, root runs opened under a
/// tenant, child runs under runs at any depth, in four dimensions (tokens,
/// cost, wall time, iterations).
///
/// - A run's whole grant is reserved out of its parent's available budget
///   when it opens; closing it charges what it spent to the parent and
///   returns the rest, so spend rolls up to the tenant.
/// - Every call reserves an estimate first and commits its actual use after.
///   A commit above the estimate draws on what is available; what is not
///   there is reported as overrun and never charged, so no balance goes
///   below zero, and the account is marked exhausted.
/// - A run keeps a final-turn reserve that ordinary reserves, overruns and
///   children cannot touch; reserve_final_turn may draw on it, so a run that
///   hits its limit can still produce an answer.
/// - A tenant's spent resets at each day boundary of the injected clock.
///   The grants of runs still open stay reserved; their spend counts on the
///   day they close.
/// - Closing an account with open children closes the children first;
///   closing with open reservations charges them at their estimate (the
///   calls may have run, and the estimate is the caller's own bound on
///   them). Callers that know the actual use commit before closing.
///
/// reserve, commit and refund are O(1); close is O(subtree), plus one pass
/// over all open reservations when the subtree still holds some.
/// Not thread-safe: owned by one actor.
class budget_ledger {
 public:
  /// Creates an empty ledger; `time_source` must outlive it.
  explicit budget_ledger(const clock& time_source,
                         budget_ledger_config config = {});

  /// Opens a tenant account whose grant renews every day.
  [[nodiscard]] open_decision open_tenant(const budget_amounts& daily_grant);

  /// Opens a run under `parent` (a tenant for a root run, a run for a child)
  /// and reserves `grant` out of the parent's available budget; refused with
  /// the first dimension that lacks budget. `final_turn_reserve` must fit in
  /// `grant`.
  [[nodiscard]] open_decision
  open_run(account_id parent, const budget_amounts& grant,
           const budget_amounts& final_turn_reserve = {});

  /// Closes `account` and its open subtree, charges the spend to the parent
  /// and returns the unspent grant to it.
  close_result close(account_id account);

  /// Reserves `estimate` before a call, out of the budget that excludes the
  /// final-turn reserve.
  [[nodiscard]] reserve_decision reserve(account_id account,
                                         const budget_amounts& estimate);

  /// Reserves `estimate` for a run's last answer; may draw on the final-turn
  /// reserve.
  [[nodiscard]] reserve_decision
  reserve_final_turn(account_id account, const budget_amounts& estimate);

  /// Settles a reservation with the call's actual use: below the estimate
  /// returns the difference, above it draws on what is available.
  settle_result commit(reservation_id reservation,
                       const budget_amounts& actual);

  /// Cancels a reservation: nothing was spent, all of it is released.
  settle_result refund(reservation_id reservation);

  /// A snapshot of `account`, or nothing when it is not open.
  [[nodiscard]] std::optional<budget_balance> balance(account_id account);

  /// True when `account` overran, or when some dimension has nothing left for
  /// ordinary calls once its reservations are settled (grant - spent within
  /// the final-turn reserve). False for an unknown account.
  [[nodiscard]] bool exhausted(account_id account);

  /// The parent of `account`: 0 for a tenant, nothing when not open.
  [[nodiscard]] std::optional<account_id> parent(account_id account) const;

  /// Accounts currently open, tenants included.
  [[nodiscard]] std::size_t open_accounts() const noexcept {
    return accounts_.size();
  }

  /// Reservations not yet committed or refunded.
  [[nodiscard]] std::size_t open_reservations() const noexcept {
    return reservations_.size();
  }

  /// The settings given at construction (day_offset reduced modulo
  /// day_length).
  [[nodiscard]] const budget_ledger_config& config() const noexcept {
    return config_;
  }

 private:
  struct account_state {
    account_id parent = 0; // 0 for a tenant
    bool is_tenant = false;
    bool overran = false;
    bool closing = false;
    std::int64_t day = 0; // tenants: the day `spent` belongs to
    budget_amounts grant;
    budget_amounts reserved;
    budget_amounts spent;
    budget_amounts remaining;
    budget_amounts final_turn; // as configured; may exceed remaining
    budget_amounts overrun;
    std::size_t open_reservations = 0;
    std::vector<account_id> children;
  };

  struct reservation_state {
    // Stable: map nodes never move, and close settles the reservations of
    // an account before erasing it.
    account_state* owner = nullptr;
    bool final_turn = false;
    budget_amounts amount;
  };

  [[nodiscard]] std::int64_t day_of(time_point t) const noexcept;
  account_state* find(account_id id);
  void roll_day(account_state& a);
  reserve_decision reserve_impl(account_id id, const budget_amounts& estimate,
                                bool final_turn);
  settle_result settle(reservation_id id, const budget_amounts* actual);
  void settle_at_estimate(const reservation_state& r, account_state& a);
  static bool exhausted(const account_state& a) noexcept;

  const clock& clock_;
  budget_ledger_config config_;
  time_point origin_; // the start of day 0
  account_id next_account_ = 1;
  reservation_id next_reservation_ = 1;
  std::unordered_map<account_id, account_state> accounts_;
  std::unordered_map<reservation_id, reservation_state> reservations_;
};

} // namespace warden::policies
