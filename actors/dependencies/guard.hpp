#pragma once

// The governance pipeline shared by every dependency actor (model providers
// and tool runners): a circuit breaker, a retry policy and rate limits in
// front of one dependency. Plain class, no messaging: the actor asks before
// each attempt and reports after it; the guard decides.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "actors/protocol/error.hpp"
#include "policies/circuit_breaker.hpp"
#include "policies/clock.hpp"
#include "policies/retry_policy.hpp"
#include "policies/token_bucket.hpp"

namespace warden {

/// Settings of the guard of one dependency.
struct dependency_guard_config {
  /// Names the dependency in every reason, e.g. "provider 'scripted'".
  std::string name;
  /// The circuit breaker in front of the dependency.
  policies::circuit_breaker_config breaker;
  /// How failed attempts are retried.
  policies::retry_policy_config retry;
  /// Requests and tokens per minute.
  policies::rate_limits_config rates;
  /// True for effectful tools: an attempt is never repeated, whatever the
  /// retry configuration says. Default false.
  bool never_retry = false;
  /// Seed of the retry jitter. Default 0.
  std::uint64_t seed = 0;
};

/// How one attempt failed, as the dependency reported it.
struct attempt_failure {
  /// What the failure says about retrying.
  policies::error_class error = policies::error_class::transient;
  /// What went wrong, for people.
  std::string reason;
  /// The wait the dependency asked for (e.g. rate_limited), if any.
  std::optional<policies::duration> retry_after;
};

/// Why a call ends without a result: what its caller is told.
struct call_failure {
  /// The warden error code the caller receives.
  error_code code = error_code::dependency_failed;
  /// A sentence naming the dependency and the cause.
  std::string reason;
  /// When a retry may succeed; empty when unknown.
  std::optional<policies::duration> retry_after;

  /// The `caf::error` form of this failure.
  [[nodiscard]] caf::error to_error() const;
};

/// What the caller keeps per logical call between its attempts.
struct guarded_call {
  /// Attempt number (from 1) and the first attempt's start.
  policies::attempt_state attempt;
  /// Retries started so far.
  std::uint32_t retries = 0;
  /// Tokens the caller expects the call to use (providers; 0 for tools).
  std::uint64_t token_estimate = 0;
  /// The breaker permit of the attempt in flight; empty between attempts.
  std::optional<policies::breaker_permit> permit;
  /// What the rate limits took for the attempt in flight.
  policies::rate_limit_reservation reservation;
  /// When the attempt in flight started.
  policies::time_point started{};
  /// The breaker that judges the call (its model's, for a provider), and
  /// its key.
  policies::circuit_breaker* breaker = nullptr;
  std::string breaker_key;

  /// True while an attempt is in flight.
  [[nodiscard]] bool in_flight() const noexcept { return permit.has_value(); }
};

/// What to do after a failed attempt.
struct retry_verdict {
  /// Set when the call ends; empty when it is tried again.
  std::optional<call_failure> give_up;
  /// The wait before the next attempt; zero when giving up.
  policies::duration delay{0};

  /// True when the call should be attempted again after `delay`.
  [[nodiscard]] bool retry() const noexcept { return !give_up.has_value(); }
};

/// Combines the circuit breaker, the retry policy and the rate limits of one
/// dependency. Before an attempt: breaker, then rate limits (either may
/// reject with a retry-after). A rejection ends the call at once, on a first
/// attempt as on a retry: the guard never queues calls, so the caller (the
/// session, holding the run's budget and deadline) decides whether to wait.
/// After an attempt: the outcome goes to the breaker (with its duration) and
/// the rate limits; a failure is retried or given up by the retry policy.
/// Transient and timeout failures count against the breaker; a permanent
/// failure counts as an answer (the dependency works, the request is wrong);
/// a rate_limited or cancelled attempt is released without a verdict (a
/// dependency that asks its callers to wait works: its callers wait). Time
/// comes from the injected clock. Not thread-safe: owned by one actor; not
/// movable (the retry policy holds its generator).
class dependency_guard {
 public:
  /// A guard with a closed breaker and full buckets; `clk` must outlive it.
  /// `on_change` receives every breaker state change.
  dependency_guard(
      dependency_guard_config config, const policies::clock& clk,
      policies::circuit_breaker::state_change_callback on_change = {});

