#pragma once

// What wardenctl needs to speak the node's HTTP API (--api URL): a client
// with the caller's key, requests sent again when their answer is lost,
// and answers read back into the protocol's types. Private to wardenctl.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actors/protocol/messages.hpp"
#include "apps/wardenctl/commands.hpp"
#include "net/http_client.hpp"
#include "net/url.hpp"

namespace warden::apps::over_api {

using json = nlohmann::json;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

/// Time for an answer beyond what the request itself may take.
constexpr milliseconds answer_grace{5'000};
/// How long requests that failed before an answer are sent again when the
/// command has no deadline.
constexpr milliseconds retry_without_deadline{10'000};

/// One answer of the API, or how the exchange failed.
struct exchange {
  std::optional<net::client_failure> failure;
  unsigned status = 0;
  std::string body;
};

/// What wardenctl needs to talk to the API.
struct api_session {
  const ctl_command* cmd = nullptr;
  net::url origin;
  /// How an https:// origin is checked (--api-ca-file).
  net::tls_settings tls;
  std::string key;
  std::unique_ptr<net::http_client> client;
  std::optional<clock_type::time_point> deadline;

  /// A request to `path` with the key and `accept` as its Accept field.
  [[nodiscard]] net::client_request
  request(net::method verb, const std::string& path,
          const char* accept = "application/json") const;

  /// Sends `req` and waits until its answer has been read, handing the
  /// head and each piece of the body to the handlers (on the client's I/O
  /// thread) as they come; how it failed, if it did.
  std::optional<net::client_failure>
  exchange_pieces(net::client_request req,
                  std::function<void(const net::response_head&)> on_head,
                  std::function<void(std::string_view)> on_body);

  /// Sends one request and waits for its answer (or its failure).
  exchange send(net::method verb, const std::string& path, std::string body,
                milliseconds timeout, const std::string& idempotency_key = {});

  /// Time left until the deadline (at least 1 ms), or `fallback` without
  /// one.
  [[nodiscard]] milliseconds left(milliseconds fallback) const;

  /// Sends until an answer comes: a request that failed before an answer
  /// (no connection, a reset, a timeout) is sent again after a backoff,
  /// until the deadline. Every request here is safe to repeat (reads, a
  /// cancel, a pause or resume, and starts that carry an Idempotency-Key).
  exchange call(net::method verb, const std::string& path,
                const std::string& body, milliseconds hold,
                const std::string& idempotency_key = {});
};

/// Opens `api` for `cmd`: its URL, its key, a client. On failure prints why
/// and returns the exit code; 0 when open.
[[nodiscard]] int open(const ctl_command& cmd, api_session& api);

/// The run state named `name` (failed for a name this build does not know).
[[nodiscard]] run_state state_named(const std::string& name);

/// A run as `GET /v1/runs/{id}` shows it.
[[nodiscard]] run_status status_of(const json& x, const ctl_command& cmd);

/// The answer's JSON, or nothing once the failure or refusal is printed
/// (`rc` then holds the exit code).
[[nodiscard]] std::optional<json>
answer_or_report(const ctl_command& cmd, const exchange& answer, int& rc);

/// Prints how a request failed before an answer; returns the exit code.
int report_failure(const ctl_command& cmd, const net::client_failure& failure);

/// `base` + `id` + `rest` ("/v1/runs/" 7 "/cancel").
[[nodiscard]] std::string path_of(const char* base, std::uint64_t id,
                                  const char* rest = "");

/// Follows run `cmd.run`'s events (`GET /v1/runs/{id}/events`), printing
/// each as it comes and reconnecting with the last event's id when the
/// stream breaks, until the final event (api_events.cpp). Returns the exit
/// code: 0 when the run succeeded, 3 when it ended otherwise.
[[nodiscard]] int follow_events(api_session& api);

} // namespace warden::apps::over_api
