#include "actors/admission/agent_pool.hpp"

#include <algorithm>
#include <utility>

#include <caf/all.hpp>

namespace warden {

agent_pool_metrics make_agent_pool_metrics(prometheus::Registry& registry,
                                           const std::string& agent) {
  agent_pool_metrics result;
  result.permits_in_use =
      &prometheus::BuildGauge()
           .Name("warden_agent_permits_in_use")
           .Help("Turns of the agent running (pool permits held).")
           .Register(registry)
           .Add({{"agent", agent}});
  result.queue_length =
      &prometheus::BuildGauge()
           .Name("warden_agent_queue_length")
           .Help("Turns of the agent waiting for a pool permit.")
           .Register(registry)
           .Add({{"agent", agent}});
  return result;
}

agent_pool_state::agent_pool_state(caf::event_based_actor* self)
    : self_(self) {}

void agent_pool_state::init(agent_pool_config cfg) {
  cfg_ = std::move(cfg);
  pool_.emplace(cfg_.max_concurrency);
  self_->set_down_handler([this](caf::down_msg& msg) { session_down(msg); });
}

caf::behavior agent_pool_state::make_behavior() {
  return {
      [this](start_turn& msg) { start(msg); },
      [this](turn_finished& msg) { finished(msg); },
      [this](cancel_turn& msg) { cancel(msg); },
      [this](turn_deadline_atom, std::uint64_t serial) { expire(serial); },
  };
}

void agent_pool_state::start(start_turn& msg) {
  auto run = msg.turn.run;
  if (running_.count(run) > 0 || queued_.count(run) > 0)
    return; // the owner repeated itself: the first start_turn stands
  if (!msg.session) {
    report({run,
            msg.turn.session,
            run_state::failed,
            {},
            "agent `" + cfg_.agent + "` got a turn without a session",
            {}});
    return;
  }
  if (auto permit = pool_->try_acquire()) {
    launch(std::move(msg), std::move(permit));
  } else {
    order_.push_back(run);
    queued_.emplace(run, std::move(msg));
  }
  update_gauges();
}

void agent_pool_state::launch(start_turn msg, policies::permit permit) {
  auto run = msg.turn.run;
  auto [entry, fresh] = sessions_.try_emplace(msg.session.address());
  if (fresh)
    self_->monitor(msg.session);
  entry->second.push_back(run);
  auto deadline = caf::actor_clock::time_point::max();
  if (cfg_.turn_timeout > caf::timespan::zero()) {
    deadline = self_->clock().now() + cfg_.turn_timeout;
    msg.turn.deadline_watched = true;
    watch(run, deadline);
  }
  running_.emplace(run, running_turn{msg.session, msg.turn.session,
                                     std::move(permit), deadline});
  self_->send(msg.session, run_turn{std::move(msg.turn)});
}

void agent_pool_state::finished(turn_finished& msg) {
  auto i = running_.find(msg.run);
  if (i == running_.end())
    return; // already reported (its session died first)
  auto session = i->second.handle.address();
  deadlines_.erase({i->second.deadline, msg.run});
  running_.erase(i); // returns the permit
  forget(msg.run, session);
  report(std::move(msg));
  start_waiting();
  update_gauges();
}

void agent_pool_state::cancel(cancel_turn& msg) {
  if (auto i = queued_.find(msg.run); i != queued_.end()) {
    auto session = i->second.turn.session;
    queued_.erase(i);
    // Drop the ids of cancelled turns once they are most of the FIFO.
    if (order_.size() > 64 && order_.size() > 2 * queued_.size())
      order_.erase(std::remove_if(
                       order_.begin(), order_.end(),
                       [this](run_id run) { return queued_.count(run) == 0; }),
                   order_.end());
    report({msg.run, session, msg.state, {}, std::move(msg.reason), {}});
    update_gauges();
    return;
  }
  if (auto i = running_.find(msg.run); i != running_.end())
    self_->send(i->second.handle, std::move(msg));
}

void agent_pool_state::session_down(const caf::down_msg& msg) {
  auto i = sessions_.find(msg.source);
  if (i == sessions_.end())
    return; // demonitored after its last turn, or already handled
  auto runs = std::move(i->second);
  sessions_.erase(i);
  auto why = "the session running the turn of agent `" + cfg_.agent +
             "` stopped: " + self_->system().render(msg.reason);
  for (auto run : runs) {
    auto turn = running_.find(run);
    if (turn == running_.end())
      continue;
    auto session = turn->second.session;
    deadlines_.erase({turn->second.deadline, run});
    running_.erase(turn); // returns the permit
    report({run, session, run_state::failed, {}, why, {}});
  }
  start_waiting();
  update_gauges();
}

void agent_pool_state::start_waiting() {
  while (!order_.empty() && pool_->available() > 0) {
    auto run = order_.front();
    order_.pop_front();
    auto i = queued_.find(run);
    if (i == queued_.end())
      continue; // cancelled while waiting
    auto msg = std::move(i->second);
    queued_.erase(i);
    launch(std::move(msg), pool_->try_acquire());
  }
}

void agent_pool_state::forget(run_id run, const caf::actor_addr& session) {
  auto i = sessions_.find(session);
  if (i == sessions_.end())
    return;
  auto& runs = i->second;
  if (auto j = std::find(runs.begin(), runs.end(), run); j != runs.end()) {
    *j = runs.back();
    runs.pop_back();
  }
  if (runs.empty()) {
    self_->demonitor(session);
    sessions_.erase(i);
  }
}

void agent_pool_state::report(turn_finished msg) {
  self_->send(cfg_.owner, std::move(msg));
}

void agent_pool_state::watch(run_id run,
                             caf::actor_clock::time_point deadline) {
  deadlines_.emplace(deadline, run);
  arm();
}

void agent_pool_state::arm() {
  if (deadlines_.empty())
    return;
  auto next = deadlines_.begin()->first;
  if (armed_ && *armed_ <= next)
    return; // the armed timer fires first and re-arms
  armed_ = next;
  auto delay = std::max(next - self_->clock().now(), caf::timespan::zero());
  self_->delayed_send(self_, delay, turn_deadline_atom::value, ++timer_serial_);
}

void agent_pool_state::expire(std::uint64_t serial) {
  if (serial != timer_serial_)
    return; // an earlier deadline re-armed the timer since
  armed_.reset();
  auto now = self_->clock().now();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    auto run = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    // The turn keeps its permit until its session answers timed_out (or
    // dies): the permit comes back with the turn's reservations.
    if (auto i = running_.find(run); i != running_.end())
      self_->send(i->second.handle,
                  cancel_turn{run, run_state::timed_out, std::string{}});
  }
  arm();
}

void agent_pool_state::update_gauges() {
  if (cfg_.metrics.permits_in_use != nullptr)
    cfg_.metrics.permits_in_use->Set(pool_->in_use());
  if (cfg_.metrics.queue_length != nullptr)
    cfg_.metrics.queue_length->Set(static_cast<double>(queued_.size()));
}

caf::actor spawn_agent_pool(caf::actor_system& sys, agent_pool_config cfg) {
  return sys.spawn(
      [](agent_pool_actor* self, agent_pool_config config) {
        self->state.init(std::move(config));
        return self->state.make_behavior();
      },
      std::move(cfg));
}

} // namespace warden
