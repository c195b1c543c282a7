// A tenant's daily token budget across a cluster: admission's side of the
// budget limit "tokens:<tenant>" (budget_leases.hpp, window the UTC day).
// The escrow stays the node's own (`policies::daily_budget`): what the
// leases change is the budget it reserves against, which is what the
// tenant used and holds in reserve here plus the tokens this member may
// still take of the cluster's budget. A reservation takes its tokens from
// the lease; when the run ends, what it did not use goes back and what it
// used beyond its reservation is charged. What a member used today counts
// at a new home (budget_leases' `in_use`): the budget holds across a change
// of home, but for what members that are down used that day.

#include <algorithm>

#include <caf/all.hpp>

#include "actors/admission/admission.hpp"
#include "policies/daily_budget.hpp"

namespace warden {

namespace {

constexpr std::string_view tokens_prefix = "tokens:";

std::string token_limit_name(const std::string& tenant_name) {
  return std::string{tokens_prefix} + tenant_name;
}

std::string tenant_of_tokens(const std::string& limit) {
  return limit.substr(tokens_prefix.size());
}

} // namespace

bool is_token_limit(const std::string& limit) {
  return limit.compare(0, tokens_prefix.size(), tokens_prefix) == 0;
}

void admission_state::start_token_leases() {
  // What a tenant has in use here when its tokens' home changes: what it
  // used today and what its runs hold in reserve.
  tokens_.emplace(self_, *clock_,
                  budget_lease_settings{cfg_.leases.ttl, policies::day_ms,
                                        cfg_.metrics.leases},
                  [this](const budget_limit& x) {
                    auto tenant_name = tenant_of_tokens(x.name);
                    return policies::saturating_add(
                        budgets_->used(tenant_name),
                        budgets_->reserved(tenant_name));
                  });
}

void admission_state::on_token_members(const lease_members& msg) {
  // Every tenant known here gets its budget's home now, and so does every
  // tenant that used tokens here today (those without a [tenants] table
  // are of the default tier), so that the home learns what they used.
  tokens_->on_members(msg);
  for (const auto& [tenant_name, tenant] : tenants_)
    (void)token_limit(tenant_name, tenant->daily_token_budget);
  const auto& settings = cfg_.settings;
  auto tier = settings.tiers.find(settings.admission.default_tier);
  if (tier != settings.tiers.end())
    for (const auto& [tenant_name, used] : budgets_->used_today())
      if (used > 0 && tenants_.count(tenant_name) == 0)
        (void)token_limit(tenant_name,
                          daily_token_budget_of(tier->second, nullptr));
  retry_held({});
}

budget_limit* admission_state::token_limit(const std::string& tenant_name,
                                           std::uint64_t budget) {
  if (!tokens_->active() || budget == 0)
    return nullptr;
  auto& x = tokens_->add(token_limit_name(tenant_name), budget);
  x.in_flight = budgets_->reserved(tenant_name);
  return &x;
}

std::uint64_t admission_state::applied_budget(const admission_tenant& tenant,
                                              budget_limit& limit) {
  auto here = policies::saturating_add(budgets_->used(tenant.name),
                                       budgets_->reserved(tenant.name));
  return std::min(tenant.daily_token_budget,
                  policies::saturating_add(here, tokens_->free(limit)));
}

void admission_state::refuse_tokens(const admit_run& msg,
                                    const caf::actor& sender,
                                    admission_refusal reason, error_code code,
                                    std::string why) {
  count_refusal(reason);
  if (sender)
    self_->send(sender, refusal_verdict(msg.run, admission_outcome::rejected,
                                        code, std::move(why)));
}

bool admission_state::tokens_allow(admission_tenant& tenant,
                                   const admit_run& msg,
                                   const caf::actor& sender,
                                   std::optional<policies::time_point> since) {
  auto least = policies::least_reservation(msg.tokens);
  auto* limit = token_limit(tenant.name, tenant.daily_token_budget);
  // Refused on this member's own count: no lease can help.
  auto local = budgets_->check(tenant.name, tenant.daily_token_budget, least);
  if (!local.allowed()) {
    refuse_tokens(msg, sender, admission_refusal::daily_budget_exhausted,
                  error_code::budget_exhausted, std::move(local.reason));
    return false;
  }
  if (limit == nullptr)
    return true;
  // A run waits for its whole budget (a chunk for a run without one of its
  // own) while other members may give tokens back; it takes less (at least
  // `least`, as on a single node) only once the home says the day is
  // spent, or after the wait. (An applied budget of 0 is none left here,
  // not "unlimited".)
  auto wanted = std::min(
      std::max(msg.tokens > 0 ? msg.tokens : tokens_->chunk(*limit), least),
      tenant.daily_token_budget);
  auto applied = applied_budget(tenant, *limit);
  auto fits = [&](std::uint64_t needed) {
    return applied > 0 &&
           budgets_->check(tenant.name, applied, needed).allowed();
  };
  if (fits(wanted))
    return true;
  switch (tokens_->take(*limit, wanted)) {
  case budget_take::taken:
    // The window rolled over at the home: the tokens are there after all.
    tokens_->give(*limit, wanted);
    return true;
  case budget_take::spent:
    if (fits(least))
      return true; // what is left here is all there is
    refuse_tokens(
        msg, sender, admission_refusal::daily_budget_exhausted,
        error_code::budget_exhausted,
        "tenant `" + tenant.name + "`'s daily budget of " +
            policies::with_thousands(tenant.daily_token_budget) +
            " tokens is used or held in reserve across the cluster (on "
            "this member: " +
            policies::with_thousands(budgets_->used(tenant.name)) + " used, " +
            policies::with_thousands(budgets_->reserved(tenant.name)) +
            " reserved); resets at 00:00 UTC");
    return false;
  case budget_take::wait:
    break;
  }
  auto now = clock_->now();
  if (since && now - *since >= tokens_->max_wait()) {
    if (fits(least))
      return true; // no more came: it runs with what there is
    refuse_tokens(
        msg, sender, admission_refusal::daily_budget_exhausted,
        error_code::budget_exhausted,
        "tenant `" + tenant.name + "`: no tokens of its daily budget of " +
            policies::with_thousands(tenant.daily_token_budget) +
            " came free across the cluster within " +
            std::to_string(tokens_->max_wait().count()) +
            " ms (runs on other members hold them in reserve); retry later");
    return false;
  }
  const auto cap = cfg_.settings.admission.global_queue_cap;
  if (!since && held_.size() + queue_->queued_total() >= cap) {
    refuse_tokens(msg, sender, admission_refusal::global_queue_full,
                  error_code::queue_full,
                  "the node's admission queue holds " +
                      std::to_string(queue_->queued_total()) + " runs and " +
                      std::to_string(held_.size()) +
                      " more wait for their tenants' daily tokens, "
                      "admission.global_queue_cap");
    return false;
  }
  held_.push_back({msg, sender, since.value_or(now)});
  arm_lease_tick();
  return false;
}

void admission_state::lease_settled(const std::string& tenant_name,
                                    std::uint64_t released,
                                    std::uint64_t tokens) {
  if (!tokens_->active())
    return;
  auto* limit = tokens_->find(token_limit_name(tenant_name));
  if (limit == nullptr) {
    // Its first tokens here since the members were known: the new limit
    // counts what the tenant used and reserved here, these included.
    auto* tenant = find_tenant(tenant_name);
    if (tenant != nullptr)
      (void)token_limit(tenant_name, tenant->daily_token_budget);
    return;
  }
  limit->in_flight = budgets_->reserved(tenant_name);
  if (tokens < released)
    tokens_->give(*limit, released - tokens);
  else
    tokens_->charge(*limit, tokens - released);
}

void admission_state::retry_held(const std::string& limit_name) {
  if (held_.empty())
    return;
  auto tenant_name =
      limit_name.empty() ? std::string{} : tenant_of_tokens(limit_name);
  // Those of other tenants keep their place; the rest go through admit
  // again in the order they came (held once more if still short).
  std::deque<held_admit> retried;
  std::deque<held_admit> kept;
  for (auto& x : held_)
    (limit_name.empty() || x.msg.tenant == tenant_name ? retried : kept)
        .push_back(std::move(x));
  held_ = std::move(kept);
  for (auto& x : retried)
    admit(x.msg, x.submitter, x.since);
}

bool admission_state::drop_held(run_id run) {
  auto i = std::find_if(held_.begin(), held_.end(), [run](const held_admit& x) {
    return x.msg.run == run;
  });
  if (i == held_.end())
    return false;
  held_.erase(i);
  return true;
}

} // namespace warden
