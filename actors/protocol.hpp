#pragma once

// The message protocol of a Warden node: one line of comment per message.
//
// Client messages (first section) cross processes: wardenctl and other nodes
// send them to the node's published entry actor, as are the session
// migration messages (`export_session`, `import_session`). Internal messages
// travel between the node's own actors; they have inspect() too, so that
// they can cross nodes later. Every type here is registered by
// `add_message_types`, which both ends of a connection must call.
//
// Replies: a handler answers with the reply type named in its comment, or
// with a `caf::error` of category `warden` (see actors/error.hpp).

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

#include "policies/admission.hpp"
#include "policies/concurrency_limits.hpp"
#include "storage/journal.hpp"

namespace warden {

/// Identifies a run (one turn of a session) on its node; 0 means none.
using run_id = std::uint64_t;

/// Identifies a session (a conversation) on its node; 0 means none.
using session_id = std::uint64_t;

/// Where a run is in its life. The last five are final.
enum class run_state : std::uint8_t {
  queued,    ///< accepted, waiting for admission or a pool permit
  running,   ///< its session is working on it
  succeeded, ///< produced a final answer
  failed,    ///< ended with an error (reason says which)
  cancelled, ///< cancelled by its owner, its parent, or a drain
  timed_out, ///< ran out of its turn timeout
  shed,      ///< dropped from a full queue for higher-priority work
};

/// The stable lower-case name of `x`.
const char* to_string(run_state x) noexcept;

/// Whether `x` is final (the run will not change any more).
constexpr bool is_final(run_state x) noexcept {
  return x >= run_state::succeeded;
}

/// What a run consumed, summed over its steps (children included once they
/// finish).
struct usage_totals {
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t cost_micros = 0;
  std::uint32_t model_calls = 0;
  std::uint32_t tool_calls = 0;
  std::uint32_t retries = 0;
  std::uint32_t iterations = 0;

  [[nodiscard]] std::uint64_t tokens() const noexcept {
    return prompt_tokens + completion_tokens;
  }

