#pragma once

// The MCP server actor: one per [mcp_servers.<name>]. It runs the server's
// processes (at most max_processes; each serves one tools/call at a time),
// speaks MCP to each over its stdin and stdout, queues calls when every
// process is busy (bounded), cancels abandoned calls, restarts processes
// that fail with backoff, stops idle ones and keeps the newest bytes of
// their stderr for operators. Tool runners (one per exposed tool) send it
// their attempts; it reports their outcomes straight to them.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/dependencies/backend.hpp"
#include "actors/dependencies/mcp/host.hpp"
#include "config/mcp.hpp"

namespace warden::mcp {

/// One tool a server offers, as agents and models see it.
struct offered_tool {
  /// The name models call it by ("<server>__<tool>", see names.hpp).
  std::string function;
  /// The server's own name for it.
  std::string name;
  std::string description;
  /// The JSON schema of its arguments (an object schema, as text).
  std::string parameters;
};

/// What a server offered when first asked (server -> node at start).
struct server_offer {
  std::vector<offered_tool> tools;
  /// What was left out and why (no object schema, a clashing name).
  std::vector<std::string> notes;
};

/// An attempt of a call of tool `tool` (tool runner -> server). The outcome
/// goes to ticket.owner as for any backend. Local only.
struct call_tool {
  attempt_ticket ticket;
  /// The server's name of the tool.
  std::string tool;
  /// The call's arguments as the model wrote them.
  std::string arguments;
};

/// The runner stopped waiting for an attempt (tool runner -> server). Local
/// only.
struct abandon_call {
  caf::actor owner;
  std::uint64_t call = 0;
  std::uint32_t attempt = 0;
};

/// One process of a server, for operators.
struct process_view {
  std::uint64_t child = 0;
  /// "starting", "ready", "busy", "stopping".
  std::string state;
  std::uint64_t calls = 0;
};

/// A server as operators see it (server -> whoever asked status).
struct server_view {
  std::string name;
  std::vector<process_view> processes;
  std::size_t queued = 0;
  std::size_t tools = 0;
  std::uint64_t restarts = 0;
  /// Failures in a row (0 once a process is ready again).
  std::uint32_t failures = 0;
  /// The last failure, as a sentence; empty when none.
  std::string last_failure;
  /// The newest bytes of the processes' stderr.
  std::string stderr_tail;
};

/// What a server actor is spawned with.
struct server_config {
  /// The name of its [mcp_servers.<name>] table.
  std::string name;
  config::mcp_server_settings settings;
  /// Where its processes run.
  std::shared_ptr<process_host> host;
  /// Told to servers in initialize.
  std::string client_version;
  /// Process metrics (starts, running, kills; restarts counted here).
  process::process_metrics metrics;
  /// Where notes for the node's log go (a failed process, an ignored
  /// message); empty: nowhere. Called in the actor's context.
  std::function<void(const std::string&)> log;
};

/// Spawns a server actor. It starts no process until asked:
/// `discover_atom` -> server_offer (or an error naming what failed, the
/// process's stderr tail included) once the first process listed its
/// tools; `status_atom` -> server_view; call_tool / abandon_call as above.
caf::actor spawn_mcp_server(caf::actor_system& sys, server_config cfg);

/// Requests answered by the server actor.
using discover_atom = caf::atom_constant<caf::atom("discover")>;
using status_atom = caf::atom_constant<caf::atom("mcpstatus")>;

} // namespace warden::mcp

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::mcp::server_offer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::mcp::call_tool)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::mcp::abandon_call)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::mcp::server_view)
