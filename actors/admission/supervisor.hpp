#pragma once

// The supervisor of one root run's tree of sessions: spawned by the node on
// the first spawn_agent call of the root. When the root is final it cancels
// the live children and stops once the last of them is final (their parents
// are cancelled before their answers arrive, so none is answered early).
//
//   session ──spawn_child──► node ──delegate──► supervisor   (fanout_limits)
//                             ◄──admit_child───┘  the node creates the child
//                                                 run: admission, pool, session
//                             ──child_finished──► supervisor
//                             ──child_finished──► session ◄──cancel_turn────┘
//                             (timeouts, subtrees of ended runs)
//
// Budgets travel in messages: the parent session reserves the child's grant
// out of its own turn's ledger before asking (spawn_child.grant), the child's
// turn enforces it, and the parent commits the child's usage from the reply,
// which returns the unused part. The supervisor keeps no ledger: only the
// sessions see their spend.

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/protocol/messages.hpp"
#include "config/agents.hpp"
#include "policies/fanout_limits.hpp"

namespace warden {

/// A supervisor's own timer: (child_deadline_atom, run) fires when the
/// spawn tool's timeout of child `run` is reached.
using child_deadline_atom = caf::atom_constant<caf::atom("childdl")>;

/// What a supervisor is spawned with.
struct supervisor_config {
  /// The root run whose tree it supervises.
  run_id root = 0;
  /// The root's agent (for reasons).
  std::string agent;
  /// The root agent's [fanout] table.
  config::fanout_settings fanout;
  /// The node: receives `admit_child` and `cancel_turn`, sends
  /// `child_finished`; monitored (the supervisor stops with it).
  caf::actor node;
};

/// The fan-out limits of an agent's [fanout] table.
[[nodiscard]] policies::fanout_limits_config
make_fanout_limits_config(const config::fanout_settings& settings);

/// State of a supervisor: the tree's fan-out limits, the live children with
/// the promises of their parents' spawn calls, and their deadlines. Holds
/// no request handlers; every promise is delivered (child final, root final,
/// node down).
class supervisor_state {
 public:
  /// The actor's name in CAF's logs.
  static inline const char* name = "warden.supervisor";

  explicit supervisor_state(caf::event_based_actor* self);

  /// Takes `cfg`; called once, before `make_behavior`.
  void init(supervisor_config cfg);

  /// The supervisor's message handlers.
  caf::behavior make_behavior();

  /// The tree's fan-out bookkeeping (tests, diagnostics).
  [[nodiscard]] const policies::fanout_limits& limits() const noexcept {
    return limits_;
  }

  /// Children spawned and not yet final.
  [[nodiscard]] std::size_t live_children() const noexcept {
    return children_.size();
  }

 private:
  /// A child run that is not final yet.
  struct child {
    run_id parent = 0;
    std::string agent;
    std::uint64_t timeout_ms = 0;
    /// Answers the parent's spawn call.
    caf::typed_response_promise<child_finished> promise;
  };

  caf::result<child_finished> spawn(spawn_child& msg);
  void finished(child_finished& msg);
  void deadline(run_id run);
  void root_finished(const child_finished& msg);

  /// Sends the node cancel_turn for every live descendant of `run`.
  void cancel_subtree(run_id run, const std::string& reason);

  /// Delivers every pending promise with a cancellation and stops.
  void stop(const std::string& reason);

  /// Stops once the root ended and no child is left.
  void stop_when_done();

  caf::event_based_actor* self_;
  supervisor_config cfg_;
  policies::fanout_limits limits_;
  std::unordered_map<run_id, child> children_;
  /// Set once the root run is final.
  bool root_ended_ = false;
};

/// A supervisor actor.
using supervisor_actor_type = caf::stateful_actor<supervisor_state>;

/// Spawns the supervisor of `cfg.root` as a child of `owner` (the node).
[[nodiscard]] caf::actor spawn_supervisor(caf::event_based_actor* owner,
                                          supervisor_config cfg);

} // namespace warden
