#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "net/router.hpp"

#include "api/keys.hpp"

namespace warden::api {

/// What the API's handlers need: the node to ask and the keys in force.
/// Held by a shared_ptr: a request that outlives its handler (a chat
/// completion waiting for its run) keeps it with shared_from_this(), also
/// past the server's stop.
struct api_context : std::enable_shared_from_this<api_context> {
  /// The actor system the node runs in; outlives the server.
  caf::actor_system* system = nullptr;
  /// The node actor (submit_run, get_status, await_run, cancel_run).
  caf::actor node;
  /// The key table in force; a reload swaps in a new one. Called on I/O
  /// threads: it must be thread-safe.
  std::function<std::shared_ptr<const key_table>()> keys;
  /// How long a question to the node may take before the client gets 504.
  std::chrono::milliseconds node_timeout{10'000};
  /// The longest `?wait=` a client may ask for.
  std::chrono::milliseconds max_wait{30'000};
  /// How long a chat completion waits for its run to end before answering
  /// 504 (the run goes on; `GET /v1/runs/{id}` tells its end).
  std::chrono::milliseconds completion_timeout{600'000};
  /// [node] drain_timeout_ms: how long a cluster member's drain may take;
  /// `POST /v1/admin/cluster/members/{member}/drain` waits that plus
  /// `node_timeout` for its report before answering 504.
  std::chrono::milliseconds drain_timeout{30'000};
  /// The agents the node runs: the front door's models.
  std::vector<std::string> agents;
  /// Called with the reason ("missing", "malformed", "unknown", "no_keys",
  /// "admin_key", "not_admin") each time a request's credentials are refused,
  /// for metrics; on I/O threads, so thread-safe. Optional.
  std::function<void(const char* reason)> on_auth_failure;
  /// The actor of each MCP server, by its table's name (for operators).
  std::map<std::string, caf::actor> mcp_servers;
};

/// Adds the API's resources to `routes`, for tenants' keys:
///
/// - `POST /v1/runs` (`{"agent", "input", "priority"}`, `Idempotency-Key`)
///   -> 202 with the run's id once it is durable; with `?wait=30s`, 200
///   with the run once it ended within the wait (202 with the run as of
///   then if not);
/// - `GET /v1/runs/{id}` -> 200 with the run; `?wait=30s` (or `500ms`, or
///   seconds alone) waits for the run to end, at most `max_wait`;
/// - `POST /v1/runs/{id}/cancel` -> 200 with the run as of now;
/// - `GET /v1/runs/{id}/events` -> 200 with the run's events as
///   Server-Sent Events until its final one (`Last-Event-ID` resumes after
///   an event; 204 when the client has them all; `?deltas=true` adds the
///   model calls' content as it streams);
/// - `GET /v1/sessions` (`?limit=100&after=ID`, pages by id) -> 200 with
///   the caller's sessions and the `after` of the next page;
/// - `GET /v1/sessions/{id}` -> 200 with one session;
/// - `POST /v1/sessions/{id}/turns` (`{"input", "priority", "on_busy"}`,
///   `Idempotency-Key`) -> 202 with the turn's run once it is durable;
///   `?wait=` as for `POST /v1/runs`;
/// - `POST /v1/admin/drain` (an admin key) -> 202: the node drains;
/// - `POST /v1/admin/cluster/members/{member}/drain` (an admin key) -> 200
///   `{"member", "moved", "remaining"}` once the member's sessions moved
///   to the others (it owns no slot until it restarts); 422 for a name not
///   in [cluster] nodes, 503 while it is down;
/// - `GET /v1/admin/mcp-servers` (an admin key) -> 200: each MCP server's
///   processes, queue, restarts, last failure and the end of its stderr;
/// - `POST /v1/admin/tenants/{tenant}/pause` and `.../resume` (an admin
///   key) -> 200 `{"tenant", "paused", "queued"}`: the tenant's new runs
///   wait in the queue, or are dispatched again; 404 for a tenant the node
///   does not admit;
/// - `POST /v1/chat/completions` and `GET /v1/models`: the OpenAI-compatible
///   front door (chat_routes.cpp), errors in OpenAI's shape;
/// - `GET /healthz` -> 200 while the server answers (no key needed);
/// - `GET /readyz` -> 200 while the node takes new runs (its recovery done,
///   not draining, storage writable), else 503 with the reason and
///   `Retry-After` (no key needed: for load balancers and systemd).
///
/// Every other request needs `Authorization: Bearer <key>` (401 without
/// one that is known, 403 for an admin key on a tenant's resource). A run
/// of another tenant, an unknown run and an id that is not a number all
/// answer 404 alike, and so do sessions. Errors are JSON (`api::rest_body`)
/// with `Retry-After` when the node named a wait. Returns false if a route
/// was taken.
[[nodiscard]] bool add_routes(net::router& routes,
                              std::shared_ptr<const api_context> ctx);

/// A `?wait=` value: "30s", "500ms", or whole seconds ("30"); nothing for
/// anything else.
[[nodiscard]] std::optional<std::chrono::milliseconds>
parse_wait(std::string_view text);

} // namespace warden::api
