#include "actors/node/node.hpp"

#include <algorithm>
#include <string>
#include <string_view>

#include <caf/all.hpp>

#include "actors/node/children.hpp"
#include "actors/node/detail/durability.hpp"
#include "actors/node/detail/handoff.hpp"
#include "actors/node/detail/migration.hpp"
#include "actors/node/detail/requests.hpp"
#include "actors/protocol/error.hpp"

namespace warden {

using namespace detail;

namespace {

/// Answers a request about run `req.run` here, or passes it to the member
/// holding the run's session while it is on its way to this node (the
/// holder answers the client).
template <class Request, class Handler>
auto answer_run(node_ptr self, Request& req, Handler handler)
    -> decltype(handler(self, req)) {
  if (auto holder = holder_of_unknown_run(self, req.run)) {
    auto promise = self->make_response_promise();
    promise.delegate(holder, std::move(req));
    return promise;
  }
  return handler(self, req);
}

/// The actor that keeps cluster-wide limit `limit`: admission for a
/// tenant's cap ("tenant:<name>"), a provider for its rates
/// ("provider:<name>:requests" or ":tokens"), a tool runner for its
/// ("tool:<name>:requests"); null for anything else.
caf::actor lease_party_of(const node_components& parts,
                          const std::string& limit) {
  // A tenant's in-flight cap ("tenant:") and its daily tokens ("tokens:").
  if (limit.rfind("tenant:", 0) == 0 || limit.rfind("tokens:", 0) == 0)
    return parts.admission;
  auto by_name = [&](std::string_view prefix,
                     const std::map<std::string, caf::actor>& actors) {
    auto last = limit.rfind(':');
    if (limit.compare(0, prefix.size(), prefix) != 0 || last <= prefix.size())
      return caf::actor{};
    auto i = actors.find(limit.substr(prefix.size(), last - prefix.size()));
    return i != actors.end() ? i->second : caf::actor{};
  };
  if (auto to = by_name("provider:", parts.providers))
    return to;
  return by_name("tool:", parts.tool_runners);
}

} // namespace

caf::behavior node_actor(caf::stateful_actor<node_state>* self,
                         node_components components, node_options options) {
  self->state.components = std::move(components);
  self->state.options = std::move(options);
  self->state.ids.member = self->state.options.member;
  auto& parts = self->state.components;
  if (!parts.time) {
    auto time = std::make_shared<actor_clock_source>(self->system());
    time->set_unix_ms(policies::system_unix_ms());
    parts.time = std::move(time);
  }
  for (const auto& [name, agent] : parts.agents)
    if (parts.pools.count(name) == 0 && parts.spawn_pool)
      parts.pools[name] = parts.spawn_pool(self, *agent);
  // Stopping the node stops what it spawned: sessions first, then pools.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    for (auto& kv : self->state.registry.sessions())
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
      [self](submit_run& req) { return on_submit_run(self, req); },
      [self](send_turn& req) { return on_send_turn(self, req); },
      [self](admission_verdict& verdict) { on_verdict(self, verdict); },
      [self](spawn_child& msg) { return on_spawn_child(self, msg); },
      [self](admit_child& msg) { on_admit_child(self, msg); },
      [self](cancel_turn& msg) {
        if (auto r = on_cancel_child(self, msg))
          finish(self, *r, msg.state, {}, std::move(msg.reason), {});
      },
      [self](journal_ack& ack) { on_journal_ack(self, ack); },
      [self](const storage_state& msg) { on_storage_state(self, msg); },
      [self](final_retry_atom) { retry_finals(self); },
      [self](turn_finished& done) { on_turn_finished(self, done); },
      [self](turn_step& msg) { on_turn_step(self, msg); },
      [self](const run_delta& msg) { on_run_delta(self, msg); },
      [self](session_snapshot& snapshot) {
        on_export_snapshot(self, snapshot);
        self->state.registry.snapshot_taken(snapshot);
      },
      [self](const export_session& req) {
        return on_export_session(self, req);
      },
      [self](import_session& req) { return on_import_session(self, req); },
      [self](open_session& req) { return on_open_session(self, req); },
      [self](passivate_atom, std::uint64_t serial) {
        self->state.registry.timer_fired(serial);
      },
      [self](expire_atom) { self->state.registry.expire_idle(); },
      [self](get_status& req) { return answer_run(self, req, on_get_status); },
      [self](await_run& req) { return answer_run(self, req, on_await_run); },
      [self](wait_bound_atom, run_id run, std::uint64_t serial) {
        on_wait_bound(self, run, serial);
      },
      [self](cancel_run& req) { return answer_run(self, req, on_cancel_run); },
      [self](subscribe_run& req) {
        return answer_run(self, req, on_subscribe_run);
      },
      [self](list_sessions& req) { return on_list_sessions(self, req); },
      [self](drain_node&) { return on_drain(self); },
      [self](get_readiness) { return on_get_readiness(self); },
      [self](get_node_counts) { return on_get_node_counts(self); },
      // A single node: a cluster's router answers this itself.
      [](get_cluster) { return cluster_report{}; },
      [self](const pause_tenant& req) { return on_pause_tenant(self, req); },
      [self](drain_deadline_atom) { on_drain_deadline(self); },
      // As a member of a cluster.
      [self](slot_table& table) { on_slot_table(self, table); },
      [self](list_foreign) { return on_list_foreign(self); },
      [self](const handoff_session& req) {
        return on_handoff_session(self, req);
      },
      [self](const handoff_done& req) { return on_handoff_done(self, req); },
      // A limit across the cluster: a tenant's cap goes to admission, a
      // provider's or a tool's rates to its actor; each drops what does not
      // come from a member.
      [self](lease_ask& msg) {
        if (auto to = lease_party_of(self->state.components, msg.limit))
          self->delegate(to, std::move(msg));
      },
      [self](lease_return& msg) {
        if (auto to = lease_party_of(self->state.components, msg.limit))
          self->delegate(to, std::move(msg));
      },
  };
}

} // namespace warden
