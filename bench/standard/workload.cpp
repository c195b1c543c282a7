#include "bench/standard/workload.hpp"

#include <algorithm>
#include <cstdio>

namespace warden::bench {

const std::vector<tier_spec>& tiers() {
  static const std::vector<tier_spec> result{
      {"free", 2, 1}, {"pro", 20, 4}, {"enterprise", 200, 16}};
  return result;
}

std::size_t tier_of(std::uint32_t tenant) {
  auto slot = tenant % 20;
  if (slot == 0)
    return 2;
  return slot <= 5 ? 1 : 0;
}

std::string tenant_name(std::uint32_t tenant) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "tenant-%04u", tenant);
  return buf;
}

std::string agent_name(std::uint32_t agent) {
  return "agent-" + std::to_string(agent);
}

config::settings make_settings(const workload_params& params) {
  config::settings s;
  s.node.name = "bench";
  s.node.scheduler_threads = params.threads;
  s.node.scheduler = params.scheduler;
  s.admission.global_cap = params.global_cap;
  s.admission.global_queue_cap = 65'536;
  for (const auto& tier : tiers()) {
    config::tier_settings t;
    t.in_flight_cap = std::min(tier.in_flight_cap, params.global_cap);
    t.queue_cap = 1'000;
    t.weight = tier.weight;
    s.tiers[tier.name] = t;
  }
  for (std::uint32_t i = 0; i < params.tenants; ++i)
    s.tenants[tenant_name(i)].tier = tiers()[tier_of(i)].name;
  s.tenants[probe_tenant].tier = "enterprise";
  config::provider_settings provider; // scripted, built-in script
  provider.timeout_ms = 10'000;
  s.providers["scripted"] = provider;
  for (const char* name : {"echo_a", "echo_b"}) {
    config::tool_settings tool;
    tool.kind = config::tool_kind::echo;
    tool.side_effect = config::side_effect_kind::pure;
    tool.timeout_ms = 10'000;
    s.tools[name] = tool;
  }
  for (std::uint32_t i = 0; i < params.agents; ++i) {
    config::agent_settings agent;
    agent.provider = "scripted";
    agent.tools = {"echo_a", "echo_b"};
    agent.max_concurrency =
        std::min(params.agent_max_concurrency, params.global_cap);
    agent.turn_timeout_ms = 60'000;
    s.agents[agent_name(i)] = agent;
  }
  return s;
}

std::vector<std::uint32_t> client_windows(const workload_params& params,
                                          std::uint32_t total) {
  std::vector<std::uint32_t> caps(params.tenants);
  std::uint64_t sum = 0;
  for (std::uint32_t i = 0; i < params.tenants; ++i) {
    caps[i] = tiers()[tier_of(i)].in_flight_cap;
    sum += caps[i];
  }
  std::vector<std::uint32_t> windows(params.tenants);
  std::uint64_t used = 0;
  for (std::uint32_t i = 0; i < params.tenants; ++i) {
    auto scaled = static_cast<std::uint32_t>(caps[i] * std::uint64_t{total} /
                                             std::max<std::uint64_t>(sum, 1));
    windows[i] = std::clamp<std::uint32_t>(scaled, 1, caps[i]);
    used += windows[i];
  }
  // The floor of one per tenant may overshoot: take the excess back from the
  // largest windows, one at a time.
  while (used > total) {
    auto largest = std::max_element(windows.begin(), windows.end());
    if (*largest <= 1)
      break;
    --*largest;
    --used;
  }
  return windows;
}

} // namespace warden::bench
