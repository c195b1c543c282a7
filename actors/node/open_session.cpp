// open_session: a new session whose conversation starts with what a client
// brings (the front door's history), made durable by the import path.
// Private to the node actor.

#include <caf/all.hpp>

#include "actors/node/detail/handoff.hpp"
#include "actors/node/detail/migration.hpp"
#include "actors/protocol/error.hpp"
#include "actors/session/registry.hpp"
#include "policies/utf8.hpp"
#include "storage/keys.hpp"

namespace warden::detail {

namespace {

/// Why `req` cannot open a session; nothing when it can.
caf::error check_open(node_ptr self, const open_session& req) {
  auto& st = self->state;
  // The checks of a new run, on the conversation's text.
  std::size_t bytes = 0;
  for (const auto& m : req.conversation)
    bytes += m.content.size();
  if (req.conversation.size() > max_opened_messages)
    return make_error(
        error_code::invalid_argument,
        "a session opens with at most " + std::to_string(max_opened_messages) +
            " messages, got " + std::to_string(req.conversation.size()));
  if (auto err = check_request(self, req.tenant, {}, {}))
    return err;
  if (bytes > st.options.max_input_bytes)
    return make_error(error_code::invalid_argument,
                      "the conversation's " + std::to_string(bytes) +
                          " bytes of text exceed the limit of " +
                          std::to_string(st.options.max_input_bytes) +
                          " bytes");
  for (std::size_t i = 0; i < req.conversation.size(); ++i) {
    const auto& m = req.conversation[i];
    auto which = "message " + std::to_string(i);
    if (m.role == chat_role::tool || !m.tool_calls.empty() ||
        !m.tool_call_id.empty() || !m.tool.empty())
      return make_error(error_code::invalid_argument,
                        which + " is a tool call or result: a session opens "
                                "with system, user and assistant text only");
    if (auto at = policies::first_invalid_utf8(m.content))
      return make_error(error_code::invalid_argument,
                        which + " is not valid UTF-8 (byte " +
                            std::to_string(*at) + ")");
  }
  if (auto err =
          check_name("agent", req.agent, st.options.max_name_bytes, true))
    return err;
  if (st.components.agents.count(req.agent) == 0)
    return make_error(error_code::invalid_argument,
                      "unknown agent `" + req.agent + "`");
  return {};
}

} // namespace

caf::result<session_imported> on_open_session(node_ptr self,
                                              open_session& req) {
  auto& st = self->state;
  if (auto err = check_open(self, req))
    return err;
  if (auto err = not_owned(self, req.slot,
                           "a new session in placement slot " +
                               std::to_string(req.slot)))
    return err;
  // An import of a session without runs: the same path to durability.
  session_export x;
  x.session = st.ids.new_session(req.slot);
  x.tenant = req.tenant;
  x.agent = req.agent;
  x.snapshot.session = x.session;
  x.snapshot.agent = req.agent;
  x.snapshot.tenant = req.tenant;
  x.snapshot.conversation = std::move(req.conversation);
  if (auto err = st.registry.stage(x.snapshot))
    return err;
  // The checkpoint puts the snapshot in the journal's synced batch (a
  // batch of nothing would never be answered).
  auto bytes = encode_snapshot(self->system(), x.snapshot);
  if (!bytes) {
    st.registry.discard(x.session);
    return std::move(bytes.error());
  }
  auto ticket = st.ids.next_ticket++;
  journal_append batch;
  batch.ticket = ticket;
  batch.entries.push_back({0, 0, storage::entry_kind::session_checkpoint,
                           storage::keys::session(x.session) + *bytes});
  self->send(st.components.journal, std::move(batch));
  auto promise = self->make_response_promise();
  st.tickets.emplace(ticket, pending_import{std::move(x), promise});
  return promise;
}

} // namespace warden::detail
