#include "actors/node/children.hpp"

#include <utility>

#include <caf/all.hpp>

#include "actors/admission/supervisor.hpp"
#include "actors/node/detail/runs.hpp"

namespace warden {

namespace {

child_finished refusal(run_id run, const std::string& agent,
                       std::string reason) {
  return {run, agent, run_state::failed, true, {}, std::move(reason), {}};
}

/// The supervisor of the tree `r` belongs to; null when it has none (or
/// it stopped).
caf::actor supervisor_of(node_actor_ptr self, const run_record& r) {
  if (r.tree.is_child())
    return caf::actor_cast<caf::actor>(r.tree.supervisor);
  auto& supervisors = self->state.trees.supervisors;
  auto i = supervisors.find(r.status.run);
  return i == supervisors.end() ? nullptr : i->second;
}

/// Adds `usage` of a final child to its parent `id`: to the parent's
/// pending children usage while it runs, else to its final usage and on up
/// (a child that ends after its parent still counts for every ancestor).
void add_to_ancestors(node_actor_ptr self, run_id id,
                      const usage_totals& usage) {
  auto& runs = self->state.runs;
  while (id != 0) {
    auto* found = runs.find(id);
    if (found == nullptr)
      return;
    auto& r = *found;
    if (!r.ended()) {
      r.tree.children_usage += usage;
      return;
    }
    r.status.usage += usage;
    id = r.tree.parent;
  }
}

/// Takes the recovered child `r` into the tree the supervisor at
/// `supervisor` allowed it in, and sends it to admission; its turn replays
/// its journal (it keeps its run id, session and input).
void adopt_child(node_actor_ptr self, run_record& r, const spawn_child& spawn,
                 const caf::actor_addr& supervisor, std::uint8_t priority) {
  if (r.ended()) {
    // Ended while the supervisor decided (a drain): the call gets that.
    const auto& s = r.status;
    self->send(caf::actor_cast<caf::actor>(supervisor),
               child_finished{s.run, s.agent, s.state, false, s.output,
                              s.reason, s.usage});
    return;
  }
  r.tree.root = spawn.root;
  r.tree.depth = spawn.depth;
  r.tree.grant = spawn.grant;
  r.tree.supervisor = supervisor;
  r.priority = priority;
  r.status.reason = "resumed after a restart by its parent run " +
                    std::to_string(spawn.parent);
  // Accepted before the restart: the daily budget does not refuse it; part
  // of an admitted tree: it waits ahead of new runs.
  self->state.runs.advance(r, run_phase::resuming);
  self->send(self->state.components.admission,
             admit_run{r.status.run, r.status.tenant, priority, true, true});
}

} // namespace

bool counted_by_ancestor(node_actor_ptr self, const run_record& r) {
  // The walk of add_to_ancestors, without adding.
  const auto& runs = self->state.runs;
  for (auto id = r.tree.parent; id != 0;) {
    const auto* above = runs.find(id);
    if (above == nullptr)
      return false;
    if (!above->ended())
      return true;
    id = above->tree.parent;
  }
  return false;
}

caf::result<caf::message> on_spawn_child(node_actor_ptr self,
                                         spawn_child& msg) {
  auto& st = self->state;
  auto refuse = [&](const std::string& why) {
    auto promise = self->make_response_promise();
    promise.deliver(refusal(0, msg.agent, "spawn refused: " + why));
    return promise;
  };
  const auto* parent = st.runs.find(msg.parent);
  if (parent == nullptr || parent->ended())
    return refuse("the parent run " + std::to_string(msg.parent) +
                  " is not running");
  if (st.components.cancels && st.components.cancels->cancelled(msg.parent))
    return refuse("the parent run " + std::to_string(msg.parent) +
                  " was cancelled");
  const auto& link = parent->tree;
  auto root_id = link.is_child() ? link.root : msg.parent;
  const auto* root = st.runs.find(root_id);
  if (root == nullptr || root->ended())
    return refuse("the root run " + std::to_string(root_id) + " has ended");
  if (st.components.agents.count(msg.agent) == 0)
    return refuse("unknown agent `" + msg.agent + "`");
  msg.root = root_id;
  msg.depth = link.depth + 1;
  msg.child = 0;
  if (msg.resumed) {
    // A call the parent made before a restart: its child answers it.
    if (auto adopted = detail::take_adoptable(self, msg)) {
      msg.child = *adopted;
    } else if (auto done = detail::stored_child(self, msg)) {
      if (!done->refused) // its usage was the parent's before the restart
        add_to_ancestors(self, msg.parent, done->usage);
      auto promise = self->make_response_promise();
      promise.deliver(std::move(*done));
      return promise;
    }
  }
  if (msg.child == 0)
    msg.child = st.ids.new_run(policies::slot_of(root_id));
  auto& supervisor = st.trees.supervisors[root_id];
  if (!supervisor) {
    const auto& agent = root->status.agent;
    supervisor_config cfg{root_id, agent,
                          st.components.agents.at(agent)->settings.fanout,
                          caf::actor_cast<caf::actor>(self)};
    supervisor = spawn_supervisor(self, std::move(cfg));
  }
  return self->delegate(supervisor, std::move(msg));
}

void on_admit_child(node_actor_ptr self, admit_child& msg) {
  auto& st = self->state;
  auto& spawn = msg.spawn;
  const auto* parent = st.runs.find(spawn.parent);
  const auto* root = st.runs.find(spawn.root);
  auto cancelled =
      st.components.cancels && st.components.cancels->cancelled(spawn.parent);
  if (parent == nullptr || parent->ended() || root == nullptr ||
      root->ended() || cancelled) {
    self->send(caf::actor_cast<caf::actor>(self->current_sender()),
               refusal(spawn.child, spawn.agent,
                       "spawn refused: the parent run " +
                           std::to_string(spawn.parent) +
                           (cancelled ? " was cancelled" : " ended") +
                           " before the child started"));
    return;
  }
  auto tenant = root->status.tenant;
  auto priority = root->priority;
  auto supervisor = caf::actor_cast<caf::actor_addr>(self->current_sender());
  if (auto* existing = st.runs.find(spawn.child)) {
    adopt_child(self, *existing, spawn, supervisor, priority);
    return;
  }
  // A tree stays on its root's node: the child's session takes its slot.
  auto session = st.ids.new_session(policies::slot_of(spawn.root));
  auto& record = st.registry.sessions()[session];
  record = session_record{tenant, spawn.agent, nullptr, 0};
  record.open_runs.push_back(spawn.child);
  auto& r = st.runs.add(spawn.child, run_origin::spawned, run_phase::submitted);
  r.status.session = session;
  r.status.tenant = tenant;
  r.status.agent = spawn.agent;
  r.priority = priority;
  r.input = std::move(spawn.input);
  r.tree = run_tree_link{spawn.root, spawn.parent, spawn.depth,    spawn.grant,
                         supervisor, {},           spawn.call_key, {}};
  if (auto& m = st.components.metrics)
    m->count_submitted();
  // Part of a tree already accepted: the daily budget does not refuse it,
  // and it waits ahead of new runs (finish what was started first).
  self->send(st.components.admission,
             admit_run{spawn.child, tenant, priority, true, true});
}

run_record* on_cancel_child(node_actor_ptr self, cancel_turn& msg) {
  auto* r = self->state.runs.find(msg.run);
  if (r == nullptr || r->ended())
    return nullptr;
  if (r->phase != run_phase::running)
    return r;
  self->send(self->state.components.pools.at(r->status.agent), std::move(msg));
  return nullptr;
}

void prepare_tree_turn(node_actor_ptr self, const run_record& r,
                       turn_input& turn) {
  turn.spawner = self->address();
  if (!r.tree.is_child())
    return;
  turn.depth = r.tree.depth;
  turn.grant = r.tree.grant;
}

void on_tree_run_final(node_actor_ptr self, run_record& r) {
  r.status.usage += r.tree.children_usage;
  r.tree.children_usage = {};
  if (r.tree.is_child())
    add_to_ancestors(self, r.tree.parent, r.status.usage);
  auto supervisor = supervisor_of(self, r);
  if (!supervisor)
    return;
  const auto& s = r.status;
  self->send(supervisor, child_finished{s.run, s.agent, s.state, false,
                                        s.output, s.reason, s.usage});
  if (!r.tree.is_child()) // the root ended: no more spawns in this tree
    self->state.trees.supervisors.erase(s.run);
}

void on_tree_run_refused(node_actor_ptr self, const run_record& r,
                         const std::string& reason) {
  if (!r.tree.is_child())
    return;
  if (auto supervisor = supervisor_of(self, r))
    self->send(supervisor, refusal(r.status.run, r.status.agent,
                                   "spawn refused by admission: " + reason));
}

} // namespace warden
