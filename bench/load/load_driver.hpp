#pragma once

// The load driver of warden-load: one actor that has runs submitted to a
// node's entry actor (local or remote) by a client actor per tenant, in
// phases, each an open loop at a fixed rate
// or a closed loop with a fixed number of runs outstanding, and follows each
// acknowledged run to its final status. All plain sends (`submit_run` ->
// `run_ack` -> `await_run` -> `run_status`, or a `caf::error`), so the
// driver holds no pending request handlers however many runs are out.
//
// Arrivals of an open loop are evenly spaced (rate x elapsed time, checked
// every tick): a fixed rate, not a Poisson process, so that two soaks offer
// the same load. A "find" phase is a closed loop whose completions per second
// over its second half set the rate of the phases after it
// (`rate_of_found` x that).

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/stateful_actor.hpp>

#include "bench/load/load_tally.hpp"

namespace warden::bench {

/// The driver's clock tick (driver -> itself).
using load_tick_atom = caf::atom_constant<caf::atom("load_tick")>;

/// Submit one run (driver -> a tenant's client).
using load_submit_atom = caf::atom_constant<caf::atom("load_sub")>;

/// One phase of the load.
struct load_phase {
  std::string name;
  /// Open loop: runs per second; ignored for a closed loop.
  double rate = 0;
  /// Set: the rate is this multiple of the rate found by the last "find"
  /// phase (a closed loop) before this one.
  double rate_of_found = 0;
  /// Closed loop: runs outstanding at once (0: open loop).
  std::uint32_t window = 0;
  std::chrono::milliseconds length{0};
};

/// What the driver is spawned with.
struct load_driver_config {
  caf::actor node;
  std::vector<std::string> tenants;
  std::vector<std::string> agents;
  /// Every this-many-th run of a tenant has priority "interactive", the
  /// others the node's default; 0: none.
  std::uint32_t interactive_every = 0;
  std::vector<load_phase> phases;
  /// A CSV line of counts is written this often.
  std::chrono::milliseconds sample_every{1'000};
  /// After the last phase, wait at most this long for outstanding runs.
  std::chrono::milliseconds drain{30'000};
  /// Runs outstanding (unacknowledged or not final) at most; arrivals
  /// beyond it are counted as not sent.
  std::uint64_t max_outstanding = 200'000;
  /// Where the samples go (header written by the driver).
  std::string csv_path;
  /// Called once with every phase's tally after the drain.
  std::function<void(std::vector<load_tally>&)> on_done;
};

/// State of the load driver.
struct load_driver_state {
  static inline const char* name = "bench.load_driver";
  load_driver_config cfg;
  std::vector<load_tally> tallies;
  std::size_t phase = 0;
  std::chrono::steady_clock::time_point phase_start;
  std::chrono::steady_clock::time_point last_sample;
  /// Rate found by the last closed "find" phase, in runs per second.
  double found_rate = 0;
  /// Successes counted at the middle of the current phase (for "find").
  std::uint64_t succeeded_at_half = 0;
  bool half_marked = false;
  bool draining = false;
  std::chrono::steady_clock::time_point drain_start;
  /// Submitted and not yet acknowledged or refused.
  std::uint64_t unacked = 0;
  /// Acknowledged runs not yet final: phase index and acknowledgement time.
  struct open_run {
    std::size_t phase = 0;
    std::chrono::steady_clock::time_point acked;
  };
  std::unordered_map<std::uint64_t, open_run> open;
  /// One client per tenant (the node's answers need the run's tenant).
  std::vector<caf::actor> clients;
  std::uint64_t next_tenant = 0;
  std::ofstream csv;
};

/// The load driver's behaviour: starts at once, quits after the drain.
caf::behavior load_driver(caf::stateful_actor<load_driver_state>* self,
                          load_driver_config cfg);

} // namespace warden::bench
