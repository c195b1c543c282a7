// Cancelling: a run and its subtree marked on the cancel board before the
// cancel is answered, a started turn stopped through its pool; and a busy
// session meeting a second turn (send_turn.on_busy). Private to the node
// actor; see actors/README.md, "Cancel means stop".

#include <caf/all.hpp>

#include "actors/node/detail/durability.hpp"
#include "actors/node/detail/runs.hpp"
#include "actors/protocol/error.hpp"

namespace warden::detail {

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
    if (!other.tree.is_child() || other.ended())
      continue;
    for (auto up = other.tree.parent; up != 0;) {
      if (up == run) {
        board->cancel(id);
        break;
      }
      auto* above = st.runs.find(up);
      up = above != nullptr ? above->tree.parent : 0;
    }
  }
}

void cancel(node_ptr self, run_record& r, std::string reason) {
  if (r.ended())
    return;
  // Before the cancel is answered: from here on no call of the run or its
  // subtree starts, whatever is still on its way to the session.
  mark_cancelled(self, r);
  if (r.phase == run_phase::running)
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
  auto s = st.registry.sessions().find(session);
  if (policy == config::busy_policy::enqueue ||
      s == st.registry.sessions().end() || s->second.open_runs.empty())
    return {};
  auto open = s->second.open_runs; // a copy: finishing a run edits it
  if (policy == config::busy_policy::reject) {
    const auto* newest = st.runs.find(open.back());
    auto state = newest != nullptr
                     ? to_string(reported_status(st, *newest).state)
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
                std::to_string(st.ids.peek_run(policies::slot_of(session))) +
                ")";
  // Newest first: a turn waiting behind the running one learns of its
  // cancel before the running one ends and lets it come up.
  for (auto id = open.rbegin(); id != open.rend(); ++id)
    if (auto* r = st.runs.find(*id))
      cancel(self, *r, reason);
  return {};
}

} // namespace warden::detail
