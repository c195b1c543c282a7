#pragma once

// The call table shared by the provider and the tool runner: one logical
// call per request, attempts through the dependency's guard, attempt
// deadlines under one timer, retries by delayed messages to self,
// cancellation by run, and permits returned to the governor in batches.
// Included only by dependencies/provider.cpp and dependencies/tool_runner.cpp.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include <caf/actor_clock.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>

#include "actors/common/cancel_board.hpp"
#include "actors/common/clock.hpp"
#include "actors/dependencies/backend.hpp"
#include "actors/dependencies/cluster_rates.hpp"
#include "actors/dependencies/detail/call_traits.hpp"
#include "actors/dependencies/guard.hpp"
#include "actors/dependencies/metrics.hpp"
#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "policies/hold_gate.hpp"

namespace warden::detail {

/// The earliest attempt deadline may have passed (dependency actor ->
/// itself). Local only.
struct deadline_tick {
  /// The deadline the tick was armed for.
  caf::actor_clock::time_point at;
};

/// A dependency's note to itself: send the governor the permits of the
/// calls ended since the last release.
struct release_due {};

/// The backoff before a retry has passed (dependency actor -> itself).
struct retry_due {
  std::uint64_t call = 0;
};

/// The hold the dependency asked for may be over (dependency actor ->
/// itself).
struct hold_due {};

/// Time to tick the cluster-wide rates (dependency actor -> itself).
struct rates_due {};

} // namespace warden::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::detail::deadline_tick)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::detail::retry_due)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::detail::release_due)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::detail::hold_due)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::detail::rates_due)

namespace warden::detail {

/// Metric updates, null-safe (defined in dependencies/metrics.cpp so that only
/// one translation unit includes prometheus).
void increment(prometheus::Counter* counter) noexcept;
void observe_seconds(prometheus::Histogram* histogram,
                     policies::duration d) noexcept;
void set_breaker_gauge(prometheus::Gauge* gauge,
                       policies::breaker_state state) noexcept;

/// What the call table needs besides its guard and backend.
struct dependency_call_settings {
  /// Time one attempt may take before it fails with class timeout.
  policies::duration attempt_timeout{0};
  /// The governor layer each call's permit comes from.
  permit_kind permit = permit_kind::model_stream;
  /// Receives one permit_release per call; null: nothing is sent.
  caf::actor governor;
  /// Metric handles (null members are skipped).
  dependency_metrics metrics;
  /// Runs whose cancel was acknowledged: no attempt of theirs starts. Null:
  /// none are checked.
  std::shared_ptr<const cancel_board> cancels;
  /// Calls that may wait while the dependency asked its callers to wait; a
  /// call beyond them is refused as rate_limited.
  std::size_t max_held = 4096;
  /// Receives the state changes of keyed breakers (a provider's models),
  /// with their key; may be empty.
  std::function<void(const std::string& key, policies::breaker_state to)>
      on_keyed_breaker_change;
  /// The dependency's rates across a cluster; an empty prefix: none (tools,
  /// a single node, no rates set).
  cluster_rate_settings cluster;
};

/// The calls of one dependency actor. Owned by the actor's state, used only
/// from the actor's context. Attempt deadlines live in an ordered queue with
/// one timer armed for the earliest, instead of one timer per attempt: the
/// actor clock holds a handful of entries per actor rather than one per call
/// in flight.
template <class Request, class Reply>
class dependency_calls {
 public:
  using backend_type = dependency_backend<Request, Reply>;

  /// `self` and `clk` must outlive the table.
  dependency_calls(caf::event_based_actor* self, const policies::clock& clk,
                   dependency_guard_config guard,
                   dependency_call_settings settings,
                   std::shared_ptr<backend_type> backend)
      : self_(self),
        clock_(&clk),
        gate_(clk),
        settings_(std::move(settings)),
        guard_(std::move(guard), clk,
               [gauge = settings_.metrics.breaker_state](
                   policies::breaker_state, policies::breaker_state to) {
                 set_breaker_gauge(gauge, to);
               }),
        backend_(std::move(backend)) {
    if (!settings_.cluster.prefix.empty())
      rates_.emplace(self_, clk, settings_.cluster);
    set_breaker_gauge(settings_.metrics.breaker_state,
                      policies::breaker_state::closed);
    if (auto report = settings_.on_keyed_breaker_change)
      guard_.on_breaker_change([report](const std::string& key,
                                        policies::breaker_state,
                                        policies::breaker_state to) {
        if (!key.empty())
          report(key, to);
      });
  }

