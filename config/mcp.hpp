#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/dependencies.hpp"
#include "config/resilience.hpp"

namespace warden::config {

/// [mcp_servers.<name>]: one MCP server spoken to over stdio (JSON-RPC 2.0,
/// one message per line). Each tool it lists becomes a tool agents may call
/// as "<name>__<tool>" (see mcp/names.hpp for names that do not fit), or
/// all at once as "<name>__*" in an agent's `tools`.
struct mcp_server_settings {
  /// Executable of the server, run without a shell; required. A name
  /// without a slash is looked up on wardend's PATH when the configuration
  /// is loaded (and replaced by the path found). Default empty.
  std::string command;
  /// Arguments after the program name, as is. Default none.
  std::vector<std::string> args;
  /// The child's whole environment besides PATH, HOME and LANG (taken from
  /// wardend's unless set here); nothing else of wardend's environment
  /// reaches it. Default none.
  std::map<std::string, std::string> env;
  /// Working directory of the child. Empty = wardend's. Default empty.
  std::string cwd;
  /// Timeout of one tools/call in milliseconds; past it the call is
  /// cancelled (notifications/cancelled) and fails with timeout. Range
  /// [1, 3600000]. Default 30000.
  std::uint32_t timeout_ms = 30'000;
  /// From start to the end of the first tools/list, in milliseconds; a
  /// process slower than that is stopped. Range [1, 3600000]. Default
  /// 10000.
  std::uint32_t startup_timeout_ms = 10'000;
  /// Processes of the server running at once; each serves one call at a
  /// time. Range [1, 256]. Default 1.
  std::uint32_t max_processes = 1;
  /// Calls waiting for a process when all are busy; one more fails at once
  /// (rate_limited). Range [0, 16777216]. Default 64.
  std::uint32_t max_queue = 64;
  /// A process without a call for this long is stopped; 0 = never.
  /// Range [0, 2592000000]. Default 300000 (5 minutes).
  std::uint64_t idle_ttl_ms = 300'000;
  /// After a call was abandoned (timeout, cancel), the server must answer a
  /// ping within this many milliseconds, else it is killed and restarted.
  /// Range [1, 3600000]. Default 5000.
  std::uint32_t ping_timeout_ms = 5'000;
  /// Milliseconds between SIGTERM and SIGKILL when the node stops a
  /// server's process group. Range [0, 60000]. Default 2000.
  std::uint32_t kill_grace_ms = 2'000;
  /// Wait before starting a process again after one failed (exited, did
  /// not start, stopped answering), doubled on each failure in a row up to
  /// max_restart_backoff_ms. Range [1, 3600000]. Default 500.
  std::uint32_t restart_backoff_ms = 500;
  /// See restart_backoff_ms. Range [1, 3600000]. Default 30000.
  std::uint32_t max_restart_backoff_ms = 30'000;
  /// Longest message (line) the server may send, in bytes; a longer one
  /// breaks the stream and the process is restarted. Range [1024,
  /// 67108864]. Default 8388608 (8 MiB).
  std::uint32_t max_message_bytes = 8'388'608;
  /// Bytes of the server's stderr kept for operators (the newest).
  /// Range [0, 16777216]. Default 65536.
  std::uint32_t stderr_bytes = 65'536;
  /// What a call of the server's tools does to the world, unless listed
  /// below. Default effectful (the safe assumption).
  side_effect_kind side_effect = side_effect_kind::effectful;
  /// The server's names of tools that are pure, idempotent or effectful,
  /// whatever side_effect says. Default none.
  std::vector<std::string> pure_tools;
  /// See pure_tools.
  std::vector<std::string> idempotent_tools;
  /// See pure_tools.
  std::vector<std::string> effectful_tools;
  /// Calls started per minute, per tool; 0 = unlimited. Range [0,
  /// 10000000]. Default 0.
  std::uint32_t requests_per_minute = 0;
  /// How failed calls of each tool are retried. Default: never.
  retry_settings retry = retry_settings::none();
  /// Each tool's circuit breaker. Default: see breaker_settings.
  breaker_settings breaker;

  /// The side effect of the server's tool `tool`.
  [[nodiscard]] side_effect_kind side_effect_of(const std::string& tool) const;
};

/// "<server>__*" in an agent's tools: every tool of MCP server `server`.
inline constexpr const char* mcp_all_tools = "*";

/// The MCP server in whose name space `tool` is ("<server>__..."), the
/// longest such name among `servers`; empty when none.
[[nodiscard]] std::string
mcp_server_of(const std::map<std::string, mcp_server_settings>& servers,
              const std::string& tool);

} // namespace warden::config
