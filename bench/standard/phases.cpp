#include "bench/standard/phases.hpp"

namespace warden::bench {

phase_figures figures_of(const run_tally& tally, wall_clock::time_point start,
                         double cpu_start, bool completed) {
  phase_figures result;
  result.cpu_seconds = process_cpu_seconds() - cpu_start;
  result.runs = tally.total();
  result.succeeded = tally.succeeded();
  result.failed = tally.failed();
  result.refused = tally.refused();
  result.completed = completed;
  result.seconds =
      seconds_between(start, completed ? tally.end() : wall_clock::now());
  return result;
}

std::vector<caf::actor>
spawn_governed_clients(caf::actor_system& sys, const workload_params& params,
                       const caf::actor& node,
                       const std::vector<std::uint32_t>& windows,
                       const std::shared_ptr<run_tally>& tally, bool paced) {
  std::vector<caf::actor> clients;
  for (std::uint32_t i = 0; i < params.tenants; ++i) {
    governed_client_config cfg;
    cfg.node = node;
    cfg.tenant = tenant_name(i);
    cfg.window = windows[i];
    cfg.agents = params.agents;
    cfg.first_agent = i % params.agents;
    cfg.tally = tally;
    cfg.paced = paced;
    clients.push_back(sys.spawn(governed_client, std::move(cfg)));
  }
  return clients;
}

json_object phase_json(const phase_figures& f) {
  json_object p;
  p.integer("runs", f.runs);
  p.integer("succeeded", f.succeeded);
  p.integer("failed", f.failed);
  p.integer("refused", f.refused);
  p.number("seconds", f.seconds);
  p.number("runs_per_s", f.runs_per_s());
  p.number("steps_per_s", f.steps_per_s());
  p.number("cpu_seconds", f.cpu_seconds);
  p.number("cpu_us_per_run",
           f.succeeded > 0
               ? f.cpu_seconds * 1e6 / static_cast<double>(f.succeeded)
               : 0);
  p.boolean("completed", f.completed);
  return p;
}

json_object machine_json() {
  auto machine = describe_machine();
  json_object m;
  m.string("cpu", machine.cpu);
  m.integer("cores", machine.cores);
  m.string("kernel", machine.kernel);
  return m;
}

} // namespace warden::bench
