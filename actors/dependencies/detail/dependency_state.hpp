#pragma once

// The state base of the provider and the tool runner: the actor, its clock
// and its call table.

#include <memory>
#include <optional>

#include <caf/event_based_actor.hpp>

#include "actors/common/clock.hpp"
#include "actors/dependencies/detail/calls.hpp"

namespace warden::detail {

/// What the provider's and the tool runner's states share: the actor, its
/// clock and its call table, built once by `start`.
template <class Request, class Reply>
class dependency_state_base {
 public:
  explicit dependency_state_base(caf::event_based_actor* self) : self_(self) {}

  /// Calls received and not yet answered.
  [[nodiscard]] std::size_t pending() const noexcept {
    return calls_ ? calls_->pending() : 0;
  }

  /// The dependency's guard (breaker state, budget, buckets).
  [[nodiscard]] const dependency_guard& guard() const {
    return calls_->guard();
  }

  /// The dependency's rates across a cluster; null when it has none.
  [[nodiscard]] const cluster_rates* rates() const { return calls_->rates(); }

 protected:
  /// Builds the call table and returns its handlers.
  /// `time`: the node's clock; null: the actor system's.
  caf::behavior
  start(dependency_guard_config guard, dependency_call_settings settings,
        std::shared_ptr<dependency_backend<Request, Reply>> backend,
        std::shared_ptr<const policies::clock> time = nullptr) {
    if (!time)
      time = std::make_shared<actor_clock_source>(self_->system());
    time_ = std::move(time);
    calls_ = std::make_unique<dependency_calls<Request, Reply>>(
        self_, *time_, std::move(guard), std::move(settings),
        std::move(backend));
    return calls_->make_behavior();
  }

 private:
  caf::event_based_actor* self_;
  std::shared_ptr<const policies::clock> time_;
  std::unique_ptr<dependency_calls<Request, Reply>> calls_;
};

} // namespace warden::detail
