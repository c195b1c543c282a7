#include "actors/session/session.hpp"

#include <algorithm>
#include <utility>

#include "actors/protocol/error.hpp"
#include "actors/session/detail/journal.hpp"
#include "actors/session/registry.hpp"
#include "storage/keys.hpp"

namespace warden {

session_state::session_state(caf::stateful_actor<session_state>* self)
    : self_(self) {
  // nop
}

void session_state::init(session_id id, agent_runtime_ptr runtime) {
  id_ = id;
  runtime_ = std::move(runtime);
}

void session_state::restore(agent_runtime_ptr runtime,
                            session_snapshot snapshot) {
  id_ = snapshot.session;
  runtime_ = std::move(runtime);
  conversation_ = std::move(snapshot.conversation);
  counters_ = snapshot.counters;
}

session_snapshot session_state::snapshot() const {
  return {id_,
          runtime_ ? runtime_->name : std::string{},
          conversation_,
          counters_,
          {}};
}

caf::behavior session_state::make_behavior() {
  // Errors that arrive as plain messages (a journal that failed an append)
  // must not end the session, which is CAF's default reaction.
  self_->set_error_handler([](caf::error&) {});
  return {
      [this](run_turn& msg) -> caf::result<turn_finished> {
        return handle_run_turn(msg.turn);
      },
      [this](const cancel_turn& msg) { handle_cancel_turn(msg); },
      [this](watch_turn& msg) { handle_watch_turn(msg); },
      [this](model_delta& msg) { handle_model_delta(msg); },
      [this](turn_expired_atom, std::uint64_t serial) {
        handle_turn_expired(serial);
      },
      [this](snapshot_session) -> caf::result<session_snapshot> {
        return handle_snapshot();
      },
      [this](const journal_ack& ack) { handle_journal_ack(ack); },
      [this](const slot_returned& msg) { handle_slot_returned(msg); },
  };
}

caf::result<turn_finished> session_state::handle_run_turn(turn_input& input) {
  if (turn_)
    return caf::skip; // one turn at a time; this one waits in the mailbox
  if (early_) {
    auto& cancels = early_->cancels;
    auto early =
        std::find_if(cancels.begin(), cancels.end(),
                     [&](const cancel_turn& x) { return x.run == input.run; });
    if (early != cancels.end()) {
      // Cancelled while it waited: it ends without starting anything.
      turn_finished outcome{input.run,
                            id_,
                            is_final(early->state) ? early->state
                                                   : run_state::cancelled,
                            {},
                            early->reason.empty() ? "cancelled" : early->reason,
                            {}};
      cancels.erase(early);
      return outcome;
    }
  }
  auto promise = self_->make_response_promise<turn_finished>();
  auto timeout = std::chrono::milliseconds{runtime_->settings.turn_timeout_ms};
  auto serial = counters_.turns + 1;
  turn_ = std::make_unique<session_turn>(self_->system(), runtime_->settings,
                                         std::move(input), promise, serial,
                                         self_->clock().now() + timeout);
  turn_->first_ticket = journal_tickets_ + 1;
  turn_->observer = turn_->input.observer;
  turn_->deltas = turn_->input.deltas;
  if (early_ && early_->watch) {
    if (early_->watch->run == turn_->input.run) {
      turn_->observer = early_->watch->observer;
      turn_->deltas = turn_->deltas || early_->watch->deltas;
    }
    early_->watch.reset();
  }
  turn_->deltas = turn_->deltas && turn_->observer;
  listen_for_deltas();
  conversation_.push_back({chat_role::user, turn_->input.input, {}});
  if (auto refusal = turn_->open_budget()) {
    finish(run_state::failed, {}, "budget exhausted: " + *refusal);
    return promise;
  }
  if (!turn_->input.deadline_watched) // else the pool cancels it in time
    self_->delayed_send(self_, timeout, turn_expired_atom::value, serial);
  next_step();
  return promise;
}

void session_state::handle_cancel_turn(const cancel_turn& msg) {
  if (!turn_ || turn_->input.run != msg.run) {
    // For a turn that waits behind the running one (or one that just
    // ended: then it stays unused until dropped).
    auto& cancels = notes().cancels;
    if (cancels.size() >= max_early_cancels)
      cancels.erase(cancels.begin());
    cancels.push_back(msg);
    return;
  }
  auto state = is_final(msg.state) ? msg.state : run_state::cancelled;
  auto reason = msg.reason;
  if (reason.empty())
    reason = state == run_state::timed_out ? timeout_reason() : "cancelled";
  stop(state, std::move(reason));
}

void session_state::handle_watch_turn(watch_turn& msg) {
  if (turn_ && turn_->input.run == msg.run)
    return watch(std::move(msg.observer), msg.deltas);
  // For a turn waiting behind the running one, or one that ended (its
  // steps went with turn_finished): kept until the next turn starts.
  notes().watch = std::move(msg);
}

session_state::early_notes& session_state::notes() {
  if (!early_)
    early_ = std::make_unique<early_notes>();
  return *early_;
}

void session_state::watch(caf::actor_addr observer, bool deltas) {
  turn_->observer = std::move(observer);
  auto to = caf::actor_cast<caf::actor>(turn_->observer);
  if (!to)
    return;
  if (deltas && !turn_->deltas) {
    turn_->deltas = true;
    listen_for_deltas();
  }
  const auto& steps = turn_->steps;
  for (std::size_t i = 0; i < steps.size(); ++i)
    self_->send(to, turn_step{turn_->input.run,
                              static_cast<std::uint32_t>(i + 1), steps[i]});
}

namespace {

/// Longest `detail` of a step event, in bytes: a failed call's text can be
/// long (a tool's error output), and the event only names it.
constexpr std::size_t max_step_detail = 512;

/// `text` cut to max_step_detail bytes, at a UTF-8 character's start.
void cut_detail(std::string& text) {
  if (text.size() <= max_step_detail)
    return;
  auto end = max_step_detail;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  text.resize(end);
  text += "...";
}

} // namespace

void session_state::note_call(step_kind kind, std::size_t call,
                              std::string called, bool error,
                              std::string detail) {
  note_step({kind, turn_->step, static_cast<std::uint32_t>(call),
             std::move(called), 0, 0, 0, error, std::move(detail)});
}

void session_state::note_step(run_step step) {
  cut_detail(step.detail);
  auto& steps = turn_->steps;
  if (steps.size() >= max_turn_steps) {
    ++turn_->steps_dropped;
    return;
  }
  steps.push_back(std::move(step));
  if (!turn_->observer)
    return;
  if (auto to = caf::actor_cast<caf::actor>(turn_->observer))
    self_->send(to, turn_step{turn_->input.run,
                              static_cast<std::uint32_t>(steps.size()),
                              steps.back()});
}

void session_state::handle_turn_expired(std::uint64_t serial) {
  if (current(serial))
    stop(run_state::timed_out, timeout_reason());
}

caf::result<session_snapshot> session_state::handle_snapshot() {
  if (turn_)
    return make_error(error_code::cap_exceeded,
                      "session " + std::to_string(id_) +
                          " is running a turn; snapshot it when idle");
  return snapshot();
}

bool session_state::current(std::uint64_t serial) const noexcept {
  return turn_ != nullptr && turn_->serial == serial;
}

void session_state::stop(run_state state, std::string reason) {
  if (state == run_state::timed_out)
    runtime_->metrics.count_turn_timeout();
  cancel_calls msg{turn_->input.run};
  if (runtime_->governor)
    self_->send(runtime_->governor, msg);
  if (runtime_->provider)
    self_->send(runtime_->provider, msg);
  for (const auto& runner : turn_->runners)
    self_->send(runner, msg);
  finish(state, {}, std::move(reason));
}

void session_state::finish(run_state state, std::string output,
                           std::string reason) {
  turn_->refund();
  close_open_calls(state);
  stop_listening_for_deltas();
  turn_finished outcome{
      turn_->input.run,    id_,          state,        std::move(output),
      std::move(reason),   turn_->usage, turn_->model, std::move(turn_->steps),
      turn_->steps_dropped};
  std::vector<storage::journal_entry> entries{
      detail::run_final_entry(outcome, turn_->step)};
  counters_.turns += 1;
  counters_.last_run = outcome.run;
  counters_.last_state = state;
  counters_.usage += outcome.usage;
  if (runtime_->checkpoint) {
    auto snap = snapshot();
    snap.tenant = turn_->input.tenant;
    if (auto bytes = encode_snapshot(self_->system(), snap))
      entries.push_back({outcome.run, turn_->step,
                         storage::entry_kind::session_checkpoint,
                         storage::keys::session(id_) + *bytes});
  }
  journal(std::move(entries));
  flush_journal();
  // Free the turn before answering: the pool may send the next turn at once.
  auto turn = std::move(turn_);
  turn->promise.deliver(std::move(outcome));
}

void session_state::journal(std::vector<storage::journal_entry> entries) {
  if (!runtime_->journal || entries.empty())
    return;
  if (turn_) {
    auto& unsent = turn_->unsent;
    unsent.insert(unsent.end(), std::make_move_iterator(entries.begin()),
                  std::make_move_iterator(entries.end()));
    return;
  }
  // Quiet: the loop does not wait for step records to be durable, so the
  // journal answers only if an append fails.
  self_->send(runtime_->journal,
              journal_append{++journal_tickets_, std::move(entries), true});
}

void session_state::flush_journal() {
  if (!turn_ || turn_->unsent.empty())
    return;
  self_->send(runtime_->journal,
              journal_append{++journal_tickets_,
                             std::exchange(turn_->unsent, {}), true});
}

caf::timespan session_state::remaining() const {
  return turn_->deadline - self_->clock().now();
}

std::string session_state::timeout_reason() const {
  return "turn timeout of " +
         std::to_string(runtime_->settings.turn_timeout_ms) + " ms reached";
}

caf::behavior session_actor(session_actor_type* self, session_id id,
                            agent_runtime_ptr runtime) {
  self->state.init(id, std::move(runtime));
  return self->state.make_behavior();
}

caf::behavior restored_session_actor(session_actor_type* self,
                                     agent_runtime_ptr runtime,
                                     session_snapshot snapshot) {
  self->state.restore(std::move(runtime), std::move(snapshot));
  return self->state.make_behavior();
}

} // namespace warden
