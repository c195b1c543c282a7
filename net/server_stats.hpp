#pragma once

#include <cstdint>

namespace warden::net {

/// Counts of what an http_server has done since it started: a snapshot,
/// read while it runs. Counters only grow; `connections_open` is a gauge.
struct server_stats {
  /// Connections open now.
  std::uint64_t connections_open = 0;
  /// Connections accepted and served.
  std::uint64_t connections_accepted = 0;
  /// Connections closed at once because max_connections were open.
  std::uint64_t connections_refused = 0;
  /// Accepts that failed for lack of file descriptors or memory; each one
  /// pauses accepting for a backoff.
  std::uint64_t accept_failures = 0;
  /// Requests answered (whatever the status), counted as the answer
  /// starts out.
  std::uint64_t requests = 0;
  /// Connections cut off because a request header was not complete within
  /// header_timeout.
  std::uint64_t header_timeouts = 0;
  /// Connections cut off because a request body was not complete within
  /// body_timeout.
  std::uint64_t body_timeouts = 0;
  /// Kept-alive connections closed after idle_timeout without a request.
  std::uint64_t idle_timeouts = 0;
  /// Connections cut off because a response was not written within
  /// write_timeout.
  std::uint64_t write_timeouts = 0;
  /// Requests refused as too large (413 for the body, 431 for the header).
  std::uint64_t too_large = 0;
  /// Requests refused as malformed (400).
  std::uint64_t malformed = 0;
  /// Streamed responses cut off because their client fell more than
  /// server_options::max_stream_queue behind.
  std::uint64_t streams_cut = 0;
  /// HTTPS connections closed because their TLS handshake failed (a plain
  /// HTTP client, an unknown protocol version, no shared cipher).
  std::uint64_t tls_handshake_failures = 0;
};

} // namespace warden::net
