#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>

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

/// Identifies an open reservation; handed out by the ledger, never reused by
/// one ledger. 0 is never a valid id.
using reservation_id = std::uint64_t;

/// What kind of refusal a ledger operation returned.
enum class budget_refusal_code : std::uint8_t {
  unknown_reservation, ///< the reservation is not (or no longer) open
  insufficient,        ///< the budget lacks what was asked in `dimension`
  invalid_grant,       ///< a final-turn reserve larger than its grant
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(budget_refusal_code x) noexcept;

/// Why the ledger refused an operation. Cheap to build: the sentence is made
/// only on demand by `reason()`.
struct budget_refusal {
  /// What went wrong.
  budget_refusal_code code = budget_refusal_code::insufficient;
  /// The reservation concerned (meaningful for `unknown_reservation`).
  reservation_id reservation = 0;
  /// The first dimension that lacks budget (meaningful for `insufficient`
  /// and `invalid_grant`).
  budget_dimension dimension = budget_dimension::tokens;
  /// What the request needed in `dimension` (for `invalid_grant`: the
  /// final-turn reserve).
  std::uint64_t needed = 0;
  /// What was available in `dimension` (for `invalid_grant`: the grant).
  std::uint64_t available = 0;

  /// A sentence naming the reservation, or the dimension and the numbers.
  [[nodiscard]] std::string reason() const;
};

/// The answer to reserve and reserve_final_turn.
struct reserve_decision {
  /// The new reservation; 0 when refused.
  reservation_id reservation = 0;
  /// Set when refused: names the lacking dimension and the numbers.
  std::optional<budget_refusal> refusal;

  /// True when the estimate was reserved.
  [[nodiscard]] bool admitted() const noexcept { return !refusal.has_value(); }
};

/// The outcome of commit and refund.
struct settle_result {
  /// Set when the reservation was unknown; nothing changed then.
  std::optional<budget_refusal> refusal;
  /// Added to spent.
  budget_amounts charged;
  /// Reserved but not used: returned to remaining.
  budget_amounts released;
  /// Used beyond what the budget could cover; never charged.
  budget_amounts overrun;
  /// Whether the budget is exhausted after this operation.
  bool exhausted = false;

  /// True when the reservation was known and is now settled.
  [[nodiscard]] bool ok() const noexcept { return !refusal.has_value(); }

  /// True when the actual use did not fit in the budget.
  [[nodiscard]] bool overran() const noexcept { return !overrun.is_zero(); }
};

/// A snapshot of a ledger. Always reserved + spent + remaining == grant in
/// every dimension.
struct budget_balance {
  /// What the run was given.
  budget_amounts grant;
  /// Held by open reservations.
  budget_amounts reserved;
  /// Charged by commits.
  budget_amounts spent;
  /// Neither reserved nor spent; includes the final-turn reserve.
  budget_amounts remaining;
  /// The part of remaining that only reserve_final_turn may draw on.
  budget_amounts final_turn_reserve;
  /// Use that the budget could not cover and that was not charged.
  budget_amounts overrun;

  /// What an ordinary reserve may draw on.
  [[nodiscard]] budget_amounts available() const noexcept {
    return remaining - final_turn_reserve;
  }
};

struct open_decision;

/// The budget of one run in four dimensions (tokens, cost, wall time,
/// iterations): its grant, the reservations of its calls, what they spent,
/// and a final-turn reserve.
///
/// - Every call reserves an estimate first and commits its actual use after.
///   A commit below the estimate returns the difference. A commit above it
///   draws on what is available; what is not there is reported as overrun
///   and never charged, so no balance goes below zero, and the budget is
///   marked exhausted.
/// - The final-turn reserve is a part of the grant that ordinary reserves
///   and their overruns cannot touch; reserve_final_turn may draw on it, so
///   a run that hits its limit can still produce an answer.
/// - A dimension granted `budget_amounts::unlimited` never refuses.
///
/// Every operation is O(1). Not thread-safe: owned by one actor.
class budget_ledger {
 public:
  /// Opens a ledger with `grant`; `final_turn_reserve` must fit in `grant`,
  /// else refused with invalid_grant and the first dimension that exceeds it.
  [[nodiscard]] static open_decision
  open(const budget_amounts& grant,
       const budget_amounts& final_turn_reserve = {});

  /// Reserves `estimate` before a call, out of the budget that excludes the
  /// final-turn reserve; refused with the first dimension that lacks it.
  [[nodiscard]] reserve_decision reserve(const budget_amounts& estimate);

  /// Reserves `estimate` for a run's last answer; may draw on the final-turn
  /// reserve.
  [[nodiscard]] reserve_decision
  reserve_final_turn(const budget_amounts& estimate);

  /// Settles a reservation with the call's actual use: below the estimate
  /// returns the difference, above it draws on what is available.
  settle_result commit(reservation_id reservation,
                       const budget_amounts& actual);

  /// Cancels a reservation: nothing was spent, all of it is released.
  settle_result refund(reservation_id reservation);

  /// A snapshot of the budget.
  [[nodiscard]] budget_balance balance() const noexcept;

  /// True when a commit overran, or when some dimension has nothing left
  /// for ordinary calls once the reservations are settled (grant - spent
  /// within the final-turn reserve).
  [[nodiscard]] bool exhausted() const noexcept;

 private:
  struct reservation_state {
    bool final_turn = false;
    budget_amounts amount;
  };

  budget_ledger(const budget_amounts& grant,
                const budget_amounts& final_turn_reserve);

  reserve_decision reserve_impl(const budget_amounts& estimate,
                                bool final_turn);
  settle_result settle(reservation_id id, const budget_amounts* actual);

  budget_amounts grant_;
  budget_amounts reserved_;
  budget_amounts spent_;
  budget_amounts remaining_;
  budget_amounts final_turn_; // as opened; may exceed remaining_
  budget_amounts overrun_;    // only grows
  reservation_id next_reservation_ = 1;
  std::unordered_map<reservation_id, reservation_state> reservations_;
};

/// The answer to budget_ledger::open.
struct open_decision {
  /// The new ledger; empty when refused.
  std::optional<budget_ledger> ledger;
  /// Set when refused.
  std::optional<budget_refusal> refusal;

  /// True when the ledger was opened.
  [[nodiscard]] bool opened() const noexcept { return ledger.has_value(); }
};

} // namespace warden::policies
