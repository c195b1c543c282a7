// What the node checks and answers before a request becomes a run: names
// and inputs a client sent, priorities, idempotency keys (in memory and in
// the store), and the not_found answer that tells tenants nothing of each
// other. Private to the node actor.

#include "actors/node/detail/requests.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/node/detail/handoff.hpp"
#include "actors/protocol/error.hpp"
#include "policies/placement.hpp"
#include "policies/utf8.hpp"
#include "storage/keys.hpp"

namespace warden::detail {

std::string idempotency_slot(const std::string& tenant,
                             const std::string& key) {
  return storage::keys::idempotency(tenant, key);
}

caf::error no_such_run(const std::string& tenant, run_id run) {
  // The same answer whether the run does not exist or belongs to another
  // tenant: a tenant learns nothing about other tenants' runs.
  return make_error(error_code::not_found,
                    "no run " + std::to_string(run) + " for tenant " + tenant);
}

/// The run `id` if it belongs to `tenant`.
run_record* find_run(node_ptr self, const std::string& tenant, run_id id) {
  auto* r = self->state.runs.find(id);
  return r != nullptr && r->status.tenant == tenant ? r : nullptr;
}

caf::expected<run_status> stored_status(node_ptr self,
                                        const std::string& tenant, run_id id) {
  const auto& store = self->state.components.store;
  if (!store)
    return no_such_run(tenant, id);
  auto found = store->find_run(id);
  if (!found)
    return storage_failure(*found.error,
                           "reading run " + std::to_string(id) + " failed");
  if (!found.value) {
    if (auto err = on_its_way(self, policies::slot_of(id),
                              "run " + std::to_string(id)))
      return err;
    return no_such_run(tenant, id);
  }
  if (found.value->tenant != tenant)
    return no_such_run(tenant, id);
  return status_of(*found.value);
}

caf::expected<std::optional<run_ack>>
stored_duplicate(node_ptr self, const std::string& tenant,
                 const std::string& key) {
  const auto& store = self->state.components.store;
  if (!store)
    return std::optional<run_ack>{};
  auto failed = [](const storage::storage_error& err) {
    return storage_failure(err, "looking up the idempotency key failed");
  };
  auto id = store->find_idempotent(tenant, key);
  if (!id)
    return failed(*id.error);
  if (!id.value)
    return std::optional<run_ack>{};
  auto run = store->find_run(*id.value);
  if (!run)
    return failed(*run.error);
  if (!run.value || run.value->tenant != tenant)
    return std::optional<run_ack>{};
  return std::optional<run_ack>{
      run_ack{run.value->run, run.value->session, true}};
}

std::optional<caf::result<run_ack>> answer_known_key(node_ptr self,
                                                     const std::string& tenant,
                                                     const std::string& key) {
  if (key.empty())
    return std::nullopt;
  auto& st = self->state;
  if (auto i = st.idempotency.find(idempotency_slot(tenant, key));
      i != st.idempotency.end()) {
    auto& r = *st.runs.find(i->second);
    if (r.record == record_state::durable)
      return caf::result<run_ack>{
          run_ack{r.status.run, r.status.session, true}};
    auto promise = self->make_response_promise();
    r.acks.push_back(promise);
    return caf::result<run_ack>{promise};
  }
  auto earlier = stored_duplicate(self, tenant, key);
  if (!earlier)
    return caf::result<run_ack>{refused(self, std::move(earlier.error()))};
  if (*earlier)
    return caf::result<run_ack>{**earlier};
  return std::nullopt;
}

caf::error sender_lost(node_ptr self) {
  if (self->current_sender() || !self->current_message_id().is_request())
    return {};
  if (auto& m = self->state.components.metrics)
    m->count_without_sender();
  return make_error(error_code::dependency_failed,
                    "the request arrived without a sender to answer; it was "
                    "not carried out");
}

caf::error check_name(const char* field, const std::string& value,
                      std::size_t max_bytes, bool required) {
  auto refuse = [&](std::string why) {
    return make_error(error_code::invalid_argument,
                      std::string{field} + " " + why);
  };
  if (required && value.empty())
    return refuse("must not be empty");
  if (value.size() > max_bytes)
    return refuse("exceeds " + std::to_string(max_bytes) + " bytes");
  if (auto at = policies::first_invalid_utf8(value))
    return refuse("is not valid UTF-8 (byte " + std::to_string(*at) + ")");
  if (auto at = policies::first_control_character(value))
    return refuse("holds a control character (byte " + std::to_string(*at) +
                  ")");
  return {};
}

caf::error check_tenant(node_ptr self, const std::string& tenant) {
  return check_name("tenant", tenant, self->state.options.max_name_bytes, true);
}

/// Checks the parts every request shares; returns an error naming the part.
caf::error check_request(node_ptr self, const std::string& tenant,
                         const std::string& input, const std::string& key) {
  const auto& opts = self->state.options;
  if (auto err = check_tenant(self, tenant))
    return err;
  if (self->state.drain.active)
    return make_error(error_code::draining,
                      "the node is draining and accepts no new runs");
  if (!self->state.storage_writable)
    return make_error(error_code::unavailable,
                      "the node's storage is not accepting writes now, so "
                      "no new run can be made durable",
                      storage_retry_after);
  if (input.size() > opts.max_input_bytes)
    return make_error(error_code::invalid_argument,
                      "input of " + std::to_string(input.size()) +
                          " bytes exceeds the limit of " +
                          std::to_string(opts.max_input_bytes) + " bytes");
  if (auto at = policies::first_invalid_utf8(input))
    return make_error(error_code::invalid_argument,
                      "input is not valid UTF-8 (byte " + std::to_string(*at) +
                          ")");
  return check_name("idempotency key", key, opts.max_name_bytes, false);
}

/// Resolves a priority class name ("" = the default) to its index.
caf::expected<std::uint8_t> resolve_priority(node_ptr self,
                                             const std::string& name) {
  const auto& opts = self->state.options;
  if (name.empty())
    return opts.default_priority;
  if (auto err = check_name("priority", name, opts.max_name_bytes, false))
    return err;
  auto i = std::find(opts.priorities.begin(), opts.priorities.end(), name);
  if (i != opts.priorities.end())
    return static_cast<std::uint8_t>(i - opts.priorities.begin());
  std::string known;
  for (const auto& p : opts.priorities)
    known += (known.empty() ? "" : ", ") + p;
  return make_error(error_code::invalid_argument,
                    "unknown priority `" + name + "`; classes: " + known);
}

/// Counts a refused submission and passes the error on.
caf::error refused(node_ptr self, caf::error err) {
  if (auto& m = self->state.components.metrics)
    if (auto code = warden_code(err))
      m->count_rejected(*code);
  return err;
}

caf::result<run_ack> on_submit_run(node_ptr self, submit_run& req) {
  if (auto err = sender_lost(self))
    return err;
  auto& st = self->state;
  if (auto err =
          check_request(self, req.tenant, req.input, req.idempotency_key))
    return refused(self, std::move(err));
  if (auto err =
          check_name("agent", req.agent, st.options.max_name_bytes, true))
    return refused(self, std::move(err));
  if (st.components.agents.count(req.agent) == 0)
    return refused(self, make_error(error_code::invalid_argument,
                                    "unknown agent `" + req.agent + "`"));
  auto priority = resolve_priority(self, req.priority);
  if (!priority)
    return refused(self, std::move(priority.error()));
  auto in_slot = "a new session in placement slot " + std::to_string(req.slot);
  if (auto err = not_owned(self, req.slot, in_slot))
    return refused(self, std::move(err));
  if (auto known = answer_known_key(self, req.tenant, req.idempotency_key))
    return std::move(*known);
  // The run of this key may be on its way here with its session: a new run
  // now could be its second.
  if (!req.idempotency_key.empty())
    if (auto err = on_its_way(self, req.slot,
                              "the run of idempotency key `" +
                                  req.idempotency_key + "`"))
      return refused(self, std::move(err));
  auto session = st.ids.new_session(req.slot);
  st.registry.sessions()[session] =
      session_record{req.tenant, req.agent, nullptr, 0};
  return accept(self, req.tenant, req.agent, session, std::move(req.input),
                *priority, req.idempotency_key);
}

caf::result<run_ack> on_send_turn(node_ptr self, send_turn& req) {
  if (auto err = sender_lost(self))
    return err;
  auto& st = self->state;
  if (auto err =
          check_request(self, req.tenant, req.input, req.idempotency_key))
    return refused(self, std::move(err));
  auto name = "session " + std::to_string(req.session);
  if (auto err = not_owned(self, policies::slot_of(req.session), name))
    return refused(self, std::move(err));
  auto* s = st.registry.known(req.session);
  if (s == nullptr)
    if (auto err = on_its_way(self, policies::slot_of(req.session), name))
      return refused(self, std::move(err));
  if (s != nullptr && s->tenant == req.tenant)
    if (auto err = may_be_stale(self, req.session, name))
      return refused(self, std::move(err));
  if (s == nullptr || s->tenant != req.tenant)
    return make_error(error_code::not_found, "no session " +
                                                 std::to_string(req.session) +
                                                 " for tenant " + req.tenant);
  auto priority = resolve_priority(self, req.priority);
  if (!priority)
    return refused(self, std::move(priority.error()));
  auto policy = busy_policy_of(self, *s, req.on_busy);
  if (!policy)
    return refused(self, std::move(policy.error()));
  // A retry of a turn already accepted answers that turn, busy or not.
  if (auto known = answer_known_key(self, req.tenant, req.idempotency_key))
    return std::move(*known);
  if (auto err = make_room(self, req.session, *policy))
    return refused(self, std::move(err));
  return accept(self, req.tenant, s->agent, req.session, std::move(req.input),
                *priority, req.idempotency_key);
}

} // namespace warden::detail
