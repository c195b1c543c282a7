// The operator endpoints, for admin keys: a drain of the node, and a
// tenant's pause and resume.

#include <string>

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

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

/// `{"tenant", "paused", "queued"}`: a tenant's pause as the node answered.
std::string pause_body(const tenant_pause_state& x) {
  return json_text(
      {{"tenant", x.tenant}, {"paused", x.paused}, {"queued", x.queued}});
}

/// Pauses or resumes the path's tenant: 200 with its state now, 404 naming
/// a tenant the node does not admit.
void set_paused(const api_context& ctx, const net::incoming& in,
                net::responder reply, bool paused) {
  if (!admin_or_refuse(ctx, in, reply))
    return;
  ask_and_answer<tenant_pause_state>(
      ctx, pause_tenant{std::string{in.param("tenant")}, paused}, 200,
      pause_body, std::move(reply), ctx.node_timeout);
}

/// POST /v1/admin/tenants/{tenant}/pause: the tenant's new runs are still
/// accepted but wait in the queue; its running trees go on.
void pause(const api_context& ctx, const net::incoming& in,
           net::responder reply) {
  set_paused(ctx, in, std::move(reply), true);
}

/// POST /v1/admin/tenants/{tenant}/resume: its waiting runs are dispatched.
void resume(const api_context& ctx, const net::incoming& in,
            net::responder reply) {
  set_paused(ctx, in, std::move(reply), false);
}

} // namespace

bool add_admin_routes(net::router& routes,
                      const std::shared_ptr<const api_context>& ctx) {
  bool added =
      add_route(routes, ctx, net::method::post, "/v1/admin/drain", drain);
  added = add_route(routes, ctx, net::method::post,
                    "/v1/admin/tenants/{tenant}/pause", pause) &&
          added;
  return add_route(routes, ctx, net::method::post,
                   "/v1/admin/tenants/{tenant}/resume", resume) &&
         added;
}

} // namespace warden::api::detail
