#pragma once

// What the node does with the journal's answers: a run is acknowledged to
// its client once its accepted record is durable, and reported final once
// its final record is; a record that fails to write is never taken for
// written (actors/README.md, "Durability and resume"). Private to the node
// actor (actors/node.cpp).

#include <caf/atom.hpp>

#include "actors/detail/node_runs.hpp"

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
  return is_final(r.status.state) && r.final_durable;
}

/// Handles the ack of a run's accepted record (its ticket in
/// `st.tickets`): the client gets run_ack and the turn may start, or, when
/// the write failed, the client gets the failure and the run is forgotten
/// (never acknowledged, so never counted as finished). False when `ack` is
/// not such an ack.
bool on_accept_ack(node_ptr self, const journal_ack& ack);

/// Writes the final record of `r`, which just became final, or reports it
/// final at once when it was never journaled.
void journal_final(node_ptr self, run_record& r);

/// Handles the ack of a final record: the run is reported final (waiters,
/// subscribers) and, with a store to answer for it, leaves memory; a failed
/// write is written again later. False when `ack` is not such an ack.
bool on_final_ack(node_ptr self, const journal_ack& ack);

/// Writes again the final records that failed (storage takes writes again,
/// or the retry timer fired).
void retry_finals(node_ptr self);

} // namespace warden::detail
