#include "actors/detail/node_runs.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/detail/node_durability.hpp"
#include "actors/error.hpp"
#include "actors/node_children.hpp"
#include "policies/daily_budget.hpp"
#include "policies/utf8.hpp"
#include "storage/keys.hpp"

namespace warden::detail {

std::string idempotency_slot(const std::string& tenant,
                             const std::string& key) {
  return storage::keys::idempotency(tenant, key);
}

storage::stored_run stored_of(const run_record& r) {
  storage::stored_run s;
  const auto& st = r.status;
  s.run = st.run;
  s.session = st.session;
  s.parent = r.tree.parent;
  s.depth = r.tree.depth;
  s.tenant = st.tenant;
  s.agent = st.agent;
  s.input = r.input;
  // A child's key is its spawn call's (storage::idempotency_tenant).
  s.idempotency_key = r.tree.is_child() ? r.tree.call_key : r.idempotency_key;
  s.priority = r.priority;
  s.state = static_cast<std::uint8_t>(st.state);
  s.final = is_final(st.state);
  s.output = st.output;
  s.reason = st.reason;
  s.usage = {st.usage.prompt_tokens, st.usage.completion_tokens,
             st.usage.cost_micros,   st.usage.model_calls,
             st.usage.tool_calls,    st.usage.retries,
             st.usage.iterations};
  s.finished_at_ms = !s.final                ? 0
                     : r.finished_at_ms != 0 ? r.finished_at_ms
                                             : policies::unix_ms_now();
  s.counts_own_tokens = s.final && r.counts_own_tokens;
  s.reserved_tokens = r.reserved_tokens;
  return s;
}

run_status status_of(const storage::stored_run& s) {
  run_status st;
  st.run = s.run;
  st.session = s.session;
  st.tenant = s.tenant;
  st.agent = s.agent;
  st.state = static_cast<run_state>(s.state);
  st.output = s.output;
  st.reason = s.reason;
  st.usage.prompt_tokens = s.usage.prompt_tokens;
  st.usage.completion_tokens = s.usage.completion_tokens;
  st.usage.cost_micros = s.usage.cost_micros;
  st.usage.model_calls = s.usage.model_calls;
  st.usage.tool_calls = s.usage.tool_calls;
  st.usage.retries = s.usage.retries;
  st.usage.iterations = s.usage.iterations;
  return st;
}

/// Takes `run` off the session's unfinished runs.
void close_open_run(session_record& session, run_id run) {
  auto& open = session.open_runs;
  open.erase(std::remove(open.begin(), open.end(), run), open.end());
}

caf::error no_such_run(const std::string& tenant, run_id run) {
  // The same answer whether the run does not exist or belongs to another
  // tenant: a tenant learns nothing about other tenants' runs.
  return make_error(error_code::not_found,
                    "no run " + std::to_string(run) + " for tenant " + tenant);
}

/// The run `id` if it belongs to `tenant`.
run_record* find_run(node_ptr self, const std::string& tenant, run_id id) {
  auto i = self->state.runs.find(id);
  if (i == self->state.runs.end() || i->second.status.tenant != tenant)
    return nullptr;
  return &i->second;
}

caf::expected<run_status> stored_status(node_ptr self,
                                        const std::string& tenant, run_id id) {
  const auto& store = self->state.components.store;
  if (!store)
    return no_such_run(tenant, id);
  auto found = store->find_run(id);
  if (!found)
    return storage_failure(*found.error,
                           "reading run " + std::to_string(id) + " failed");
  if (!found.value || found.value->tenant != tenant)
    return no_such_run(tenant, id);
  return status_of(*found.value);
}

caf::expected<std::optional<run_ack>>
stored_duplicate(node_ptr self, const std::string& tenant,
                 const std::string& key) {
  const auto& store = self->state.components.store;
  if (!store)
    return std::optional<run_ack>{};
  auto failed = [](const storage::storage_error& err) {
    return storage_failure(err, "looking up the idempotency key failed");
  };
  auto id = store->find_idempotent(tenant, key);
  if (!id)
    return failed(*id.error);
  if (!id.value)
    return std::optional<run_ack>{};
  auto run = store->find_run(*id.value);
  if (!run)
    return failed(*run.error);
  if (!run.value || run.value->tenant != tenant)
    return std::optional<run_ack>{};
  return std::optional<run_ack>{
      run_ack{run.value->run, run.value->session, true}};
}

std::optional<caf::result<run_ack>> answer_known_key(node_ptr self,
                                                     const std::string& tenant,
                                                     const std::string& key) {
  if (key.empty())
    return std::nullopt;
  auto& st = self->state;
  if (auto i = st.idempotency.find(idempotency_slot(tenant, key));
      i != st.idempotency.end()) {
    auto& r = st.runs.at(i->second);
    if (r.durable)
      return caf::result<run_ack>{
          run_ack{r.status.run, r.status.session, true}};
    auto promise = self->make_response_promise();
    r.acks.push_back(promise);
    return caf::result<run_ack>{promise};
  }
  auto earlier = stored_duplicate(self, tenant, key);
  if (!earlier)
    return caf::result<run_ack>{refused(self, std::move(earlier.error()))};
  if (*earlier)
    return caf::result<run_ack>{**earlier};
  return std::nullopt;
}

caf::error sender_lost(node_ptr self) {
  if (self->current_sender() || !self->current_message_id().is_request())
    return {};
  if (auto& m = self->state.components.metrics)
    m->count_without_sender();
  return make_error(error_code::dependency_failed,
                    "the request arrived without a sender to answer; it was "
                    "not carried out");
}

caf::error check_name(const char* field, const std::string& value,
                      std::size_t max_bytes, bool required) {
  auto refuse = [&](std::string why) {
    return make_error(error_code::invalid_argument,
                      std::string{field} + " " + why);
  };
  if (required && value.empty())
    return refuse("must not be empty");
  if (value.size() > max_bytes)
    return refuse("exceeds " + std::to_string(max_bytes) + " bytes");
  if (auto at = policies::first_invalid_utf8(value))
    return refuse("is not valid UTF-8 (byte " + std::to_string(*at) + ")");
  if (auto at = policies::first_control_character(value))
    return refuse("holds a control character (byte " + std::to_string(*at) +
                  ")");
  return {};
}

caf::error check_tenant(node_ptr self, const std::string& tenant) {
  return check_name("tenant", tenant, self->state.options.max_name_bytes, true);
}

/// Checks the parts every request shares; returns an error naming the part.
caf::error check_request(node_ptr self, const std::string& tenant,
                         const std::string& input, const std::string& key) {
  const auto& opts = self->state.options;
  if (auto err = check_tenant(self, tenant))
    return err;
  if (self->state.draining)
    return make_error(error_code::draining,
                      "the node is draining and accepts no new runs");
  if (!self->state.storage_writable)
    return make_error(error_code::unavailable,
                      "the node's storage is not accepting writes now, so "
                      "no new run can be made durable",
                      storage_retry_after);
  if (input.size() > opts.max_input_bytes)
    return make_error(error_code::invalid_argument,
                      "input of " + std::to_string(input.size()) +
                          " bytes exceeds the limit of " +
                          std::to_string(opts.max_input_bytes) + " bytes");
  if (auto at = policies::first_invalid_utf8(input))
    return make_error(error_code::invalid_argument,
                      "input is not valid UTF-8 (byte " + std::to_string(*at) +
                          ")");
  return check_name("idempotency key", key, opts.max_name_bytes, false);
}

/// Resolves a priority class name ("" = the default) to its index.
caf::expected<std::uint8_t> resolve_priority(node_ptr self,
                                             const std::string& name) {
  const auto& opts = self->state.options;
  if (name.empty())
    return opts.default_priority;
  if (auto err = check_name("priority", name, opts.max_name_bytes, false))
    return err;
  auto i = std::find(opts.priorities.begin(), opts.priorities.end(), name);
  if (i != opts.priorities.end())
    return static_cast<std::uint8_t>(i - opts.priorities.begin());
  std::string known;
  for (const auto& p : opts.priorities)
    known += (known.empty() ? "" : ", ") + p;
  return make_error(error_code::invalid_argument,
                    "unknown priority `" + name + "`; classes: " + known);
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

/// Counts a refused submission and passes the error on.
caf::error refused(node_ptr self, caf::error err) {
  if (auto& m = self->state.components.metrics)
    if (auto code = warden_code(err))
      m->count_rejected(*code);
  return err;
}

void emit(node_ptr self, run_record& r, const char* kind, std::string detail) {
  if (r.subscribers.empty())
    return;
  run_event event{r.status.run, ++r.events, r.status.state, kind,
                  std::move(detail)};
  for (const auto& subscriber : r.subscribers)
    self->send(subscriber, event);
}

void journal(node_ptr self, std::uint64_t ticket, const run_record& r,
             storage::entry_kind kind, std::string payload) {
  journal_append batch;
  batch.ticket = ticket;
  batch.entries.push_back({r.status.run, 0, kind, std::move(payload)});
  self->send(self->state.components.journal, std::move(batch));
}

void check_drained(node_ptr self) {
  auto& st = self->state;
  if (!st.draining || st.drain_waiters.empty())
    return;
  // A final record still being written keeps the drain waiting, unless
  // storage refuses writes (the run resumes after the restart then).
  auto busy = std::any_of(st.runs.begin(), st.runs.end(), [&](const auto& kv) {
    const auto& r = kv.second;
    return !is_final(r.status.state) ||
           (!r.final_durable && st.storage_writable);
  });
  if (busy)
    return;
  for (auto& waiter : st.drain_waiters)
    waiter.deliver(st.drained);
  st.drain_waiters.clear();
}

/// Makes `r` final: answers waiters and subscribers, journals the outcome,
/// and frees its admission slot.
void finish(node_ptr self, run_record& r, run_state state, std::string output,
            std::string reason, const usage_totals& usage,
            bool release_admission) {
  if (is_final(r.status.state))
    return;
  // Before `r` is final, so that their usage joins its children's.
  end_unadopted_children(self, r);
  auto& st = self->state;
  r.status.state = state;
  r.status.output = std::move(output);
  r.status.reason = std::move(reason);
  r.status.usage = usage;
  r.input.clear();
  r.finished_at_ms = policies::unix_ms_now();
  for (auto& ack : r.acks)
    ack.deliver(make_error(state == run_state::shed ? error_code::queue_full
                                                    : error_code::cancelled,
                           r.status.reason));
  r.acks.clear();
  // A root's tokens cover its tree (the final record counts the same): its
  // own and those of its children that ended before it. A child that ends
  // after its root counts its own subtree's the same way.
  r.counts_own_tokens = r.tree.is_child() && !counted_by_ancestor(self, r);
  auto tokens = r.tree.is_child() && !r.counts_own_tokens
                    ? 0
                    : r.status.usage.tokens() + r.tree.children_usage.tokens();
  if (release_admission)
    self->send(st.components.admission,
               release_run{r.status.run, tokens, r.finished_at_ms});
  else if (tokens > 0 || r.reserved_tokens > 0)
    // Not held by admission (never admitted again): its final record still
    // counts, and its reservation is released.
    self->send(
        st.components.admission,
        charge_tokens{r.status.run, r.status.tenant, tokens, r.finished_at_ms});
  if (r.resuming) {
    r.resuming = false;
    --st.resuming;
  }
  if (!st.resume_parked.empty() || !st.resume_backlog.empty()) {
    // Room was freed: parked runs try again, behind the backlog.
    st.resume_backlog.insert(st.resume_backlog.end(), st.resume_parked.begin(),
                             st.resume_parked.end());
    st.resume_parked.clear();
    feed_recovered(self);
  }
  if (auto& m = st.components.metrics) {
    auto seconds = -1.0;
    if (r.started)
      seconds =
          std::chrono::duration<double>(self->clock().now() - r.started_at)
              .count();
    m->count_finished(state, r.status.usage, seconds);
  }
  on_tree_run_final(self, r);
  if (auto i = st.sessions.find(r.status.session); i != st.sessions.end()) {
    close_open_run(i->second, r.status.run);
    if (i->second.last_run == r.status.run)
      i->second.last_state = state;
  }
  if (st.draining) {
    if (state == run_state::cancelled)
      ++st.drained.cancelled;
    else
      ++st.drained.finished;
  }
  // Waiters and subscribers learn the outcome once it is durable.
  journal_final(self, r);
  check_drained(self);
}

void mark_cancelled(node_ptr self, const run_record& r) {
  auto& st = self->state;
  const auto& board = st.components.cancels;
  if (!board)
    return;
  auto run = r.status.run;
  board->cancel(run);
  // A root that never spawned has no supervisor and no subtree to walk.
  if (!r.tree.is_child() && st.trees.supervisors.count(run) == 0)
    return;
  for (const auto& [id, other] : st.runs) {
    if (!other.tree.is_child() || is_final(other.status.state))
      continue;
    for (auto up = other.tree.parent; up != 0;) {
      if (up == run) {
        board->cancel(id);
        break;
      }
      auto i = st.runs.find(up);
      up = i != st.runs.end() ? i->second.tree.parent : 0;
    }
  }
}

void cancel(node_ptr self, run_record& r, std::string reason) {
  if (is_final(r.status.state))
    return;
  // Before the cancel is answered: from here on no call of the run or its
  // subtree starts, whatever is still on its way to the session.
  mark_cancelled(self, r);
  if (r.started)
    self->send(
        self->state.components.pools.at(r.status.agent),
        cancel_turn{r.status.run, run_state::cancelled, std::move(reason)});
  else
    finish(self, r, run_state::cancelled, {}, std::move(reason), {});
}

caf::expected<config::busy_policy> busy_policy_of(node_ptr self,
                                                  const session_record& s,
                                                  const std::string& name) {
  using config::busy_policy;
  if (name.empty()) {
    const auto& agents = self->state.components.agents;
    auto agent = agents.find(s.agent);
    return agent != agents.end() ? agent->second->settings.on_busy
                                 : busy_policy::enqueue;
  }
  for (auto x :
       {busy_policy::enqueue, busy_policy::reject, busy_policy::interrupt})
    if (name == config::to_string(x))
      return x;
  if (auto err = check_name("on_busy", name, self->state.options.max_name_bytes,
                            false))
    return err;
  return make_error(error_code::invalid_argument,
                    "on_busy `" + name +
                        "` is not one of enqueue, reject, interrupt");
}

caf::error make_room(node_ptr self, session_id session,
                     config::busy_policy policy) {
  auto& st = self->state;
  auto s = st.sessions.find(session);
  if (policy == config::busy_policy::enqueue || s == st.sessions.end() ||
      s->second.open_runs.empty())
    return {};
  auto open = s->second.open_runs; // a copy: finishing a run edits it
  if (policy == config::busy_policy::reject) {
    auto newest = st.runs.find(open.back());
    auto state = newest != st.runs.end()
                     ? to_string(reported_status(st, newest->second).state)
                     : "queued";
    return make_error(error_code::conflict,
                      "session " + std::to_string(session) + " is busy: run " +
                          std::to_string(open.back()) + " has not ended (" +
                          state +
                          "); the turn was sent with on_busy = reject (send "
                          "it again once that run ended, or with enqueue or "
                          "interrupt)");
  }
  auto reason = "interrupted by a new turn of session " +
                std::to_string(session) + " (run " +
                std::to_string(st.next_run) + ")";
  // Newest first: a turn waiting behind the running one learns of its
  // cancel before the running one ends and lets it come up.
  for (auto id = open.rbegin(); id != open.rend(); ++id)
    if (auto r = st.runs.find(*id); r != st.runs.end())
      cancel(self, r->second, reason);
  return {};
}

/// Starts the turn once the run is both admitted and durable.
void maybe_start(node_ptr self, run_record& r) {
  auto& st = self->state;
  if (!r.admitted || !r.durable || r.started || is_final(r.status.state))
    return;
  auto agent = st.components.agents.at(r.status.agent);
  auto session = st.registry.activate(r.status.session, agent);
  if (!session) {
    finish(self, r, run_state::failed, {}, error_reason(session.error()), {});
    return;
  }
  std::vector<storage::journal_entry> replay;
  if (r.recovered && st.components.store) {
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
  r.started = true;
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
  auto id = st.next_run++;
  auto& r = st.runs[id];
  r.status.run = id;
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
  if (auto s = st.sessions.find(session); s != st.sessions.end())
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
  auto i = st.runs.find(id);
  if (i == st.runs.end())
    return;
  auto& r = i->second;
  if (!r.idempotency_key.empty())
    st.idempotency.erase(idempotency_slot(r.status.tenant, r.idempotency_key));
  auto s = st.sessions.find(r.status.session);
  if (s != st.sessions.end()) {
    close_open_run(s->second, id);
    if (s->second.last_run == 0)
      st.sessions.erase(s); // created for this run, which never existed
  }

  st.runs.erase(i);
}

void on_verdict(node_ptr self, admission_verdict& v) {
  auto& st = self->state;
  auto i = st.runs.find(v.run);
  if (i == st.runs.end()) {
    if (v.outcome == admission_outcome::admitted)
      self->send(st.components.admission, release_run{v.run});
    return;
  }
  auto& r = i->second;
  if (is_final(r.status.state) && !r.journaling) {
    // Cancelled before admission answered: never journaled nor
    // acknowledged (its submitter got the cancel), and its release is
    // already on its way to admission. Nothing needs it any more.
    forget(self, v.run);
    return;
  }
  switch (v.outcome) {
  case admission_outcome::admitted:
  case admission_outcome::queued:
    if (v.outcome == admission_outcome::admitted)
      r.admitted = true;
    if (v.reserved_tokens != 0)
      r.reserved_tokens = v.reserved_tokens;
    if (!r.journaling) {
      // First verdict: make the record durable before acknowledging.
      r.journaling = true;
      auto ticket = st.next_ticket++;
      st.tickets.emplace(ticket, v.run);
      journal(self, ticket, r, storage::entry_kind::run_accepted,
              storage::encode(stored_of(r)));
    }
    emit(self, r, r.admitted ? "admitted" : "queued", {});
    maybe_start(self, r);
    return;
  case admission_outcome::rejected: {
    if (r.recovered && r.tree.is_child()) {
      // An adopted child: its parent's spawn call learns why.
      finish(self, r, run_state::failed, {},
             "not resumed: admission refused it: " + v.reason, {}, false);
      return;
    }
    if (r.recovered) {
      // Acknowledged before the restart: never forgotten. A full queue or a
      // cap means other runs hold the room: retry once one of them ends.
      r.resuming = false;
      --st.resuming;
      if (refused_for_now(v))
        st.resume_parked.push_back(v.run);
      else
        finish(self, r, run_state::failed, {},
               "not resumed: admission refused it: " + v.reason, {}, false);
      feed_recovered(self);
      return;
    }
    auto err =
        refused(self, make_error(static_cast<error_code>(v.code), v.reason));
    for (auto& ack : r.acks)
      ack.deliver(err);
    r.acks.clear();
    on_tree_run_refused(self, r, v.reason);
    forget(self, v.run);
    return;
  }
  case admission_outcome::shed:
    finish(self, r, run_state::shed, {}, v.reason, {}, false);
    return;
  }
}

} // namespace warden::detail
