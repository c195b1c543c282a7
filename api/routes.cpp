#include "api/routes.hpp"

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "actors/protocol/messages.hpp"

#include "api/detail/respond.hpp"
#include "api/openapi.hpp"
#include "api/runs.hpp"

namespace warden::api {

namespace {

using std::chrono::milliseconds;
using namespace detail;

void submit(const api_context& ctx, const net::incoming& in,
            net::responder reply) {
  auto tenant = tenant_or_refuse(ctx, in, reply);
  if (!tenant)
    return;
  auto parsed = parse_submit(in.message.body(), *tenant,
                             header(in.message, "Idempotency-Key"));
  if (auto* err = std::get_if<http_error>(&parsed))
    return send_error(reply, *err);
  start_run(ctx, in, std::move(std::get<submit_run>(parsed)), *tenant,
            std::move(reply));
}

void read_run(const api_context& ctx, const net::incoming& in,
              net::responder reply) {
  auto run = owned_id_or_refuse(ctx, in, "run", reply);
  if (!run)
    return;
  const auto& [tenant, id] = *run;
  auto wait = wait_or_refuse(ctx, in, reply);
  if (!wait)
    return;
  if (*wait == milliseconds::zero())
    return ask_and_answer<run_status>(ctx, get_status{tenant, id}, 200,
                                      status_body, std::move(reply),
                                      ctx.node_timeout);
  // The node answers within the wait, with the run as of then.
  await_run ask_run{tenant, id, static_cast<std::uint32_t>(wait->count())};
  ask_and_answer<run_status>(ctx, std::move(ask_run), 200, status_body,
                             std::move(reply), *wait + ctx.node_timeout);
}

void cancel(const api_context& ctx, const net::incoming& in,
            net::responder reply) {
  auto run = owned_id_or_refuse(ctx, in, "run", reply);
  if (!run)
    return;
  ask_and_answer<run_status>(ctx, cancel_run{run->tenant, run->id}, 200,
                             status_body, std::move(reply), ctx.node_timeout);
}

/// Seconds a load balancer waits before asking again.
constexpr milliseconds not_ready_retry{1'000};

void readiness(const api_context& ctx, const net::incoming& in,
               net::responder reply) {
  auto version = in.message.version();
  auto shared = std::make_shared<net::responder>(std::move(reply));
  ask<node_readiness>(
      *ctx.system, ctx.node, get_readiness{}, ctx.node_timeout,
      [shared, version](caf::expected<node_readiness> answer) {
        if (!answer)
          return shared->send(
              error_response(refuse(503, "not_ready",
                                    "the node did not answer: " +
                                        to_http(answer.error()).message),
                             version));
        if (answer->ready()) {
          nlohmann::json body{{"status", "ready"},
                              {"resuming_runs", answer->resuming}};
          return shared->send(json_response(200, json_text(body), version));
        }
        auto err = refuse(503, "not_ready",
                          answer->draining
                              ? "the node is draining: it takes no new runs"
                              : "the node's storage refuses writes");
        err.retry_after = not_ready_retry;
        shared->send(error_response(err, version));
      });
}

} // namespace

std::optional<milliseconds> parse_wait(std::string_view text) {
  std::uint64_t scale = 1000;
  if (text.size() > 2 && text.substr(text.size() - 2) == "ms") {
    scale = 1;
    text.remove_suffix(2);
  } else if (text.size() > 1 && text.back() == 's') {
    text.remove_suffix(1);
  }
  if (text.empty() || text.size() > 9)
    return std::nullopt;
  std::uint64_t value = 0;
  for (auto c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return milliseconds{static_cast<milliseconds::rep>(value * scale)};
}

bool add_routes(net::router& routes, std::shared_ptr<const api_context> ctx) {
  bool added = routes.add_sync(
      net::method::get, "/healthz", [](const net::incoming& in) {
        return json_response(200, R"({"status":"ok"})", in.message.version());
      });
  added =
      add_route(routes, ctx, net::method::get, "/readyz", readiness) && added;
  added = routes.add_sync(net::method::get, "/v1/openapi.json",
                          [](const net::incoming& in) {
                            return json_response(
                                200, std::string{openapi_document()},
                                in.message.version());
                          }) &&
          added;
  added =
      add_route(routes, ctx, net::method::post, "/v1/runs", submit) && added;
  added = add_route(routes, ctx, net::method::get, "/v1/runs/{id}", read_run) &&
          added;
  added = add_route(routes, ctx, net::method::post, "/v1/runs/{id}/cancel",
                    cancel) &&
          added;
  added = add_event_routes(routes, ctx) && added;
  added = add_session_routes(routes, ctx) && added;
  added = add_admin_routes(routes, ctx) && added;
  return add_chat_routes(routes, ctx) && added;
}

} // namespace warden::api
