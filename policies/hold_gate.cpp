#include "policies/hold_gate.hpp"

#include <algorithm>

namespace warden::policies {

void hold_gate::hold_for(duration wait) {
  if (wait <= duration{0})
    return;
  until_ = std::max(until_, clock_->now() + wait);
  probe_due_ = true;
}

gate_decision hold_gate::try_pass() {
  if (probing_)
    return {false, false, until_};
  if (!probe_due_)
    return {};
  if (clock_->now() < until_)
    return {false, false, until_};
  probing_ = true;
  return {true, true, until_};
}

void hold_gate::probe_succeeded() {
  probing_ = false;
  // A hold asked for while the probe was out (another caller's answer)
  // still stands.
  probe_due_ = clock_->now() < until_;
}

void hold_gate::probe_held(std::optional<duration> wait) {
  probing_ = false;
  hold_for(wait && *wait > duration{0} ? *wait : default_wait);
}

void hold_gate::probe_abandoned() {
  probing_ = false;
}

bool hold_gate::closed() const {
  return probing_ || (probe_due_ && clock_->now() < until_);
}

} // namespace warden::policies
