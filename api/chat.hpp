#pragma once

// The OpenAI-compatible front door's mapping: a chat-completions request to
// what the node runs, and a run to a `chat.completion` (or its stream of
// `chat.completion.chunk` events). Pure functions; the routes are in
// chat_routes.cpp.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/protocol/messages.hpp"

#include "api/errors.hpp"

namespace warden::api {

/// A `POST /v1/chat/completions` request, as Warden runs it.
struct chat_request {
  /// The agent that answers (the request's `model`).
  std::string agent;
  /// The messages before the last: they open a new session (open_session)
  /// when the request names none; ignored for a session that exists, which
  /// has its own history.
  std::vector<chat_message> history;
  /// The last message, a user's: the turn's input.
  std::string input;
  /// `stream: true`: answer as Server-Sent Events.
  bool stream = false;
};

/// Parses a chat-completions body. `model` names the agent; `messages` hold
/// system (or developer), user and assistant messages with text content (a
/// string, or text parts, joined with newlines), the last one a user's.
/// Sampling parameters (temperature, max_tokens, ...) are accepted and left
/// to the agent's configuration; `n` must be 1; `tools`, `functions` and
/// tool messages are refused (the agent runs its own tools); any other
/// field is refused as OpenAI refuses it. Refusals are 400s naming the
/// field (`param`).
[[nodiscard]] std::variant<chat_request, http_error>
parse_chat(std::string_view body);

/// The `chat.completion` of a succeeded run: id `chatcmpl-<run>`, `model`
/// the agent, one choice with the run's output, `usage` from the run.
[[nodiscard]] std::string completion_body(const run_status& run,
                                          std::int64_t created);

/// The same answer as Server-Sent Events: a chunk with the role, one with
/// the content, one with `finish_reason` "stop", one with `usage` (and no
/// choices), then `data: [DONE]`.
[[nodiscard]] std::string completion_events(const run_status& run,
                                            std::int64_t created);

/// The first chunk of a streamed answer: the assistant's role, empty
/// content. Of `run` only the id and the agent are read, here and in
/// `content_event`.
[[nodiscard]] std::string role_event(const run_status& run,
                                     std::int64_t created);

/// A chunk carrying `text`, the content that followed the last chunk.
[[nodiscard]] std::string content_event(const run_status& run,
                                        std::int64_t created,
                                        std::string_view text);

/// The end of a streamed answer of the succeeded `run`: a chunk with
/// `finish_reason` "stop", one with `usage` (and no choices), then
/// `data: [DONE]`.
[[nodiscard]] std::string finish_events(const run_status& run,
                                        std::int64_t created);

/// An error that ends a stream already begun, in OpenAI's shape
/// (`data: {"error": {"message", "type", "code", "param"}}`, no
/// `[DONE]`): the SDKs raise it as an API error.
[[nodiscard]] std::string error_event(const http_error& err);

/// The error a run that did not succeed answers with: 504 for a timeout,
/// 409 for a cancelled run, 429 (with a retry) for one shed from a full
/// queue, 502 for a failure; the message is the run's reason.
[[nodiscard]] http_error run_failure(const run_status& run);

/// `{"object": "list", "data": [{"id", "object": "model", "created",
/// "owned_by": "warden"}]}` for `agents`.
[[nodiscard]] std::string models_body(const std::vector<std::string>& agents,
                                      std::int64_t created);

} // namespace warden::api
