#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "net/http_types.hpp"

namespace warden::net {

/// One answer as it starts out, for an observer (metrics, access logs).
struct answered {
  /// The request's method.
  method verb = method::unknown;
  /// The pattern of the route that took the request ("/v1/runs/{id}");
  /// empty when none did (404, 405) or the request was refused before
  /// routing (400, 413, 431).
  std::string_view route;
  /// The answer's status code.
  unsigned status = 0;
  /// From the request's header being read to its answer starting out.
  std::chrono::steady_clock::duration elapsed{};
};

/// The certificate an http_server presents for HTTPS: PEM files read at
/// start and again on http_server::reload_tls().
struct server_tls {
  /// The server's certificate, then the chain up to (not including) its
  /// root. Empty: plain HTTP. Default empty.
  std::string cert_file;
  /// The certificate's private key, unencrypted. Default empty.
  std::string key_file;
};

/// How an http_server listens and what it tolerates from clients. Plain
/// values with defaults; the caller validates (config/ does for wardend).
struct server_options {
  /// Address to bind; the loopback interface unless configured.
  std::string host = "127.0.0.1";
  /// TCP port; 0 asks the OS for an ephemeral port. Default 0.
  std::uint16_t port = 0;
  /// HTTPS when tls.cert_file is set (TLS 1.2 or later; the handshake
  /// counts against header_timeout); plain HTTP otherwise.
  server_tls tls;
  /// Threads running the server's io_context. Default 1.
  std::size_t threads = 1;
  /// Connections open at once; a connection accepted beyond it is closed
  /// at once, unread. Default 256.
  std::size_t max_connections = 256;
  /// From a connection's accept, or from the first byte of a request on a
  /// kept-alive connection, until its header is complete; a client that
  /// dribbles its header is cut off. Default 10 s.
  std::chrono::milliseconds header_timeout{10'000};
  /// From the end of a request's header until its body is complete.
  /// Default 10 s.
  std::chrono::milliseconds body_timeout{10'000};
  /// How long a kept-alive connection may wait for its next request's
  /// first byte. Default 60 s.
  std::chrono::milliseconds idle_timeout{60'000};
  /// How long writing one response may take. Default 10 s.
  std::chrono::milliseconds write_timeout{10'000};
  /// Largest request header (request line and fields), in bytes; beyond
  /// it the answer is 431 and the connection closes. Default 8 KiB.
  std::uint32_t max_header_bytes = 8 * 1024;
  /// Largest request body, in bytes; beyond it the answer is 413 and the
  /// connection closes. Default 1 MiB.
  std::uint64_t max_body_bytes = 1024 * 1024;
  /// Bytes a streamed response (responder::stream) may have queued and not
  /// yet written; a client that falls further behind is cut off. Default
  /// 1 MiB.
  std::size_t max_stream_queue = 1024 * 1024;
  /// First wait after accept fails for lack of file descriptors (or
  /// memory); it doubles up to `accept_backoff_max` while the failure
  /// lasts. Default 10 ms.
  std::chrono::milliseconds accept_backoff_min{10};
  /// Longest wait between two accepts that failed for lack of resources.
  /// Default 500 ms.
  std::chrono::milliseconds accept_backoff_max{500};
  /// How long stop() lets requests being handled or written finish before
  /// it closes their connections. Default 5 s.
  std::chrono::milliseconds stop_grace{5'000};
  /// Called for every answer as it starts out, on the connection's I/O
  /// thread: it must be cheap and thread-safe, and must not throw. Default
  /// none.
  std::function<void(const answered&)> on_answer;
};

} // namespace warden::net
