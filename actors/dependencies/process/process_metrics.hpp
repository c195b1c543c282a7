#pragma once

// The metric handles of the processes of one command tool.

#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Registry;
} // namespace prometheus

namespace warden::process {

/// Why the process service stopped a child before it ended by itself.
enum class kill_reason {
  timeout,    ///< the call ran past its timeout
  output_cap, ///< stdout went beyond max_output_bytes
  cancelled,  ///< its caller stopped waiting (run cancelled, runner stopped)
  shutdown,   ///< the node stopped
};

/// Label value of `x` ("timeout", "output_cap", "cancelled", "shutdown").
const char* to_string(kill_reason x) noexcept;

/// Handles of one tool's processes, fetched once by the node; every pointer
/// may be null (tests, metrics off). Thread-safe (prometheus handles are).
struct process_metrics {
  /// warden_tool_processes{tool}: children running now.
  prometheus::Gauge* running = nullptr;
  /// warden_tool_process_starts_total{tool}: children started.
  prometheus::Counter* starts = nullptr;
  /// warden_tool_process_kills_total{tool,reason}, by kill_reason.
  prometheus::Counter* kills[4] = {nullptr, nullptr, nullptr, nullptr};
};

/// Fetches the handles of tool `tool` from `registry`.
process_metrics make_process_metrics(prometheus::Registry& registry,
                                     const std::string& tool);

} // namespace warden::process
