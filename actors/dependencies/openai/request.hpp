#pragma once

// The body of a chat-completions request: a model request (messages with
// tool calls and their results, the tools the model may call with the JSON
// schema of their parameters, the completion limit and sampling) written
// as an OpenAI-compatible endpoint reads it.

#include <map>
#include <string>

#include "actors/protocol/messages.hpp"

namespace warden::openai {

/// A tool as the model sees it.
struct tool_definition {
  /// What the tool does, for the model; may be empty.
  std::string description;
  /// The JSON schema of the tool's arguments (a JSON object, as text).
  std::string parameters = R"({"type":"object","properties":{}})";
};

/// Tool name -> definition. A tool offered in a request but missing here is
/// described by its name alone, with an open object schema.
using tool_catalog = std::map<std::string, tool_definition>;

/// How a request is sent.
struct request_style {
  /// Ask for a streamed answer (SSE, with the usage in a last chunk).
  bool stream = true;
};

/// The JSON body of `request` for `POST {endpoint}/chat/completions`.
/// Messages: system and user as they are; an assistant message with its
/// `tool_calls`; a tool result with its `tool_call_id`. A tool result
/// without an id (history written before calls had ids) goes as a user
/// message naming the tool, since endpoints refuse a tool message that
/// answers no call. `max_completion_tokens` and `temperature` only when
/// set; `tools`, `tool_choice: "auto"` and `parallel_tool_calls: true`
/// only when the request offers tools.
[[nodiscard]] std::string request_body(const model_request& request,
                                       const tool_catalog& tools,
                                       request_style style);

/// The role's name on the wire ("system", "user", "assistant", "tool").
[[nodiscard]] const char* role_name(chat_role role) noexcept;

} // namespace warden::openai
