#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "actors/protocol/messages.hpp"

#include "api/errors.hpp"

namespace warden::api {

/// The longest `Idempotency-Key` taken (characters).
inline constexpr std::size_t max_idempotency_key = 255;

/// The message of `POST /v1/runs` for `tenant` (the caller's key's, never
/// the body's): the body is a JSON object with `agent` (a name: 1 to 64 of
/// [A-Za-z0-9_-]), `input` (a string) and optionally `priority` (a
/// string); any other field is refused, so that a misspelt one is not
/// silently ignored. `idempotency_key` is the header's value: 1 to 255
/// visible ASCII characters. Otherwise a 400 naming what is wrong (the
/// JSON parser's message with its byte offset, or the field).
[[nodiscard]] std::variant<submit_run, http_error>
parse_submit(std::string_view body, const std::string& tenant,
             std::optional<std::string_view> idempotency_key);

/// The message of `POST /v1/sessions/{id}/turns` for `tenant`: `input` (a
/// string), optionally `priority` and `on_busy` (enqueue, reject or
/// interrupt; absent: the agent's), nothing else; `idempotency_key` as for
/// parse_submit. Otherwise a 400 naming what is wrong.
[[nodiscard]] std::variant<send_turn, http_error>
parse_turn(std::string_view body, const std::string& tenant, session_id session,
           std::optional<std::string_view> idempotency_key);

/// The `Idempotency-Key` header's value ("" without one): 1 to 255 visible
/// ASCII characters, else a 400 naming the header.
[[nodiscard]] std::variant<std::string, http_error>
parse_idempotency_key(std::optional<std::string_view> header);

/// A run or session id from a path segment: decimal digits only, no sign,
/// no leading zero, within 64 bits. Anything else is nothing, which the
/// caller answers as it answers an unknown id (404), so that a malformed id
/// and another tenant's id look alike.
[[nodiscard]] std::optional<std::uint64_t> parse_id(std::string_view text);

/// `{"run_id", "session_id", "status": "accepted", "duplicate"}`: what
/// `POST /v1/runs` answers (202) once the run is durable; `duplicate` when
/// the idempotency key named an earlier run, whose state `GET` tells.
[[nodiscard]] std::string ack_body(const run_ack& ack);

/// `{"session_id", "agent", "last_run_id", "last_run_status", "resident"}`:
/// a session as `GET /v1/sessions/{id}` shows it.
[[nodiscard]] std::string session_body(const session_info& session);

/// `{"sessions": [...], "next_after": ID or null}`: a page of
/// `GET /v1/sessions`; `next_after` is the `after` of the next page.
[[nodiscard]] std::string session_list_body(const session_list& list);

/// `{"run_id", "session_id", "agent", "status", "output", "reason",
/// "model", "usage": {...}}`: a run as `GET /v1/runs/{id}` shows it. The
/// tenant is the caller's own and is left out.
[[nodiscard]] std::string status_body(const run_status& status);

/// status_body() with the ack's `duplicate`: what a request that starts a
/// run and waits for it (`?wait=`) answers.
[[nodiscard]] std::string waited_body(const run_ack& ack,
                                      const run_status& status);

} // namespace warden::api
