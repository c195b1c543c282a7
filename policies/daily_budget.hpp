#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace warden::policies {

/// Milliseconds in one UTC day (Unix time counts no leap seconds).
inline constexpr std::uint64_t day_ms = 86'400'000;

/// The wall clock now, Unix milliseconds (the time `utc_day` reads).
[[nodiscard]] inline std::uint64_t unix_ms_now() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

/// The UTC day of Unix time `unix_ms`, in days since 1970-01-01.
[[nodiscard]] constexpr std::uint64_t utc_day(std::uint64_t unix_ms) noexcept {
  return unix_ms / day_ms;
}

/// The answer to "may this tenant start new work today?".
struct daily_budget_decision {
  /// Tokens the tenant used on the current UTC day.
  std::uint64_t used = 0;
  /// The tenant's daily token budget; 0 = unlimited.
  std::uint64_t budget = 0;
  /// When the counter resets (the next 00:00 UTC), Unix milliseconds.
  std::uint64_t resets_at_ms = 0;
  /// A sentence naming the tenant, its numbers and the reset; empty when
  /// allowed.
  std::string reason;

  /// Whether the tenant may start new work.
  [[nodiscard]] bool allowed() const noexcept {
    return budget == 0 || used < budget;
  }
};

/// Counts each tenant's tokens of the current UTC day and decides whether a
/// tenant may start new work: a tenant that used its whole daily budget is
/// refused until the next 00:00 UTC. Calendar time comes in as arguments
/// (Unix milliseconds the owner reads from its injected wall clock), since
/// the policies' clock is monotonic, not calendar time. A run's tokens are
/// known only once it ends, so the budget refuses new work once it is
/// reached; runs already running may take the tenant past it. Not
/// thread-safe: owned by the admission actor.
class daily_budget {
 public:
  /// Tenant name -> tokens used on the current day.
  using counters = std::unordered_map<std::string, std::uint64_t>;

  /// Starts on UTC day `day` with the tokens `used` that day so far (read
  /// back from storage after a restart; empty for a fresh node).
  daily_budget(std::uint64_t day, counters used);

  /// Moves to the UTC day of `now_ms` when it is later than the current
  /// day, dropping every counter. Returns true when the day changed.
  bool advance_to(std::uint64_t now_ms);

  /// Decides whether `tenant`, whose daily budget is `budget` tokens (0 =
  /// unlimited), may start new work on the current day.
  [[nodiscard]] daily_budget_decision check(const std::string& tenant,
                                            std::uint64_t budget) const;

  /// Adds `tokens` of a run of `tenant` that ended at `finished_at_ms` (Unix
  /// ms). A run of a later day moves to that day first; a run of an earlier
  /// day is not counted (its day is over). Returns whether it was counted.
  bool charge(const std::string& tenant, std::uint64_t tokens,
              std::uint64_t finished_at_ms);

  /// Tokens `tenant` used on the current day.
  [[nodiscard]] std::uint64_t used(const std::string& tenant) const;

  /// The current UTC day, in days since 1970-01-01.
  [[nodiscard]] std::uint64_t day() const noexcept { return day_; }

  /// Every tenant's tokens of the current day (tenants that used none may
  /// be absent).
  [[nodiscard]] const counters& used_today() const noexcept { return used_; }

 private:
  std::uint64_t day_;
  counters used_;
};

/// `a + b`, or the largest value when that overflows.
[[nodiscard]] constexpr std::uint64_t saturating_add(std::uint64_t a,
                                                     std::uint64_t b) noexcept {
  return b > ~std::uint64_t{0} - a ? ~std::uint64_t{0} : a + b;
}

/// `x` in decimal with a comma between groups of three digits ("1,000,000").
[[nodiscard]] std::string with_thousands(std::uint64_t x);

} // namespace warden::policies
