#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "storage/journal.hpp"

namespace warden {

/// The journal actor's own message: write what is pending.
using journal_flush_atom = caf::atom_constant<caf::atom("jflush")>;

/// How the journal actor writes.
struct journal_options {
  /// Most entries in one write; a fuller batch is written at once.
  std::size_t max_batch_entries = 4096;
  /// Final runs are deleted this long after they finished; zero keeps them.
  std::chrono::milliseconds retention{0};
  /// Least time between two retention sweeps (a sweep follows a write).
  std::chrono::milliseconds sweep_interval{60'000};
  /// Runs deleted by one sweep at most (the next sweep goes on).
  std::uint64_t sweep_max_runs = 10'000;
  /// Unix milliseconds now; empty: the system clock. Tests set it.
  std::function<std::uint64_t()> wall_clock;
  /// UNSAFE, for the crash test's negative control only: acknowledge every
  /// append at once and write only every this often (write-behind). Zero,
  /// the default, acknowledges only what is written.
  std::chrono::milliseconds unsafe_write_behind{0};
};

/// State of the journal actor: the one writer of a storage::journal.
struct journal_state {
  static inline const char* name = "warden.journal";

  std::shared_ptr<storage::journal> store;
  journal_options options;
  /// Entries received since the last write.
  std::vector<storage::journal_entry> pending;
  /// Who waits for the pending entries: sender and ticket (ticket 0: only a
  /// failure is answered).
  std::vector<std::pair<caf::actor, std::uint64_t>> waiting;
  /// A journal_flush_atom is on its way.
  bool flush_scheduled = false;
  /// Writes made and entries written (tests, metrics).
  std::uint64_t batches = 0;
  std::uint64_t entries = 0;
  /// Runs deleted by retention.
  std::uint64_t expired = 0;
  /// When retention last swept.
  caf::actor_clock::time_point last_sweep;
};

/// The journal actor: group commit. Appends received while a write is under
/// way are written together by the next one, as one batch (one fsync for
/// RocksDB). `journal_append{ticket, entries}` is answered with
/// `journal_ack{ticket, failure}` once its batch is durable (failure empty)
/// or has failed (failure names the operation); ticket 0 is answered only on
/// failure. Answers are plain sends, so senders hold no pending request
/// handlers. Spawn it detached in production: the write blocks its thread,
/// never a scheduler thread. After a write, retention deletes final runs
/// older than `options.retention`, at most once per sweep interval.
caf::behavior journal_actor(caf::stateful_actor<journal_state>* self,
                            std::shared_ptr<storage::journal> store,
                            journal_options options);

} // namespace warden
