#include "actors/dependencies/provider.hpp"

#include <utility>

#include "actors/common/policy_configs.hpp"
#include "actors/dependencies/openai/backend.hpp"
#include "actors/dependencies/scripted_model.hpp"
#include "actors/protocol/error.hpp"

namespace warden {

caf::behavior provider_state::make_behavior(provider_config cfg) {
  auto guard =
      guard_config_of("provider '" + cfg.name + "'", cfg.settings, cfg.seed);
  detail::dependency_call_settings settings;
  settings.attempt_timeout = std::chrono::milliseconds{cfg.settings.timeout_ms};
  settings.permit = permit_kind::model_stream;
  settings.governor = std::move(cfg.governor);
  settings.metrics = cfg.metrics;
  settings.cancels = std::move(cfg.cancels);
  settings.on_keyed_breaker_change =
      [models = cfg.model_metrics](const std::string& model,
                                   policies::breaker_state to) {
        detail::set_breaker_gauge(models.of(model).breaker_state, to);
      };
  settings.cluster.prefix = "provider:" + cfg.name;
  settings.cluster.label = "provider '" + cfg.name + "'";
  settings.cluster.requests_per_minute = cfg.settings.requests_per_minute;
  settings.cluster.tokens_per_minute = cfg.settings.tokens_per_minute;
  settings.cluster.ttl = cfg.lease_ttl;
  settings.cluster.metrics = cfg.lease_counters;
  if (!cfg.backend)
    cfg.backend = std::make_shared<scripted_model>();
  return start(std::move(guard), std::move(settings), std::move(cfg.backend),
               std::move(cfg.time));
}

caf::behavior provider(caf::stateful_actor<provider_state>* self,
                       provider_config cfg) {
  return self->state.make_behavior(std::move(cfg));
}

caf::actor spawn_provider(caf::actor_system& sys, provider_config cfg) {
  return sys.spawn(provider, std::move(cfg));
}

caf::expected<std::shared_ptr<model_backend>>
make_model_backend(const std::string& name,
                   const config::provider_settings& settings,
                   model_backend_context context) {
  switch (settings.kind) {
  case config::provider_kind::scripted:
    return make_scripted_model(settings);
  case config::provider_kind::openai:
    return openai::make_endpoint_model(name, settings, std::move(context.tools),
                                       std::move(context.metrics),
                                       std::move(context.deltas));
  }
  return make_error(error_code::invalid_argument,
                    std::string{"provider kind "} + to_string(settings.kind) +
                        " is unknown");
}

} // namespace warden
