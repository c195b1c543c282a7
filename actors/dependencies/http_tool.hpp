#pragma once

// The backend of http tools: each call POSTs its JSON arguments to the
// tool's URL on the node's HTTP client (its own Asio threads, keep-alive
// pools, TLS verified), and the answer is classified for the runner's
// guard: the backend only says what happened, the guard decides whether
// to retry.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "actors/dependencies/backend.hpp"
#include "actors/dependencies/detail/http_attempts.hpp"
#include "config/dependencies.hpp"
#include "net/http_client.hpp"

namespace warden {

/// Everything an http tool needs, resolved when it starts.
struct http_tool_options {
  /// Scheme, host and port of the tool's URL.
  net::url origin;
  /// The request target: the URL's path as written ("/" when it has none).
  std::string target = "/";
  /// Certificate checks (https).
  net::tls_settings tls;
  /// The configured headers with their `${NAME}` references expanded, and
  /// Content-Type: application/json.
  net::header_list headers;
  /// What environment variables put in the headers: taken out of every
  /// reason and result (a server that echoes a request's headers).
  std::vector<std::string> secrets;
  /// Largest body an answer may have (max_output_bytes).
  std::size_t max_body_bytes = 1'048'576;
  /// Deadline of one exchange on the wire: a backstop for an attempt that
  /// nobody abandons. The runner's per-attempt timeout (timeout_ms) comes
  /// first and abandons the attempt, which cancels its exchange.
  std::chrono::milliseconds timeout{11'000};
};

/// What the answer of an http tool's server means, or none for a 2xx (its
/// body is the result): 429 is rate_limited, with the wait its
/// `retry-after-ms` or `Retry-After` asks for; 408, 5xx are transient (with
/// a wait when one is asked); other statuses are permanent (the tool
/// refused; redirects are not followed). The reason names the status and
/// the start of the body (at most 512 bytes), `secrets` redacted.
[[nodiscard]] std::optional<attempt_failure>
http_answer_failure(const net::response_head& head, std::string_view body,
                    std::uint64_t now_unix_ms,
                    const std::vector<std::string>& secrets);

/// What a failed exchange means: refused, reset, DNS, TLS, a garbled or
/// overloaded exchange are transient (another attempt may get through),
/// the client's deadline is a timeout, a header over the client's limits or
/// a request HTTP cannot carry is permanent, a stopped client is cancelled.
[[nodiscard]] attempt_failure
http_exchange_failure(const net::client_failure& failure);

/// Runs a tool of kind http: an attempt is one POST of the call's
/// arguments, as the model wrote them, with `Content-Type:
/// application/json`. A 2xx answers its body, as is; other answers and
/// failed exchanges fail as `http_answer_failure` and
/// `http_exchange_failure` say; a body over max_body_bytes fails the call
/// (permanent) and drops the connection. `abandon` cancels the attempt's
/// exchange. Owner-context `start`/`abandon`; the outcome is reported from
/// the client's thread.
class http_tool final : public tool_backend {
 public:
  /// Sends through `client`, which must outlive every call started.
  http_tool(http_tool_options options,
            std::shared_ptr<net::http_client> client);

  void start(const tool_request& request,
             const attempt_ticket& ticket) override;

  void abandon(const attempt_ticket& ticket) override;

 private:
  /// Read by the client's threads too: immutable.
  std::shared_ptr<const http_tool_options> options_;
  std::shared_ptr<net::http_client> client_;
  /// The exchanges that may be running.
  detail::http_attempts calls_;
};

/// The backend of http tool `name` from validated `settings`, on `client`:
/// the URL parsed, the `${NAME}` references of its headers read from
/// wardend's environment (an invalid_argument error naming
/// tools.<name>.headers.<header> and the variable, never a value, when one
/// is unset or empty).
caf::expected<std::shared_ptr<tool_backend>>
make_http_tool(const std::string& name, const config::tool_settings& settings,
               std::shared_ptr<net::http_client> client);

/// Starts the HTTP client the http tools of a node share: bodies up to the
/// largest max_output_bytes pass the client (each tool holds its own cap).
/// Null, with `error` set, when it cannot start.
[[nodiscard]] std::unique_ptr<net::http_client>
start_tool_http_client(std::string& error);

} // namespace warden
