#pragma once

// The tool runner actor: one per configured tool (spawn_agent tools
// excepted). It receives `tool_request`s (delegated by the governor, so it
// answers the session directly), runs each through the tool's guard
// (breaker, rate limit, retries unless effectful, per-attempt timeout) and
// its backend, and returns the governor's tool-call permits (one per
// request, sent in batches).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/common/clock.hpp"
#include "actors/dependencies/detail/dependency_state.hpp"
#include "actors/dependencies/metrics.hpp"
#include "actors/dependencies/tool_backends.hpp"
#include "actors/dependencies/tool_registry.hpp"
#include "config/dependencies.hpp"

namespace warden {

/// What a tool runner actor is spawned with.
struct tool_runner_config {
  /// The tool's name (its [tools.<name>] table).
  std::string name;
  /// Its settings: timeout, side effect, rate limit, retry, breaker. An
  /// effectful side_effect means no attempt is ever repeated.
  config::tool_settings settings;
  /// What runs the calls (make_tool_backend); null: echo.
  std::shared_ptr<tool_backend> backend;
  /// Receives permit_release{tool_call, count} for ended requests, in
  /// batches; null (tests):
  /// nothing is sent.
  caf::actor governor;
  /// Metric handles (null members skipped).
  dependency_metrics metrics;
  /// Seed of the retry jitter. Default 0.
  std::uint64_t seed = 0;
  /// Runs whose cancel the node acknowledged: no attempt of theirs starts.
  /// Null (tests): none are checked.
  std::shared_ptr<const cancel_board> cancels;
  /// In a cluster, the tool's requests per minute hold across its members
  /// once the router names them (`lease_members`), as a provider's rates
  /// do (actors/README.md): how long a lease lives, and the lease counters.
  std::chrono::milliseconds lease_ttl{3000};
  lease_metrics lease_counters{};
  /// The node's time (its wall clock sets the one-minute windows); null:
  /// the actor system's clock and the system's wall time.
  std::shared_ptr<const policies::clock> time{};
};

/// The state of a tool runner actor; `lease_members`, `lease_ask`,
/// `lease_grant`, `lease_return` and `lease_recall` carry its rate across a
/// cluster.
struct tool_runner_state
    : detail::dependency_state_base<tool_request, tool_reply> {
  static inline const char* name = "warden.tool_runner";

  using dependency_state_base::dependency_state_base;

  /// Builds the guard and the call table from `cfg`, returns the handlers:
  /// `tool_request` -> `tool_reply` (retries set) or a warden error
  /// (circuit_open, rate_limited with retry-after, timeout,
  /// dependency_failed, invalid_argument, cancelled) naming the tool;
  /// `cancel_calls` drops every pending or waiting call of a run.
  caf::behavior make_behavior(tool_runner_config cfg);
};

/// The tool runner actor's behavior (spawn it with `cfg`).
caf::behavior tool_runner(caf::stateful_actor<tool_runner_state>* self,
                          tool_runner_config cfg);

/// Spawns a tool runner actor.
caf::actor spawn_tool_runner(caf::actor_system& sys, tool_runner_config cfg);

/// The runner configuration of configured tool `name`: its settings with the
/// side effect made the stricter of the configured and the registered one,
/// and its backend (make_tool_backend). The governor, metrics and seed are
/// left for the caller. Errors as make_tool_backend.
caf::expected<tool_runner_config> make_tool_runner_config(
    caf::actor_system& sys, const std::string& name,
    const config::tool_settings& settings, const tool_registry& registry,
    blocking_executor executor = {}, const tool_services& services = {});

} // namespace warden
