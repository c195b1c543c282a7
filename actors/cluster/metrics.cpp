#include "actors/cluster/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace warden {

cluster_metrics
cluster_metrics::create(prometheus::Registry& registry,
                        const std::vector<std::string>& members) {
  cluster_metrics result;
  result.members = &prometheus::BuildGauge()
                        .Name("warden_cluster_members")
                        .Help("Members of the cluster ([cluster] nodes), this "
                              "node included")
                        .Register(registry)
                        .Add({});
  result.members_up = &prometheus::BuildGauge()
                           .Name("warden_cluster_members_up")
                           .Help("Members up as this node sees them, itself "
                                 "included")
                           .Register(registry)
                           .Add({});
  auto& changes = prometheus::BuildCounter()
                      .Name("warden_cluster_view_changes_total")
                      .Help("Members this node saw come up or go down")
                      .Register(registry);
  result.went_up = &changes.Add({{"change", "up"}});
  result.went_down = &changes.Add({{"change", "down"}});
  result.refused_greetings =
      &prometheus::BuildCounter()
           .Name("warden_cluster_refused_greetings_total")
           .Help("Members refused because their [cluster] nodes differ from "
                 "this node's")
           .Register(registry)
           .Add({});
  auto& forwarded = prometheus::BuildCounter()
                        .Name("warden_cluster_forwarded_requests_total")
                        .Help("Client requests passed to the member that owns "
                              "the session or run they name, by member")
                        .Register(registry);
  auto& unavailable =
      prometheus::BuildCounter()
          .Name("warden_cluster_unavailable_total")
          .Help("Client requests refused because the member that owns the "
                "session or run they name is down, by member")
          .Register(registry);
  for (const auto& name : members) {
    result.forwarded.push_back(&forwarded.Add({{"to", name}}));
    result.unavailable.push_back(&unavailable.Add({{"owner", name}}));
  }
  auto& migrations =
      prometheus::BuildCounter()
          .Name("warden_cluster_migrations_total")
          .Help("Sessions this node handed to the owner of their placement "
                "slot, by reason (drain: this member is leaving; rejoin: the "
                "owner came back)")
          .Register(registry);
  result.migrated_drain = &migrations.Add({{"reason", "drain"}});
  result.migrated_rejoin = &migrations.Add({{"reason", "rejoin"}});
  result.handoff_failures =
      &prometheus::BuildCounter()
           .Name("warden_cluster_handoff_failures_total")
           .Help("Session handoffs that did not complete; the session stays "
                 "on this node and is offered again")
           .Register(registry)
           .Add({});
  result.handoff_seconds =
      &prometheus::BuildHistogram()
           .Name("warden_cluster_handoff_seconds")
           .Help("Time to hand one session to its owner: export, import "
                 "there, forgetting the copy here")
           .Register(registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{
                        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                        1, 2.5, 5, 10});
  result.held = &prometheus::BuildGauge()
                     .Name("warden_cluster_sessions_held_elsewhere")
                     .Help("Sessions this node holds in placement slots it "
                           "does not own, on their way to the owner")
                     .Register(registry)
                     .Add({});
  result.members->Set(static_cast<double>(members.size()));
  return result;
}

} // namespace warden
