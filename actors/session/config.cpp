#include "actors/session/config.hpp"

#include <algorithm>

namespace warden {

namespace {

std::uint64_t limit_or_unlimited(std::uint64_t x) {
  return x == 0 ? policies::budget_amounts::unlimited : x;
}

} // namespace

policies::doom_loop_config
make_doom_loop_config(const config::doom_loop_settings& settings) {
  policies::doom_loop_config result;
  result.repeat_threshold = settings.repeat_threshold;
  result.window_calls = settings.window_calls;
  result.unparseable_threshold = settings.unparseable_threshold;
  result.warn_detections = 1;
  result.nudge_detections = 1;
  return result;
}

policies::budget_amounts make_run_grant(const budget_grant& grant) {
  policies::budget_amounts result;
  result.tokens = limit_or_unlimited(grant.tokens);
  result.cost_micros = limit_or_unlimited(grant.cost_micros);
  result.wall_ms = limit_or_unlimited(grant.wall_ms);
  result.iterations = policies::budget_amounts::unlimited;
  return result;
}

policies::budget_amounts make_final_turn_reserve(const budget_grant& grant) {
  policies::budget_amounts result;
  result.tokens = grant.tokens / final_turn_reserve_divisor;
  result.cost_micros = grant.cost_micros / final_turn_reserve_divisor;
  result.wall_ms = grant.wall_ms / final_turn_reserve_divisor;
  return result;
}

std::uint64_t completion_allowance(std::uint64_t agent_limit) {
  return agent_limit != 0 ? agent_limit : completion_token_allowance;
}

std::uint64_t completion_limit(const budget_grant& grant,
                               std::uint64_t agent_limit) {
  if (agent_limit != 0)
    return agent_limit;
  return grant.tokens != 0 ? completion_token_allowance : 0;
}

policies::budget_amounts estimate_model_call(std::uint64_t prompt_tokens,
                                             std::uint64_t allowance) {
  policies::budget_amounts result;
  result.tokens = prompt_tokens + allowance;
  result.iterations = 1;
  return result;
}

policies::budget_amounts actual_model_use(const model_reply& x,
                                          std::uint64_t wall_ms) {
  policies::budget_amounts result;
  result.tokens = x.prompt_tokens + x.completion_tokens;
  result.cost_micros = x.cost_micros;
  result.wall_ms = wall_ms;
  result.iterations = 1;
  return result;
}

std::chrono::milliseconds tool_call_timeout(const agent_runtime& runtime,
                                            const std::string& tool) {
  auto timeout_ms = config::tool_settings{}.timeout_ms;
  if (auto i = runtime.tool_definitions.find(tool);
      i != runtime.tool_definitions.end())
    timeout_ms = i->second.timeout_ms;
  return std::chrono::milliseconds{timeout_ms} + tool_timeout_slack;
}

bool is_spawn_agent_tool(const agent_runtime& runtime,
                         const std::string& tool) {
  auto i = runtime.tool_definitions.find(tool);
  return i != runtime.tool_definitions.end() &&
         i->second.kind == config::tool_kind::spawn_agent;
}

config::side_effect_kind tool_side_effect(const agent_runtime& runtime,
                                          const std::string& tool) {
  if (auto i = runtime.tool_definitions.find(tool);
      i != runtime.tool_definitions.end())
    return i->second.side_effect;
  return config::tool_settings{}.side_effect;
}

bool agent_may_call(const agent_runtime& runtime, const std::string& tool) {
  const auto& tools = runtime.settings.tools;
  return std::find(tools.begin(), tools.end(), tool) != tools.end();
}

} // namespace warden
