// A tenant's in-flight cap across a cluster: the admission actor's side of
// admission_leases (leases.hpp). The queue applies to each tenant the runs
// it has in flight here plus the units this node may still take; every
// change of those (runs admitted and ended, grants, returns, expiries, the
// members) goes through `apply_leases`.

#include <algorithm>
#include <limits>

#include <caf/all.hpp>

#include "actors/admission/admission.hpp"

namespace warden {

namespace {

using lease_tick_atom = caf::atom_constant<caf::atom("a_lease")>;

} // namespace

std::optional<policies::tenant_limits>
admission_state::configured_limits(const std::string& tenant_name) const {
  if (const auto* known = find_tenant(tenant_name))
    return known->limits;
  const auto& settings = cfg_.settings;
  auto table = settings.tenants.find(tenant_name);
  const auto& tier_name = table != settings.tenants.end()
                              ? table->second.tier
                              : settings.admission.default_tier;
  auto tier = settings.tiers.find(tier_name);
  if (tier_name.empty() || tier == settings.tiers.end())
    return std::nullopt;
  return tenant_limits_of(
      tier->second, table != settings.tenants.end() ? &table->second : nullptr);
}

void admission_state::take_lease(const admission_tenant& tenant) {
  if (!leases_->active())
    return;
  (void)leases_->sync(tenant.name, tenant.limits.in_flight_cap,
                      queue_->in_flight(tenant.id),
                      queue_->queued(tenant.id) > 0);
}

void admission_state::apply_leases(admission_tenant& tenant) {
  if (!leases_->active())
    return;
  auto in_flight = queue_->in_flight(tenant.id);
  auto free = leases_->sync(tenant.name, tenant.limits.in_flight_cap, in_flight,
                            queue_->queued(tenant.id) > 0);
  auto cap = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(tenant.limits.in_flight_cap, in_flight + free));
  if (cap != tenant.applied_cap) {
    tenant.applied_cap = cap;
    auto limits = tenant.limits;
    limits.in_flight_cap = cap;
    std::vector<policies::admitted_run> admitted;
    queue_->set_tenant(tenant.id, limits, admitted);
    announce(admitted); // takes their units (take_lease)
  }
  arm_lease_tick();
}

void admission_state::apply_leases(const std::vector<std::string>& names) {
  for (const auto& tenant_name : names) {
    if (auto i = tenants_.find(tenant_name); i != tenants_.end()) {
      apply_leases(*i->second);
    } else if (auto limits = configured_limits(tenant_name)) {
      // Nothing of it runs or waits here: give back, return, renew.
      (void)leases_->sync(tenant_name, limits->in_flight_cap, 0, false);
      leases_->forget_if_unused(tenant_name);
    }
  }
  refresh_gauges();
}

void admission_state::arm_lease_tick() {
  if (lease_tick_armed_ || !leases_->active())
    return;
  lease_tick_armed_ = true;
  self_->delayed_send(self_, leases_->tick_interval(), lease_tick_atom::value);
}

void admission_state::on_lease_members(const lease_members& msg) {
  std::map<std::string, std::uint64_t> in_use;
  for (const auto& [tenant_name, tenant] : tenants_)
    in_use[tenant_name] = queue_->in_flight(tenant->id);
  auto touched = leases_->on_members(msg, in_use);
  // Tenants known here but without a limit yet get one now.
  for (const auto& [tenant_name, tenant] : tenants_)
    touched.push_back(tenant_name);
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  apply_leases(touched);
  on_token_members(msg);
  arm_lease_tick();
}

void admission_state::on_lease_tick() {
  lease_tick_armed_ = false;
  apply_leases(leases_->tick());
  tokens_->tick();
  retry_held({});
  arm_lease_tick();
}

void admission_state::on_lease_ask(const lease_ask& msg,
                                   const caf::actor& sender) {
  if (is_token_limit(msg.limit))
    return tokens_->on_ask(msg, sender);
  auto tenant_name = tenant_of_limit(msg.limit);
  auto limits = configured_limits(tenant_name);
  leases_->on_ask(msg,
                  limits ? std::optional<std::uint64_t>{limits->in_flight_cap}
                         : std::nullopt,
                  sender);
  apply_leases({tenant_name});
}

void admission_state::on_lease_grant(const lease_grant& msg) {
  if (is_token_limit(msg.limit)) {
    if (tokens_->on_grant(msg) != nullptr)
      retry_held(msg.limit);
    return;
  }
  leases_->on_grant(msg);
  apply_leases({tenant_of_limit(msg.limit)});
}

void admission_state::on_lease_recall(const lease_recall& msg) {
  if (is_token_limit(msg.limit))
    return tokens_->on_recall(msg);
  leases_->on_recall(msg);
  apply_leases({tenant_of_limit(msg.limit)});
}

void admission_state::on_lease_return(const lease_return& msg) {
  if (is_token_limit(msg.limit)) {
    if (tokens_->on_return(msg) != nullptr)
      retry_held(msg.limit);
    return;
  }
  leases_->on_return(msg);
  apply_leases({tenant_of_limit(msg.limit)});
}

} // namespace warden
