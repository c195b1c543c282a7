#include <algorithm>
#include <map>

#include "config/detail/checks.hpp"
#include "config/detail/names.hpp"
#include "config/detail/rules.hpp"

namespace warden::config::detail {

namespace {

void check_server(rule_context& context, const std::string& name,
                  const mcp_server_settings& server) {
  auto prefix = entry_path("mcp_servers", name);
  auto key = [&](const char* member) { return prefix + "." + member; };
  if (server.command.empty())
    context.report(key("command"),
                   "is required: the executable of the MCP server (a path, "
                   "or a name looked up on PATH)");
  check_executable(context, prefix, server.command, server.cwd);
  if (server.restart_backoff_ms > server.max_restart_backoff_ms &&
      context.usable({key("max_restart_backoff_ms")}))
    context.report(key("restart_backoff_ms"),
                   "must be at most max_restart_backoff_ms (" +
                       std::to_string(server.max_restart_backoff_ms) +
                       "), got " + std::to_string(server.restart_backoff_ms));
  // Each tool in one list at most, once.
  std::map<std::string, std::string> listed;
  for (const char* list :
       {"pure_tools", "idempotent_tools", "effectful_tools"}) {
    const auto& names = list[0] == 'p'   ? server.pure_tools
                        : list[0] == 'i' ? server.idempotent_tools
                                         : server.effectful_tools;
    for (std::size_t i = 0; i < names.size(); ++i) {
      auto where = key(list) + "[" + std::to_string(i) + "]";
      auto [at, fresh] = listed.emplace(names[i], key(list));
      if (!fresh)
        context.report(where, "tool `" + names[i] + "` is already listed in " +
                                  at->second);
    }
  }
  // An effectful tool is never retried: a retry table that retries is a
  // mistake when any tool may be effectful.
  bool any_effectful = server.side_effect == side_effect_kind::effectful ||
                       !server.effectful_tools.empty();
  if (any_effectful && server.retry.max_attempts > 1 &&
      context.usable({key("side_effect")}))
    context.report(key("retry.max_attempts"),
                   "must be 1 while any of the server's tools is effectful (a "
                   "retry would repeat its effect), got " +
                       std::to_string(server.retry.max_attempts) +
                       "; declare side_effect = \"idempotent\" (and no "
                       "effectful_tools) if repeating a call is safe");
  check_tool_guard(context, prefix, server.retry, server.breaker,
                   server.timeout_ms);
  // The server's tools are named "<name>__<tool>": a [tools] entry there
  // would shadow one of them.
  for (const auto& [tool, settings] : context.value().tools) {
    (void)settings;
    if (tool.rfind(name + "__", 0) == 0)
      context.report(entry_path("tools", tool),
                     "is named in the space of MCP server `" + name +
                         "` (its tools are called \"" + name +
                         "__<tool>\"); rename the tool");
  }
}

} // namespace

void check_mcp_rules(rule_context& context) {
  for (const auto& [name, server] : context.value().mcp_servers)
    check_server(context, name, server);
}

} // namespace warden::config::detail
