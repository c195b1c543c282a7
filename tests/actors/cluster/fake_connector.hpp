#pragma once

// For suites that run every member of a cluster in one actor system: CAF's
// middleman as the membership actors use it (port -> the member's entry
// actor; a port not in the map refuses the connection), and the members'
// names and addresses. Include after caf/test/dsl.hpp.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/cluster/membership.hpp"

namespace cluster_test {

using connect_reply =
    caf::result<caf::node_id, caf::strong_actor_ptr, std::set<std::string>>;

/// Ports of the members' entry actors.
using entry_map = std::map<std::uint16_t, caf::actor>;

inline caf::behavior fake_connector(caf::event_based_actor*,
                                    std::shared_ptr<entry_map> entries) {
  return {
      [entries](caf::connect_atom, const std::string&,
                std::uint16_t port) -> connect_reply {
        auto i = entries->find(port);
        if (i == entries->end() || !i->second)
          return caf::make_error(caf::sec::cannot_connect_to_node);
        return {caf::node_id{},
                caf::actor_cast<caf::strong_actor_ptr>(i->second),
                std::set<std::string>{}};
      },
  };
}

/// The suites' stand-in for wardend's HMAC under the cluster's secret
/// (membership_config::prove): what matters here is that members agree and
/// others do not.
inline std::string prove(const std::string& identity) {
  return "proof of " + identity;
}

/// The suites' members: a, b, c.
inline const std::vector<std::string> names{"a", "b", "c"};

/// Their addresses: 10.0.0.1:4240, 10.0.0.2:4241, 10.0.0.3:4242.
inline std::vector<warden::member_address> addresses() {
  std::vector<warden::member_address> result;
  for (std::size_t i = 0; i < names.size(); ++i)
    result.push_back({names[i], "10.0.0." + std::to_string(i + 1),
                      static_cast<std::uint16_t>(4240 + i)});
  return result;
}

} // namespace cluster_test
