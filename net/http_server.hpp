#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "net/router.hpp"
#include "net/server_options.hpp"
#include "net/server_stats.hpp"

namespace warden::net {

/// An asynchronous HTTP/1.1 server (Boost.Beast) on threads of its own,
/// speaking HTTPS when its options name a certificate.
/// It serves the routes it was started with, keeps connections alive,
/// bounds what a client may hold (connections, time per request phase,
/// request size: server_options), and when accept fails for lack of file
/// descriptors it waits and tries again rather than spinning.
///
/// A connection accepted beyond max_connections is closed at once, unread:
/// answering it 503 would mean reading its request and writing to a client
/// that may be slow, the very cost the cap bounds, and closing with its
/// request unread resets the connection anyway, destroying the 503.
///
/// start(), port() and stats() are thread-safe; stop() must not be called
/// from a handler.
class http_server {
 public:
  /// Binds `options.host:options.port` and starts serving `routes`. On
  /// failure returns null and sets `error` to a sentence naming the address
  /// or the TLS file that failed.
  [[nodiscard]] static std::unique_ptr<http_server>
  start(server_options options, router routes, std::string& error);

  /// Stops (see stop()).
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The bound TCP port (the OS's choice when the configured one was 0).
  [[nodiscard]] std::uint16_t port() const noexcept;

  /// Whether the server speaks HTTPS.
  [[nodiscard]] bool secure() const noexcept;

  /// Reads the certificate and key files again (a renewed certificate):
  /// connections accepted from now on present the new one, those open keep
  /// theirs. When the files do not load, keeps the current certificate and
  /// returns false with `error` naming the file and why. Thread-safe.
  bool reload_tls(std::string& error);

  /// Counts of connections, requests and cut-offs so far.
  [[nodiscard]] server_stats stats() const;

  /// Stops accepting, closes idle connections, lets requests being handled
  /// or answered finish for up to options.stop_grace, closes the rest and
  /// joins the server's threads. Idempotent; blocks until done.
  void stop();

 private:
  struct impl;
  explicit http_server(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

} // namespace warden::net
