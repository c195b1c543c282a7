#pragma once

// Node-internal: turns handed to pools and sessions.
// One part of the protocol: include actors/protocol/messages.hpp, which
// lists every part, registers them, and has their inspect() overloads.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include "actors/protocol/basics.hpp"
#include "actors/protocol/calls.hpp"
#include "actors/protocol/client.hpp"
#include "storage/journal.hpp"

namespace warden {

/// A budget granted to one turn (0 in a dimension means no limit).
struct budget_grant {
  std::uint64_t tokens = 0;
  std::uint64_t cost_micros = 0;
  std::uint64_t wall_ms = 0;
};

/// One turn for a session to run.
struct turn_input {
  run_id run = 0;
  session_id session = 0;
  std::string tenant;
  std::string input;
  /// Depth of the session in its run tree; a root run is at depth 1.
  std::uint32_t depth = 1;
  budget_grant grant;
  /// Serves the turn's spawn_agent calls (`spawn_child`): the node. Null
  /// where spawning is not available; spawn_agent calls then answer an error.
  /// An address, not a handle: a turn never keeps the node alive.
  caf::actor_addr spawner;
  /// For a run resumed after a restart: its journaled steps (model_step,
  /// tool_started, tool_finished), in order. The session replays them
  /// instead of calling again; empty for a new run.
  std::vector<storage::journal_entry> replay;
  /// Whether the agent's pool watches the turn's deadline (and sends
  /// `cancel_turn` with state timed_out when it passes), so that the session
  /// arms no timer of its own; false when the session is driven directly.
  bool deadline_watched = false;
  /// Where the session sends each step as it happens (`turn_step`): the
  /// node, when someone follows the run. Empty: the steps come with
  /// turn_finished only.
  caf::actor_addr observer{};
  /// The observer also wants the content of the turn's model calls as it
  /// streams (`run_delta`).
  bool deltas = false;
};

/// Run `turn` on `session` once the agent's pool has a permit (node -> pool).
/// One-way; the pool sends the node `turn_finished` when the turn ends.
struct start_turn {
  caf::actor session;
  turn_input turn;
};

/// Run one turn (pool -> session). The session answers the sender with
/// `turn_finished`; turns that arrive while one runs wait in the mailbox.
struct run_turn {
  turn_input turn;
};

/// Stop `run` now with `state` (cancelled or timed_out). One-way: node ->
/// pool (a waiting turn is dropped), pool -> session (a running turn stops),
/// supervisor -> node (a child run, started or not, ends). A timed_out
/// cancel with an empty reason is the pool's turn deadline: the session
/// names its turn timeout.
struct cancel_turn {
  run_id run = 0;
  run_state state = run_state::cancelled;
  std::string reason;
};

/// A turn ended (session -> pool -> node).
struct turn_finished {
  run_id run = 0;
  session_id session = 0;
  run_state state = run_state::succeeded;
  std::string output;
  std::string reason;
  usage_totals usage;
  /// The model of the turn's last model reply; empty when none answered.
  std::string model{};
  /// The turn's steps in order, the first `max_turn_steps` of them.
  std::vector<run_step> steps{};
  /// Steps beyond `max_turn_steps`, counted and not kept.
  std::uint32_t steps_dropped = 0;
};

/// Steps a turn keeps for its run's events; a turn with more (a long loop
/// of parallel tool calls) counts the rest.
inline constexpr std::size_t max_turn_steps = 1000;

/// Send run `run`'s steps to `observer` as they happen, starting with those
/// so far (node -> session). One-way. For a run the session has not
/// started yet, it applies once the run starts; for one that ended, never.
struct watch_turn {
  run_id run = 0;
  caf::actor_addr observer;
  /// Send `observer` the content of the turn's model calls as it streams
  /// too (`run_delta`), from now on.
  bool deltas = false;
};

/// Step `index` (from 1) of run `run`'s turn (session -> node). One-way.
struct turn_step {
  run_id run = 0;
  std::uint32_t index = 0;
  run_step step;
};

} // namespace warden
