#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/common/cancel_board.hpp"
#include "actors/node/metrics.hpp"
#include "actors/node/run_events.hpp"
#include "actors/node/run_table.hpp"
#include "actors/node/run_tree.hpp"
#include "actors/protocol/messages.hpp"
#include "actors/session/agent_runtime.hpp"
#include "actors/session/registry.hpp"
#include "policies/placement.hpp"
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

/// The actors a node composes. Built by `start_node` (actors/node/start.hpp)
/// from the configuration, or by tests from fakes.
struct node_components {
  /// Admits runs (`admit_run` / `admission_verdict` / `release_run`).
  caf::actor admission;
  /// Makes run records durable (`journal_append` / `journal_ack`).
  caf::actor journal;
  /// Provider name -> its actor, tool name -> its runner: lease messages of
  /// their rates across a cluster ("provider:<name>:...",
  /// "tool:<name>:requests") go there.
  std::map<std::string, caf::actor> providers;
  std::map<std::string, caf::actor> tool_runners;
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
  /// The node's time (start_node shares one with admission, the journal
  /// and storage). Null: the actor system's clock, with its wall time read
  /// once at spawn and moved on by the actor clock, so that a test under
  /// the deterministic coordinator sees wall time move only with
  /// advance_time.
  std::shared_ptr<const policies::clock> time;
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
  /// The node's index among its cluster's members ([cluster] nodes), the
  /// high bits of its ids; 0 on a single node.
  std::uint32_t member = 0;
};

/// An `export_session` waiting for the snapshot of its resident session
/// (actors/node/migration.cpp).
struct pending_export {
  session_id session = 0;
  std::string tenant;
  /// The session actor asked for its snapshot.
  caf::actor_addr source;
  caf::response_promise promise;
  /// A handoff to the owner of the session's slot (handoff_session): the
  /// export carries the next ownership epoch.
  bool handoff = false;
};

/// An `import_session` whose runs and journal are on their way to the
/// journal; its snapshot is already in the snapshot store.
struct pending_import {
  session_export exported;
  caf::response_promise promise;
};

/// What waits for a journal ticket's ack.
struct accepted_write {
  run_id run = 0; ///< its accepted record: the client's run_ack waits
};
struct final_write {
  run_id run = 0; ///< its final record: its waiters and subscribers wait
};
using journal_wait = std::variant<accepted_write, final_write, pending_import>;

/// Where the node's new ids come from: a counter for runs and one for
/// sessions, composed with the node's member index and a placement slot
/// (policies/placement.hpp). A single node is member 0 in slot 0, so its
/// ids are the counters themselves.
struct node_ids {
  /// The node's index among its cluster's members (0 on a single node).
  std::uint32_t member = 0;
  /// The counter of the next run id.
  std::uint64_t next_run = 1;
  /// The counter of the next session id.
  std::uint64_t next_session = 1;
  std::uint64_t next_ticket = 1;
  /// Names the next bounded await_run (see run_waiter).
  std::uint64_t next_waiter = 1;

  /// The id the next run in `slot` gets, without taking it.
  [[nodiscard]] run_id peek_run(std::uint32_t slot) const {
    return policies::compose_id({member, slot, next_run});
  }
  /// Takes a new run id in `slot`.
  [[nodiscard]] run_id new_run(std::uint32_t slot) {
    auto id = peek_run(slot);
    ++next_run;
    return id;
  }
  /// Takes a new session id in `slot`.
  [[nodiscard]] session_id new_session(std::uint32_t slot) {
    return policies::compose_id({member, slot, next_session++});
  }
  /// Never hands out the counters of `run` or below again (a run id
  /// another node made, or a store's watermark).
  void saw_run(std::uint64_t run) {
    next_run = std::max(next_run, policies::counter_of(run) + 1);
  }
  /// As saw_run, for session ids.
  void saw_session(std::uint64_t session) {
    next_session = std::max(next_session, policies::counter_of(session) + 1);
  }
};

/// Final runs whose final record failed to write: written again when the
/// store takes writes (storage_state) or after `storage_retry_after`.
struct final_retries {
  std::vector<run_id> runs;
  /// A final_retry_atom is on its way.
  bool scheduled = false;
};

/// A drain in progress (drain_node).
struct drain_state {
  /// Set by drain_node: new work is refused with `draining`.
  bool active = false;
  /// Answered once every run is final.
  std::vector<caf::response_promise> waiters;
  drain_report report;
};

/// Recovered root runs not yet in the resume window (the window's runs are
/// counted by run_table::resuming).
struct resume_queue {
  /// Not yet sent to admission, oldest first.
  std::deque<run_id> backlog;
  /// Refused by admission for now (full queue, cap): they go back to the
  /// backlog when any run ends.
  std::vector<run_id> parked;
};

/// State of the node actor: the entry point of a node. Each part owns one
/// thing: the runs (and their phases), the sessions, idempotency keys, the
/// journal's tickets, a drain, recovery.
struct node_state {
  static inline const char* name = "warden.node";

  node_components components;
  node_options options;
  run_table runs;
  /// Owns the session records; activates, passivates and restores them.
  session_registry registry;
  /// storage::keys::idempotency(tenant, key) -> run.
  std::unordered_map<std::string, run_id> idempotency;
  /// Journal ticket -> what waits for its ack.
  std::unordered_map<std::uint64_t, journal_wait> tickets;
  node_ids ids;
  final_retries finals;
  /// Whether the journal's store takes writes (storage_state); while it
  /// does not, new work is refused with `unavailable`.
  bool storage_writable = true;
  drain_state drain;
  /// Tenants paused by an operator, as admission last answered
  /// `pause_tenant` (admission holds the pause; this copy only lets the
  /// tenant's queued root runs say why they wait).
  std::unordered_set<std::string> paused_tenants;
  resume_queue resume;
  /// Supervisors of root runs that fan out (actors/node/children.hpp).
  run_trees trees;
  /// Exports waiting for a resident session's snapshot.
  std::vector<pending_export> exports;
  /// In a cluster: which member owns each placement slot, as the router
  /// last said (slot_table); none on a single node, which owns every slot.
  std::optional<slot_table> slots;
  /// The events of runs that ended recently.
  ended_events ended;
};

/// The node actor; see actors/README.md for the message flow.
caf::behavior node_actor(caf::stateful_actor<node_state>* self,
                         node_components components, node_options options);

} // namespace warden
