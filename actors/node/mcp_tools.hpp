#pragma once

// The tools of a node's MCP servers: at start the node starts each server's
// actor, asks it for its tools (each server's first process runs then,
// bounded by its startup_timeout_ms) and makes one tool of each, governed
// like any configured tool.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "actors/dependencies/backend.hpp"
#include "actors/dependencies/openai/request.hpp"
#include "actors/dependencies/process/process_service.hpp"
#include "config/settings.hpp"

namespace prometheus {
class Registry;
} // namespace prometheus

namespace warden {

/// What the MCP servers of a node offer.
struct mcp_tools {
  /// Each server's actor, by the name of its table.
  std::map<std::string, caf::actor> servers;
  /// Each exposed tool's settings (kind mcp; the server's timeout, side
  /// effect, rate limit, retry and breaker), by the name models call it.
  std::map<std::string, config::tool_settings> settings;
  /// Each exposed tool's backend (its calls go to its server's actor).
  std::map<std::string, std::shared_ptr<tool_backend>> backends;
  /// What models are told of each exposed tool.
  openai::tool_catalog catalog;
  /// The exposed names of each server's tools, sorted.
  std::map<std::string, std::vector<std::string>> by_server;
};

/// Starts the actor of every [mcp_servers] table on `processes` and asks
/// each for its tools. An error names the server that could not list its
/// tools in time, why, and the end of its stderr; the servers started so
/// far are in `started` (for the caller to stop) either way.
caf::expected<mcp_tools>
start_mcp_servers(caf::actor_system& sys, const config::settings& settings,
                  const std::shared_ptr<process::process_service>& processes,
                  prometheus::Registry* registry,
                  std::vector<caf::actor>& started);

/// Agent `agent`'s `tools` with each "<server>__*" replaced by every tool
/// of that server and each other MCP name checked against what its server
/// offers: an invalid_argument error names a tool the server does not
/// offer, and what it offers.
caf::expected<std::vector<std::string>>
expand_agent_tools(const std::string& agent,
                   const std::vector<std::string>& tools,
                   const config::settings& settings, const mcp_tools& mcp);

} // namespace warden
