// warden-bench: the standard workload of DESIGN.md in one process.
//
// Phases, in order, on one actor system (2 worker threads, the node's
// scheduler policy: auto, i.e. sharing):
//   raw       the same message flow on plain CAF (bench/standard/raw_flow)
//   governed  100,000 runs through a real node started with start_node
//             (admission, pools, governor, providers, tool runners, journal,
//             Prometheus metrics), one client actor per tenant
//   half load the governed workload again at half the governed phase's
//             runs/s (open loop), while a probe times admit_run ->
//             admitted verdict
//   idle      1,000,000 idle sessions restored from snapshots: RSS / session
// and prints one JSON object on stdout (progress goes to stderr). --durable
// runs the durable mode instead (bench/durable_mode.cpp).

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <prometheus/registry.h>

#include "actors/node/start.hpp"
#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "config/validate.hpp"
#include "storage/rocks_store.hpp"

#include "bench/durable_mode.hpp"
#include "bench/recovery_mode.hpp"
#include "bench/standard/admission_probe.hpp"
#include "bench/standard/governed_client.hpp"
#include "bench/standard/idle_sessions.hpp"
#include "bench/standard/measure.hpp"
#include "bench/standard/pacer.hpp"
#include "bench/standard/phases.hpp"
#include "bench/standard/raw_flow.hpp"
#include "bench/standard/workload.hpp"

namespace {

using namespace warden;
using namespace warden::bench;

const char* usage =
    "usage: warden-bench [--runs N] [--tenants N] [--idle-sessions N]\n"
    "                    [--threads N] [--max-throughput N] [--skip-idle]\n"
    "                    [--scheduler auto|sharing|stealing]\n"
    "                    [--skip-raw]\n"
    "                    [--skip-half-load] [--half-load-rate N]\n"
    "                    [--half-load-closed] [--seed N] [--json-only]\n"
    "                    [--durable DIR [--recovery-runs N]\n"
    "                     [--passivated-sessions N]]\n"
    "                    [--recovery DIR [--scale-runs N]\n"
    "                     [--baseline-runs N]]\n"
    "Runs the standard workload (DESIGN.md) and prints one JSON object.\n"
    "--durable runs its durable mode instead, with databases under DIR;\n"
    "--recovery its recovery-at-scale mode (bench/recovery_mode.hpp).\n";

bool parse_args(int argc, char** argv, workload_params& params) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto number = [&](auto& out) {
      if (i + 1 >= argc)
        return false;
      char* end = nullptr;
      auto value = std::strtoull(argv[++i], &end, 10);
      if (end == nullptr || *end != '\0')
        return false;
      out = static_cast<std::remove_reference_t<decltype(out)>>(value);
      return true;
    };
    bool ok = true;
    if (arg == "--runs")
      ok = number(params.runs);
    else if (arg == "--tenants")
      ok = number(params.tenants) && params.tenants > 0;
    else if (arg == "--idle-sessions")
      ok = number(params.idle_sessions);
    else if (arg == "--threads")
      ok = number(params.threads) && params.threads > 0;
    else if (arg == "--max-throughput")
      ok = number(params.max_throughput);
    else if (arg == "--scheduler" && i + 1 < argc) {
      std::string name = argv[++i];
      ok = name == "auto" || name == "sharing" || name == "stealing";
      params.scheduler = name == "sharing" ? config::scheduler_policy::sharing
                         : name == "stealing"
                             ? config::scheduler_policy::stealing
                             : config::scheduler_policy::automatic;
    } else if (arg == "--skip-idle")
      params.skip_idle = true;
    else if (arg == "--skip-raw")
      params.skip_raw = true;
    else if (arg == "--skip-half-load")
      params.skip_half_load = true;
    else if (arg == "--half-load-rate")
      ok = number(params.half_load_rate) && params.half_load_rate > 0;
    else if (arg == "--seed")
      ok = number(params.seed);
    else if (arg == "--half-load-closed")
      params.half_load_closed = true;
    else if (arg == "--json-only")
      params.json_only = true;
    else if (arg == "--durable" && i + 1 < argc)
      params.durable_dir = argv[++i];
    else if (arg == "--recovery-runs")
      ok = number(params.recovery_runs) && params.recovery_runs > 0;
    else if (arg == "--recovery" && i + 1 < argc)
      params.recovery_dir = argv[++i];
    else if (arg == "--scale-runs")
      ok = number(params.recovery_scale_runs) && params.recovery_scale_runs > 0;
    else if (arg == "--baseline-runs")
      ok = number(params.recovery_baseline_runs);
    else if (arg == "--passivated-sessions")
      ok = number(params.passivated_sessions) && params.passivated_sessions > 0;
    else
      ok = false;
    if (!ok) {
      std::cerr << usage;
      return false;
    }
  }
  return true;
}

