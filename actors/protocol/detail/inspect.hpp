#pragma once

// inspect() overloads of the protocol's message types (CAF 0.17 form), kept
// apart so that actors/protocol/messages.hpp reads as the list of messages.
// Included at the end of actors/protocol/messages.hpp; do not include it
// directly.

#include <cmath>
#include <string>

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/save_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/sec.hpp>

namespace warden::detail {

/// Refuses a non-finite double before CAF 0.17 writes it and after it reads
/// one. Its binary serializer packs a double by halving it until it is
/// below 2, which never ends for an infinity (a message from a peer whose
/// exponent bits are all ones reads as one), and casts a NaN to an integer.
/// So a message with such a field is refused both ways, never packed.
inline caf::error finite_double(double x, const char* field) {
  if (std::isfinite(x))
    return caf::none;
  return caf::make_error(caf::sec::invalid_argument,
                         std::string{field} + " is not a finite number");
}

} // namespace warden::detail

namespace warden::storage {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_entry& x) {
  return f(caf::meta::type_name("journal_entry"), x.run, x.step, x.kind,
           x.payload);
}

} // namespace warden::storage

namespace warden {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, usage_totals& x) {
  return f(caf::meta::type_name("usage_totals"), x.prompt_tokens,
           x.completion_tokens, x.cost_micros, x.model_calls, x.tool_calls,
           x.retries, x.iterations);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exported_run& x) {
  return f(caf::meta::type_name("exported_run"), x.run, x.session, x.parent,
           x.depth, x.tenant, x.agent, x.input, x.idempotency_key, x.priority,
           x.state, x.output, x.reason, x.usage, x.finished_at_ms,
           x.counts_own_tokens, x.reserved_tokens, x.model);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, submit_run& x) {
  return f(caf::meta::type_name("submit_run"), x.tenant, x.agent, x.input,
           x.priority, x.idempotency_key, x.slot);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, send_turn& x) {
  return f(caf::meta::type_name("send_turn"), x.tenant, x.session, x.input,
           x.priority, x.idempotency_key, x.on_busy);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_ack& x) {
  return f(caf::meta::type_name("run_ack"), x.run, x.session, x.duplicate);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_status& x) {
  return f(caf::meta::type_name("get_status"), x.tenant, x.run);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, await_run& x) {
  return f(caf::meta::type_name("await_run"), x.tenant, x.run, x.max_wait_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cancel_run& x) {
  return f(caf::meta::type_name("cancel_run"), x.tenant, x.run);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, subscribe_run& x) {
  return f(caf::meta::type_name("subscribe_run"), x.tenant, x.run, x.subscriber,
           x.after, x.deltas);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_delta& x) {
  return f(caf::meta::type_name("run_delta"), x.run, x.step, x.text,
           x.restarted);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_sessions& x) {
  return f(caf::meta::type_name("list_sessions"), x.tenant, x.after, x.limit);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, drain_node&) {
  return f(caf::meta::type_name("drain_node"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_readiness&) {
  return f(caf::meta::type_name("get_readiness"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_readiness& x) {
  return f(caf::meta::type_name("node_readiness"), x.draining, x.writable,
           x.resuming);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pause_tenant& x) {
  return f(caf::meta::type_name("pause_tenant"), x.tenant, x.paused);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tenant_pause_state& x) {
  return f(caf::meta::type_name("tenant_pause_state"), x.tenant, x.paused,
           x.queued);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_status& x) {
  return f(caf::meta::type_name("run_status"), x.run, x.session, x.tenant,
           x.agent, x.state, x.output, x.reason, x.usage, x.model);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_step& x) {
  return f(caf::meta::type_name("run_step"), x.kind, x.step, x.call, x.name,
           x.prompt_tokens, x.completion_tokens, x.child, x.error, x.detail);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_event& x) {
  return f(caf::meta::type_name("run_event"), x.run, x.seq, x.state, x.kind,
           x.detail, x.step);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_subscription& x) {
  return f(caf::meta::type_name("run_subscription"), x.status, x.last_seq);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_info& x) {
  return f(caf::meta::type_name("session_info"), x.session, x.agent, x.last_run,
           x.last_state, x.resident);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_list& x) {
  return f(caf::meta::type_name("session_list"), x.sessions, x.next_after);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, drain_report& x) {
  return f(caf::meta::type_name("drain_report"), x.finished, x.cancelled);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tool_call& x) {
  return f(caf::meta::type_name("tool_call"), x.tool, x.arguments, x.id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chat_message& x) {
  return f(caf::meta::type_name("chat_message"), x.role, x.content, x.tool,
           x.tool_calls, x.tool_call_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, model_request& x) {
  auto finite = [&x] {
    return detail::finite_double(x.temperature, "model_request.temperature");
  };
  return f(caf::meta::type_name("model_request"), x.run, x.session, x.step,
           x.messages, x.tools, x.compaction, x.token_estimate,
           x.max_completion_tokens, x.model, caf::meta::save_callback(finite),
           x.temperature, caf::meta::load_callback(finite), x.time_left_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, model_reply& x) {
  return f(caf::meta::type_name("model_reply"), x.text, x.tool_calls,
           x.prompt_tokens, x.completion_tokens, x.cost_micros, x.retries,
           x.model);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tool_request& x) {
  return f(caf::meta::type_name("tool_request"), x.run, x.session, x.step,
           x.index, x.tool, x.arguments, x.idempotency_key);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tool_reply& x) {
  return f(caf::meta::type_name("tool_reply"), x.output, x.retries);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cancel_calls& x) {
  return f(caf::meta::type_name("cancel_calls"), x.run);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admit_run& x) {
  return f(caf::meta::type_name("admit_run"), x.run, x.tenant, x.priority,
           x.accepted, x.continuation, x.tokens);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, yield_slot& x) {
  return f(caf::meta::type_name("yield_slot"), x.run);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reclaim_slot& x) {
  return f(caf::meta::type_name("reclaim_slot"), x.run);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, slot_returned& x) {
  return f(caf::meta::type_name("slot_returned"), x.run);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admission_verdict& x) {
  return f(caf::meta::type_name("admission_verdict"), x.run, x.outcome,
           x.refusal, x.waited_ns, x.reserved_tokens);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, charge_tokens& x) {
  return f(caf::meta::type_name("charge_tokens"), x.run, x.tenant, x.tokens,
           x.finished_at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, release_run& x) {
  return f(caf::meta::type_name("release_run"), x.run, x.tokens,
           x.finished_at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, budget_grant& x) {
  return f(caf::meta::type_name("budget_grant"), x.tokens, x.cost_micros,
           x.wall_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, turn_input& x) {
  return f(caf::meta::type_name("turn_input"), x.run, x.session, x.tenant,
           x.input, x.depth, x.grant, x.spawner, x.replay, x.deadline_watched,
           x.observer, x.deltas);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, start_turn& x) {
  return f(caf::meta::type_name("start_turn"), x.session, x.turn);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_turn& x) {
  return f(caf::meta::type_name("run_turn"), x.turn);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cancel_turn& x) {
  return f(caf::meta::type_name("cancel_turn"), x.run, x.state, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, turn_finished& x) {
  return f(caf::meta::type_name("turn_finished"), x.run, x.session, x.state,
           x.output, x.reason, x.usage, x.model, x.steps, x.steps_dropped);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, watch_turn& x) {
  return f(caf::meta::type_name("watch_turn"), x.run, x.observer, x.deltas);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, turn_step& x) {
  return f(caf::meta::type_name("turn_step"), x.run, x.index, x.step);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, spawn_child& x) {
  return f(caf::meta::type_name("spawn_child"), x.root, x.parent,
           x.parent_session, x.depth, x.agent, x.input, x.grant, x.timeout_ms,
           x.child, x.call_key, x.resumed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admit_child& x) {
  return f(caf::meta::type_name("admit_child"), x.spawn);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_finished& x) {
  return f(caf::meta::type_name("child_finished"), x.run, x.agent, x.state,
           x.refused, x.output, x.reason, x.usage);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_counters& x) {
  return f(caf::meta::type_name("session_counters"), x.turns, x.last_run,
           x.last_state, x.usage, x.epoch);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_snapshot& x) {
  return f(caf::meta::type_name("session_snapshot"), x.session, x.agent,
           x.conversation, x.counters, x.tenant);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, snapshot_session&) {
  return f(caf::meta::type_name("snapshot_session"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, export_session& x) {
  return f(caf::meta::type_name("export_session"), x.tenant, x.session);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_export& x) {
  return f(caf::meta::type_name("session_export"), x.format, x.session,
           x.tenant, x.agent, x.snapshot, x.runs, x.journal);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, import_session& x) {
  return f(caf::meta::type_name("import_session"), x.exported);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, open_session& x) {
  return f(caf::meta::type_name("open_session"), x.tenant, x.agent,
           x.conversation, x.slot);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_imported& x) {
  return f(caf::meta::type_name("session_imported"), x.session);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, governed_model_call& x) {
  return f(caf::meta::type_name("governed_model_call"), x.provider, x.request);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, governed_tool_call& x) {
  return f(caf::meta::type_name("governed_tool_call"), x.tool, x.request);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, permit_release& x) {
  return f(caf::meta::type_name("permit_release"), x.kind, x.count);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dependency_hold& x) {
  return f(caf::meta::type_name("dependency_hold"), x.wait_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_append& x) {
  return f(caf::meta::type_name("journal_append"), x.ticket, x.entries,
           x.quiet);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_ack& x) {
  return f(caf::meta::type_name("journal_ack"), x.ticket, x.failure);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, watch_storage&) {
  return f(caf::meta::type_name("watch_storage"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, storage_state& x) {
  return f(caf::meta::type_name("storage_state"), x.writable);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_greeting& x) {
  return f(caf::meta::type_name("member_greeting"), x.name, x.index,
           x.fingerprint, x.incarnation, x.membership, x.node, x.leaving,
           x.holding_mask, x.holding, x.proof);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_beat& x) {
  return f(caf::meta::type_name("member_beat"), x.index, x.incarnation,
           x.leaving, x.holding_mask, x.holding);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_view& x) {
  return f(caf::meta::type_name("member_view"), x.name, x.address, x.up,
           x.since_ms, x.node, x.membership, x.leaving, x.holding_known,
           x.holding_mask, x.holding);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, slot_table& x) {
  return f(caf::meta::type_name("slot_table"), x.self, x.names, x.eligible,
           x.owners, x.holders, x.unheard, x.nodes, x.retry_after_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, drain_member& x) {
  return f(caf::meta::type_name("drain_member"), x.name, x.timeout_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_drain_report& x) {
  return f(caf::meta::type_name("member_drain_report"), x.name, x.moved,
           x.remaining);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_foreign&) {
  return f(caf::meta::type_name("list_foreign"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, foreign_sessions& x) {
  return f(caf::meta::type_name("foreign_sessions"), x.sessions);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, handoff_session& x) {
  return f(caf::meta::type_name("handoff_session"), x.session);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, handoff_done& x) {
  return f(caf::meta::type_name("handoff_done"), x.session);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_view& x) {
  return f(caf::meta::type_name("cluster_view"), x.members, x.self);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_cluster&) {
  return f(caf::meta::type_name("get_cluster"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_report& x) {
  return f(caf::meta::type_name("member_report"), x.name, x.address, x.state,
           x.since_ms, x.slots, x.counted, x.resident_sessions, x.open_runs,
           x.leaving, x.holding, x.lease_homes, x.leased_out, x.leases_held);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_report& x) {
  return f(caf::meta::type_name("cluster_report"), x.self, x.members);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_node_counts&) {
  return f(caf::meta::type_name("get_node_counts"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_counts& x) {
  return f(caf::meta::type_name("node_counts"), x.resident_sessions,
           x.open_runs, x.lease_homes, x.leased_out, x.leases_held);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_members& x) {
  return f(caf::meta::type_name("lease_members"), x.self, x.names, x.nodes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_ask& x) {
  return f(caf::meta::type_name("lease_ask"), x.limit, x.holder, x.ask,
           x.wanted, x.in_use);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_grant& x) {
  return f(caf::meta::type_name("lease_grant"), x.limit, x.home, x.ask,
           x.is_home, x.outcome, x.units, x.granted_total, x.held, x.generation,
           x.ttl_ms, x.elsewhere);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_return& x) {
  return f(caf::meta::type_name("lease_return"), x.limit, x.holder,
           x.generation, x.returned, x.settled);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_recall& x) {
  return f(caf::meta::type_name("lease_recall"), x.limit, x.home);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_lease_counts&) {
  return f(caf::meta::type_name("get_lease_counts"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_counts& x) {
  return f(caf::meta::type_name("lease_counts"), x.homes, x.leased_out, x.held);
}

} // namespace warden
