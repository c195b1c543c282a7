#pragma once

// What every route of the API does alike: JSON answers, errors with their
// headers, request headers and query values, the caller's tenant, and a
// question to the node answered to the client. Private to api/.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/beast/http/field.hpp>
#include <caf/expected.hpp>

#include "actors/protocol/messages.hpp"
#include "net/responder.hpp"
#include "net/router.hpp"

#include "api/bridge.hpp"
#include "api/errors.hpp"
#include "api/routes.hpp"

namespace warden::api::detail {

/// The shape of error bodies: Warden's REST resources, or OpenAI's (the
/// front door, whose clients are OpenAI's SDKs).
enum class shape { warden, openai };

/// `status` with `body` as application/json.
[[nodiscard]] net::response json_response(unsigned status, std::string body,
                                          unsigned version);

/// `err` in `form`, with `Retry-After` when it names a wait and
/// `WWW-Authenticate: Bearer` on a 401.
[[nodiscard]] net::response error_response(const http_error& err,
                                           unsigned version,
                                           shape form = shape::warden);

/// Answers `reply` with `err`.
void send_error(net::responder& reply, const http_error& err,
                shape form = shape::warden);

/// The value of header `name`, if the request has it.
[[nodiscard]] std::optional<std::string_view>
header(const net::request& message, boost::beast::http::field name);

/// The value of header `name` (one Beast has no enum for), if present.
[[nodiscard]] std::optional<std::string_view>
header(const net::request& message, std::string_view name);

/// The value of query parameter `key` ("a=1&wait=30s"), as written.
[[nodiscard]] std::optional<std::string_view>
query_value(std::string_view query, std::string_view key);

/// The tenant the request's key speaks for; nothing once `reply` carries
/// the refusal (401 without a known key, 403 for an admin key).
[[nodiscard]] std::optional<std::string>
tenant_or_refuse(const api_context& ctx, const net::incoming& in,
                 net::responder& reply, shape form = shape::warden);

/// The id of the request's admin key; nothing once `reply` carries the
/// refusal (401 without a known key, 403 for a tenant's key).
[[nodiscard]] std::optional<std::string>
admin_or_refuse(const api_context& ctx, const net::incoming& in,
                net::responder& reply);

/// The caller's tenant and the id in the path (`{id}`) of one of its
/// resources.
struct owned_id {
  std::string tenant;
  std::uint64_t id = 0;
};

/// The caller's tenant and the path's `{id}`; nothing once `reply` carries
/// the refusal (401 or 403 for the key; for an id that is not one, the 404
/// naming `what` ("run") that an unknown id would get).
[[nodiscard]] std::optional<owned_id>
owned_id_or_refuse(const api_context& ctx, const net::incoming& in,
                   const char* what, net::responder& reply);

/// Asks the node `request` and answers `reply` with the `Reply` shown by
/// `show` under status `ok`, or with the node's error.
template <class Reply, class Request, class Show>
void ask_and_answer(const api_context& ctx, Request request, unsigned ok,
                    Show show, net::responder reply,
                    std::chrono::milliseconds timeout) {
  auto version = reply.version();
  auto shared = std::make_shared<net::responder>(std::move(reply));
  ask<Reply>(*ctx.system, ctx.node, std::move(request), timeout,
             [shared, ok, show, version](caf::expected<Reply> answer) {
               if (answer)
                 shared->send(json_response(ok, show(*answer), version));
               else
                 shared->send(error_response(to_http(answer.error()), version));
             });
}

/// The request's `?wait=`, cut to ctx.max_wait; zero without one; nothing
/// once `reply` carries the 400 for a value that is no duration.
[[nodiscard]] std::optional<std::chrono::milliseconds>
wait_or_refuse(const api_context& ctx, const net::incoming& in,
               net::responder& reply);

/// Starts the run `request` asks for (api/start_run.cpp). Without `?wait=`
/// answers 202 with the ack once the run is durable. With it, also waits
/// for the run's end: 200 with the run when it ended within the wait, 202
/// with the run as of then when it did not (or when the wait failed: the
/// run is accepted either way).
void start_run(const api_context& ctx, const net::incoming& in,
               submit_run request, const std::string& tenant,
               net::responder reply);
void start_run(const api_context& ctx, const net::incoming& in,
               send_turn request, const std::string& tenant,
               net::responder reply);

/// Adds the OpenAI-compatible front door (api/chat_routes.cpp).
[[nodiscard]] bool
add_chat_routes(net::router& routes,
                const std::shared_ptr<const api_context>& ctx);

/// Adds the Server-Sent Events of runs (api/event_routes.cpp).
[[nodiscard]] bool
add_event_routes(net::router& routes,
                 const std::shared_ptr<const api_context>& ctx);

/// Adds the operator endpoints (api/admin_routes.cpp).
[[nodiscard]] bool
add_admin_routes(net::router& routes,
                 const std::shared_ptr<const api_context>& ctx);

/// Adds the session resources (api/session_routes.cpp).
[[nodiscard]] bool
add_session_routes(net::router& routes,
                   const std::shared_ptr<const api_context>& ctx);

/// Routes `verb` `path` to `handle(ctx, in, reply)`.
[[nodiscard]] bool add_route(
    net::router& routes, const std::shared_ptr<const api_context>& ctx,
    net::method verb, const char* path,
    void (*handle)(const api_context&, const net::incoming&, net::responder));

} // namespace warden::api::detail
