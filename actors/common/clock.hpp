#pragma once

#include <chrono>

#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>

#include "policies/clock.hpp"

namespace warden {

/// The node's time: monotonic time from the actor system's clock, wall time
/// from the system's wall clock. Under CAF's deterministic test coordinator
/// the actor clock moves only with advance_time, so what reads this clock
/// is deterministic in tests too; tests pin the wall time (`set_unix_ms`),
/// which then moves with the actor clock. Thread-safe when the actor
/// system's clock is (the production one is), until `set_unix_ms`.
class actor_clock_source final : public policies::clock {
 public:
  explicit actor_clock_source(caf::actor_system& sys) : clock_(&sys.clock()) {}

  [[nodiscard]] policies::time_point now() const noexcept override {
    return std::chrono::time_point_cast<policies::duration>(clock_->now());
  }

  [[nodiscard]] std::uint64_t unix_ms() const noexcept override {
    if (!pinned_)
      return policies::system_unix_ms();
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        clock_->now() - pinned_at_);
    return pinned_unix_ms_ + static_cast<std::uint64_t>(elapsed.count());
  }

  /// Tests and simulations: the wall time is `unix_ms` now, and moves with
  /// the actor clock from here on.
  void set_unix_ms(std::uint64_t unix_ms) {
    pinned_ = true;
    pinned_unix_ms_ = unix_ms;
    pinned_at_ = clock_->now();
  }

 private:
  caf::actor_clock* clock_;
  bool pinned_ = false;
  std::uint64_t pinned_unix_ms_ = 0;
  caf::actor_clock::time_point pinned_at_;
};

} // namespace warden
