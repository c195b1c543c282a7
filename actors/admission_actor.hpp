#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/admission_metrics.hpp"
#include "actors/clock.hpp"
#include "actors/protocol.hpp"
#include "config/settings.hpp"
#include "policies/admission.hpp"

namespace warden {

/// What the admission actor is spawned with.
struct admission_actor_config {
  /// The node's configuration: [admission], [tiers], [tenants] and
  /// [[priorities]] are read.
  config::settings settings;
  /// Metric handles; null handles are skipped.
  admission_metrics metrics;
  /// How often the oldest-wait gauges are refreshed while runs wait and no
  /// message arrives; zero turns the timer off (they are refreshed on every
  /// message anyway). Default 1 s.
  std::chrono::milliseconds metrics_refresh{1000};
};

/// The policy's limits for `settings`' tier `tier` with the overrides of
/// tenant `tenant` (null for a tenant without a [tenants.<name>] table).
[[nodiscard]] policies::tenant_limits
tenant_limits_of(const config::tier_settings& tier,
                 const config::tenant_settings* tenant);

/// The admission queue's configuration built from `settings`.
[[nodiscard]] policies::admission_config
admission_config_of(const config::settings& settings);

/// One tenant known to the admission actor.
struct admission_tenant {
  /// The tenant's name.
  std::string name;
  /// The policy's id of the tenant.
  policies::admission::tenant_id id = 0;
  /// Whether the tenant has a [tenants.<name>] table (kept for good); other
  /// tenants are forgotten when they have nothing queued or running.
  bool configured = false;
  /// The tenant's `warden_admission_in_flight` gauge; may be null.
  prometheus::Gauge* in_flight = nullptr;
};

/// One run queued or running in admission.
struct admission_run {
  /// Who submitted the run while it waits (gets its later verdict); empty
  /// once the run is running.
  caf::actor submitter;
  /// The run's tenant (entries live as long as any of their runs).
  admission_tenant* tenant = nullptr;
  /// Whether the run holds an in-flight slot.
  bool running = false;
};

/// State of the admission actor: the node's fair admission queue.
///
/// Protocol: `admit_run` -> an `admission_verdict` to the sender (admitted,
/// queued or rejected). A queued run's later verdict (admitted with its wait,
/// or shed with code queue_full) goes to the actor that submitted that run:
/// the handle is kept per queued run, so several submitters may share one
/// admission actor. `release_run` frees a running run's slot or withdraws a
/// queued one (no verdict for the withdrawn run) and sends the verdicts of
/// the runs admitted into the freed slot. Everything is one-way: admission
/// holds no request handlers, and each message costs O(P + k) for P priority
/// classes and k runs admitted by it.
struct admission_state {
  static inline const char* name = "warden.admission";

  explicit admission_state(caf::event_based_actor* self);

  /// Builds the queue from `cfg`; called once, before `make_behavior`.
  /// Throws std::invalid_argument on a configuration `spawn_admission`
  /// would have refused.
  void init(admission_actor_config cfg);

  /// The actor's behaviour.
  caf::behavior make_behavior();

  /// Handles `admit_run` from `sender`.
  void admit(const admit_run& msg, const caf::actor& sender);

  /// Handles `release_run`.
  void release(run_id run);

  /// The policy (for tests and metrics).
  [[nodiscard]] const policies::admission& queue() const noexcept {
    return *queue_;
  }

  /// The known tenant called `name`, or null.
  [[nodiscard]] const admission_tenant*
  find_tenant(const std::string& tenant_name) const;

  /// Number of runs queued or running.
  [[nodiscard]] std::size_t runs() const noexcept { return runs_.size(); }

 private:
  admission_tenant* tenant_for(const std::string& tenant_name);
  void forget_if_idle(admission_tenant* tenant);
  void started(admission_run& entry, policies::duration waited);
  void announce(const std::vector<policies::admitted_run>& admitted);
  void shed(const policies::shed_run& victim, const std::string& by_class);
  void count_refusal(admission_refusal reason);
  void refresh_gauges();
  void arm_refresh();

  caf::event_based_actor* self_;
  admission_actor_config cfg_;
  actor_clock_source clock_;
  std::optional<policies::admission> queue_;
  std::unordered_map<std::string, std::unique_ptr<admission_tenant>> tenants_;
  std::unordered_map<run_id, admission_run> runs_;
  std::vector<policies::admitted_run> admitted_; // reused buffer
  policies::admission::tenant_id next_tenant_ = 1;
  bool refresh_armed_ = false;
};

/// The admission actor's type.
using admission_actor = caf::stateful_actor<admission_state>;

/// Spawns the admission actor. Fails with invalid_argument, naming the key,
/// when the configuration breaks a rule of the admission queue or a tenant
/// names a missing tier (config::validate refuses both earlier).
[[nodiscard]] caf::expected<caf::actor>
spawn_admission(caf::actor_system& sys, admission_actor_config cfg);

} // namespace warden
