// The scheduler of a node's actor system, from [node].

#include <thread>

#include <caf/all.hpp>

#include "actors/node/start.hpp"

namespace warden {

std::size_t scheduler_threads_of(const config::node_settings& node) {
  if (node.scheduler_threads > 0)
    return node.scheduler_threads;
  auto cores = std::thread::hardware_concurrency();
  return cores > 0 ? cores : 1;
}

void configure_scheduler(caf::actor_system_config& cfg,
                         const config::node_settings& node) {
  auto threads = scheduler_threads_of(node);
  cfg.set("scheduler.max-threads", threads);
  auto policy = node.scheduler;
  if (policy == config::scheduler_policy::automatic)
    // With two workers, one shared queue costs less than work stealing:
    // an idle stealing worker polls, sleeps and is woken for every job
    // pushed to the other's deque (bench/README.md).
    policy = threads <= 2 ? config::scheduler_policy::sharing
                          : config::scheduler_policy::stealing;
  cfg.set("scheduler.policy", policy == config::scheduler_policy::sharing
                                  ? caf::atom("sharing")
                                  : caf::atom("stealing"));
}

} // namespace warden
