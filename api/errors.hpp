#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <caf/error.hpp>
#include <nlohmann/json_fwd.hpp>

namespace warden::api {

/// An error as an HTTP client gets it: the status that tells the caller
/// what to do, a stable code, a sentence, and when to try again.
struct http_error {
  /// 400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503 or 504.
  unsigned status = 500;
  /// A stable lower-case name: a Warden error code ("cap_exceeded"), or
  /// one of the API's own ("unauthorized", "bad_request", ...).
  std::string code;
  /// What is wrong, for people. Never holds a credential.
  std::string message;
  /// When a retry may succeed (429 and 503 carry one when the node knows).
  std::optional<std::chrono::milliseconds> retry_after{};
};

/// The HTTP form of an error a node answered with. Warden codes map by what
/// the caller should do:
///
/// | code | status |
/// |---|---|
/// | cap_exceeded, queue_full, rate_limited, budget_exhausted | 429 |
/// | invalid_argument, halted | 422 |
/// | not_found | 404 |
/// | conflict, cancelled | 409 |
/// | draining, unavailable, circuit_open | 503 |
/// | timeout | 504 |
/// | dependency_failed | 502 |
/// | data_loss | 500 |
///
/// CAF's own request timeout is 504; anything else 500, with CAF's
/// rendering as the message.
/// A 429 or 503 always names a wait (`Retry-After`): the node's, else a
/// second for caps, queues, rate limits, breakers, a drain and storage, and
/// the next 00:00 UTC for a spent daily budget.
[[nodiscard]] http_error to_http(const caf::error& err);

/// A request the API itself refuses (bad JSON, a missing field, a body too
/// large): `status` with `code` and `message`.
[[nodiscard]] http_error refuse(unsigned status, std::string code,
                                std::string message);

/// `{"error": {"code", "message", "retry_after_ms"}}` (retry_after_ms only
/// when known). Bytes of the message that are not UTF-8 are replaced.
[[nodiscard]] std::string rest_body(const http_error& x);

/// The OpenAI shape, so that its SDKs read it:
/// `{"error": {"message", "type", "code", "param": null}}` with `type`
/// from the status (invalid_request_error, authentication_error,
/// permission_error, rate_limit_error, server_error).
[[nodiscard]] std::string openai_body(const http_error& x);

/// `x` as compact JSON text; bytes of its strings that are not UTF-8 are
/// replaced (U+FFFD) rather than thrown on. Every body the API writes
/// goes through it.
[[nodiscard]] std::string json_text(const nlohmann::json& x);

/// The `Retry-After` header value: whole seconds, rounded up, at least 1;
/// nothing without a retry-after.
[[nodiscard]] std::optional<std::string>
retry_after_header(const http_error& x);

} // namespace warden::api
