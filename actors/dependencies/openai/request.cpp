#include "actors/dependencies/openai/request.hpp"

#include <nlohmann/json.hpp>

namespace warden::openai {

namespace {

using nlohmann::json;

json message_json(const chat_message& x) {
  if (x.role == chat_role::tool && x.tool_call_id.empty())
    return {{"role", "user"},
            {"content", "Result of tool " + x.tool + ": " + x.content}};
  json out{{"role", role_name(x.role)}};
  if (x.role == chat_role::assistant && !x.tool_calls.empty()) {
    // An assistant that only called tools said nothing: content is null.
    out["content"] = x.content.empty() ? json(nullptr) : json(x.content);
    auto& calls = out["tool_calls"] = json::array();
    for (const auto& call : x.tool_calls)
      calls.push_back(
          {{"id", call.id},
           {"type", "function"},
           {"function", {{"name", call.tool}, {"arguments", call.arguments}}}});
    return out;
  }
  out["content"] = x.content;
  if (x.role == chat_role::tool)
    out["tool_call_id"] = x.tool_call_id;
  return out;
}

json tool_json(const std::string& name, const tool_catalog& tools) {
  json function{{"name", name}};
  auto i = tools.find(name);
  if (i != tools.end() && !i->second.description.empty())
    function["description"] = i->second.description;
  auto parameters =
      i != tools.end()
          ? json::parse(i->second.parameters, nullptr, false)
          : json::object({{"type", "object"}, {"properties", json::object()}});
  // A catalog entry is checked where it is built; an unreadable schema
  // still offers the tool rather than failing the call.
  if (!parameters.is_object())
    parameters = json::object({{"type", "object"}});
  function["parameters"] = std::move(parameters);
  return {{"type", "function"}, {"function", std::move(function)}};
}

} // namespace

const char* role_name(chat_role role) noexcept {
  switch (role) {
  case chat_role::system:
    return "system";
  case chat_role::user:
    return "user";
  case chat_role::assistant:
    return "assistant";
  case chat_role::tool:
    return "tool";
  }
  return "user";
}

std::string request_body(const model_request& request,
                         const tool_catalog& tools, request_style style) {
  json body{{"model", request.model}};
  auto& messages = body["messages"] = json::array();
  for (const auto& message : request.messages)
    messages.push_back(message_json(message));
  if (!request.tools.empty()) {
    auto& offered = body["tools"] = json::array();
    for (const auto& name : request.tools)
      offered.push_back(tool_json(name, tools));
    body["tool_choice"] = "auto";
    body["parallel_tool_calls"] = true;
  }
  if (request.max_completion_tokens != 0)
    body["max_completion_tokens"] = request.max_completion_tokens;
  if (request.temperature >= 0)
    body["temperature"] = request.temperature;
  if (style.stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  // Text from users and models is not always valid UTF-8: replace what is
  // not rather than fail the call (dump() would throw).
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace warden::openai
