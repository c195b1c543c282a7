// Recovery: the node taking back the unfinished runs found in the store at
// start, a window at a time through admission. Private to the node actor;
// see actors/README.md, "Durability and resume".

#include <algorithm>

#include <caf/all.hpp>

#include "actors/node/detail/runs.hpp"
#include "actors/protocol/error.hpp"
#include "actors/session/detail/replay.hpp"

namespace warden::detail {

/// Whether admission's refusal of a recovered run is only for now (a full
/// queue or a cap), so that the run can go back to the backlog.
bool refused_for_now(const admission_verdict& v) {
  auto code = warden_code(v.refusal);
  return code == error_code::queue_full || code == error_code::cap_exceeded;
}

/// Sends recovered runs to admission while the window has room.
void feed_recovered(node_ptr self) {
  auto& st = self->state;
  auto window = std::max<std::size_t>(st.options.resume_window, 1);
  while (!st.resume.backlog.empty() && st.runs.resuming() < window) {
    auto id = st.resume.backlog.front();
    st.resume.backlog.pop_front();
    auto* found = st.runs.find(id);
    if (found == nullptr || found->phase != run_phase::recovered)
      continue;
    auto& r = *found;
    st.runs.advance(r, run_phase::resuming);
    // Accepted before the restart: admission restored its reservation at
    // spawn (admission_actor_config::reservations).
    self->send(st.components.admission,
               admit_run{id, r.status.tenant, r.priority, true});
  }
}

namespace {

/// What the journal of `run` shows it used (nothing when it cannot be read:
/// the run's record then shows no usage, as before).
usage_totals usage_in_journal(node_ptr self, run_id run) {
  const auto& store = self->state.components.store;
  if (!store)
    return {};
  auto entries = store->entries_of(run);
  return entries ? journaled_usage(entries.value) : usage_totals{};
}

/// A recovered unfinished child waits for its parent's replayed spawn call
/// when the parent resumes too; otherwise nobody will ask for it again.
void recover_child(node_ptr self, run_record& r) {
  auto& st = self->state;
  auto* parent = st.runs.find(r.tree.parent);
  std::string why;
  if (parent == nullptr || parent->ended())
    why = "its parent run " + std::to_string(r.tree.parent) +
          " is not running after the restart";
  else if (r.tree.call_key.empty())
    why = "its record names no spawn call";
  if (why.empty()) {
    parent->tree.recovered_children.push_back(r.status.run);
    st.trees.adoptable[r.tree.call_key] = r.status.run;
    return;
  }
  finish(self, r, run_state::cancelled, {}, "not resumed: " + why,
         usage_in_journal(self, r.status.run), false);
}

} // namespace

std::optional<run_id> take_adoptable(node_ptr self, const spawn_child& msg) {
  auto& st = self->state;
  auto i = st.trees.adoptable.find(msg.call_key);
  if (i == st.trees.adoptable.end())
    return std::nullopt;
  auto id = i->second;
  const auto* r = st.runs.find(id);
  if (r == nullptr || r->ended() || r->tree.parent != msg.parent ||
      r->status.agent != msg.agent)
    return std::nullopt; // another call than before: a new child
  st.trees.adoptable.erase(i);
  return id;
}

std::optional<child_finished> stored_child(node_ptr self,
                                           const spawn_child& msg) {
  const auto& store = self->state.components.store;
  if (!store || msg.call_key.empty())
    return std::nullopt;
  auto refusal = [&](const storage::storage_error& err) {
    return child_finished{
        0,
        msg.agent,
        run_state::failed,
        true,
        {},
        "spawn refused: the run store failed: " + err.to_string(),
        {}};
  };
  auto id = store->find_idempotent(std::string{storage::spawn_call_tenant},
                                   msg.call_key);
  if (!id)
    return refusal(*id.error);
  if (!id.value)
    return std::nullopt;
  auto found = store->find_run(*id.value);
  if (!found)
    return refusal(*found.error);
  if (!found.value || !found.value->final ||
      found.value->parent != msg.parent || found.value->agent != msg.agent)
    return std::nullopt;
  auto status = status_of(*found.value);
  return child_finished{status.run,    status.agent,  status.state, false,
                        status.output, status.reason, status.usage};
}

void end_unadopted_children(node_ptr self, run_record& r) {
  auto& st = self->state;
  auto children = std::move(r.tree.recovered_children);
  r.tree.recovered_children.clear();
  for (auto id : children) {
    auto* found = st.runs.find(id);
    if (found == nullptr)
      continue;
    auto& child = *found;
    // Adopted ones belong to the supervisor, which cancels them.
    if (child.ended() || child.tree.supervisor)
      continue;
    if (auto j = st.trees.adoptable.find(child.tree.call_key);
        j != st.trees.adoptable.end() && j->second == id)
      st.trees.adoptable.erase(j);
    finish(self, child, run_state::cancelled, {},
           "not resumed: its parent run " + std::to_string(r.status.run) +
               " ended after the restart without asking for it again",
           usage_in_journal(self, id), false);
  }
}

void recover(node_ptr self) {
  auto& st = self->state;
  auto& parts = st.components;
  st.ids.saw_run(parts.watermarks.run);
  st.ids.saw_session(parts.watermarks.session);
  auto recovered = std::move(parts.recovered);
  parts.recovered.clear();
  // Sized once: growing these tables run by run rehashes a million entries
  // again and again (seen in profiles of a restart with 1,000,000 runs).
  st.runs.reserve(st.runs.size() + recovered.size());
  st.registry.sessions().reserve(st.registry.sessions().size() +
                                 recovered.size());
  st.idempotency.reserve(st.idempotency.size() + recovered.size());
  for (auto& s : recovered) {
    auto& r = st.runs.add(s.run, run_origin::recovered, run_phase::recovered,
                          record_state::durable);
    r.status = status_of(s);
    r.status.state = run_state::queued;
    r.status.reason = "resumed after a restart";
    r.priority = s.priority;
    r.input = std::move(s.input);
    if (s.parent == 0)
      r.idempotency_key = s.idempotency_key;
    r.reserved_tokens = s.reserved_tokens;
    r.tree.parent = s.parent;
    r.tree.depth = s.depth;
    if (!r.idempotency_key.empty())
      st.idempotency.emplace(idempotency_slot(s.tenant, s.idempotency_key),
                             s.run);
    // A session passivated before the restart keeps its history.
    auto* known = st.registry.known(s.session);
    auto& session = known ? *known : st.registry.sessions()[s.session];
    session.tenant = s.tenant;
    session.agent = s.agent;
    session.last_run = std::max(session.last_run, s.run);
    session.open_runs.push_back(s.run);
    if (s.parent != 0) {
      r.tree.call_key = s.idempotency_key;
      recover_child(self, r);
      continue;
    }
    if (parts.agents.count(s.agent) == 0) {
      finish(self, r, run_state::failed, {},
             "not resumed: agent `" + s.agent + "` is no longer configured", {},
             false);
      continue;
    }
    st.resume.backlog.push_back(s.run);
  }
  feed_recovered(self);
}

} // namespace warden::detail
