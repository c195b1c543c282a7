#include "actors/detail/session_journal.hpp"

#include <nlohmann/json.hpp>

namespace warden::detail {

namespace {

using json = nlohmann::json;

const char* to_string(model_call_kind x) noexcept {
  switch (x) {
  case model_call_kind::agent:
    return "agent";
  case model_call_kind::final:
    return "final";
  case model_call_kind::compaction:
    return "compaction";
  }
  return "unknown";
}

std::string dump(const json& x) {
  return x.dump(-1, ' ', false, json::error_handler_t::replace);
}

json to_json(const usage_totals& x) {
  return json{{"prompt_tokens", x.prompt_tokens},
              {"completion_tokens", x.completion_tokens},
              {"cost_micros", x.cost_micros},
              {"model_calls", x.model_calls},
              {"tool_calls", x.tool_calls},
              {"retries", x.retries},
              {"iterations", x.iterations}};
}

} // namespace

storage::journal_entry model_step_entry(run_id run, std::uint32_t step,
                                        model_call_kind kind,
                                        const model_reply& reply,
                                        const policies::doom_decision& doom) {
  auto calls = json::array();
  for (const auto& call : reply.tool_calls)
    calls.push_back(json{{"tool", call.tool}, {"arguments", call.arguments}});
  json payload{{"call", to_string(kind)},
               {"text", reply.text},
               {"tool_calls", std::move(calls)},
               {"prompt_tokens", reply.prompt_tokens},
               {"completion_tokens", reply.completion_tokens},
               {"cost_micros", reply.cost_micros},
               {"retries", reply.retries}};
  if (!doom.ok())
    payload["doom"] = json{{"verdict", policies::to_string(doom.verdict)},
                           {"cause", policies::to_string(doom.cause)},
                           {"reason", doom.reason}};
  return {run, step, storage::entry_kind::model_step, dump(payload)};
}

storage::journal_entry tool_started_entry(const tool_request& request) {
  json payload{{"index", request.index},
               {"tool", request.tool},
               {"arguments", request.arguments},
               {"idempotency_key", request.idempotency_key}};
  return {request.run, request.step, storage::entry_kind::tool_started,
          dump(payload)};
}

storage::journal_entry tool_finished_entry(run_id run, std::uint32_t step,
                                           std::uint32_t index,
                                           const std::string& tool,
                                           const std::string& output,
                                           bool error) {
  json payload{
      {"index", index}, {"tool", tool}, {"output", output}, {"error", error}};
  return {run, step, storage::entry_kind::tool_finished, dump(payload)};
}

storage::journal_entry run_final_entry(const turn_finished& outcome,
                                       std::uint32_t step) {
  json payload{{"state", to_string(outcome.state)},
               {"output", outcome.output},
               {"reason", outcome.reason},
               {"usage", to_json(outcome.usage)}};
  return {outcome.run, step, storage::entry_kind::run_final, dump(payload)};
}

} // namespace warden::detail
