#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace warden::net {

/// How an http_client checks a TLS server. Part of the pool key: requests
/// with other settings never share a connection.
struct tls_settings {
  /// Whether the server's certificate chain and name are verified. Off
  /// only when set so explicitly (a test server, a pinned network).
  /// Default true.
  bool verify = true;
  /// A PEM file of the certificate authorities to trust; empty: the
  /// system's store. Default empty.
  std::string ca_file;
};

/// How an http_client runs and what it accepts from servers. Plain values
/// with defaults; http_client::start() refuses values that cannot work.
struct client_options {
  /// Threads running the client's I/O and callbacks. Default 1.
  std::size_t threads = 1;
  /// Connections to one origin (scheme, host, port, TLS settings) open at
  /// once, idle ones included; requests beyond it wait, first come first
  /// served, for one to be free. At least 1. Default 64.
  std::size_t max_connections_per_origin = 64;
  /// Requests that may wait for a connection to one origin; a request
  /// beyond it fails at once (failure_kind::overloaded). Default 4096.
  std::size_t max_waiting = 4096;
  /// From the start of a new connection until it can carry a request:
  /// name resolution, TCP connect and TLS handshake together. At least
  /// 1 ms. Default 10 s.
  std::chrono::milliseconds connect_timeout{10'000};
  /// How long a kept-alive connection waits, idle, for its next request
  /// before it is closed. Default 30 s.
  std::chrono::milliseconds idle_timeout{30'000};
  /// Largest response body, in bytes (after de-chunking); a larger one
  /// fails the request (failure_kind::too_large) and closes the
  /// connection. Default 16 MiB.
  std::size_t max_response_bytes = std::size_t{16} << 20;
  /// Largest response header (status line and fields), in bytes; beyond
  /// it the request fails as too_large. Default 64 KiB.
  std::size_t max_header_bytes = std::size_t{64} << 10;
};

} // namespace warden::net
