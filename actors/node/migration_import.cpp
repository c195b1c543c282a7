// Importing a session exported by another node (migration.cpp exports):
// the whole export checked first, then its snapshot staged and its runs and
// journal made durable in one ticketed append; a handoff of a session this
// node held before takes back what it still has. Private to the node actor.

#include <algorithm>
#include <set>

#include <caf/all.hpp>

#include "actors/node/detail/migration.hpp"
#include "actors/protocol/error.hpp"
#include "actors/session/registry.hpp"
#include "storage/keys.hpp"

namespace warden::detail {

namespace {

std::string session_name(session_id id) {
  return "session " + std::to_string(id);
}

caf::error store_failed(const storage::storage_error& err) {
  return storage_failure(err, "the session's records could not be read");
}

caf::error bad_import(std::string reason) {
  return make_error(error_code::invalid_argument,
                    "cannot import: " + std::move(reason));
}

/// The record storage keeps of the exported run `x`.
storage::stored_run record_from(const exported_run& x) {
  storage::stored_run s;
  s.run = x.run;
  s.session = x.session;
  s.parent = x.parent;
  s.depth = x.depth;
  s.tenant = x.tenant;
  s.agent = x.agent;
  s.input = x.input;
  s.idempotency_key = x.idempotency_key;
  s.priority = x.priority;
  s.state = static_cast<std::uint8_t>(x.state);
  s.final = is_final(x.state);
  s.output = x.output;
  s.reason = x.reason;
  s.usage = to_stored(x.usage);
  s.finished_at_ms = x.finished_at_ms;
  s.counts_own_tokens = x.counts_own_tokens;
  s.reserved_tokens = x.reserved_tokens;
  s.model = x.model;
  return s;
}

/// Whether `id` is taken on this node: a session, an import under way, or
/// a snapshot in the store.
bool session_taken(node_ptr self, session_id id) {
  auto& st = self->state;
  if (st.registry.sessions().count(id) != 0 || st.registry.store().get(id))
    return true;
  return std::any_of(st.tickets.begin(), st.tickets.end(), [&](auto& kv) {
    const auto* import = std::get_if<pending_import>(&kv.second);
    return import != nullptr && import->exported.session == id;
  });
}

/// Whether run `id` is taken on this node: in memory, in an import under
/// way, or in the store.
caf::expected<bool> run_taken(node_ptr self, run_id id) {
  auto& st = self->state;
  if (st.runs.count(id) != 0)
    return true;
  for (const auto& kv : st.tickets)
    if (const auto* import = std::get_if<pending_import>(&kv.second))
      for (const auto& r : import->exported.runs)
        if (r.run == id)
          return true;
  if (!st.components.store)
    return false;
  auto found = st.components.store->find_run(id);
  if (!found)
    return store_failed(*found.error);
  return found.value.has_value();
}

/// Whether `tenant`'s idempotency `key` is taken on this node.
caf::expected<bool> key_taken(node_ptr self, const std::string& tenant,
                              const std::string& key) {
  auto& st = self->state;
  if (st.idempotency.count(idempotency_slot(tenant, key)) != 0)
    return true;
  if (!st.components.store)
    return false;
  auto found = st.components.store->find_idempotent(tenant, key);
  if (!found)
    return store_failed(*found.error);
  return found.value.has_value();
}

/// Whether run `id` of a session coming back in a handoff (an epoch past
/// 0) is one this node held before the session left: final here, of the
/// same session and tenant. Such a run is taken back as it is.
caf::expected<bool> held_before(node_ptr self, const session_export& x,
                                run_id id) {
  if (x.snapshot.counters.epoch == 0)
    return false;
  auto same = [&](session_id session, const std::string& tenant, bool final) {
    return final && session == x.session && tenant == x.tenant;
  };
  auto& st = self->state;
  if (const auto* r = st.runs.find(id))
    return same(r->status.session, r->status.tenant, is_final(r->status.state));
  if (!st.components.store)
    return false;
  auto found = st.components.store->find_run(id);
  if (!found)
    return store_failed(*found.error);
  return found.value &&
         same(found.value->session, found.value->tenant, found.value->final);
}

/// Checks one run record of an import.
caf::error check_run(node_ptr self, const session_export& x,
                     const exported_run& r) {
  auto name = "run " + std::to_string(r.run);
  if (r.run == 0 || r.session != x.session || r.tenant != x.tenant)
    return bad_import(name + " is not a run of " + session_name(x.session) +
                      " of tenant " + x.tenant);
  if (!is_final(r.state))
    return bad_import(name + " is not final");
  auto mine = held_before(self, x, r.run);
  if (!mine)
    return std::move(mine.error());
  if (*mine)
    return {}; // final, and the same run: its key maps to it already
  auto taken = run_taken(self, r.run);
  if (!taken)
    return std::move(taken.error());
  if (*taken)
    return bad_import(name + " already exists on this node");
  if (r.idempotency_key.empty())
    return {};
  // A child's key is its spawn call's ("<run>/<step>/<index>"): ASCII too.
  if (auto err = check_name("idempotency key", r.idempotency_key,
                            self->state.options.max_name_bytes, false))
    return err;
  auto used = key_taken(self, x.tenant, r.idempotency_key);
  if (!used)
    return std::move(used.error());
  if (*used)
    return bad_import("idempotency key `" + r.idempotency_key + "` of tenant " +
                      x.tenant + " is already used on this node");
  return {};
}

/// Checks an export before anything of it is written.
caf::error check_import(node_ptr self, const session_export& x) {
  auto& st = self->state;
  if (x.format != session_export_format)
    return bad_import("unknown session export format " +
                      std::to_string(x.format) + "; this node reads format " +
                      std::to_string(session_export_format));
  if (auto err = check_tenant(self, x.tenant))
    return err;
  if (x.session == 0)
    return bad_import("the export names no session");
  if (auto err = check_name("agent", x.agent, st.options.max_name_bytes, true))
    return err;
  if (st.components.agents.count(x.agent) == 0)
    return bad_import("agent `" + x.agent + "` is not configured on this node");
  if (x.snapshot.session != x.session || x.snapshot.agent != x.agent)
    return bad_import("the snapshot is not of " + session_name(x.session) +
                      " of agent `" + x.agent + "`");
  if (session_taken(self, x.session))
    return bad_import(session_name(x.session) + " already exists on this node");
  std::set<run_id> runs;
  for (const auto& r : x.runs) {
    if (!runs.insert(r.run).second)
      return bad_import("run " + std::to_string(r.run) + " is exported twice");
    if (auto err = check_run(self, x, r))
      return err;
  }
  for (const auto& e : x.journal) {
    auto name = "a journal entry of run " + std::to_string(e.run);
    if (runs.count(e.run) == 0)
      return bad_import(name + ", which is not exported");
    // A run's journal holds no checkpoints (they become snapshots): one in
    // an import would overwrite any session's snapshot, another tenant's
    // too. An unknown kind would fail the journal's whole group commit.
    if (!storage::known_entry_kind(static_cast<std::uint8_t>(e.kind)) ||
        e.kind == storage::entry_kind::session_checkpoint)
      return bad_import(name + " is of kind " +
                        std::to_string(static_cast<int>(e.kind)) +
                        ", which no run's journal holds");
    if (e.kind != storage::entry_kind::run_accepted &&
        e.kind != storage::entry_kind::run_record)
      continue;
    // A record that does not decode would fail the journal's whole group
    // commit, other runs' entries included: refuse it here.
    storage::stored_run record;
    if (auto err = storage::decode(e.payload, record);
        err || record.run != e.run)
      return bad_import(name + " holds no record of it");
  }
  return {};
}

/// A handoff of a session this node already holds: an offer of an epoch it
/// holds already (or a later one) is answered as imported, as the first
/// offer was (the sender lost that answer, or restarted before forgetting
/// its copy). A copy of an earlier epoch, left behind here when the session
/// moved away, is forgotten so that the offer replaces it. None: import as
/// usual.
std::optional<caf::result<session_imported>>
settle_known_epoch(node_ptr self, const session_export& x) {
  auto epoch = x.snapshot.counters.epoch;
  if (epoch == 0)
    return std::nullopt; // an operator's export: no handoff
  auto& st = self->state;
  auto* record = st.registry.known(x.session);
  if (record == nullptr || record->tenant != x.tenant)
    return std::nullopt;
  if (record->epoch >= epoch)
    return caf::result<session_imported>{session_imported{x.session}};
  if (record->turns_in_flight > 0 || !record->open_runs.empty())
    return caf::result<session_imported>{
        make_error(error_code::invalid_argument,
                   "cannot import: " + session_name(x.session) +
                       " is running here at an earlier epoch")};
  if (auto err = st.registry.forget(x.session))
    return caf::result<session_imported>{std::move(err)};
  return std::nullopt;
}

/// What the journal appends for an import: the exported journal, then for
/// each run its acceptance (when the journal lacks it: it registers the
/// idempotency key) and its record as exported. Runs this node held before
/// the session left (`kept`) are in its journal already: appending their
/// entries again would repeat them at every round trip. A batch left empty
/// carries the session's checkpoint, so that the journal answers it.
std::vector<storage::journal_entry>
import_entries(node_ptr self, const session_export& x,
               const std::set<run_id>& kept) {
  std::vector<storage::journal_entry> entries;
  for (const auto& e : x.journal)
    if (kept.count(e.run) == 0)
      entries.push_back(e);
  for (const auto& r : x.runs) {
    if (kept.count(r.run) != 0)
      continue;
    auto accepted =
        std::any_of(x.journal.begin(), x.journal.end(), [&](const auto& e) {
          return e.run == r.run && e.kind == storage::entry_kind::run_accepted;
        });
    auto bytes = storage::encode(record_from(r));
    if (!accepted)
      entries.push_back({r.run, 0, storage::entry_kind::run_accepted, bytes});
    entries.push_back({r.run, 0, storage::entry_kind::run_record, bytes});
  }
  if (entries.empty())
    if (auto bytes = encode_snapshot(self->system(), x.snapshot))
      entries.push_back({0, 0, storage::entry_kind::session_checkpoint,
                         storage::keys::session(x.session) + *bytes});
  return entries;
}

/// The runs of `x` this node held before the session left (held_before).
caf::expected<std::set<run_id>> kept_runs(node_ptr self,
                                          const session_export& x) {
  std::set<run_id> kept;
  for (const auto& r : x.runs) {
    auto mine = held_before(self, x, r.run);
    if (!mine)
      return std::move(mine.error());
    if (*mine)
      kept.insert(r.run);
  }
  return kept;
}

} // namespace

caf::result<session_imported> on_import_session(node_ptr self,
                                                import_session& req) {
  auto& st = self->state;
  auto& x = req.exported;
  if (st.drain.active)
    return make_error(error_code::draining,
                      "the node is draining and accepts no imports");
  if (auto settled = settle_known_epoch(self, x))
    return std::move(*settled);
  if (auto err = check_import(self, x))
    return err;
  auto kept = kept_runs(self, x);
  if (!kept)
    return std::move(kept.error());
  // The stored snapshot names its tenant: a passivated session needs no
  // record in memory (session_registry::known).
  x.snapshot.tenant = x.tenant;
  if (auto err = st.registry.stage(x.snapshot))
    return err;
  // Never hand out the imported ids again, even if the import fails.
  st.ids.saw_session(x.session);
  st.ids.saw_run(x.snapshot.counters.last_run);
  for (const auto& r : x.runs)
    st.ids.saw_run(r.run);
  auto ticket = st.ids.next_ticket++;
  self->send(st.components.journal,
             journal_append{ticket, import_entries(self, x, *kept)});
  auto promise = self->make_response_promise();
  st.tickets.emplace(ticket, pending_import{std::move(x), promise});
  return promise;
}

void on_import_durable(node_ptr self, pending_import& pending,
                       const journal_ack& ack) {
  auto& st = self->state;
  auto& x = pending.exported;
  if (ack.failure) {
    st.registry.discard(x.session);
    const auto& err = ack.failure;
    auto code = warden_code(err).value_or(error_code::dependency_failed);
    auto reason = session_name(x.session) +
                  " could not be made durable: " + error_reason(err);
    pending.promise.deliver(
        code == error_code::unavailable
            ? make_error(code, std::move(reason), storage_retry_after)
            : make_error(code, std::move(reason)));
    return;
  }
  // Final runs in memory, as recover() takes runs back: status, idempotency
  // and list_sessions answer as on the exporting node.
  auto& session = st.registry.sessions()[x.session];
  session.tenant = x.tenant;
  session.agent = x.agent;
  session.last_run = 0;
  session.epoch = x.snapshot.counters.epoch;
  for (auto& s : x.runs) {
    // Final, and now durable here.
    auto& r = st.runs.add(s.run, run_origin::imported, run_phase::final,
                          record_state::durable);
    r.status = {s.run,    s.session, s.tenant, s.agent, s.state,
                s.output, s.reason,  s.usage,  s.model};
    r.priority = s.priority;
    r.idempotency_key = s.idempotency_key;
    r.finished_at_ms = s.finished_at_ms;
    r.counts_own_tokens = s.counts_own_tokens;
    r.reserved_tokens = s.reserved_tokens;
    r.tree.parent = s.parent;
    r.tree.depth = s.depth;
    if (!s.idempotency_key.empty())
      st.idempotency.emplace(idempotency_slot(s.tenant, s.idempotency_key),
                             s.run);
    session.last_run = std::max(session.last_run, s.run);
  }
  st.registry.adopt(x.session);
  pending.promise.deliver(session_imported{x.session});
}

} // namespace warden::detail
