#pragma once

#include <optional>

#include "policies/clock.hpp"

namespace warden::policies {

/// What a hold gate says about an attempt that wants to start.
struct gate_decision {
  /// Whether the attempt may start now.
  bool pass = true;
  /// When passing: the attempt is the probe after a hold, whose outcome
  /// decides whether the others follow (report it with probe_*).
  bool probe = false;
  /// When not passing: the earliest instant at which asking again may pass
  /// (the end of the hold; while a probe is in flight, the hold's end too,
  /// as a lower bound).
  time_point until{};
};

/// Shared backpressure of one dependency: when the dependency asks its
/// callers to wait (an HTTP 429 with Retry-After, or a rate-limit budget it
/// reports as spent), every attempt waits until the wait is over, not only
/// the one that was told. When it is over, a single attempt probes first;
/// the others pass once the probe got an answer other than another request
/// to wait. So N callers told to wait make no request before the wait ends
/// and one when it ends, instead of N at once. Time comes from the injected
/// clock. Not thread-safe: owned by one actor.
class hold_gate {
 public:
  /// An open gate; `clk` must outlive it.
  explicit hold_gate(const clock& clk) : clock_(&clk) {}

  /// The dependency asked to wait `wait` from now. Extends a hold in
  /// effect, never shortens it. Non-positive waits are ignored.
  void hold_for(duration wait);

  /// Asks whether an attempt may start now.
  [[nodiscard]] gate_decision try_pass();

  /// The probe got an answer that was not a request to wait: the gate
  /// opens.
  void probe_succeeded();

  /// The probe was told to wait again, for `wait` (a default of one second
  /// when the dependency named none).
  void probe_held(std::optional<duration> wait);

  /// The probe ended without an answer (cancelled): another may probe.
  void probe_abandoned();

  /// Whether attempts wait (a hold in effect or a probe in flight).
  [[nodiscard]] bool closed() const;

  /// Whether attempts pass freely: no hold asked for since the last probe
  /// that got an answer.
  [[nodiscard]] bool open() const noexcept { return !probe_due_ && !probing_; }

  /// Whether a probe is in flight.
  [[nodiscard]] bool probing() const noexcept { return probing_; }

  /// The end of the current hold (meaningless when the gate is open).
  [[nodiscard]] time_point until() const noexcept { return until_; }

  /// The wait assumed when a probe is told to wait without a duration.
  static constexpr duration default_wait = std::chrono::seconds{1};

 private:
  const clock* clock_;
  /// Attempts wait until this instant.
  time_point until_{};
  /// Set after a hold: the next attempt to pass is a probe.
  bool probe_due_ = false;
  /// A probe is in flight: the others wait for its answer.
  bool probing_ = false;
};

} // namespace warden::policies