  /// Runs when the owning actor stops (its state is destroyed in on_exit,
  /// in the actor's context): every caller still gets an answer and every
  /// permit returns.
  ~dependency_calls() { stop_all(); }

  dependency_calls(const dependency_calls&) = delete;
  dependency_calls& operator=(const dependency_calls&) = delete;

  /// The handlers of the owning actor.
  caf::behavior make_behavior() {
    return {
        [this](Request& request) { receive(std::move(request)); },
        [this](attempt_succeeded<Reply>& msg) { on_success(msg); },
        [this](attempt_failed& msg) { on_failure(msg); },
        [this](deadline_tick& msg) { on_tick(msg); },
        [this](retry_due& msg) { on_retry_due(msg); },
        [this](release_due&) { send_releases(); },
        [this](cancel_calls& msg) { cancel_run(msg.run); },
        [this](hold_due&) { on_hold_due(); },
        [this](dependency_backpressure& msg) { hold(msg.wait); },
        // The rates across a cluster: the members from the router; asks and
        // reports (to a home) through the members' node actors; answers
        // straight from the home.
        [this](const lease_members& msg) { on_members(msg); },
        [this](const lease_ask& msg) {
          if (rates_ && rates_->from_member(self_->current_sender()))
            rates_->on_ask(
                msg, caf::actor_cast<caf::actor>(self_->current_sender()));
        },
        [this](const lease_grant& msg) {
          if (rates_ && rates_->from_member(self_->current_sender()) &&
              rates_->on_grant(msg))
            retry_lease_waiting();
        },
        [this](const lease_return& msg) {
          if (rates_ && rates_->from_member(self_->current_sender()) &&
              rates_->on_return(msg))
            retry_lease_waiting();
        },
        [this](const lease_recall& msg) {
          if (rates_ && rates_->from_member(self_->current_sender()))
            rates_->on_recall(msg);
        },
        [this](rates_due&) { on_rates_due(); },
    };
  }

  /// Calls received and not yet answered.
  [[nodiscard]] std::size_t pending() const noexcept { return calls_.size(); }

  /// The guard of the dependency.
  [[nodiscard]] const dependency_guard& guard() const noexcept {
    return guard_;
  }

  /// The dependency's rates across a cluster; null when it has none.
  [[nodiscard]] const cluster_rates* rates() const noexcept {
    return rates_ ? &*rates_ : nullptr;
  }

 private:
  using time_point = caf::actor_clock::time_point;
  using deadline_queue =
      std::multimap<time_point, std::pair<std::uint64_t, std::uint32_t>>;

  struct call_entry {
    caf::response_promise promise;
    Request request;
    guarded_call guarded;
    /// The deadline of the attempt in flight, if any.
    std::optional<typename deadline_queue::iterator> deadline;
    /// When the caller's turn ends, if it said.
    std::optional<time_point> caller_deadline;
    /// The token estimate the cluster's rates gave the attempt in flight
    /// (with one request); empty when nothing was taken from them.
    std::optional<std::uint64_t> rates_taken;
    /// Since when the call waits for a share of the cluster's rates.
    std::optional<time_point> rates_wait_since;
  };

  void receive(Request request) {
    increment(settings_.metrics.calls);
    auto id = ++last_call_;
    auto estimate = token_estimate_of(request);
    std::optional<time_point> caller_deadline;
    if (auto ms = time_left_of(request); ms != 0)
      caller_deadline = self_->clock().now() + std::chrono::milliseconds{ms};
    // Judged by its breaker before the request moves into the table.
    auto guarded = guard_.begin_call(estimate, breaker_key_of(request));
    calls_.emplace(id, call_entry{self_->make_response_promise(),
                                  std::move(request), std::move(guarded),
                                  std::nullopt, caller_deadline, std::nullopt,
                                  std::nullopt});
    start_attempt(id);
  }

  // -- the dependency asked its callers to wait -------------------------------

  /// Every attempt waits `wait` (from a failure or a backend's note).
  void hold(policies::duration wait) {
    gate_.hold_for(wait);
    arm_hold();
    report_gate();
  }

  /// The probe ended without an answer: another attempt may probe.
  void abandon_probe() {
    gate_.probe_abandoned();
    probe_lost_ = true;
  }

