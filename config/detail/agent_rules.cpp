#include <algorithm>

#include "config/detail/checks.hpp"
#include "config/detail/names.hpp"
#include "config/detail/rules.hpp"

namespace warden::config::detail {

namespace {

// Checks one (provider, model) an agent calls; `where` is the table that
// names them (the agent, or one of its fallback_models).
void check_model_use(rule_context& context, const std::string& prefix,
                     const std::string& where, const std::string& provider_name,
                     const std::string& model, const agent_settings& agent) {
  const auto& providers = context.value().providers;
  if (provider_name.empty()) {
    context.report(where + ".provider",
                   "is required: the name of a [providers.<name>] table; "
                   "defined: " +
                       name_list(names_of(providers)));
    return;
  }
  auto provider = providers.find(provider_name);
  if (provider == providers.end()) {
    context.report_undefined(where + ".provider", provider_name, "provider",
                             names_of(providers));
    return;
  }
  auto provider_key = entry_path("providers", provider_name);
  if (provider->second.kind == provider_kind::openai && model.empty() &&
      context.usable({provider_key + ".kind"}))
    context.report(where + ".model", "is required: provider `" + provider_name +
                                         "` is of kind \"openai\"");
  if (provider->second.timeout_ms > agent.turn_timeout_ms &&
      context.usable({prefix + ".turn_timeout_ms"}))
    context.report(provider_key + ".timeout_ms",
                   "must be at most " + prefix + ".turn_timeout_ms (" +
                       std::to_string(agent.turn_timeout_ms) +
                       ") of an agent that uses this provider, got " +
                       std::to_string(provider->second.timeout_ms));
}

void check_provider_use(rule_context& context, const std::string& prefix,
                        const agent_settings& agent) {
  check_model_use(context, prefix, prefix, agent.provider, agent.model, agent);
  for (std::size_t i = 0; i < agent.fallback_models.size(); ++i) {
    const auto& fallback = agent.fallback_models[i];
    auto where = prefix + ".fallback_models[" + std::to_string(i) + "]";
    if (fallback.provider == agent.provider && fallback.model == agent.model)
      context.report(where, "names the agent's own model; a fallback must "
                            "be another (provider, model)");
    else
      check_model_use(context, prefix, where, fallback.provider, fallback.model,
                      agent);
  }
}

void check_tool_use(rule_context& context, const std::string& prefix,
                    const agent_settings& agent) {
  const auto& tools = context.value().tools;
  for (std::size_t i = 0; i < agent.tools.size(); ++i) {
    const auto& name = agent.tools[i];
    auto key = prefix + ".tools[" + std::to_string(i) + "]";
    if (std::find(agent.tools.begin(), agent.tools.end(), name) !=
        agent.tools.begin() + static_cast<std::ptrdiff_t>(i)) {
      context.report(key, "duplicate tool `" + name + "`");
      continue;
    }
    auto tool = tools.find(name);
    if (tool == tools.end()) {
      auto server = mcp_server_of(context.value().mcp_servers, name);
      if (server.empty()) {
        auto defined = names_of(tools);
        for (const auto& entry : context.value().mcp_servers)
          defined.push_back(entry.first + "__*");
        context.report_undefined(key, name, "tool", defined);
        continue;
      }
      // A tool of an MCP server: whether the server offers it is known
      // once the node has asked it (at start).
      const auto& mcp = context.value().mcp_servers.at(server);
      if (mcp.timeout_ms > agent.turn_timeout_ms &&
          context.usable({prefix + ".turn_timeout_ms"}))
        context.report(entry_path("mcp_servers", server) + ".timeout_ms",
                       "must be at most " + prefix + ".turn_timeout_ms (" +
                           std::to_string(agent.turn_timeout_ms) +
                           ") of an agent that uses the server's tools, got " +
                           std::to_string(mcp.timeout_ms));
      continue;
    }
    auto tool_key = entry_path("tools", name);
    if (tool->second.timeout_ms > agent.turn_timeout_ms &&
        context.usable({prefix + ".turn_timeout_ms"}))
      context.report(tool_key + ".timeout_ms",
                     "must be at most " + prefix + ".turn_timeout_ms (" +
                         std::to_string(agent.turn_timeout_ms) +
                         ") of an agent that uses this tool, got " +
                         std::to_string(tool->second.timeout_ms));
    // A spawn tool that the agent's own fan-out limits forbid to use.
    const auto& fanout = agent.fanout;
    if (tool->second.kind == tool_kind::spawn_agent &&
        context.usable({tool_key + ".kind", prefix + ".fanout"})) {
      const char* limit = fanout.max_depth < 2          ? "max_depth"
                          : fanout.max_children == 0    ? "max_children"
                          : fanout.max_descendants == 0 ? "max_descendants"
                                                        : nullptr;
      if (limit != nullptr)
        context.report(prefix + ".fanout." + limit,
                       std::string{"allows no child session, yet the agent "
                                   "uses spawn_agent tool `"} +
                           name + "`; raise " + limit + " or drop the tool");
    }
  }
}

void check_limits(rule_context& context, const std::string& prefix,
                  const agent_settings& agent) {
  auto global_cap = context.value().admission.global_cap;
  // A turn that waits only for its children holds its pool permit without
  // an admission slot: such agents may use more permits than there are
  // slots.
  const auto& tools = context.value().tools;
  auto spawns = std::any_of(
      agent.tools.begin(), agent.tools.end(), [&](const std::string& name) {
        auto tool = tools.find(name);
        return tool != tools.end() &&
               tool->second.kind == tool_kind::spawn_agent;
      });
  if (!spawns && agent.max_concurrency > global_cap &&
      context.usable({"admission.global_cap"}))
    context.report(prefix + ".max_concurrency",
                   "must be at most admission.global_cap (" +
                       std::to_string(global_cap) +
                       "): more permits could never be used, got " +
                       std::to_string(agent.max_concurrency));
  const auto& fanout = agent.fanout;
  if (fanout.max_children > fanout.max_descendants &&
      context.usable({prefix + ".fanout.max_descendants"}))
    context.report(prefix + ".fanout.max_children",
                   "must be at most max_descendants (" +
                       std::to_string(fanout.max_descendants) + "), got " +
                       std::to_string(fanout.max_children));
  const auto& loop = agent.doom_loop;
  if (loop.repeat_threshold > loop.window_calls &&
      context.usable({prefix + ".doom_loop.window_calls"}))
    context.report(prefix + ".doom_loop.repeat_threshold",
                   "must be at most window_calls (" +
                       std::to_string(loop.window_calls) +
                       "): repeats are counted within the window, got " +
                       std::to_string(loop.repeat_threshold));
  const auto& budget = agent.run_budget;
  if (budget.tokens != 0 && agent.context_token_budget > budget.tokens &&
      context.usable({prefix + ".run_budget.tokens"}))
    context.report(prefix + ".context_token_budget",
                   "must be at most run_budget.tokens (" +
                       std::to_string(budget.tokens) +
                       "): one full context would exhaust the run, got " +
                       std::to_string(agent.context_token_budget));
}

} // namespace

void check_agent_rules(rule_context& context) {
  for (const auto& [name, agent] : context.value().agents) {
    auto prefix = entry_path("agents", name);
    check_provider_use(context, prefix, agent);
    check_tool_use(context, prefix, agent);
    check_limits(context, prefix, agent);
  }
}

} // namespace warden::config::detail
