#include "policies/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace warden::policies {

const char* to_string(error_class x) noexcept {
  switch (x) {
  case error_class::transient:
    return "transient";
  case error_class::timeout:
    return "timeout";
  case error_class::rate_limited:
    return "rate_limited";
  case error_class::permanent:
    return "permanent";
  case error_class::cancelled:
    return "cancelled";
  }
  return "unknown";
}

const char* to_string(give_up_reason x) noexcept {
  switch (x) {
  case give_up_reason::not_retryable:
    return "not_retryable";
  case give_up_reason::attempts_exhausted:
    return "attempts_exhausted";
  case give_up_reason::elapsed_exhausted:
    return "elapsed_exhausted";
  case give_up_reason::budget_exhausted:
    return "budget_exhausted";
  }
  return "unknown";
}

namespace {

retry_policy_config normalized(retry_policy_config cfg) {
  cfg.max_attempts = std::max(cfg.max_attempts, 1u);
  cfg.initial_backoff = std::max(cfg.initial_backoff, duration{0});
  cfg.max_backoff = std::max(cfg.max_backoff, duration{0});
  if (!(cfg.multiplier >= 1.0)) // also catches NaN
    cfg.multiplier = 1.0;
  cfg.max_elapsed = std::max(cfg.max_elapsed, duration{0});
  if (!(cfg.budget_ratio >= 0.0))
    cfg.budget_ratio = 0.0;
  cfg.budget_buckets = std::max(cfg.budget_buckets, 1u);
  cfg.budget_window = std::max(cfg.budget_window, duration{cfg.budget_buckets});
  return cfg;
}

/// Renders `d` in the largest unit that shows it exactly (ms, us or ns).
std::string describe(duration d) {
  using namespace std::chrono;
  if (d.count() % 1'000'000 == 0)
    return std::to_string(duration_cast<milliseconds>(d).count()) + " ms";
  if (d.count() % 1'000 == 0)
    return std::to_string(duration_cast<microseconds>(d).count()) + " us";
  return std::to_string(d.count()) + " ns";
}

retry_decision give_up(give_up_reason why, std::string reason) {
  return retry_decision{why, duration{0}, std::move(reason)};
}

} // namespace

retry_policy::retry_policy(retry_policy_config config, const clock& clk,
                           random_engine& rng)
    : config_(normalized(config)),
      clock_(&clk),
      rng_(&rng),
      budget_(config_.budget_window / config_.budget_buckets *
                  (config_.budget_buckets + 1),
              config_.budget_buckets + 1, clk.now()) {}

attempt_state retry_policy::record_call() {
  auto now = clock_->now();
  budget_.add(now, budget_counts{1, 0});
  return attempt_state{1, now};
}

retry_decision retry_policy::decide(const attempt_state& state,
                                    error_class error,
                                    std::optional<duration> retry_after) {
  if (!retryable(error)) {
    bool never =
        error == error_class::permanent || error == error_class::cancelled;
    return give_up(
        give_up_reason::not_retryable,
        std::string{"errors of class "} + to_string(error) +
            (never ? " are never retried" : " are not retried by this policy"));
  }
  if (state.attempt >= config_.max_attempts)
    return give_up(give_up_reason::attempts_exhausted,
                   "attempt " + std::to_string(state.attempt) +
                       " failed and max_attempts is " +
                       std::to_string(config_.max_attempts));
  auto now = clock_->now();
  auto left = state.first_attempt_at + config_.max_elapsed - now;
  auto least = std::max(retry_after.value_or(duration{0}), duration{0});
  if (least > left) {
    if (least > duration{0})
      return give_up(give_up_reason::elapsed_exhausted,
                     "the retry-after of " + describe(least) + " exceeds the " +
                         describe(std::max(left, duration{0})) +
                         " left of max_elapsed " +
                         describe(config_.max_elapsed));
    return give_up(
        give_up_reason::elapsed_exhausted,
        describe(now - state.first_attempt_at) +
            " have passed since the first attempt, past max_elapsed " +
            describe(config_.max_elapsed));
  }
  auto asked = error == error_class::rate_limited && retry_after.has_value() &&
               *retry_after > duration{0};
  auto window = budget_now(now);
  auto allowance = config_.budget_ratio * static_cast<double>(window.calls) +
                   static_cast<double>(config_.min_retries_per_window);
  if (!asked && static_cast<double>(window.retries) + 1.0 > allowance)
    return give_up(give_up_reason::budget_exhausted,
                   "retry budget spent: " + std::to_string(window.retries) +
                       " retries against " + std::to_string(window.calls) +
                       " calls in the last " + describe(config_.budget_window) +
                       " (budget_ratio " +
                       std::to_string(config_.budget_ratio) +
                       ", min_retries_per_window " +
                       std::to_string(config_.min_retries_per_window) + ")");
  // At least the retry-after, spread by the jittered backoff so that callers
  // told the same retry-after do not all come back at once; never past the
  // max_elapsed deadline.
  auto delay = std::min(least + jitter(backoff_cap(state.attempt)), left);
  if (!asked)
    budget_.add(now, budget_counts{0, 1});
  return retry_decision{std::nullopt, delay, {}};
}

bool retry_policy::retryable(error_class x) const noexcept {
  switch (x) {
  case error_class::transient:
    return config_.retry_transient;
  case error_class::timeout:
    return config_.retry_timeout;
  case error_class::rate_limited:
    return config_.retry_rate_limited;
  case error_class::permanent:
  case error_class::cancelled:
    return false;
  }
  return false;
}

duration retry_policy::backoff_cap(std::uint32_t attempt) const noexcept {
  auto exponent = static_cast<double>(std::max(attempt, 1u) - 1);
  auto cap = static_cast<double>(config_.initial_backoff.count()) *
             std::pow(config_.multiplier, exponent);
  if (!(cap < static_cast<double>(config_.max_backoff.count())))
    return config_.max_backoff;
  return duration{static_cast<duration::rep>(cap)};
}

std::uint32_t retry_policy::calls_in_window() const {
  return budget_now(clock_->now()).calls;
}

std::uint32_t retry_policy::retries_in_window() const {
  return budget_now(clock_->now()).retries;
}

retry_policy::budget_counts retry_policy::budget_now(time_point now) const {
  // A retry at t must fit the allowance of the window (t - budget_window, t].
  // The newest budget_buckets buckets lie inside it: count their calls. All
  // budget_buckets + 1 buckets cover it: count their retries.
  auto counts = budget_.totals(now);
  counts.calls -= budget_.oldest(now).calls;
  return counts;
}

duration retry_policy::jitter(duration cap) {
  if (cap <= duration{0})
    return duration{0};
  // Uniform in [0, cap]. A plain modulo keeps the sequence identical across
  // standard libraries (unlike std::uniform_int_distribution); its bias, at
  // most cap / 2^64 in probability, is negligible.
  auto span = static_cast<std::uint64_t>(cap.count()) + 1;
  return duration{static_cast<duration::rep>((*rng_)() % span)};
}

} // namespace warden::policies
