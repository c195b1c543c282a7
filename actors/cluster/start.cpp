#include "actors/cluster/start.hpp"

#include <memory>

#include <caf/all.hpp>

#include "actors/cluster/handoff.hpp"
#include "actors/cluster/membership.hpp"
#include "actors/cluster/metrics.hpp"
#include "actors/cluster/router.hpp"
#include "policies/clock.hpp"

namespace warden {

void start_cluster(caf::actor_system& sys, const config::settings& settings,
                   node_handle& handle, const caf::actor& connector,
                   prometheus::Registry* registry,
                   std::function<std::string(const std::string&)> prove) {
  const auto& cluster = settings.cluster;
  auto self = static_cast<std::uint32_t>(cluster.index_of(settings.node.name));
  std::vector<std::string> names;
  std::vector<member_address> members;
  for (const auto& m : cluster.nodes) {
    names.push_back(m.name);
    members.push_back({m.name, m.address.host, m.address.port});
  }
  std::shared_ptr<const cluster_metrics> metrics;
  if (registry)
    metrics = std::make_shared<const cluster_metrics>(
        cluster_metrics::create(*registry, names));
  std::chrono::milliseconds failure{cluster.failure_timeout_ms};
  std::chrono::milliseconds heartbeat{cluster.heartbeat_interval_ms};
  handoff_config moving;
  moving.node = handle.node;
  moving.rescan = heartbeat;
  moving.drain_timeout =
      std::chrono::milliseconds{settings.node.drain_timeout_ms};
  moving.metrics = metrics;
  auto handoff = sys.spawn(handoff_actor, std::move(moving));
  router_config routing;
  routing.members = names;
  routing.self = self;
  routing.node = handle.node;
  routing.retry_after = failure;
  routing.gather_timeout = failure;
  routing.handoff = handoff;
  routing.admission = handle.admission;
  for (const auto& [name, provider] : handle.providers)
    routing.dependencies.push_back(provider);
  for (const auto& [name, runner] : handle.tool_runners)
    routing.dependencies.push_back(runner);
  // A session on its way is served again within a few heartbeats.
  routing.handoff_retry_after = 2 * heartbeat;
  routing.metrics = metrics;
  auto router = sys.spawn(router_actor, std::move(routing));
  membership_config view;
  view.members = std::move(members);
  view.self = self;
  view.heartbeat_interval = heartbeat;
  view.failure_timeout = failure;
  view.incarnation = policies::system_unix_ms();
  view.node = handle.node;
  view.router = router;
  view.handoff = handoff;
  view.connector = connector;
  view.prove = std::move(prove);
  view.metrics = metrics;
  auto membership = sys.spawn(membership_actor, std::move(view));
  handle.cluster = {router, membership, handoff};
  handle.entry = router;
}

} // namespace warden
