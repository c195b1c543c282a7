#include "api/chat.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include <nlohmann/json.hpp>

#include "api/detail/body.hpp"

namespace warden::api {

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

http_error bad(std::string message) {
  return refuse(400, "invalid_request_error", std::move(message));
}

/// Fields OpenAI defines that change how a model samples, not what Warden
/// runs: the agent's configuration decides them.
constexpr const char* sampling_fields[] = {"temperature",
                                           "top_p",
                                           "max_tokens",
                                           "max_completion_tokens",
                                           "presence_penalty",
                                           "frequency_penalty",
                                           "seed",
                                           "stop",
                                           "user",
                                           "metadata",
                                           "store",
                                           "parallel_tool_calls",
                                           "logit_bias",
                                           "service_tier",
                                           "reasoning_effort",
                                           "prompt_cache_key",
                                           "safety_identifier"};

/// Fields that would bring the client's own tools.
constexpr const char* tool_fields[] = {"tools", "tool_choice", "functions",
                                       "function_call"};

template <std::size_t N>
bool listed(const char* const (&names)[N], const std::string& key) {
  return std::any_of(std::begin(names), std::end(names),
                     [&key](const char* x) { return key == x; });
}

/// The text of message `i`'s content: a string, or text parts.
std::variant<std::string, http_error> text_of(const json& content,
                                              std::size_t i) {
  auto where = "messages[" + std::to_string(i) + "].content";
  if (content.is_string())
    return content.get<std::string>();
  if (!content.is_array())
    return bad(where + " must be a string or an array of text parts");
  std::string text;
  for (std::size_t p = 0; p < content.size(); ++p) {
    const auto& part = content[p];
    auto type = part.is_object() ? part.value("type", std::string{}) : "";
    if (type != "text" || !part.contains("text") || !part["text"].is_string())
      return bad(where + "[" + std::to_string(p) +
                 "] must be a text part ({\"type\": \"text\", \"text\": ...}): "
                 "agents here take text only");
    if (!text.empty())
      text += '\n';
    text += part["text"].get<std::string>();
  }
  return text;
}

std::variant<chat_message, http_error> message_of(const json& m,
                                                  std::size_t i) {
  auto where = "messages[" + std::to_string(i) + "]";
  if (!m.is_object())
    return bad(where + " must be an object");
  auto role = m.value("role", std::string{});
  if (role == "tool" || role == "function" || m.contains("tool_calls") ||
      m.contains("function_call"))
    return bad(where + " is a tool call or result: the agent runs its own "
                       "tools, so a request brings text only");
  chat_message result;
  if (role == "system" || role == "developer")
    result.role = chat_role::system;
  else if (role == "user")
    result.role = chat_role::user;
  else if (role == "assistant")
    result.role = chat_role::assistant;
  else
    return bad(where + ".role must be system, developer, user or assistant");
  if (!m.contains("content") || m["content"].is_null())
    return bad(where + ".content is missing");
  auto text = text_of(m["content"], i);
  if (auto* err = std::get_if<http_error>(&text))
    return *err;
  result.content = std::move(std::get<std::string>(text));
  return result;
}

std::string completion_id(const run_status& run) {
  return "chatcmpl-" + std::to_string(run.run);
}

json usage_of(const run_status& run) {
  const auto& u = run.usage;
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.tokens()}};
}

json chunk(const run_status& run, std::int64_t created, json choices) {
  return {{"id", completion_id(run)},
          {"object", "chat.completion.chunk"},
          {"created", created},
          {"model", run.agent},
          {"choices", std::move(choices)}};
}

std::string event(const json& x) {
  return "data: " + json_text(x) + "\n\n";
}

} // namespace

