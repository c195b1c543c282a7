// Recovery: the node taking back the unfinished runs found in the store at
// start, a window at a time through admission. Private to the node actor;
// see actors/README.md, "Durability and resume".

#include <algorithm>

#include <caf/all.hpp>

#include "actors/detail/node_runs.hpp"
#include "actors/error.hpp"

namespace warden::detail {

/// Whether admission's refusal of a recovered run is only for now (a full
/// queue or a cap), so that the run can go back to the backlog.
bool refused_for_now(const admission_verdict& v) {
  auto code = static_cast<error_code>(v.code);
  return code == error_code::queue_full || code == error_code::cap_exceeded;
}

/// Sends recovered runs to admission while the window has room.
void feed_recovered(node_ptr self) {
  auto& st = self->state;
  while (!st.resume_backlog.empty() &&
         st.resuming < std::max<std::size_t>(st.options.resume_window, 1)) {
    auto id = st.resume_backlog.front();
    st.resume_backlog.pop_front();
    auto i = st.runs.find(id);
    if (i == st.runs.end() || is_final(i->second.status.state))
      continue;
    ++st.resuming;
    auto& r = i->second;
    r.resuming = true;
    self->send(st.components.admission,
               admit_run{id, r.status.tenant, r.priority, true});
  }
}

void recover(node_ptr self) {
  auto& st = self->state;
  auto& parts = st.components;
  st.next_run = std::max(st.next_run, parts.watermarks.run + 1);
  st.next_session = std::max(st.next_session, parts.watermarks.session + 1);
  auto recovered = std::move(parts.recovered);
  parts.recovered.clear();
  for (auto& s : recovered) {
    auto& r = st.runs[s.run];
    r.status = status_of(s);
    r.status.state = run_state::queued;
    r.status.reason = "resumed after a restart";
    r.priority = s.priority;
    r.input = std::move(s.input);
    r.idempotency_key = s.idempotency_key;
    r.durable = r.journaling = r.recovered = true;
    r.tree.parent = s.parent;
    r.tree.depth = s.depth;
    if (!r.idempotency_key.empty())
      st.idempotency.emplace(idempotency_slot(s.tenant, s.idempotency_key),
                             s.run);
    // A session passivated before the restart keeps its history.
    auto* known = st.registry.known(s.session);
    auto& session = known ? *known : st.sessions[s.session];
    session.tenant = s.tenant;
    session.agent = s.agent;
    session.last_run = std::max(session.last_run, s.run);
    if (s.parent != 0) {
      // A child resumes through its parent: the parent's spawn call has no
      // recorded result, so its replay starts a new child.
      finish(self, r, run_state::cancelled, {},
             "interrupted by a restart; the parent run starts its child again",
             {}, false);
      continue;
    }
    if (parts.agents.count(s.agent) == 0) {
      finish(self, r, run_state::failed, {},
             "not resumed: agent `" + s.agent + "` is no longer configured", {},
             false);
      continue;
    }
    st.resume_backlog.push_back(s.run);
  }
  feed_recovered(self);
}

} // namespace warden::detail
