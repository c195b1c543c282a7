#pragma once

// The client of the governed phase: one actor per tenant, each keeping at
// most `window` runs of its tenant outstanding. A run is `submit_run` ->
// `run_ack` -> `await_run` -> `run_status`, all plain sends: the node's
// answers come back as ordinary messages, so no client holds pending
// request handlers.

#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/stateful_actor.hpp>

#include "bench/standard/tally.hpp"

namespace warden::bench {

/// Starts a client: it fills its window.
using go_atom = caf::atom_constant<caf::atom("bench_go")>;

/// What a governed client is spawned with.
struct governed_client_config {
  /// The node's entry actor.
  caf::actor node;
  /// The tenant it submits for.
  std::string tenant;
  /// Runs of the tenant outstanding at most.
  std::uint32_t window = 1;
  /// Agents to spread runs over (agent-0 .. agent-<agents-1>), round robin
  /// from `first_agent`.
  std::uint32_t agents = 1;
  std::uint32_t first_agent = 0;
  /// The phase's tally; shared, since a client may still claim from it
  /// after the main thread saw the phase end.
  std::shared_ptr<run_tally> tally;
  /// Open loop: submit one run per submit_token_atom from the pacer
  /// (bench/standard/pacer.hpp), a token that finds the window full waits
  /// for a run to end; false: closed loop, the window refills as runs end.
  bool paced = false;
};

/// State of a governed client.
struct governed_client_state {
  static inline const char* name = "bench.governed_client";
  governed_client_config cfg;
  std::uint32_t outstanding = 0;
  std::uint64_t submitted = 0;
  /// Tokens received and not yet used (paced mode).
  std::uint64_t tokens = 0;
};

/// The governed client's behaviour.
caf::behavior governed_client(caf::stateful_actor<governed_client_state>* self,
                              governed_client_config cfg);

} // namespace warden::bench
