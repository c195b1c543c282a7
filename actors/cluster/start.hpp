#pragma once

#include <functional>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "actors/node/start.hpp"
#include "config/settings.hpp"

namespace prometheus {
class Registry;
} // namespace prometheus

namespace warden {

/// Makes the started node `handle` a member of the cluster of
/// `settings.cluster` (which must be enabled): spawns its router and its
/// membership actor, which connects to the other members through
/// `connector` (CAF's middleman actor; wardend passes libcaf_openssl's).
/// Afterwards `handle.entry` is the router: publish it on the node port and
/// give it to the HTTP API in place of the node actor. stop_node stops both
/// actors first. Metrics go to `registry` (null: none). `prove` signs
/// greetings with the cluster's secret (membership_config::prove).
void start_cluster(caf::actor_system& sys, const config::settings& settings,
                   node_handle& handle, const caf::actor& connector,
                   prometheus::Registry* registry,
                   std::function<std::string(const std::string&)> prove);

} // namespace warden
