#include "policies/daily_budget.hpp"

#include <algorithm>
#include <utility>

namespace warden::policies {

daily_budget::daily_budget(std::uint64_t day, counters used)
    : day_(day), used_(std::move(used)) {}

bool daily_budget::advance_to(std::uint64_t now_ms) {
  auto today = utc_day(now_ms);
  if (today <= day_)
    return false;
  day_ = today;
  used_.clear();
  return true;
}

daily_budget_decision daily_budget::check(const std::string& tenant,
                                          std::uint64_t budget,
                                          std::uint64_t needed) const {
  daily_budget_decision result;
  result.budget = budget;
  result.needed = std::max<std::uint64_t>(needed, 1);
  result.resets_at_ms = (day_ + 1) * day_ms;
  if (budget == 0)
    return result; // unlimited: no lookup on the admission path
  result.used = used(tenant);
  result.reserved = reserved(tenant);
  if (result.allowed())
    return result;
  result.reason = "tenant `" + tenant + "` used " +
                  with_thousands(result.used) + " of its " +
                  with_thousands(budget) + " daily tokens";
  if (result.reserved > 0)
    result.reason += ", and runs not yet ended hold " +
                     with_thousands(result.reserved) +
                     " more in reserve (released as they end)";
  if (auto left = result.left(); left > 0)
    result.reason += "; the " + with_thousands(left) +
                     " left are fewer than the " +
                     with_thousands(result.needed) +
                     " this run needs at least (an eighth of its run budget)";
  result.reason += "; resets at 00:00 UTC";
  return result;
}

std::uint64_t daily_budget::reserve(run_key run, const std::string& tenant,
                                    std::uint64_t budget,
                                    std::uint64_t wanted) {
  if (auto i = runs_.find(run); i != runs_.end())
    return i->second.tokens;
  if (budget == 0)
    return 0;
  auto decision = check(tenant, budget, least_reservation(wanted));
  if (!decision.allowed())
    return 0;
  auto left = decision.left();
  auto tokens = wanted == 0 ? left : std::min(wanted, left);
  restore(run, tenant, tokens);
  return tokens;
}

void daily_budget::restore(run_key run, const std::string& tenant,
                           std::uint64_t tokens) {
  if (tokens == 0 || !runs_.emplace(run, held{tenant, tokens}).second)
    return;
  auto& x = reserved_[tenant];
  x = saturating_add(x, tokens);
}

budget_settlement daily_budget::settle(run_key run, const std::string& tenant,
                                       std::uint64_t tokens,
                                       std::uint64_t finished_at_ms) {
  budget_settlement result;
  if (auto i = runs_.find(run); i != runs_.end()) {
    result.released = i->second.tokens;
    auto& x = reserved_[i->second.tenant];
    x -= std::min(x, result.released);
    if (x == 0)
      reserved_.erase(i->second.tenant);
    runs_.erase(i);
    result.overrun = tokens > result.released ? tokens - result.released : 0;
  }
  result.counted = charge(tenant, tokens, finished_at_ms);
  return result;
}

bool daily_budget::charge(const std::string& tenant, std::uint64_t tokens,
                          std::uint64_t finished_at_ms) {
  advance_to(finished_at_ms);
  if (utc_day(finished_at_ms) < day_)
    return false;
  if (tokens == 0)
    return true;
  auto& x = used_[tenant];
  x = saturating_add(x, tokens);
  return true;
}

std::uint64_t daily_budget::used(const std::string& tenant) const {
  auto i = used_.find(tenant);
  return i != used_.end() ? i->second : 0;
}

std::uint64_t daily_budget::reserved(const std::string& tenant) const {
  auto i = reserved_.find(tenant);
  return i != reserved_.end() ? i->second : 0;
}

std::uint64_t daily_budget::reservation_of(run_key run) const {
  auto i = runs_.find(run);
  return i != runs_.end() ? i->second.tokens : 0;
}

std::string with_thousands(std::uint64_t x) {
  auto digits = std::to_string(x);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

} // namespace warden::policies
