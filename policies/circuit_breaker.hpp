#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "policies/clock.hpp"
#include "policies/detail/outcome_window.hpp"

namespace warden::policies {

/// The states of a circuit breaker. The only transitions are closed -> open,
/// open -> half_open, half_open -> closed and half_open -> open.
enum class breaker_state : std::uint8_t {
  closed,    ///< calls flow; outcomes fill the sliding window
  open,      ///< calls are rejected until the open duration has passed
  half_open, ///< a fixed number of probe calls decide between closed and open
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(breaker_state x) noexcept;

/// How the closed state's sliding window is bounded.
enum class breaker_window_kind : std::uint8_t {
  count_based, ///< the last `window_calls` calls
  time_based,  ///< the calls of the last `window_duration`
};

/// Returns a stable, lower-case name for `x`.
const char* to_string(breaker_window_kind x) noexcept;

/// Settings of one circuit breaker (one model provider or one tool).
/// Out-of-range counts are raised to 1 at construction.
struct circuit_breaker_config {
  /// Count-based or time-based window. Default count_based.
  breaker_window_kind window_kind = breaker_window_kind::count_based;
  /// Count-based window: number of most recent calls judged. Default 100.
  std::uint32_t window_calls = 100;
  /// Time-based window: length of the window. Default 60 s.
  duration window_duration = std::chrono::seconds{60};
  /// Time-based window: number of time buckets; a call expires between
  /// window_duration - window_duration / window_buckets and window_duration
  /// after it was recorded. Default 60 (one-second buckets by default).
  std::uint32_t window_buckets = 60;
  /// Failure rate (0..1) at or above which the breaker opens; a value above 1
  /// disables this criterion. Default 0.5.
  double failure_rate_threshold = 0.5;
  /// A call lasting longer than this is slow, whether it succeeded or failed.
  /// Default 60 s.
  duration slow_call_duration_threshold = std::chrono::seconds{60};
  /// A call whose first part of the answer (a streamed model's first token)
  /// took longer than this is slow too; zero: not judged. Default 0.
  duration slow_first_token_threshold{0};
  /// Slow-call rate (0..1) at or above which the breaker opens; a value above
  /// 1 disables this criterion. Default 1.0.
  double slow_call_rate_threshold = 1.0;
  /// Calls the window must hold before it is judged at all; capped at
  /// window_calls for a count-based window. Default 20.
  std::uint32_t minimum_calls = 20;
  /// Time the breaker stays open before it lets probes through. Default 30 s.
  duration open_duration = std::chrono::seconds{30};
  /// Probe calls let through in half_open; all of them must report before the
  /// breaker decides. Default 5.
  std::uint32_t half_open_probes = 5;
};

/// Proof that `try_acquire` let a call through. Hand it back exactly once,
/// with the call's outcome or to `release`. Outcomes of permits issued before
/// the breaker last changed state are ignored: they say nothing about the
/// state the breaker is judging now.
struct breaker_permit {
  /// The breaker's state generation at the time the permit was issued.
  std::uint64_t generation = 0;
};

/// The answer to "may a call to this dependency start now?".
struct breaker_decision {
  /// Set when the call may proceed; empty when rejected.
  std::optional<breaker_permit> permit;
  /// When rejected by an open breaker: the time left open (> 0). When rejected
  /// in half_open (all probes in flight): zero, as the probes decide.
  duration retry_after{0};
  /// The state that made the decision.
  breaker_state state = breaker_state::closed;

  /// True when the call may proceed.
  [[nodiscard]] bool permitted() const noexcept { return permit.has_value(); }
};

/// A circuit breaker for one dependency, in the manner of resilience4j:
/// closed -> open when the failure or slow-call rate of a sliding window
/// reaches its threshold, open -> half_open on the first acquire after the
/// open duration, half_open -> closed or open on the outcome of a fixed number
/// of probes. Time comes from the injected clock. Not thread-safe: owned by
/// one actor.
class circuit_breaker {
 public:
  /// Receives every state change, after it took effect. It may query the
  /// breaker but must not call try_acquire, record_* or release.
  using state_change_callback =
      std::function<void(breaker_state from, breaker_state to)>;

  /// A closed breaker; `clk` must outlive it.
  circuit_breaker(circuit_breaker_config config, const clock& clk,
                  state_change_callback on_change = {});

  /// Decides whether a call may start now. Moves open -> half_open when the
  /// open duration has passed, then hands out at most `half_open_probes`
  /// unreported permits.
  [[nodiscard]] breaker_decision try_acquire();

  /// Reports that the permitted call succeeded after `call_duration`, its
  /// first part after `first_token` when the dependency streams (zero: not
  /// measured).
  void record_success(breaker_permit permit, duration call_duration,
                      duration first_token = duration{0});

  /// Reports that the permitted call failed after `call_duration`.
  void record_failure(breaker_permit permit, duration call_duration);

  /// Returns a permit whose call says nothing about the dependency (e.g.
  /// cancelled by the caller): frees its half-open probe slot, records nothing.
  void release(breaker_permit permit);

  /// Replaces the state-change callback (an empty function removes it).
  void on_state_change(state_change_callback on_change);

  /// The current state. An open breaker whose open duration has passed still
  /// reports open until the next try_acquire.
  [[nodiscard]] breaker_state state() const noexcept { return state_; }

  /// Failure rate (0..1) of the calls in window, or 0 when it is empty.
  [[nodiscard]] double failure_rate() const;

  /// Slow-call rate (0..1) of the calls in window, or 0 when it is empty.
  [[nodiscard]] double slow_call_rate() const;

  /// The calls being judged: closed, the sliding window now; half_open, the
  /// probes reported so far; open, the calls that opened the breaker.
  [[nodiscard]] std::uint32_t calls_in_window() const;

  /// Permits handed out in half_open whose outcome has not been reported.
  [[nodiscard]] std::uint32_t probes_in_flight() const noexcept {
    return probes_issued_ - probes_.calls;
  }

  /// The configuration in effect (after clamping).
  [[nodiscard]] const circuit_breaker_config& config() const noexcept {
    return config_;
  }

 private:
  void record(breaker_permit permit, bool failed, duration call_duration,
              bool slow_start = false);
  [[nodiscard]] bool trips(const detail::outcome_counts& c) const noexcept;
  [[nodiscard]] detail::outcome_counts judged() const;
  void transition(breaker_state to);

  circuit_breaker_config config_;
  const clock* clock_;
  state_change_callback on_change_;
  breaker_state state_ = breaker_state::closed;
  std::uint64_t generation_ = 0;
  detail::outcome_window window_;
  // Open: when it opened and the counts that opened it.
  time_point opened_at_{};
  detail::outcome_counts opened_by_;
  // Half-open: permits handed out (minus released ones) and reported probes.
  std::uint32_t probes_issued_ = 0;
  detail::outcome_counts probes_;
};

} // namespace warden::policies
