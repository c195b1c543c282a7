#include "actors/session/detail/journal.hpp"

#include "actors/common/detail/json_text.hpp"

namespace warden::detail {

// Payloads are written with json_text, members in sorted key order: the text
// is what nlohmann::json's dump() gave for the same objects (its objects are
// std::maps), without building a DOM on every step of every run.

namespace {

/// Room for the keys, numbers and punctuation of a payload, on top of the
/// strings it carries.
constexpr std::size_t payload_overhead = 160;

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

void write_usage(json_text& out, const usage_totals& x) {
  out.begin_object()
      .key("completion_tokens")
      .value(x.completion_tokens)
      .key("cost_micros")
      .value(x.cost_micros)
      .key("iterations")
      .value(std::uint64_t{x.iterations})
      .key("model_calls")
      .value(std::uint64_t{x.model_calls})
      .key("prompt_tokens")
      .value(x.prompt_tokens)
      .key("retries")
      .value(std::uint64_t{x.retries})
      .key("tool_calls")
      .value(std::uint64_t{x.tool_calls})
      .end_object();
}

} // namespace

storage::journal_entry model_step_entry(run_id run, std::uint32_t step,
                                        model_call_kind kind,
                                        const model_reply& reply,
                                        const policies::doom_decision& doom) {
  auto size = payload_overhead + reply.text.size() + doom.reason.size();
  for (const auto& call : reply.tool_calls)
    size += call.tool.size() + call.arguments.size() + call.id.size() + 40;
  size += reply.model.size() + 12;
  json_text out{size};
  out.begin_object()
      .key("call")
      .value(to_string(kind))
      .key("completion_tokens")
      .value(reply.completion_tokens)
      .key("cost_micros")
      .value(reply.cost_micros);
  if (!doom.ok())
    out.key("doom")
        .begin_object()
        .key("cause")
        .value(policies::to_string(doom.cause))
        .key("reason")
        .value(doom.reason)
        .key("verdict")
        .value(policies::to_string(doom.verdict))
        .end_object();
  if (!reply.model.empty())
    out.key("model").value(reply.model);
  out.key("prompt_tokens")
      .value(reply.prompt_tokens)
      .key("retries")
      .value(std::uint64_t{reply.retries})
      .key("text")
      .value(reply.text)
      .key("tool_calls")
      .begin_array();
  for (const auto& call : reply.tool_calls) {
    out.begin_object().key("arguments").value(call.arguments);
    // The endpoint's id, when it gave one; the session names the others
    // the same way again on replay.
    if (!call.id.empty())
      out.key("id").value(call.id);
    out.key("tool").value(call.tool).end_object();
  }
  out.end_array().end_object();
  return {run, step, storage::entry_kind::model_step, out.take()};
}

storage::journal_entry tool_started_entry(const tool_request& request) {
  json_text out{payload_overhead + request.arguments.size() +
                request.idempotency_key.size() + request.tool.size()};
  out.begin_object()
      .key("arguments")
      .value(request.arguments)
      .key("idempotency_key")
      .value(request.idempotency_key)
      .key("index")
      .value(std::uint64_t{request.index})
      .key("tool")
      .value(request.tool)
      .end_object();
  return {request.run, request.step, storage::entry_kind::tool_started,
          out.take()};
}

storage::journal_entry tool_finished_entry(run_id run, std::uint32_t step,
                                           std::uint32_t index,
                                           const std::string& tool,
                                           const std::string& output,
                                           bool error) {
  json_text out{payload_overhead + output.size() + tool.size()};
  out.begin_object()
      .key("error")
      .value(error)
      .key("index")
      .value(std::uint64_t{index})
      .key("output")
      .value(output)
      .key("tool")
      .value(tool)
      .end_object();
  return {run, step, storage::entry_kind::tool_finished, out.take()};
}

storage::journal_entry run_final_entry(const turn_finished& outcome,
                                       std::uint32_t step) {
  json_text out{payload_overhead + outcome.output.size() +
                outcome.reason.size() + outcome.model.size()};
  out.begin_object()
      .key("output")
      .value(outcome.output)
      .key("reason")
      .value(outcome.reason)
      .key("state")
      .value(to_string(outcome.state));
  if (!outcome.model.empty())
    out.key("model").value(outcome.model);
  out.key("usage");
  write_usage(out, outcome.usage);
  out.end_object();
  return {outcome.run, step, storage::entry_kind::run_final, out.take()};
}

} // namespace warden::detail
