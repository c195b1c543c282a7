#include "actors/node/detail/runs.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/node/children.hpp"
#include "actors/node/detail/durability.hpp"
#include "actors/protocol/error.hpp"

namespace warden::detail {

/// Takes `run` off the session's unfinished runs.
void close_open_run(session_record& session, run_id run) {
  auto& open = session.open_runs;
  open.erase(std::remove(open.begin(), open.end(), run), open.end());
}

budget_grant grant_of(const agent_runtime& agent,
                      std::uint64_t reserved_tokens) {
  const auto& b = agent.settings.run_budget;
  budget_grant grant{b.tokens, b.cost_micros, b.wall_ms};
  // The escrow bounds the run's tokens (0 in either means no limit there).
  if (reserved_tokens != 0)
    grant.tokens = grant.tokens == 0 ? reserved_tokens
                                     : std::min(grant.tokens, reserved_tokens);
  return grant;
}

void journal(node_ptr self, std::uint64_t ticket, const run_record& r,
             storage::entry_kind kind, std::string payload) {
  journal_append batch;
  batch.ticket = ticket;
  batch.entries.push_back({r.status.run, 0, kind, std::move(payload)});
  self->send(self->state.components.journal, std::move(batch));
}

/// Starts the turn once the run is both admitted and durable.
void maybe_start(node_ptr self, run_record& r) {
  auto& st = self->state;
  if (r.phase != run_phase::admitted || r.record != record_state::durable)
    return;
  auto agent = st.components.agents.at(r.status.agent);
  auto session = st.registry.activate(r.status.session, agent);
  if (!session) {
    finish(self, r, run_state::failed, {}, error_reason(session.error()), {});
    return;
  }
  std::vector<storage::journal_entry> replay;
  if (r.origin == run_origin::recovered && st.components.store) {
    auto entries = st.components.store->entries_of(r.status.run);
    if (!entries) {
      auto err = storage_failure(*entries.error,
                                 "resuming run " +
                                     std::to_string(r.status.run) + " failed");
      finish(self, r, run_state::failed, {}, error_reason(err), {});
      return;
    }
    for (auto& e : entries.value)
      if (e.kind == storage::entry_kind::model_step ||
          e.kind == storage::entry_kind::tool_started ||
          e.kind == storage::entry_kind::tool_finished)
        replay.push_back(std::move(e));
  }
  st.runs.advance(r, run_phase::running);
  r.started_at = self->clock().now();
  r.status.state = run_state::running;
  emit(self, r, "started", {});
  turn_input turn{r.status.run,
                  r.status.session,
                  r.status.tenant,
                  std::move(r.input),
                  1,
                  grant_of(*agent, r.reserved_tokens),
                  nullptr,
                  {}};
  turn.replay = std::move(replay);
  observe_turn(self, r, turn);
  prepare_tree_turn(self, r, turn);
  r.input.clear();
  self->send(st.components.pools.at(r.status.agent),
             start_turn{std::move(*session), std::move(turn)});
}

/// Creates a run of `session` and sends it to admission; the promise is
/// answered with run_ack once the run is admitted or queued, and durable.
caf::response_promise accept(node_ptr self, const std::string& tenant,
                             const std::string& agent, session_id session,
                             std::string input, std::uint8_t priority,
                             const std::string& key) {
  auto& st = self->state;
  auto id = st.ids.new_run(policies::slot_of(session));
  auto& r = st.runs.add(id, run_origin::submitted, run_phase::submitted);
  r.status.session = session;
  r.status.tenant = tenant;
  r.status.agent = agent;
  r.priority = priority;
  r.input = std::move(input);
  r.idempotency_key = key;
  auto promise = self->make_response_promise();
  r.acks.push_back(promise);
  if (!key.empty())
    st.idempotency.emplace(idempotency_slot(tenant, key), id);
  auto& sessions = st.registry.sessions();
  if (auto s = sessions.find(session); s != sessions.end())
    s->second.open_runs.push_back(id);
  if (auto& m = st.components.metrics)
    m->count_submitted();
  admit_run request{id, tenant, priority};
  if (auto a = st.components.agents.find(agent);
      a != st.components.agents.end())
    request.tokens = a->second->settings.run_budget.tokens;
  self->send(st.components.admission, std::move(request));
  return promise;
}

/// Forgets a run that admission refused: it was never acknowledged.
void forget(node_ptr self, run_id id) {
  auto& st = self->state;
  auto* r = st.runs.find(id);
  if (r == nullptr)
    return;
  if (!r->idempotency_key.empty())
    st.idempotency.erase(
        idempotency_slot(r->status.tenant, r->idempotency_key));
  auto& sessions = st.registry.sessions();
  if (auto s = sessions.find(r->status.session); s != sessions.end()) {
    close_open_run(s->second, id);
    if (s->second.last_run == 0)
      sessions.erase(s); // created for this run, which never existed
  }
  st.runs.erase(id);
}

namespace {

/// Admission admitted or queued `r`: its accepted record goes to the
/// journal on the first verdict, and the turn starts once both hold.
void on_room(node_ptr self, run_record& r, const admission_verdict& v) {
  auto& st = self->state;
  auto to = v.outcome == admission_outcome::admitted ? run_phase::admitted
                                                     : run_phase::queued;
  if (r.phase != to)
    st.runs.advance(r, to);
  if (v.reserved_tokens != 0)
    r.reserved_tokens = v.reserved_tokens;
  if (r.record == record_state::unwritten) {
    // First verdict: make the record durable before acknowledging.
    st.runs.record_written(r, record_state::writing);
    auto ticket = st.ids.next_ticket++;
    st.tickets.emplace(ticket, accepted_write{r.status.run});
    journal(self, ticket, r, storage::entry_kind::run_accepted,
            storage::encode(stored_of(r)));
  }
  emit(self, r, to == run_phase::admitted ? "admitted" : "queued",
       pause_reason(st, r).value_or(""));
  maybe_start(self, r);
}

/// Admission refused `r`: a new run is forgotten (its client learns why);
/// one acknowledged before a restart is never forgotten.
void on_refusal(node_ptr self, run_record& r, const admission_verdict& v) {
  auto& st = self->state;
  auto why = error_reason(v.refusal);
  auto not_resumed = "not resumed: admission refused it: " + why;
  if (r.origin == run_origin::recovered && r.tree.is_child()) {
    // An adopted child: its parent's spawn call learns why.
    finish(self, r, run_state::failed, {}, std::move(not_resumed), {}, false);
    return;
  }
  if (r.origin == run_origin::recovered) {
    // A full queue or a cap means other runs hold the room: it waits for
    // one of them to end.
    if (refused_for_now(v)) {
      st.runs.advance(r, run_phase::recovered);
      st.resume.parked.push_back(r.status.run);
    } else {
      finish(self, r, run_state::failed, {}, std::move(not_resumed), {}, false);
    }
    feed_recovered(self);
    return;
  }
  auto err = refused(self, v.refusal);
  for (auto& ack : r.acks)
    ack.deliver(err);
  r.acks.clear();
  on_tree_run_refused(self, r, why);
  forget(self, r.status.run);
}

} // namespace

void on_turn_finished(node_ptr self, turn_finished& done) {
  auto* r = self->state.runs.find(done.run);
  if (r == nullptr)
    return;
  r->status.model = std::move(done.model);
  record_turn_steps(self, *r, done);
  finish(self, *r, done.state, std::move(done.output), std::move(done.reason),
         done.usage);
  // The pool reports each started turn exactly once.
  if (r->started())
    self->state.registry.turn_ended(r->status.session);
}

void on_verdict(node_ptr self, admission_verdict& v) {
  auto& st = self->state;
  auto* found = st.runs.find(v.run);
  if (found == nullptr) {
    if (v.outcome == admission_outcome::admitted)
      self->send(st.components.admission, release_run{v.run});
    return;
  }
  auto& r = *found;
  if (r.ended()) {
    // Ended before admission answered: its release is already on its way
    // to admission. One never journaled was never acknowledged either (its
    // submitter got the cancel): nothing needs it any more.
    if (r.record == record_state::unwritten)
      forget(self, v.run);
    return;
  }
  switch (v.outcome) {
  case admission_outcome::admitted:
  case admission_outcome::queued:
    on_room(self, r, v);
    return;
  case admission_outcome::rejected:
    on_refusal(self, r, v);
    return;
  case admission_outcome::shed:
    finish(self, r, run_state::shed, {}, error_reason(v.refusal), {}, false);
    return;
  }
}

} // namespace warden::detail
