#pragma once

// The node's run lifecycle: accepting a run, admission verdicts, durable
// acknowledgement, starting its turn, and making it final. Private to the
// node actor (actors/node/node.cpp); split out to keep each file one concept.

#include <cstdint>
#include <optional>
#include <string>

#include <caf/expected.hpp>
#include <caf/response_promise.hpp>

#include "actors/node/node.hpp"

namespace warden::detail {

using node_ptr = caf::stateful_actor<node_state>*;

/// The idempotency table key of `key` from `tenant`.
std::string idempotency_slot(const std::string& tenant, const std::string& key);

/// The not_found answer for a run that is missing or belongs to another
/// tenant: the same in both cases, so tenants learn nothing of each other.
caf::error no_such_run(const std::string& tenant, run_id run);

/// The run `id` if it belongs to `tenant`.
run_record* find_run(node_ptr self, const std::string& tenant, run_id id);

/// An error (delivered to nobody) when the current message is a request
/// nobody can be answered for: it arrived without a sender (CAF 0.17's
/// middleman loses a client's route when the client's socket descriptor is
/// reused before the old connection is cleaned up;
/// apps/wardenctl/attempts.cpp). Counts it. Such a request is not carried
/// out: its client, never answered, asks again.
caf::error sender_lost(node_ptr self);

/// Checks a name a client sent (`field` names it in the error): at most
/// `max_bytes`, UTF-8, no control characters, not empty when `required`.
caf::error check_name(const char* field, const std::string& value,
                      std::size_t max_bytes, bool required);

/// Checks the tenant of a request (check_name with the node's limit).
caf::error check_tenant(node_ptr self, const std::string& tenant);

/// Checks the parts every new run's request shares (tenant, input, key; and
/// that the node takes new work: not draining, storage writable); returns
/// an error naming the part.
caf::error check_request(node_ptr self, const std::string& tenant,
                         const std::string& input, const std::string& key);

/// Resolves a priority class name ("" = the default) to its index.
caf::expected<std::uint8_t> resolve_priority(node_ptr self,
                                             const std::string& name);

/// The budget of one root run of `agent` that holds `reserved_tokens` of its
/// tenant's daily budget in escrow (0: none): its token grant is the smaller
/// of the agent's run_budget.tokens and the reservation.
budget_grant grant_of(const agent_runtime& agent,
                      std::uint64_t reserved_tokens);

/// The run record storage keeps of `r` (final ones stamped with the time).
storage::stored_run stored_of(const run_record& r);

/// The status of a stored run.
run_status status_of(const storage::stored_run& s);

/// The status of run `id` from the store, for a run no longer in memory:
/// not_found unless it is stored and belongs to `tenant`.
caf::expected<run_status> stored_status(node_ptr self,
                                        const std::string& tenant, run_id id);

/// The ack of the stored run `tenant` created with idempotency `key`, for a
/// key no longer in memory (a run from before a restart).
/// Fails when the store cannot be read.
caf::expected<std::optional<run_ack>>
stored_duplicate(node_ptr self, const std::string& tenant,
                 const std::string& key);

/// The answer to a request whose idempotency `key` of `tenant` already
/// names a run (in memory or stored): its ack once durable (at once, or by
/// a promise kept when the run's record is), or the refusal when the store
/// cannot be read; nothing for an empty or new key. Submissions and turns
/// share it: a retried request never starts a second run.
std::optional<caf::result<run_ack>> answer_known_key(node_ptr self,
                                                     const std::string& tenant,
                                                     const std::string& key);

/// Whether admission's refusal of a recovered run is only for now (a full
/// queue or a cap), so that the run can wait for room (node/recovery.cpp).
bool refused_for_now(const admission_verdict& v);

/// Sends recovered runs to admission while the resume window has room.
void feed_recovered(node_ptr self);

/// Takes over the unfinished runs found in the store: they go back through
/// admission (a window at a time) and their turns replay their journals.
void recover(node_ptr self);

/// The child run recovered after a restart that the replayed spawn call
/// `msg` started before it (same call key, parent and agent), taken out of
/// the adoptable ones; nullopt when there is none.
std::optional<run_id> take_adoptable(node_ptr self, const spawn_child& msg);

/// The answer to the replayed spawn call `msg` whose child was already final
/// before the restart: its stored outcome (or a refusal naming a store
/// failure); nullopt when the store holds no final child of that call.
std::optional<child_finished> stored_child(node_ptr self,
                                           const spawn_child& msg);

/// Called first when `r` is about to become final: cancels its recovered
/// children that no replayed spawn call adopted, with the usage their
/// journals show (which joins `r`'s children usage).
void end_unadopted_children(node_ptr self, run_record& r);

/// Counts a refused submission and passes the error on.
caf::error refused(node_ptr self, caf::error err);

/// Why `r` waits, when it is a root run queued in admission while an
/// operator has paused its tenant; nothing otherwise.
[[nodiscard]] std::optional<std::string> pause_reason(const node_state& st,
                                                      const run_record& r);

// -- events (node/run_events.cpp) -------------------------------------------

/// Records the next event of `r` (up to max_run_events) and sends it to
/// the run's subscribers.
void emit(node_ptr self, run_record& r, const char* kind, std::string detail,
          run_step step = {});

/// A step the session sent as it happened (`turn_step`).
void on_turn_step(node_ptr self, turn_step& msg);

/// Content of a model call as it streamed (`run_delta`): sent on to the
/// run's delta subscribers, and neither numbered nor held.
void on_run_delta(node_ptr self, const run_delta& msg);

/// Records the steps of `done` that no turn_step brought.
void record_turn_steps(node_ptr self, run_record& r, turn_finished& done);

/// Makes the node the observer of `turn` when `r` has subscribers.
void observe_turn(node_ptr self, run_record& r, turn_input& turn);

/// `r` was reported final: its subscribers are done, and its events move
/// to the node's ended_events.
void keep_ended_events(node_ptr self, run_record& r);

/// Appends one entry of the run to the journal (ticket 0: no ack awaited).
void journal(node_ptr self, std::uint64_t ticket, const run_record& r,
             storage::entry_kind kind, std::string payload);

/// Answers drain waiters once no run is unfinished.
void check_drained(node_ptr self);

/// Gives `r` its outcome (finishing, or final when it never had a record):
/// frees its admission slot and settles its tokens, counts it, tells its
/// tree and its session, and journals the outcome; waiters and subscribers
/// are answered once that is durable (node/detail/durability.hpp).
void finish(node_ptr self, run_record& r, run_state state, std::string output,
            std::string reason, const usage_totals& usage,
            bool release_admission = true);

/// Marks `r` and the unfinished runs of its subtree on the node's cancel
/// board: no model or tool call of theirs starts from now on.
void mark_cancelled(node_ptr self, const run_record& r);

/// Cancels `r` with `reason`: marks it and its subtree (mark_cancelled),
/// then stops a started turn through its pool (the session stops it and
/// reports it) or ends a run not started at once.
void cancel(node_ptr self, run_record& r, std::string reason);

/// The choice `name` of a turn sent to session `s` ("" = its agent's
/// `on_busy`), or invalid_argument naming the choices.
caf::expected<config::busy_policy>
busy_policy_of(node_ptr self, const session_record& s, const std::string& name);

/// Applies `policy` to a turn about to be accepted for `session`: nothing
/// for enqueue or an idle session; conflict for reject while the session
/// has runs that are not final; interrupt cancels them.
caf::error make_room(node_ptr self, session_id session,
                     config::busy_policy policy);

/// Starts the turn once the run is both admitted and durable.
void maybe_start(node_ptr self, run_record& r);

/// Creates a run of `session` and sends it to admission; the promise is
/// answered with run_ack once the run is admitted or queued, and durable.
caf::response_promise accept(node_ptr self, const std::string& tenant,
                             const std::string& agent, session_id session,
                             std::string input, std::uint8_t priority,
                             const std::string& key);

/// Forgets a run that admission refused: it was never acknowledged.
void forget(node_ptr self, run_id id);

/// The session reported the end of a started turn: the run gets its
/// outcome and the session is idle again.
void on_turn_finished(node_ptr self, turn_finished& done);

/// Takes `run` off `session`'s unfinished runs.
void close_open_run(session_record& session, run_id run);

/// Applies admission's verdict on a run.
void on_verdict(node_ptr self, admission_verdict& v);

} // namespace warden::detail
