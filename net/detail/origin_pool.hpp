#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>

#include "net/client_call.hpp"
#include "net/client_options.hpp"
#include "net/url.hpp"

namespace warden::net::detail {

class call;
class client_connection;
class client_core;

/// The connections to one origin (scheme, host, port, TLS settings) and
/// the calls waiting for one. Everything here runs on the pool's strand,
/// which its connections, timers and callbacks share: no lock, no race.
/// Only strand() and the constants may be used from other threads.
class origin_pool : public std::enable_shared_from_this<origin_pool> {
 public:
  /// The strand type of the pool.
  using strand_type =
      boost::asio::strand<boost::asio::io_context::executor_type>;

  origin_pool(client_core& core, url origin, tls_settings settings);

  /// The strand everything of this pool runs on; thread-safe.
  [[nodiscard]] const strand_type& strand() const noexcept { return strand_; }

  /// The origin; constant.
  const url origin;
  /// How a TLS server is checked; constant.
  const tls_settings settings;

  /// The client's core.
  [[nodiscard]] client_core& core() noexcept { return core_; }

  /// Sends `c` on an idle connection, a new one within the bound, or
  /// queues it; fails it when it cannot be sent or too many wait.
  void submit(std::shared_ptr<call> c);

  /// Ends `c` unless it ended already: takes it from the queue or has its
  /// connection closed, then finishes it with `kind` (cancelled, timeout,
  /// stopped).
  void abort(const std::shared_ptr<call>& c, failure_kind kind);

  /// Fails the queue and every call on a connection (stopped), closes
  /// every connection, and refuses everything from now on.
  void stop();

  /// Whether stop() ran.
  [[nodiscard]] bool stopping() const noexcept { return stopping_; }

  /// From a connection whose response was read completely and which can
  /// carry another: the next waiting call gets it, else the idle list.
  void release(const std::shared_ptr<client_connection>& connection);

  /// From a connection that closed: its place goes to the next waiting
  /// call, on a new connection.
  void closed(const client_connection& connection);

  /// From a connection that closed with `c` unsent or unanswered: `c`
  /// goes at once to a new connection, which takes the closed one's place.
  void replace(const client_connection& connection, std::shared_ptr<call> c);

  /// Calls on_done of `c` (nothing: the response was complete), once;
  /// drops its deadline and callbacks.
  void finish(const std::shared_ptr<call>& c,
              std::optional<client_failure> failure);

  /// The OpenSSL context for this origin's settings, or null with `error`.
  std::shared_ptr<boost::asio::ssl::context> tls_context(std::string& error);

 private:
  /// Opens a new connection for `c`.
  void open(std::shared_ptr<call> c);

  /// Forgets `connection` (open and idle lists, gauges).
  void forget(const client_connection& connection);

  client_core& core_;
  strand_type strand_;
  std::unordered_map<std::uint64_t, std::shared_ptr<client_connection>> open_;
  std::vector<std::shared_ptr<client_connection>> idle_;
  std::deque<std::shared_ptr<call>> waiting_;
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
};

} // namespace warden::net::detail