phase_figures run_raw(caf::actor_system& sys, const workload_params& params,
                      const std::vector<std::uint32_t>& windows) {
  auto targets = spawn_raw_targets(sys);
  auto tally = std::make_shared<run_tally>(params.runs);
  std::vector<caf::actor> clients;
  for (std::uint32_t i = 0; i < params.tenants; ++i) {
    raw_client_config cfg;
    cfg.targets = targets;
    cfg.tenant = tenant_name(i);
    cfg.window = windows[i];
    cfg.first_session = (std::uint64_t{i} << 32) + 1;
    cfg.tally = tally;
    clients.push_back(sys.spawn(raw_client, std::move(cfg)));
  }
  auto result = run_phase(clients, *tally, [] {});
  caf::anon_send_exit(targets->provider, caf::exit_reason::user_shutdown);
  for (const auto& tool : targets->tools)
    caf::anon_send_exit(tool, caf::exit_reason::user_shutdown);
  return result;
}

/// The half-load phase, probed while between 5 % and 90 % of its runs are
/// done: the governed workload offered at `rate` runs/s (open loop, the
/// full-load windows as upper bounds), or with `rate` 0 as a closed loop
/// with half of global_cap in flight.
phase_figures run_half_load(caf::actor_system& sys,
                            const workload_params& params,
                            const node_handle& node, double rate,
                            probe_samples& samples) {
  auto paced = rate > 0;
  auto windows =
      client_windows(params, paced ? params.global_cap : params.global_cap / 2);
  auto tally =
      std::make_shared<run_tally>(std::max<std::uint64_t>(params.runs / 2, 1));
  auto clients =
      spawn_governed_clients(sys, params, node.node, windows, tally, paced);
  caf::actor pace;
  if (paced) {
    pacer_config cfg;
    cfg.rate = rate;
    cfg.seed = params.seed;
    for (std::size_t i = 0; i < clients.size(); ++i)
      cfg.slots.insert(cfg.slots.end(), windows[i], clients[i]);
    pace = sys.spawn(pacer, std::move(cfg));
  }
  auto admission = node.components.at(1); // journal, admission, governor, ...
  auto echo = sys.spawn(echo_actor);
  auto probe =
      sys.spawn(admission_probe, admission, echo,
                std::chrono::microseconds{params.probe_interval_us}, &samples);
  auto wait_for = [&](double share) {
    auto target =
        static_cast<std::uint64_t>(share * static_cast<double>(tally->total()));
    while (tally->finished() < target && tally->finished() < tally->total())
      std::this_thread::sleep_for(std::chrono::microseconds{500});
  };
  auto result = run_phase(clients, *tally, [&] {
    if (pace)
      caf::anon_send(pace, go_atom::value);
    wait_for(0.05);
    caf::anon_send(probe, probe_tick_atom::value);
    wait_for(0.90);
    caf::scoped_actor self{sys};
    self->request(probe, caf::infinite, probe_stop_atom::value)
        .receive([] {}, [](caf::error&) {});
  });
  caf::anon_send_exit(probe, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  if (pace)
    caf::anon_send_exit(pace, caf::exit_reason::user_shutdown);
  return result;
}

/// An agent runtime like the node's, for sessions spawned by the harness.
agent_runtime_ptr idle_runtime(const config::settings& settings,
                               const node_handle& node) {
  auto runtime = std::make_shared<agent_runtime>();
  runtime->name = agent_name(0);
  runtime->settings = settings.agents.at(runtime->name);
  runtime->journal = node.components.at(0);
  runtime->governor = node.components.at(2);
  return runtime;
}

json_object workload_json(const workload_params& params,
                          const std::vector<std::uint32_t>& windows,
                          std::uint32_t half_window_total) {
  json_object w;
  w.integer("runs", params.runs);
  w.integer("tenants", params.tenants);
  json_object tiers_json;
  for (std::size_t t = 0; t < tiers().size(); ++t) {
    std::uint64_t count = 0;
    for (std::uint32_t i = 0; i < params.tenants; ++i)
      count += tier_of(i) == t ? 1 : 0;
    json_object tier;
    tier.integer("tenants", count);
    tier.integer("in_flight_cap", tiers()[t].in_flight_cap);
    tier.integer("weight", tiers()[t].weight);
    tiers_json.object(tiers()[t].name, tier);
  }
  w.object("tiers", tiers_json);
  w.integer("agents", params.agents);
  w.integer("agent_max_concurrency", params.agent_max_concurrency);
  w.integer("global_cap", params.global_cap);
  std::uint64_t total = 0;
  for (auto x : windows)
    total += x;
  w.integer("client_window_total", total);
  w.integer("half_load_window_total", half_window_total);
  w.integer("steps_per_run", static_cast<std::uint64_t>(steps_per_run));
  w.integer("idle_sessions", params.skip_idle ? 0 : params.idle_sessions);
  w.integer("scheduler_threads", params.threads);
  w.integer("scheduler_max_throughput", params.max_throughput);
  w.string("scheduler_policy", config::to_string(params.scheduler));
  w.integer("probe_interval_us", params.probe_interval_us);
  return w;
}

} // namespace

