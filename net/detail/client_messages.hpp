#pragma once

// The requests an http_client writes, the heads it hands over, and the
// sentences its failures carry: pure functions, no I/O.

#include <chrono>
#include <cstddef>
#include <string>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/client_call.hpp"
#include "net/url.hpp"

namespace warden::net::detail {

/// The request message as it goes on the wire.
using wire_request =
    boost::beast::http::request<boost::beast::http::string_body>;

/// Why `request` cannot be sent (a target or field with characters HTTP
/// does not allow there), or empty when it can.
[[nodiscard]] std::string check_request(const client_request& request);

/// The message for `request` to `origin`: its fields after Host and
/// User-Agent (unless the request gives them), its body with
/// Content-Length. The body is copied: a request sent again after a
/// kept-alive connection closed under it needs it once more.
[[nodiscard]] wire_request make_request(const url& origin,
                                        const client_request& request);

/// The head handed to on_head: status and fields, names lower-cased.
[[nodiscard]] response_head
make_head(const boost::beast::http::response_header<>& header);

/// A failure of `kind` with `message`.
[[nodiscard]] client_failure failure(failure_kind kind, std::string message);

/// The failure of a call aborted from outside its I/O: cancelled, timed
/// out after `timeout`, or stopped.
[[nodiscard]] client_failure abort_failure(failure_kind kind, const url& origin,
                                           std::chrono::milliseconds timeout);

/// The failure of setting up a connection to `origin`: resolving its
/// name (`kind` dns) or connecting (`kind` connect).
[[nodiscard]] client_failure setup_failure(failure_kind kind,
                                           boost::beast::error_code ec,
                                           const url& origin);

/// The failure of a connection to `origin` that was not ready within
/// `timeout`, in the step of `kind` (dns, connect or tls).
[[nodiscard]] client_failure setup_timeout(failure_kind kind, const url& origin,
                                           std::chrono::milliseconds timeout);

/// The failure of writing the request to `origin`.
[[nodiscard]] client_failure write_failure(boost::beast::error_code ec,
                                           const url& origin);

/// The failure of reading the response from `origin`, over the limits
/// `max_header_bytes` and `max_body_bytes` when the parser says so.
[[nodiscard]] client_failure read_failure(boost::beast::error_code ec,
                                          const url& origin,
                                          std::size_t max_header_bytes,
                                          std::size_t max_body_bytes);

/// The failure of the TLS handshake with `origin`: OpenSSL's reason and,
/// when the certificate failed verification (`verify_result`, from
/// SSL_get_verify_result, is not X509_V_OK), why.
[[nodiscard]] client_failure tls_failure(boost::beast::error_code ec,
                                         long verify_result, const url& origin);

} // namespace warden::net::detail
