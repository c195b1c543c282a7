#pragma once

// Measures admission latency while the node runs: a probe actor sends
// `admit_run` for a run of its own tenant to the node's admission actor at a
// fixed interval and times each until its `admitted` verdict arrives back
// (admission's mailbox, its decision and the two hops), then releases the
// run. Alongside, it times a round trip to a plain echo actor under the same
// load: the baseline that shows how much of the figure is scheduling.

#include <chrono>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/stateful_actor.hpp>

namespace warden::bench {

using probe_tick_atom = caf::atom_constant<caf::atom("b_tick")>;
using probe_stop_atom = caf::atom_constant<caf::atom("b_stop")>;
using ping_atom = caf::atom_constant<caf::atom("b_ping")>;
using pong_atom = caf::atom_constant<caf::atom("b_pong")>;

/// What a probe measured, in nanoseconds per sample.
struct probe_samples {
  /// admit_run sent -> admitted verdict received.
  std::vector<std::int64_t> admission_ns;
  /// ping sent -> pong received (plain actor round trip).
  std::vector<std::int64_t> baseline_ns;
  /// Probes that were queued before being admitted.
  std::uint64_t queued = 0;
  /// Probes refused or shed.
  std::uint64_t refused = 0;
};

/// State of the probe.
struct admission_probe_state {
  static inline const char* name = "bench.admission_probe";
  caf::actor admission;
  caf::actor echo;
  std::chrono::microseconds interval{250};
  probe_samples* out = nullptr;
  std::unordered_map<std::uint64_t, std::int64_t> sent_at;
  std::uint64_t next_run = 0;
  bool stopped = false;
};

/// A plain actor answering (ping, t) with (pong, t).
caf::behavior echo_actor();

/// The probe. Send it probe_tick_atom to start and probe_stop_atom (a
/// request; answered once it stopped) to stop; `out` is written by the
/// probe until then.
caf::behavior admission_probe(caf::stateful_actor<admission_probe_state>* self,
                              caf::actor admission, caf::actor echo,
                              std::chrono::microseconds interval,
                              probe_samples* out);

} // namespace warden::bench