int main(int argc, char** argv) {
  workload_params params;
  if (!parse_args(argc, argv, params))
    return 2;
  auto progress = [&](const std::string& line) {
    if (!params.json_only)
      std::cerr << "warden-bench: " << line << std::endl;
  };
  auto settings = make_settings(params);
  if (auto errors = config::validate(settings); !errors.empty()) {
    for (const auto& e : errors)
      std::cerr << e.to_string() << '\n';
    return 2;
  }
  if (!params.durable_dir.empty())
    return run_durable(params, settings, progress);
  if (!params.recovery_dir.empty())
    return run_recovery(params, settings, progress);
  // The registry outlives the actor system: actors still stopping when main
  // returns may update metrics until the system has joined them.
  prometheus::Registry registry;
  caf::actor_system_config cfg;
  add_message_types(cfg);
  configure_scheduler(cfg, settings.node);
  if (params.max_throughput > 0)
    cfg.set("scheduler.max-throughput",
            static_cast<std::size_t>(params.max_throughput));
  caf::actor_system sys{cfg};
  tool_registry tools;
  auto node =
      start_node(sys, settings, tools, &registry, node_storage{true, false});
  if (!node) {
    std::cerr << "warden-bench: cannot start the node: "
              << error_reason(node.error()) << '\n';
    return 1;
  }
  auto windows = client_windows(params, params.global_cap);
  auto half_windows =
      client_windows(params, params.half_load_closed ? params.global_cap / 2
                                                     : params.global_cap);
  std::uint32_t half_total = 0;
  for (auto x : half_windows)
    half_total += x;

  progress("raw CAF phase: " + std::to_string(params.runs) + " runs");
  phase_figures raw;
  if (!params.skip_raw)
    raw = run_raw(sys, params, windows);
  progress("raw: " + std::to_string(raw.steps_per_s()) + " steps/s");

  progress("governed phase: " + std::to_string(params.runs) + " runs");
  auto governed_tally = std::make_shared<run_tally>(params.runs);
  auto clients =
      spawn_governed_clients(sys, params, node->node, windows, governed_tally);
  auto governed = run_phase(clients, *governed_tally, [] {});
  progress("governed: " + std::to_string(governed.steps_per_s()) + " steps/s");

  progress("half-load phase with the admission probe");
  probe_samples samples;
  phase_figures half;
  double half_rate = 0;
  if (!params.half_load_closed)
    half_rate = params.half_load_rate > 0 ? params.half_load_rate
                                          : governed.runs_per_s() / 2;
  if (!params.skip_half_load)
    half = run_half_load(sys, params, *node, half_rate, samples);
  auto admission_p50 = quantile(samples.admission_ns, 0.50) / 1e3;
  auto admission_p99 = quantile(samples.admission_ns, 0.99) / 1e3;
  auto admission_max = quantile(samples.admission_ns, 1.0) / 1e3;
  auto baseline_p50 = quantile(samples.baseline_ns, 0.50) / 1e3;
  auto baseline_p99 = quantile(samples.baseline_ns, 0.99) / 1e3;
  progress("admission wait p50 " + std::to_string(admission_p50) + " us, p99 " +
           std::to_string(admission_p99) + " us");
  auto peak_rss = peak_resident_bytes();

  idle_figures idle;
  if (!params.skip_idle) {
    progress("idle phase: " + std::to_string(params.idle_sessions) +
             " sessions");
    idle = measure_idle_sessions(sys, idle_runtime(settings, *node),
                                 params.idle_sessions);
    progress("idle: " + std::to_string(idle.rss_bytes_activated) +
             " bytes/session");
  }
  stop_node(*node);

  json_object out;
  out.string("benchmark", "warden-bench standard workload");
  out.object("workload", workload_json(params, windows, half_total));
  out.string("half_load_mode", params.half_load_closed ? "closed" : "open");
  out.number("half_load_offered_runs_per_s", half_rate);
  out.integer("seed", params.seed);
  out.number("governed_steps_per_s", governed.steps_per_s());
  out.number("raw_caf_steps_per_s", raw.steps_per_s());
  out.number("ratio", raw.steps_per_s() > 0
                          ? governed.steps_per_s() / raw.steps_per_s()
                          : 0);
  out.number("runs_per_s", governed.runs_per_s());
  out.number("raw_caf_runs_per_s", raw.runs_per_s());
  out.number("admission_wait_p50_us", admission_p50);
  out.number("admission_wait_p99_us", admission_p99);
  out.number("admission_wait_max_us", admission_max);
  out.integer("admission_probes", samples.admission_ns.size());
  out.integer("admission_probes_queued", samples.queued);
  out.integer("admission_probes_refused", samples.refused);
  out.number("baseline_roundtrip_p50_us", baseline_p50);
  out.number("baseline_roundtrip_p99_us", baseline_p99);
  out.integer("peak_rss_bytes", peak_rss);
  if (!params.skip_idle) {
    out.number("idle_session_bytes", idle.rss_bytes_activated);
    out.number("idle_session_bytes_before_restore", idle.rss_bytes_spawned);
    out.number("idle_session_heap_bytes", idle.heap_bytes_activated);
    out.number("spawn_per_s",
               idle.spawn_seconds > 0
                   ? static_cast<double>(idle.sessions) / idle.spawn_seconds
                   : 0);
    out.number("idle_restore_seconds", idle.activate_seconds);
  }
  out.integer("peak_rss_total_bytes", peak_resident_bytes());
  out.object("raw", phase_json(raw));
  out.object("governed", phase_json(governed));
  out.object("half_load", phase_json(half));
  out.object("machine", machine_json());
  std::cout << out.str() << std::endl;
  auto ok = (params.skip_raw || raw.completed) && governed.completed &&
            (params.skip_half_load || half.completed);
  return ok ? 0 : 1;
}
