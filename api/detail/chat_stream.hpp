#pragma once

// A streamed chat completion (`stream: true`): its answer as it comes.
// Private to api/.

#include <memory>
#include <string>

#include "actors/protocol/messages.hpp"
#include "net/responder.hpp"

#include "api/routes.hpp"

namespace warden::api::detail {

/// The headers that tell a client which session and run answered, so that
/// it can continue the session (X-Warden-Session) or read the run.
inline constexpr const char* session_header = "X-Warden-Session";
inline constexpr const char* run_header = "X-Warden-Run";

/// Answers `reply` with run `ack` of `tenant` as chat.completion.chunk
/// events while it runs: one small actor subscribes to the run with its
/// deltas, sends the role chunk once subscribed, a chunk per piece of
/// content as the model streams it (model calls that end in tool calls
/// included), and at the end the final answer in one chunk when the last
/// model call streamed nothing, then `finish_reason`, `usage` and
/// `data: [DONE]`. A run that fails, a model call restarted after part of
/// its answer was sent, or a run that outlasts `completion_timeout` ends
/// the stream with an error event in OpenAI's shape instead.
void stream_completion(const api_context& ctx, net::responder reply,
                       std::string tenant, const run_ack& ack);

} // namespace warden::api::detail
