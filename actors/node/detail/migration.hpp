#pragma once

// Session migration: exporting an idle session (its snapshot, the records of
// its runs and the journal of its latest run) as one `session_export`, and
// importing one exported by another node. Private to the node actor
// (actors/node/node.cpp); see actors/README.md, "Migration".

#include <caf/error.hpp>
#include <caf/result.hpp>
#include <caf/system_messages.hpp>

#include "actors/node/detail/runs.hpp"

namespace warden::detail {

/// Serves `export_session`: a passivated session is read from the snapshot
/// store; a resident one is asked for its snapshot with a plain send and the
/// export answers once it arrives (`on_export_snapshot`).
caf::result<session_export> on_export_session(node_ptr self,
                                              const export_session& req);

/// Serves `handoff_session`: the export of a session this node holds, with
/// the next ownership epoch, for the owner of its slot.
caf::result<session_export> export_for_handoff(node_ptr self, session_id id);

/// A session sent its snapshot: completes the exports waiting for it.
void on_export_snapshot(node_ptr self, const session_snapshot& snapshot);

/// An error message arrived: fails the exports waiting for its sender's
/// snapshot; true when there were some.
bool on_export_refused(node_ptr self, const caf::error& err);

/// A monitored actor stopped: fails the exports waiting for its snapshot.
void on_export_source_down(node_ptr self, const caf::down_msg& down);

/// Serves `import_session`: checks the export, stores its snapshot, bumps the
/// id counters above its ids, and sends its runs and journal to the journal;
/// the answer follows the journal's ack (`on_import_durable`).
caf::result<session_imported> on_import_session(node_ptr self,
                                                import_session& req);

/// Applies the journal's ack of `pending`'s entries: the session becomes a
/// passivated session of this node, or the import fails and its snapshot is
/// dropped.
/// open_session: a new session that starts with the client's conversation.
caf::result<session_imported> on_open_session(node_ptr self, open_session& req);

void on_import_durable(node_ptr self, pending_import& pending,
                       const journal_ack& ack);

} // namespace warden::detail
