#include "api/detail/respond.hpp"

#include <variant>

#include "api/keys.hpp"
#include "api/runs.hpp"

namespace warden::api::detail {

namespace http = boost::beast::http;

net::response json_response(unsigned status, std::string body,
                            unsigned version) {
  return net::make_response(static_cast<net::status>(status), std::move(body),
                            "application/json", version);
}

net::response error_response(const http_error& err, unsigned version) {
  auto answer = json_response(err.status, rest_body(err), version);
  if (auto wait = retry_after_header(err))
    answer.set(http::field::retry_after, *wait);
  if (err.status == 401)
    answer.set(http::field::www_authenticate, "Bearer");
  return answer;
}

void send_error(net::responder& reply, const http_error& err) {
  reply.send(error_response(err, reply.version()));
}

std::optional<std::string_view> header(const net::request& message,
                                       http::field name) {
  auto i = message.find(name);
  if (i == message.end())
    return std::nullopt;
  auto value = i->value();
  return std::string_view{value.data(), value.size()};
}

std::optional<std::string_view> header(const net::request& message,
                                       std::string_view name) {
  auto i = message.find(boost::beast::string_view{name.data(), name.size()});
  if (i == message.end())
    return std::nullopt;
  auto value = i->value();
  return std::string_view{value.data(), value.size()};
}

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

std::optional<std::string> tenant_or_refuse(const api_context& ctx,
                                            const net::incoming& in,
                                            net::responder& reply) {
  auto refused = [&reply, &ctx](const char* reason, unsigned status,
                                const char* code, std::string message) {
    if (ctx.on_auth_failure)
      ctx.on_auth_failure(reason);
    send_error(reply, refuse(status, code, std::move(message)));
    return std::nullopt;
  };
  auto keys = ctx.keys ? ctx.keys() : nullptr;
  if (!keys || keys->size() == 0)
    return refused("no_keys", 401, "unauthorized",
                   "the API has no keys configured");
  auto who = keys->authenticate(header(in.message, http::field::authorization));
  if (auto* why = std::get_if<key_refusal>(&who))
    return refused(to_string(*why), 401, "unauthorized", to_message(*why));
  auto& caller = std::get<principal>(who);
  if (caller.tenant.empty())
    return refused("admin_key", 403, "forbidden",
                   "key " + caller.key_id +
                       " is an admin key and speaks for no tenant: runs and "
                       "sessions are reached with a tenant's key");
  return std::move(caller.tenant);
}

std::optional<std::uint64_t>
id_or_refuse(const net::incoming& in, std::string_view name, const char* what,
             const std::string& tenant, net::responder& reply) {
  auto text = in.param(name);
  if (auto id = parse_id(text))
    return id;
  send_error(reply, refuse(404, "not_found",
                           std::string{"no "} + what + " " + std::string{text} +
                               " for tenant " + tenant));
  return std::nullopt;
}

bool add_route(net::router& routes,
               const std::shared_ptr<const api_context>& ctx, net::method verb,
               const char* path,
               void (*handle)(const api_context&, const net::incoming&,
                              net::responder)) {
  return routes.add(
      verb, path, [ctx, handle](const net::incoming& in, net::responder reply) {
        handle(*ctx, in, std::move(reply));
      });
}

} // namespace warden::api::detail
