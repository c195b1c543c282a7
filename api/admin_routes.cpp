// The operator endpoints, for admin keys: a drain of the node, a tenant's
// pause and resume, the state of the MCP servers, the cluster and the
// drain of one of its members.

#include <memory>
#include <mutex>
#include <string>

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/dependencies/mcp/server.hpp"
#include "actors/protocol/messages.hpp"

#include "api/bridge.hpp"
#include "api/cluster.hpp"
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

/// One MCP server as operators read it.
nlohmann::json server_json(const std::string& name,
                           const caf::expected<mcp::server_view>& view) {
  if (!view)
    return {{"name", name}, {"error", error_reason(view.error())}};
  auto processes = nlohmann::json::array();
  for (const auto& p : view->processes)
    processes.push_back(
        {{"id", p.child}, {"state", p.state}, {"calls", p.calls}});
  return {{"name", name},
          {"tools", view->tools},
          {"queued", view->queued},
          {"restarts", view->restarts},
          {"failures", view->failures},
          {"last_failure", view->last_failure},
          {"processes", std::move(processes)},
          {"stderr", view->stderr_tail}};
}

/// GET /v1/admin/mcp-servers: every MCP server's processes, queue,
/// restarts, last failure and the newest bytes of its processes' stderr,
/// by name. A server that does not answer within the node timeout is
/// listed with the error.
void mcp_servers(const api_context& ctx, const net::incoming& in,
                 net::responder reply) {
  if (!admin_or_refuse(ctx, in, reply))
    return;
  struct gathering {
    explicit gathering(net::responder r, std::size_t n)
        : reply(std::move(r)), missing(n) {}
    std::mutex lock;
    net::responder reply;
    std::size_t missing;
    std::map<std::string, nlohmann::json> servers;
  };
  auto version = reply.version();
  if (ctx.mcp_servers.empty())
    return reply.send(json_response(200, R"({"servers":[]})", version));
  auto state =
      std::make_shared<gathering>(std::move(reply), ctx.mcp_servers.size());
  for (const auto& [name, server] : ctx.mcp_servers)
    ask<mcp::server_view>(
        *ctx.system, server, mcp::status_atom::value, ctx.node_timeout,
        [state, name = name, version](caf::expected<mcp::server_view> view) {
          std::lock_guard<std::mutex> guard{state->lock};
          state->servers[name] = server_json(name, view);
          if (--state->missing > 0)
            return;
          auto list = nlohmann::json::array();
          for (auto& entry : state->servers)
            list.push_back(std::move(entry.second));
          state->reply.send(json_response(
              200,
              nlohmann::json{{"servers", std::move(list)}}.dump(
                  -1, ' ', false, nlohmann::json::error_handler_t::replace),
              version));
        });
}

/// GET /v1/admin/cluster: the cluster as this node sees it (cluster_json).
void cluster(const api_context& ctx, const net::incoming& in,
             net::responder reply) {
  if (!admin_or_refuse(ctx, in, reply))
    return;
  ask_and_answer<cluster_report>(
      ctx, get_cluster{}, 200,
      [](const cluster_report& x) { return json_text(cluster_json(x)); },
      std::move(reply), ctx.node_timeout);
}

/// POST /v1/admin/cluster/members/{member}/drain: member `member` leaves
/// the placement and hands every session it holds to its slot's new owner
/// (running turns first finish, within the member's drain timeout); the
/// answer waits for that: 200 with how many moved and how many stay on the
/// member's disk (busy past the timeout, or refused by their new owner).
/// Any member may be asked, the member itself included.
void drain_member_route(const api_context& ctx, const net::incoming& in,
                        net::responder reply) {
  if (!admin_or_refuse(ctx, in, reply))
    return;
  ask_and_answer<member_drain_report>(
      ctx, drain_member{std::string{in.param("member")}, 0}, 200,
      [](const member_drain_report& x) {
        return json_text({{"member", x.name},
                          {"moved", x.moved},
                          {"remaining", x.remaining}});
      },
      std::move(reply), ctx.drain_timeout + ctx.node_timeout);
}

} // namespace

bool add_admin_routes(net::router& routes,
                      const std::shared_ptr<const api_context>& ctx) {
  bool added =
      add_route(routes, ctx, net::method::post, "/v1/admin/drain", drain);
  added = add_route(routes, ctx, net::method::get, "/v1/admin/mcp-servers",
                    mcp_servers) &&
          added;
  added =
      add_route(routes, ctx, net::method::get, "/v1/admin/cluster", cluster) &&
      added;
  added = add_route(routes, ctx, net::method::post,
                    "/v1/admin/cluster/members/{member}/drain",
                    drain_member_route) &&
          added;
  added = add_route(routes, ctx, net::method::post,
                    "/v1/admin/tenants/{tenant}/pause", pause) &&
          added;
  return add_route(routes, ctx, net::method::post,
                   "/v1/admin/tenants/{tenant}/resume", resume) &&
         added;
}

} // namespace warden::api::detail
