#include "net/http_types.hpp"

#include <utility>

#include <boost/beast/http/field.hpp>

namespace warden::net {

std::string_view incoming::param(std::string_view name) const noexcept {
  for (const auto& p : params)
    if (p.name == name)
      return p.value;
  return {};
}

response make_response(status code, std::string body,
                       std::string_view content_type, unsigned version) {
  response result{code, version};
  result.set(
      boost::beast::http::field::content_type,
      boost::beast::string_view{content_type.data(), content_type.size()});
  result.body() = std::move(body);
  result.prepare_payload();
  return result;
}

response make_error_response(status code, unsigned version) {
  auto reason = boost::beast::http::obsolete_reason(code);
  std::string body{reason.data(), reason.size()};
  body += '\n';
  return make_response(code, std::move(body), "text/plain; charset=utf-8",
                       version);
}

} // namespace warden::net
