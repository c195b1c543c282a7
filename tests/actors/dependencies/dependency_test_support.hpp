#pragma once

// Shared pieces of the dependency actor suites: an actor system config, a
// fake governor that counts permit releases, and helpers that read replies
// from the test's scoped actor. Include after <caf/test/dsl.hpp>.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"

namespace warden::test {

struct dependency_config : caf::actor_system_config {
  dependency_config() { warden::add_message_types(*this); }
};

/// Counts permit releases per kind and records the holds it is told of.
struct fake_governor_state {
  static inline const char* name = "fake_governor";
  std::uint32_t model_stream = 0;
  std::uint32_t tool_call = 0;
  /// dependency_hold waits, in arrival order.
  std::vector<std::int64_t> holds;
};

inline caf::behavior
fake_governor(caf::stateful_actor<fake_governor_state>* self) {
  return {
      [self](permit_release& x) {
        if (x.kind == permit_kind::model_stream)
          self->state.model_stream += x.count;
        else
          self->state.tool_call += x.count;
      },
      [self](dependency_hold& x) { self->state.holds.push_back(x.wait_ms); },
  };
}

/// A reply or an error, as a caller receives it.
template <class Reply>
struct outcome {
  std::optional<Reply> reply;
  caf::error error;

  [[nodiscard]] bool ok() const { return reply.has_value(); }
  [[nodiscard]] std::optional<error_code> code() const {
    return warden_code(error);
  }
};

struct dependency_fixture_base : test_coordinator_fixture<dependency_config> {
  caf::actor governor;

  dependency_fixture_base() {
    governor = sys.spawn(fake_governor);
    sched.run();
  }

  fake_governor_state& governor_state() {
    return deref<caf::stateful_actor<fake_governor_state>>(governor).state;
  }

  /// Moves the clock by `d` and runs everything that became due.
  void advance(std::chrono::nanoseconds d) {
    advance_time(d);
    sched.run();
  }

  void advance_ms(std::int64_t ms) { advance(std::chrono::milliseconds{ms}); }

  /// Moves the clock by `ms` one millisecond at a time, so that timers set
  /// by the timers that fire (retries after timeouts) fire too.
  void advance_stepwise_ms(std::int64_t ms) {
    for (std::int64_t i = 0; i < ms; ++i)
      advance(std::chrono::milliseconds{1});
  }

  /// Takes every reply waiting in the scoped actor's mailbox.
  template <class Reply>
  std::vector<outcome<Reply>> take() {
    std::vector<outcome<Reply>> result;
    bool more = true;
    while (more)
      self->receive(
          [&](Reply& x) {
            result.push_back({std::move(x), caf::error{}});
          },
          [&](caf::error& x) {
            result.push_back({std::nullopt, std::move(x)});
          },
          caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
    return result;
  }
};

} // namespace warden::test
