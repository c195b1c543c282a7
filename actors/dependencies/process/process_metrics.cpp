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
  }
  return "unknown";
}

process_metrics make_process_metrics(prometheus::Registry& registry,
                                     const std::string& tool) {
  process_metrics m;
  m.running = &prometheus::BuildGauge()
                   .Name("warden_tool_processes")
                   .Help("Processes of command tools running now")
                   .Register(registry)
                   .Add({{"tool", tool}});
  m.starts = &prometheus::BuildCounter()
                  .Name("warden_tool_process_starts_total")
                  .Help("Processes of command tools started")
                  .Register(registry)
                  .Add({{"tool", tool}});
  auto& kills = prometheus::BuildCounter()
                    .Name("warden_tool_process_kills_total")
                    .Help("Process groups of command tools stopped by the "
                          "node, by reason")
                    .Register(registry);
  for (auto reason : {kill_reason::timeout, kill_reason::output_cap,
                      kill_reason::cancelled, kill_reason::shutdown})
    m.kills[static_cast<int>(reason)] =
        &kills.Add({{"tool", tool}, {"reason", to_string(reason)}});
  return m;
}

} // namespace warden::process
