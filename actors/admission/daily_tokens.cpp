// Admission's part in daily token budgets: each root run's budget held in
// escrow out of its tenant's day when it is admitted, settled when it ends
// (actors/README.md, "Daily token budgets, held in escrow"), and the gauges
// that show them.

#include <algorithm>

#include <caf/all.hpp>

#include "actors/admission/admission.hpp"
#include "policies/daily_budget.hpp"

namespace warden {

void admission_state::charge_tokens_of(const charge_tokens& msg) {
  auto* tenant = tenant_for(msg.tenant);
  if (tenant == nullptr)
    return;
  settle(*tenant, msg.run, msg.tokens,
         msg.finished_at_ms != 0 ? msg.finished_at_ms : wall_now());
  forget_if_idle(tenant);
}

std::uint64_t admission_state::wall_now() const {
  return clock_->unix_ms();
}

void admission_state::advance_day(std::uint64_t now_ms) {
  if (budgets_->advance_to(now_ms))
    reset_daily_gauges();
}

std::uint64_t admission_state::reserve(const admission_tenant& tenant,
                                       const admit_run& msg) {
  if (msg.accepted || tenant.daily_token_budget == 0)
    return 0; // accepted earlier: it keeps what it held (if anything)
  // In a cluster, only tokens this member holds a lease of (tokens_allow
  // made sure there are enough).
  auto* limit = token_limit(tenant.name, tenant.daily_token_budget);
  auto budget = limit != nullptr ? applied_budget(tenant, *limit)
                                 : tenant.daily_token_budget;
  auto tokens = budgets_->reserve(msg.run, tenant.name, budget, msg.tokens);
  if (limit != nullptr && tokens > 0) {
    if (tokens_->take(*limit, tokens) != budget_take::taken)
      tokens_->charge(*limit, tokens); // reserved all the same: counted
    limit->in_flight = budgets_->reserved(tenant.name);
  }
  show_reserved(tenant.name, tokens, 0);
  return tokens;
}

void admission_state::settle(const admission_tenant& tenant, run_id run,
                             std::uint64_t tokens,
                             std::uint64_t finished_at_ms) {
  auto day = budgets_->day();
  auto settled = budgets_->settle(run, tenant.name, tokens, finished_at_ms);
  show_reserved(tenant.name, 0, settled.released);
  lease_settled(tenant.name, settled.released, tokens);
  if (settled.overrun > 0 && cfg_.metrics.token_overrun != nullptr)
    cfg_.metrics.token_overrun->Increment(static_cast<double>(settled.overrun));
  if (budgets_->day() != day) {
    // The run moved the day: every other counter was dropped.
    reset_daily_gauges();
    return;
  }
  if (!settled.counted || tokens == 0)
    return; // a run of a day that is over counted for that day
  if (tenant.configured) {
    if (tenant.daily_tokens != nullptr)
      tenant.daily_tokens->Set(
          static_cast<double>(budgets_->used(tenant.name)));
    return;
  }
  other_daily_tokens_ = policies::saturating_add(other_daily_tokens_, tokens);
  if (cfg_.metrics.other_daily_tokens != nullptr)
    cfg_.metrics.other_daily_tokens->Set(
        static_cast<double>(other_daily_tokens_));
}

void admission_state::show_reserved(const std::string& tenant_name,
                                    std::uint64_t added,
                                    std::uint64_t released) {
  if (added == 0 && released == 0)
    return;
  const auto& gauges = cfg_.metrics.tenant_reserved_tokens;
  if (auto gauge = gauges.find(tenant_name); gauge != gauges.end()) {
    if (gauge->second != nullptr)
      gauge->second->Set(static_cast<double>(budgets_->reserved(tenant_name)));
    return;
  }
  if (cfg_.settings.tenants.count(tenant_name) > 0)
    return; // configured, but its gauge is not kept
  other_reserved_tokens_ =
      policies::saturating_add(other_reserved_tokens_, added);
  other_reserved_tokens_ -= std::min(other_reserved_tokens_, released);
  if (cfg_.metrics.other_reserved_tokens != nullptr)
    cfg_.metrics.other_reserved_tokens->Set(
        static_cast<double>(other_reserved_tokens_));
}

void admission_state::reset_daily_gauges() {
  other_daily_tokens_ = 0;
  for (const auto& [tenant, used] : budgets_->used_today()) {
    auto i = tenants_.find(tenant);
    if (i == tenants_.end() || !i->second->configured)
      other_daily_tokens_ = policies::saturating_add(other_daily_tokens_, used);
  }
  for (const auto& [tenant, gauge] : cfg_.metrics.tenant_daily_tokens)
    if (gauge != nullptr)
      gauge->Set(static_cast<double>(budgets_->used(tenant)));
  if (cfg_.metrics.other_daily_tokens != nullptr)
    cfg_.metrics.other_daily_tokens->Set(
        static_cast<double>(other_daily_tokens_));
}

} // namespace warden
