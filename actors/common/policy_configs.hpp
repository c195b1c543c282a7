#pragma once

// Conversions from the configuration file's settings (config/) to the
// configurations of the policies (policies/) that govern calls to a
// dependency. Units change here: the file speaks milliseconds, the policies
// nanosecond durations.

#include <cstdint>
#include <string>

#include "actors/dependencies/guard.hpp"
#include "config/dependencies.hpp"
#include "config/resilience.hpp"
#include "policies/circuit_breaker.hpp"
#include "policies/retry_policy.hpp"
#include "policies/token_bucket.hpp"

namespace warden {

/// The retry policy's error class for a configured error class.
policies::error_class to_policy_class(config::error_class x) noexcept;

/// The retry policy configuration of `x`. Error classes missing from
/// `retry_on` are not retried; max_elapsed_ms 0 (no limit) becomes ten years.
policies::retry_policy_config to_retry_config(const config::retry_settings& x);

/// The circuit breaker configuration of `x`. A time window keeps 60 buckets
/// (a call expires between 59/60 and 60/60 of window_ms after it ended).
policies::circuit_breaker_config
to_breaker_config(const config::breaker_settings& x);

/// The rate limits of a provider: requests and tokens per minute, bursts of
/// one minute's worth.
policies::rate_limits_config
to_rate_limits_config(const config::provider_settings& x);

/// The rate limits of a tool: requests per minute only.
policies::rate_limits_config
to_rate_limits_config(const config::tool_settings& x);

/// The guard of one dependency (a provider or a tool) from its settings:
/// breaker, retry policy and rate limits; `name` appears in every reason.
template <class Settings>
dependency_guard_config guard_config_of(std::string name, const Settings& x,
                                        std::uint64_t seed) {
  dependency_guard_config guard;
  guard.name = std::move(name);
  guard.breaker = to_breaker_config(x.breaker);
  guard.retry = to_retry_config(x.retry);
  guard.rates = to_rate_limits_config(x);
  guard.seed = seed;
  return guard;
}

} // namespace warden
