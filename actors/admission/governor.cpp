#include "actors/admission/governor.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include <caf/all.hpp>

#include "actors/protocol/error.hpp"

namespace warden {

namespace {

constexpr std::array<permit_kind, 2> all_kinds = {permit_kind::model_stream,
                                                  permit_kind::tool_call};

} // namespace

governor_metrics make_governor_metrics(prometheus::Registry& registry) {
  governor_metrics result;
  auto& in_use = prometheus::BuildGauge()
                     .Name("warden_governor_permits_in_use")
                     .Help("Governor permits held, by layer.")
                     .Register(registry);
  for (auto layer :
       {policies::permit_layer::model_streams,
        policies::permit_layer::tool_calls, policies::permit_layer::global})
    result.permits_in_use[static_cast<std::size_t>(layer)] =
        &in_use.Add({{"layer", policies::to_string(layer)}});
  auto& waiting = prometheus::BuildGauge()
                      .Name("warden_governor_waiting_calls")
                      .Help("Governed calls waiting for a permit, by kind.")
                      .Register(registry);
  for (auto kind : all_kinds)
    result.waiting[static_cast<std::size_t>(kind)] =
        &waiting.Add({{"kind", policies::to_string(kind)}});
  return result;
}

governor_state::governor_state(caf::event_based_actor* self) : self_(self) {}

void governor_state::init(governor_config cfg) {
  cfg_ = std::move(cfg);
  limits_.emplace(cfg_.limits);
  self_->set_down_handler([this](caf::down_msg& msg) { target_down(msg); });
}

caf::behavior governor_state::make_behavior() {
  return {
      [this](governed_model_call& msg) {
        auto run = msg.request.run;
        std::optional<caf::actor_clock::time_point> deadline;
        // A day bounds any turn: larger values are as good as unsaid.
        constexpr std::uint64_t day_ms = 86'400'000;
        if (auto left = msg.request.time_left_ms; left > 0 && left < day_ms)
          deadline = self_->clock().now() +
                     std::chrono::milliseconds{static_cast<std::int64_t>(left)};
        return call(permit_kind::model_stream, run, msg.provider,
                    caf::make_message(std::move(msg.request)), deadline);
      },
      [this](governed_tool_call& msg) {
        auto run = msg.request.run;
        return call(permit_kind::tool_call, run, msg.tool,
                    caf::make_message(std::move(msg.request)));
      },
      [this](const permit_release& msg) { release(msg.kind, msg.count); },
      [this](const cancel_calls& msg) { cancel(msg.run); },
      [this](const dependency_hold& msg) { hold(msg); },
      [this](const hold_over& msg) { on_hold_over(msg); },
  };
}

std::size_t governor_state::held() const noexcept {
  std::size_t result = 0;
  for (const auto& [addr, target] : targets_)
    result += target.held[0].size() + target.held[1].size();
  return result;
}

caf::result<caf::message>
governor_state::call(permit_kind kind, run_id run, const caf::actor& target,
                     caf::message request,
                     std::optional<caf::actor_clock::time_point> deadline) {
  const auto k = index(kind);
  if (!target)
    return make_error(error_code::invalid_argument,
                      "a governed call names no dependency actor");
  auto& entry = target_entry(target);
  const bool park = entry.holding();
  if (!park && entry.probing)
    entry.probe_sent = true; // the first call after a hold probes
  if (park && entry.hold_until && deadline && *deadline < *entry.hold_until)
    return refuse_for_hold(entry, "longer than the caller's turn has left");
  std::string why_waiting;
  if (!park) {
    // Waiting calls of this kind imply no permit of it is free (serve()
    // runs after every change), so a granted permit never overtakes one.
    auto decision = limits_->try_acquire(kind);
    if (decision.granted()) {
      entry.held[k].push_back(std::move(decision.grant));
      update_gauges();
      return self_->delegate(target, std::move(request));
    }
    why_waiting = std::move(decision.reason);
  } else {
    why_waiting = "its dependency asked its callers to wait";
  }
  if (waiting_count_[k] >= cfg_.max_waiting)
    return make_error(
        error_code::queue_full,
        std::string{"the governor's "} + policies::to_string(kind) +
            " waiting queue is full: " + std::to_string(waiting_count_[k]) +
            " calls wait (max_waiting) and " + why_waiting);
  auto id = next_call_++;
  auto promise = self_->make_response_promise();
  waiting_.emplace(id,
                   governed_waiting_call{kind, run, target, std::move(request),
                                         promise, deadline});
  if (park)
    entry.parked.push_back(id);
  else
    order_[k].push_back(id);
  ++waiting_count_[k];
  entry.waiting.insert(id);
  by_run_[run].push_back(id);
  update_gauges();
  return promise;
}

governed_target& governor_state::target_entry(const caf::actor& target) {
  auto [entry, fresh] = targets_.try_emplace(target.address());
  if (fresh)
    self_->monitor(target);
  return entry->second;
}

caf::error governor_state::refuse_for_hold(const governed_target& entry,
                                           const std::string& why) {
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(
      *entry.hold_until - self_->clock().now());
  return make_error(error_code::rate_limited,
                    "the dependency asked its callers to wait " +
                        std::to_string(wait.count()) + " ms, " + why,
                    wait);
}

void governor_state::hold(const dependency_hold& msg) {
  auto sender = caf::actor_cast<caf::actor>(self_->current_sender());
  if (!sender)
    return;
  auto& entry = target_entry(sender);
  if (msg.wait_ms <= 0) {
    // The hold is over: every parked call may go.
    entry.hold_until.reset();
    entry.probing = false;
    unpark(entry, entry.parked.size());
    update_gauges();
    return;
  }
  auto until = self_->clock().now() + std::chrono::milliseconds{msg.wait_ms};
  entry.probing = false;
  if (entry.hold_until && *entry.hold_until >= until)
    return; // a hold never shortens
  entry.hold_until = until;
  self_->delayed_send(self_, std::chrono::milliseconds{msg.wait_ms},
                      hold_over{sender.address(), until});
  // Parked calls whose turn ends before the new end are refused now, not
  // when their turn is over.
  std::deque<std::uint64_t> kept;
  for (auto id : entry.parked) {
    auto i = waiting_.find(id);
    if (i == waiting_.end())
      continue;
    if (!i->second.deadline || *i->second.deadline >= until) {
      kept.push_back(id);
      continue;
    }
    auto promise = std::move(i->second.promise);
    unlink(id, i->second);
    waiting_.erase(i);
    promise.deliver(
        refuse_for_hold(entry, "longer than the caller's turn has left"));
  }
  entry.parked = std::move(kept);
  update_gauges();
}

void governor_state::on_hold_over(const hold_over& msg) {
  auto i = targets_.find(msg.target);
  if (i == targets_.end() || i->second.hold_until != msg.until)
    return; // the target is gone, or its hold was extended or lifted
  auto& entry = i->second;
  entry.hold_until.reset();
  entry.probing = true;
  // One call probes; with none parked, the next call to come does.
  entry.probe_sent = unpark(entry, 1) > 0;
  update_gauges();
}

std::size_t governor_state::unpark(governed_target& entry, std::size_t count) {
  std::size_t moved = 0;
  while (moved < count && !entry.parked.empty()) {
    auto id = entry.parked.front();
    entry.parked.pop_front();
    auto i = waiting_.find(id);
    if (i == waiting_.end())
      continue; // cancelled while parked
    order_[index(i->second.kind)].push_back(id);
    ++moved;
  }
  serve();
  return moved;
}

void governor_state::release(permit_kind kind, std::uint32_t count) {
  // An anonymous release (a runner's last batch as it stops) names no
  // dependency; a null address must not reach the map either: its hash
  // reads the address's control block.
  const auto& sender = self_->current_sender();
  if (!sender)
    return;
  auto entry = targets_.find(sender->address());
  if (entry == targets_.end())
    return; // not a dependency we delegated to
  auto& held = entry->second.held[index(kind)];
  if (held.empty())
    return; // more releases than calls: nothing of this kind is held
  // Each permit dropped returns one slot of the kind's layer and of the
  // global one; more releases than permits held drop them all.
  held.resize(held.size() - std::min<std::size_t>(held.size(), count));
  serve();
  update_gauges();
}

void governor_state::cancel(run_id run) {
  auto ids = by_run_.find(run);
  if (ids == by_run_.end())
    return;
  auto calls = std::move(ids->second);
  by_run_.erase(ids);
  for (auto id : calls) {
    auto i = waiting_.find(id);
    if (i == waiting_.end())
      continue;
    auto call = std::move(i->second);
    waiting_.erase(i);
    --waiting_count_[index(call.kind)];
    if (auto target = targets_.find(call.target.address());
        target != targets_.end())
      target->second.waiting.erase(id);
    call.promise.deliver(
        make_error(error_code::cancelled, "run " + std::to_string(run) +
                                              " was cancelled while its call "
                                              "waited for a governor permit"));
  }
  // Forget cancelled ids once they are most of a FIFO.
  for (auto kind : all_kinds) {
    auto& order = order_[index(kind)];
    if (order.size() > 64 && order.size() > 2 * waiting_count_[index(kind)])
      order.erase(std::remove_if(order.begin(), order.end(),
                                 [this](std::uint64_t id) {
                                   return waiting_.count(id) == 0;
                                 }),
                  order.end());
  }
  update_gauges();
}

void governor_state::target_down(const caf::down_msg& msg) {
  auto i = targets_.find(msg.source);
  if (i == targets_.end())
    return;
  auto waiting = std::move(i->second.waiting);
  targets_.erase(i); // drops the permits it held
  auto why = "the dependency stopped while the call waited for a governor "
             "permit: " +
             self_->system().render(msg.reason);
  for (auto id : waiting) {
    auto call = waiting_.find(id);
    if (call == waiting_.end())
      continue;
    auto promise = std::move(call->second.promise);
    unlink(id, call->second);
    waiting_.erase(call);
    promise.deliver(make_error(error_code::dependency_failed, why));
  }
  serve();
  update_gauges();
}

std::optional<std::uint64_t> governor_state::head(std::size_t kind) {
  auto& order = order_[kind];
  while (!order.empty() && waiting_.count(order.front()) == 0)
    order.pop_front();
  if (order.empty())
    return std::nullopt;
  return order.front();
}

void governor_state::serve() {
  for (;;) {
    // The oldest waiting call whose kind has a free permit goes first.
    std::optional<std::uint64_t> pick;
    for (auto kind : all_kinds) {
      auto id = head(index(kind));
      if (id && limits_->available(kind) > 0 && (!pick || *id < *pick))
        pick = id;
    }
    if (!pick)
      return;
    auto i = waiting_.find(*pick);
    auto call = std::move(i->second);
    const auto k = index(call.kind);
    order_[k].pop_front();
    unlink(*pick, call);
    waiting_.erase(i);
    auto& entry = targets_.at(call.target.address());
    entry.held[k].push_back(limits_->try_acquire(call.kind).grant);
    call.promise.delegate(call.target, std::move(call.request));
  }
}

void governor_state::unlink(std::uint64_t id,
                            const governed_waiting_call& call) {
  --waiting_count_[index(call.kind)];
  if (auto target = targets_.find(call.target.address());
      target != targets_.end())
    target->second.waiting.erase(id);
  if (auto ids = by_run_.find(call.run); ids != by_run_.end()) {
    auto& list = ids->second;
    if (auto j = std::find(list.begin(), list.end(), id); j != list.end()) {
      *j = list.back();
      list.pop_back();
    }
    if (list.empty())
      by_run_.erase(ids);
  }
}

void governor_state::update_gauges() {
  const auto& metrics = cfg_.metrics;
  const std::array<std::uint32_t, 3> in_use = {
      limits_->in_use(policies::permit_kind::model_stream),
      limits_->in_use(policies::permit_kind::tool_call),
      limits_->in_use_global()};
  for (std::size_t i = 0; i < in_use.size(); ++i)
    if (metrics.permits_in_use[i] != nullptr)
      metrics.permits_in_use[i]->Set(in_use[i]);
  for (std::size_t i = 0; i < waiting_count_.size(); ++i)
    if (metrics.waiting[i] != nullptr)
      metrics.waiting[i]->Set(waiting_count_[i]);
}

caf::actor spawn_governor(caf::actor_system& sys, governor_config cfg) {
  return sys.spawn(
      [](governor_actor* self, governor_config config) {
        self->state.init(std::move(config));
        return self->state.make_behavior();
      },
      std::move(cfg));
}

} // namespace warden
