#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/journal/metrics.hpp"
#include "policies/clock.hpp"
#include "storage/journal.hpp"

namespace warden {

/// The journal actor's own message: write what is pending.
using journal_flush_atom = caf::atom_constant<caf::atom("jflush")>;

/// The journal actor's own message: retention has more runs due than one
/// sweep deletes; delete the next batch.
using journal_sweep_atom = caf::atom_constant<caf::atom("jsweep")>;

/// The journal actor's own message: ask a store that stopped writing to
/// resume.
using journal_resume_atom = caf::atom_constant<caf::atom("jresume")>;

/// How the journal actor writes.
struct journal_options {
  /// Most entries in one write; a fuller batch is written at once.
  std::size_t max_batch_entries = 4096;
  /// Final runs are deleted this long after they finished; zero keeps them.
  std::chrono::milliseconds retention{0};
  /// Least time between two retention sweeps (a sweep follows a write).
  std::chrono::milliseconds sweep_interval{60'000};
  /// Runs deleted by one sweep at most: appends wait while a batch is
  /// deleted. A full batch is followed by the next at once (a message of
  /// the journal's own), until no run past retention is left.
  std::uint64_t sweep_max_runs = 1'000;
  /// How often a store that stopped writing is asked to resume.
  std::chrono::milliseconds resume_interval{1'000};
  /// Least time between two log lines about failed appends (the rest are
  /// counted and reported with the next line).
  std::chrono::milliseconds failure_log_interval{10'000};
  /// Where retention reads the wall time (`unix_ms`); null: the system's
  /// wall clock. Tests pin it.
  std::shared_ptr<const policies::clock> time;
  /// Metric handles; empty: none.
  journal_metrics metrics;
  /// UNSAFE, for the crash test's negative control only: acknowledge every
  /// append at once and write only every this often (write-behind). Zero,
  /// the default, acknowledges only what is written.
  std::chrono::milliseconds unsafe_write_behind{0};
};

/// One sender waiting for the pending batch.
struct journal_waiter {
  caf::actor sender;
  std::uint64_t ticket = 0;
  /// Answered only on failure.
  bool quiet = false;
};

/// State of the journal actor: the one writer of a storage::journal.
struct journal_state {
  static inline const char* name = "warden.journal";

  std::shared_ptr<storage::journal> store;
  journal_options options;
  /// Entries received since the last write.
  std::vector<storage::journal_entry> pending;
  /// Who waits for the pending entries.
  std::vector<journal_waiter> waiting;
  /// A journal_flush_atom is on its way.
  bool flush_scheduled = false;
  /// Writes made and entries written (tests, metrics).
  std::uint64_t batches = 0;
  std::uint64_t entries = 0;
  /// Batches that failed to write.
  std::uint64_t failures = 0;
  /// Runs deleted by retention.
  std::uint64_t expired = 0;
  /// A journal_sweep_atom is on its way (retention has a backlog).
  bool sweep_scheduled = false;
  /// When retention last swept.
  caf::actor_clock::time_point last_sweep;
  /// Whether the store takes writes, as last told to the watchers.
  bool writable = true;
  /// A journal_resume_atom is on its way.
  bool resume_scheduled = false;
  /// Receivers of storage_state messages; weak, so that a watcher that
  /// holds the journal (the node) does not keep both alive.
  std::vector<caf::actor_addr> watchers;
  /// When a failed append was last logged, and how many failed since.
  caf::actor_clock::time_point failure_logged;
  std::uint64_t failures_unlogged = 0;
};

/// The journal actor: group commit. Appends received while a write is under
/// way are written together by the next one, as one batch (one fsync for
/// RocksDB). `journal_append{ticket, entries, quiet}` is answered with
/// `journal_ack{ticket, failure}` once its batch is durable (no failure,
/// not sent for quiet appends) or has failed (every sender of the batch is
/// told, quiet ones too). Answers are plain sends, so senders hold no
/// pending request handlers. A failed batch is dropped, never retried
/// behind its senders' backs: they decide (the node keeps a final record
/// and writes it again; a session stops its turn). When the store stops
/// taking writes, watchers (`watch_storage`) get `storage_state{false}`,
/// the store is asked to resume every `resume_interval`, and watchers get
/// `storage_state{true}` once it does. Failures are counted and logged for
/// the operator with the storage error (which may name files); senders get
/// a sentence that names none. Spawn it detached in production: the write
/// blocks its thread, never a scheduler thread. After a write, retention
/// deletes final runs older than `options.retention`, at most once per
/// sweep interval, in batches of `sweep_max_runs`; while batches come back
/// full, the next one follows at once.
caf::behavior journal_actor(caf::stateful_actor<journal_state>* self,
                            std::shared_ptr<storage::journal> store,
                            journal_options options);

} // namespace warden
