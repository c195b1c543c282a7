// The session resources: a tenant's sessions in pages, one session, and a
// turn sent to a session.

#include <chrono>
#include <string>
#include <utility>
#include <variant>

#include "actors/protocol/messages.hpp"

#include "api/detail/respond.hpp"
#include "api/runs.hpp"

namespace warden::api::detail {

namespace {

/// A page holds 100 sessions unless the client asks for fewer or more, and
/// never more than 1,000.
constexpr std::uint32_t default_page = 100;
constexpr std::uint32_t max_page = 1'000;

/// The `limit` and `after` of a page; nothing once `reply` carries a 400.
std::optional<std::pair<std::uint32_t, session_id>>
page_or_refuse(const net::incoming& in, net::responder& reply) {
  std::uint32_t limit = default_page;
  session_id after = 0;
  if (auto text = query_value(in.query, "limit")) {
    auto value = parse_id(*text);
    if (!value || *value > max_page) {
      send_error(reply, refuse(400, "bad_request",
                               "query limit must be 1 to " +
                                   std::to_string(max_page)));
      return std::nullopt;
    }
    limit = static_cast<std::uint32_t>(*value);
  }
  if (auto text = query_value(in.query, "after")) {
    auto value = parse_id(*text);
    if (!value) {
      send_error(reply, refuse(400, "bad_request",
                               "query after must be a session id (the "
                               "next_after of the previous page)"));
      return std::nullopt;
    }
    after = *value;
  }
  return std::make_pair(limit, after);
}

void list(const api_context& ctx, const net::incoming& in,
          net::responder reply) {
  auto tenant = tenant_or_refuse(ctx, in, reply);
  if (!tenant)
    return;
  auto page = page_or_refuse(in, reply);
  if (!page)
    return;
  ask_and_answer<session_list>(
      ctx, list_sessions{*tenant, page->second, page->first}, 200,
      session_list_body, std::move(reply), ctx.node_timeout);
}

void read_session(const api_context& ctx, const net::incoming& in,
                  net::responder reply) {
  auto session = owned_id_or_refuse(ctx, in, "session", reply);
  if (!session)
    return;
  // The page that starts at the session holds it if it is the tenant's.
  auto version = reply.version();
  auto shared = std::make_shared<net::responder>(std::move(reply));
  ask<session_list>(
      *ctx.system, ctx.node, list_sessions{session->tenant, session->id - 1, 1},
      ctx.node_timeout,
      [shared, version, tenant = session->tenant,
       id = session->id](caf::expected<session_list> answer) {
        if (!answer)
          return shared->send(error_response(to_http(answer.error()), version));
        if (answer->sessions.empty() || answer->sessions[0].session != id)
          return shared->send(
              error_response(refuse(404, "not_found",
                                    "no session " + std::to_string(id) +
                                        " for tenant " + tenant),
                             version));
        shared->send(
            json_response(200, session_body(answer->sessions[0]), version));
      });
}

void send_turn_to(const api_context& ctx, const net::incoming& in,
                  net::responder reply) {
  auto session = owned_id_or_refuse(ctx, in, "session", reply);
  if (!session)
    return;
  auto parsed = parse_turn(in.message.body(), session->tenant, session->id,
                           header(in.message, "Idempotency-Key"));
  if (auto* err = std::get_if<http_error>(&parsed))
    return send_error(reply, *err);
  start_run(ctx, in, std::move(std::get<send_turn>(parsed)), session->tenant,
            std::move(reply));
}

} // namespace

bool add_session_routes(net::router& routes,
                        const std::shared_ptr<const api_context>& ctx) {
  bool added = add_route(routes, ctx, net::method::get, "/v1/sessions", list);
  added = add_route(routes, ctx, net::method::get, "/v1/sessions/{id}",
                    read_session) &&
          added;
  return add_route(routes, ctx, net::method::post, "/v1/sessions/{id}/turns",
                   send_turn_to) &&
         added;
}

} // namespace warden::api::detail
