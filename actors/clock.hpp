#pragma once

#include <chrono>

#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>

#include "policies/clock.hpp"

namespace warden {

/// The policies' clock, read from the actor system's clock. Under CAF's
/// deterministic test coordinator that clock moves only with advance_time,
/// so policies inside actors become deterministic in tests too.
class actor_clock_source final : public policies::clock {
 public:
  explicit actor_clock_source(caf::actor_system& sys) : clock_(&sys.clock()) {}

  [[nodiscard]] policies::time_point now() const noexcept override {
    return std::chrono::time_point_cast<policies::duration>(clock_->now());
  }

 private:
  caf::actor_clock* clock_;
};

} // namespace warden
