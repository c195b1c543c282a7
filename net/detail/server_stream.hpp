#pragma once

#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace warden::net::detail {

/// An accepted connection's byte stream: plain TCP, or TLS over it. It is
/// an Asio AsyncStream either way, so Beast reads and writes HTTP on it
/// alike; deadlines and closing go to the TCP stream beneath (lowest()).
/// Used on the connection's strand only.
class server_stream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;

  /// Plain TCP when `tls` is null; otherwise TLS with that context, which
  /// the stream keeps alive.
  server_stream(boost::asio::ip::tcp::socket socket,
                std::shared_ptr<boost::asio::ssl::context> tls);

  /// Whether the stream speaks TLS.
  [[nodiscard]] bool secure() const noexcept { return tls_.has_value(); }

  /// The TCP stream beneath: its deadline, its socket.
  boost::beast::tcp_stream& lowest() noexcept {
    return tls_ ? boost::beast::get_lowest_layer(*tls_) : *plain_;
  }

  executor_type get_executor() noexcept { return lowest().get_executor(); }

  /// The TLS stream; only when secure().
  boost::beast::ssl_stream<boost::beast::tcp_stream>& tls() noexcept {
    return *tls_;
  }

  template <class Buffers, class Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_)
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    else
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
  }

  template <class Buffers, class Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_)
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    else
      plain_->async_write_some(buffers, std::forward<Handler>(handler));
  }

 private:
  /// The context outlives every stream made with it, even after a reload
  /// put another in its place.
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
};

} // namespace warden::net::detail
