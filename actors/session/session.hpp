#pragma once

// The session actor: one per session id, a serial mailbox and no locks. It
// keeps one conversation and runs the agent loop, one turn at a time:
// model call -> tool calls in parallel -> model call -> ... -> final answer,
// every dependency call through the governor. Turns that arrive while one
// runs wait in the mailbox.
//
// Idle, a session holds its id, the shared agent runtime, the conversation
// and a few counters; everything a turn needs (budget ledger, doom-loop
// detector, calls in flight) lives in a `session_turn` freed when the turn
// ends.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/protocol/messages.hpp"
#include "actors/session/agent_runtime.hpp"
#include "actors/session/conversation.hpp"
#include "actors/session/turn.hpp"

namespace warden {

/// A session's own timer: (turn_expired_atom, serial) fires when the turn
/// with that serial reaches its timeout. Armed only for turns whose deadline
/// no pool watches (`turn_input::deadline_watched`): a timer is a trip
/// through CAF's clock thread, which costs more than the rest of a step.
using turn_expired_atom = caf::atom_constant<caf::atom("turnexpire")>;

/// The state of a session actor. Handlers are members; the agent loop's
/// steps are in session/loop.cpp.
class session_state {
 public:
  /// The actor's name in CAF's logs.
  static inline const char* name = "warden.session";

  /// An empty session of no agent; `session_actor` and
  /// `restored_session_actor` fill it in.
  explicit session_state(caf::stateful_actor<session_state>* self);

  /// Clears a turn that did not end from the delta board (the actor
  /// stopped mid-turn).
  ~session_state();

  session_state(const session_state&) = delete;
  session_state& operator=(const session_state&) = delete;

  /// A new session `id` running the agent of `runtime`.
  void init(session_id id, agent_runtime_ptr runtime);

  /// A session brought back from `snapshot`, with its whole conversation.
  void restore(agent_runtime_ptr runtime, session_snapshot snapshot);

  /// The session's message handlers.
  caf::behavior make_behavior();

  /// The session's id.
  [[nodiscard]] session_id id() const noexcept { return id_; }

  /// The conversation so far, oldest message first.
  [[nodiscard]] const conversation& history() const noexcept {
    return conversation_;
  }

  /// What the session counted over its life.
  [[nodiscard]] const session_counters& counters() const noexcept {
    return counters_;
  }

  /// The running turn, or null when idle.
  [[nodiscard]] session_turn* turn() noexcept { return turn_.get(); }

  /// The session as a snapshot.
  [[nodiscard]] session_snapshot snapshot() const;

 private:
  // -- handlers (session/session.cpp)
  // -------------------------------------------------

  caf::result<turn_finished> handle_run_turn(turn_input& input);
  void handle_watch_turn(watch_turn& msg);
  void handle_cancel_turn(const cancel_turn& msg);
  void handle_turn_expired(std::uint64_t serial);
  caf::result<session_snapshot> handle_snapshot();

  /// Whether `serial` names the running turn.
  [[nodiscard]] bool current(std::uint64_t serial) const noexcept;

  /// Ends the running turn: refunds its reservation, journals and answers
  /// the outcome, frees the turn.
  void finish(run_state state, std::string output, std::string reason);

  /// Ends the running turn early (timeout, cancel): as `finish`, after
  /// telling the governor, the provider and the tool runners in use to drop
  /// the turn's calls.
  void stop(run_state state, std::string reason);

  /// Appends `entries` to the journal (one-way; acks are ignored): during
  /// a turn they wait in the turn's `unsent` records for `flush_journal`.
  void journal(std::vector<storage::journal_entry> entries);

  /// Sends the turn's unsent records to the journal as one append.
  void flush_journal();

  /// Keeps `step` among the turn's steps (its detail cut to
  /// `max_step_detail` bytes) and sends it to the turn's observer, if any.
  void note_step(run_step step);

  /// note_step for call `call` of the current step: its `kind`, the
  /// model, tool or agent `called`, whether it failed and why.
  void note_call(step_kind kind, std::size_t call, std::string name,
                 bool error = false, std::string detail = {});

  /// Sends the turn's steps to `observer` from now on, those so far first,
  /// and the model calls' content as it streams when it wants `deltas`.
  void watch(caf::actor_addr observer, bool deltas);

  // -- content as it streams (session/deltas.cpp) -----------------------------

  /// Marks the turn's run on the delta board when its observer wants the
  /// content, so that backends send it here.
  void listen_for_deltas();

  /// Clears the turn's run from the delta board, if marked.
  void stop_listening_for_deltas();

  /// Content a backend streamed: sent on to the observer when it is of the
  /// model call in flight (not a compaction's), flagged `restarted` when it
  /// comes from another attempt than the content sent before.
  void handle_model_delta(model_delta& msg);

  /// The reply of the call in flight came: when content of the call was
  /// sent and the reply's text is not what was sent (an attempt that did
  /// not stream answered), the observer learns that the text sent is void.
  void check_streamed_reply(const model_reply& reply);

  // -- the agent loop (session/loop.cpp) --------------------------------------

  /// Decides and starts the next model call: compaction, an agent step, or
  /// the tool-free final call.
  void next_step();

  /// Starts a compaction call when the conversation is over its budget;
  /// false when none is needed or possible.
  bool try_compaction();

  /// Starts an agent step (tools offered) or, once headed for the end, the
  /// tool-free final call.
  void model_step();

  /// The next call of the turn: the agent's instructions, then `messages`;
  /// the agent's model, temperature and completion limit; the reservation
  /// `estimate`.
  [[nodiscard]] model_request
  new_model_request(const std::vector<chat_message>& messages, bool compaction,
                    const policies::budget_amounts& estimate);

