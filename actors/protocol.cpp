#include "actors/protocol.hpp"

#include "actors/error.hpp"

namespace warden {

const char* to_string(run_state x) noexcept {
  switch (x) {
  case run_state::queued:
    return "queued";
  case run_state::running:
    return "running";
  case run_state::succeeded:
    return "succeeded";
  case run_state::failed:
    return "failed";
  case run_state::cancelled:
    return "cancelled";
  case run_state::timed_out:
    return "timed_out";
  case run_state::shed:
    return "shed";
  }
  return "unknown";
}

caf::error ack_error(const journal_ack& ack) {
  if (ack.code == 0)
    return {};
  auto code = ack.code <= max_error_code ? static_cast<error_code>(ack.code)
                                         : error_code::dependency_failed;
  if (code == error_code::unavailable)
    return make_error(code, ack.failure, storage_retry_after);
  return make_error(code, ack.failure);
}

usage_totals& usage_totals::operator+=(const usage_totals& other) noexcept {
  prompt_tokens += other.prompt_tokens;
  completion_tokens += other.completion_tokens;
  cost_micros += other.cost_micros;
  model_calls += other.model_calls;
  tool_calls += other.tool_calls;
  retries += other.retries;
  iterations += other.iterations;
  return *this;
}

void add_message_types(caf::actor_system_config& cfg) {
  add_error_category(cfg);
  cfg.add_message_type<usage_totals>("warden.usage_totals")
      .add_message_type<submit_run>("warden.submit_run")
      .add_message_type<send_turn>("warden.send_turn")
      .add_message_type<run_ack>("warden.run_ack")
      .add_message_type<get_status>("warden.get_status")
      .add_message_type<await_run>("warden.await_run")
      .add_message_type<cancel_run>("warden.cancel_run")
      .add_message_type<subscribe_run>("warden.subscribe_run")
      .add_message_type<list_sessions>("warden.list_sessions")
      .add_message_type<drain_node>("warden.drain_node")
      .add_message_type<run_status>("warden.run_status")
      .add_message_type<run_event>("warden.run_event")
      .add_message_type<session_info>("warden.session_info")
      .add_message_type<std::vector<session_info>>("warden.session_infos")
      .add_message_type<session_list>("warden.session_list")
      .add_message_type<drain_report>("warden.drain_report")
      .add_message_type<chat_message>("warden.chat_message")
      .add_message_type<std::vector<chat_message>>("warden.chat_messages")
      .add_message_type<tool_call>("warden.tool_call")
      .add_message_type<std::vector<tool_call>>("warden.tool_calls")
      .add_message_type<model_request>("warden.model_request")
      .add_message_type<model_reply>("warden.model_reply")
      .add_message_type<tool_request>("warden.tool_request")
      .add_message_type<tool_reply>("warden.tool_reply")
      .add_message_type<cancel_calls>("warden.cancel_calls")
      .add_message_type<admit_run>("warden.admit_run")
      .add_message_type<admission_verdict>("warden.admission_verdict")
      .add_message_type<yield_slot>("warden.yield_slot")
      .add_message_type<reclaim_slot>("warden.reclaim_slot")
      .add_message_type<slot_returned>("warden.slot_returned")
      .add_message_type<release_run>("warden.release_run")
      .add_message_type<charge_tokens>("warden.charge_tokens")
      .add_message_type<budget_grant>("warden.budget_grant")
      .add_message_type<turn_input>("warden.turn_input")
      .add_message_type<start_turn>("warden.start_turn")
      .add_message_type<run_turn>("warden.run_turn")
      .add_message_type<cancel_turn>("warden.cancel_turn")
      .add_message_type<turn_finished>("warden.turn_finished")
      .add_message_type<spawn_child>("warden.spawn_child")
      .add_message_type<admit_child>("warden.admit_child")
      .add_message_type<child_finished>("warden.child_finished")
      .add_message_type<session_counters>("warden.session_counters")
      .add_message_type<session_snapshot>("warden.session_snapshot")
      .add_message_type<snapshot_session>("warden.snapshot_session")
      .add_message_type<storage::stored_run>("warden.stored_run")
      .add_message_type<std::vector<storage::stored_run>>("warden.stored_runs")
      .add_message_type<export_session>("warden.export_session")
      .add_message_type<session_export>("warden.session_export")
      .add_message_type<import_session>("warden.import_session")
      .add_message_type<session_imported>("warden.session_imported")
      .add_message_type<governed_model_call>("warden.governed_model_call")
      .add_message_type<governed_tool_call>("warden.governed_tool_call")
      .add_message_type<permit_release>("warden.permit_release")
      .add_message_type<storage::journal_entry>("warden.journal_entry")
      .add_message_type<std::vector<storage::journal_entry>>(
          "warden.journal_entries")
      .add_message_type<journal_append>("warden.journal_append")
      .add_message_type<journal_ack>("warden.journal_ack")
      .add_message_type<watch_storage>("warden.watch_storage")
      .add_message_type<storage_state>("warden.storage_state");
}

} // namespace warden
