#include "actors/node.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/error.hpp"
#include "actors/node_children.hpp"

namespace warden {

namespace {

using node_ptr = caf::stateful_actor<node_state>*;

using drain_deadline_atom = caf::atom_constant<caf::atom("drain_dl")>;

std::string idempotency_slot(const std::string& tenant,
                             const std::string& key) {
  std::string slot = tenant;
  slot += '\0';
  slot += key;
  return slot;
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

/// Checks the parts every request shares; returns an error naming the part.
caf::error check_request(node_ptr self, const std::string& tenant,
                         const std::string& input, const std::string& key) {
  const auto& opts = self->state.options;
  if (self->state.draining)
    return make_error(error_code::draining,
                      "the node is draining and accepts no new runs");
  if (tenant.empty() || tenant.size() > opts.max_name_bytes)
    return make_error(error_code::invalid_argument,
                      "tenant must be 1 to " +
                          std::to_string(opts.max_name_bytes) + " bytes");
  if (input.size() > opts.max_input_bytes)
    return make_error(error_code::invalid_argument,
                      "input of " + std::to_string(input.size()) +
                          " bytes exceeds the limit of " +
                          std::to_string(opts.max_input_bytes) + " bytes");
  if (key.size() > opts.max_name_bytes)
    return make_error(error_code::invalid_argument,
                      "idempotency key exceeds " +
                          std::to_string(opts.max_name_bytes) + " bytes");
  return {};
}

/// Resolves a priority class name ("" = the default) to its index.
caf::expected<std::uint8_t> resolve_priority(node_ptr self,
                                             const std::string& name) {
  const auto& opts = self->state.options;
  if (name.empty())
    return opts.default_priority;
  auto i = std::find(opts.priorities.begin(), opts.priorities.end(), name);
  if (i != opts.priorities.end())
    return static_cast<std::uint8_t>(i - opts.priorities.begin());
  std::string known;
  for (const auto& p : opts.priorities)
    known += (known.empty() ? "" : ", ") + p;
  return make_error(error_code::invalid_argument,
                    "unknown priority `" + name + "`; classes: " + known);
}

budget_grant grant_of(const agent_runtime& agent) {
  const auto& b = agent.settings.run_budget;
  return {b.tokens, b.cost_micros, b.wall_ms};
}

/// The journal payload of an accepted run: what resume needs to restart it.
std::string encode_accepted(node_ptr self, const run_record& r) {
  std::vector<char> buf;
  caf::binary_serializer sink{self->system(), buf};
  auto s = r.status;
  auto input = r.input;
  auto key = r.idempotency_key;
  auto priority = r.priority;
  if (auto err =
          sink(s.run, s.session, s.tenant, s.agent, input, priority, key))
    return {};
  return std::string(buf.begin(), buf.end());
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
  auto busy = std::any_of(st.runs.begin(), st.runs.end(), [](const auto& kv) {
    return !is_final(kv.second.status.state);
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
            bool release_admission = true) {
  if (is_final(r.status.state))
    return;
  auto& st = self->state;
  r.status.state = state;
  r.status.output = std::move(output);
  r.status.reason = std::move(reason);
  r.status.usage = usage;
  r.input.clear();
  for (auto& ack : r.acks)
    ack.deliver(make_error(state == run_state::shed ? error_code::queue_full
                                                    : error_code::cancelled,
                           r.status.reason));
  r.acks.clear();
  if (r.durable)
    journal(self, 0, r, storage::entry_kind::run_final, to_string(state));
  if (release_admission)
    self->send(st.components.admission, release_run{r.status.run});
  if (auto& m = st.components.metrics) {
    auto seconds = -1.0;
    if (r.started)
      seconds =
          std::chrono::duration<double>(self->clock().now() - r.started_at)
              .count();
    m->count_finished(state, r.status.usage, seconds);
  }
  on_tree_run_final(self, r);
  emit(self, r, "final", r.status.reason);
  r.subscribers.clear();
  for (auto& waiter : r.waiters)
    waiter.deliver(r.status);
  r.waiters.clear();
  if (st.draining) {
    if (state == run_state::cancelled)
      ++st.drained.cancelled;
    else
      ++st.drained.finished;
  }
  check_drained(self);
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
  r.started = true;
  r.started_at = self->clock().now();
  r.status.state = run_state::running;
  emit(self, r, "started", {});
  turn_input turn{r.status.run,
                  r.status.session,
                  r.status.tenant,
                  std::move(r.input),
                  1,
                  grant_of(*agent),
                  nullptr};
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
  if (auto& m = st.components.metrics)
    m->count_submitted();
  self->send(st.components.admission, admit_run{id, tenant, priority});
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
  if (s != st.sessions.end() && s->second.last_run == 0)
    st.sessions.erase(s); // created for this run, which never existed

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
  switch (v.outcome) {
  case admission_outcome::admitted:
  case admission_outcome::queued:
    if (v.outcome == admission_outcome::admitted)
      r.admitted = true;
    if (!r.journaling) {
      // First verdict: make the record durable before acknowledging.
      r.journaling = true;
      st.sessions[r.status.session].last_run = v.run;
      auto ticket = st.next_ticket++;
      st.tickets.emplace(ticket, v.run);
      journal(self, ticket, r, storage::entry_kind::run_accepted,
              encode_accepted(self, r));
    }
    emit(self, r, r.admitted ? "admitted" : "queued", {});
    maybe_start(self, r);
    return;
  case admission_outcome::rejected: {
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

} // namespace

caf::behavior node_actor(caf::stateful_actor<node_state>* self,
                         node_components components, node_options options) {
  self->state.components = std::move(components);
  self->state.options = std::move(options);
  auto& parts = self->state.components;
  for (const auto& [name, agent] : parts.agents)
    if (parts.pools.count(name) == 0 && parts.spawn_pool)
      parts.pools[name] = parts.spawn_pool(self, *agent);
  // Stopping the node stops what it spawned: sessions first, then pools.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    for (auto& kv : self->state.sessions)
      if (kv.second.actor)
        self->send_exit(kv.second.actor, msg.reason);
    for (auto& kv : self->state.components.pools)
      self->send_exit(kv.second, msg.reason);
    self->quit(msg.reason);
  });
  self->state.registry.start(self, self->state);
  self->set_down_handler(
      [self](caf::down_msg& down) { self->state.registry.session_down(down); });
  // Sessions refusing a snapshot answer with an error message; any other
  // error message still stops the node, as CAF's default does.
  self->set_error_handler([self](caf::error& err) {
    if (!self->state.registry.snapshot_refused(err))
      caf::scheduled_actor::default_error_handler(self, err);
  });
  return {
      [self](submit_run& req) -> caf::result<run_ack> {
        auto& st = self->state;
        if (auto err =
                check_request(self, req.tenant, req.input, req.idempotency_key))
          return refused(self, std::move(err));
        if (st.components.agents.count(req.agent) == 0)
          return refused(self, make_error(error_code::invalid_argument,
                                          "unknown agent `" + req.agent + "`"));
        auto priority = resolve_priority(self, req.priority);
        if (!priority)
          return refused(self, std::move(priority.error()));
        if (!req.idempotency_key.empty()) {
          auto slot = idempotency_slot(req.tenant, req.idempotency_key);
          if (auto i = st.idempotency.find(slot); i != st.idempotency.end()) {
            auto& r = st.runs.at(i->second);
            if (r.durable)
              return run_ack{r.status.run, r.status.session, true};
            auto promise = self->make_response_promise();
            r.acks.push_back(promise);
            return promise;
          }
        }
        auto session = st.next_session++;
        st.sessions[session] =
            session_record{req.tenant, req.agent, nullptr, 0};
        return accept(self, req.tenant, req.agent, session,
                      std::move(req.input), *priority, req.idempotency_key);
      },
      [self](send_turn& req) -> caf::result<run_ack> {
        auto& st = self->state;
        if (auto err =
                check_request(self, req.tenant, req.input, req.idempotency_key))
          return refused(self, std::move(err));
        auto s = st.sessions.find(req.session);
        if (s == st.sessions.end() || s->second.tenant != req.tenant)
          return make_error(error_code::not_found,
                            "no session " + std::to_string(req.session) +
                                " for tenant " + req.tenant);
        auto priority = resolve_priority(self, req.priority);
        if (!priority)
          return refused(self, std::move(priority.error()));
        return accept(self, req.tenant, s->second.agent, req.session,
                      std::move(req.input), *priority, req.idempotency_key);
      },
      [self](admission_verdict& verdict) { on_verdict(self, verdict); },
      [self](spawn_child& msg) { return on_spawn_child(self, msg); },
      [self](admit_child& msg) { on_admit_child(self, msg); },
      [self](cancel_turn& msg) {
        if (auto r = on_cancel_child(self, msg))
          finish(self, *r, msg.state, {}, std::move(msg.reason), {});
      },
      [self](journal_ack& ack) {
        auto& st = self->state;
        auto t = st.tickets.find(ack.ticket);
        if (t == st.tickets.end())
          return;
        auto id = t->second;
        st.tickets.erase(t);
        auto i = st.runs.find(id);
        if (i == st.runs.end())
          return;
        auto& r = i->second;
        if (!ack.failure.empty()) {
          for (auto& promise : r.acks)
            promise.deliver(make_error(error_code::dependency_failed,
                                       "the run could not be made durable: " +
                                           ack.failure));
          r.acks.clear();
          finish(self, r, run_state::failed, {}, ack.failure, {});
          return;
        }
        r.durable = true;
        for (auto& promise : r.acks)
          promise.deliver(run_ack{r.status.run, r.status.session, false});
        r.acks.clear();
        maybe_start(self, r);
      },
      [self](turn_finished& done) {
        auto i = self->state.runs.find(done.run);
        if (i == self->state.runs.end())
          return;
        auto& r = i->second;
        finish(self, r, done.state, std::move(done.output),
               std::move(done.reason), done.usage);
        // The pool reports each started turn exactly once.
        if (r.started)
          self->state.registry.turn_ended(r.status.session);
      },
      [self](session_snapshot& snapshot) {
        self->state.registry.snapshot_taken(snapshot);
      },
      [self](passivate_atom, std::uint64_t serial) {
        self->state.registry.timer_fired(serial);
      },
      [self](get_status& req) -> caf::result<run_status> {
        if (auto r = find_run(self, req.tenant, req.run))
          return r->status;
        return no_such_run(req.tenant, req.run);
      },
      [self](await_run& req) -> caf::result<run_status> {
        auto r = find_run(self, req.tenant, req.run);
        if (!r)
          return no_such_run(req.tenant, req.run);
        if (is_final(r->status.state))
          return r->status;
        auto promise = self->make_response_promise();
        r->waiters.push_back(promise);
        return promise;
      },
      [self](cancel_run& req) -> caf::result<run_status> {
        auto r = find_run(self, req.tenant, req.run);
        if (!r)
          return no_such_run(req.tenant, req.run);
        if (r->started)
          self->send(self->state.components.pools.at(r->status.agent),
                     cancel_turn{req.run, run_state::cancelled,
                                 "cancelled by tenant " + req.tenant});
        else
          finish(self, *r, run_state::cancelled, {},
                 "cancelled by tenant " + req.tenant, {});
        return r->status;
      },
      [self](subscribe_run& req) -> caf::result<run_status> {
        auto r = find_run(self, req.tenant, req.run);
        if (!r)
          return no_such_run(req.tenant, req.run);
        if (!is_final(r->status.state) && req.subscriber)
          r->subscribers.push_back(req.subscriber);
        return r->status;
      },
      [self](list_sessions& req) {
        session_list result;
        for (const auto& [id, s] : self->state.sessions) {
          if (s.tenant != req.tenant)
            continue;
          session_info info{id, s.agent, s.last_run, run_state::queued,
                            s.residency != session_residency::passivated};
          if (auto r = self->state.runs.find(s.last_run);
              r != self->state.runs.end())
            info.last_state = r->second.status.state;
          result.sessions.push_back(std::move(info));
        }
        std::sort(
            result.sessions.begin(), result.sessions.end(),
            [](const auto& x, const auto& y) { return x.session < y.session; });
        return result;
      },
      [self](drain_node&) -> caf::result<drain_report> {
        auto& st = self->state;
        auto promise = self->make_response_promise();
        st.drain_waiters.push_back(promise);
        if (!st.draining) {
          st.draining = true;
          self->delayed_send(self, st.options.drain_timeout,
                             drain_deadline_atom::value);
        }
        check_drained(self);
        return promise;
      },
      [self](drain_deadline_atom) {
        std::vector<run_id> unfinished;
        for (auto& [id, r] : self->state.runs)
          if (!is_final(r.status.state))
            unfinished.push_back(id);
        for (auto id : unfinished) {
          auto& r = self->state.runs.at(id);
          if (r.started)
            self->send(self->state.components.pools.at(r.status.agent),
                       cancel_turn{id, run_state::cancelled,
                                   "cancelled by the node's drain timeout"});
          else
            finish(self, r, run_state::cancelled, {},
                   "cancelled by the node's drain timeout", {});
        }
      },
  };
}

} // namespace warden
