// The OpenAI-compatible front door: POST /v1/chat/completions runs a turn of
// the agent its `model` names, with all of Warden's governance, and answers
// as a chat.completion (or its chunks); GET /v1/models lists the agents.
//
// One request is a chain of questions to the node, each from a short-lived
// actor (bridge.hpp): [open_session when the request brings history for a
// new session] -> submit_run or send_turn -> await_run -> the answer, or,
// streamed, a subscription to the run that writes its answer as it comes
// (chat_stream.cpp).

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "actors/protocol/messages.hpp"

#include "api/chat.hpp"
#include "api/detail/chat_stream.hpp"
#include "api/detail/respond.hpp"
#include "api/runs.hpp"

namespace warden::api::detail {

namespace {

using std::chrono::milliseconds;

std::int64_t unix_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

/// One chat completion in flight: what its steps share.
struct exchange {
  /// Kept alive by the exchange: its answers may come after the server
  /// stopped and dropped its routes.
  std::shared_ptr<const api_context> ctx;
  net::responder reply;
  unsigned version = 11;
  std::string tenant;
  chat_request request;
  std::string idempotency_key;

  exchange(const api_context& context, net::responder r)
      : ctx(context.shared_from_this()),
        reply(std::move(r)),
        version(reply.version()) {}

  void fail(const http_error& err, run_id run = 0, session_id session = 0) {
    auto answer = error_response(err, version, shape::openai);
    if (run != 0)
      answer.set(run_header, std::to_string(run));
    if (session != 0)
      answer.set(session_header, std::to_string(session));
    reply.send(std::move(answer));
  }

  void fail(const caf::error& err) { fail(to_http(err)); }
};

using exchange_ptr = std::shared_ptr<exchange>;

void answer(const exchange_ptr& x, const run_status& run) {
  if (!is_final(run.state))
    return x->fail(refuse(504, "timeout",
                          "run " + std::to_string(run.run) +
                              " has not ended in time; it goes on: GET "
                              "/v1/runs/" +
                              std::to_string(run.run) + " tells its end"),
                   run.run, run.session);
  if (run.state != run_state::succeeded)
    return x->fail(run_failure(run), run.run, run.session);
  auto response =
      json_response(200, completion_body(run, unix_now()), x->version);
  response.set(run_header, std::to_string(run.run));
  response.set(session_header, std::to_string(run.session));
  x->reply.send(std::move(response));
}

void await(const exchange_ptr& x, const run_ack& ack) {
  const auto& ctx = *x->ctx;
  if (x->request.stream)
    return stream_completion(ctx, std::move(x->reply), x->tenant, ack);
  auto bound = ctx.completion_timeout;
  await_run ask_run{x->tenant, ack.run,
                    static_cast<std::uint32_t>(
                        std::max<milliseconds::rep>(bound.count(), 1))};
  ask<run_status>(
      *ctx.system, ctx.node, std::move(ask_run), bound + ctx.node_timeout,
      [x, ack](caf::expected<run_status> status) {
        if (!status)
          return x->fail(to_http(status.error()), ack.run, ack.session);
        answer(x, *status);
      });
}

void turn(const exchange_ptr& x, session_id session) {
  const auto& ctx = *x->ctx;
  send_turn msg{x->tenant,          session, std::move(x->request.input), "",
                x->idempotency_key, ""};
  ask<run_ack>(*ctx.system, ctx.node, std::move(msg), ctx.node_timeout,
               [x](caf::expected<run_ack> ack) {
                 if (!ack)
                   return x->fail(ack.error());
                 await(x, *ack);
               });
}

void start(const exchange_ptr& x, std::optional<session_id> session) {
  const auto& ctx = *x->ctx;
  if (session)
    return turn(x, *session);
  if (x->request.history.empty()) {
    submit_run msg{x->tenant, x->request.agent, std::move(x->request.input), "",
                   x->idempotency_key};
    return ask<run_ack>(*ctx.system, ctx.node, std::move(msg), ctx.node_timeout,
                        [x](caf::expected<run_ack> ack) {
                          if (!ack)
                            return x->fail(ack.error());
                          await(x, *ack);
                        });
  }
  open_session msg{x->tenant, x->request.agent, std::move(x->request.history)};
  ask<session_imported>(*ctx.system, ctx.node, std::move(msg), ctx.node_timeout,
                        [x](caf::expected<session_imported> opened) {
                          if (!opened)
                            return x->fail(opened.error());
                          turn(x, opened->session);
                        });
}

void chat(const api_context& ctx, const net::incoming& in,
          net::responder reply) {
  auto tenant = tenant_or_refuse(ctx, in, reply, shape::openai);
  if (!tenant)
    return;
  auto x = std::make_shared<exchange>(ctx, std::move(reply));
  x->tenant = std::move(*tenant);
  auto parsed = parse_chat(in.message.body());
  if (auto* err = std::get_if<http_error>(&parsed))
    return x->fail(*err);
  x->request = std::move(std::get<chat_request>(parsed));
  const auto& agents = ctx.agents;
  if (std::find(agents.begin(), agents.end(), x->request.agent) == agents.end())
    return x->fail(refuse(404, "model_not_found",
                          "The model `" + x->request.agent +
                              "` does not exist: models are this node's "
                              "agents (GET /v1/models)"));
  auto key = parse_idempotency_key(header(in.message, "Idempotency-Key"));
  if (auto* err = std::get_if<http_error>(&key))
    return x->fail(*err);
  x->idempotency_key = std::move(std::get<std::string>(key));
  std::optional<session_id> session;
  if (auto text = header(in.message, session_header)) {
    session = parse_id(*text);
    if (!session)
      return x->fail(refuse(404, "not_found",
                            "no session " + std::string{*text} +
                                " for tenant " + x->tenant));
  }
  start(x, session);
}

void models(const api_context& ctx, const net::incoming& in,
            net::responder reply) {
  if (!tenant_or_refuse(ctx, in, reply, shape::openai))
    return;
  reply.send(
      json_response(200, models_body(ctx.agents, unix_now()), reply.version()));
}

} // namespace

bool add_chat_routes(net::router& routes,
                     const std::shared_ptr<const api_context>& ctx) {
  bool added =
      add_route(routes, ctx, net::method::post, "/v1/chat/completions", chat);
  return add_route(routes, ctx, net::method::get, "/v1/models", models) &&
         added;
}

} // namespace warden::api::detail