  dependency_guard(const dependency_guard&) = delete;
  dependency_guard& operator=(const dependency_guard&) = delete;

  /// Starts a logical call (counts it in the retry budget), judged by the
  /// breaker of `breaker_key` (a provider's model; "" for the dependency
  /// as a whole). A key's breaker is made on its first call, with the same
  /// settings as every other.
  [[nodiscard]] guarded_call begin_call(std::uint64_t token_estimate = 0,
                                        const std::string& breaker_key = {});

  /// Asks whether the next attempt of `call` may start now. On success the
  /// attempt is in flight (holds a breaker permit and rate tokens) and the
  /// result is empty; otherwise the call ends with the returned failure
  /// (circuit_open or rate_limited with a retry-after, or invalid_argument
  /// when the estimate can never fit the token burst).
  [[nodiscard]] std::optional<call_failure> before_attempt(guarded_call& call);

  /// Reports that the attempt in flight succeeded, using `actual_tokens`,
  /// its first token after `first_token` when streamed (zero: not
  /// measured).
  void succeeded(guarded_call& call, std::uint64_t actual_tokens = 0,
                 policies::duration first_token = policies::duration{0});

  /// Reports that the attempt in flight failed; decides retry or give up.
  /// On retry, `call` is ready for its next attempt after the delay.
  [[nodiscard]] retry_verdict failed(guarded_call& call,
                                     const attempt_failure& failure);

  /// Drops `call` (cancelled by its caller): frees the breaker permit of an
  /// attempt in flight without judging the dependency.
  void abandon(guarded_call& call);

  /// The failure a cancelled call reports.
  [[nodiscard]] call_failure cancelled(const std::string& why) const;

  /// The circuit breaker of `key` (state, rates); "" is the dependency's
  /// own, which also stands for a key without calls yet.
  [[nodiscard]] const policies::circuit_breaker&
  breaker(const std::string& key = {}) const {
    auto i = breakers_.find(key);
    return i != breakers_.end() ? i->second : breakers_.at({});
  }

  /// Receives every state change of every breaker, with its key (after the
  /// change took effect).
  using keyed_change_callback =
      std::function<void(const std::string& key, policies::breaker_state from,
                         policies::breaker_state to)>;

  /// Replaces the keyed state-change callback.
  void on_breaker_change(keyed_change_callback callback) {
    on_keyed_change_ = std::move(callback);
  }

  /// The retry policy (budget counters).
  [[nodiscard]] const policies::retry_policy& retry() const noexcept {
    return retry_;
  }

  /// The rate limits (bucket levels).
  [[nodiscard]] const policies::rate_limits& rates() const noexcept {
    return rates_;
  }

  /// The configuration in effect.
  [[nodiscard]] const dependency_guard_config& config() const noexcept {
    return config_;
  }

 private:
  /// The breaker of `key`, made on first use.
  policies::circuit_breaker& breaker_for(const std::string& key);

  [[nodiscard]] call_failure give_up(const attempt_failure& failure,
                                     std::uint32_t attempts,
                                     const std::string& why) const;

  dependency_guard_config config_;
  const policies::clock* clock_;
  policies::random_engine rng_;
  /// Breakers by key; nodes never move, so calls keep pointers to them.
  std::map<std::string, policies::circuit_breaker> breakers_;
  policies::circuit_breaker::state_change_callback on_change_;
  keyed_change_callback on_keyed_change_;
  policies::retry_policy retry_;
  policies::rate_limits rates_;
};

/// The warden error code a call that gave up after a failure of class `x`
/// reports: dependency_failed (transient), timeout, rate_limited,
/// invalid_argument (permanent) or cancelled.
error_code error_code_for(policies::error_class x) noexcept;

} // namespace warden
