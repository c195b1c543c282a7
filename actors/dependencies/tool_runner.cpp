#include "actors/dependencies/tool_runner.hpp"

#include <utility>

#include "actors/common/policy_configs.hpp"

namespace warden {

caf::behavior tool_runner_state::make_behavior(tool_runner_config cfg) {
  auto guard =
      guard_config_of("tool '" + cfg.name + "'", cfg.settings, cfg.seed);
  // Config validation already refuses retries of effectful tools; the guard
  // holds the line whatever the retry settings say.
  guard.never_retry =
      cfg.settings.side_effect == config::side_effect_kind::effectful;
  detail::dependency_call_settings settings;
  settings.attempt_timeout = std::chrono::milliseconds{cfg.settings.timeout_ms};
  settings.permit = permit_kind::tool_call;
  settings.governor = std::move(cfg.governor);
  settings.metrics = cfg.metrics;
  settings.cancels = std::move(cfg.cancels);
  settings.cluster.prefix = "tool:" + cfg.name;
  settings.cluster.label = "tool '" + cfg.name + "'";
  settings.cluster.requests_per_minute = cfg.settings.requests_per_minute;
  settings.cluster.ttl = cfg.lease_ttl;
  settings.cluster.metrics = cfg.lease_counters;
  if (!cfg.backend)
    cfg.backend = std::make_shared<callable_tool>(echo_function(), false);
  return start(std::move(guard), std::move(settings), std::move(cfg.backend),
               std::move(cfg.time));
}

caf::behavior tool_runner(caf::stateful_actor<tool_runner_state>* self,
                          tool_runner_config cfg) {
  return self->state.make_behavior(std::move(cfg));
}

caf::actor spawn_tool_runner(caf::actor_system& sys, tool_runner_config cfg) {
  return sys.spawn(tool_runner, std::move(cfg));
}

caf::expected<tool_runner_config> make_tool_runner_config(
    caf::actor_system& sys, const std::string& name,
    const config::tool_settings& settings, const tool_registry& registry,
    blocking_executor executor, const tool_services& services) {
  auto backend = make_tool_backend(sys, name, settings, registry,
                                   std::move(executor), services);
  if (!backend)
    return std::move(backend.error());
  tool_runner_config result;
  result.name = name;
  result.settings = settings;
  if (const auto* tool = registry.find(name);
      tool != nullptr && settings.kind == config::tool_kind::native)
    result.settings.side_effect =
        stricter(settings.side_effect, tool->options.side_effect);
  result.backend = std::move(*backend);
  return result;
}

} // namespace warden
