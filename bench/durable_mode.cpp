#include "bench/durable_mode.hpp"

#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <prometheus/registry.h>

#include "actors/node/start.hpp"
#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "storage/rocks_store.hpp"

#include "bench/standard/durable.hpp"
#include "bench/standard/phases.hpp"

namespace warden::bench {

namespace {

/// Sessions whose snapshots `snapshots` holds (a scan of the database).
std::uint64_t stored_sessions(const storage::snapshot_store& snapshots) {
  std::uint64_t n = 0;
  auto err = snapshots.visit([&](std::uint64_t, const std::string&) {
    ++n;
    return true;
  });
  return err ? 0 : n;
}

/// A steady workload on a node whose retention is one second: `waves` waves
/// of runs (each in a new session), with the journal's live entries, the
/// sessions stored and the database's disk bytes after each. Sessions
/// passivate after 500 ms idle and, when `expire_sessions`, expire 1 s
/// later. Bounded retention shows as figures that stop growing.
json_object run_retention_waves(caf::actor_system& sys,
                                const workload_params& params,
                                config::settings settings,
                                const tool_registry& tools,
                                const std::vector<std::uint32_t>& windows,
                                const std::string& data_dir, int waves,
                                bool expire_sessions) {
  settings.node.data_dir = data_dir;
  settings.storage.retention_ms = 1'000;
  settings.storage.sweep_interval_ms = 250;
  settings.sessions.idle_ttl_ms = 500;
  settings.sessions.expire_after_ms = expire_sessions ? 1'000 : 0;
  json_object out;
  out.integer("retention_ms", settings.storage.retention_ms);
  out.integer("session_idle_ttl_ms", settings.sessions.idle_ttl_ms);
  out.integer("session_expire_after_ms", settings.sessions.expire_after_ms);
  auto node = start_node(sys, settings, tools, nullptr);
  if (!node) {
    out.string("error", error_reason(node.error()));
    return out;
  }
  auto wave_params = params;
  wave_params.runs = std::max<std::uint64_t>(params.runs / 4, 1);
  out.integer("runs_per_wave", wave_params.runs);
  std::vector<std::uint64_t> entries;
  std::vector<std::uint64_t> sessions;
  std::vector<std::uint64_t> bytes;
  for (int wave = 0; wave < waves; ++wave) {
    auto tally = std::make_shared<run_tally>(wave_params.runs);
    auto clients =
        spawn_governed_clients(sys, wave_params, node->node, windows, tally);
    run_phase(clients, *tally, [] {});
    // Let the finished runs age past the retention before the next wave
    // (whose writes trigger the sweep).
    std::this_thread::sleep_for(std::chrono::milliseconds{1'100});
    entries.push_back(node->store->size());
    sessions.push_back(stored_sessions(*node->snapshots));
    bytes.push_back(directory_bytes(data_dir));
  }
  stop_node(*node);
  out.integers("journal_entries_after_wave", entries);
  out.integers("sessions_stored_after_wave", sessions);
  out.integers("db_bytes_after_wave", bytes);
  return out;
}

/// Journal entries of one run of the workload: run_accepted, two model
/// steps, two tool_started and two tool_finished, run_final, run_record.
constexpr double entries_per_run = 9.0;

} // namespace

/// The durable mode: the governed workload on a RocksDB journal, the raw
/// synced-batch ceiling of the same disk, recovery of a crashed node's
/// unfinished runs, and the disk bytes of a passivated session.
int run_durable(const workload_params& params, config::settings settings,
                const std::function<void(const std::string&)>& progress) {
  namespace fs = std::filesystem;
  fs::path dir{params.durable_dir};
  if (!recreate_directory(dir.string()))
    return 1;
  // Seeded first, while this process has no threads to fork with.
  progress("seeding a crashed node with " +
           std::to_string(params.recovery_runs) + " unfinished runs");
  std::string error;
  auto crashed = dir / "crashed";
  if (!seed_crashed_node((crashed / "db").string(), params.recovery_runs,
                         agent_name(0), error)) {
    std::cerr << "warden-bench: " << error << '\n';
    return 1;
  }
  progress("synced WriteBatch ceiling");
  auto ceiling = storage::measure_sync_batch_ceiling(
      (dir / "ceiling").string(), 200'000, 1'000, ceiling_value_bytes);
  auto ceiling_100 = storage::measure_sync_batch_ceiling(
      (dir / "ceiling").string(), 50'000, 100, ceiling_value_bytes);
  if (!ceiling || !ceiling_100) {
    std::cerr << "warden-bench: ceiling: "
              << (ceiling ? *ceiling_100.error : *ceiling.error).to_string()
              << '\n';
    return 1;
  }
  prometheus::Registry registry;
  caf::actor_system_config cfg;
  add_message_types(cfg);
  configure_scheduler(cfg, settings.node);
  caf::actor_system sys{cfg};
  tool_registry tools;
  auto windows = client_windows(params, params.global_cap);

  // First, as a restarted process would: nothing else has run yet.
  progress("recovery of " + std::to_string(params.recovery_runs) +
           " unfinished runs after kill -9");
  settings.node.data_dir = crashed.string();
  auto recovery_start = wall_clock::now();
  auto recovered = start_node(sys, settings, tools, nullptr);
  double recovery_seconds = -1;
  if (recovered) {
    // The node answers once it has taken every recovered run back.
    caf::scoped_actor self{sys};
    bool answered = false;
    self->request(recovered->node, std::chrono::seconds{60},
                  get_status{tenant_name(1), 1})
        .receive([&](run_status&) { answered = true; },
                 [&](caf::error& err) {
                   std::cerr << "warden-bench: recovery: " << error_reason(err)
                             << '\n';
                 });
    if (answered)
      recovery_seconds = seconds_between(recovery_start, wall_clock::now());
    stop_node(*recovered);
  } else {
    std::cerr << "warden-bench: recovery: " << error_reason(recovered.error())
              << '\n';
  }

  progress("durable governed phase: " + std::to_string(params.runs) + " runs");
  settings.node.data_dir = (dir / "node").string();
  auto node = start_node(sys, settings, tools, &registry);
  if (!node) {
    std::cerr << "warden-bench: cannot start the node: "
              << error_reason(node.error()) << '\n';
    return 1;
  }
  auto tally = std::make_shared<run_tally>(params.runs);
  auto clients =
      spawn_governed_clients(sys, params, node->node, windows, tally);
  auto durable = run_phase(clients, *tally, [] {});
  stop_node(*node);
  progress("durable: " + std::to_string(durable.steps_per_s()) + " steps/s");

  progress("steady workload under a short retention");
  auto retention = run_retention_waves(sys, params, settings, tools, windows,
                                       (dir / "steady").string(), 24, true);
  progress("the same without session expiry (baseline), 8 waves");
  auto no_expiry =
      run_retention_waves(sys, params, settings, tools, windows,
                          (dir / "steady-no-expiry").string(), 8, false);

  progress("passivated session disk bytes");
  auto disk_bytes = passivated_session_disk_bytes(
      sys, (dir / "passivated").string(), params.passivated_sessions, error);
  if (disk_bytes < 0)
    std::cerr << "warden-bench: passivated sessions: " << error << '\n';

  auto entries_per_s = durable.runs_per_s() * entries_per_run;
  json_object out;
  out.string("benchmark", "warden-bench standard workload, durable mode");
  out.integer("runs", params.runs);
  out.number("durable_steps_per_s", durable.steps_per_s());
  out.number("durable_runs_per_s", durable.runs_per_s());
  out.number("durable_journal_entries_per_s", entries_per_s);
  out.number("sync_batch_ceiling_records_per_s", ceiling.value);
  out.number("sync_batch_100_records_per_s", ceiling_100.value);
  out.number("steps_vs_ceiling", durable.steps_per_s() / ceiling.value);
  out.number("entries_vs_ceiling", entries_per_s / ceiling.value);
  out.integer("recovered_runs", params.recovery_runs);
  out.number("recovery_seconds_100k",
             recovery_seconds * 100'000.0 /
                 static_cast<double>(params.recovery_runs));
  out.number("recovery_seconds", recovery_seconds);
  out.number("passivated_session_disk_bytes", disk_bytes);
  out.integer("passivated_sessions", params.passivated_sessions);
  out.integer("peak_rss_bytes", peak_resident_bytes());
  out.object("durable", phase_json(durable));
  out.object("retention", retention);
  out.object("retention_without_session_expiry", no_expiry);
  std::cout << out.str() << std::endl;
  return durable.completed && recovery_seconds >= 0 && disk_bytes >= 0 ? 0 : 1;
}

} // namespace warden::bench
