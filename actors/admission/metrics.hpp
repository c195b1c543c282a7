#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "actors/admission/leases.hpp"
#include "config/settings.hpp"

namespace warden {

/// Why admission refused or dropped a run, as counted by the
/// `warden_admission_runs_rejected_total{reason}` metric.
enum class admission_refusal : std::uint8_t {
  unknown_tenant,           ///< no [tenants.<name>] table and no default tier
  unknown_priority,         ///< the priority index names no class
  duplicate_request,        ///< the run id is already queued or running
  tenant_queue_full,        ///< the tenant's queue_cap is reached
  global_queue_full,        ///< admission.global_queue_cap is reached
  shed_for_higher_priority, ///< a queued run dropped for higher-priority work
  daily_budget_exhausted,   ///< the tenant used its daily token budget
};

/// Number of `admission_refusal` values.
inline constexpr std::size_t admission_refusal_count = 7;

/// The stable lower-case name of `x` (the metric's label value).
const char* to_string(admission_refusal x) noexcept;

/// The admission actor's metric handles, fetched once at startup. Every
/// pointer may be null (that metric is not kept); the registry that owns the
/// handles must outlive the actor. Label cardinality is bounded by the
/// configuration: classes, configured tenants and the fixed refusal reasons.
struct admission_metrics {
  /// `warden_admission_runs_admitted_total`: runs admitted, at once or after
  /// waiting.
  prometheus::Counter* admitted = nullptr;
  /// `warden_admission_runs_rejected_total{reason}`, indexed by
  /// `admission_refusal`.
  std::array<prometheus::Counter*, admission_refusal_count> refused{};
  /// `warden_admission_queue_depth{priority}`: runs waiting, by class index.
  std::vector<prometheus::Gauge*> queue_depth;
  /// `warden_admission_oldest_wait_seconds{priority}`: age of the oldest
  /// waiting run, by class index. Refreshed on every message admission
  /// handles (and by its refresh timer when one is configured).
  std::vector<prometheus::Gauge*> oldest_wait;
  /// `warden_admission_in_flight{tenant}`: runs in flight (holding a slot)
  /// of each configured tenant.
  std::map<std::string, prometheus::Gauge*, std::less<>> tenant_in_flight;
  /// `warden_admission_in_flight{tenant="_other"}`: runs in flight of all
  /// tenants without a [tenants.<name>] table.
  prometheus::Gauge* other_in_flight = nullptr;
  /// `warden_admission_slots_taken_total{tenant}` and
  /// `warden_admission_slots_returned_total{tenant}`: in-flight slots each
  /// configured tenant's runs took and gave back; their difference is the
  /// in-flight gauge. Read apart (takes first, returns after) on several
  /// nodes, they bound from below what was in flight across them at one
  /// instant, which one scrape after another of the gauges does not.
  std::map<std::string, prometheus::Counter*, std::less<>> tenant_slots_taken;
  std::map<std::string, prometheus::Counter*, std::less<>>
      tenant_slots_returned;
  /// The same, summed over the tenants without a [tenants.<name>] table.
  prometheus::Counter* other_slots_taken = nullptr;
  prometheus::Counter* other_slots_returned = nullptr;
  /// `warden_admission_yielded_runs`: admitted runs that gave their slot
  /// back while they wait for their children.
  prometheus::Gauge* yielded = nullptr;
  /// `warden_admission_wait_seconds`: time admitted runs waited (0 for runs
  /// admitted at once).
  prometheus::Histogram* wait = nullptr;
  /// `warden_tenant_daily_tokens{tenant}`: tokens each configured tenant
  /// used on the current UTC day (counted when its runs end).
  std::map<std::string, prometheus::Gauge*, std::less<>> tenant_daily_tokens;
  /// `warden_tenant_daily_tokens{tenant="_other"}`: the same, summed over
  /// the tenants without a [tenants.<name>] table.
  prometheus::Gauge* other_daily_tokens = nullptr;
  /// `warden_tenant_reserved_tokens{tenant}`: tokens held in escrow out of
  /// each configured tenant's daily budget by its runs that have not ended.
  std::map<std::string, prometheus::Gauge*, std::less<>> tenant_reserved_tokens;
  /// `warden_tenant_reserved_tokens{tenant="_other"}`: the same, summed over
  /// the tenants without a [tenants.<name>] table.
  prometheus::Gauge* other_reserved_tokens = nullptr;
  /// `warden_tenant_token_overrun_total`: tokens runs used beyond their
  /// reservation (counted for their tenant's day all the same).
  prometheus::Counter* token_overrun = nullptr;
  /// `warden_tenant_paused{tenant}`: 1 while an operator holds each
  /// configured tenant's new runs (`pause_tenant`), else 0.
  std::map<std::string, prometheus::Gauge*, std::less<>> tenant_paused;
  /// `warden_tenant_paused{tenant="_other"}`: how many tenants without a
  /// [tenants.<name>] table are paused.
  prometheus::Gauge* other_paused = nullptr;
  /// The leases of tenants' caps in a cluster (registered only when
  /// [cluster] nodes is set).
  lease_metrics leases;
};

/// Registers the lease metrics of tenants' caps in a cluster in `registry`
/// and returns their handles (make_admission_metrics calls it when
/// [cluster] nodes is set).
[[nodiscard]] lease_metrics make_lease_metrics(prometheus::Registry& registry);

/// Registers the admission metrics in `registry` for the classes and tenants
/// of `settings` and returns their handles. Call once, at startup.
[[nodiscard]] admission_metrics
make_admission_metrics(prometheus::Registry& registry,
                       const config::settings& settings);

} // namespace warden
