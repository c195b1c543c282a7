#pragma once

// The client protocol: what wardenctl, other nodes and programs that
// link Warden send to the node's published entry actor, and its replies.
// One part of the protocol: include actors/protocol/messages.hpp, which
// lists every part, registers them, and has their inspect() overloads.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "actors/protocol/basics.hpp"

namespace warden {

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
  /// The placement slot of the new session (policies/placement.hpp): set by
  /// a cluster's router to a slot its owner holds; 0 on a single node.
  std::uint32_t slot = 0;
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
/// one `final`). The events the node still holds with a `seq` above `after`
/// are sent first, in order, then those that follow as they happen; the
/// reply comes after those held. Reply: `run_subscription`.
struct subscribe_run {
  std::string tenant;
  run_id run = 0;
  caf::actor subscriber;
  /// The last event the subscriber has (0: none), e.g. SSE's Last-Event-ID.
  std::uint64_t after = 0;
  /// Also send the subscriber the content of the run's model calls as it
  /// streams (`run_delta`), live only: deltas are not events, are not
  /// numbered or held, and a subscriber that comes late misses those gone.
  bool deltas = false;
};

/// List the tenant's sessions, by id, from the first id above `after`,
/// at most `limit` of them (0: all). Reply: `session_list`.
struct list_sessions {
  std::string tenant;
  session_id after = 0;
  std::uint32_t limit = 0;
};

/// Refuse new work, let in-flight runs finish within the drain timeout,
/// cancel the rest. Reply: `drain_report` once done.
struct drain_node {};

/// Ask whether the node takes new work, for load balancers (/readyz).
/// Reply: `node_readiness`.
struct get_readiness {};

/// An operator pauses (`paused`) or resumes `tenant`: while paused, its new
/// root runs are accepted and acknowledged as always but wait in
/// admission's queue (within its bounds); its runs already admitted, and
/// the child runs of their trees, go on. Resuming dispatches the waiting
/// runs at once. Idempotent; held in memory (a restart resumes every
/// tenant). Reply: `tenant_pause_state`, or not_found for a tenant the node
/// does not admit.
struct pause_tenant {
  std::string tenant;
  bool paused = true;
};

/// The answer to `pause_tenant`: the tenant's state now.
struct tenant_pause_state {
  std::string tenant;
  bool paused = false;
  /// The tenant's runs waiting in admission's queue now.
  std::uint32_t queued = 0;
};

/// The answer to `get_readiness`. The node answers only once it has read
/// its database and re-queued the runs a crash left unfinished, so an
/// answer means recovery is done; `ready` needs the rest too.
struct node_readiness {
  /// A drain has begun: new work is refused.
  bool draining = false;
  /// The journal's store takes writes.
  bool writable = true;
  /// Recovered runs not yet re-admitted (waiting for room); they do not
  /// keep the node from being ready.
  std::uint32_t resuming = 0;

  /// Whether new runs would be taken.
  [[nodiscard]] bool ready() const noexcept { return !draining && writable; }
};

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
  /// The model whose reply the run's turn ended on (its last model reply:
  /// the primary or a fallback, as the endpoint named it); empty when no
  /// model answered.
  std::string model{};
};

/// What a step of a turn was.
enum class step_kind : std::uint8_t {
  model_started,  ///< a model call went out (`name`: the model asked for)
  model_finished, ///< it answered (tokens) or failed (`error`, `detail`)
  tool_started,   ///< a tool call went out (`name`: the tool)
  tool_finished,  ///< it answered, or failed (`error`, `detail`)
  child_spawned,  ///< a spawn_agent call asked for a child (`name`: agent)
  child_finished, ///< the child ended (`child`, `detail`: its state)
};

/// The stable lower-case name of `x` ("model_started").
const char* to_string(step_kind x) noexcept;

/// One step of a turn as the session saw it.
struct run_step {
  step_kind kind = step_kind::model_started;
  /// The turn's model call the step belongs to: 1 for the first.
  std::uint32_t step = 0;
  /// For tool and child events: the call's position among the step's calls.
  std::uint32_t call = 0;
  /// The model, the tool or the child's agent.
  std::string name;
  /// Of a model call that answered.
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  /// The child run (child_finished; 0 when none ran).
  run_id child = 0;
  /// The call failed, or the child did not succeed.
  bool error = false;
  /// Why it failed, or the child's final state; empty otherwise.
  std::string detail;
};

/// One event of a run, sent to subscribers: its lifecycle ("queued",
/// "admitted", "started", "final") and, in between, its steps (the kind is
/// then the step's, e.g. "tool_started", and `step` says more).
struct run_event {
  run_id run = 0;
  /// Events of one run are numbered from 1 without gaps; the same event has
  /// the same number for every subscriber.
  std::uint64_t seq = 0;
  /// The run's state as of the event.
  run_state state = run_state::queued;
  std::string kind;
  /// Why the run ended ("final"); empty otherwise.
  std::string detail;
  /// The step, for step kinds.
  run_step step{};
};

/// The answer to `subscribe_run`, sent after the events the node held.
struct run_subscription {
  run_status status;
  /// The seq of the last event the node holds for the run; 0 when it holds
  /// none (a run that ended before its events were kept, or whose events
  /// were dropped since: the store keeps its final status, not its events).
  std::uint64_t last_seq = 0;
};

/// Content of a model call of a run, as it streams from the model (node ->
/// subscribers that asked for deltas; session -> node first). Not a run
/// event: live only, not numbered, not held, not journaled. Model calls
/// that end in tool calls may stream content too; a compaction's does not.
struct run_delta {
  run_id run = 0;
  /// The turn's model call the text belongs to (run_step::step).
  std::uint32_t step = 0;
  /// The text that followed the previous delta of the call.
  std::string text;
  /// The call was retried, or went to a fallback model, after part of its
  /// answer was sent: the text sent for `step` so far is void, and `text`
  /// (perhaps empty) starts the new attempt's.
  bool restarted = false;
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
  /// The `after` of the next page; 0 when this page is the last.
  session_id next_after = 0;
};

/// The answer to `drain_node`.
struct drain_report {
  std::uint32_t finished = 0;
  std::uint32_t cancelled = 0;
};

} // namespace warden