  /// Tells the governor how the gate stands when that changed since it was
  /// last told, so that it parks new calls without a permit while the gate
  /// holds (dependency_hold): a hold and its end, a probe lost with no call
  /// here to take its place (one of the governor's may probe now), or open.
  /// Nothing is said while a probe is out: its answer decides.
  void report_gate() {
    if (!settings_.governor)
      return;
    std::int64_t wait_ms = 0;
    auto now = clock_->now();
    if (gate_.open()) {
      if (!reported_hold_)
        return;
      reported_hold_.reset();
    } else if (gate_.probing()) {
      return;
    } else if (now < gate_.until()) {
      if (reported_hold_ == gate_.until())
        return;
      reported_hold_ = gate_.until();
      wait_ms = std::max<std::int64_t>(
          1, std::chrono::ceil<std::chrono::milliseconds>(gate_.until() - now)
                 .count());
    } else if (probe_lost_) {
      wait_ms = 1;
    } else {
      return;
    }
    probe_lost_ = false;
    self_->send(settings_.governor, dependency_hold{wait_ms});
  }

  void arm_hold() {
    if (hold_armed_ || !gate_.closed())
      return;
    hold_armed_ = true;
    auto wait = gate_.until() - clock_->now();
    self_->delayed_send(self_, std::max(wait, policies::duration{0}),
                        hold_due{});
  }

  void on_hold_due() {
    hold_armed_ = false;
    release_held();
  }

  /// Starts waiting calls while the gate lets them pass: after a hold, the
  /// first is the probe and the rest wait for its answer.
  void release_held() {
    while (!held_.empty() && !gate_.closed()) {
      auto id = held_.front();
      held_.pop_front();
      auto i = calls_.find(id);
      if (i != calls_.end() && !i->second.guarded.in_flight())
        start_attempt(id);
    }
    arm_hold();
    report_gate();
  }

  /// Parks call `id` until the gate opens, or refuses it when it cannot
  /// wait that long (its caller's turn ends first, or too many wait).
  void park(std::uint64_t id, policies::time_point until) {
    auto& entry = calls_.at(id);
    auto wait = until - clock_->now();
    auto ms = std::to_string(
                  std::chrono::ceil<std::chrono::milliseconds>(wait).count()) +
              " ms";
    auto says = [&](const std::string& why) {
      increment(settings_.metrics.rejections);
      finish(id,
             make_error(error_code::rate_limited,
                        guard_.config().name + ": " + why,
                        std::chrono::ceil<std::chrono::milliseconds>(wait)));
    };
    if (entry.caller_deadline &&
        *entry.caller_deadline - self_->clock().now() < wait)
      return says("the endpoint asked its callers to wait " + ms +
                  ", longer than the caller's turn has left");
    if (held_.size() >= settings_.max_held)
      return says("the endpoint asked its callers to wait " + ms + " and " +
                  std::to_string(held_.size()) + " calls already wait");
    held_.push_back(id);
    arm_hold();
  }

  /// The probe `id` ended: with a request to wait (`waited`) or otherwise.
  void probe_ended(std::uint64_t id, const attempt_failure* failure) {
    if (probe_ != id)
      return;
    probe_.reset();
    if (failure != nullptr &&
        failure->error == policies::error_class::rate_limited)
      gate_.probe_held(failure->retry_after);
    else if (failure != nullptr &&
             failure->error == policies::error_class::cancelled)
      abandon_probe();
    else
      gate_.probe_succeeded();
    release_held();
  }

  // -- the rates across a cluster ---------------------------------------------

  void on_members(const lease_members& msg) {
    if (!rates_)
      return;
    rates_->on_members(msg);
    if (rates_->active() && !rates_ticking_) {
      rates_ticking_ = true;
      self_->delayed_send(self_, rates_->tick_interval(), rates_due{});
    }
    retry_lease_waiting();
  }

  void on_rates_due() {
    rates_->tick();
    retry_lease_waiting();
    self_->delayed_send(self_, rates_->tick_interval(), rates_due{});
  }

