#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "net/client_call.hpp"
#include "net/detail/client_messages.hpp"

namespace warden::net::detail {

class call;
class origin_pool;

/// One connection of an origin pool: resolves, connects and (for https)
/// handshakes, then carries one call at a time: writes its request, reads
/// the head and hands the body over piece by piece as it arrives. Between
/// calls it waits in the pool's idle list. Everything runs on the pool's
/// strand; the pool owns the connection while it is open.
class client_connection
    : public std::enable_shared_from_this<client_connection> {
 public:
  client_connection(origin_pool& pool, std::uint64_t id);

  /// The pool's handle of this connection.
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }

  /// Sets up the connection, then carries `c`.
  void open(std::shared_ptr<call> c);

  /// Carries `c` on this kept-alive connection; when the server closed it
  /// meanwhile, hands `c` to a new connection instead.
  void reuse(std::shared_ptr<call> c);

  /// Waits, idle, for reuse() until the idle timeout closes it.
  void idle();

  /// Closes the connection now; its call, if any, ends with `why`.
  void abort(client_failure why);

 private:
  enum class phase {
    resolving,
    connecting,
    handshaking,
    writing,
    reading_head,
    reading_body,
    idle,
    closed
  };

  using tcp = boost::asio::ip::tcp;
  using tls_stream = boost::beast::ssl_stream<tcp::socket>;

  /// Runs `step` with the stream requests go over: TLS or plain.
  template <class Step>
  void with_stream(Step&& step) {
    if (tls_)
      step(*tls_);
    else
      step(socket_);
  }

  void on_resolve(boost::beast::error_code ec,
                  const tcp::resolver::results_type& found);
  void on_connect(boost::beast::error_code ec);
  void on_handshake(boost::beast::error_code ec);
  void send_request();
  void on_write(boost::beast::error_code ec);
  void read_head();
  void on_head(boost::beast::error_code ec);
  void read_body();
  void on_body(boost::beast::error_code ec);
  void complete();
  void start_timer(std::chrono::milliseconds after);
  void on_timer(std::uint64_t generation);
  /// Calls a response callback; false (and the call aborted) if it threw.
  template <class Callback, class Argument>
  bool deliver(Callback& callback, const Argument& argument);
  /// Ends the current call with `why` (or sends it again on a new
  /// connection when `may_retry` and it was not sent again yet) and
  /// closes the connection.
  void fail(client_failure why, bool may_retry = false);
  /// Whether the server closed the idle connection or sent on it.
  bool stale();
  /// Closes the connection; `clean` (no response cut short) sends TLS
  /// close_notify first, so the server sees an end the client meant
  /// rather than a truncation (RFC 8446, section 6.1).
  void shut(bool clean = false);

  origin_pool& pool_;
  std::uint64_t id_;
  phase phase_ = phase::resolving;
  std::shared_ptr<call> current_;
  std::uint64_t requests_ = 0;
  std::uint64_t timer_generation_ = 0;
  tcp::resolver resolver_;
  tcp::socket socket_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::unique_ptr<tls_stream> tls_;
  boost::asio::steady_timer timer_;
  std::optional<wire_request> request_;
  boost::beast::flat_buffer buffer_;
  std::optional<
      boost::beast::http::response_parser<boost::beast::http::buffer_body>>
      parser_;
  std::array<char, 16 * 1024> piece_;
};

} // namespace warden::net::detail
