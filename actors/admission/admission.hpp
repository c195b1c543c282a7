#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/admission/leases.hpp"
#include "actors/admission/metrics.hpp"
#include "actors/common/budget_leases.hpp"
#include "actors/common/clock.hpp"
#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "config/settings.hpp"
#include "policies/admission.hpp"
#include "policies/daily_budget.hpp"

namespace warden {

/// Tokens a run accepted before a restart holds in escrow out of its
/// tenant's daily budget (its stored `reserved_tokens`).
struct token_reservation {
  run_id run = 0;
  std::string tenant;
  std::uint64_t tokens = 0;
};

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
  /// The time admission reads: monotonic time for waits and rates, wall
  /// time for the UTC day of the daily token budgets. Null: the actor
  /// system's clock with the system's wall time. Tests pin its wall time.
  std::shared_ptr<const policies::clock> time{};
  /// The UTC day (`policies::utc_day`) that `daily_tokens` counts. Counters
  /// of a day before today are dropped at spawn. Default 0.
  std::uint64_t tokens_day = 0;
  /// Tokens each tenant used on `tokens_day`; start_node reads them from
  /// the journal (`storage::journal::daily_tokens`), so that the budgets
  /// hold across restarts. Default empty.
  std::map<std::string, std::uint64_t> daily_tokens{};
  /// The reservations of root runs accepted before a restart that have not
  /// ended; start_node reads them from the unfinished run records. They
  /// hold from spawn on, before those runs come back to admission, so that
  /// new runs cannot take what they were promised. Default empty.
  std::vector<token_reservation> reservations{};
  /// How tenants' caps are leased in a cluster ([cluster] lease_ttl_ms,
  /// lease_chunk); its metrics come from `metrics.leases`. Unused until a
  /// router sends `lease_members`.
  lease_settings leases{};
};

/// The policy's limits for `settings`' tier `tier` with the overrides of
/// tenant `tenant` (null for a tenant without a [tenants.<name>] table).
[[nodiscard]] policies::tenant_limits
tenant_limits_of(const config::tier_settings& tier,
                 const config::tenant_settings* tenant);

/// The daily token budget of tier `tier` with the override of tenant
/// `tenant` (null for a tenant without a [tenants.<name>] table); 0 =
/// unlimited.
[[nodiscard]] std::uint64_t
daily_token_budget_of(const config::tier_settings& tier,
                      const config::tenant_settings* tenant);

/// A verdict that refuses run `run` (`outcome` rejected or shed) with a
/// warden error of `code` and `reason`.
[[nodiscard]] admission_verdict refusal_verdict(run_id run,
                                                admission_outcome outcome,
                                                error_code code,
                                                std::string reason);

/// Whether a lease message's limit is a tenant's daily tokens
/// ("tokens:<tenant>") rather than its in-flight cap ("tenant:<tenant>").
[[nodiscard]] bool is_token_limit(const std::string& limit);

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
  /// Its `warden_admission_slots_taken_total` and
  /// `warden_admission_slots_returned_total` counters; may be null.
  prometheus::Counter* slots_taken = nullptr;
  prometheus::Counter* slots_returned = nullptr;
  /// Its limits as configured (its tier with its table's overrides).
  policies::tenant_limits limits;
  /// The in-flight cap the queue applies now: `limits.in_flight_cap`, or in
  /// a cluster the runs it has in flight here plus the units this node may
  /// still take of its cluster-wide cap (admission_leases).
  std::uint32_t applied_cap = 0;
  /// Tokens the tenant may use per UTC day; 0 = unlimited.
  std::uint64_t daily_token_budget = 0;
  /// The tenant's `warden_tenant_daily_tokens` gauge (null for tenants
  /// without a [tenants.<name>] table: they add to `_other`).
  prometheus::Gauge* daily_tokens = nullptr;
  /// The tenant's `warden_tenant_paused` gauge: its own (set to 0 or 1), or
  /// `_other` (counts paused tenants without a table); may be null.
  prometheus::Gauge* paused = nullptr;

  /// A run of the tenant took an in-flight slot (admitted, or regained
  /// after it yielded): counts it in the tenant's metrics.
  void took_slot();
  /// A run of the tenant gave its slot back (ended, or yielded).
  void returned_slot();
};

/// One run queued or running in admission.
struct admission_run {
  /// Who submitted the run while it waits (gets its later verdict); empty
  /// once the run is running.
  caf::actor submitter;
  /// The run's tenant (entries live as long as any of their runs).
  admission_tenant* tenant = nullptr;
  /// Whether the run holds an in-flight slot (a run that yielded its slot
  /// does not; the queue knows it as `request_state::yielded`).
  bool running = false;
};

