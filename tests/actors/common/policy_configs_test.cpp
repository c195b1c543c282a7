#define CAF_SUITE actors.policy_configs
#include <chrono>

#include <caf/test/dsl.hpp>

#include "actors/common/policy_configs.hpp"

using namespace warden;
using std::chrono::milliseconds;

CAF_TEST(retry settings map field by field in nanoseconds) {
  config::retry_settings x;
  x.max_attempts = 4;
  x.initial_backoff_ms = 25;
  x.max_backoff_ms = 900;
  x.multiplier = 3.5;
  x.max_elapsed_ms = 12'000;
  x.budget_ratio = 0.25;
  x.budget_min_retries = 7;
  x.budget_window_ms = 5'000;
  auto y = to_retry_config(x);
  CAF_CHECK_EQUAL(y.max_attempts, 4u);
  CAF_CHECK(y.initial_backoff == milliseconds{25});
  CAF_CHECK(y.max_backoff == milliseconds{900});
  CAF_CHECK_EQUAL(y.multiplier, 3.5);
  CAF_CHECK(y.max_elapsed == milliseconds{12'000});
  CAF_CHECK_EQUAL(y.budget_ratio, 0.25);
  CAF_CHECK_EQUAL(y.min_retries_per_window, 7u);
  CAF_CHECK(y.budget_window == milliseconds{5'000});
}

CAF_TEST(retry_on decides which error classes are retried) {
  config::retry_settings x;
  auto all = to_retry_config(x);
  CAF_CHECK(all.retry_transient);
  CAF_CHECK(all.retry_timeout);
  CAF_CHECK(all.retry_rate_limited);
  x.retry_on = {config::error_class::timeout};
  auto some = to_retry_config(x);
  CAF_CHECK(!some.retry_transient);
  CAF_CHECK(some.retry_timeout);
  CAF_CHECK(!some.retry_rate_limited);
  x.retry_on.clear();
  auto none = to_retry_config(x);
  CAF_CHECK(!none.retry_transient && !none.retry_timeout &&
            !none.retry_rate_limited);
}

CAF_TEST(a max_elapsed of zero means no limit) {
  config::retry_settings x;
  x.max_elapsed_ms = 0;
  auto y = to_retry_config(x);
  CAF_CHECK(y.max_elapsed > std::chrono::hours{24 * 365});
  // Adding it to a time point must not overflow.
  auto later = policies::time_point{std::chrono::hours{1}} + y.max_elapsed;
  CAF_CHECK(later > policies::time_point{std::chrono::hours{1}});
}

CAF_TEST(tool retry defaults never retry) {
  config::tool_settings x;
  CAF_CHECK_EQUAL(to_retry_config(x.retry).max_attempts, 1u);
}

CAF_TEST(count breaker settings map field by field) {
  config::breaker_settings x;
  x.window = config::breaker_window::count;
  x.window_size = 40;
  x.failure_rate = 0.3;
  x.slow_call_rate = 0.8;
  x.slow_call_ms = 1'500;
  x.minimum_calls = 12;
  x.open_ms = 7'000;
  x.half_open_probes = 3;
  auto y = to_breaker_config(x);
  CAF_CHECK(y.window_kind == policies::breaker_window_kind::count_based);
  CAF_CHECK_EQUAL(y.window_calls, 40u);
  CAF_CHECK_EQUAL(y.failure_rate_threshold, 0.3);
  CAF_CHECK_EQUAL(y.slow_call_rate_threshold, 0.8);
  CAF_CHECK(y.slow_call_duration_threshold == milliseconds{1'500});
  CAF_CHECK_EQUAL(y.minimum_calls, 12u);
  CAF_CHECK(y.open_duration == milliseconds{7'000});
  CAF_CHECK_EQUAL(y.half_open_probes, 3u);
}

CAF_TEST(time breaker settings keep the window length) {
  config::breaker_settings x;
  x.window = config::breaker_window::time;
  x.window_ms = 10'000;
  auto y = to_breaker_config(x);
  CAF_CHECK(y.window_kind == policies::breaker_window_kind::time_based);
  CAF_CHECK(y.window_duration == milliseconds{10'000});
  CAF_CHECK(y.window_buckets > 1u);
}

CAF_TEST(provider rate limits take requests and tokens per minute) {
  config::provider_settings x;
  x.requests_per_minute = 120;
  x.tokens_per_minute = 90'000;
  auto y = to_rate_limits_config(x);
  CAF_CHECK_EQUAL(y.requests_per_minute, 120u);
  CAF_CHECK_EQUAL(y.tokens_per_minute, 90'000u);
  CAF_CHECK_EQUAL(y.request_burst, 0u);
  CAF_CHECK_EQUAL(y.token_burst, 0u);
}

CAF_TEST(tool rate limits count requests only) {
  config::tool_settings x;
  x.requests_per_minute = 30;
  auto y = to_rate_limits_config(x);
  CAF_CHECK_EQUAL(y.requests_per_minute, 30u);
  CAF_CHECK_EQUAL(y.tokens_per_minute, 0u);
}

CAF_TEST(configured error classes map to the retry policy classes) {
  CAF_CHECK(to_policy_class(config::error_class::transient) ==
            policies::error_class::transient);
  CAF_CHECK(to_policy_class(config::error_class::timeout) ==
            policies::error_class::timeout);
  CAF_CHECK(to_policy_class(config::error_class::rate_limited) ==
            policies::error_class::rate_limited);
}
