#pragma once

// The backend of a tool an MCP server offers: its attempts go to the
// server's actor, which reports their outcomes to the tool runner.

#include <string>
#include <utility>

#include <caf/actor.hpp>
#include <caf/send.hpp>

#include "actors/dependencies/backend.hpp"
#include "actors/dependencies/mcp/server.hpp"

namespace warden::mcp {

/// Calls tool `tool` (the server's name for it) of the server actor
/// `server`. Owner-context `start` and `abandon`, as every backend.
class mcp_tool final : public tool_backend {
 public:
  mcp_tool(caf::actor server, std::string tool)
      : server_(std::move(server)), tool_(std::move(tool)) {}

  void start(const tool_request& request,
             const attempt_ticket& ticket) override {
    caf::anon_send(server_, call_tool{ticket, tool_, request.arguments});
  }

  void abandon(const attempt_ticket& ticket) override {
    caf::anon_send(server_,
                   abandon_call{ticket.owner, ticket.call, ticket.attempt});
  }

 private:
  caf::actor server_;
  std::string tool_;
};

} // namespace warden::mcp