  usage_totals& operator+=(const usage_totals& other) noexcept;
};

// -- client protocol ----------------------------------------------------------

/// Submit a run: a new session of `agent` with `input` as its first turn.
/// Reply: `run_ack`. An equal non-empty `idempotency_key` from the same tenant
/// returns the first run's ack (duplicate = true) and creates nothing.
struct submit_run {
  std::string tenant;
  std::string agent;
  std::string input;
  /// A priority class name; empty means the configured default.
  std::string priority;
  std::string idempotency_key;
};

/// Send one more turn to an existing session. Reply: `run_ack`.
struct send_turn {
  std::string tenant;
  session_id session = 0;
  std::string input;
  std::string priority;
  std::string idempotency_key;
  /// What to do when the session has a turn that has not ended: `enqueue`
  /// (run after it), `reject` (refused with `conflict`) or `interrupt`
  /// (cancel it, then run); empty means the agent's `on_busy`.
  std::string on_busy;
};

/// The answer to `submit_run` and `send_turn`.
struct run_ack {
  run_id run = 0;
  session_id session = 0;
  /// True when an earlier run with the same idempotency key was returned.
  bool duplicate = false;
};

/// Ask for a run's current status. Reply: `run_status`.
struct get_status {
  std::string tenant;
  run_id run = 0;
};

/// Ask for a run's final status; the reply comes once the run is final, or
/// after `max_wait_ms` (when not 0) with the status as of then. A client
/// waiting long asks again and again with a bound, so that an answer lost
/// with its connection costs one bound, not the whole wait. Reply:
/// `run_status`.
struct await_run {
  std::string tenant;
  run_id run = 0;
  /// 0: until the run is final.
  std::uint32_t max_wait_ms = 0;
};

/// Cancel a run and its subtree. Reply: `run_status` (state as of now).
struct cancel_run {
  std::string tenant;
  run_id run = 0;
};

/// Subscribe `subscriber` to a run's events (`run_event` messages, the last
/// one final). Reply: `run_status`.
struct subscribe_run {
  std::string tenant;
  run_id run = 0;
  caf::actor subscriber;
};

/// List the tenant's sessions. Reply: `session_list`.
struct list_sessions {
  std::string tenant;
};

/// Refuse new work, let in-flight runs finish within the drain timeout,
/// cancel the rest. Reply: `drain_report` once done.
struct drain_node {};

/// A run as a client sees it.
struct run_status {
  run_id run = 0;
  session_id session = 0;
  std::string tenant;
  std::string agent;
  run_state state = run_state::queued;
  /// The final answer when succeeded; empty otherwise.
  std::string output;
  /// Why the run ended as it did (or is waiting), for people.
  std::string reason;
  usage_totals usage;
};

/// One step of a run as it happens, sent to subscribers.
struct run_event {
  run_id run = 0;
  /// Events of one run are numbered from 1 without gaps.
  std::uint64_t seq = 0;
  run_state state = run_state::queued;
  /// e.g. "admitted", "model_call", "tool_call", "child", "final".
  std::string kind;
  std::string detail;
};

/// One session in a `session_list`.
struct session_info {
  session_id session = 0;
  std::string agent;
  /// The session's latest run.
  run_id last_run = 0;
  run_state last_state = run_state::queued;
  /// False when passivated (held in the snapshot store, not in memory).
  bool resident = true;
};

/// The answer to `list_sessions`.
struct session_list {
  std::vector<session_info> sessions;
};

/// The answer to `drain_node`.
struct drain_report {
  std::uint32_t finished = 0;
  std::uint32_t cancelled = 0;
};

// -- conversation and dependency calls ---------------------------------------

/// Who said a chat message.
enum class chat_role : std::uint8_t { system, user, assistant, tool };

/// One message of a session's conversation.
struct chat_message {
  chat_role role = chat_role::user;
  std::string content;
  /// For role tool: the tool that produced the content.
  std::string tool;
};

/// A tool call the model asked for.
struct tool_call {
  std::string tool;
  /// The argument payload as the model wrote it (JSON text).
  std::string arguments;
};

/// A call to a model provider. Reply: `model_reply`.
struct model_request {
  run_id run = 0;
  session_id session = 0;
  /// Number of the step within the run, from 1.
  std::uint32_t step = 0;
  std::vector<chat_message> messages;
  /// Tools the model may call; empty for a tool-free (final) turn.
  std::vector<std::string> tools;
  /// True when this call asks to compact the conversation.
  bool compaction = false;
  /// The caller's estimate of the tokens the call will use.
  std::uint64_t token_estimate = 0;
  /// The most completion tokens the reply may use (the budget reserved for
  /// the call leaves no more); 0 = no limit. A provider passes it on (a
  /// model stops there).
  std::uint64_t max_completion_tokens = 0;
};

/// A provider's answer.
struct model_reply {
  std::string text;
  std::vector<tool_call> tool_calls;
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t cost_micros = 0;
  /// Retries the provider actor made before this answer.
  std::uint32_t retries = 0;
};

/// A call to a tool. Reply: `tool_reply`.
struct tool_request {
  run_id run = 0;
  session_id session = 0;
  std::uint32_t step = 0;
  /// Position of the call among the calls of one model reply.
  std::uint32_t index = 0;
  std::string tool;
  std::string arguments;
  /// "run/step/index": lets effectful tools deduplicate their side effects.
  std::string idempotency_key;
};

/// A tool's answer.
struct tool_reply {
  std::string output;
  std::uint32_t retries = 0;
};

/// Drop every in-flight or waiting call of `run` (turn timeout, cancel);
/// their permits and reservations are returned. One-way.
struct cancel_calls {
  run_id run = 0;
};

// -- node-internal: admission
// --------------------------------------------------

/// Ask admission to admit `run` for `tenant` at priority class `priority`
/// (index into the configured classes, 0 = highest). One-way; admission
/// answers the sender with `admission_verdict`s: admitted (at once or after
/// queueing), queued, rejected (budget_exhausted when the tenant used its
/// daily token budget), or later shed.
struct admit_run {
  run_id run = 0;
  std::string tenant;
  std::uint8_t priority = 0;
  /// True for work the node already accepted (a run resumed after a
  /// restart, a child run of an admitted tree): the tenant's daily token
  /// budget does not refuse it. New submissions leave it false.
  bool accepted = false;
  /// True for a child run of an admitted tree: it waits ahead of new runs
  /// and is never refused for a full queue nor shed
  /// (`policies::admission::submit_continuation`).
  bool continuation = false;
  /// A new root run's own token budget (its agent's run_budget.tokens; 0 =
  /// none of its own): what admission reserves for it out of its tenant's
  /// daily budget, capped by what the tenant has left.
  std::uint64_t tokens = 0;
};

/// The running run `run` only waits for its children (every open call of
/// its turn is a spawn_agent): it gives its in-flight slot back until it
/// sends `reclaim_slot`. One-way (session -> admission).
struct yield_slot {
  run_id run = 0;
};

/// The run `run`, which yielded its slot, has work to do again: admission
/// answers `slot_returned` once the run holds a slot (at once when its
/// tenant has room, else ahead of new runs). A run admission does not hold
/// as yielded is answered at once. One-way (session -> admission).
struct reclaim_slot {
  run_id run = 0;
};

/// Admission's answer to `reclaim_slot`: `run` holds a slot again.
struct slot_returned {
  run_id run = 0;
};

/// What admission decided about a run (the policy's own enum: admitted,
/// queued, rejected, or later shed).
using admission_outcome = policies::admission_outcome;

/// Admission's answer about one run (admission -> node).
struct admission_verdict {
  run_id run = 0;
  admission_outcome outcome = admission_outcome::admitted;
  /// For rejected and shed: a warden error_code value (queue_full, ...).
  std::uint8_t code = 0;
  /// For rejected and shed: why, for people.
  std::string reason;
  /// For admitted: how long the run waited in the queue, in nanoseconds.
  std::int64_t waited_ns = 0;
  /// For admitted and queued: the tokens reserved for the run out of its
  /// tenant's daily budget; its run budget may not exceed them. 0: nothing
  /// reserved (an unlimited tenant, a run the node accepted earlier).
  std::uint64_t reserved_tokens = 0;
};

/// An admitted run finished, or a queued one is withdrawn: free its place,
/// and add its tokens to its tenant's daily counter. One-way (node ->
/// admission).
struct release_run {
  run_id run = 0;
  /// Tokens (prompt + completion) that count toward the tenant's daily
  /// budget: a root run's usage, its children's included; 0 for a child run
  /// (its root counts it) and for a run that did not run.
  std::uint64_t tokens = 0;
  /// When the run became final, Unix milliseconds: the UTC day its tokens
  /// count for, the same as in its stored record. 0: admission's wall clock.
  std::uint64_t finished_at_ms = 0;
};

/// Tokens a run spent that no `release_run` carries: a child recovered after
/// a restart whose tree had ended, cancelled at once (it never went through
/// admission again). Counted for `tenant` on the UTC day of
/// `finished_at_ms`, as its final record counts them. One-way (node ->
/// admission).
struct charge_tokens {
  /// The run: its reservation, if it holds one, is released.
  run_id run = 0;
  std::string tenant;
  std::uint64_t tokens = 0;
  std::uint64_t finished_at_ms = 0;
};

// -- node-internal: pools and sessions
// -----------------------------------------

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
};

