#pragma once

#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "actors/tool_registry.hpp"
#include "config/settings.hpp"

namespace prometheus {
class Registry;
} // namespace prometheus

namespace warden {

/// A started node: its entry actor and everything it runs on.
struct node_handle {
  /// The entry actor: publish it, or send it the client protocol.
  caf::actor node;
  /// The node's components in start order: journal, admission, governor,
  /// providers, tool runners. The node owns its pools and sessions itself.
  std::vector<caf::actor> components;
};

/// Starts a node from validated `settings`, in this order: journal,
/// admission, governor, providers, tool runners, then the node actor (which
/// spawns one pool per agent and the sessions). `tools` holds the native
/// tools registered from C++; `registry` receives every metric (null: no
/// metrics). Returns an error naming the component that could not start;
/// nothing is left running then.
[[nodiscard]] caf::expected<node_handle>
start_node(caf::actor_system& sys, const config::settings& settings,
           const tool_registry& tools, prometheus::Registry* registry);

/// Stops the node (which stops its pools and sessions) and then its
/// components in the reverse order of their start.
void stop_node(node_handle& handle);

} // namespace warden
