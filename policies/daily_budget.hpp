#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace warden::policies {

/// Milliseconds in one UTC day (Unix time counts no leap seconds).
inline constexpr std::uint64_t day_ms = 86'400'000;

/// The UTC day of Unix time `unix_ms`, in days since 1970-01-01.
[[nodiscard]] constexpr std::uint64_t utc_day(std::uint64_t unix_ms) noexcept {
  return unix_ms / day_ms;
}

/// `a + b`, or the largest value when that overflows.
[[nodiscard]] constexpr std::uint64_t saturating_add(std::uint64_t a,
                                                     std::uint64_t b) noexcept {
  return b > ~std::uint64_t{0} - a ? ~std::uint64_t{0} : a + b;
}

/// The answer to "may this tenant start new work today?".
struct daily_budget_decision {
  /// Tokens the tenant used on the current UTC day.
  std::uint64_t used = 0;
  /// Tokens held by the tenant's open reservations.
  std::uint64_t reserved = 0;
  /// The tenant's daily token budget; 0 = unlimited.
  std::uint64_t budget = 0;
  /// The fewest tokens the new work needs left to start (at least 1).
  std::uint64_t needed = 1;
  /// When the counter resets (the next 00:00 UTC), Unix milliseconds.
  std::uint64_t resets_at_ms = 0;
  /// A sentence naming the tenant, its numbers and the reset; empty when
  /// allowed.
  std::string reason;

  /// Whether the tenant may start new work: `needed` of its budget is
  /// neither used nor reserved.
  [[nodiscard]] bool allowed() const noexcept {
    return budget == 0 || left() >= std::max<std::uint64_t>(needed, 1);
  }

  /// Tokens neither used nor reserved (0 for an unlimited budget: ask
  /// `allowed` first).
  [[nodiscard]] std::uint64_t left() const noexcept {
    auto taken = saturating_add(used, reserved);
    return budget > taken ? budget - taken : 0;
  }
};

/// What settling a run's reservation did.
struct budget_settlement {
  /// Whether the tokens counted for the current day (false for a run that
  /// ended on a day that is over).
  bool counted = false;
  /// The reservation that was released (0 when the run held none).
  std::uint64_t released = 0;
  /// Tokens used beyond the reservation (counted all the same: they were
  /// spent); 0 for a run that held none.
  std::uint64_t overrun = 0;
};

/// The fewest tokens a run with a token budget of `wanted` (0 = none of its
/// own) is reserved: an eighth of its budget, the share a run keeps for its
/// final answer (actors/session/config.hpp), since a run given less could
/// not answer at all; 1 for a run without a budget of its own.
[[nodiscard]] constexpr std::uint64_t
least_reservation(std::uint64_t wanted) noexcept {
  return wanted / 8 > 0 ? wanted / 8 : 1;
}

/// Each tenant's tokens of the current UTC day, and the tokens reserved
/// (escrowed) out of it for runs that have not ended.
///
/// Escrow: a run reserves its whole token budget, capped by what its tenant
/// has left (budget - used - reserved), when it is accepted; a run that
/// would get less than `least_reservation` of its budget is refused. When the
/// run ends, `settle` releases the reservation and counts what the run used.
/// While every run stays within its reservation, used + reserved never exceeds
/// the budget, however many runs are accepted at once; use beyond a reservation
/// is still counted (it was spent) and reported as overrun.
///
/// Reservations outlive the day they were made on: a run that ends after
/// midnight counts on the day it ends, so its reservation holds against
/// that day too. Calendar time comes in as arguments (Unix milliseconds the
/// owner reads from its injected wall clock), since the policies' clock is
/// monotonic, not calendar time. Not thread-safe: owned by the admission
/// actor.
class daily_budget {
 public:
  /// Tenant name -> tokens used on the current day.
  using counters = std::unordered_map<std::string, std::uint64_t>;

  /// Identifies the run a reservation is for (the runtime's run id).
  using run_key = std::uint64_t;

  /// Starts on UTC day `day` with the tokens `used` that day so far (read
  /// back from storage after a restart; empty for a fresh node).
  daily_budget(std::uint64_t day, counters used);

  /// Moves to the UTC day of `now_ms` when it is later than the current
  /// day, dropping every counter (reservations stay). Returns true when the
  /// day changed.
  bool advance_to(std::uint64_t now_ms);

  /// Decides whether `tenant`, whose daily budget is `budget` tokens (0 =
  /// unlimited), may start new work that needs `needed` tokens left at
  /// least (`least_reservation`) on the current day.
  [[nodiscard]] daily_budget_decision check(const std::string& tenant,
                                            std::uint64_t budget,
                                            std::uint64_t needed = 1) const;

  /// Reserves for run `run` of `tenant` its token budget `wanted` (0 = no
  /// limit of its own), capped by what `budget` leaves; returns the tokens
  /// reserved, 0 when `check(tenant, budget, least_reservation(wanted))`
  /// refuses or `budget` is 0 (unlimited: nothing to reserve). A run holds
  /// at most one reservation: a second call returns the first's amount.
  std::uint64_t reserve(run_key run, const std::string& tenant,
                        std::uint64_t budget, std::uint64_t wanted);

  /// Holds `tokens` for run `run` of `tenant` without a check: a
  /// reservation made before a restart, which the run keeps.
  void restore(run_key run, const std::string& tenant, std::uint64_t tokens);

  /// Settles run `run` of `tenant`: releases its reservation, if any, and
  /// counts `tokens` it used, on the UTC day of `finished_at_ms` (a later
  /// day moves the counters there first; an earlier one is not counted).
  budget_settlement settle(run_key run, const std::string& tenant,
                           std::uint64_t tokens, std::uint64_t finished_at_ms);

  /// Adds `tokens` of a run of `tenant` that ended at `finished_at_ms` and
  /// held no reservation: `settle` for a run without one. Returns whether
  /// they were counted.
  bool charge(const std::string& tenant, std::uint64_t tokens,
              std::uint64_t finished_at_ms);

  /// Tokens `tenant` used on the current day.
  [[nodiscard]] std::uint64_t used(const std::string& tenant) const;

  /// Tokens held by `tenant`'s open reservations.
  [[nodiscard]] std::uint64_t reserved(const std::string& tenant) const;

  /// The tokens reserved for run `run`; 0 when it holds none.
  [[nodiscard]] std::uint64_t reservation_of(run_key run) const;

  /// Open reservations, over all tenants.
  [[nodiscard]] std::size_t reservations() const noexcept {
    return runs_.size();
  }

  /// The current UTC day, in days since 1970-01-01.
  [[nodiscard]] std::uint64_t day() const noexcept { return day_; }

  /// Every tenant's tokens of the current day (tenants that used none may
  /// be absent).
  [[nodiscard]] const counters& used_today() const noexcept { return used_; }

 private:
  struct held {
    std::string tenant;
    std::uint64_t tokens = 0;
  };

  std::uint64_t day_;
  counters used_;
  /// Tenant -> tokens reserved (tenants without reservations are absent).
  counters reserved_;
  std::unordered_map<run_key, held> runs_;
};

/// `x` in decimal with a comma between groups of three digits ("1,000,000").
[[nodiscard]] std::string with_thousands(std::uint64_t x);

} // namespace warden::policies
