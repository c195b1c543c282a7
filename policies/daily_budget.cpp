#include "policies/daily_budget.hpp"

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
                                          std::uint64_t budget) const {
  daily_budget_decision result;
  result.budget = budget;
  result.resets_at_ms = (day_ + 1) * day_ms;
  if (budget == 0)
    return result; // unlimited: no lookup on the admission path
  result.used = used(tenant);
  if (!result.allowed())
    result.reason = "tenant `" + tenant + "` used " +
                    with_thousands(result.used) + " of its " +
                    with_thousands(budget) +
                    " daily tokens; resets at 00:00 UTC";
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
