#include "config/settings.hpp"

#include <algorithm>

#include "config/detail/names.hpp"

namespace warden::config {

const char* to_string(error_class x) noexcept {
  return detail::name_of(x).data();
}

// Out of line: GCC 12 warns about an initializer_list of enums inlined into
// every constructor of retry_settings (a false maybe-uninitialized).
std::vector<error_class> all_error_classes() {
  return {error_class::transient, error_class::timeout,
          error_class::rate_limited};
}

const char* to_string(breaker_window x) noexcept {
  return detail::name_of(x).data();
}

const char* to_string(provider_kind x) noexcept {
  return detail::name_of(x).data();
}

const char* to_string(busy_policy x) noexcept {
  return detail::name_of(x).data();
}

const char* to_string(tool_kind x) noexcept {
  return detail::name_of(x).data();
}

side_effect_kind
mcp_server_settings::side_effect_of(const std::string& tool) const {
  auto listed = [&](const std::vector<std::string>& names) {
    return std::find(names.begin(), names.end(), tool) != names.end();
  };
  if (listed(effectful_tools))
    return side_effect_kind::effectful;
  if (listed(idempotent_tools))
    return side_effect_kind::idempotent;
  if (listed(pure_tools))
    return side_effect_kind::pure;
  return side_effect;
}

std::string
mcp_server_of(const std::map<std::string, mcp_server_settings>& servers,
              const std::string& tool) {
  std::string found;
  for (const auto& entry : servers) {
    const auto& name = entry.first;
    if (name.size() > found.size() && tool.size() > name.size() + 2 &&
        tool.compare(0, name.size(), name) == 0 &&
        tool.compare(name.size(), 2, "__") == 0)
      found = name;
  }
  return found;
}

const char* to_string(side_effect_kind x) noexcept {
  return detail::name_of(x).data();
}

const char* to_string(scheduler_policy x) noexcept {
  return detail::name_of(x).data();
}

std::string endpoint::to_string() const {
  if (is_off())
    return {};
  // IPv6 addresses are written in brackets so that the port stays apart.
  if (host.find(':') != std::string::npos)
    return '[' + host + "]:" + std::to_string(port);
  return host + ':' + std::to_string(port);
}

tier_settings tenant_settings::apply_to(tier_settings base) const {
  if (in_flight_cap)
    base.in_flight_cap = *in_flight_cap;
  if (queue_cap)
    base.queue_cap = *queue_cap;
  if (weight)
    base.weight = *weight;
  if (daily_token_budget)
    base.daily_token_budget = *daily_token_budget;
  if (requests_per_minute)
    base.requests_per_minute = *requests_per_minute;
  if (tokens_per_minute)
    base.tokens_per_minute = *tokens_per_minute;
  return base;
}

std::string settings::default_priority() const {
  if (!admission.default_priority.empty() || priorities.empty())
    return admission.default_priority;
  return priorities.back().name;
}

} // namespace warden::config
