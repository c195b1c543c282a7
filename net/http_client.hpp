#pragma once

#include <memory>
#include <string>

#include "net/client_call.hpp"
#include "net/client_options.hpp"
#include "net/client_stats.hpp"
#include "net/url.hpp"

namespace warden::net {

namespace detail {
class call;
class client_core;
} // namespace detail

/// Cancels the request it was returned for. Copyable; every copy refers to
/// the same request. Thread-safe.
class call_handle {
 public:
  /// A handle that refers to no request: cancel() does nothing.
  call_handle() = default;

  /// Aborts the request unless it ended already: the connection is closed
  /// (never pooled half-read) and on_done gets failure_kind::cancelled.
  /// Idempotent; never blocks; safe after the client stopped or is gone.
  void cancel() const;

  /// Whether on_done has been called (or is being called).
  [[nodiscard]] bool done() const noexcept;

 private:
  friend class http_client;
  explicit call_handle(std::shared_ptr<detail::call> state) noexcept;
  std::shared_ptr<detail::call> call_;
};

/// An asynchronous HTTP/1.1 client (Boost.Beast, OpenSSL) on threads of its
/// own. Connections to each origin (scheme, host, port, TLS settings) are
/// pooled and kept alive, bounded per origin; requests beyond the bound
/// wait first come, first served. Responses are handed over as they
/// arrive: the head, then the body in pieces, then the end.
///
/// All of an origin's connections and callbacks run on one strand, so its
/// callbacks never run concurrently; other origins run in parallel when
/// there are several threads. send(), stats() and call_handle are
/// thread-safe and never block; stop() blocks and must not be called from
/// a callback.
class http_client {
 public:
  /// Starts the client's threads. On options that cannot work returns null
  /// and sets `error` to a sentence naming the option.
  [[nodiscard]] static std::unique_ptr<http_client>
  start(client_options options, std::string& error);

  /// Stops (see stop()).
  ~http_client();

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends `outgoing` to `origin` (its host, port and scheme: the base
  /// path is already part of outgoing.target), checking a TLS server as `tls`
  /// says (ignored for http). Returns at once; `handlers` get the
  /// response on the client's threads. After stop(), on_done gets
  /// failure_kind::stopped at once, on the calling thread.
  call_handle send(const url& origin, const tls_settings& tls,
                   client_request outgoing, response_handlers handlers);

  /// Counts of connections and requests so far.
  [[nodiscard]] client_stats stats() const;

  /// Fails waiting and unfinished requests (failure_kind::stopped, each
  /// on_done exactly once), closes every connection and joins the
  /// client's threads. Idempotent; blocks until done.
  void stop();

 private:
  explicit http_client(std::shared_ptr<detail::client_core> core);
  std::shared_ptr<detail::client_core> core_;
};

} // namespace warden::net
