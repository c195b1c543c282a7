#pragma once

#include <string>
#include <string_view>

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

/// What a handler gets: the request and its target split into path and
/// query. Matched path parameters will live here when routes get them.
struct incoming {
  /// The request, header and body.
  const request& message;
  /// The target's path, without the query ("/metrics").
  std::string_view path;
  /// The target's query, without the '?'; empty when there is none.
  std::string_view query;
};

/// A response with `code`, a text body and its content type, answering a
/// request of HTTP version `version` (11 for HTTP/1.1).
[[nodiscard]] response make_response(status code, std::string body,
                                     std::string_view content_type,
                                     unsigned version = 11);

/// A plain-text response whose body is the reason phrase of `code`.
[[nodiscard]] response make_error_response(status code, unsigned version = 11);

} // namespace warden::net
