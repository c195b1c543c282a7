#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "policies/clock.hpp"
#include "policies/detail/time_bucket_ring.hpp"

namespace warden::policies {

/// What a failed attempt says about the dependency, as far as retrying goes.
enum class error_class : std::uint8_t {
  transient,    ///< a passing fault (connection reset, 5xx); retryable
  timeout,      ///< no answer in time; retryable unless the call is unsafe
  rate_limited, ///< the dependency asked us to slow down; retryable
  permanent,    ///< the same request will fail again (4xx, bad input)
  cancelled,    ///< the caller gave up; never retried
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(error_class x) noexcept;

/// Why the policy gives up on a call.
enum class give_up_reason : std::uint8_t {
  not_retryable,      ///< the error class is not retried under this config
  attempts_exhausted, ///< the failed attempt was the last one allowed
  elapsed_exhausted,  ///< the next attempt would start past max_elapsed
  budget_exhausted,   ///< the dependency's retry budget is spent for now
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(give_up_reason x) noexcept;

/// Settings of the retry policy of one dependency.
struct retry_policy_config {
  /// Retry transient errors. Default true.
  bool retry_transient = true;
  /// Retry timeouts; turn off for calls that are not idempotent. Default true.
  bool retry_timeout = true;
  /// Retry rate_limited errors. Default true.
  bool retry_rate_limited = true;
  /// Attempts per call, the first one included (1 = never retry). Default 3.
  std::uint32_t max_attempts = 3;
  /// Backoff cap of the first retry. Default 200 ms.
  duration initial_backoff = std::chrono::milliseconds{200};
  /// Largest backoff cap, however many attempts failed. Default 10 s.
  duration max_backoff = std::chrono::seconds{10};
  /// Growth of the backoff cap per failed attempt. Default 2.0.
  double multiplier = 2.0;
  /// No retry may start later than this after the first attempt started.
  /// Default 60 s.
  duration max_elapsed = std::chrono::seconds{60};
  /// Retries may be at most this fraction of the calls in the budget window
  /// (plus min_retries_per_window). Default 0.2.
  double budget_ratio = 0.2;
  /// Retries always allowed per budget window, so that low traffic can still
  /// retry. Default 10.
  std::uint32_t min_retries_per_window = 10;
  /// Length of the retry budget's sliding window. Default 10 s.
  duration budget_window = std::chrono::seconds{10};
  /// Time buckets of the budget window. A call counts for between
  /// budget_window - budget_window / budget_buckets and budget_window, a
  /// retry for at least budget_window, so that at every retry the retries of
  /// the last budget_window stay within the allowance. Default 10.
  std::uint32_t budget_buckets = 10;
};

/// What the caller keeps per call between attempts.
struct attempt_state {
  /// The attempt that just failed; 1 for the first.
  std::uint32_t attempt = 1;
  /// When the first attempt started.
  time_point first_attempt_at{};
};

/// The answer to "should this failed call be retried?".
struct retry_decision {
  /// Set when giving up; empty when retrying.
  std::optional<give_up_reason> give_up;
  /// How long to wait before the next attempt; zero when giving up.
  duration delay{0};
  /// A sentence naming the limit and the numbers; empty when retrying.
  std::string reason;

  /// True when the call should be attempted again after `delay`.
  [[nodiscard]] bool retry() const noexcept { return !give_up.has_value(); }
};

/// Decides retries of the calls to one dependency: by error class, exponential
/// backoff with full jitter, a cap on attempts and on elapsed time, and a
/// retry budget (retries at most `budget_ratio` of recent calls) that keeps a
/// failing dependency from receiving a retry storm. Time comes from the
/// injected clock, jitter from the injected generator. Not thread-safe: owned
/// by one actor.
class retry_policy {
 public:
  /// A policy with an empty budget window; `clk` and `rng` must outlive it.
  retry_policy(retry_policy_config config, const clock& clk,
               random_engine& rng);

  /// Counts a new call in the budget window (call it once per call, before
  /// its first attempt) and returns that call's state.
  attempt_state record_call();

  /// Decides whether the call in `state` should be retried after its attempt
  /// `state.attempt` failed with `error`. `retry_after` is the wait the
  /// dependency asked for (e.g. HTTP Retry-After); a retry never comes sooner.
  /// A retry is spent from the budget, except a rate-limited one whose wait
  /// the dependency named: it set the pace itself, so waiting as told
  /// cannot make a storm (and its callers' shared hold lets one probe go
  /// first). On retry the caller increments `state.attempt` before the
  /// next attempt.
  [[nodiscard]] retry_decision
  decide(const attempt_state& state, error_class error,
         std::optional<duration> retry_after = std::nullopt);

  /// True when errors of class `x` are retried under this configuration.
  [[nodiscard]] bool retryable(error_class x) const noexcept;

  /// The upper bound of the jittered backoff after attempt `attempt` failed:
  /// min(max_backoff, initial_backoff * multiplier^(attempt - 1)).
  [[nodiscard]] duration backoff_cap(std::uint32_t attempt) const noexcept;

  /// Calls the budget counts now (those of the last budget_window, at bucket
  /// granularity).
  [[nodiscard]] std::uint32_t calls_in_window() const;

  /// Retries the budget counts now (those of the last budget_window and up to
  /// one bucket more).
  [[nodiscard]] std::uint32_t retries_in_window() const;

  /// The configuration in effect (after clamping).
  [[nodiscard]] const retry_policy_config& config() const noexcept {
    return config_;
  }

 private:
  struct budget_counts {
    std::uint32_t calls = 0;
    std::uint32_t retries = 0;

    budget_counts& operator+=(const budget_counts& x) noexcept {
      calls += x.calls;
      retries += x.retries;
      return *this;
    }

    budget_counts& operator-=(const budget_counts& x) noexcept {
      calls -= x.calls;
      retries -= x.retries;
      return *this;
    }
  };

  [[nodiscard]] duration jitter(duration cap);
  [[nodiscard]] budget_counts budget_now(time_point now) const;

  retry_policy_config config_;
  const clock* clock_;
  random_engine* rng_;
  // budget_buckets + 1 buckets: calls are read from the newest budget_buckets,
  // retries from all of them (see budget_now).
  detail::time_bucket_ring<budget_counts> budget_;
};

} // namespace warden::policies
