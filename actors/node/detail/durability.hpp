#pragma once

// What the node does with the journal's answers: a run is acknowledged to
// its client once its accepted record is durable, and reported final once
// its final record is; a record that fails to write is never taken for
// written (actors/README.md, "Durability and resume"). Private to the node
// actor (actors/node/node.cpp).

#include <caf/atom.hpp>

#include "actors/node/detail/runs.hpp"

namespace warden::detail {

/// The node's own message: write again the final records that failed.
using final_retry_atom = caf::atom_constant<caf::atom("fin_retry")>;

/// The status a client sees of `r`: a run whose final record is not durable
/// yet reads as not final (running, or queued when it never started), with
/// a reason saying so.
[[nodiscard]] run_status reported_status(const node_state& st,
                                         const run_record& r);

/// Whether a client may be told `r` is final.
[[nodiscard]] inline bool reported_final(const run_record& r) noexcept {
  return r.phase == run_phase::final;
}

/// Hands a journal ack to what waits for its ticket (`node_state::
/// tickets`): a run's accepted record (the client gets run_ack and the turn
/// may start; a failed write is told to the client and the run forgotten,
/// never acknowledged), a final record (the run is reported final and, with
/// a store to answer for it, leaves memory; a failed write is written again
/// later), or an import (node/detail/migration.hpp). Unknown tickets are
/// ignored.
void on_journal_ack(node_ptr self, const journal_ack& ack);

/// Writes the final record of `r`, which just got its outcome (finishing),
/// or reports it final at once when it never had a record (final).
void journal_final(node_ptr self, run_record& r);

/// The journal's store takes writes again, or stopped taking them: new
/// work is refused while it does not; final records that failed are
/// written again once it does.
void on_storage_state(node_ptr self, const storage_state& msg);

/// Writes again the final records that failed (storage takes writes again,
/// or the retry timer fired).
void retry_finals(node_ptr self);

} // namespace warden::detail
