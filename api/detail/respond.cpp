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

net::response error_response(const http_error& err, unsigned version,
                             shape form) {
  auto answer = json_response(
      err.status, form == shape::openai ? openai_body(err) : rest_body(err),
      version);
  if (auto wait = retry_after_header(err))
    answer.set(http::field::retry_after, *wait);
  if (err.status == 401)
    answer.set(http::field::www_authenticate, "Bearer");
  return answer;
}

void send_error(net::responder& reply, const http_error& err, shape form) {
  reply.send(error_response(err, reply.version(), form));
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

namespace {

/// Refuses the request with `status` for its credentials, counting the
/// refusal by `reason`.
void refuse_caller(const api_context& ctx, net::responder& reply, shape form,
                   const char* reason, unsigned status, const char* code,
                   std::string message) {
  if (ctx.on_auth_failure)
    ctx.on_auth_failure(reason);
  send_error(reply, refuse(status, code, std::move(message)), form);
}

/// Who the request's key speaks for; nothing once `reply` carries a 401.
std::optional<principal> caller_or_refuse(const api_context& ctx,
                                          const net::incoming& in,
                                          net::responder& reply, shape form) {
  auto keys = ctx.keys ? ctx.keys() : nullptr;
  if (!keys || keys->size() == 0) {
    refuse_caller(ctx, reply, form, "no_keys", 401, "unauthorized",
                  "the API has no keys configured");
    return std::nullopt;
  }
  auto who = keys->authenticate(header(in.message, http::field::authorization));
  if (auto* why = std::get_if<key_refusal>(&who)) {
    refuse_caller(ctx, reply, form, to_string(*why), 401, "unauthorized",
                  to_message(*why));
    return std::nullopt;
  }
  return std::move(std::get<principal>(who));
}

} // namespace

std::optional<std::string> tenant_or_refuse(const api_context& ctx,
                                            const net::incoming& in,
                                            net::responder& reply, shape form) {
  auto caller = caller_or_refuse(ctx, in, reply, form);
  if (!caller)
    return std::nullopt;
  if (caller->tenant.empty()) {
    refuse_caller(ctx, reply, form, "admin_key", 403, "forbidden",
                  "key " + caller->key_id +
                      " is an admin key and speaks for no tenant: runs and "
                      "sessions are reached with a tenant's key");
    return std::nullopt;
  }
  return std::move(caller->tenant);
}

std::optional<std::string> admin_or_refuse(const api_context& ctx,
                                           const net::incoming& in,
                                           net::responder& reply) {
  auto caller = caller_or_refuse(ctx, in, reply, shape::warden);
  if (!caller)
    return std::nullopt;
  if (!caller->admin) {
    refuse_caller(ctx, reply, shape::warden, "not_admin", 403, "forbidden",
                  "key " + caller->key_id +
                      " is a tenant's key: operator endpoints take an admin "
                      "key (admin = true)");
    return std::nullopt;
  }
  return std::move(caller->key_id);
}

std::optional<owned_id> owned_id_or_refuse(const api_context& ctx,
                                           const net::incoming& in,
                                           const char* what,
                                           net::responder& reply) {
  auto tenant = tenant_or_refuse(ctx, in, reply);
  if (!tenant)
    return std::nullopt;
  auto text = in.param("id");
  if (auto id = parse_id(text))
    return owned_id{std::move(*tenant), *id};
  send_error(reply, refuse(404, "not_found",
                           std::string{"no "} + what + " " + std::string{text} +
                               " for tenant " + *tenant));
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
