#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

namespace warden::net {

/// A request as read from the wire: the whole body in memory (bounded by
/// server_options::max_body_bytes).
using request = boost::beast::http::request<boost::beast::http::string_body>;

/// A response with its whole body in memory.
using response = boost::beast::http::response<boost::beast::http::string_body>;

/// HTTP method.
using method = boost::beast::http::verb;

/// HTTP status code.
using status = boost::beast::http::status;

/// A segment of the path that a route's pattern captured: `{id}` of
/// "/v1/runs/{id}" matching "/v1/runs/42" is {"id", "42"}. The value is the
/// segment as sent (not percent-decoded), never empty, without '/'.
struct path_param {
  std::string_view name;
  std::string_view value;
};

/// What a handler gets: the request, its target split into path and query,
/// and the path parameters its route captured.
struct incoming {
  /// The request, header and body.
  const request& message;
  /// The target's path, without the query ("/metrics").
  std::string_view path;
  /// The target's query, without the '?'; empty when there is none.
  std::string_view query;
  /// The path parameters, in the order of the route's pattern.
  std::vector<path_param> params{};

  /// The value of path parameter `name`; empty when the route has none.
  [[nodiscard]] std::string_view param(std::string_view name) const noexcept;
};

/// A response with `code`, a text body and its content type, answering a
/// request of HTTP version `version` (11 for HTTP/1.1).
[[nodiscard]] response make_response(status code, std::string body,
                                     std::string_view content_type,
                                     unsigned version = 11);

/// A plain-text response whose body is the reason phrase of `code`.
[[nodiscard]] response make_error_response(status code, unsigned version = 11);

} // namespace warden::net
