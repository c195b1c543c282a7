#include "actors/dependencies/process/process_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace warden::process {

const char* to_string(kill_reason x) noexcept {
  switch (x) {
  case kill_reason::timeout:
    return "timeout";
  case kill_reason::output_cap:
    return "output_cap";
  case kill_reason::cancelled:
    return "cancelled";
  case kill_reason::shutdown:
    return "shutdown";
  case kill_reason::idle:
    return "idle";
  case kill_reason::unresponsive:
    return "unresponsive";
  case kill_reason::protocol:
    return "protocol";
  }
  return "unknown";
}

namespace {

/// The names and help texts of one family of process metrics.
struct process_families {
  const char* label;
  const char* running;
  const char* running_help;
  const char* starts;
  const char* starts_help;
  const char* kills;
  const char* kills_help;
};

process_metrics make_metrics(prometheus::Registry& registry,
                             const process_families& f,
                             const std::string& name) {
  process_metrics m;
  m.running = &prometheus::BuildGauge()
                   .Name(f.running)
                   .Help(f.running_help)
                   .Register(registry)
                   .Add({{f.label, name}});
  m.starts = &prometheus::BuildCounter()
                  .Name(f.starts)
                  .Help(f.starts_help)
                  .Register(registry)
                  .Add({{f.label, name}});
  auto& kills = prometheus::BuildCounter()
                    .Name(f.kills)
                    .Help(f.kills_help)
                    .Register(registry);
  for (int i = 0; i < kill_reason_count; ++i)
    m.kills[i] = &kills.Add(
        {{f.label, name}, {"reason", to_string(static_cast<kill_reason>(i))}});
  return m;
}

} // namespace

process_metrics make_process_metrics(prometheus::Registry& registry,
                                     const std::string& tool) {
  return make_metrics(registry,
                      {"tool", "warden_tool_processes",
                       "Processes of command tools running now",
                       "warden_tool_process_starts_total",
                       "Processes of command tools started",
                       "warden_tool_process_kills_total",
                       "Process groups of command tools stopped by the node, "
                       "by reason"},
                      tool);
}

process_metrics make_mcp_process_metrics(prometheus::Registry& registry,
                                         const std::string& server) {
  auto m = make_metrics(
      registry,
      {"server", "warden_mcp_processes", "Processes of MCP servers running now",
       "warden_mcp_process_starts_total", "Processes of MCP servers started",
       "warden_mcp_process_kills_total",
       "Process groups of MCP servers stopped by the node, "
       "by reason"},
      server);
  m.restarts = &prometheus::BuildCounter()
                    .Name("warden_mcp_process_restarts_total")
                    .Help("Processes of MCP servers started after one "
                          "failed (exited, stopped answering, broke the "
                          "protocol)")
                    .Register(registry)
                    .Add({{"server", server}});
  return m;
}

} // namespace warden::process
