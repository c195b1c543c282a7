// A run's events: recording them (lifecycle from the node, steps from the
// session's turn), handing them to subscribers, and keeping those of runs
// that ended. Private to the node actor, but for ended_events.

#include "actors/node/run_events.hpp"

#include <string_view>

#include <caf/all.hpp>

#include "actors/node/detail/durability.hpp"
#include "actors/node/detail/requests.hpp"
#include "actors/node/detail/runs.hpp"

namespace warden {

void ended_events::keep(run_id run, std::string tenant,
                        std::vector<run_event> events) {
  if (events.empty() || entries_.count(run) > 0)
    return;
  held_ += events.size();
  entries_.emplace(run, entry{std::move(tenant), std::move(events)});
  order_.push_back(run);
  while (held_ > capacity_ && order_.size() > 1) {
    auto oldest = entries_.find(order_.front());
    held_ -= oldest->second.events.size();
    entries_.erase(oldest);
    order_.pop_front();
  }
}

const std::vector<run_event>*
ended_events::find(run_id run, const std::string& tenant) const {
  auto i = entries_.find(run);
  if (i == entries_.end() || i->second.tenant != tenant)
    return nullptr;
  return &i->second.events;
}

} // namespace warden

namespace warden::detail {

void emit(node_ptr self, run_record& r, const char* kind, std::string detail,
          run_step step) {
  auto& history = r.history;
  // Past the bound only the final event is kept: it ends every stream.
  if (history.size() >= max_run_events && std::string_view{kind} != "final")
    return;
  if (history.empty())
    history.reserve(4); // the lifecycle; steps reserve their own room
  history.push_back({r.status.run, history.size() + 1, r.status.state, kind,
                     std::move(detail), std::move(step)});
  for (const auto& subscriber : r.subscribers)
    self->send(subscriber, history.back());
}

namespace {

void apply_step(node_ptr self, run_record& r, run_step step) {
  ++r.steps_seen;
  auto kind = to_string(step.kind);
  emit(self, r, kind, {}, std::move(step));
}

/// Sends `subscriber` the events of `events` after `after`; the seq of the
/// last of `events` (0: none).
std::uint64_t send_held(node_ptr self, const caf::actor& subscriber,
                        const std::vector<run_event>& events,
                        std::uint64_t after) {
  if (subscriber)
    for (const auto& event : events)
      if (event.seq > after)
        self->send(subscriber, event);
  return events.empty() ? 0 : events.back().seq;
}

} // namespace

void on_turn_step(node_ptr self, turn_step& msg) {
  auto* r = self->state.runs.find(msg.run);
  // In order, once each: the steps a watch sends first may repeat some.
  if (r == nullptr || r->ended() || msg.index != r->steps_seen + 1)
    return;
  apply_step(self, *r, std::move(msg.step));
}

void on_run_delta(node_ptr self, const run_delta& msg) {
  auto* r = self->state.runs.find(msg.run);
  if (r == nullptr || r->ended())
    return;
  for (const auto& subscriber : r->delta_subscribers)
    self->send(subscriber, msg);
}

void record_turn_steps(node_ptr self, run_record& r, turn_finished& done) {
  // The steps and the final event, at once.
  r.history.reserve(r.history.size() + done.steps.size() + 1);
  for (auto i = static_cast<std::size_t>(r.steps_seen); i < done.steps.size();
       ++i)
    apply_step(self, r, std::move(done.steps[i]));
}

void observe_turn(node_ptr self, run_record& r, turn_input& turn) {
  if (r.subscribers.empty())
    return;
  turn.observer = self->address();
  turn.deltas = !r.delta_subscribers.empty();
  r.watched = true;
  r.watched_deltas = turn.deltas;
}

void keep_ended_events(node_ptr self, run_record& r) {
  r.subscribers.clear();
  r.delta_subscribers.clear();
  self->state.ended.keep(r.status.run, r.status.tenant,
                         std::exchange(r.history, {}));
}

caf::result<run_subscription> on_subscribe_run(node_ptr self,
                                               const subscribe_run& req) {
  if (auto err = check_tenant(self, req.tenant))
    return err;
  auto& st = self->state;
  auto r = find_run(self, req.tenant, req.run);
  if (r && !reported_final(*r)) {
    auto last = send_held(self, req.subscriber, r->history, req.after);
    if (req.subscriber) {
      r->subscribers.push_back(req.subscriber);
      if (req.deltas)
        r->delta_subscribers.push_back(req.subscriber);
      if (r->phase == run_phase::running &&
          (!r->watched || (req.deltas && !r->watched_deltas))) {
        // The session keeps the turn's steps and sends them from now on,
        // and the content of its model calls when asked.
        auto s = st.registry.sessions().find(r->status.session);
        if (s != st.registry.sessions().end() && s->second.actor) {
          self->send(s->second.actor,
                     watch_turn{req.run, self->address(), req.deltas});
          r->watched = true;
          r->watched_deltas = r->watched_deltas || req.deltas;
        }
      }
    }
    return run_subscription{reported_status(st, *r), last};
  }
  run_status status;
  if (r) {
    status = r->status;
  } else {
    auto stored = stored_status(self, req.tenant, req.run);
    if (!stored)
      return std::move(stored.error());
    status = std::move(*stored);
  }
  std::uint64_t last = 0;
  if (const auto* events = st.ended.find(req.run, req.tenant))
    last = send_held(self, req.subscriber, *events, req.after);
  return run_subscription{std::move(status), last};
}

} // namespace warden::detail
