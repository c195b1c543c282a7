#pragma once

// What admission suites share: an actor system with the protocol's types,
// and a fake node that keeps every verdict it receives.

#include <memory>
#include <utility>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>

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

} // namespace warden::admission_test
