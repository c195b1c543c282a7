#pragma once

// A node as a member of a cluster (actors/README.md, "A cluster"): which
// placement slots it owns (the router's slot_table), the requests it does
// not serve because what they name belongs to another member or is on its
// way here, and the handoff of the sessions it holds without owning their
// slot. Private to the node actor. On a single node there is no slot table:
// the node owns everything and none of this refuses anything.

#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/result.hpp>

#include "actors/node/detail/runs.hpp"

namespace warden::detail {

/// Takes the router's slot table; from this node's own actors only.
void on_slot_table(node_ptr self, slot_table& table);

/// `unavailable` when this node does not own `slot` (a request that named
/// `what` reached it by a view older than the router's): the owner serves
/// it. None on a single node.
caf::error not_owned(node_ptr self, std::uint32_t slot,
                     const std::string& what);

/// `unavailable` when `what` (in `slot`), unknown here, may be on its way
/// to this node: another member still holds sessions of the slot. None
/// otherwise (the caller answers not_found).
caf::error on_its_way(node_ptr self, std::uint32_t slot,
                      const std::string& what);

/// `unavailable` when session `id`, which this node holds, may have a later
/// copy elsewhere: another member reports sessions of its slot, on their
/// way here (this node's copy may be one it handed over and, crashing,
/// did not forget). Turns wait for the handoff; reads do not (runs are
/// final once their session moves). Members not heard from within the
/// failure timeout of this node's start do not count here
/// (slot_table::unheard).
caf::error may_be_stale(node_ptr self, session_id id, const std::string& what);

/// The node of the member that holds sessions of run `run`'s slot for this
/// node while they are on their way here, when this node does not know the
/// run: it answers for the runs it holds. Null otherwise.
caf::actor holder_of_unknown_run(node_ptr self, run_id run);

/// Serves `list_foreign`: the sessions this node holds in slots it does not
/// own (in memory, and passivated in the snapshot store).
caf::result<foreign_sessions> on_list_foreign(node_ptr self);

/// Serves `handoff_session`.
caf::result<session_export> on_handoff_session(node_ptr self,
                                               const handoff_session& req);

/// Serves `handoff_done`.
caf::result<handoff_done> on_handoff_done(node_ptr self,
                                          const handoff_done& req);

} // namespace warden::detail
