#include "api/routes.hpp"

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <boost/beast/http/field.hpp>
#include <nlohmann/json.hpp>

#include "actors/protocol/messages.hpp"

#include "api/bridge.hpp"
#include "api/errors.hpp"
#include "api/runs.hpp"

namespace warden::api {

namespace {

namespace http = boost::beast::http;
using std::chrono::milliseconds;

constexpr const char* json_type = "application/json";

net::response json_response(unsigned status, std::string body,
                            unsigned version) {
  return net::make_response(static_cast<net::status>(status), std::move(body),
                            json_type, version);
}

net::response error_response(const http_error& err, unsigned version) {
  auto answer = json_response(err.status, rest_body(err), version);
  if (auto wait = retry_after_header(err))
    answer.set(http::field::retry_after, *wait);
  if (err.status == 401)
    answer.set(http::field::www_authenticate, "Bearer");
  return answer;
}

/// The value of header `name`, if the request has it.
template <class Name>
std::optional<std::string_view> header(const net::request& message, Name name) {
  auto i = message.find(name);
  if (i == message.end())
    return std::nullopt;
  auto value = i->value();
  return std::string_view{value.data(), value.size()};
}

/// The value of query parameter `key` ("a=1&wait=30s").
std::optional<std::string_view> query_value(std::string_view query,
                                            std::string_view key) {
  while (!query.empty()) {
    auto end = query.find('&');
    auto pair = query.substr(0, end);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return eq == std::string_view::npos ? std::string_view{}
                                          : pair.substr(eq + 1);
    if (end == std::string_view::npos)
      break;
    query.remove_prefix(end + 1);
  }
  return std::nullopt;
}

/// Answers `reply` with the node's `Reply` to `request`, shown by `show`
/// with `ok` as its status.
template <class Reply, class Request, class Show>
void ask_and_answer(const api_context& ctx, Request request, unsigned ok,
                    Show show, net::responder reply, milliseconds timeout) {
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

/// The tenant the request's key speaks for; nothing once `reply` carries
/// the refusal (401 without a known key, 403 for an admin key).
std::optional<std::string> tenant_or_refuse(const api_context& ctx,
                                            const net::incoming& in,
                                            net::responder& reply) {
  auto refused = [&reply, &ctx](const char* reason, unsigned status,
                                const char* code, std::string message) {
    if (ctx.on_auth_failure)
      ctx.on_auth_failure(reason);
    reply.send(error_response(refuse(status, code, std::move(message)),
                              reply.version()));
    return std::nullopt;
  };
  auto keys = ctx.keys ? ctx.keys() : nullptr;
  if (!keys)
    return refused("no_keys", 401, "unauthorized",
                   "the API has no keys configured");
  auto who = keys->authenticate(header(in.message, http::field::authorization));
  if (auto* why = std::get_if<key_refusal>(&who))
    return refused(to_string(*why), 401, "unauthorized", to_message(*why));
  auto& caller = std::get<principal>(who);
  if (caller.tenant.empty())
    return refused("admin_key", 403, "forbidden",
                   "key " + caller.key_id +
                       " is an admin key and speaks for no tenant: runs are "
                       "reached with a tenant's key");
  return std::move(caller.tenant);
}

/// The caller's tenant and the run of the path; nothing once `reply`
/// carries the refusal. An id that is not a number is answered as an
/// unknown run is.
std::optional<std::pair<std::string, run_id>>
run_or_refuse(const api_context& ctx, const net::incoming& in,
              net::responder& reply) {
  auto tenant = tenant_or_refuse(ctx, in, reply);
  if (!tenant)
    return std::nullopt;
  auto text = in.param("id");
  if (auto id = parse_id(text))
    return std::make_pair(std::move(*tenant), *id);
  reply.send(error_response(
      refuse(404, "not_found",
             "no run " + std::string{text} + " for tenant " + *tenant),
      reply.version()));
  return std::nullopt;
}

void submit(const api_context& ctx, const net::incoming& in,
            net::responder reply) {
  auto tenant = tenant_or_refuse(ctx, in, reply);
  if (!tenant)
    return;
  auto parsed = parse_submit(
      in.message.body(), *tenant,
      header(in.message, boost::beast::string_view{"Idempotency-Key"}));
  if (auto* err = std::get_if<http_error>(&parsed))
    return reply.send(error_response(*err, reply.version()));
  ask_and_answer<run_ack>(ctx, std::move(std::get<submit_run>(parsed)), 202,
                          ack_body, std::move(reply), ctx.node_timeout);
}

void read_run(const api_context& ctx, const net::incoming& in,
              net::responder reply) {
  auto run = run_or_refuse(ctx, in, reply);
  if (!run)
    return;
  auto& [tenant, id] = *run;
  auto wait_text = query_value(in.query, "wait");
  if (!wait_text)
    return ask_and_answer<run_status>(ctx, get_status{tenant, id}, 200,
                                      status_body, std::move(reply),
                                      ctx.node_timeout);
  auto wait = parse_wait(*wait_text);
  if (!wait)
    return reply.send(error_response(
        refuse(400, "bad_request",
               "query wait must be a duration: 30s, 500ms or 30"),
        reply.version()));
  // The node answers within the wait, with the run as of then.
  auto bounded = std::min(*wait, ctx.max_wait);
  await_run ask_run{tenant, id, static_cast<std::uint32_t>(bounded.count())};
  ask_and_answer<run_status>(ctx, std::move(ask_run), 200, status_body,
                             std::move(reply), bounded + ctx.node_timeout);
}

void cancel(const api_context& ctx, const net::incoming& in,
            net::responder reply) {
  auto run = run_or_refuse(ctx, in, reply);
  if (!run)
    return;
  ask_and_answer<run_status>(ctx, cancel_run{run->first, run->second}, 200,
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

bool add_run_routes(net::router& routes,
                    std::shared_ptr<const api_context> ctx) {
  auto route = [&routes,
                &ctx](net::method verb, const char* path,
                      void (*handle)(const api_context&, const net::incoming&,
                                     net::responder)) {
    return routes.add(
        verb, path,
        [ctx, handle](const net::incoming& in, net::responder reply) {
          handle(*ctx, in, std::move(reply));
        });
  };
  bool added = routes.add_sync(
      net::method::get, "/healthz", [](const net::incoming& in) {
        return json_response(200, R"({"status":"ok"})", in.message.version());
      });
  added = route(net::method::get, "/readyz", readiness) && added;
  added = route(net::method::post, "/v1/runs", submit) && added;
  added = route(net::method::get, "/v1/runs/{id}", read_run) && added;
  added = route(net::method::post, "/v1/runs/{id}/cancel", cancel) && added;
  return added;
}

} // namespace warden::api
