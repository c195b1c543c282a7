#pragma once

// Node-internal: fan-out (child runs started by spawn_agent calls).
// One part of the protocol: include actors/protocol/messages.hpp, which
// lists every part, registers them, and has their inspect() overloads.

#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include "actors/protocol/basics.hpp"
#include "actors/protocol/turns.hpp"

namespace warden {

/// Run a child session of `agent` with `input` for a spawn_agent call of the
/// turn `parent` (session -> node, which fills in `root` and `child` and
/// delegates it to the root run's supervisor). Reply: `child_finished`, once
/// the child run is final or the spawn is refused.
struct spawn_child {
  /// The root run of the tree; set by the node.
  run_id root = 0;
  /// The run (turn) that called spawn_agent.
  run_id parent = 0;
  session_id parent_session = 0;
  /// Depth of the child: the parent's depth + 1.
  std::uint32_t depth = 2;
  /// The child's agent (the tool's `agent`).
  std::string agent;
  /// The child's first (and only) turn.
  std::string input;
  /// The child's budget, already reserved out of the parent's turn.
  budget_grant grant;
  /// The spawn tool's timeout capped by the parent's deadline, in
  /// milliseconds: the supervisor cancels the child (timed_out) after it.
  std::uint64_t timeout_ms = 0;
  /// The child run's id; set by the node (an existing run when it adopts a
  /// child recovered after a restart).
  run_id child = 0;
  /// The spawn call's key, "<parent run>/<step>/<index>" (the form of a tool
  /// call's idempotency key): stored as the child run's idempotency key, so
  /// that the parent's replay finds the child after a restart.
  std::string call_key;
  /// The parent's journal shows this call started before a restart: the
  /// node answers it with the child that call started (resumed when
  /// unfinished, its stored outcome when final) instead of a new one.
  bool resumed = false;
};

/// Create the child run of an allowed `spawn_child` and pass it through
/// admission (charged to the root's tenant, at the root's priority) and the
/// child agent's pool (supervisor -> node). One-way; the node answers with
/// `child_finished` once the child is final.
struct admit_child {
  spawn_child spawn;
};

/// A run of a supervised tree is final (node -> supervisor, for the root and
/// every child), or the answer to `spawn_child` (supervisor -> session).
struct child_finished {
  run_id run = 0;
  std::string agent;
  run_state state = run_state::failed;
  /// True when the spawn was refused (fan-out limits, admission, a parent
  /// or root that is gone): no child ran.
  bool refused = false;
  std::string output;
  std::string reason;
  /// What the run consumed, its own children included.
  usage_totals usage;
};

} // namespace warden
