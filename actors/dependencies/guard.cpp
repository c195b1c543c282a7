#include "actors/dependencies/guard.hpp"

#include <chrono>
#include <utility>

namespace warden {

namespace {

/// " (model m)" for a call judged by a model's breaker, else "".
std::string breaker_of(const guarded_call& call) {
  return call.breaker_key.empty() ? std::string{}
                                  : " (model " + call.breaker_key + ")";
}

std::string describe(policies::duration d) {
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
  return std::to_string(ms) + " ms";
}

std::chrono::milliseconds to_ms(policies::duration d) {
  return std::chrono::ceil<std::chrono::milliseconds>(d);
}

} // namespace

caf::error call_failure::to_error() const {
  if (retry_after)
    return make_error(code, reason, to_ms(*retry_after));
  return make_error(code, reason);
}

error_code error_code_for(policies::error_class x) noexcept {
  switch (x) {
  case policies::error_class::transient:
    return error_code::dependency_failed;
  case policies::error_class::timeout:
    return error_code::timeout;
  case policies::error_class::rate_limited:
    return error_code::rate_limited;
  case policies::error_class::permanent:
    return error_code::invalid_argument;
  case policies::error_class::cancelled:
    return error_code::cancelled;
  }
  return error_code::dependency_failed;
}

dependency_guard::dependency_guard(
    dependency_guard_config config, const policies::clock& clk,
    policies::circuit_breaker::state_change_callback on_change)
    : config_(std::move(config)),
      clock_(&clk),
      rng_(config_.seed),
      on_change_(std::move(on_change)),
      retry_(config_.retry, clk, rng_),
      rates_(clk, config_.rates) {
  breaker_for({});
}

policies::circuit_breaker&
dependency_guard::breaker_for(const std::string& key) {
  if (auto i = breakers_.find(key); i != breakers_.end())
    return i->second;
  auto on_change = [this, key](policies::breaker_state from,
                               policies::breaker_state to) {
    if (key.empty() && on_change_)
      on_change_(from, to);
    if (on_keyed_change_)
      on_keyed_change_(key, from, to);
  };
  return breakers_
      .emplace(std::piecewise_construct, std::forward_as_tuple(key),
               std::forward_as_tuple(config_.breaker, *clock_, on_change))
      .first->second;
}

guarded_call dependency_guard::begin_call(std::uint64_t token_estimate,
                                          const std::string& breaker_key) {
  guarded_call call;
  call.attempt = retry_.record_call();
  call.token_estimate = token_estimate;
  call.breaker = &breaker_for(breaker_key);
  call.breaker_key = breaker_key;
  return call;
}

std::optional<call_failure>
dependency_guard::before_attempt(guarded_call& call) {
  if (call.breaker == nullptr)
    call.breaker = &breaker_for({});
  auto& breaker = *call.breaker;
  auto decision = breaker.try_acquire();
  if (!decision.permitted()) {
    call_failure failure{error_code::circuit_open, {}, std::nullopt};
    if (decision.retry_after > policies::duration{0}) {
      failure.reason = config_.name + breaker_of(call) +
                       ": circuit breaker open, retry after " +
                       describe(decision.retry_after);
      failure.retry_after = decision.retry_after;
    } else {
      failure.reason = config_.name + breaker_of(call) +
                       ": circuit breaker half-open, every probe in flight";
    }
    return failure;
  }
  auto rate = rates_.try_acquire(call.token_estimate);
  if (!rate.admitted()) {
    breaker.release(*decision.permit);
    if (rate.outcome == policies::acquire_outcome::too_large)
      return call_failure{error_code::invalid_argument,
                          config_.name + ": token estimate " +
                              std::to_string(call.token_estimate) +
                              " exceeds the token burst of " +
                              std::to_string(rates_.tokens().capacity()),
                          std::nullopt};
    return call_failure{error_code::rate_limited,
                        config_.name + ": rate limit reached, retry after " +
                            describe(rate.retry_after),
                        rate.retry_after};
  }
  call.permit = decision.permit;
  call.reservation = rate.reservation;
  call.started = clock_->now();
  return std::nullopt;
}

void dependency_guard::succeeded(guarded_call& call,
                                 std::uint64_t actual_tokens,
                                 policies::duration first_token) {
  if (!call.permit)
    return;
  call.breaker->record_success(*call.permit, clock_->now() - call.started,
                               first_token);
  rates_.reconcile(call.reservation, actual_tokens);
  call.permit.reset();
}

retry_verdict dependency_guard::failed(guarded_call& call,
                                       const attempt_failure& failure) {
  if (call.permit) {
    auto took = clock_->now() - call.started;
    switch (failure.error) {
    case policies::error_class::transient:
    case policies::error_class::timeout:
      call.breaker->record_failure(*call.permit, took);
      break;
    case policies::error_class::permanent:
      call.breaker->record_success(*call.permit, took);
      break;
    case policies::error_class::rate_limited:
      // The dependency works and said when to come back: every caller
      // waits (the call table's hold), rather than an open breaker failing
      // them all for open_ms.
    case policies::error_class::cancelled:
      call.breaker->release(*call.permit);
      break;
    }
    // A failed attempt keeps its token reservation: the dependency may have
    // spent the tokens before failing.
    call.permit.reset();
  }
  if (config_.never_retry)
    return {give_up(failure, call.attempt.attempt,
                    "an effectful call is never retried"),
            policies::duration{0}};
  auto decision =
      retry_.decide(call.attempt, failure.error, failure.retry_after);
  if (!decision.retry())
    return {give_up(failure, call.attempt.attempt, decision.reason),
            policies::duration{0}};
  ++call.attempt.attempt;
  ++call.retries;
  return {std::nullopt, decision.delay};
}

void dependency_guard::abandon(guarded_call& call) {
  if (call.permit)
    call.breaker->release(*call.permit);
  call.permit.reset();
}

call_failure dependency_guard::cancelled(const std::string& why) const {
  return {error_code::cancelled,
          config_.name + ": call cancelled (" + why + ")", std::nullopt};
}

call_failure dependency_guard::give_up(const attempt_failure& failure,
                                       std::uint32_t attempts,
                                       const std::string& why) const {
  std::string reason = config_.name + ": " + failure.reason +
                       "; gave up after " + std::to_string(attempts) +
                       (attempts == 1 ? " attempt: " : " attempts: ") + why;
  return {error_code_for(failure.error), std::move(reason),
          failure.error == policies::error_class::rate_limited
              ? failure.retry_after
              : std::nullopt};
}

} // namespace warden
