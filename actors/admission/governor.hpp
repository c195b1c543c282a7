#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/message.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "actors/protocol/messages.hpp"
#include "policies/concurrency_limits.hpp"

namespace warden {

/// The governor's metric handles; null handles are skipped.
struct governor_metrics {
  /// `warden_governor_permits_in_use{layer}`, indexed by
  /// policies::permit_layer (model_streams, tool_calls, global).
  std::array<prometheus::Gauge*, 3> permits_in_use{};
  /// `warden_governor_waiting_calls{kind}`, indexed by permit_kind
  /// (model_stream, tool_call).
  std::array<prometheus::Gauge*, 2> waiting{};
};

/// Registers the governor's metrics in `registry` and returns their handles.
/// Call once, at startup.
[[nodiscard]] governor_metrics
make_governor_metrics(prometheus::Registry& registry);

/// What the governor is spawned with; the node fills it from the [governor]
/// section of the configuration (config::effective_governor).
struct governor_config {
  /// Layer capacities (governor.max_model_streams, governor.max_tool_calls,
  /// governor.max_global; defaults here 3072, 3072, 4096, the values the
  /// configuration derives from admission.global_cap = 4096).
  policies::concurrency_limits_config limits;
  /// Calls waiting for a permit, per kind, at most; a call beyond it is
  /// refused with queue_full (governor.max_waiting_calls). Unit: calls.
  /// Default 65536.
  std::uint32_t max_waiting = 65'536;
  /// Metric handles.
  governor_metrics metrics;
};

/// A governed call waiting for a permit.
struct governed_waiting_call {
  /// Which layer it needs.
  permit_kind kind = permit_kind::model_stream;
  /// Its run (for cancel_calls).
  run_id run = 0;
  /// The dependency it goes to.
  caf::actor target;
  /// The request (`model_request` or `tool_request`).
  caf::message request;
  /// Answers the session: delegated to the target once a permit is free, or
  /// delivered an error.
  caf::response_promise promise;
  /// When the caller's turn ends, if its request said (a model call's
  /// time_left_ms): a hold that outlasts it refuses the call.
  std::optional<caf::actor_clock::time_point> deadline{};
};

/// What the governor knows of one dependency actor.
struct governed_target {
  /// Permits held by calls delegated to the target, by permit_kind; a
  /// `permit_release` of a kind drops `count`.
  std::array<std::vector<policies::permit>, 2> held;
  /// Ids of the calls waiting for this target.
  std::unordered_set<std::uint64_t> waiting;
  /// While the target asks its callers to wait (dependency_hold): when a
  /// call may probe.
  std::optional<caf::actor_clock::time_point> hold_until;
  /// The hold is over and the target has not yet said how its probe went:
  /// one call goes to probe, the others park until the target says the
  /// hold is over (or asks to wait again).
  bool probing = false;
  /// While probing: the probe call went.
  bool probe_sent = false;
  /// Calls parked while the target holds, oldest first, without a permit;
  /// ids no longer in the governor's waiting calls are skipped.
  std::deque<std::uint64_t> parked;

  /// Whether new calls to the target park.
  [[nodiscard]] bool holding() const noexcept {
    return hold_until.has_value() || (probing && probe_sent);
  }
};

/// A hold of a target may be over (governor -> itself). Local only.
struct hold_over {
  caf::actor_addr target;
  /// The hold's end the timer was armed for; a later hold makes it stale.
  caf::actor_clock::time_point until;
};

/// State of the governor: node-wide permits for model streams and tool
/// calls, on top of one global layer.
///
/// A call with a permit is `delegate`d to its target, so the target's reply
/// goes straight to the session and the governor keeps only the permit, on
/// the target's account, until the target sends `permit_release`. A call
/// without one waits, with the response promise of its request, in a bounded
/// FIFO of its kind; when permits come back the waiting calls are served
/// oldest first across both kinds. Each target is monitored once: if it
/// dies, its permits come back and the calls waiting for it fail with
/// dependency_failed. A target that asks its callers to wait
/// (dependency_hold: an endpoint's 429 with Retry-After) has its new calls
/// parked without a permit, so a provider in a hold never takes permits
/// that calls to other dependencies could use; when the hold ends one call
/// probes and the rest follow once the target says the hold is over. Every
/// message costs O(1) amortized (plus O(k) for k calls served, cancelled or
/// failed by it).
struct governor_state {
  static inline const char* name = "warden.governor";

  explicit governor_state(caf::event_based_actor* self);

  /// Takes `cfg`; called once, before `make_behavior`.
  void init(governor_config cfg);

  /// The actor's behaviour.
  caf::behavior make_behavior();

  /// The layers (for tests).
  [[nodiscard]] const policies::concurrency_limits& limits() const noexcept {
    return *limits_;
  }

  /// Calls of `kind` waiting (for tests).
  [[nodiscard]] std::uint32_t waiting(permit_kind kind) const noexcept {
    return waiting_count_[index(kind)];
  }

  /// Permits held on the account of targets (for tests); equals the layers'
  /// global use.
  [[nodiscard]] std::size_t held() const noexcept;

  /// Targets monitored now (for tests).
  [[nodiscard]] std::size_t targets() const noexcept { return targets_.size(); }

 private:
  static std::size_t index(permit_kind kind) noexcept {
    return static_cast<std::size_t>(kind);
  }

  caf::result<caf::message>
  call(permit_kind kind, run_id run, const caf::actor& target,
       caf::message request,
       std::optional<caf::actor_clock::time_point> deadline = std::nullopt);
  caf::error refuse_for_hold(const governed_target& entry,
                             const std::string& why);
  void hold(const dependency_hold& msg);
  void on_hold_over(const hold_over& msg);
  std::size_t unpark(governed_target& entry, std::size_t count);
  governed_target& target_entry(const caf::actor& target);
  void release(permit_kind kind, std::uint32_t count);
  void cancel(run_id run);
  void target_down(const caf::down_msg& msg);
  void serve();
  std::optional<std::uint64_t> head(std::size_t kind);
  void unlink(std::uint64_t id, const governed_waiting_call& call);
  void update_gauges();

  caf::event_based_actor* self_;
  governor_config cfg_;
  // Declared before the permits that point into it, so it outlives them.
  std::optional<policies::concurrency_limits> limits_;
  std::unordered_map<caf::actor_addr, governed_target> targets_;
  std::unordered_map<std::uint64_t, governed_waiting_call> waiting_;
  // FIFO of waiting call ids per kind; ids no longer in waiting_ are skipped.
  std::array<std::deque<std::uint64_t>, 2> order_;
  std::array<std::uint32_t, 2> waiting_count_{};
  std::unordered_map<run_id, std::vector<std::uint64_t>> by_run_;
  std::uint64_t next_call_ = 1;
};

/// The governor's actor type.
using governor_actor = caf::stateful_actor<governor_state>;

/// Spawns the governor.
[[nodiscard]] caf::actor spawn_governor(caf::actor_system& sys,
                                        governor_config cfg);

} // namespace warden

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::hold_over)
