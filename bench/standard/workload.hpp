#pragma once

// The standard benchmark workload of DESIGN.md as plain parameters, and the
// node configuration built from them.

#include <cstdint>
#include <string>
#include <vector>

#include "config/settings.hpp"

namespace warden::bench {

/// What one run of warden-bench does; the defaults are the standard workload.
struct workload_params {
  /// Runs of the governed and of the raw phase. Default 100,000.
  std::uint64_t runs = 100'000;
  /// Tenants, spread over the free, pro and enterprise tiers. Default 1,000.
  std::uint32_t tenants = 1'000;
  /// Agent definitions. Default 10.
  std::uint32_t agents = 10;
  /// max_concurrency of every agent. Default 500.
  std::uint32_t agent_max_concurrency = 500;
  /// admission.global_cap. Default 4,096.
  std::uint32_t global_cap = 4'096;
  /// Resident idle sessions of the memory phase. Default 1,000,000.
  std::uint64_t idle_sessions = 1'000'000;
  /// Scheduler worker threads (scheduler.max-threads). Default 2.
  std::uint32_t threads = 2;
  /// The node's scheduler policy ([node] scheduler). Default auto (sharing
  /// with 2 threads).
  config::scheduler_policy scheduler = config::scheduler_policy::automatic;
  /// Messages an actor handles before it yields its thread
  /// (scheduler.max-throughput); 0 keeps CAF's default (no limit).
  /// Default 0.
  std::uint64_t max_throughput = 0;
  /// Interval between two admission probes of the half-load phase, in
  /// microseconds. Default 250.
  std::uint32_t probe_interval_us = 250;
  /// Skip the idle-session memory phase.
  bool skip_idle = false;
  /// Skip the raw CAF phase (profiling the governed one alone).
  bool skip_raw = false;
  /// Skip the half-load phase with the admission probe.
  bool skip_half_load = false;
  /// Runs per second the half-load phase offers (open loop); 0: half the
  /// governed phase's runs/s measured in the same run. Default 0.
  double half_load_rate = 0;
  /// Run the half-load phase as a closed loop with half of global_cap in
  /// flight instead (the node is then saturated: every run that ends
  /// starts another). Default false.
  bool half_load_closed = false;
  /// Seed of the half-load phase's arrival times. Default 20261124.
  std::uint64_t seed = 20'261'124;
  /// Print only the JSON object (no progress on stderr).
  bool json_only = false;
  /// Non-empty: run the durable mode instead, with its databases under this
  /// directory (removed and recreated).
  std::string durable_dir;
  /// Unfinished runs left by the crashed node the durable mode recovers.
  /// Default 100,000.
  std::uint64_t recovery_runs = 100'000;
  /// Sessions of the passivated-session disk measurement. Default 100,000.
  std::uint64_t passivated_sessions = 100'000;
  /// Non-empty: run the recovery-at-scale mode instead (bench/recovery_mode),
  /// with its databases under this directory (removed and recreated).
  std::string recovery_dir;
  /// Unfinished runs of the recovery mode's measured database, and of its
  /// baseline in the same sitting (0: none). Defaults 1,000,000 and 100,000.
  std::uint64_t recovery_scale_runs = 1'000'000;
  std::uint64_t recovery_baseline_runs = 100'000;
};

/// A plan tier of the workload.
struct tier_spec {
  const char* name;
  /// In-flight cap of each tenant of the tier.
  std::uint32_t in_flight_cap;
  /// Weight in the fair order.
  std::uint32_t weight;
};

/// The three tiers: free (cap 2), pro (20), enterprise (200).
const std::vector<tier_spec>& tiers();

/// The tier index of tenant `i`: of every 20 tenants, 1 is enterprise
/// (5 %), 5 are pro (25 %) and 14 are free (70 %).
std::size_t tier_of(std::uint32_t tenant);

/// The name of tenant `i` ("tenant-0042").
std::string tenant_name(std::uint32_t tenant);

/// The name of agent `i` ("agent-3").
std::string agent_name(std::uint32_t agent);

/// The tenant that carries admission probes (enterprise tier).
inline constexpr const char* probe_tenant = "bench-probe";

/// The node configuration of the workload: the tiers and tenants above, one
/// scripted provider (zero latency, no faults), two pure echo tools, and
/// `agents` agents that each offer both tools; everything in memory.
config::settings make_settings(const workload_params& params);

/// Per-tenant submission windows whose sum is at most `total` (and at least
/// one per tenant): each tenant's in-flight cap scaled by total / sum of
/// caps, so that every tenant stays under its tier's cap.
std::vector<std::uint32_t> client_windows(const workload_params& params,
                                          std::uint32_t total);

} // namespace warden::bench