  /// Takes call `id`'s share of the cluster's rates for its next attempt;
  /// false when the call waits for a lease or ended (refused).
  bool take_rates(std::uint64_t id, call_entry& entry) {
    if (!rates_ || !rates_->active() || entry.rates_taken)
      return true;
    auto estimate = entry.guarded.token_estimate;
    auto take = rates_->try_take(estimate);
    switch (take.what) {
    case rate_take::outcome::taken:
      entry.rates_taken = estimate;
      entry.rates_wait_since.reset();
      return true;
    case rate_take::outcome::wait:
      wait_for_rates(id, entry);
      return false;
    case rate_take::outcome::refused:
      break;
    }
    increment(settings_.metrics.rejections);
    if (take.never)
      finish(id, make_error(error_code::invalid_argument, take.reason));
    else
      finish(id, make_error(error_code::rate_limited, take.reason,
                            std::chrono::ceil<std::chrono::milliseconds>(
                                take.retry_after)));
    return false;
  }

  /// Parks call `id` until the holder's next answer; refuses it once it
  /// waited a lease ttl (the home does not answer) or too many wait.
  void wait_for_rates(std::uint64_t id, call_entry& entry) {
    auto now = self_->clock().now();
    if (!entry.rates_wait_since)
      entry.rates_wait_since = now;
    auto waited = now - *entry.rates_wait_since;
    std::string why;
    if (waited >= rates_->max_wait())
      why = "no share of the cluster's rate limits came within " +
            std::to_string(rates_->max_wait().count()) +
            " ms (their home did not answer, or other members use them)";
    else if (rates_waiting_.size() >= settings_.max_held)
      why = std::to_string(rates_waiting_.size()) +
            " calls already wait for a share of the cluster's rate limits";
    if (why.empty()) {
      rates_waiting_.push_back(id);
      return;
    }
    increment(settings_.metrics.rejections);
    finish(id, make_error(error_code::rate_limited,
                          guard_.config().name + ": " + why,
                          std::chrono::ceil<std::chrono::milliseconds>(
                              rates_->max_wait())));
  }

  /// Calls that waited for a lease try again (an answer came, or a tick).
  void retry_lease_waiting() {
    if (rates_waiting_.empty())
      return;
    std::deque<std::uint64_t> waiting;
    waiting.swap(rates_waiting_);
    for (auto id : waiting) {
      auto i = calls_.find(id);
      if (i != calls_.end() && !i->second.guarded.in_flight())
        start_attempt(id);
    }
  }

  /// The attempt in flight of `entry` ended, having used `actual` tokens
  /// (empty: unknown, as estimated).
  void end_rates(call_entry& entry, std::optional<std::uint64_t> actual) {
    if (!entry.rates_taken)
      return;
    auto estimate = *entry.rates_taken;
    entry.rates_taken.reset();
    rates_->reconcile(estimate, actual.value_or(estimate));
  }

  void start_attempt(std::uint64_t id) {
    auto& entry = calls_.at(id);
    if (settings_.cancels && settings_.cancels->cancelled(entry.request.run)) {
      // Its cancel was acknowledged: neither a first attempt nor a retry
      // starts, whatever message brought it here.
      finish(id, make_error(error_code::cancelled,
                            "run " + std::to_string(entry.request.run) +
                                " was cancelled: the call was not started"));
      return;
    }
    auto gate = gate_.try_pass();
    if (!gate.pass) {
      park(id, gate.until);
      return;
    }
    if (!take_rates(id, entry)) {
      if (gate.probe)
        abandon_probe();
      release_held();
      return;
    }
    if (auto rejected = guard_.before_attempt(entry.guarded)) {
      if (entry.rates_taken) // taken above: rates_ is set
        rates_->put_back(*entry.rates_taken);
      entry.rates_taken.reset();
      if (gate.probe)
        abandon_probe();
      increment(settings_.metrics.rejections);
      finish(id, rejected->to_error());
      release_held();
      return;
    }
    if (gate.probe)
      probe_ = id;
    increment(settings_.metrics.attempts);
    auto attempt = entry.guarded.attempt.attempt;
    auto at = self_->clock().now() + settings_.attempt_timeout;
    // A backend that answers before start() returns (scripted model, inline
    // tools) reports into `outcome`; its attempt needs no deadline and its
    // outcome no message.
    inline_outcome<Reply> outcome;
    outcome.owner = self_;
    outcome.call = id;
    outcome.attempt = attempt;
    {
      inline_outcome_scope<Reply> scope{outcome};
      // A backend that throws fails this attempt, never the actor: CAF
      // 0.17 ends an actor whose handler throws, and every later call of
      // this dependency would then go unanswered.
      try {
        backend_->start(
            entry.request,
            attempt_ticket{caf::actor_cast<caf::actor>(self_), id, attempt});
      } catch (const std::exception& e) {
        outcome.reply.reset();
        outcome.failure = attempt_failure{
            policies::error_class::permanent,
            std::string{"the backend failed: "} + e.what(), std::nullopt};
      } catch (...) {
        outcome.reply.reset();
        outcome.failure = attempt_failure{
            policies::error_class::permanent,
            "the backend failed: unknown exception", std::nullopt};
      }
    }
    if (outcome.reply) {
      attempt_succeeded<Reply> msg{id, attempt, std::move(*outcome.reply),
                                   policies::duration{0}};
      on_success(msg);
    } else if (outcome.failure) {
      attempt_failed msg{id, attempt, std::move(*outcome.failure)};
      on_failure(msg);
    } else {
      entry.deadline = deadlines_.emplace(at, std::make_pair(id, attempt));
      arm(at);
    }
  }