std::variant<chat_request, http_error> parse_chat(std::string_view body) {
  auto parsed = detail::json_object_of(body, "invalid_request_error");
  if (auto* err = std::get_if<http_error>(&parsed))
    return *err;
  const auto& doc = std::get<json>(parsed);
  chat_request result;
  for (const auto& [key, value] : doc.items()) {
    if (key == "model" || key == "messages" || listed(sampling_fields, key))
      continue;
    if (key == "stream") {
      if (!value.is_boolean())
        return bad("stream must be true or false");
      result.stream = value.get<bool>();
    } else if (key == "stream_options") {
      if (!value.is_object() && !value.is_null())
        return bad("stream_options must be an object");
    } else if (key == "n") {
      if (!value.is_number_integer() || value.get<std::int64_t>() != 1)
        return bad("n must be 1: an agent gives one answer");
    } else if (listed(tool_fields, key)) {
      if (!value.is_null())
        return bad(key + " is not taken: the agent runs the tools its "
                         "configuration names");
    } else if (key == "response_format") {
      if (!value.is_object() || value.value("type", std::string{}) != "text")
        return bad("response_format must be {\"type\": \"text\"}: the "
                   "agent's answer is text");
    } else if (key == "logprobs") {
      if (!value.is_boolean() || value.get<bool>())
        return bad("logprobs is not available: an agent's answer comes "
                   "from several model calls");
    } else {
      return bad("Unrecognized request argument supplied: " + key);
    }
  }
  auto model = doc.find("model");
  if (model == doc.end() || !model->is_string())
    return bad("model is required: the name of a Warden agent");
  result.agent = model->get<std::string>();
  if (!detail::is_name(result.agent))
    return bad("model must be an agent's name: 1 to 64 of [A-Za-z0-9_-]");
  auto messages = doc.find("messages");
  if (messages == doc.end() || !messages->is_array() || messages->empty())
    return bad("messages is required: an array ending in a user message");
  for (std::size_t i = 0; i < messages->size(); ++i) {
    auto m = message_of((*messages)[i], i);
    if (auto* err = std::get_if<http_error>(&m))
      return *err;
    result.history.push_back(std::move(std::get<chat_message>(m)));
  }
  if (result.history.back().role != chat_role::user)
    return bad("the last of messages must be a user's: it is the turn the "
               "agent answers");
  result.input = std::move(result.history.back().content);
  result.history.pop_back();
  return result;
}

std::string completion_body(const run_status& run, std::int64_t created) {
  json message{{"role", "assistant"}, {"content", run.output}};
  return json_text({{"id", completion_id(run)},
                    {"object", "chat.completion"},
                    {"created", created},
                    {"model", run.agent},
                    {"choices", json::array({{{"index", 0},
                                              {"message", std::move(message)},
                                              {"finish_reason", "stop"},
                                              {"logprobs", nullptr}}})},
                    {"usage", usage_of(run)}});
}

namespace {

json choice(json delta, json finish) {
  return json::array({{{"index", 0},
                       {"delta", std::move(delta)},
                       {"finish_reason", std::move(finish)},
                       {"logprobs", nullptr}}});
}

} // namespace

std::string completion_events(const run_status& run, std::int64_t created) {
  return role_event(run, created) + content_event(run, created, run.output) +
         finish_events(run, created);
}

std::string role_event(const run_status& run, std::int64_t created) {
  return event(chunk(
      run, created, choice({{"role", "assistant"}, {"content", ""}}, nullptr)));
}

std::string content_event(const run_status& run, std::int64_t created,
                          std::string_view text) {
  return event(
      chunk(run, created, choice({{"content", std::string{text}}}, nullptr)));
}

std::string finish_events(const run_status& run, std::int64_t created) {
  auto result = event(chunk(run, created, choice(json::object(), "stop")));
  auto last = chunk(run, created, json::array());
  last["usage"] = usage_of(run);
  result += event(last);
  result += "data: [DONE]\n\n";
  return result;
}

std::string error_event(const http_error& err) {
  return "data: " + openai_body(err) + "\n\n";
}

http_error run_failure(const run_status& run) {
  auto reason =
      run.reason.empty() ? std::string{"no reason given"} : run.reason;
  auto message = "run " + std::to_string(run.run) + " " + to_string(run.state) +
                 ": " + reason;
  switch (run.state) {
  case run_state::timed_out:
    return refuse(504, "timeout", std::move(message));
  case run_state::cancelled:
    return refuse(409, "cancelled", std::move(message));
  case run_state::shed: {
    auto err = refuse(429, "shed", std::move(message));
    err.retry_after = 1s;
    return err;
  }
  default:
    return refuse(502, "run_failed", std::move(message));
  }
}

std::string models_body(const std::vector<std::string>& agents,
                        std::int64_t created) {
  auto data = json::array();
  for (const auto& agent : agents)
    data.push_back({{"id", agent},
                    {"object", "model"},
                    {"created", created},
                    {"owned_by", "warden"}});
  return json_text({{"object", "list"}, {"data", std::move(data)}});
}

} // namespace warden::api
