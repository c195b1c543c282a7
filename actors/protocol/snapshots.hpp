#pragma once

// Node-internal: session snapshots (passivation).
// One part of the protocol: include actors/protocol/messages.hpp, which
// lists every part, registers them, and has their inspect() overloads.

#include <cstdint>
#include <string>
#include <vector>

#include "actors/protocol/basics.hpp"
#include "actors/protocol/calls.hpp"

namespace warden {

/// What a session counted over its life (kept across passivation).
struct session_counters {
  /// Turns the session ran to a final state.
  std::uint64_t turns = 0;
  /// The session's latest run; 0 before the first turn.
  run_id last_run = 0;
  /// How the latest run ended.
  run_state last_state = run_state::queued;
  /// Usage summed over every turn of the session.
  usage_totals usage;
  /// The session's ownership epoch: 0 on the node that created it, one more
  /// at each handoff to another member of a cluster. A member holding a
  /// session of a lower epoch than another holds a stale copy (its handoff
  /// was done, but not yet forgotten) and never serves it.
  std::uint64_t epoch = 0;
};

/// Everything needed to bring an idle session back (session -> node ->
/// snapshot store); a session spawned from it continues the conversation.
struct session_snapshot {
  session_id session = 0;
  /// The agent the session runs (its [agents.<name>] table).
  std::string agent;
  std::vector<chat_message> conversation;
  session_counters counters;
  /// The tenant owning the session; filled in by the node when it stores
  /// the snapshot, so that a passivated session needs no record in memory.
  std::string tenant;
};

/// Ask an idle session for its snapshot (node -> session). Reply:
/// `session_snapshot`, or a `cap_exceeded` error while a turn runs.
struct snapshot_session {};

} // namespace warden
