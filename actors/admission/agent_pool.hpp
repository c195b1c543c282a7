#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/stateful_actor.hpp>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "actors/protocol/messages.hpp"
#include "policies/concurrency_limits.hpp"

namespace warden {

/// An agent pool's metric handles; null handles are skipped.
struct agent_pool_metrics {
  /// `warden_agent_permits_in_use{agent}`: turns running.
  prometheus::Gauge* permits_in_use = nullptr;
  /// `warden_agent_queue_length{agent}`: turns waiting for a permit.
  prometheus::Gauge* queue_length = nullptr;
};

/// Registers the metrics of the pool of `agent` in `registry` and returns
/// their handles. Call once per agent, at startup.
[[nodiscard]] agent_pool_metrics
make_agent_pool_metrics(prometheus::Registry& registry,
                        const std::string& agent);

/// An agent pool's own timer: (turn_deadline_atom, serial) fires at the
/// earliest deadline of its running turns.
using turn_deadline_atom = caf::atom_constant<caf::atom("turndue")>;

/// What an agent pool is spawned with.
struct agent_pool_config {
  /// The agent's name (for reasons and metrics).
  std::string agent;
  /// Turns of the agent running at once (the agent's max_concurrency).
  std::uint32_t max_concurrency = 100;
  /// The node: sends `start_turn` and `cancel_turn`, receives every
  /// `turn_finished`.
  caf::actor owner;
  /// The agent's turn timeout: a running turn still running this long
  /// after its start is cancelled as timed_out. Zero: the pool watches no
  /// deadline (its sessions arm their own timers).
  caf::timespan turn_timeout = caf::timespan::zero();
  /// Metric handles.
  agent_pool_metrics metrics;
};

/// A turn holding one of the pool's permits.
struct running_turn {
  /// The session actor running it.
  caf::actor handle;
  /// The session's id.
  session_id session = 0;
  /// The pool permit; returns on destruction.
  policies::permit permit;
  /// When the turn times out; max() when the pool watches no deadline.
  caf::actor_clock::time_point deadline = caf::actor_clock::time_point::max();
};

/// State of one agent's pool: at most max_concurrency turns run at once,
/// the others wait in FIFO order.
///
/// The pool also watches its running turns' deadlines (`turn_timeout`):
/// one timer for the earliest deadline, re-armed when it fires or when an
/// earlier one arrives, instead of a timer per turn (every timer is a trip
/// through CAF's clock thread).
///
/// A session is monitored while it holds at least one permit (one monitor
/// per session, dropped when its last turn ends), so a dead session's
/// permits come back and each of its turns is reported to the owner as
/// failed. Every message costs O(1) (plus O(k) for k turns started or
/// failed by it); the pool holds no request handlers.
struct agent_pool_state {
  static inline const char* name = "warden.agent_pool";

  explicit agent_pool_state(caf::event_based_actor* self);

  /// Takes `cfg`; called once, before `make_behavior`.
  void init(agent_pool_config cfg);

  /// The actor's behaviour.
  caf::behavior make_behavior();

  /// Permits held now (for tests).
  [[nodiscard]] std::uint32_t in_use() const noexcept {
    return pool_->in_use();
  }

  /// Turns waiting for a permit (for tests).
  [[nodiscard]] std::size_t waiting() const noexcept { return queued_.size(); }

  /// Sessions monitored now (for tests).
  [[nodiscard]] std::size_t monitored() const noexcept {
    return sessions_.size();
  }

 private:
  void start(start_turn& msg);
  void launch(start_turn msg, policies::permit permit);
  void finished(turn_finished& msg);
  void cancel(cancel_turn& msg);
  void session_down(const caf::down_msg& msg);
  void start_waiting();
  void forget(run_id run, const caf::actor_addr& session);
  void report(turn_finished msg);
  void update_gauges();
  void watch(run_id run, caf::actor_clock::time_point deadline);
  void arm();
  void expire(std::uint64_t serial);

  caf::event_based_actor* self_;
  agent_pool_config cfg_;
  // Declared before the permits that point into it, so it outlives them.
  std::optional<policies::permit_pool> pool_;
  std::unordered_map<run_id, running_turn> running_;
  // Runs of each monitored session that hold a permit.
  std::unordered_map<caf::actor_addr, std::vector<run_id>> sessions_;
  // FIFO of waiting runs; ids no longer in queued_ (cancelled) are skipped.
  std::deque<run_id> order_;
  std::unordered_map<run_id, start_turn> queued_;
  // Deadlines of running turns, earliest first.
  std::set<std::pair<caf::actor_clock::time_point, run_id>> deadlines_;
  // When the armed timer fires, and its serial (older timers are ignored).
  std::optional<caf::actor_clock::time_point> armed_;
  std::uint64_t timer_serial_ = 0;
};

/// An agent pool's actor type.
using agent_pool_actor = caf::stateful_actor<agent_pool_state>;

/// Spawns the pool of one agent.
[[nodiscard]] caf::actor spawn_agent_pool(caf::actor_system& sys,
                                          agent_pool_config cfg);

} // namespace warden
