#pragma once

// The provider actor: one per configured model provider. It receives
// `model_request`s (delegated by the governor, so it answers the session
// directly), runs each through the provider's guard (breaker, rate limits,
// retries, per-attempt timeout) and its backend, and returns the
// governor's model-stream permits (one per request, sent in batches).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/common/clock.hpp"
#include "actors/common/delta_board.hpp"
#include "actors/common/lease_members.hpp"
#include "actors/dependencies/backend.hpp"
#include "actors/dependencies/detail/dependency_state.hpp"
#include "actors/dependencies/metrics.hpp"
#include "actors/dependencies/openai/model_metrics.hpp"
#include "actors/dependencies/openai/request.hpp"
#include "config/dependencies.hpp"

namespace warden {

/// What a provider actor is spawned with.
struct provider_config {
  /// The provider's name (its [providers.<name>] table).
  std::string name;
  /// Its settings: timeout, rate limits, retry, breaker.
  config::provider_settings settings;
  /// What answers the calls (make_model_backend); null: the scripted
  /// model's standard workload.
  std::shared_ptr<model_backend> backend;
  /// Receives permit_release{model_stream, count} for ended requests, in
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
  /// Per-model handles; their breaker gauges follow the model's breaker.
  openai::provider_model_metrics model_metrics{};
  /// In a cluster, the provider's requests and tokens per minute hold
  /// across its members (actors/README.md, "A provider's rates across the
  /// cluster") once the router names them (`lease_members`): how long a
  /// lease lives ([cluster] lease_ttl_ms), and the lease counters.
  std::chrono::milliseconds lease_ttl{3000};
  lease_metrics lease_counters{};
  /// The node's time (its wall clock sets the rates' one-minute windows);
  /// null: the actor system's clock and the system's wall time.
  std::shared_ptr<const policies::clock> time{};
};

/// The state of a provider actor; `lease_members`, `lease_ask`,
/// `lease_grant`, `lease_return` and `lease_recall` carry its rates across
/// a cluster.
struct provider_state
    : detail::dependency_state_base<model_request, model_reply> {
  static inline const char* name = "warden.provider";

  using dependency_state_base::dependency_state_base;

  /// Builds the guard and the call table from `cfg`, returns the handlers:
  /// `model_request` -> `model_reply` (retries set) or a warden error
  /// (circuit_open, rate_limited with retry-after, timeout,
  /// dependency_failed, invalid_argument, cancelled) naming the provider;
  /// `cancel_calls` drops every pending or waiting call of a run.
  caf::behavior make_behavior(provider_config cfg);
};

/// The provider actor's behavior (spawn it with `cfg`).
caf::behavior provider(caf::stateful_actor<provider_state>* self,
                       provider_config cfg);

/// Spawns a provider actor.
caf::actor spawn_provider(caf::actor_system& sys, provider_config cfg);

/// What a provider's backend is built from besides its settings.
struct model_backend_context {
  /// The tools agents may offer, described for models (openai).
  openai::tool_catalog tools;
  /// Metric handles per model (openai; members may be null).
  openai::provider_model_metrics metrics;
  /// Where streamed content goes for runs whose sessions listen (openai);
  /// null: nowhere.
  std::shared_ptr<const delta_board> deltas;
};

/// The backend of provider `name` from its settings: the scripted model
/// (built-in workload or script file) or an OpenAI-compatible endpoint; an
/// invalid_argument error naming the key for an unreadable script or CA
/// file, a bad endpoint, or an API key variable that is unset.
caf::expected<std::shared_ptr<model_backend>>
make_model_backend(const std::string& name,
                   const config::provider_settings& settings,
                   model_backend_context context = {});

} // namespace warden
