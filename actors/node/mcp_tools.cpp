#include "actors/node/mcp_tools.hpp"

#include <algorithm>
#include <chrono>

#include <caf/scoped_actor.hpp>

#include "actors/dependencies/mcp/mcp_tool.hpp"
#include "actors/dependencies/mcp/server.hpp"
#include "actors/dependencies/process/process_metrics.hpp"
#include "actors/protocol/error.hpp"

#include "logging/log.hpp"

namespace warden {

namespace {

/// The settings of an exposed tool `tool` of `server`.
config::tool_settings
tool_settings_of(const config::mcp_server_settings& server,
                 const std::string& tool) {
  config::tool_settings out;
  out.kind = config::tool_kind::mcp;
  out.timeout_ms = server.timeout_ms;
  out.side_effect = server.side_effect_of(tool);
  out.requests_per_minute = server.requests_per_minute;
  out.retry = server.retry;
  out.breaker = server.breaker;
  // An effectful tool is never retried, whatever the server's table says.
  if (out.side_effect == config::side_effect_kind::effectful)
    out.retry = config::retry_settings::none();
  return out;
}

} // namespace

caf::expected<mcp_tools>
start_mcp_servers(caf::actor_system& sys, const config::settings& settings,
                  const std::shared_ptr<process::process_service>& processes,
                  prometheus::Registry* registry,
                  std::vector<caf::actor>& started) {
  mcp_tools out;
  if (settings.mcp_servers.empty())
    return out;
  auto host = mcp::service_host(processes);
  for (const auto& [name, server] : settings.mcp_servers) {
    mcp::server_config cfg;
    cfg.name = name;
    cfg.settings = server;
    cfg.host = host;
    cfg.client_version = WARDEN_VERSION;
    if (registry)
      cfg.metrics = process::make_mcp_process_metrics(*registry, name);
    cfg.log = [](const std::string& text) { logging::warning("mcp", text); };
    auto actor = mcp::spawn_mcp_server(sys, std::move(cfg));
    started.push_back(actor);
    out.servers[name] = actor;
  }
  // Every server starts listing its tools at once (this first ask's answer
  // goes nowhere); the waits below then take the slowest's time, not the
  // sum.
  for (const auto& entry : out.servers)
    caf::anon_send(entry.second, mcp::discover_atom::value);
  caf::scoped_actor self{sys};
  for (const auto& [name, server] : settings.mcp_servers) {
    auto wait = std::chrono::milliseconds{server.startup_timeout_ms} +
                std::chrono::seconds{1};
    caf::error failure;
    mcp::server_offer offer;
    self->request(out.servers.at(name), wait, mcp::discover_atom::value)
        .receive([&](mcp::server_offer& x) { offer = std::move(x); },
                 [&](caf::error& err) { failure = std::move(err); });
    if (failure)
      return make_error(error_code::dependency_failed,
                        "mcp_servers." + name + ": cannot list its tools: " +
                            error_reason(failure));
    for (const auto& note : offer.notes)
      logging::warning("mcp", "mcp_servers." + name + ": " + note);
    auto& names = out.by_server[name];
    for (auto& tool : offer.tools) {
      out.settings[tool.function] = tool_settings_of(server, tool.name);
      out.backends[tool.function] =
          std::make_shared<mcp::mcp_tool>(out.servers.at(name), tool.name);
      out.catalog[tool.function] = {tool.description, tool.parameters};
      names.push_back(tool.function);
    }
    std::sort(names.begin(), names.end());
    logging::info("mcp", "mcp_servers." + name + ": " +
                             std::to_string(names.size()) + " tools");
  }
  return out;
}

caf::expected<std::vector<std::string>>
expand_agent_tools(const std::string& agent,
                   const std::vector<std::string>& tools,
                   const config::settings& settings, const mcp_tools& mcp) {
  std::vector<std::string> out;
  auto add = [&](const std::string& tool) {
    if (std::find(out.begin(), out.end(), tool) == out.end())
      out.push_back(tool);
  };
  for (const auto& tool : tools) {
    if (settings.tools.count(tool) != 0) {
      add(tool);
      continue;
    }
    auto server = config::mcp_server_of(settings.mcp_servers, tool);
    auto offered = mcp.by_server.find(server);
    if (server.empty() || offered == mcp.by_server.end())
      return make_error(error_code::invalid_argument,
                        "agents." + agent + ": tool `" + tool +
                            "` is neither configured nor an MCP server's");
    if (tool == server + "__" + config::mcp_all_tools) {
      for (const auto& name : offered->second)
        add(name);
      continue;
    }
    if (mcp.settings.count(tool) == 0) {
      std::string list;
      for (const auto& name : offered->second)
        list += (list.empty() ? "" : ", ") + name;
      return make_error(
          error_code::invalid_argument,
          "agents." + agent + ": tool `" + tool +
              "` is not offered by MCP server " + server +
              " (it offers: " + (list.empty() ? "nothing" : list) + ")");
    }
    add(tool);
  }
  return out;
}

} // namespace warden
