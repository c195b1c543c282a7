#include "net/detail/client_messages.hpp"

#include <algorithm>
#include <cctype>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

namespace warden::net::detail {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

/// Whether `c` may stand in a field name (RFC 9110 tchar).
bool token_char(char c) {
  if (std::isalnum(static_cast<unsigned char>(c)) != 0)
    return true;
  return std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

/// Whether `c` may stand in a field value: no control character but tab.
bool value_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 0x20 && u != 0x7f) || c == '\t';
}

/// Whether `c` may stand in a request target: visible ASCII.
bool target_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f;
}

bool iequals(std::string_view a, std::string_view b) {
  return beast::iequals(beast::string_view{a.data(), a.size()},
                        beast::string_view{b.data(), b.size()});
}

/// Whether `ec` says that the server closed or reset the connection.
bool cut(beast::error_code ec) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::connection_aborted || ec == asio::error::broken_pipe ||
      ec == asio::ssl::error::stream_truncated)
    return true;
  // OpenSSL 3 reports a close without close_notify this way; Asio 1.74
  // knows only the older form (stream_truncated).
  return ec.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) ==
             SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

/// The name of the setup step of `kind`, for sentences.
std::string step(failure_kind kind, const url& origin) {
  switch (kind) {
  case failure_kind::dns:
    return "resolving " + origin.authority();
  case failure_kind::tls:
    return "TLS handshake with " + origin.authority();
  default:
    return "connecting to " + origin.authority();
  }
}

} // namespace

std::string check_request(const client_request& request) {
  const auto& target = request.target;
  if (target.empty() || target.front() != '/' ||
      !std::all_of(target.begin(), target.end(), target_char))
    return "its target is not a path of visible characters";
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), token_char))
      return "a field name holds characters a name cannot hold";
    if (!std::all_of(value.begin(), value.end(), value_char))
      return "a field value holds CR, LF, NUL or another control character";
  }
  return {};
}

wire_request make_request(const url& origin, const client_request& request) {
  wire_request result{request.verb, request.target, 11};
  auto given = [&request](std::string_view name) {
    return std::any_of(
        request.headers.begin(), request.headers.end(),
        [name](const auto& field) { return iequals(field.first, name); });
  };
  if (!given("host"))
    result.set(http::field::host, origin.host_field());
  if (!given("user-agent"))
    result.set(http::field::user_agent, "warden");
  for (const auto& [name, value] : request.headers) {
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding"))
      continue;
    result.insert(beast::string_view{name.data(), name.size()}, value);
  }
  auto verb = request.verb;
  if (!request.body.empty() || verb == method::post || verb == method::put ||
      verb == method::patch)
    result.content_length(request.body.size());
  result.body() = request.body;
  return result;
}

response_head make_head(const http::response_header<>& header) {
  response_head result;
  result.status = header.result_int();
  for (const auto& field : header) {
    auto name = field.name_string();
    auto value = field.value();
    std::string lowered{name.data(), name.size()};
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    result.headers.emplace_back(std::move(lowered),
                                std::string{value.data(), value.size()});
  }
  return result;
}

client_failure failure(failure_kind kind, std::string message) {
  client_failure result;
  result.kind = kind;
  result.message = std::move(message);
  return result;
}

client_failure abort_failure(failure_kind kind, const url& origin,
                             std::chrono::milliseconds timeout) {
  auto where = origin.authority();
  switch (kind) {
  case failure_kind::timeout:
    return failure(kind, "no complete response from " + where + " within " +
                             std::to_string(timeout.count()) + " ms");
  case failure_kind::stopped:
    return failure(kind, "the HTTP client stopped before the response from " +
                             where + " was complete");
  default:
    return failure(kind, "the request to " + where + " was cancelled");
  }
}

client_failure setup_failure(failure_kind kind, beast::error_code ec,
                             const url& origin) {
  return failure(kind, step(kind, origin) + " failed: " + ec.message());
}

client_failure setup_timeout(failure_kind kind, const url& origin,
                             std::chrono::milliseconds timeout) {
  return failure(kind, step(kind, origin) +
                           " failed: not done within the connect timeout (" +
                           std::to_string(timeout.count()) + " ms)");
}

client_failure write_failure(beast::error_code ec, const url& origin) {
  return failure(failure_kind::reset, "sending the request to " +
                                          origin.authority() +
                                          " failed: " + ec.message());
}

client_failure read_failure(beast::error_code ec, const url& origin,
                            std::size_t max_header_bytes,
                            std::size_t max_body_bytes) {
  auto where = origin.authority();
  if (ec == http::error::header_limit)
    return failure(failure_kind::too_large,
                   "the response header from " + where + " is larger than " +
                       std::to_string(max_header_bytes) + " bytes");
  if (ec == http::error::body_limit)
    return failure(failure_kind::too_large,
                   "the response body from " + where + " is larger than " +
                       std::to_string(max_body_bytes) + " bytes");
  if (cut(ec))
    return failure(failure_kind::reset,
                   where +
                       " closed the connection before the response was "
                       "complete (" +
                       ec.message() + ")");
  if (ec.category() ==
      http::make_error_code(http::error::bad_version).category())
    return failure(failure_kind::protocol, "the response from " + where +
                                               " is not valid HTTP/1.1 (" +
                                               ec.message() + ")");
  return failure(failure_kind::reset, "reading the response from " + where +
                                          " failed: " + ec.message());
}

client_failure tls_failure(beast::error_code ec, long verify_result,
                           const url& origin) {
  auto message = step(failure_kind::tls, origin) + " failed: " + ec.message();
  if (verify_result != X509_V_OK)
    message +=
        std::string{" ("} + X509_verify_cert_error_string(verify_result) + ")";
  return failure(failure_kind::tls, std::move(message));
}

} // namespace warden::net::detail
