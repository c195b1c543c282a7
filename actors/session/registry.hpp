#pragma once

// The node's session registry: which sessions are resident (a live actor)
// and which are passivated (a snapshot in the snapshot store).
//
// A session is activated by its first turn. While turns run it is busy; once
// idle, `policies::session_cache` decides when it goes: after the idle TTL,
// or earlier, least recently used first, while more than max_resident
// sessions are resident. Passivating asks the session for its snapshot with a
// plain send (`snapshot_session`; the reply is a `session_snapshot` message,
// or an error message while a turn runs), stores the serialized snapshot,
// and stops the actor. The next turn restores the session from the snapshot.
//
// A turn that arrives while a snapshot is in flight cancels the passivation:
// the live actor runs the turn and the snapshot, when it arrives, is
// dropped. Restoring leaves the snapshot in the store: it is what a crash
// during the restored session's turn resumes from (with the turn's journal),
// and that turn's end replaces it (on a durable node the journal writes each
// turn's session_checkpoint there), as does the next passivation. The store
// therefore holds every passivated session and, on a durable node, the last
// turn's end of the resident ones; the registry reads it only for sessions
// it holds no record of, and expires only passivated ones.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>

#include "actors/common/clock.hpp"
#include "actors/protocol/messages.hpp"
#include "actors/session/agent_runtime.hpp"
#include "policies/session_cache.hpp"
#include "storage/snapshot_store.hpp"

namespace warden {

struct node_state;

/// The registry's own timer: (passivate_atom, serial) fires at the cache's
/// next deadline; only the latest serial counts.
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;

/// The registry's expiry sweep: (expire_atom) makes the node call
/// `expire_idle`.
using expire_atom = caf::atom_constant<caf::atom("sessexpire")>;

/// Where a session lives.
enum class session_residency : std::uint8_t {
  none,        ///< no actor yet (or it died and the store holds no snapshot
               ///< of it): the next turn spawns a new one
  resident,    ///< a live actor
  passivating, ///< a live actor whose snapshot is on its way to the node
  passivated,  ///< no actor; the snapshot store holds the session (also
               ///< once its actor died, when the store holds its last turn)
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
  /// The session's ownership epoch (session_counters::epoch): 0 where it
  /// was created, as its snapshot says once imported.
  std::uint64_t epoch = 0;
};

/// Spawns a session actor for `agent` from `snapshot` (reactivation); the
/// node monitors it.
using session_restorer = std::function<caf::actor(
    caf::event_based_actor* node, const agent_runtime_ptr& agent,
    session_snapshot snapshot)>;

/// Serializes `snapshot` for the snapshot store: a format byte (1) followed
/// by the CAF binary encoding of the snapshot.
[[nodiscard]] caf::expected<std::string>
encode_snapshot(caf::actor_system& sys, const session_snapshot& snapshot);

/// Reads a snapshot written by `encode_snapshot`; a `dependency_failed`
/// error names what is wrong with the bytes.
[[nodiscard]] caf::expected<session_snapshot>
decode_snapshot(caf::actor_system& sys, const std::string& bytes);

/// Owns the session records of one node, and activates, passivates and
/// restores their sessions. A plain class owned by `node_state`; every
/// member runs in the node actor.
class session_registry {
 public:
  using map_type = std::unordered_map<session_id, session_record>;

  /// The session records in memory: resident sessions, and passivated ones
  /// the node still needs (an unfinished run, a recent turn).
  [[nodiscard]] map_type& sessions() noexcept { return sessions_; }
  [[nodiscard]] const map_type& sessions() const noexcept { return sessions_; }

  /// Binds the registry to its node: the session table, the options
  /// (`node_options::sessions`) and the components (`snapshots`,
  /// `spawn_session`, `restore_session`, `metrics`). Without a snapshot
  /// store it uses a `memory_snapshot_store`; without a restorer it spawns
  /// `restored_session_actor`. Call once, before any other member.
  void start(caf::event_based_actor* self, node_state& node);

  /// The record of session `id`: the one in memory, else one rebuilt from
  /// its stored snapshot (a passivated session keeps no record in memory),
  /// else null.
  [[nodiscard]] session_record* known(session_id id);

  /// Calls `fn(id, snapshot)` for each passivated session of `tenant` whose
  /// record is not in memory (list_sessions). O(passivated sessions).
  void visit_passivated(
      const std::string& tenant,
      const std::function<void(session_id, const session_snapshot&)>& fn);

