// The operator endpoints, for admin keys: a drain of the node.

#include <caf/send.hpp>

#include "actors/protocol/messages.hpp"

#include "api/detail/respond.hpp"

namespace warden::api::detail {

namespace {

/// POST /v1/admin/drain: the node refuses new runs from now on, lets
/// running turns finish within its drain timeout and cancels the rest; the
/// answer (202) does not wait for that. /readyz says 503 from now on, and
/// runs stay readable. The process keeps running until SIGTERM.
void drain(const api_context& ctx, const net::incoming& in,
           net::responder reply) {
  auto key = admin_or_refuse(ctx, in, reply);
  if (!key)
    return;
  // The node's drain_report goes nowhere: /readyz and the runs tell.
  caf::anon_send(ctx.node, drain_node{});
  reply.send(json_response(202, R"({"status":"draining"})", reply.version()));
}

} // namespace

bool add_admin_routes(net::router& routes,
                      const std::shared_ptr<const api_context>& ctx) {
  return add_route(routes, ctx, net::method::post, "/v1/admin/drain", drain);
}

} // namespace warden::api::detail