  /// Tells the backend that attempt `attempt` of call `id` is over for us.
  void abandon(std::uint64_t id, std::uint32_t attempt) {
    try {
      backend_->abandon(
          attempt_ticket{caf::actor_cast<caf::actor>(self_), id, attempt});
    } catch (...) {
      // Aborting is best effort: the attempt's outcome is ignored anyway.
    }
  }

  /// The call of an attempt still waited for, or null (late, stale).
  call_entry* current(std::uint64_t id, std::uint32_t attempt) {
    auto i = calls_.find(id);
    if (i == calls_.end() || !i->second.guarded.in_flight() ||
        i->second.guarded.attempt.attempt != attempt)
      return nullptr;
    return &i->second;
  }

  void on_success(attempt_succeeded<Reply>& msg) {
    auto* entry = current(msg.call, msg.attempt);
    if (entry == nullptr)
      return;
    observe_seconds(settings_.metrics.attempt_seconds,
                    self_->clock().now() - entry->guarded.started);
    clear_deadline(*entry);
    end_rates(*entry, tokens_used(msg.reply));
    guard_.succeeded(entry->guarded, tokens_used(msg.reply), msg.first_token);
    msg.reply.retries = entry->guarded.retries;
    entry->promise.deliver(std::move(msg.reply));
    release_permit();
    calls_.erase(msg.call);
    probe_ended(msg.call, nullptr);
  }

  void on_failure(attempt_failed& msg) {
    if (auto* entry = current(msg.call, msg.attempt)) {
      observe_seconds(settings_.metrics.attempt_seconds,
                      self_->clock().now() - entry->guarded.started);
      failed(msg.call, *entry, msg.failure);
    }
  }

  /// Schedules a tick at `at` unless one is armed for no later.
  void arm(time_point at) {
    if (armed_ && *armed_ <= at)
      return;
    armed_ = at;
    self_->delayed_send(self_, at - self_->clock().now(), deadline_tick{at});
  }

  void clear_deadline(call_entry& entry) {
    if (entry.deadline) {
      deadlines_.erase(*entry.deadline);
      entry.deadline.reset();
    }
  }