  /// The actor that runs the next turn of session `id`: the live one, a new
  /// one on the first turn, or one restored from the snapshot store. Marks
  /// the session busy until `turn_ended`. A `dependency_failed` error when
  /// the stored snapshot is missing or unreadable; the session stays
  /// passivated.
  [[nodiscard]] caf::expected<caf::actor>
  activate(session_id id, const agent_runtime_ptr& agent);

  /// A turn of `id` handed out by `activate` ended; once none runs the
  /// session is idle.
  void turn_ended(session_id id);

  /// The snapshot a passivating session sent: stores it and stops the actor,
  /// or drops it when the passivation was cancelled.
  void snapshot_taken(session_snapshot& snapshot);

  /// An error message arrived at the node; true when it came from one of
  /// our sessions, false otherwise. A session refusing its snapshot stays
  /// resident but is not considered for passivation (nor counted against
  /// max_resident) until its next turn.
  bool snapshot_refused(const caf::error& err);

  /// A monitored session actor stopped; true when it was one of ours. The
  /// session is passivated when the store holds a snapshot of it (its next
  /// turn restores it from there), else its next turn starts a new, empty
  /// session.
  bool session_down(const caf::down_msg& down);

  /// Stores the snapshot of a session imported from another node before the
  /// node knows the session (no record yet); `adopt` makes it a passivated
  /// session once the import is durable, `discard` drops it when the import
  /// fails. A `dependency_failed` error names what could not be written.
  [[nodiscard]] caf::error stage(const session_snapshot& snapshot);

  /// Makes the staged session `id`, whose record the node just created, a
  /// passivated session: its next turn restores it.
  void adopt(session_id id);

  /// Drops the staged snapshot of `id` (an import that failed).
  void discard(session_id id);

  /// Forgets session `id`, which another member of the cluster now owns:
  /// stops its actor, drops its record and erases its snapshot. A
  /// `dependency_failed` error when the snapshot cannot be erased (the
  /// record is gone all the same; the stale copy is offered to the owner
  /// again, who already holds a later epoch).
  [[nodiscard]] caf::error forget(session_id id);

  /// Calls `fn(id)` for each session whose snapshot the store holds.
  /// O(stored sessions).
  void visit_stored(const std::function<void(session_id)>& fn) const;

  /// The registry's timer fired.
  void timer_fired(std::uint64_t serial);

  /// Starts passivating every session the cache says is due now.
  void passivate_due();

  /// Forgets the passivated sessions idle past `node_options::
  /// session_expiry` (up to `expiry_batch` per call; more follow at once),
  /// then arms the next sweep while the store holds snapshots. Resident
  /// sessions and those with an unfinished run (one waiting in admission
  /// too) are kept.
  void expire_idle();

  /// Sessions forgotten by one `expire_idle` at most.
  static constexpr std::size_t expiry_batch = 1024;

  /// Sessions with a live actor (resident or passivating).
  [[nodiscard]] std::size_t resident() const noexcept {
    return by_actor_.size();
  }

  /// Sessions held in the snapshot store.
  [[nodiscard]] std::size_t passivated() const noexcept { return passivated_; }

  /// The snapshot store.
  [[nodiscard]] const storage::snapshot_store& store() const noexcept {
    return *store_;
  }

  /// The residency policy (for tests).
  [[nodiscard]] const policies::session_cache& cache() const noexcept {
    return *cache_;
  }

 private:
  /// Makes `actor` the live actor of session `id` and monitors it; false
  /// (and nothing changed) when `actor` is null.
  bool attach(session_id id, caf::actor actor);

  /// Forgets the live actor of session `id` (not its residency).
  void detach(session_id id);

  /// Passivates when more sessions are resident than allowed.
  void check_capacity();

  /// Arms the timer for the cache's next deadline unless one at least as
  /// early is armed.
  void arm();

  /// Arms the expiry sweep (when expiry is on and none is armed): after
  /// `sweep_interval`, or at once when `soon`.
  void arm_expiry(bool soon);

  /// Unix milliseconds now: the node's wall time.
  [[nodiscard]] std::uint64_t wall_ms() const;

  caf::event_based_actor* self_ = nullptr;
  node_state* node_ = nullptr;
  map_type sessions_;
  /// The node's time.
  std::shared_ptr<const policies::clock> clock_;
  // Declared after the clock it reads.
  std::optional<policies::session_cache> cache_;
  std::shared_ptr<storage::snapshot_store> store_;
  session_restorer restore_;
  std::unordered_map<caf::actor_addr, session_id> by_actor_;
  std::size_t passivated_ = 0;
  std::optional<policies::time_point> armed_;
  std::uint64_t timer_serial_ = 0;
  bool expiry_armed_ = false;
};

} // namespace warden
