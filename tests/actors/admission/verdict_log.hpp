#pragma once

// What admission suites share: an actor system with the protocol's types,
// and a fake node that keeps every verdict it receives.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "actors/protocol/messages.hpp"

namespace warden::admission_test {

struct test_config : caf::actor_system_config {
  test_config() { warden::add_message_types(*this); }
};

/// Every verdict a fake node received, in arrival order.
struct verdict_log {
  std::vector<admission_verdict> verdicts;
};

/// A node that only keeps the verdicts it is sent.
inline caf::behavior fake_node(caf::event_based_actor*,
                               std::shared_ptr<verdict_log> log) {
  return {
      [=](admission_verdict& verdict) {
        log->verdicts.push_back(std::move(verdict));
      },
  };
}

/// Tells each admission actor whose `up` is set the members up (the others
/// down), as a cluster's router does; each stands for its member's node
/// actor (a node passes lease messages on unchanged). Sent, not run.
template <std::size_t N>
void tell_members(const std::array<caf::actor, N>& admission,
                  const std::vector<std::string>& names,
                  const std::array<bool, N>& up) {
  for (std::size_t i = 0; i < N; ++i) {
    if (!up[i])
      continue;
    lease_members msg;
    msg.self = static_cast<std::uint32_t>(i);
    msg.names = names;
    for (std::size_t j = 0; j < N; ++j)
      msg.nodes.push_back(up[j] ? admission[j] : caf::actor{});
    caf::send_as(admission[i], admission[i], std::move(msg));
  }
}

} // namespace warden::admission_test
