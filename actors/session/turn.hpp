#pragma once

// The state of one running turn of a session. Allocated when the turn starts
// and freed when it ends, so that an idle session holds only its
// conversation and counters.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/common/clock.hpp"
#include "actors/protocol/messages.hpp"
#include "actors/session/detail/journal.hpp"
#include "actors/session/detail/replay.hpp"
#include "actors/session/detail/tool_arguments.hpp"
#include "config/agents.hpp"
#include "policies/budget_ledger.hpp"
#include "policies/doom_loop.hpp"

namespace warden {

/// The budget a turn set aside for one child run.
struct child_reservation {
  /// What the child may use (0 in a dimension = unlimited).
  budget_grant grant;
  /// Holds the grant in the turn's account; 0 when refused.
  policies::reservation_id reservation = 0;
  /// Why no child may start, when refused.
  std::optional<std::string> refusal;
};

/// One running turn: who waits for it, its deadline, its budget ledger and
/// doom-loop detector, its usage, and the model or tool calls in flight.
/// Owned by the session's state; not thread-safe.
class session_turn {
 public:
  /// Starts the bookkeeping of `input`; `settings` are the agent's.
  session_turn(caf::actor_system& sys, const config::agent_settings& settings,
               turn_input input,
               caf::typed_response_promise<turn_finished> promise,
               std::uint64_t serial, caf::actor_clock::time_point deadline);

  session_turn(const session_turn&) = delete;
  session_turn& operator=(const session_turn&) = delete;

  // -- identity ---------------------------------------------------------------

  /// The turn as the pool sent it.
  turn_input input;
  /// Answered with turn_finished when the turn ends.
  caf::typed_response_promise<turn_finished> promise;
  /// Distinguishes this turn from earlier ones: replies and timers of ended
  /// turns carry an older serial and are ignored.
  std::uint64_t serial;
  /// When the turn times out (actor clock).
  caf::actor_clock::time_point deadline;

  // -- progress ---------------------------------------------------------------

  /// Model calls made so far (compaction included); the step of the latest.
  std::uint32_t step = 0;
  /// Model calls made with tools offered (the iteration cap counts these).
  std::uint32_t tool_steps = 0;
  /// What the model call in flight is.
  detail::model_call_kind call = detail::model_call_kind::agent;
  /// When the model call in flight started.
  caf::actor_clock::time_point call_started;
  /// The model call in flight, kept while fallback models remain to try it
  /// on (agents without fallback_models keep nothing).
  std::optional<model_request> fallback_request;
  /// Fallback models the call in flight has been sent to (0: the agent's
  /// own model).
  std::size_t fallbacks_tried = 0;
  /// Set once the loop heads for its tool-free final call: why.
  std::optional<std::string> final_reason;
  /// Whether the conversation was compacted since the last model step (at
  /// most one compaction per step).
  bool compacted = false;
  /// For a compaction call in flight: how many of the oldest messages its
  /// summary replaces.
  std::size_t compaction_split = 0;
  /// What the turn consumed.
  usage_totals usage;
  /// The model of the latest agent reply (compaction summaries aside).
  std::string model;

  // -- tool calls of the current step -----------------------------------------