// -- node-internal: fan-out (child runs)
// ----------------------------------------

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

// -- node-internal: session snapshots
// ------------------------------------------

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

// -- session migration (node to node)
// ------------------------------------------

/// The version of `session_export` this build writes and reads; an import
/// of another version is refused. A change of the fields below gets a new
/// value (2: run records carry `counts_own_tokens`; 3: `reserved_tokens`).
inline constexpr std::uint32_t session_export_format = 3;

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
  std::vector<storage::stored_run> runs;
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

/// The answer to `import_session`.
struct session_imported {
  session_id session = 0;
};

// -- node-internal: governor
// -----------------------------------------------------

/// Which governor layer a permit is taken from (the policy's own enum).
using permit_kind = policies::permit_kind;

/// Call `provider` under a model-stream permit (session -> governor). The
/// governor delegates the request, so the reply (`model_reply` or an error)
/// comes straight from the provider to the session.
struct governed_model_call {
  caf::actor provider;
  model_request request;
};

/// Call `tool` under a tool-call permit (session -> governor); the reply
/// (`tool_reply` or an error) comes straight from the tool runner.
struct governed_tool_call {
  caf::actor tool;
  tool_request request;
};

/// Governed calls ended (replied, failed, timed out or cancelled): their
/// permits return. One-way (dependency -> governor); a dependency sends one
/// for the calls it ended while working through its mailbox.
struct permit_release {
  permit_kind kind = permit_kind::model_stream;
  /// How many permits of `kind` return.
  std::uint32_t count = 1;
};

// -- node-internal: journal
// ------------------------------------------------------

/// Append entries as one batch (any actor -> journal). The journal answers
/// the sender with `journal_ack` carrying the same ticket once the batch is
/// durable or has failed; a `quiet` append is answered only on failure
/// (step records the sender does not wait for).
struct journal_append {
  std::uint64_t ticket = 0;
  std::vector<storage::journal_entry> entries;
  bool quiet = false;
};

/// A journal batch is durable (code 0), or failed: `code` is the warden
/// error_code a caller should answer with (unavailable while the disk
/// refuses writes), `failure` a sentence fit for a tenant; the storage
/// error itself, which may name files, is in the operator's log.
struct journal_ack {
  std::uint64_t ticket = 0;
  std::uint8_t code = 0;
  std::string failure;
};

/// The error a journal_ack reports (none when the batch is durable), with
/// the retry-after of `unavailable`.
[[nodiscard]] caf::error ack_error(const journal_ack& ack);

/// Watch whether the journal's store takes writes (node -> journal).
/// One-way; the journal answers with `storage_state` at once and again on
/// every change.
struct watch_storage {};

/// Whether the journal's store takes writes (journal -> watchers). While it
/// does not, the journal retries every second and new work is refused with
/// `unavailable`.
struct storage_state {
  bool writable = true;
};

/// Registers every message type of this header (and the error category) with
/// `cfg`. Both ends of a connection must call it.
void add_message_types(caf::actor_system_config& cfg);

} // namespace warden

// The inspect() overloads of every type above.
#include "actors/detail/protocol_inspect.hpp"