/// A run held, without a verdict yet, while this member leases its
/// tenant's daily tokens from the budget's home.
struct held_admit {
  admit_run msg;
  caf::actor submitter;
  /// When it was first held: it is refused after the lease ttl.
  policies::time_point since{};
};

/// State of the admission actor: the node's fair admission queue.
///
/// Protocol: `admit_run` -> an `admission_verdict` to the sender (admitted,
/// queued or rejected). A queued run's later verdict (admitted with its wait,
/// or shed with code queue_full) goes to the actor that submitted that run:
/// the handle is kept per queued run, so several submitters may share one
/// admission actor. `release_run` frees a running run's slot or withdraws a
/// queued one (no verdict for the withdrawn run) and sends the verdicts of
/// the runs admitted into the freed slot. `admit_run` with `continuation`
/// (a child of an admitted tree) waits ahead of new runs. `yield_slot` gives
/// a running run's slot back while it only waits for its children (the runs
/// admitted into it get their verdicts); `reclaim_slot` asks for one again,
/// answered by `slot_returned` to the sender once the run holds one (ahead
/// of new runs). Everything is one-way: admission
/// holds no request handlers, and each message costs O(P + k) for P priority
/// classes and k runs admitted by it.
///
/// An operator's `pause_tenant` holds a tenant's new runs in the queue
/// (`policies::admission::pause`): they are answered `queued` and wait
/// within the queue bounds, while its admitted runs, their children and
/// reclaims go on; resuming admits the waiting runs at once, their verdicts
/// going to their submitters. Answered with `tenant_pause_state`, or
/// not_found for a tenant the configuration does not admit. A paused tenant
/// is kept until it is resumed; the pause lives in memory only.
///
/// Daily token budgets, with escrow: an `admit_run` that is not `accepted`
/// reserves the run's own token budget (`admit_run.tokens`, 0 = none of its
/// own), capped by what its tenant has left today (budget - used -
/// reserved), when it is admitted or queued; the verdict carries the
/// reservation, which the node makes the run's token grant. A run that
/// would get less than an eighth of its own budget
/// (`policies::least_reservation`) is rejected with budget_exhausted.
/// `release_run` (or `charge_tokens` for a run admission no longer holds)
/// releases the reservation and adds the tokens the run used to its tenant's
/// counter of the UTC day it ended; a shed run's reservation is released. So
/// used + reserved never exceeds the budget while runs stay within their
/// grants, however many arrive at once (`policies::daily_budget`). Work already
/// accepted (resumed and child runs) is honoured and keeps the reservation
/// it had (`admission_actor_config::reservations`). Counters start from the
/// configuration and drop to zero at 00:00 UTC of the injected wall clock;
/// reservations stay.
///
/// In a cluster, a tenant's daily token budget holds across the members
/// (cluster_tokens.cpp): the budget is a limit "tokens:<tenant>" of
/// `budget_leases` whose window is the UTC day, and a member reserves only
/// tokens it holds a lease of. A run whose reservation this member cannot
/// cover waits, without a verdict, while it asks the budget's home; it is
/// refused budget_exhausted when the home says the day's tokens are used or
/// leased out, or when none come within the lease ttl.
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

  /// `admit` of a run held since `since` (nothing: a new one).
  void admit(const admit_run& msg, const caf::actor& sender,
             std::optional<policies::time_point> since);

  /// Handles `release_run`.
  void release(const release_run& msg);

  /// Handles `yield_slot`.
  void yield(const yield_slot& msg);

  /// Handles `reclaim_slot` from `sender`.
  void reclaim(const reclaim_slot& msg, const caf::actor& sender);

  /// Handles `lease_members` (from this node's router): tenants' caps are
  /// leased from their homes from now on.
  void on_lease_members(const lease_members& msg);

  /// Handles `lease_ask` from another member's admission actor (through
  /// its node actor): this node answers as the limit's home.
  void on_lease_ask(const lease_ask& msg, const caf::actor& sender);

  /// Handles `lease_grant`, `lease_return` and `lease_recall`; each
  /// lease message goes to the tenants' caps or, for "tokens:<tenant>",
  /// their daily tokens (cluster_tokens.cpp).
  void on_lease_grant(const lease_grant& msg);
  void on_lease_return(const lease_return& msg);
  void on_lease_recall(const lease_recall& msg);

  /// The lease side (for tests and `get_lease_counts`).
  [[nodiscard]] const admission_leases& leases() const noexcept {
    return *leases_;
  }

  /// Adds tokens no release carries to their tenant's daily counter.
  void charge_tokens_of(const charge_tokens& msg);

  /// The daily tokens' leases (for tests); inactive outside a cluster.
  [[nodiscard]] const budget_leases& token_leases() const noexcept {
    return *tokens_;
  }

  /// Runs held while their tenant's tokens are leased (for tests).
  [[nodiscard]] std::size_t held_for_tokens() const noexcept {
    return held_.size();
  }

  /// Handles `pause_tenant`: pauses or resumes the tenant and says its state
  /// now; not_found for a tenant the node does not admit.
  [[nodiscard]] caf::expected<tenant_pause_state>
  set_paused(const pause_tenant& msg);

  /// The policy (for tests and metrics).
  [[nodiscard]] const policies::admission& queue() const noexcept {
    return *queue_;
  }

  /// The known tenant called `name`, or null.
  [[nodiscard]] const admission_tenant*
  find_tenant(const std::string& tenant_name) const;

  /// Number of runs queued or running.
  [[nodiscard]] std::size_t runs() const noexcept { return runs_.size(); }

  /// Every tenant's tokens of the current UTC day (for tests and metrics).
  [[nodiscard]] const policies::daily_budget& budgets() const noexcept {
    return *budgets_;
  }

 private:
  admission_tenant* tenant_for(const std::string& tenant_name);
  std::string not_admitted(const std::string& tenant_name) const;
  void show_paused(admission_tenant& tenant, bool paused);
  void forget_if_idle(admission_tenant* tenant);
  void started(admission_run& entry, policies::duration waited);
  void regained(admission_run& entry, run_id run, const caf::actor& sender);
  void announce(const std::vector<policies::admitted_run>& admitted);
  void shed(const policies::shed_run& victim, const std::string& by_class);
  void count_refusal(admission_refusal reason);
  std::uint64_t wall_now() const;
  void advance_day(std::uint64_t now_ms);
  std::uint64_t reserve(const admission_tenant& tenant, const admit_run& msg);
  bool tokens_allow(admission_tenant& tenant, const admit_run& msg,
                    const caf::actor& sender,
                    std::optional<policies::time_point> since);
  void refuse_tokens(const admit_run& msg, const caf::actor& sender,
                     admission_refusal reason, error_code code,
                     std::string why);
  void start_token_leases();
  void on_token_members(const lease_members& msg);
  void on_lease_tick();
  budget_limit* token_limit(const std::string& tenant_name,
                            std::uint64_t budget);
  std::uint64_t applied_budget(const admission_tenant& tenant,
                               budget_limit& limit);
  void lease_settled(const std::string& tenant_name, std::uint64_t released,
                     std::uint64_t tokens);
  void retry_held(const std::string& limit_name);
  bool drop_held(run_id run);
  void settle(const admission_tenant& tenant, run_id run, std::uint64_t tokens,
              std::uint64_t finished_at_ms);
  void show_reserved(const std::string& tenant_name, std::uint64_t added,
                     std::uint64_t released);
  void reset_daily_gauges();
  void refresh_gauges();
  void arm_refresh();
  [[nodiscard]] std::optional<policies::tenant_limits>
  configured_limits(const std::string& tenant_name) const;
  void apply_leases(admission_tenant& tenant);
  void take_lease(const admission_tenant& tenant);
  void apply_leases(const std::vector<std::string>& tenant_names);
  void arm_lease_tick();

  caf::event_based_actor* self_;
  admission_actor_config cfg_;
  /// cfg_.time, or the actor system's clock.
  std::shared_ptr<const policies::clock> clock_;
  std::optional<policies::admission> queue_;
  std::optional<policies::daily_budget> budgets_;
  /// Tokens of today summed over tenants without a [tenants.<name>] table.
  std::uint64_t other_daily_tokens_ = 0;
  /// Tokens reserved summed over tenants without a [tenants.<name>] table.
  std::uint64_t other_reserved_tokens_ = 0;
  std::unordered_map<std::string, std::unique_ptr<admission_tenant>> tenants_;
  std::unordered_map<run_id, admission_run> runs_;
  std::vector<policies::admitted_run> admitted_; // reused buffer
  policies::admission::tenant_id next_tenant_ = 1;
  bool refresh_armed_ = false;
  std::optional<admission_leases> leases_;
  bool lease_tick_armed_ = false;
  /// Tenants' daily tokens across a cluster, and the runs held for them.
  std::optional<budget_leases> tokens_;
  std::deque<held_admit> held_;
};

/// The admission actor's type.
using admission_actor = caf::stateful_actor<admission_state>;

/// Spawns the admission actor. Fails with invalid_argument, naming the key,
/// when the configuration breaks a rule of the admission queue or a tenant
/// names a missing tier (config::validate refuses both earlier).
[[nodiscard]] caf::expected<caf::actor>
spawn_admission(caf::actor_system& sys, admission_actor_config cfg);

} // namespace warden
