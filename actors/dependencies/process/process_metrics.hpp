#pragma once

// The metric handles of the processes of one command tool or MCP server.

#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Registry;
} // namespace prometheus

namespace warden::process {

/// Why the process service stopped a child before it ended by itself.
enum class kill_reason {
  timeout,      ///< the call ran past its timeout
  output_cap,   ///< stdout went beyond max_output_bytes
  cancelled,    ///< its caller stopped waiting (run cancelled, runner stopped)
  shutdown,     ///< the node stopped
  idle,         ///< a long-lived child had no work for its idle time
  unresponsive, ///< a long-lived child stopped answering or reading
  protocol,     ///< a long-lived child broke its protocol
};

/// Number of kill reasons.
inline constexpr int kill_reason_count = 7;

/// Label value of `x` ("timeout", "output_cap", "cancelled", "shutdown",
/// "idle", "unresponsive", "protocol").
const char* to_string(kill_reason x) noexcept;

/// Handles of one tool's (or MCP server's) processes, fetched once by the
/// node; every pointer may be null (tests, metrics off). Thread-safe
/// (prometheus handles are).
struct process_metrics {
  /// Children running now.
  prometheus::Gauge* running = nullptr;
  /// Children started.
  prometheus::Counter* starts = nullptr;
  /// Children started again after one failed (MCP servers only).
  prometheus::Counter* restarts = nullptr;
  /// Process groups stopped by the node, by kill_reason.
  prometheus::Counter* kills[kill_reason_count] = {};
};

/// Fetches the handles of command tool `tool` from `registry`:
/// warden_tool_processes{tool}, warden_tool_process_starts_total{tool} and
/// warden_tool_process_kills_total{tool,reason}.
process_metrics make_process_metrics(prometheus::Registry& registry,
                                     const std::string& tool);

/// Fetches the handles of MCP server `server` from `registry`:
/// warden_mcp_processes{server}, warden_mcp_process_starts_total{server},
/// warden_mcp_process_restarts_total{server} and
/// warden_mcp_process_kills_total{server,reason}.
process_metrics make_mcp_process_metrics(prometheus::Registry& registry,
                                         const std::string& server);

} // namespace warden::process
