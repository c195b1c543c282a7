#include "policies/circuit_breaker.hpp"

#include <algorithm>
#include <utility>

namespace warden::policies {

const char* to_string(breaker_state x) noexcept {
  switch (x) {
  case breaker_state::closed:
    return "closed";
  case breaker_state::open:
    return "open";
  case breaker_state::half_open:
    return "half_open";
  }
  return "unknown";
}

const char* to_string(breaker_window_kind x) noexcept {
  switch (x) {
  case breaker_window_kind::count_based:
    return "count_based";
  case breaker_window_kind::time_based:
    return "time_based";
  }
  return "unknown";
}

namespace {

circuit_breaker_config normalized(circuit_breaker_config cfg) {
  cfg.window_calls = std::max(cfg.window_calls, 1u);
  cfg.window_buckets = std::max(cfg.window_buckets, 1u);
  cfg.window_duration = std::max(cfg.window_duration, duration{1});
  cfg.minimum_calls = std::max(cfg.minimum_calls, 1u);
  if (cfg.window_kind == breaker_window_kind::count_based)
    cfg.minimum_calls = std::min(cfg.minimum_calls, cfg.window_calls);
  cfg.open_duration = std::max(cfg.open_duration, duration{0});
  cfg.half_open_probes = std::max(cfg.half_open_probes, 1u);
  return cfg;
}

detail::outcome_window make_window(const circuit_breaker_config& cfg,
                                   time_point now) {
  if (cfg.window_kind == breaker_window_kind::time_based)
    return detail::outcome_window{cfg.window_duration, cfg.window_buckets, now};
  return detail::outcome_window{cfg.window_calls};
}

double rate(std::uint32_t part, std::uint32_t whole) noexcept {
  // Dividing the two integers rounds once, to the double nearest the exact
  // ratio, so "3 of 10" compares equal to a threshold written as 0.3.
  if (part == 0) // the common case; also an empty window
    return 0.0;
  return static_cast<double>(part) / static_cast<double>(whole);
}

} // namespace

circuit_breaker::circuit_breaker(circuit_breaker_config config,
                                 const clock& clk,
                                 state_change_callback on_change)
    : config_(normalized(config)),
      clock_(&clk),
      on_change_(std::move(on_change)),
      window_(make_window(config_, clk.now())) {}

breaker_decision circuit_breaker::try_acquire() {
  switch (state_) {
  case breaker_state::closed:
    return {breaker_permit{generation_}, duration{0}, state_};
  case breaker_state::open: {
    auto left = opened_at_ + config_.open_duration - clock_->now();
    if (left > duration{0})
      return {std::nullopt, left, state_};
    transition(breaker_state::half_open);
    break;
  }
  case breaker_state::half_open:
    break;
  }
  if (probes_issued_ >= config_.half_open_probes)
    return {std::nullopt, duration{0}, state_};
  ++probes_issued_;
  return {breaker_permit{generation_}, duration{0}, state_};
}

void circuit_breaker::record_success(breaker_permit permit,
                                     duration call_duration,
                                     duration first_token) {
  auto threshold = config_.slow_first_token_threshold;
  bool slow_start = threshold > duration{0} && first_token > threshold;
  record(permit, false, call_duration, slow_start);
}

void circuit_breaker::record_failure(breaker_permit permit,
                                     duration call_duration) {
  record(permit, true, call_duration);
}

void circuit_breaker::release(breaker_permit permit) {
  if (permit.generation == generation_ && state_ == breaker_state::half_open &&
      probes_issued_ > probes_.calls)
    --probes_issued_;
}

void circuit_breaker::on_state_change(state_change_callback on_change) {
  on_change_ = std::move(on_change);
}

double circuit_breaker::failure_rate() const {
  auto c = judged();
  return rate(c.failures, c.calls);
}

double circuit_breaker::slow_call_rate() const {
  auto c = judged();
  return rate(c.slow, c.calls);
}

std::uint32_t circuit_breaker::calls_in_window() const {
  return judged().calls;
}

void circuit_breaker::record(breaker_permit permit, bool failed,
                             duration call_duration, bool slow_start) {
  if (permit.generation != generation_)
    return; // issued before the last state change
  bool slow =
      slow_start || call_duration > config_.slow_call_duration_threshold;
  switch (state_) {
  case breaker_state::closed: {
    auto now = clock_->now();
    window_.add(now, failed, slow);
    auto counts = window_.totals(now);
    if (counts.calls >= config_.minimum_calls && trips(counts)) {
      opened_by_ = counts;
      transition(breaker_state::open);
    }
    return;
  }
  case breaker_state::open:
    return; // unreachable: open hands out no permits
  case breaker_state::half_open: {
    if (probes_.calls >= probes_issued_)
      return; // more reports than permits: ignore the extra ones
    probes_ += detail::outcome_counts{1, failed ? 1u : 0u, slow ? 1u : 0u};
    if (probes_.calls < config_.half_open_probes)
      return;
    if (trips(probes_)) {
      opened_by_ = probes_;
      transition(breaker_state::open);
    } else {
      transition(breaker_state::closed);
    }
    return;
  }
  }
}

bool circuit_breaker::trips(const detail::outcome_counts& c) const noexcept {
  return rate(c.failures, c.calls) >= config_.failure_rate_threshold ||
         rate(c.slow, c.calls) >= config_.slow_call_rate_threshold;
}

detail::outcome_counts circuit_breaker::judged() const {
  switch (state_) {
  case breaker_state::closed:
    return window_.totals(clock_->now());
  case breaker_state::open:
    return opened_by_;
  case breaker_state::half_open:
    return probes_;
  }
  return {};
}

void circuit_breaker::transition(breaker_state to) {
  auto from = state_;
  state_ = to;
  ++generation_;
  auto now = clock_->now();
  switch (to) {
  case breaker_state::open:
    opened_at_ = now;
    break;
  case breaker_state::half_open:
    probes_issued_ = 0;
    probes_ = detail::outcome_counts{};
    break;
  case breaker_state::closed:
    window_.clear(now);
    break;
  }
  if (on_change_)
    on_change_(from, to);
}

} // namespace warden::policies
