#pragma once

#include <chrono>
#include <cstddef>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "config/settings.hpp"

namespace prometheus {
class Registry;
} // namespace prometheus

namespace warden::apps {

/// How much work the demo submits.
struct demo_options {
  /// Root runs submitted, round-robin over the configured tenants.
  std::size_t runs = 900;
  /// Time between two submissions.
  std::chrono::milliseconds spacing{15};
};

/// Starts the demo driver against `node`: it submits runs for every tenant of
/// `settings` (which must outlive it), prints queued / running / done per
/// tenant and the breaker states (as /metrics shows them) every second, and
/// a summary once every run is final. Returns the driver actor.
caf::actor start_demo(caf::actor_system& sys, const caf::actor& node,
                      const config::settings& settings,
                      prometheus::Registry& registry, demo_options options);

} // namespace warden::apps
