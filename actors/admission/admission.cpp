#include "actors/admission/admission.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <caf/all.hpp>

#include "actors/protocol/error.hpp"
#include "policies/daily_budget.hpp"

namespace warden {

namespace {

using refresh_atom = caf::atom_constant<caf::atom("a_refresh")>;
using lease_tick_atom = caf::atom_constant<caf::atom("a_lease")>;

double seconds(policies::duration d) {
  return std::chrono::duration<double>(d).count();
}

/// `by_tenant`'s series of `tenant_name`; null when it has none.
template <class Metric>
Metric* series_of(const std::map<std::string, Metric*, std::less<>>& by_tenant,
                  const std::string& tenant_name) {
  auto i = by_tenant.find(tenant_name);
  return i != by_tenant.end() ? i->second : nullptr;
}

} // namespace

admission_verdict refusal_verdict(run_id run, admission_outcome outcome,
                                  error_code code, std::string reason) {
  admission_verdict verdict;
  verdict.run = run;
  verdict.outcome = outcome;
  verdict.refusal = make_error(code, std::move(reason));
  return verdict;
}

policies::tenant_limits
tenant_limits_of(const config::tier_settings& tier,
                 const config::tenant_settings* tenant) {
  auto effective = tenant != nullptr ? tenant->apply_to(tier) : tier;
  return {effective.in_flight_cap, effective.queue_cap, effective.weight};
}

std::uint64_t daily_token_budget_of(const config::tier_settings& tier,
                                    const config::tenant_settings* tenant) {
  return tenant != nullptr && tenant->daily_token_budget
             ? *tenant->daily_token_budget
             : tier.daily_token_budget;
}

void admission_tenant::took_slot() {
  if (in_flight != nullptr)
    in_flight->Increment();
  if (slots_taken != nullptr)
    slots_taken->Increment();
}

void admission_tenant::returned_slot() {
  if (in_flight != nullptr)
    in_flight->Decrement();
  if (slots_returned != nullptr)
    slots_returned->Increment();
}

policies::admission_config
admission_config_of(const config::settings& settings) {
  policies::admission_config result;
  result.global_cap = settings.admission.global_cap;
  result.global_queue_cap = settings.admission.global_queue_cap;
  result.priorities.clear();
  for (const auto& priority : settings.priorities)
    result.priorities.push_back({priority.name, priority.reserved});
  return result;
}

admission_state::admission_state(caf::event_based_actor* self) : self_(self) {}

void admission_state::init(admission_actor_config cfg) {
  cfg_ = std::move(cfg);
  clock_ = cfg_.time ? cfg_.time
                     : std::make_shared<actor_clock_source>(self_->system());
  queue_.emplace(admission_config_of(cfg_.settings), *clock_);
  auto lease_cfg = cfg_.leases;
  lease_cfg.metrics = cfg_.metrics.leases;
  leases_.emplace(self_, *clock_, std::move(lease_cfg),
                  cfg_.settings.cluster.enabled());
  start_token_leases();
  budgets_.emplace(cfg_.tokens_day,
                   policies::daily_budget::counters{cfg_.daily_tokens.begin(),
                                                    cfg_.daily_tokens.end()});
  budgets_->advance_to(wall_now());
  cfg_.daily_tokens.clear();
  for (const auto& held : cfg_.reservations) {
    budgets_->restore(held.run, held.tenant, held.tokens);
    show_reserved(held.tenant, held.tokens, 0);
  }
  cfg_.reservations.clear();
  // Configured tenants are registered for good, so their ids never change.
  for (const auto& [tenant_name, tenant] : cfg_.settings.tenants) {
    auto tier = cfg_.settings.tiers.find(tenant.tier);
    if (tier == cfg_.settings.tiers.end())
      throw std::invalid_argument("tenant " + tenant_name + " names no tier");
    auto entry = std::make_unique<admission_tenant>();
    entry->name = tenant_name;
    entry->id = next_tenant_++;
    entry->configured = true;
    const auto& metrics = cfg_.metrics;
    entry->in_flight = series_of(metrics.tenant_in_flight, tenant_name);
    entry->slots_taken = series_of(metrics.tenant_slots_taken, tenant_name);
    entry->slots_returned =
        series_of(metrics.tenant_slots_returned, tenant_name);
    entry->daily_tokens = series_of(metrics.tenant_daily_tokens, tenant_name);
    entry->paused = series_of(metrics.tenant_paused, tenant_name);
    entry->daily_token_budget = daily_token_budget_of(tier->second, &tenant);
    entry->limits = tenant_limits_of(tier->second, &tenant);
    entry->applied_cap = entry->limits.in_flight_cap;
    queue_->set_tenant(entry->id, entry->limits, admitted_);
    tenants_.emplace(tenant_name, std::move(entry));
  }
  reset_daily_gauges();
}

caf::behavior admission_state::make_behavior() {
  return {
      [this](const admit_run& msg) {
        admit(msg, caf::actor_cast<caf::actor>(self_->current_sender()));
      },
      [this](const release_run& msg) { release(msg); },
      [this](const yield_slot& msg) { yield(msg); },
      [this](const reclaim_slot& msg) {
        reclaim(msg, caf::actor_cast<caf::actor>(self_->current_sender()));
      },
      [this](const charge_tokens& msg) { charge_tokens_of(msg); },
      [this](const pause_tenant& msg) -> caf::result<tenant_pause_state> {
        return set_paused(msg);
      },
      [this](refresh_atom) {
        refresh_armed_ = false;
        refresh_gauges();
        arm_refresh();
      },
      // A tenant's cap across a cluster (leases.cpp).
      [this](const lease_members& msg) {
        if (self_->current_sender() &&
            self_->current_sender()->node() == self_->node())
          on_lease_members(msg);
      },
      [this](const lease_ask& msg) {
        if (leases_->from_member(self_->current_sender()))
          on_lease_ask(msg,
                       caf::actor_cast<caf::actor>(self_->current_sender()));
      },
      [this](const lease_grant& msg) {
        if (leases_->from_member(self_->current_sender()))
          on_lease_grant(msg);
      },
      [this](const lease_return& msg) {
        if (leases_->from_member(self_->current_sender()))
          on_lease_return(msg);
      },
      [this](const lease_recall& msg) {
        if (leases_->from_member(self_->current_sender()))
          on_lease_recall(msg);
      },
      [this](get_lease_counts) { return leases_->counts(); },
      [this](lease_tick_atom) { on_lease_tick(); },
  };
}

const admission_tenant*
admission_state::find_tenant(const std::string& tenant_name) const {
  auto i = tenants_.find(tenant_name);
  return i != tenants_.end() ? i->second.get() : nullptr;
}

admission_tenant* admission_state::tenant_for(const std::string& tenant_name) {
  if (auto i = tenants_.find(tenant_name); i != tenants_.end())
    return i->second.get();
  const auto& tier_name = cfg_.settings.admission.default_tier;
  auto tier = cfg_.settings.tiers.find(tier_name);
  if (tier_name.empty() || tier == cfg_.settings.tiers.end())
    return nullptr;
  auto entry = std::make_unique<admission_tenant>();
  entry->name = tenant_name;
  entry->id = next_tenant_++;
  entry->in_flight = cfg_.metrics.other_in_flight;
  entry->slots_taken = cfg_.metrics.other_slots_taken;
  entry->slots_returned = cfg_.metrics.other_slots_returned;
  entry->paused = cfg_.metrics.other_paused;
  entry->daily_token_budget = daily_token_budget_of(tier->second, nullptr);
  entry->limits = tenant_limits_of(tier->second, nullptr);
  entry->applied_cap = entry->limits.in_flight_cap;
  queue_->set_tenant(entry->id, entry->limits, admitted_);
  return tenants_.emplace(tenant_name, std::move(entry)).first->second.get();
}

std::string
admission_state::not_admitted(const std::string& tenant_name) const {
  return "tenant `" + tenant_name +
         "` has no [tenants] table and admission.default_tier is empty";
}

void admission_state::forget_if_idle(admission_tenant* tenant) {
  if (tenant->configured || !queue_->remove_tenant(tenant->id))
    return;
  tenants_.erase(tenants_.find(tenant->name));
}

void admission_state::admit(const admit_run& msg, const caf::actor& sender) {
  admit(msg, sender, std::nullopt);
}

void admission_state::admit(const admit_run& msg, const caf::actor& sender,
                            std::optional<policies::time_point> since) {
  auto reply = [&](admission_verdict verdict) {
    if (sender)
      self_->send(sender, std::move(verdict));
  };
  auto* tenant = tenant_for(msg.tenant);
  if (tenant == nullptr) {
    count_refusal(admission_refusal::unknown_tenant);
    reply(refusal_verdict(msg.run, admission_outcome::rejected,
                          error_code::not_found, not_admitted(msg.tenant)));
    return;
  }
  advance_day(wall_now());
  if (!msg.accepted && tenant->daily_token_budget != 0 &&
      !tokens_allow(*tenant, msg, sender, since)) {
    forget_if_idle(tenant); // refused, or held for a lease of its tokens
    return;
  }
  apply_leases(*tenant);
  auto decision =
      msg.continuation
          ? queue_->submit_continuation(msg.run, tenant->id, msg.priority)
          : queue_->submit(msg.run, tenant->id, msg.priority);
  if (decision.rejected()) {
    using policies::rejection_reason;
    const auto limits =
        queue_->limits(tenant->id).value_or(policies::tenant_limits{});
    std::string why;
    auto code = error_code::queue_full;
    switch (*decision.reason) {
    case rejection_reason::unknown_tenant: // registered above: cannot happen
    case rejection_reason::unknown_priority:
      code = error_code::invalid_argument;
      count_refusal(admission_refusal::unknown_priority);
      why = "priority class " + std::to_string(msg.priority) +
            " does not exist: " + std::to_string(queue_->priority_count()) +
            " classes are configured";
      break;
    case rejection_reason::duplicate_request:
      code = error_code::invalid_argument;
      count_refusal(admission_refusal::duplicate_request);
      why = "run " + std::to_string(msg.run) + " is already queued or running";
      break;
    case rejection_reason::tenant_queue_full:
      count_refusal(admission_refusal::tenant_queue_full);
      why = "tenant `" + msg.tenant + "` has " +
            std::to_string(queue_->queued(tenant->id)) +
            " runs waiting, its queue_cap of " +
            std::to_string(limits.queue_cap) +
            ", none of lower priority to shed";
      break;
    case rejection_reason::global_queue_full:
      count_refusal(admission_refusal::global_queue_full);
      why = "the node's admission queue holds " +
            std::to_string(queue_->queued_total()) +
            " runs, admission.global_queue_cap, none of lower priority to "
            "shed";
      break;
    }
    reply(refusal_verdict(msg.run, admission_outcome::rejected, code,
                          std::move(why)));
    forget_if_idle(tenant);
    return;
  }
  auto& entry = runs_[msg.run];
  entry.tenant = tenant;
  admission_verdict verdict;
  verdict.run = msg.run;
  verdict.reserved_tokens = reserve(*tenant, msg);
  if (decision.admitted()) {
    started(entry, policies::duration{0});
  } else {
    entry.submitter = sender;
    verdict.outcome = admission_outcome::queued;
  }
  reply(std::move(verdict));
  if (decision.shed)
    shed(*decision.shed, queue_->config().priorities[msg.priority].name);
  apply_leases(*tenant);
  refresh_gauges();
  arm_refresh();
}

void admission_state::release(const release_run& msg) {
  auto run = msg.run;
  auto i = runs_.find(run);
  if (i == runs_.end()) {
    (void)drop_held(run); // withdrawn while its tokens were leased
    return;
  }
  auto* tenant = i->second.tenant;
  settle(*tenant, run, msg.tokens,
         msg.finished_at_ms != 0 ? msg.finished_at_ms : wall_now());
  if (i->second.running)
    tenant->returned_slot();
  if (cfg_.metrics.yielded != nullptr &&
      queue_->state(run) == policies::request_state::yielded)
    cfg_.metrics.yielded->Decrement();
  runs_.erase(i);
  admitted_.clear();
  queue_->cancel(run, admitted_);
  announce(admitted_);
  apply_leases(*tenant);
  forget_if_idle(tenant);
  refresh_gauges();
}

void admission_state::yield(const yield_slot& msg) {
  auto i = runs_.find(msg.run);
  if (i == runs_.end() || !i->second.running)
    return;
  admitted_.clear();
  if (!queue_->yield(msg.run, admitted_))
    return;
  auto& entry = i->second;
  entry.running = false;
  entry.tenant->returned_slot();
  if (cfg_.metrics.yielded != nullptr)
    cfg_.metrics.yielded->Increment();
  announce(admitted_);
  apply_leases(*entry.tenant);
  refresh_gauges();
}

void admission_state::reclaim(const reclaim_slot& msg,
                              const caf::actor& sender) {
  auto i = runs_.find(msg.run);
  auto outcome = i == runs_.end() ? policies::reclaim_outcome::unknown_request
                                  : queue_->reclaim(msg.run);
  if (outcome == policies::reclaim_outcome::unknown_request) {
    // Not yielded here (a run admission never held): nothing to wait for.
    if (sender)
      self_->send(sender, slot_returned{msg.run});
    return;
  }
  if (cfg_.metrics.yielded != nullptr)
    cfg_.metrics.yielded->Decrement();
  auto& entry = i->second;
  if (outcome == policies::reclaim_outcome::queued) {
    entry.submitter = sender;
    refresh_gauges();
    arm_refresh();
    return;
  }
  regained(entry, msg.run, sender);
}

void admission_state::regained(admission_run& entry, run_id run,
                               const caf::actor& sender) {
  entry.running = true;
  entry.submitter = nullptr;
  entry.tenant->took_slot();
  take_lease(*entry.tenant);
  if (sender)
    self_->send(sender, slot_returned{run});
}

void admission_state::started(admission_run& entry, policies::duration waited) {
  entry.running = true;
  entry.submitter = nullptr;
  entry.tenant->took_slot();
  take_lease(*entry.tenant);
  if (cfg_.metrics.admitted != nullptr)
    cfg_.metrics.admitted->Increment();
  if (cfg_.metrics.wait != nullptr)
    cfg_.metrics.wait->Observe(seconds(waited));
}

void admission_state::announce(
    const std::vector<policies::admitted_run>& admitted) {
  for (const auto& run : admitted) {
    auto i = runs_.find(run.request);
    if (i == runs_.end())
      continue; // every queued run has an entry; defensive only
    auto submitter = std::move(i->second.submitter);
    if (run.reclaimed) {
      regained(i->second, run.request, submitter);
      continue;
    }
    started(i->second, run.waited);
    if (!submitter)
      continue;
    admission_verdict verdict;
    verdict.run = run.request;
    verdict.waited_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(run.waited)
            .count();
    verdict.reserved_tokens = budgets_->reservation_of(run.request);
    self_->send(submitter, std::move(verdict));
  }
}

void admission_state::shed(const policies::shed_run& victim,
                           const std::string& by_class) {
  count_refusal(admission_refusal::shed_for_higher_priority);
  auto i = runs_.find(victim.request);
  if (i == runs_.end())
    return;
  auto submitter = std::move(i->second.submitter);
  auto* tenant = i->second.tenant;
  runs_.erase(i);
  settle(*tenant, victim.request, 0, wall_now()); // its reservation returns
  if (submitter) {
    const auto& victim_class = queue_->config().priorities[victim.priority];
    self_->send(
        submitter,
        refusal_verdict(
            victim.request, admission_outcome::shed, error_code::queue_full,
            "shed for higher-priority work: a run of class `" + by_class +
                "` took its place in the full "
                "admission queue (this run was of class `" +
                victim_class.name + "`)"));
  }
  forget_if_idle(tenant);
}

void admission_state::count_refusal(admission_refusal reason) {
  if (auto* counter = cfg_.metrics.refused[static_cast<std::size_t>(reason)])
    counter->Increment();
}

void admission_state::refresh_gauges() {
  const auto& metrics = cfg_.metrics;
  for (std::size_t i = 0; i < metrics.queue_depth.size(); ++i)
    if (metrics.queue_depth[i] != nullptr)
      metrics.queue_depth[i]->Set(queue_->queue_depth(i));
  for (std::size_t i = 0; i < metrics.oldest_wait.size(); ++i)
    if (metrics.oldest_wait[i] != nullptr)
      metrics.oldest_wait[i]->Set(seconds(queue_->oldest_waiting_age(i)));
}

void admission_state::arm_refresh() {
  if (refresh_armed_ || cfg_.metrics_refresh.count() <= 0 ||
      cfg_.metrics.oldest_wait.empty() || queue_->queued_total() == 0)
    return;
  refresh_armed_ = true;
  self_->delayed_send(self_, cfg_.metrics_refresh, refresh_atom::value);
}

caf::expected<caf::actor> spawn_admission(caf::actor_system& sys,
                                          admission_actor_config cfg) {
  const auto& settings = cfg.settings;
  auto problems = policies::validate(admission_config_of(settings));
  if (!problems.empty())
    return make_error(error_code::invalid_argument,
                      "admission configuration: " + problems.front().key +
                          ": " + problems.front().message);
  for (const auto& [name, tenant] : settings.tenants)
    if (settings.tiers.count(tenant.tier) == 0)
      return make_error(error_code::invalid_argument,
                        "tenants." + name + ".tier: no tier named `" +
                            tenant.tier + "`");
  const auto& default_tier = settings.admission.default_tier;
  if (!default_tier.empty() && settings.tiers.count(default_tier) == 0)
    return make_error(error_code::invalid_argument,
                      "admission.default_tier: no tier named `" + default_tier +
                          "`");
  return sys.spawn(
      [](admission_actor* self, admission_actor_config config) {
        self->state.init(std::move(config));
        return self->state.make_behavior();
      },
      std::move(cfg));
}

} // namespace warden
