#pragma once

// Session migration (node to node): export_session and import_session.
// One part of the protocol: include actors/protocol/messages.hpp, which
// lists every part, registers them, and has their inspect() overloads.

#include <cstdint>
#include <string>
#include <vector>

#include "actors/protocol/basics.hpp"
#include "actors/protocol/calls.hpp"
#include "actors/protocol/snapshots.hpp"
#include "storage/journal.hpp"

namespace warden {

/// The version of `session_export` this build writes and reads; an import
/// of another version is refused. A change of the fields below gets a new
/// value (2: run records carry `counts_own_tokens`; 3: `reserved_tokens`;
/// 4: runs travel as `exported_run`, no longer as storage's record; 5: chat
/// messages carry tool calls and tool call ids; 6: runs name the model that
/// answered; 7: the snapshot's counters carry the ownership epoch).
inline constexpr std::uint32_t session_export_format = 7;

/// Export an idle session with its history, to be imported on another node.
/// Reply: `session_export`. The session stays where it is (resident or
/// passivated): exporting copies, it moves nothing. Refused with `not_found`
/// when the session is missing or another tenant's (the same answer), and
/// with `cap_exceeded` while one of its runs is queued or running (retry
/// once it is idle). Accepted while the node drains.
struct export_session {
  std::string tenant;
  session_id session = 0;
};

/// A final run as it moves with its session: the protocol's own type, so
/// that a change of storage's run record does not change the wire format.
struct exported_run {
  run_id run = 0;
  session_id session = 0;
  /// The run that spawned this one; 0 for a root run.
  run_id parent = 0;
  /// Depth in its run tree; a root run is at depth 1.
  std::uint32_t depth = 1;
  std::string tenant;
  std::string agent;
  std::string input;
  /// A root's idempotency key, or a child's spawn call key.
  std::string idempotency_key;
  std::uint8_t priority = 0;
  /// Final (imports refuse any other state).
  run_state state = run_state::succeeded;
  std::string output;
  std::string reason;
  usage_totals usage;
  /// When the run became final, Unix milliseconds.
  std::uint64_t finished_at_ms = 0;
  /// A child that ended after its root: its record counts its own tokens.
  bool counts_own_tokens = false;
  /// Tokens admission reserved for the run when it accepted it.
  std::uint64_t reserved_tokens = 0;
  /// The model that answered last (run_status::model).
  std::string model{};
};

/// A session as it moves between nodes: what `import_session` needs to
/// continue it elsewhere. Survives CAF binary serialization.
struct session_export {
  /// The encoding of this value: `session_export_format` when written.
  std::uint32_t format = session_export_format;
  session_id session = 0;
  std::string tenant;
  std::string agent;
  /// The conversation and counters, as a passivation would store them.
  session_snapshot snapshot;
  /// The records of the session's runs the exporting node knows (those in
  /// memory, and its latest run from the store), in run id order; all final
  /// (exports refuse unfinished runs).
  std::vector<exported_run> runs;
  /// The journal entries of the session's latest run, in append order (what
  /// continuing it needs: its steps and records).
  std::vector<storage::journal_entry> journal;
};

/// Import an exported session (node -> node). Reply: `session_imported` once
/// its runs and journal are durable on this node; the session is then
/// passivated here, listed for its tenant, and its next turn continues the
/// conversation. Refused with `invalid_argument` for an unknown format, a
/// session or run id or idempotency key that already exists here, an agent
/// not configured here, or parts that do not belong to the session; with
/// `draining` while the node drains; `dependency_failed` when the snapshot
/// or the journal cannot be written.
struct import_session {
  session_export exported;
};

/// Open a new session of `agent` whose conversation starts with
/// `conversation` (system, user and assistant messages without tool calls:
/// what a client brings from elsewhere, e.g. the history of an OpenAI-style
/// request). Its next turn continues that conversation. Reply:
/// `session_imported` once the session is durable (passivated, listed for
/// its tenant). Refused as `submit_run` is (unknown tenant or agent,
/// draining, storage refusing writes), and with `invalid_argument` for more
/// than `max_opened_messages` messages, text that is not UTF-8, or more
/// text than a run's input may hold.
struct open_session {
  std::string tenant;
  std::string agent;
  std::vector<chat_message> conversation;
  /// The placement slot of the session, as submit_run::slot.
  std::uint32_t slot = 0;
};

/// The most messages an `open_session` brings.
inline constexpr std::size_t max_opened_messages = 1'000;

/// The answer to `import_session` and `open_session`.
struct session_imported {
  session_id session = 0;
};

} // namespace warden
