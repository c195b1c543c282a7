#pragma once

// A run's events as Server-Sent Events (`GET /v1/runs/{id}/events`): the
// text of each event, and where a client that comes back resumes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "actors/protocol/messages.hpp"

#include "api/errors.hpp"

namespace warden::api {

/// Where a client resumes a run's events: the `Last-Event-ID` it sends
/// (SSE clients send the last `id:` they got when they reconnect).
struct resume_point {
  /// The seq of the last event the client has; 0: none.
  std::uint64_t after = 0;
  /// The client got the final event of a run whose events were no longer
  /// held (its id is "final"): nothing is left to send.
  bool final_seen = false;
};

/// The resume point of a `Last-Event-ID` value: absent or empty is the
/// start; "final", or a decimal seq. Anything else is a 400 that names the
/// header.
[[nodiscard]] std::variant<resume_point, http_error>
parse_last_event_id(std::optional<std::string_view> value);

/// `event` as SSE text: `id:` (its seq), `event:` (its kind), and `data:`
/// with `{"seq", "run_id", "kind", "status", "detail"}` and, for a step,
/// `"step": {"index", "call", "name", "prompt_tokens", "completion_tokens",
/// "child_run_id", "error", "detail"}`; then the blank line that ends it.
[[nodiscard]] std::string sse_event_text(const run_event& event);

/// Content of a model call as it streamed (`?deltas=true`), as SSE text:
/// no `id:` (a delta is not an event: Last-Event-ID stays on the last
/// event), `event: delta`, and `data:` with `{"run_id", "step", "text",
/// "restarted"}`.
[[nodiscard]] std::string sse_delta_text(const run_delta& delta);

/// The final event of a run whose events are no longer held, from its
/// status: `id: final`, `event: final`, `data:` as above without a seq.
[[nodiscard]] std::string sse_final_text(const run_status& status);

} // namespace warden::api
