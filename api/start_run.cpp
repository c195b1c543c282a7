// Requests that start a run (POST /v1/runs, POST /v1/sessions/{id}/turns),
// and may wait for its end in the same exchange (`?wait=`): one request per
// run for a client that wants the answer, instead of a POST and a GET.

#include <memory>
#include <string>
#include <utility>

#include "api/detail/respond.hpp"
#include "api/runs.hpp"

namespace warden::api::detail {

namespace {

using std::chrono::milliseconds;

template <class Request>
void start(const api_context& ctx, const net::incoming& in, Request request,
           const std::string& tenant, net::responder reply) {
  auto wait = wait_or_refuse(ctx, in, reply);
  if (!wait)
    return;
  if (*wait == milliseconds::zero())
    return ask_and_answer<run_ack>(ctx, std::move(request), 202, ack_body,
                                   std::move(reply), ctx.node_timeout);
  auto version = reply.version();
  auto shared = std::make_shared<net::responder>(std::move(reply));
  auto owner = ctx.shared_from_this();
  ask<run_ack>(
      *ctx.system, ctx.node, std::move(request), ctx.node_timeout,
      [shared, version, owner, tenant,
       wait = *wait](caf::expected<run_ack> ack) {
        if (!ack)
          return shared->send(error_response(to_http(ack.error()), version));
        await_run ask_run{tenant, ack->run,
                          static_cast<std::uint32_t>(wait.count())};
        ask<run_status>(
            *owner->system, owner->node, std::move(ask_run),
            wait + owner->node_timeout,
            [shared, version, ack = *ack](caf::expected<run_status> status) {
              // The run is durable: a wait that failed still tells its id.
              if (!status)
                return shared->send(json_response(202, ack_body(ack), version));
              auto code = is_final(status->state) ? 200u : 202u;
              shared->send(
                  json_response(code, waited_body(ack, *status), version));
            });
      });
}

} // namespace

std::optional<milliseconds> wait_or_refuse(const api_context& ctx,
                                           const net::incoming& in,
                                           net::responder& reply) {
  auto text = query_value(in.query, "wait");
  if (!text)
    return milliseconds::zero();
  auto wait = parse_wait(*text);
  if (!wait) {
    send_error(reply,
               refuse(400, "bad_request",
                      "query wait must be a duration: 30s, 500ms or 30"));
    return std::nullopt;
  }
  return std::min(*wait, ctx.max_wait);
}

void start_run(const api_context& ctx, const net::incoming& in,
               submit_run request, const std::string& tenant,
               net::responder reply) {
  start(ctx, in, std::move(request), tenant, std::move(reply));
}

void start_run(const api_context& ctx, const net::incoming& in,
               send_turn request, const std::string& tenant,
               net::responder reply) {
  start(ctx, in, std::move(request), tenant, std::move(reply));
}

} // namespace warden::api::detail
