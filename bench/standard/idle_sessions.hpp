#pragma once

// The memory phase: many resident idle sessions, each restored from a
// snapshot with a two-message history, as reactivation after passivation
// brings them back.

#include <cstdint>

#include <caf/actor_system.hpp>

#include "actors/session/agent_runtime.hpp"

namespace warden::bench {

/// What the memory phase measured.
struct idle_figures {
  std::uint64_t sessions = 0;
  /// Seconds to build the snapshots and spawn the sessions (lazy_init).
  double spawn_seconds = 0;
  /// Seconds to deliver one message to each (which runs its restore).
  double activate_seconds = 0;
  /// Resident bytes per session: after spawning (behaviour not yet
  /// initialized), and after every session ran its restore.
  double rss_bytes_spawned = 0;
  double rss_bytes_activated = 0;
  /// Heap bytes per session (allocator's view), after activation.
  double heap_bytes_activated = 0;
  /// Seconds to drop the sessions again.
  double teardown_seconds = 0;
};

/// Spawns `count` idle sessions of `runtime` from snapshots, activates
/// them, measures, and stops them again.
idle_figures measure_idle_sessions(caf::actor_system& sys,
                                   const agent_runtime_ptr& runtime,
                                   std::uint64_t count);

} // namespace warden::bench
