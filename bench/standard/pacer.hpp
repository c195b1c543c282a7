#pragma once

// The offered load of the half-load phase: an open loop that hands the
// governed clients permission to submit one run each ("tokens") as runs
// arrive, whatever the node's progress, so that the node runs at a known
// share of its capacity. Arrivals are a Poisson process at `rate` (seeded
// exponential gaps), dispatched on a 200 us tick. Tokens go round robin over
// the clients in proportion to their windows (so tiers keep their shares).

#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/stateful_actor.hpp>

namespace warden::bench {

/// Permission for a governed client to submit one more run (pacer ->
/// client).
using submit_token_atom = caf::atom_constant<caf::atom("bench_tok")>;

/// The pacer's tick (pacer -> itself, every 200 us).
using pace_tick_atom = caf::atom_constant<caf::atom("bench_pace")>;

/// What a pacer is spawned with.
struct pacer_config {
  /// Runs per second offered (the mean of the Poisson process).
  double rate = 1'000;
  /// Seed of the arrival times.
  std::uint64_t seed = 1;
  /// The clients, each listed once per run of its window: the round-robin
  /// order tokens follow.
  std::vector<caf::actor> slots;
};

/// State of a pacer.
struct pacer_state {
  static inline const char* name = "bench.pacer";
  pacer_config cfg;
  std::chrono::steady_clock::time_point start;
  /// Seconds after `start` at which the next run arrives.
  double next_arrival = 0;
  std::mt19937_64 random;
  std::size_t next = 0;
};

/// The pacer's behaviour: starts on go_atom (governed_client.hpp), then
/// hands out the tokens of the runs arrived every 200 us until stopped.
caf::behavior pacer(caf::stateful_actor<pacer_state>* self, pacer_config cfg);

} // namespace warden::bench
