#pragma once

// Node-internal: admission (admit_run, verdicts, releases, slots
// yielded and reclaimed by turns waiting for their children).
// One part of the protocol: include actors/protocol/messages.hpp, which
// lists every part, registers them, and has their inspect() overloads.

#include <cstdint>
#include <string>

#include <caf/actor.hpp>

#include "actors/protocol/basics.hpp"
#include "policies/admission.hpp"

namespace warden {

/// Ask admission to admit `run` for `tenant` at priority class `priority`
/// (index into the configured classes, 0 = highest). One-way; admission
/// answers the sender with `admission_verdict`s: admitted (at once or after
/// queueing), queued, rejected (budget_exhausted when the tenant used its
/// daily token budget), or later shed.
struct admit_run {
  run_id run = 0;
  std::string tenant;
  std::uint8_t priority = 0;
  /// True for work the node already accepted (a run resumed after a
  /// restart, a child run of an admitted tree): the tenant's daily token
  /// budget does not refuse it. New submissions leave it false.
  bool accepted = false;
  /// True for a child run of an admitted tree: it waits ahead of new runs
  /// and is never refused for a full queue nor shed
  /// (`policies::admission::submit_continuation`).
  bool continuation = false;
  /// A new root run's own token budget (its agent's run_budget.tokens; 0 =
  /// none of its own): what admission reserves for it out of its tenant's
  /// daily budget, capped by what the tenant has left.
  std::uint64_t tokens = 0;
};

/// The running run `run` only waits for its children (every open call of
/// its turn is a spawn_agent): it gives its in-flight slot back until it
/// sends `reclaim_slot`. One-way (session -> admission).
struct yield_slot {
  run_id run = 0;
};

/// The run `run`, which yielded its slot, has work to do again: admission
/// answers `slot_returned` once the run holds a slot (at once when its
/// tenant has room, else ahead of new runs). A run admission does not hold
/// as yielded is answered at once. One-way (session -> admission).
struct reclaim_slot {
  run_id run = 0;
};

/// Admission's answer to `reclaim_slot`: `run` holds a slot again.
struct slot_returned {
  run_id run = 0;
};

/// What admission decided about a run (the policy's own enum: admitted,
/// queued, rejected, or later shed).
using admission_outcome = policies::admission_outcome;

/// Admission's answer about one run (admission -> node).
struct admission_verdict {
  run_id run = 0;
  admission_outcome outcome = admission_outcome::admitted;
  /// For rejected and shed: why, as a warden error (queue_full,
  /// cap_exceeded, budget_exhausted, ...) whose reason is for people.
  caf::error refusal;
  /// For admitted: how long the run waited in the queue, in nanoseconds.
  std::int64_t waited_ns = 0;
  /// For admitted and queued: the tokens reserved for the run out of its
  /// tenant's daily budget; its run budget may not exceed them. 0: nothing
  /// reserved (an unlimited tenant, a run the node accepted earlier).
  std::uint64_t reserved_tokens = 0;
};

/// An admitted run finished, or a queued one is withdrawn: free its place,
/// and add its tokens to its tenant's daily counter. One-way (node ->
/// admission).
struct release_run {
  run_id run = 0;
  /// Tokens (prompt + completion) that count toward the tenant's daily
  /// budget: a root run's usage, its children's included; 0 for a child run
  /// (its root counts it) and for a run that did not run.
  std::uint64_t tokens = 0;
  /// When the run became final, Unix milliseconds: the UTC day its tokens
  /// count for, the same as in its stored record. 0: admission's wall clock.
  std::uint64_t finished_at_ms = 0;
};

/// Tokens a run spent that no `release_run` carries: a child recovered after
/// a restart whose tree had ended, cancelled at once (it never went through
/// admission again). Counted for `tenant` on the UTC day of
/// `finished_at_ms`, as its final record counts them. One-way (node ->
/// admission).
struct charge_tokens {
  /// The run: its reservation, if it holds one, is released.
  run_id run = 0;
  std::string tenant;
  std::uint64_t tokens = 0;
  std::uint64_t finished_at_ms = 0;
};

} // namespace warden
