#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/agent_runtime.hpp"
#include "actors/cancel_board.hpp"
#include "actors/node_metrics.hpp"
#include "actors/protocol.hpp"
#include "actors/run_tree.hpp"
#include "actors/session_registry.hpp"
#include "policies/session_cache.hpp"
#include "storage/journal.hpp"
#include "storage/snapshot_store.hpp"

namespace warden {

/// Spawns the session actor of `id` for `agent`; the node monitors it.
using session_factory =
    std::function<caf::actor(caf::event_based_actor* node, session_id id,
                             const agent_runtime_ptr& agent)>;

/// Spawns the pool of `agent`, reporting to `node`.
using pool_factory = std::function<caf::actor(caf::event_based_actor* node,
                                              const agent_runtime& agent)>;

/// The actors a node composes. Built by `start_node` (actors/node_start.hpp)
/// from the configuration, or by tests from fakes.
struct node_components {
  /// Admits runs (`admit_run` / `admission_verdict` / `release_run`).
  caf::actor admission;
  /// Makes run records durable (`journal_append` / `journal_ack`).
  caf::actor journal;
  /// Agent name -> its pool (`start_turn` / `turn_finished` / `cancel_turn`).
  /// Agents without one get a pool from `spawn_pool` when the node starts;
  /// the node stops the pools it spawned when it stops.
  std::map<std::string, caf::actor> pools;
  pool_factory spawn_pool;
  /// Agent name -> what its sessions need.
  std::map<std::string, agent_runtime_ptr> agents;
  /// Creates session actors.
  session_factory spawn_session;
  /// Brings passivated sessions back; empty: `restored_session_actor`.
  session_restorer restore_session;
  /// Where passivated sessions are kept; null: a memory_snapshot_store.
  std::shared_ptr<storage::snapshot_store> snapshots;
  /// The journal's store, read by the node: records of runs no longer in
  /// memory (finished before a restart), idempotency keys, and the journal
  /// of a run it resumes. Null: the node reads nothing back.
  std::shared_ptr<const storage::journal> store;
  /// Unfinished runs found in the store when the node started; the node
  /// resumes them (actors/README.md, "Resume").
  std::vector<storage::stored_run> recovered;
  /// The highest ids the store has seen; new ids start above them.
  storage::id_watermarks watermarks;
  /// Metric handles; null when the node runs without metrics (tests).
  std::shared_ptr<const node_metrics> metrics;
  /// Where the node marks runs whose cancel it acknowledges, for the
  /// provider and tool runners to check; null: nothing is marked (tests).
  std::shared_ptr<cancel_board> cancels;
};

/// How the node treats requests.
struct node_options {
  /// Priority class names, highest first (admission's order).
  std::vector<std::string> priorities{"interactive", "batch"};
  /// Index of the class used when a request names none.
  std::uint8_t default_priority = 1;
  /// Largest accepted input, in bytes. Default 1 MiB.
  std::size_t max_input_bytes = 1 << 20;
  /// Longest accepted tenant name, agent name or idempotency key, in bytes.
  std::size_t max_name_bytes = 256;
  /// How long a drain lets running turns finish before cancelling them
  /// ([node] drain_timeout_ms).
  std::chrono::milliseconds drain_timeout{30'000};
  /// Recovered runs under admission at once, at most; the rest wait in the
  /// node and follow as those finish, so recovery never floods admission's
  /// queues.
  std::size_t resume_window = 4096;
  /// When idle sessions are passivated ([sessions] idle_ttl_ms and
  /// max_resident).
  policies::session_cache_config sessions;
  /// Passivated sessions idle this long are forgotten ([sessions]
  /// expire_after_ms); 0: never.
  std::chrono::milliseconds session_expiry{0};
  /// How often expiry looks for them ([storage] sweep_interval_ms).
  std::chrono::milliseconds sweep_interval{60'000};
};

/// A client waiting for a run to end (await_run).
struct run_waiter {
  caf::response_promise promise;
  /// Names the waiter in its bound's timer; 0 when it waits without bound.
  std::uint64_t serial = 0;
};

/// One run as the node tracks it.
struct run_record {
  run_status status;
  std::uint8_t priority = 0;
  /// The turn's input; dropped once the turn started.
  std::string input;
  std::string idempotency_key;
  /// Both must hold before the turn starts: admitted by admission, and the
  /// run record durable in the journal.
  bool admitted = false;
  bool durable = false;
  /// The run record was sent to the journal (on the first verdict).
  bool journaling = false;
  bool started = false;
  /// The run was found unfinished in the store at start: its turn replays
  /// the journaled steps before doing new ones.
  bool recovered = false;
  /// A recovered run in the resume window (counted in `resuming`).
  bool resuming = false;
  /// When the turn started (for the turn-duration histogram).
  caf::actor_clock::time_point started_at;
  /// When the run became final, Unix milliseconds (0 before): its final
  /// record and admission's daily token counter use the same value.
  std::uint64_t finished_at_ms = 0;
  /// The final record is durable (or there was none to write: the run was
  /// never journaled). Until then clients see the run as not final: a run
  /// is reported final only once a restart cannot undo it.
  bool final_durable = false;
  /// A child that ended after every ancestor that would count its usage:
  /// its own final record and release count its tokens for the day.
  bool counts_own_tokens = false;
  /// Tokens admission reserved for this root run out of its tenant's daily
  /// budget (0: none): the run's token grant never exceeds them. Journaled
  /// with the run, so that a resumed run keeps them.
  std::uint64_t reserved_tokens = 0;
  /// Answered with run_ack once the record is durable.
  std::vector<caf::response_promise> acks;
  /// Clients waiting for the final status (await_run).
  std::vector<run_waiter> waiters;
  /// Receivers of run_event messages.
  std::vector<caf::actor> subscribers;
  std::uint64_t events = 0;
  /// The run's place in its tree of spawned runs.
  run_tree_link tree;
};

/// One session as the node tracks it.
struct session_record {
  std::string tenant;
  std::string agent;
  caf::actor actor;
  /// The latest accepted run of the session; 0 before the first.
  run_id last_run = 0;
  /// The state of `last_run` as of its latest change here (its record may
  /// have left memory once final).
  run_state last_state = run_state::queued;
  /// Where the session lives; kept by the session registry.
  session_residency residency = session_residency::none;
  /// Turns handed to the session's pool that have not finished.
  std::uint32_t turns_in_flight = 0;
  /// The session's runs that are not final, oldest first: a turn sent to
  /// the session while there are any finds it busy (`send_turn.on_busy`).
  /// The record stays in memory while it holds any.
  std::vector<run_id> open_runs{};
};

/// An `export_session` waiting for the snapshot of its resident session
/// (actors/node_migration.cpp).
struct pending_export {
  session_id session = 0;
  std::string tenant;
  /// The session actor asked for its snapshot.
  caf::actor_addr source;
  caf::response_promise promise;
};

/// An `import_session` whose runs and journal are on their way to the
/// journal; its snapshot is already in the snapshot store.
struct pending_import {
  session_export exported;
  caf::response_promise promise;
};

/// State of the node actor: the entry point of a node. Owns the run table,
/// the sessions, idempotency keys, and the answers to clients.
struct node_state {
  static inline const char* name = "warden.node";

  node_components components;
  node_options options;
  std::unordered_map<run_id, run_record> runs;
  std::unordered_map<session_id, session_record> sessions;
  /// Activates, passivates and restores the sessions above.
  session_registry registry;
  /// storage::keys::idempotency(tenant, key) -> run.
  std::unordered_map<std::string, run_id> idempotency;
  /// Journal ticket -> run whose record it makes durable.
  std::unordered_map<std::uint64_t, run_id> tickets;
  /// Journal ticket -> final run whose final record it makes durable; on
  /// the ack its waiters learn the outcome and, with a store to answer for
  /// it, the run leaves memory.
  std::unordered_map<std::uint64_t, run_id> finals;
  /// Final runs whose final record failed to write: written again when the
  /// store takes writes (storage_state) or after `storage_retry_after`.
  std::vector<run_id> finals_to_retry;
  /// A final_retry_atom is on its way.
  bool finals_retry_scheduled = false;
  /// Whether the journal's store takes writes (storage_state); while it
  /// does not, new work is refused with `unavailable`.
  bool storage_writable = true;
  run_id next_run = 1;
  session_id next_session = 1;
  std::uint64_t next_ticket = 1;
  /// Names the next bounded await_run (see run_waiter).
  std::uint64_t next_waiter = 1;
  /// Set by drain_node: new work is refused with `draining`.
  bool draining = false;
  /// Answered once every run is final.
  std::vector<caf::response_promise> drain_waiters;
  drain_report drained;
  /// Recovered runs not yet sent to admission, oldest first.
  std::deque<run_id> resume_backlog;
  /// Recovered runs admission refused for now (full queue, cap): they go
  /// back to the backlog when any run ends.
  std::vector<run_id> resume_parked;
  /// Recovered runs sent to admission and not yet final.
  std::size_t resuming = 0;
  /// Supervisors of root runs that fan out (actors/node_children.hpp).
  run_trees trees;
  /// Exports waiting for a resident session's snapshot.
  std::vector<pending_export> exports;
  /// Journal ticket -> import waiting for its entries to be durable.
  std::unordered_map<std::uint64_t, pending_import> imports;
};

/// The node actor; see actors/README.md for the message flow.
caf::behavior node_actor(caf::stateful_actor<node_state>* self,
                         node_components components, node_options options);

} // namespace warden
