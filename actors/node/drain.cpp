// A drain: new work refused, answered once every run is final (and its
// final record durable, unless storage refuses writes); past the drain's
// time, every unfinished run is cancelled. Private to the node actor.

#include <algorithm>
#include <cstdint>
#include <limits>

#include <caf/all.hpp>

#include "actors/node/detail/requests.hpp"

namespace warden::detail {

void check_drained(node_ptr self) {
  auto& st = self->state;
  if (!st.drain.active || st.drain.waiters.empty())
    return;
  // A final record still being written keeps the drain waiting, unless
  // storage refuses writes (the run resumes after the restart then).
  auto busy = std::any_of(st.runs.begin(), st.runs.end(), [&](const auto& kv) {
    auto phase = kv.second.phase;
    return phase != run_phase::final &&
           (phase != run_phase::finishing || st.storage_writable);
  });
  if (busy)
    return;
  for (auto& waiter : st.drain.waiters)
    waiter.deliver(st.drain.report);
  st.drain.waiters.clear();
}

node_readiness on_get_readiness(node_ptr self) {
  const auto& st = self->state;
  node_readiness result;
  result.draining = st.drain.active;
  result.writable = st.storage_writable;
  auto waiting =
      st.resume.backlog.size() + st.resume.parked.size() + st.runs.resuming();
  result.resuming = static_cast<std::uint32_t>(std::min<std::size_t>(
      waiting, std::numeric_limits<std::uint32_t>::max()));
  return result;
}

caf::result<node_counts> on_get_node_counts(node_ptr self) {
  const auto& st = self->state;
  node_counts result;
  result.resident_sessions = st.registry.resident();
  for (const auto& [id, r] : st.runs)
    if (r.phase != run_phase::final)
      ++result.open_runs;
  if (!st.components.admission)
    return result;
  // The leases are admission's: ask it, answering without them if it is slow.
  auto promise = self->make_response_promise();
  self->request(st.components.admission, std::chrono::seconds{1},
                get_lease_counts{})
      .then(
          [promise, result](const lease_counts& leases) mutable {
            result.lease_homes = leases.homes;
            result.leased_out = leases.leased_out;
            result.leases_held = leases.held;
            promise.deliver(result);
          },
          [promise, result](caf::error&) mutable { promise.deliver(result); });
  return promise;
}

caf::result<drain_report> on_drain(node_ptr self) {
  auto& st = self->state;
  auto promise = self->make_response_promise();
  st.drain.waiters.push_back(promise);
  if (!st.drain.active) {
    st.drain.active = true;
    self->delayed_send(self, st.options.drain_timeout,
                       drain_deadline_atom::value);
  }
  check_drained(self);
  return promise;
}

void on_drain_deadline(node_ptr self) {
  auto& st = self->state;
  std::vector<run_id> unfinished;
  for (const auto& [id, r] : st.runs)
    if (!r.ended())
      unfinished.push_back(id);
  const char* reason = "cancelled by the node's drain timeout";
  for (auto id : unfinished) {
    // Finishing one run may end others (its unadopted children).
    auto* r = st.runs.find(id);
    if (r == nullptr || r->ended())
      continue;
    if (r->phase == run_phase::running)
      self->send(st.components.pools.at(r->status.agent),
                 cancel_turn{id, run_state::cancelled, reason});
    else
      finish(self, *r, run_state::cancelled, {}, reason, {});
  }
}

} // namespace warden::detail