  /// The calls of the latest model reply.
  std::vector<tool_call> calls;
  /// Their results; empty until each finishes.
  std::vector<std::optional<std::string>> results;
  /// The doom-loop nudge to append after the results, if any.
  std::optional<std::string> nudge;
  /// True while the calls of a step are being started: results that come
  /// at once must not move the loop on before every call started.
  bool starting_tools = false;
  /// Whether a spawn_agent call of the current step asked for a child: only
  /// then can the step come to wait for children alone.
  bool spawned = false;
  /// The run's admission slot: held; given back while every open call is a
  /// spawn_agent (the run does no work while its children run); or asked
  /// for again once every call answered, before the next step.
  enum class admission_slot : std::uint8_t { held, yielded, reclaiming };
  admission_slot slot = admission_slot::held;
  /// The first journal ticket of this turn: a failed append with this
  /// ticket or a later one lost a record of this turn.
  std::uint64_t first_ticket = 0;
  /// Effectful calls waiting for their tool_started entry to be durable
  /// before they run: journal ticket -> call index.
  std::map<std::uint64_t, std::size_t> awaiting_start;
  /// Tool runners called during the turn (each once): cancel_calls goes to
  /// them when the turn stops early.
  std::vector<caf::actor> runners;
  /// The turn's steps so far, for its run's events (at most
  /// `max_turn_steps`; the rest are counted in `steps_dropped`).
  std::vector<run_step> steps;
  std::uint32_t steps_dropped = 0;
  /// Where each step goes as it happens (the node, when someone follows the
  /// run); empty: the steps leave with turn_finished only.
  caf::actor_addr observer;
  /// The observer wants the model calls' content as it streams, and the
  /// run is marked on the runtime's delta board (cleared when the turn
  /// ends).
  bool deltas = false;
  /// Which attempt of which model call the content sent to the observer
  /// came from, and how much of it: another attempt's content, or an
  /// answer of another length, voids what was sent (`run_delta::restarted`).
  /// Counts, never the text: the session keeps no content.
  struct streamed_attempt {
    std::uint32_t step = 0;
    /// fallbacks_tried when the content came.
    std::size_t route = 0;
    std::uint32_t attempt = 0;
    std::uint64_t bytes = 0;
  };
  std::optional<streamed_attempt> streamed;
  /// The child run of the call being finished, set by child_done for
  /// tool_done's event (0: none ran).
  run_id finishing_child = 0;
  /// Step records not yet sent to the journal: they leave together when the
  /// session next calls out (a model call, the calls of a step), an
  /// effectful call's result arrives, or the turn ends. One append message
  /// per step instead of one per record; the order is kept.
  std::vector<storage::journal_entry> unsent;

  /// Starts a step with `calls`, all of them open.
  void begin_tools(std::vector<tool_call> step_calls);

  /// Records the result of call `index`; false when it already had one.
  bool finish_tool(std::size_t index, std::string output);

  /// Calls of the current step without a result.
  [[nodiscard]] std::size_t open_tools() const noexcept { return open_tools_; }

  /// Remembers `runner` for cancel_calls.
  void note_runner(const caf::actor& runner);

  // -- resume -----------------------------------------------------------------

  /// The journaled steps of a run resumed after a restart (empty for a new
  /// run): replayed instead of called again.
  detail::turn_replay replay;
  /// The reply being handled came from `replay`: it is already journaled.
  bool replayed_reply = false;

  // -- budget -----------------------------------------------------------------

  /// Opens the turn's ledger with its grant and final-turn reserve; the
  /// refusal's reason when the ledger refuses.
  [[nodiscard]] std::optional<std::string> open_budget();

  /// Reserves `estimate` for the next model call, from the final-turn
  /// reserve when `final_call`; the refusal's reason when refused.
  [[nodiscard]] std::optional<std::string>
  reserve(const policies::budget_amounts& estimate, bool final_call);

  /// Commits the reply's actual use to the open reservation and adds it to
  /// the usage totals.
  void commit(const model_reply& reply, std::uint64_t wall_ms);

  /// Returns the open reservation, if any, unspent.
  void refund();

  /// Reserves the grant of a child run: `budget` (the child agent's run
  /// budget, 0 = unlimited) capped, in each dimension the turn limits, by
  /// what the turn has available for ordinary calls. Refused when such a
  /// dimension has nothing left. A child of an agent without a limit in a
  /// dimension takes all the turn has left there.
  [[nodiscard]] child_reservation
  reserve_child(const config::run_budget_settings& budget);

  /// Settles a child's reservation with what the child used (tokens and
  /// cost of `used`, its subtree included) and the call's `wall_ms`; the
  /// unused part returns to the turn.
  void settle_child(policies::reservation_id reservation,
                    const usage_totals& used, std::uint64_t wall_ms);

  /// Whether nothing is left for ordinary calls.
  [[nodiscard]] bool budget_exhausted();

  /// The ledger's balance (tests, diagnostics); nothing before open_budget.
  [[nodiscard]] std::optional<policies::budget_balance> balance();

  /// Whether a reservation is open.
  [[nodiscard]] bool reserved() const noexcept { return reservation_ != 0; }

  // -- doom loop --------------------------------------------------------------

  /// Observes every call of a reply in order; returns the most severe
  /// decision and, per call, its normalized arguments.
  [[nodiscard]] policies::doom_decision
  observe(const std::vector<tool_call>& step_calls,
          std::vector<detail::normalized_arguments>& normalized);

 private:
  actor_clock_source clock_;
  std::optional<policies::budget_ledger> ledger_; // set by open_budget
  policies::doom_loop doom_;
  policies::reservation_id reservation_ = 0;
  std::size_t open_tools_ = 0;
};

} // namespace warden
