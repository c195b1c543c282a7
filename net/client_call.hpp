#pragma once

// What one http_client request carries and what it hands back: the
// request, the response's head, its body in pieces, and how it ended.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_types.hpp"

namespace warden::net {

/// Header fields as name and value, in order.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// One request to send. The client adds `Host` and `User-Agent: warden`
/// (unless given here), and `Content-Length` for a body; it never logs
/// the fields (they carry credentials).
struct client_request {
  /// The method. Default GET.
  method verb = method::get;
  /// The whole target, the origin's base path included
  /// (`url::target("/chat/completions")`).
  std::string target = "/";
  /// Fields added as given, after the client's own. `Content-Length` and
  /// `Transfer-Encoding` are the client's alone: given ones are dropped.
  header_list headers;
  /// The body; sent with `Content-Length` when not empty, or when the
  /// method is POST, PUT or PATCH.
  std::string body;
  /// The deadline of the whole exchange, from send() to the last byte of
  /// the response, waiting for a connection included; 0: none. Default 0.
  std::chrono::milliseconds timeout{0};
};

/// The status line and fields of a response.
struct response_head {
  /// The status code (200).
  unsigned status = 0;
  /// The fields in order, names lower-cased.
  header_list headers;

  /// The value of the first field named `name` (any case), or null.
  [[nodiscard]] const std::string* find(std::string_view name) const;
};

/// Why a request failed, each kind with what the caller may do.
enum class failure_kind {
  /// The host name did not resolve. Nothing was sent; retry later.
  dns,
  /// No TCP connection (refused, unreachable, or connect_timeout passed
  /// while connecting). Nothing was sent; retry later.
  connect,
  /// The TLS handshake failed (a certificate not trusted, a name that does
  /// not match, or connect_timeout passed during the handshake). Nothing
  /// was sent; retrying does not help until the setup changes.
  tls,
  /// The server closed or reset the connection before the response was
  /// complete. The request may have been processed: retry only what is
  /// safe to repeat.
  reset,
  /// client_request::timeout passed. The connection was closed; the
  /// request may have been processed.
  timeout,
  /// The response header or body is larger than the client's limits. The
  /// connection was closed.
  too_large,
  /// The response is not valid HTTP/1.1. The connection was closed.
  protocol,
  /// The caller cancelled the request (call_handle::cancel), or a response
  /// handler threw. The connection was closed.
  cancelled,
  /// max_waiting requests already wait for a connection to the origin;
  /// nothing was sent. Retry later.
  overloaded,
  /// The client stopped first. Nothing more will be sent.
  stopped,
  /// The request cannot be sent as given: its target or a field holds a
  /// character HTTP does not allow there (CR, LF, NUL, ...). Fix the
  /// request.
  invalid_request,
};

/// How many failure kinds there are.
inline constexpr std::size_t failure_kind_count = 11;

/// The kind's name as written in logs and metric labels ("too_large").
[[nodiscard]] std::string_view to_string(failure_kind kind) noexcept;

/// How a request failed.
struct client_failure {
  /// What went wrong, and so what the caller may do.
  failure_kind kind = failure_kind::reset;
  /// A sentence that names host:port and what failed ("TLS handshake with
  /// api.example.com:443 failed: certificate verify failed (unable to get
  /// local issuer certificate)"). Never holds header values.
  std::string message;
  /// Whether on_body had received bytes already: the body was cut.
  bool body_started = false;
};

/// What the client calls as a response arrives. They run on the client's
/// I/O threads, one after another for one request (and for every request
/// to the same origin), and must be cheap: hand the data on, do not block.
/// Each may be empty.
struct response_handlers {
  /// Once, when the status line and the fields have been read.
  std::function<void(const response_head&)> on_head;
  /// For each piece of the body as it arrives, de-chunked; the view is
  /// valid during the call only.
  std::function<void(std::string_view)> on_body;
  /// Exactly once per send(): nothing when the whole response was read,
  /// else how it failed (after cancel() or stop() too).
  std::function<void(std::optional<client_failure>)> on_done;
};

} // namespace warden::net
