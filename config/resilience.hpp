#pragma once

#include <cstdint>
#include <vector>

namespace warden::config {

/// A class of dependency failure that a retry policy may choose to retry.
enum class error_class : std::uint8_t {
  transient,    ///< a failure expected to go away (connection reset, 5xx)
  timeout,      ///< the call exceeded its timeout_ms
  rate_limited, ///< the dependency asked us to slow down (429)
};

/// Returns the name used in the file ("transient", "timeout", "rate_limited").
const char* to_string(error_class x) noexcept;

/// Every error class, in declaration order.
std::vector<error_class> all_error_classes();

/// [*.retry]: how calls to one provider or tool are retried. Backoff grows
/// from initial_backoff_ms by multiplier up to max_backoff_ms, with jitter.
struct retry_settings {
  /// Calls per logical request, the first one included; 1 = never retry.
  /// Range [1, 100]. Default 3.
  std::uint32_t max_attempts = 3;
  /// Backoff before the first retry, in milliseconds. Range [1, 3600000].
  /// Default 100.
  std::uint32_t initial_backoff_ms = 100;
  /// Upper bound of any one backoff, in milliseconds; at least
  /// initial_backoff_ms. Range [1, 3600000]. Default 10000.
  std::uint32_t max_backoff_ms = 10'000;
  /// Factor applied to the backoff after each retry. Range [1.0, 100.0].
  /// Default 2.0.
  double multiplier = 2.0;
  /// Gives up once this many milliseconds passed since the first attempt;
  /// 0 = no limit. Range [0, 86400000]. Default 60000.
  std::uint32_t max_elapsed_ms = 60'000;
  /// Error classes that are retried; others fail at once. Default all three.
  std::vector<error_class> retry_on = all_error_classes();
  /// Retries allowed as a fraction of first attempts over budget_window_ms
  /// (a retry budget stops retry storms); a rate-limited retry after the
  /// wait the dependency named spends none. Range [0.0, 1.0]. Default 0.1.
  double budget_ratio = 0.1;
  /// Retries always allowed per budget window whatever the ratio says.
  /// Range [0, 1000000]. Default 10.
  std::uint32_t budget_min_retries = 10;
  /// Sliding window of the retry budget, in milliseconds.
  /// Range [1000, 3600000]. Default 10000.
  std::uint32_t budget_window_ms = 10'000;

  /// A policy that never retries (max_attempts 1), the default of tools.
  [[nodiscard]] static retry_settings none() {
    retry_settings result;
    result.max_attempts = 1;
    return result;
  }
};

/// How a circuit breaker measures the recent past.
enum class breaker_window : std::uint8_t {
  count, ///< the last window_size calls
  time,  ///< the calls of the last window_ms milliseconds
};

/// Returns the name used in the file ("count", "time").
const char* to_string(breaker_window x) noexcept;

/// [*.breaker]: the circuit breaker in front of one provider or tool. It
/// opens when, over at least minimum_calls calls of the window, the failure
/// rate or the slow-call rate reaches its threshold.
struct breaker_settings {
  /// Kind of sliding window. Default count.
  breaker_window window = breaker_window::count;
  /// Calls in the window; count windows only. Range [1, 100000]. Default 100.
  std::uint32_t window_size = 100;
  /// Length of the window in milliseconds; time windows only.
  /// Range [1000, 3600000]. Default 60000.
  std::uint32_t window_ms = 60'000;
  /// Failure fraction that opens the breaker. Range (0.0, 1.0]. Default 0.5.
  double failure_rate = 0.5;
  /// Slow-call fraction that opens the breaker; 1.0 opens only when every
  /// call is slow. Range (0.0, 1.0]. Default 1.0.
  double slow_call_rate = 1.0;
  /// A call that takes longer than this many milliseconds is slow; when
  /// set, at most the owner's timeout_ms. Range [1, 3600000]. Default 10000.
  std::uint32_t slow_call_ms = 10'000;
  /// A streamed model call whose first token takes longer than this many
  /// milliseconds is slow too; providers only (tools have no first token);
  /// 0 = not judged. Range [0, 3600000]. Default 0.
  std::uint32_t slow_first_token_ms = 0;
  /// Calls the window must hold before the rates are judged; at most
  /// window_size for count windows. Range [1, 100000]. Default 20.
  std::uint32_t minimum_calls = 20;
  /// How long the breaker stays open before probing, in milliseconds.
  /// Range [1, 86400000]. Default 30000.
  std::uint32_t open_ms = 30'000;
  /// Trial calls let through while half-open. Range [1, 1000]. Default 5.
  std::uint32_t half_open_probes = 5;
};

} // namespace warden::config
