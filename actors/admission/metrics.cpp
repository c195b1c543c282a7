#include "actors/admission/metrics.hpp"

namespace warden {

namespace {

/// Registers metric `name` (built by `builder`) with one series per
/// configured tenant of `settings` (into `by_tenant`) and one for every
/// other tenant together, `tenant="_other"`, which it returns: tenant labels
/// stay bounded by the configuration.
template <class Metric>
Metric* tenant_series(prometheus::detail::Builder<Metric> builder,
                      prometheus::Registry& registry,
                      const config::settings& settings, const char* name,
                      const char* help,
                      std::map<std::string, Metric*, std::less<>>& by_tenant) {
  auto& family = builder.Name(name).Help(help).Register(registry);
  for (const auto& [tenant_name, tenant] : settings.tenants)
    by_tenant.emplace(tenant_name, &family.Add({{"tenant", tenant_name}}));
  return &family.Add({{"tenant", "_other"}});
}

} // namespace

const char* to_string(admission_refusal x) noexcept {
  switch (x) {
  case admission_refusal::unknown_tenant:
    return "unknown_tenant";
  case admission_refusal::unknown_priority:
    return "unknown_priority";
  case admission_refusal::duplicate_request:
    return "duplicate_request";
  case admission_refusal::tenant_queue_full:
    return "tenant_queue_full";
  case admission_refusal::global_queue_full:
    return "global_queue_full";
  case admission_refusal::shed_for_higher_priority:
    return "shed_for_higher_priority";
  case admission_refusal::daily_budget_exhausted:
    return "daily_budget_exhausted";
  }
  return "unknown";
}

admission_metrics make_admission_metrics(prometheus::Registry& registry,
                                         const config::settings& settings) {
  admission_metrics result;
  result.admitted = &prometheus::BuildCounter()
                         .Name("warden_admission_runs_admitted_total")
                         .Help("Runs admitted, at once or after waiting.")
                         .Register(registry)
                         .Add({});
  auto& rejected = prometheus::BuildCounter()
                       .Name("warden_admission_runs_rejected_total")
                       .Help("Runs refused or shed by admission, by reason.")
                       .Register(registry);
  for (std::size_t i = 0; i < admission_refusal_count; ++i)
    result.refused[i] = &rejected.Add(
        {{"reason", to_string(static_cast<admission_refusal>(i))}});
  auto& depth = prometheus::BuildGauge()
                    .Name("warden_admission_queue_depth")
                    .Help("Runs waiting for admission, by priority class.")
                    .Register(registry);
  auto& oldest =
      prometheus::BuildGauge()
          .Name("warden_admission_oldest_wait_seconds")
          .Help("Age of the oldest run waiting, by priority class, seconds.")
          .Register(registry);
  for (const auto& priority : settings.priorities) {
    result.queue_depth.push_back(&depth.Add({{"priority", priority.name}}));
    result.oldest_wait.push_back(&oldest.Add({{"priority", priority.name}}));
  }
  result.other_in_flight = tenant_series(
      prometheus::BuildGauge(), registry, settings,
      "warden_admission_in_flight",
      "Runs in flight by configured tenant; _other sums the tenants without a "
      "[tenants] table.",
      result.tenant_in_flight);
  result.other_slots_taken = tenant_series(
      prometheus::BuildCounter(), registry, settings,
      "warden_admission_slots_taken_total",
      "In-flight slots taken by runs (admitted, or regained after waiting for "
      "their children), by configured tenant; _other sums the tenants "
      "without a [tenants] table.",
      result.tenant_slots_taken);
  result.other_slots_returned = tenant_series(
      prometheus::BuildCounter(), registry, settings,
      "warden_admission_slots_returned_total",
      "In-flight slots given back by runs (ended, or yielded while they wait "
      "for their children), by configured tenant; _other sums the tenants "
      "without a [tenants] table.",
      result.tenant_slots_returned);
  result.yielded = &prometheus::BuildGauge()
                        .Name("warden_admission_yielded_runs")
                        .Help("Admitted runs that gave their in-flight slot "
                              "back while they wait for their child runs "
                              "(not counted in warden_admission_in_flight)")
                        .Register(registry)
                        .Add({});
  result.other_daily_tokens = tenant_series(
      prometheus::BuildGauge(), registry, settings,
      "warden_tenant_daily_tokens",
      "Tokens used on the current UTC day by configured tenant (runs that "
      "ended today); _other sums the tenants without a [tenants] table.",
      result.tenant_daily_tokens);
  result.other_reserved_tokens = tenant_series(
      prometheus::BuildGauge(), registry, settings,
      "warden_tenant_reserved_tokens",
      "Tokens held in escrow out of the daily budget by runs that have not "
      "ended, by configured tenant; _other sums the tenants without a "
      "[tenants] table.",
      result.tenant_reserved_tokens);
  result.token_overrun =
      &prometheus::BuildCounter()
           .Name("warden_tenant_token_overrun_total")
           .Help("Tokens runs used beyond what they reserved out of their "
                 "tenant's daily budget (counted for the day all the same)")
           .Register(registry)
           .Add({});
  result.other_paused = tenant_series(
      prometheus::BuildGauge(), registry, settings, "warden_tenant_paused",
      "1 while an operator holds the configured tenant's new runs in the "
      "queue (pause), else 0; _other counts the paused tenants without a "
      "[tenants] table.",
      result.tenant_paused);
  result.wait = &prometheus::BuildHistogram()
                     .Name("warden_admission_wait_seconds")
                     .Help("Time admitted runs waited in the queue, seconds.")
                     .Register(registry)
                     .Add({}, prometheus::Histogram::BucketBoundaries{
                                  0.001, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10,
                                  30, 60, 300});
  if (settings.cluster.enabled())
    result.leases = make_lease_metrics(registry);
  return result;
}

lease_metrics make_lease_metrics(prometheus::Registry& registry) {
  lease_metrics result;
  result.grants = &prometheus::BuildCounter()
                       .Name("warden_cluster_lease_grants_total")
                       .Help("Answers of this member, as the home of a "
                             "cluster-wide limit (a tenant's in-flight cap, "
                             "a provider's requests or tokens per minute), "
                             "that leased units to another member.")
                       .Register(registry)
                       .Add({});
  result.granted_units =
      &prometheus::BuildCounter()
           .Name("warden_cluster_lease_granted_units_total")
           .Help("Units of cluster-wide limits (runs of tenants' caps, "
                 "providers' requests and tokens) this member leased to "
                 "others, as their home.")
           .Register(registry)
           .Add({});
  auto& expiries =
      prometheus::BuildCounter()
          .Name("warden_cluster_lease_expiries_total")
          .Help("Leases of cluster-wide limits that ran out: revoked by "
                "this member as their home (side=home: no renewal within "
                "the ttl, or the holder was lost), or given up by it as "
                "their holder (side=holder).")
          .Register(registry);
  result.home_expiries = &expiries.Add({{"side", "home"}});
  result.holder_expiries = &expiries.Add({{"side", "holder"}});
  result.leased_out = &prometheus::BuildGauge()
                           .Name("warden_cluster_leased_units")
                           .Help("Runs of tenants' in-flight caps this member "
                                 "has leased to others, as their home.")
                           .Register(registry)
                           .Add({});
  result.held = &prometheus::BuildGauge()
                     .Name("warden_cluster_lease_held_units")
                     .Help("Runs of tenants' in-flight caps leased to this "
                           "member by their homes.")
                     .Register(registry)
                     .Add({});
  return result;
}

} // namespace warden