  /// Sends `request` through the governor with the turn's remaining time
  /// (or answers it from the replay of a resumed run).
  void send_model_request(model_request request);

  /// Sends `request` to `provider` through the governor.
  void dispatch_model_request(const caf::actor& provider,
                              model_request request);

  /// The turn's remaining time in milliseconds, at least 1 (what a model
  /// call tells its provider).
  [[nodiscard]] std::uint64_t time_left_ms() const;

  /// Sends the call in flight to the next fallback model when `err` is
  /// worth another model and one is left; false otherwise.
  bool try_fallback(const caf::error& err);

  void handle_model_reply(model_reply& reply);
  void handle_model_error(const caf::error& err);
  void handle_compaction_reply(const model_reply& reply);
  void handle_agent_reply(model_reply& reply);

  /// Starts every tool call of the latest reply at once; `nudge` is the
  /// doom-loop reason to tell the model after the results, if any.
  void start_tools(std::vector<tool_call> calls,
                   const std::vector<detail::normalized_arguments>& args,
                   std::optional<std::string> nudge);

  /// Sends call `index` to its tool runner through the governor.
  /// The request for call `index` of the current step, with its idempotency
  /// key "run/step/index"; journaled as tool_started before it is sent.
  [[nodiscard]] tool_request tool_request_for(std::size_t index) const;

  void call_tool(std::size_t index, const caf::actor& runner);

  /// Sends call `index` (its `request`) to `runner` through the governor.
  void dispatch_tool(std::size_t index, const caf::actor& runner,
                     tool_request request);

  /// An effectful call's start is durable (or failed): run it (or fail it).
  void handle_journal_ack(const journal_ack& ack);

  /// Journals the reply of the current model call, unless it was replayed
  /// from the journal.
  void journal_reply(const model_reply& reply,
                     const policies::doom_decision& doom);

  /// Serves call `index` of a spawn_agent tool (session/spawn.cpp):
  /// reserves the child's grant out of the turn's budget and asks the
  /// turn's spawner (the node) for a child run of the tool's agent whose
  /// input is the arguments' "text". The child's answer, or "error: ..."
  /// for a refusal or a child that did not succeed, is the call's result.
  /// `resumed`: the call was journaled as started before a restart, so the
  /// node answers it with the child it started then.
  void call_spawn_agent(std::size_t index, bool resumed);

  /// Records the outcome of the child of call `index`: settles its
  /// reservation and finishes the call.
  void child_done(std::size_t index, policies::reservation_id reservation,
                  caf::actor_clock::time_point started, child_finished& child);

  /// Records the result of call `index` (journaling it unless `journaled`);
  /// goes on once all calls answered.
  void tool_done(std::size_t index, std::string output, bool error,
                 bool journaled = false);

  /// Appends the tool results (and a nudge) and starts the next step.
  void after_tools();

  /// The turn ends (as `state`) while calls of its last step are open:
  /// each gets a result in the history (its own if it came, else one
  /// saying the turn ended first), so that no call is left unanswered for
  /// a model that reads the history later.
  void close_open_calls(run_state state);

  /// Gives the run's admission slot back when every open call of the step
  /// is a spawn_agent: the turn only waits for its children, and they may
  /// need the slot (session/spawn.cpp).
  void maybe_yield_slot();

  /// Every call of the step answered: goes on at once, or, when the slot
  /// was yielded, asks admission for one and goes on at `slot_returned`.
  void tools_answered();

  /// Admission gave the run a slot back.
  void handle_slot_returned(const slot_returned& msg);

  /// Time left until the turn's deadline (zero or negative when past it).
  [[nodiscard]] caf::timespan remaining() const;

  /// "turn timeout of N ms reached".
  [[nodiscard]] std::string timeout_reason() const;

  // -- state ------------------------------------------------------------------

  caf::stateful_actor<session_state>* self_;
  session_id id_ = 0;
  agent_runtime_ptr runtime_;
  conversation conversation_;
  session_counters counters_;
  std::unique_ptr<session_turn> turn_;
  /// What came for turns still waiting in the mailbox behind the running
  /// one (their run_turn is skipped until it ends). Allocated when first
  /// needed, so that an idle session pays one pointer for it.
  struct early_notes {
    /// Cancels: such a turn ends with its cancel as soon as it comes up,
    /// before it adds anything to the conversation or calls anything. At
    /// most `max_early_cancels`, the oldest dropped first (a cancel that
    /// crossed its turn's end stays here unused).
    std::vector<cancel_turn> cancels;
    /// A watch_turn: it applies when its turn starts (only the latest is
    /// kept).
    std::optional<watch_turn> watch;
  };
  std::unique_ptr<early_notes> early_;
  /// `early_`, allocated if it was not.
  early_notes& notes();
  static constexpr std::size_t max_early_cancels = 64;
  /// Tickets of journal appends the session waits for.
  std::uint64_t journal_tickets_ = 0;
};

/// A session actor.
using session_actor_type = caf::stateful_actor<session_state>;

/// Behaviour of a new, empty session `id` of the agent in `runtime`. Spawn
/// it with `sys.spawn<caf::lazy_init>(session_actor, id, runtime)`.
caf::behavior session_actor(session_actor_type* self, session_id id,
                            agent_runtime_ptr runtime);

/// Behaviour of a session brought back from `snapshot` (reactivation after
/// passivation); it continues the conversation.
caf::behavior restored_session_actor(session_actor_type* self,
                                     agent_runtime_ptr runtime,
                                     session_snapshot snapshot);

} // namespace warden
