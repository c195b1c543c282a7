#include "actors/common/policy_configs.hpp"

#include <algorithm>
#include <chrono>

namespace warden {

namespace {

policies::duration from_ms(std::uint64_t ms) {
  return std::chrono::milliseconds{static_cast<std::int64_t>(ms)};
}

bool retried(const config::retry_settings& x, config::error_class c) {
  return std::find(x.retry_on.begin(), x.retry_on.end(), c) != x.retry_on.end();
}

} // namespace

policies::error_class to_policy_class(config::error_class x) noexcept {
  switch (x) {
  case config::error_class::transient:
    return policies::error_class::transient;
  case config::error_class::timeout:
    return policies::error_class::timeout;
  case config::error_class::rate_limited:
    return policies::error_class::rate_limited;
  }
  return policies::error_class::transient;
}

policies::retry_policy_config to_retry_config(const config::retry_settings& x) {
  // "No limit" must still be a duration that time_point arithmetic cannot
  // overflow: ten years is past any call's life.
  constexpr auto no_limit = std::chrono::hours{24 * 365 * 10};
  policies::retry_policy_config result;
  result.retry_transient = retried(x, config::error_class::transient);
  result.retry_timeout = retried(x, config::error_class::timeout);
  result.retry_rate_limited = retried(x, config::error_class::rate_limited);
  result.max_attempts = x.max_attempts;
  result.initial_backoff = from_ms(x.initial_backoff_ms);
  result.max_backoff = from_ms(x.max_backoff_ms);
  result.multiplier = x.multiplier;
  result.max_elapsed = x.max_elapsed_ms == 0 ? policies::duration{no_limit}
                                             : from_ms(x.max_elapsed_ms);
  result.budget_ratio = x.budget_ratio;
  result.min_retries_per_window = x.budget_min_retries;
  result.budget_window = from_ms(x.budget_window_ms);
  return result;
}

policies::circuit_breaker_config
to_breaker_config(const config::breaker_settings& x) {
  policies::circuit_breaker_config result;
  result.window_kind = x.window == config::breaker_window::count
                           ? policies::breaker_window_kind::count_based
                           : policies::breaker_window_kind::time_based;
  result.window_calls = x.window_size;
  result.window_duration = from_ms(x.window_ms);
  result.window_buckets = 60;
  result.failure_rate_threshold = x.failure_rate;
  result.slow_call_rate_threshold = x.slow_call_rate;
  result.slow_call_duration_threshold = from_ms(x.slow_call_ms);
  result.slow_first_token_threshold = from_ms(x.slow_first_token_ms);
  result.minimum_calls = x.minimum_calls;
  result.open_duration = from_ms(x.open_ms);
  result.half_open_probes = x.half_open_probes;
  return result;
}

policies::rate_limits_config
to_rate_limits_config(const config::provider_settings& x) {
  policies::rate_limits_config result;
  result.requests_per_minute = x.requests_per_minute;
  result.tokens_per_minute = x.tokens_per_minute;
  return result;
}

policies::rate_limits_config
to_rate_limits_config(const config::tool_settings& x) {
  policies::rate_limits_config result;
  result.requests_per_minute = x.requests_per_minute;
  return result;
}

} // namespace warden