  /// Fails every attempt whose deadline has passed, then re-arms. Ticks
  /// armed earlier than needed (their attempt ended) only re-arm.
  void on_tick(const deadline_tick& msg) {
    if (armed_ && *armed_ == msg.at)
      armed_.reset();
    auto now = self_->clock().now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  settings_.attempt_timeout)
                  .count();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      auto [id, attempt] = deadlines_.begin()->second;
      deadlines_.erase(deadlines_.begin());
      if (auto* entry = current(id, attempt)) {
        entry->deadline.reset();
        abandon(id, attempt);
        failed(id, *entry,
               attempt_failure{policies::error_class::timeout,
                               "no answer within " + std::to_string(ms) + " ms",
                               std::nullopt});
      }
    }
    if (!deadlines_.empty())
      arm(deadlines_.begin()->first);
  }

  void failed(std::uint64_t id, call_entry& entry,
              const attempt_failure& failure) {
    clear_deadline(entry);
    end_rates(entry, std::nullopt);
    if (failure.error == policies::error_class::timeout)
      increment(settings_.metrics.timeouts);
    // A request to wait holds every caller, not only this one.
    if (failure.error == policies::error_class::rate_limited && probe_ != id)
      hold(failure.retry_after.value_or(policies::hold_gate::default_wait));
    probe_ended(id, &failure);
    auto verdict = guard_.failed(entry.guarded, failure);
    if (!verdict.retry()) {
      finish(id, verdict.give_up->to_error());
      return;
    }
    increment(settings_.metrics.retries);
    if (verdict.delay > policies::duration{0})
      self_->delayed_send(self_, verdict.delay, retry_due{id});
    else
      self_->send(self_, retry_due{id});
  }

  void on_retry_due(retry_due& msg) {
    auto i = calls_.find(msg.call);
    if (i != calls_.end() && !i->second.guarded.in_flight())
      start_attempt(msg.call);
  }

  void cancel_run(run_id run) {
    for (auto i = calls_.begin(); i != calls_.end();) {
      if (i->second.request.run != run) {
        ++i;
        continue;
      }
      clear_deadline(i->second);
      if (i->second.guarded.in_flight())
        abandon(i->first, i->second.guarded.attempt.attempt);
      end_rates(i->second, std::nullopt);
      guard_.abandon(i->second.guarded);
      increment(settings_.metrics.cancellations);
      i->second.promise.deliver(
          guard_.cancelled("run " + std::to_string(run) + " cancelled")
              .to_error());
      release_permit();
      if (probe_ == i->first) {
        probe_.reset();
        abandon_probe();
      }
      i = calls_.erase(i);
    }
    release_held();
  }

  void stop_all() {
    for (auto& [id, entry] : calls_) {
      if (entry.guarded.in_flight())
        abandon(id, entry.guarded.attempt.attempt);
      guard_.abandon(entry.guarded);
      increment(settings_.metrics.cancellations);
      entry.promise.deliver(guard_.cancelled("actor stopped").to_error());
      ++unreleased_;
    }
    if (settings_.governor && unreleased_ > 0)
      caf::anon_send(settings_.governor,
                     permit_release{settings_.permit, unreleased_});
    unreleased_ = 0;
    calls_.clear();
    deadlines_.clear();
  }

  void finish(std::uint64_t id, caf::error err) {
    auto i = calls_.find(id);
    clear_deadline(i->second);
    increment(settings_.metrics.failures);
    i->second.promise.deliver(std::move(err));
    release_permit();
    calls_.erase(i);
  }

  /// Counts the permit of a call that ended. The governor gets the count
  /// once the messages already in the mailbox are handled (a self-sent
  /// release_due queues behind them): one permit_release for a busy
  /// stretch instead of one per call.
  void release_permit() {
    if (!settings_.governor)
      return;
    if (unreleased_++ == 0)
      self_->send(self_, release_due{});
  }

  void send_releases() {
    if (unreleased_ == 0)
      return;
    self_->send(settings_.governor,
                permit_release{settings_.permit, unreleased_});
    unreleased_ = 0;
  }

  caf::event_based_actor* self_;
  const policies::clock* clock_;
  /// Holds every attempt while the dependency asked its callers to wait.
  policies::hold_gate gate_;
  /// Calls waiting for the gate, first come first served.
  std::deque<std::uint64_t> held_;
  /// The call whose attempt probes after a hold, if one is out.
  std::optional<std::uint64_t> probe_;
  /// Whether a hold_due is on its way.
  bool hold_armed_ = false;
  /// The hold end the governor was last told of; empty: it was told the
  /// gate is open (or nothing).
  std::optional<policies::time_point> reported_hold_;
  /// A probe ended without an answer since the governor was last told.
  bool probe_lost_ = false;
  dependency_call_settings settings_;
  dependency_guard guard_;
  std::shared_ptr<backend_type> backend_;
  std::unordered_map<std::uint64_t, call_entry> calls_;
  std::uint64_t last_call_ = 0;
  deadline_queue deadlines_;
  /// When the tick in flight fires; empty when none is armed.
  std::optional<time_point> armed_;
  /// Permits of ended calls not yet returned (see release_permit).
  std::uint32_t unreleased_ = 0;
  /// The dependency's rates across a cluster, if it has any; calls that
  /// wait for a share of them; whether their tick is armed.
  std::optional<cluster_rates> rates_;
  std::deque<std::uint64_t> rates_waiting_;
  bool rates_ticking_ = false;
};

} // namespace warden::detail
