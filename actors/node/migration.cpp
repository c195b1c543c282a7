// Exporting a session (node to node): its snapshot, the records of its
// runs and the journal of its latest run as one `session_export`, for an
// operator (a copy) or a handoff to the owner of its slot (with the next
// ownership epoch). Importing: migration_import.cpp. Private to the node
// actor.

#include "actors/node/detail/migration.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/protocol/error.hpp"
#include "actors/session/registry.hpp"

namespace warden::detail {

namespace {

std::string session_name(session_id id) {
  return "session " + std::to_string(id);
}

/// The same answer for a missing session and another tenant's.
caf::error no_such_session(const std::string& tenant, session_id id) {
  return make_error(error_code::not_found, "no session " + std::to_string(id) +
                                               " for tenant " + tenant);
}

caf::error store_failed(const storage::storage_error& err) {
  return storage_failure(err, "the session's records could not be read");
}

/// The session's runs in memory, in run id order; a `cap_exceeded` error
/// when one of them is not final.
caf::expected<std::vector<const run_record*>> runs_of(node_ptr self,
                                                      session_id id) {
  std::vector<const run_record*> result;
  // Linear in the runs in memory: exports are rare, and the node keeps no
  // index of runs by session.
  for (const auto& kv : self->state.runs) {
    const auto& r = kv.second;
    if (r.status.session != id)
      continue;
    if (!is_final(r.status.state))
      return make_error(error_code::cap_exceeded,
                        session_name(id) + " has run " +
                            std::to_string(r.status.run) +
                            " in progress; export it when idle");
    result.push_back(&r);
  }
  std::sort(result.begin(), result.end(), [](const auto* x, const auto* y) {
    return x->status.run < y->status.run;
  });
  return result;
}

/// `s` as it travels in a session_export.
exported_run exported_of(const storage::stored_run& s) {
  return {s.run,
          s.session,
          s.parent,
          s.depth,
          s.tenant,
          s.agent,
          s.input,
          s.idempotency_key,
          s.priority,
          static_cast<run_state>(s.state),
          s.output,
          s.reason,
          from_stored(s.usage),
          s.finished_at_ms,
          s.counts_own_tokens,
          s.reserved_tokens,
          s.model};
}

/// The record of a final run: the stored one when the store has it final
/// (its finishing time is exact), else the record the node would store.
caf::expected<storage::stored_run> record_of(node_ptr self,
                                             const run_record& r) {
  if (const auto& store = self->state.components.store) {
    auto found = store->find_run(r.status.run);
    if (!found)
      return store_failed(*found.error);
    if (found.value && found.value->final)
      return std::move(*found.value);
  }
  return stored_of(r);
}

/// The export of session `id` around `snapshot`: the records of its runs
/// and the journal of its latest one.
caf::expected<session_export> build_export(node_ptr self, session_id id,
                                           session_snapshot snapshot,
                                           bool handoff) {
  auto& st = self->state;
  const auto& s = st.registry.sessions().at(id);
  auto runs = runs_of(self, id);
  if (!runs)
    return std::move(runs.error());
  session_export result;
  result.session = id;
  result.tenant = s.tenant;
  result.agent = s.agent;
  result.snapshot = std::move(snapshot);
  result.snapshot.tenant = s.tenant;
  if (handoff)
    ++result.snapshot.counters.epoch;
  for (const auto* r : *runs) {
    auto record = record_of(self, *r);
    if (!record)
      return std::move(record.error());
    result.runs.push_back(exported_of(*record));
  }
  const auto& store = st.components.store;
  auto in_memory = std::any_of(runs->begin(), runs->end(), [&](auto* r) {
    return r->status.run == s.last_run;
  });
  if (store && s.last_run != 0 && !in_memory) {
    // Finished before a restart: only the store knows it.
    auto found = store->find_run(s.last_run);
    if (!found)
      return store_failed(*found.error);
    if (found.value && found.value->final)
      result.runs.push_back(exported_of(*found.value));
  }
  if (store && !result.runs.empty()) {
    auto entries = store->entries_of(result.runs.back().run);
    if (!entries)
      return store_failed(*entries.error);
    result.journal = std::move(entries.value);
  }
  return result;
}

/// The snapshot of a passivated session, from the snapshot store.
caf::expected<session_snapshot> stored_snapshot(node_ptr self, session_id id) {
  auto& sys = self->system();
  auto bytes = self->state.registry.store().read(id);
  if (bytes.error)
    return storage_failure(*bytes.error,
                           "cannot read the snapshot of " + session_name(id));
  if (!bytes.value)
    return make_error(error_code::dependency_failed,
                      session_name(id) +
                          " is passivated but the snapshot store holds no "
                          "snapshot of it");
  return decode_snapshot(sys, *bytes.value);
}

/// Answers the exports waiting for `source` with `answer(export)`.
template <class F>
bool settle_exports(node_ptr self, const caf::actor_addr& source, F answer) {
  auto& exports = self->state.exports;
  auto waiting = std::stable_partition(
      exports.begin(), exports.end(),
      [&](const pending_export& x) { return x.source != source; });
  if (waiting == exports.end())
    return false;
  std::vector<pending_export> due(std::make_move_iterator(waiting),
                                  std::make_move_iterator(exports.end()));
  exports.erase(waiting, exports.end());
  for (auto& x : due)
    answer(x);
  return true;
}

/// The export of session `id` of `tenant`; with `handoff`, it carries the
/// next ownership epoch.
caf::result<session_export> export_of(node_ptr self, const std::string& tenant,
                                      session_id id, bool handoff) {
  auto& st = self->state;
  // A passivated session may have no record in memory: `known` brings it
  // back from its snapshot.
  auto* found = st.registry.known(id);
  if (found == nullptr || found->tenant != tenant)
    return no_such_session(tenant, id);
  auto& record = *found;
  caf::expected<session_snapshot> snapshot{session_snapshot{}};
  switch (record.residency) {
  case session_residency::resident:
  case session_residency::passivating: {
    // Checked now so that a busy session is refused at once; checked again
    // when the snapshot arrives.
    if (auto runs = runs_of(self, id); !runs)
      return std::move(runs.error());
    auto promise = self->make_response_promise();
    st.exports.push_back(
        pending_export{id, tenant, record.actor.address(), promise, handoff});
    self->send(record.actor, snapshot_session{});
    return promise;
  }
  case session_residency::passivated:
    snapshot = stored_snapshot(self, id);
    break;
  case session_residency::none:
    // No actor: the session's next turn would start empty, so that is
    // what moves.
    snapshot->session = id;
    snapshot->agent = record.agent;
    snapshot->counters.epoch = record.epoch;
    break;
  }
  if (!snapshot)
    return std::move(snapshot.error());
  auto result = build_export(self, id, std::move(*snapshot), handoff);
  if (!result)
    return std::move(result.error());
  return std::move(*result);
}

} // namespace

caf::result<session_export> on_export_session(node_ptr self,
                                              const export_session& req) {
  if (auto err = check_tenant(self, req.tenant))
    return err;
  return export_of(self, req.tenant, req.session, false);
}

caf::result<session_export> export_for_handoff(node_ptr self, session_id id) {
  const auto* record = self->state.registry.known(id);
  if (record == nullptr)
    return make_error(error_code::not_found,
                      session_name(id) + " is not held by this node");
  auto tenant = record->tenant;
  return export_of(self, tenant, id, true);
}

void on_export_snapshot(node_ptr self, const session_snapshot& snapshot) {
  auto source = caf::actor_cast<caf::actor_addr>(self->current_sender());
  settle_exports(self, source, [&](pending_export& x) {
    auto s = self->state.registry.sessions().find(x.session);
    if (s == self->state.registry.sessions().end() ||
        s->second.tenant != x.tenant || snapshot.session != x.session) {
      x.promise.deliver(no_such_session(x.tenant, x.session));
      return;
    }
    auto result = build_export(self, x.session, snapshot, x.handoff);
    if (result)
      x.promise.deliver(std::move(*result));
    else
      x.promise.deliver(std::move(result.error()));
  });
}

bool on_export_refused(node_ptr self, const caf::error& err) {
  auto source = caf::actor_cast<caf::actor_addr>(self->current_sender());
  return settle_exports(self, source, [&](pending_export& x) {
    if (warden_code(err) == error_code::cap_exceeded)
      x.promise.deliver(make_error(error_code::cap_exceeded,
                                   session_name(x.session) +
                                       " is running a turn; export it when "
                                       "idle"));
    else
      x.promise.deliver(make_error(
          error_code::dependency_failed,
          session_name(x.session) + " gave no snapshot: " + error_reason(err)));
  });
}

void on_export_source_down(node_ptr self, const caf::down_msg& down) {
  settle_exports(self, down.source, [&](pending_export& x) {
    x.promise.deliver(make_error(error_code::dependency_failed,
                                 session_name(x.session) +
                                     " stopped before giving its snapshot"));
  });
}

} // namespace warden::detail
