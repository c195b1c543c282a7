#pragma once

// The baseline of the governed phase: the same message flow on plain CAF.
// A session actor per run does model call -> 2 tool calls (in parallel) ->
// model call -> final answer with request/then against a plain provider
// actor (the scripted model's replies) and plain tool actors (echo), with
// the same message types and payloads as the governed runtime, and none of
// admission, pools, governor, breakers, retries, rate limits, budgets,
// doom-loop detection, timeouts, metrics or journal.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/protocol/messages.hpp"

#include "bench/standard/tally.hpp"

namespace warden::bench {

/// The plain dependency actors a raw session calls.
struct raw_targets {
  caf::actor provider;
  /// Tool names offered to the model, and their actors (same order).
  std::vector<std::string> tool_names;
  std::vector<caf::actor> tools;
};

using raw_targets_ptr = std::shared_ptr<const raw_targets>;

/// Spawns the plain provider and tool actors (echo_a, echo_b).
raw_targets_ptr spawn_raw_targets(caf::actor_system& sys);

/// State of a raw session: its conversation and the turn in flight.
struct raw_session_state {
  static inline const char* name = "bench.raw_session";
  raw_targets_ptr targets;
  session_id id = 0;
  std::vector<chat_message> conversation;
  caf::response_promise promise;
  run_id run = 0;
  std::uint32_t step = 0;
  std::vector<tool_call> calls;
  std::vector<std::string> results;
  std::size_t open = 0;
  usage_totals usage;
};

/// A raw session: answers `run_turn` with `turn_finished`.
caf::behavior raw_session(caf::stateful_actor<raw_session_state>* self,
                          raw_targets_ptr targets, session_id id);

/// What a raw client is spawned with.
struct raw_client_config {
  raw_targets_ptr targets;
  std::string tenant;
  std::uint32_t window = 1;
  /// Session ids start at this value.
  session_id first_session = 1;
  /// The phase's tally (shared: see governed_client_config::tally).
  std::shared_ptr<run_tally> tally;
};

/// State of a raw client.
struct raw_client_state {
  static inline const char* name = "bench.raw_client";
  raw_client_config cfg;
  std::uint32_t outstanding = 0;
  std::uint64_t submitted = 0;
};

/// A raw client: like the governed client, it keeps `window` runs of its
/// tenant outstanding; each run spawns a new session (as submit_run does).
caf::behavior raw_client(caf::stateful_actor<raw_client_state>* self,
                         raw_client_config cfg);

} // namespace warden::bench
