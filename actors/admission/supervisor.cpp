#include "actors/admission/supervisor.hpp"

#include <utility>

#include <caf/all.hpp>

namespace warden {

policies::fanout_limits_config
make_fanout_limits_config(const config::fanout_settings& settings) {
  policies::fanout_limits_config result;
  result.max_depth = settings.max_depth;
  result.max_children = settings.max_children;
  result.max_descendants = settings.max_descendants;
  return result;
}

supervisor_state::supervisor_state(caf::event_based_actor* self)
    : self_(self), limits_({}, 0) {
  // nop
}

void supervisor_state::init(supervisor_config cfg) {
  cfg_ = std::move(cfg);
  limits_ = policies::fanout_limits{make_fanout_limits_config(cfg_.fanout),
                                    cfg_.root};
  self_->monitor(cfg_.node);
  self_->set_down_handler([this](caf::down_msg&) { stop("the node stopped"); });
}

caf::behavior supervisor_state::make_behavior() {
  return {
      [this](spawn_child& msg) -> caf::result<child_finished> {
        return spawn(msg);
      },
      [this](child_finished& msg) { finished(msg); },
      [this](child_deadline_atom, run_id run) { deadline(run); },
  };
}

caf::result<child_finished> supervisor_state::spawn(spawn_child& msg) {
  if (root_ended_)
    return child_finished{0,
                          msg.agent,
                          run_state::failed,
                          true,
                          {},
                          "spawn refused: the root run " +
                              std::to_string(cfg_.root) + " has ended",
                          {}};
  auto decision = limits_.spawn(msg.parent, msg.child);
  if (!decision.allowed())
    return child_finished{0,    msg.agent, run_state::failed,
                          true, {},        "spawn refused: " + decision.reason,
                          {}};
  // The tree, not the caller, knows how deep the child sits.
  msg.depth = limits_.depth(msg.child).value_or(msg.depth);
  auto promise = self_->make_response_promise<child_finished>();
  children_.emplace(msg.child,
                    child{msg.parent, msg.agent, msg.timeout_ms, promise});
  if (msg.timeout_ms > 0)
    self_->delayed_send(self_, std::chrono::milliseconds{msg.timeout_ms},
                        child_deadline_atom::value, msg.child);
  self_->send(cfg_.node, admit_child{std::move(msg)});
  return promise;
}

void supervisor_state::finished(child_finished& msg) {
  if (msg.run == cfg_.root) {
    root_finished(msg);
    return;
  }
  limits_.finish(msg.run);
  auto i = children_.find(msg.run);
  if (i == children_.end())
    return;
  auto promise = std::move(i->second.promise);
  children_.erase(i);
  // A child whose parent is gone is cancelled.
  cancel_subtree(msg.run, "its parent run " + std::to_string(msg.run) +
                              " ended " + to_string(msg.state));
  promise.deliver(std::move(msg));
  stop_when_done();
}

void supervisor_state::deadline(run_id run) {
  auto i = children_.find(run);
  if (i == children_.end())
    return; // final before its deadline
  self_->send(cfg_.node, cancel_turn{run, run_state::timed_out,
                                     "agent " + i->second.agent +
                                         " did not answer within " +
                                         std::to_string(i->second.timeout_ms) +
                                         " ms (the spawn tool's timeout)"});
}

void supervisor_state::root_finished(const child_finished& msg) {
  auto reason = "the root run " + std::to_string(cfg_.root) + " ended " +
                to_string(msg.state);
  root_ended_ = true;
  limits_.finish(cfg_.root);
  cancel_subtree(cfg_.root, reason);
  stop_when_done();
}

void supervisor_state::stop_when_done() {
  if (root_ended_ && children_.empty())
    self_->quit();
}

void supervisor_state::cancel_subtree(run_id run, const std::string& reason) {
  // Few live children (max_descendants bounds them): a pass per level.
  std::vector<run_id> frontier{run};
  std::vector<run_id> victims;
  while (!frontier.empty()) {
    std::vector<run_id> next;
    for (const auto& [id, c] : children_)
      for (auto parent : frontier)
        if (c.parent == parent)
          next.push_back(id);
    victims.insert(victims.end(), next.begin(), next.end());
    frontier = std::move(next);
  }
  for (auto victim : victims)
    self_->send(cfg_.node, cancel_turn{victim, run_state::cancelled,
                                       "cancelled because " + reason});
}

void supervisor_state::stop(const std::string& reason) {
  for (auto& [id, c] : children_)
    c.promise.deliver(child_finished{id,
                                     c.agent,
                                     run_state::cancelled,
                                     false,
                                     {},
                                     "cancelled because " + reason,
                                     {}});
  children_.clear();
  self_->quit();
}

caf::actor spawn_supervisor(caf::event_based_actor* owner,
                            supervisor_config cfg) {
  return owner->spawn(
      [](supervisor_actor_type* self, supervisor_config config) {
        self->state.init(std::move(config));
        return self->state.make_behavior();
      },
      std::move(cfg));
}

} // namespace warden
