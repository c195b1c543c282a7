// A node as a member of a cluster: slot ownership, the requests it leaves
// to the owner, and the handoff of sessions it holds without owning their
// slot (actors/node/detail/handoff.hpp). Private to the node actor.

#include "actors/node/detail/handoff.hpp"

#include <algorithm>
#include <set>

#include <caf/all.hpp>

#include "actors/node/detail/migration.hpp"
#include "actors/protocol/error.hpp"
#include "policies/placement.hpp"

namespace warden::detail {

namespace {

/// Whether the current message comes from an actor of this process: the
/// node actor's handle reaches clients (it answers what routers delegate).
bool from_this_process(node_ptr self) {
  const auto& sender = self->current_sender();
  return sender && sender->node() == self->node();
}

caf::error not_local(const char* what) {
  return make_error(error_code::invalid_argument,
                    std::string{what} +
                        " is taken only from the node's own actors");
}

slot_table::index_type owner_of(const slot_table& table, std::uint32_t slot) {
  slot %= policies::id_layout::slots;
  return slot < table.owners.size() ? table.owners[slot]
                                    : slot_table::no_member;
}

std::string member_name(const slot_table& table, slot_table::index_type index) {
  return index < table.names.size() ? table.names[index]
                                    : "#" + std::to_string(index);
}

bool is_up(const slot_table& table, slot_table::index_type index) {
  return index < table.nodes.size() && table.nodes[index];
}

std::chrono::milliseconds retry_of(const slot_table& table) {
  return std::chrono::milliseconds{table.retry_after_ms};
}

/// Whether this node owns the slot of session `id`.
bool owns(const slot_table& table, std::uint64_t id) {
  return owner_of(table, policies::slot_of(id)) == table.self;
}

} // namespace

void on_slot_table(node_ptr self, slot_table& table) {
  if (!from_this_process(self))
    return;
  if (table.owners.size() != policies::id_layout::slots ||
      table.holders.size() != policies::id_layout::slots)
    return;
  self->state.slots = std::move(table);
}

caf::error not_owned(node_ptr self, std::uint32_t slot,
                     const std::string& what) {
  const auto& table = self->state.slots;
  if (!table)
    return {};
  auto owner = owner_of(*table, slot);
  if (owner == table->self)
    return {};
  if (owner == slot_table::no_member)
    return make_error(error_code::unavailable,
                      what + " has no member to serve it: every member is "
                             "leaving the cluster",
                      retry_of(*table));
  return make_error(error_code::unavailable,
                    what + " is served by member " +
                        member_name(*table, owner) +
                        " now, not by this node; retry (the cluster's view "
                        "was changing)",
                    retry_of(*table));
}

caf::error on_its_way(node_ptr self, std::uint32_t slot,
                      const std::string& what) {
  const auto& table = self->state.slots;
  if (!table)
    return {};
  slot %= policies::id_layout::slots;
  auto holder = table->holders[slot];
  if (holder == slot_table::no_member || owner_of(*table, slot) != table->self)
    return {};
  auto name = member_name(*table, holder);
  if (!is_up(*table, holder))
    return make_error(error_code::unavailable,
                      what + " may be on member " + name +
                          ", which is down, on its way to this node; it is "
                          "served once " +
                          name + " is back and has handed it over",
                      retry_of(*table));
  return make_error(error_code::unavailable,
                    what + " may be on its way to this node from member " +
                        name + " (a handoff); retry shortly",
                    retry_of(*table));
}

caf::error may_be_stale(node_ptr self, session_id id, const std::string& what) {
  const auto& table = self->state.slots;
  if (!table)
    return {};
  auto slot = policies::slot_of(id);
  auto holder = table->holders[slot];
  if (holder == slot_table::no_member ||
      owner_of(*table, slot) != table->self ||
      ((table->unheard >> holder) & 1u) != 0)
    return {};
  return make_error(error_code::unavailable,
                    what + ": member " + member_name(*table, holder) +
                        " still holds sessions of its placement slot, on "
                        "their way to this node (a handoff); retry shortly",
                    retry_of(*table));
}

caf::actor holder_of_unknown_run(node_ptr self, run_id run) {
  const auto& table = self->state.slots;
  if (!table)
    return {};
  auto slot = policies::slot_of(run);
  auto holder = table->holders[slot];
  if (holder == slot_table::no_member ||
      owner_of(*table, slot) != table->self || !is_up(*table, holder) ||
      self->state.runs.find(run) != nullptr)
    return {};
  if (const auto& store = self->state.components.store) {
    auto found = store->find_run(run);
    if (found && found.value)
      return {}; // known here: answered here
  }
  return table->nodes[holder];
}

caf::result<foreign_sessions> on_list_foreign(node_ptr self) {
  if (!from_this_process(self))
    return not_local("list_foreign");
  foreign_sessions result;
  const auto& table = self->state.slots;
  if (!table)
    return result;
  std::set<session_id> ids;
  for (const auto& kv : self->state.registry.sessions())
    if (!owns(*table, kv.first))
      ids.insert(kv.first);
  self->state.registry.visit_stored([&](session_id id) {
    if (!owns(*table, id))
      ids.insert(id);
  });
  result.sessions.assign(ids.begin(), ids.end());
  return result;
}

namespace {

/// Why the handoff step `step` for `session` is refused: it comes from
/// outside this process, or the session's slot is this node's.
caf::error refuse_handoff(node_ptr self, const char* step, session_id session) {
  if (!from_this_process(self))
    return not_local(step);
  const auto& table = self->state.slots;
  if (!table || owns(*table, session))
    return make_error(error_code::invalid_argument,
                      "session " + std::to_string(session) +
                          " is in a slot this node owns: it stays here");
  return {};
}

} // namespace

caf::result<session_export> on_handoff_session(node_ptr self,
                                               const handoff_session& req) {
  if (auto err = refuse_handoff(self, "handoff_session", req.session))
    return err;
  return export_for_handoff(self, req.session);
}

caf::result<handoff_done> on_handoff_done(node_ptr self,
                                          const handoff_done& req) {
  if (auto err = refuse_handoff(self, "handoff_done", req.session))
    return err;
  if (auto err = self->state.registry.forget(req.session))
    return err;
  return req;
}

} // namespace warden::detail
