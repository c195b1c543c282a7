// The node's answers to what clients ask of runs and sessions that exist:
// status, waiting for the end, cancelling, the session list (events:
// node/run_events.cpp).
// Private to the node actor.

#include <algorithm>

#include <caf/all.hpp>

#include "actors/node/detail/durability.hpp"
#include "actors/node/detail/requests.hpp"

namespace warden::detail {

caf::result<run_status> on_get_status(node_ptr self, const get_status& req) {
  if (auto err = sender_lost(self))
    return err;
  if (auto err = check_tenant(self, req.tenant))
    return err;
  if (auto r = find_run(self, req.tenant, req.run))
    return reported_status(self->state, *r);
  return stored_status(self, req.tenant, req.run);
}

caf::result<run_status> on_await_run(node_ptr self, const await_run& req) {
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
    serial = self->state.ids.next_waiter++;
    self->delayed_send(self, std::chrono::milliseconds{req.max_wait_ms},
                       wait_bound_atom::value, req.run, serial);
  }
  r->waiters.push_back({promise, serial});
  return promise;
}

void on_wait_bound(node_ptr self, run_id run, std::uint64_t serial) {
  // A run that ended meanwhile answered its waiters already.
  auto* r = self->state.runs.find(run);
  if (r == nullptr)
    return;
  auto& waiters = r->waiters;
  auto w = std::find_if(waiters.begin(), waiters.end(),
                        [&](const auto& x) { return x.serial == serial; });
  if (w == waiters.end())
    return;
  w->promise.deliver(reported_status(self->state, *r));
  waiters.erase(w);
}

caf::result<run_status> on_cancel_run(node_ptr self, const cancel_run& req) {
  if (auto err = sender_lost(self))
    return err;
  if (auto err = check_tenant(self, req.tenant))
    return err;
  auto r = find_run(self, req.tenant, req.run);
  if (!r) // stored runs are final: cancelling changes nothing
    return stored_status(self, req.tenant, req.run);
  cancel(self, *r, "cancelled by tenant " + req.tenant);
  return reported_status(self->state, *r);
}

caf::result<session_list> on_list_sessions(node_ptr self,
                                           const list_sessions& req) {
  if (auto err = check_tenant(self, req.tenant))
    return err;
  session_list result;
  for (const auto& [id, s] : self->state.registry.sessions()) {
    if (s.tenant != req.tenant)
      continue;
    session_info info{id, s.agent, s.last_run, s.last_state,
                      s.residency != session_residency::passivated};
    if (const auto* r = self->state.runs.find(s.last_run))
      info.last_state = reported_status(self->state, *r).state;
    result.sessions.push_back(std::move(info));
  }
  self->state.registry.visit_passivated(
      req.tenant, [&](session_id id, const session_snapshot& snapshot) {
        result.sessions.push_back({id, snapshot.agent,
                                   snapshot.counters.last_run,
                                   snapshot.counters.last_state, false});
      });
  auto& sessions = result.sessions;
  std::sort(sessions.begin(), sessions.end(),
            [](const auto& x, const auto& y) { return x.session < y.session; });
  // Every session is gathered before a page is cut: the cost of a page is
  // the tenant's session count (see actors/README.md).
  auto first = std::upper_bound(sessions.begin(), sessions.end(), req.after,
                                [](session_id after, const session_info& x) {
                                  return after < x.session;
                                });
  sessions.erase(sessions.begin(), first);
  if (req.limit != 0 && sessions.size() > req.limit) {
    sessions.resize(req.limit);
    result.next_after = sessions.back().session;
  }
  return result;
}

} // namespace warden::detail
