#include "actors/dependencies/scripted_model.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include <nlohmann/json.hpp>

namespace warden {

namespace {

/// Tool calls of the standard workload: at most this many per reply.
constexpr std::size_t standard_tool_calls = 2;

/// Index of the last user message, or messages.size() when there is none.
std::size_t last_user(const std::vector<chat_message>& messages) {
  for (auto i = messages.size(); i > 0; --i)
    if (messages[i - 1].role == chat_role::user)
      return i - 1;
  return messages.size();
}

/// Makes `arguments` invalid JSON (drops the closing brace, or leaves an
/// unterminated object when there is none).
std::string malformed(std::string arguments) {
  if (!arguments.empty() && arguments.back() == '}')
    arguments.pop_back();
  else
    arguments = "{\"text\": " + arguments;
  return arguments;
}

} // namespace

scripted_model::scripted_model(model_script script)
    : script_(std::move(script)), rng_(script_.seed) {
  if (script_.chars_per_token == 0)
    script_.chars_per_token = 1;
}

model_reply scripted_model::reply_to(const model_request& request) const {
  model_reply reply;
  reply.model = request.model;
  const auto& messages = request.messages;
  auto user = last_user(messages);
  std::string input = user < messages.size() ? messages[user].content : "";
  std::size_t tool_results = 0;
  for (auto i = user < messages.size() ? user + 1 : 0; i < messages.size(); ++i)
    if (messages[i].role == chat_role::tool)
      ++tool_results;
  const scripted_step* step = nullptr;
  for (const auto& entry : script_.steps)
    if (entry.step == request.step)
      step = &entry;
  if (step != nullptr) {
    reply.text = step->text;
    // "{tool_results}" in a step's text: what the turn's tools answered,
    // one per line, so a script can show that a tool's output came back.
    static constexpr std::string_view placeholder = "{tool_results}";
    if (auto at = reply.text.find(placeholder); at != std::string::npos) {
      std::string results;
      for (auto i = user < messages.size() ? user + 1 : 0; i < messages.size();
           ++i)
        if (messages[i].role == chat_role::tool)
          results += (results.empty() ? "" : "\n") + messages[i].content;
      reply.text.replace(at, placeholder.size(), results);
    }
    reply.tool_calls = step->tool_calls;
  } else if (request.compaction) {
    reply.text = "Summary of " + std::to_string(messages.size()) +
                 " messages; latest request: " + input;
  } else if (!request.tools.empty() && tool_results == 0) {
    // Tool outputs in the conversation may hold any bytes: invalid UTF-8
    // is replaced, never thrown.
    auto arguments = nlohmann::json{{"text", input}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    for (std::size_t i = 0; i < request.tools.size() && i < standard_tool_calls;
         ++i)
      reply.tool_calls.push_back(tool_call{request.tools[i], arguments});
  } else if (tool_results > 0) {
    reply.text = "Answer: " + input + " (from " + std::to_string(tool_results) +
                 " tool results)";
  } else {
    reply.text = "Answer: " + input;
  }
  std::uint64_t chars = 0;
  for (const auto& message : messages)
    chars += message.content.size();
  auto per_token = script_.chars_per_token;
  reply.prompt_tokens =
      std::max<std::uint64_t>(1, (chars + per_token - 1) / per_token);
  reply.completion_tokens = script_.completion_tokens;
  if (step != nullptr && step->prompt_tokens)
    reply.prompt_tokens = *step->prompt_tokens;
  if (step != nullptr && step->completion_tokens)
    reply.completion_tokens = *step->completion_tokens;
  // A model stops at the caller's limit (finish_reason "length").
  if (request.max_completion_tokens != 0)
    reply.completion_tokens =
        std::min(reply.completion_tokens, request.max_completion_tokens);
  reply.cost_micros =
      reply.prompt_tokens * script_.prompt_micros_per_token +
      reply.completion_tokens * script_.completion_micros_per_token;
  return reply;
}

void scripted_model::start(const model_request& request,
                           const attempt_ticket& ticket) {
  ++attempts_;
  auto latency = draw_latency();
  const auto* fault = fault_for(request, ticket.attempt);
  if (fault == nullptr) {
    report_success(ticket, reply_to(request), latency);
    return;
  }
  switch (fault->kind) {
  case fault_kind::timeout:
    return; // no answer: the provider's per-attempt timeout ends it
  case fault_kind::rate_limited:
    report_failure(
        ticket,
        attempt_failure{policies::error_class::rate_limited,
                        "scripted rate limit (429)",
                        std::chrono::milliseconds{fault->retry_after_ms}},
        latency);
    return;
  case fault_kind::server_error:
    report_failure(ticket,
                   attempt_failure{policies::error_class::transient,
                                   "scripted server error (503)", std::nullopt},
                   latency);
    return;
  case fault_kind::malformed_arguments: {
    auto reply = reply_to(request);
    if (reply.tool_calls.empty() && !request.tools.empty())
      reply.tool_calls.push_back(tool_call{request.tools.front(), "{}"});
    for (auto& call : reply.tool_calls)
      call.arguments = malformed(std::move(call.arguments));
    report_success(ticket, std::move(reply), latency);
    return;
  }
  }
}

const scripted_fault* scripted_model::fault_for(const model_request& request,
                                                std::uint32_t attempt) {
  for (const auto& fault : script_.faults) {
    if (fault.step != 0 && fault.step != request.step)
      continue;
    if (attempts_ < fault.from_attempt ||
        (fault.until_attempt != 0 && attempts_ > fault.until_attempt))
      continue;
    if (fault.rate > 0.0) {
      // 53 random bits give a uniform double in [0, 1).
      auto draw = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
      if (draw < fault.rate)
        return &fault;
      continue;
    }
    if (fault.attempts == 0 || attempt <= fault.attempts)
      return &fault;
  }
  return nullptr;
}

policies::duration scripted_model::draw_latency() {
  auto ms = script_.latency.min_ms;
  if (script_.latency.max_ms > script_.latency.min_ms) {
    // A plain modulo keeps draws identical across standard libraries.
    auto span = std::uint64_t{script_.latency.max_ms} - ms + 1;
    ms += static_cast<std::uint32_t>(rng_() % span);
  }
  return std::chrono::milliseconds{ms};
}

caf::expected<std::shared_ptr<model_backend>>
make_scripted_model(const config::provider_settings& settings) {
  if (settings.script.empty())
    return std::shared_ptr<model_backend>{std::make_shared<scripted_model>()};
  auto script = load_model_script(settings.script);
  if (!script)
    return std::move(script.error());
  return std::shared_ptr<model_backend>{
      std::make_shared<scripted_model>(std::move(*script))};
}

} // namespace warden
