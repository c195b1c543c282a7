#include "actors/node.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/detail/node_durability.hpp"
#include "actors/detail/node_migration.hpp"
#include "actors/detail/node_runs.hpp"
#include "actors/error.hpp"
#include "actors/node_children.hpp"

namespace warden {

namespace {

using drain_deadline_atom = caf::atom_constant<caf::atom("drain_dl")>;
using wait_bound_atom = caf::atom_constant<caf::atom("wait_bound")>;

} // namespace

using namespace detail;

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
  // New work is refused while the journal's store refuses writes.
  if (parts.journal)
    self->send(parts.journal, watch_storage{});
  recover(self);
  self->set_down_handler([self](caf::down_msg& down) {
    on_export_source_down(self, down);
    self->state.registry.session_down(down);
  });
  // Sessions refusing a snapshot answer with an error message; any other
  // error message still stops the node, as CAF's default does.
  self->set_error_handler([self](caf::error& err) {
    auto for_export = on_export_refused(self, err);
    if (!self->state.registry.snapshot_refused(err) && !for_export)
      caf::scheduled_actor::default_error_handler(self, err);
  });
  return {
      [self](submit_run& req) -> caf::result<run_ack> {
        if (auto err = sender_lost(self))
          return err;
        auto& st = self->state;
        if (auto err =
                check_request(self, req.tenant, req.input, req.idempotency_key))
          return refused(self, std::move(err));
        if (auto err =
                check_name("agent", req.agent, st.options.max_name_bytes, true))
          return refused(self, std::move(err));
        if (st.components.agents.count(req.agent) == 0)
          return refused(self, make_error(error_code::invalid_argument,
                                          "unknown agent `" + req.agent + "`"));
        auto priority = resolve_priority(self, req.priority);
        if (!priority)
          return refused(self, std::move(priority.error()));
        if (auto known =
                answer_known_key(self, req.tenant, req.idempotency_key))
          return std::move(*known);
        auto session = st.next_session++;
        st.sessions[session] =
            session_record{req.tenant, req.agent, nullptr, 0};
        return accept(self, req.tenant, req.agent, session,
                      std::move(req.input), *priority, req.idempotency_key);
      },
      [self](send_turn& req) -> caf::result<run_ack> {
        if (auto err = sender_lost(self))
          return err;
        auto& st = self->state;
        if (auto err =
                check_request(self, req.tenant, req.input, req.idempotency_key))
          return refused(self, std::move(err));
        auto* s = st.registry.known(req.session);
        if (s == nullptr || s->tenant != req.tenant)
          return make_error(error_code::not_found,
                            "no session " + std::to_string(req.session) +
                                " for tenant " + req.tenant);
        auto priority = resolve_priority(self, req.priority);
        if (!priority)
          return refused(self, std::move(priority.error()));
        auto policy = busy_policy_of(self, *s, req.on_busy);
        if (!policy)
          return refused(self, std::move(policy.error()));
        // A retry of a turn already accepted answers that turn, busy or not.
        if (auto known =
                answer_known_key(self, req.tenant, req.idempotency_key))
          return std::move(*known);
        if (auto err = make_room(self, req.session, *policy))
          return refused(self, std::move(err));
        return accept(self, req.tenant, s->agent, req.session,
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
        if (!on_final_ack(self, ack) && !on_import_durable(self, ack))
          on_accept_ack(self, ack);
      },
      [self](const storage_state& msg) {
        auto& st = self->state;
        st.storage_writable = msg.writable;
        if (msg.writable && !st.finals_to_retry.empty())
          retry_finals(self);
        check_drained(self);
      },
      [self](final_retry_atom) { retry_finals(self); },
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
        on_export_snapshot(self, snapshot);
        self->state.registry.snapshot_taken(snapshot);
      },
      [self](const export_session& req) {
        return on_export_session(self, req);
      },
      [self](import_session& req) { return on_import_session(self, req); },
      [self](passivate_atom, std::uint64_t serial) {
        self->state.registry.timer_fired(serial);
      },
      [self](expire_atom) { self->state.registry.expire_idle(); },
      [self](get_status& req) -> caf::result<run_status> {
        if (auto err = sender_lost(self))
          return err;
        if (auto err = check_tenant(self, req.tenant))
          return err;
        if (auto r = find_run(self, req.tenant, req.run))
          return reported_status(self->state, *r);
        return stored_status(self, req.tenant, req.run);
      },
      [self](await_run& req) -> caf::result<run_status> {
        if (auto err = sender_lost(self))
          return err;
        if (auto err = check_tenant(self, req.tenant))
          return err;
        auto r = find_run(self, req.tenant, req.run);
        if (!r)
          return stored_status(self, req.tenant, req.run);
        if (reported_final(*r))
          return r->status;
        auto promise = self->make_response_promise();
        std::uint64_t serial = 0;
        if (req.max_wait_ms > 0) {
          serial = self->state.next_waiter++;
          self->delayed_send(self, std::chrono::milliseconds{req.max_wait_ms},
                             wait_bound_atom::value, req.run, serial);
        }
        r->waiters.push_back({promise, serial});
        return promise;
      },
      [self](wait_bound_atom, run_id run, std::uint64_t serial) {
        // A run that ended meanwhile answered its waiters already.
        auto i = self->state.runs.find(run);
        if (i == self->state.runs.end())
          return;
        auto& waiters = i->second.waiters;
        auto w =
            std::find_if(waiters.begin(), waiters.end(),
                         [&](const auto& x) { return x.serial == serial; });
        if (w == waiters.end())
          return;
        w->promise.deliver(reported_status(self->state, i->second));
        waiters.erase(w);
      },
      [self](cancel_run& req) -> caf::result<run_status> {
        if (auto err = sender_lost(self))
          return err;
        if (auto err = check_tenant(self, req.tenant))
          return err;
        auto r = find_run(self, req.tenant, req.run);
        if (!r) // stored runs are final: cancelling changes nothing
          return stored_status(self, req.tenant, req.run);
        cancel(self, *r, "cancelled by tenant " + req.tenant);
        return reported_status(self->state, *r);
      },
      [self](subscribe_run& req) -> caf::result<run_status> {
        if (auto err = check_tenant(self, req.tenant))
          return err;
        auto r = find_run(self, req.tenant, req.run);
        if (!r)
          return stored_status(self, req.tenant, req.run);
        if (!reported_final(*r) && req.subscriber)
          r->subscribers.push_back(req.subscriber);
        return reported_status(self->state, *r);
      },
      [self](list_sessions& req) -> caf::result<session_list> {
        if (auto err = check_tenant(self, req.tenant))
          return err;
        session_list result;
        for (const auto& [id, s] : self->state.sessions) {
          if (s.tenant != req.tenant)
            continue;
          session_info info{id, s.agent, s.last_run, s.last_state,
                            s.residency != session_residency::passivated};
          if (auto r = self->state.runs.find(s.last_run);
              r != self->state.runs.end())
            info.last_state = reported_status(self->state, r->second).state;
          result.sessions.push_back(std::move(info));
        }
        self->state.registry.visit_passivated(
            req.tenant, [&](session_id id, const session_snapshot& snapshot) {
              result.sessions.push_back({id, snapshot.agent,
                                         snapshot.counters.last_run,
                                         snapshot.counters.last_state, false});
            });
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
