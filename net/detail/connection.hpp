#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>

#include "net/detail/server_stream.hpp"
#include "net/http_types.hpp"
#include "net/response_stream.hpp"

namespace warden::net::detail {

class server_core;

/// One accepted connection (plain, or TLS after a handshake under the
/// header deadline): reads a request under the header and body deadlines, hands
/// it to its route, writes the answer under the write deadline, and waits for
/// the next one under the idle deadline. Every step runs on the connection's
/// strand; the public functions are thread-safe (they post to it).
class connection : public std::enable_shared_from_this<connection> {
 public:
  /// Takes `socket`, whose executor must be a strand; speaks TLS with
  /// `tls` unless it is null.
  connection(boost::asio::ip::tcp::socket socket,
             std::shared_ptr<boost::asio::ssl::context> tls,
             std::shared_ptr<server_core> core);

  /// Starts reading the first request; `id` is the core's handle.
  void start(std::uint64_t id);

  /// Stops reading new requests: closes the connection now unless a
  /// request is being handled or answered, which then ends it.
  void shutdown();

  /// Closes the connection now, whatever it does.
  void abort();

  /// Writes `answer` if the connection still waits for request `sequence`.
  void deliver(std::uint64_t sequence, response answer);

  /// Starts a streamed answer to request `sequence` with `header`, if the
  /// connection still waits for it; otherwise closes `channel`.
  void begin_stream(std::uint64_t sequence, response header,
                    std::shared_ptr<stream_channel> channel);

  /// Queues `piece` on the stream answering request `sequence`.
  void stream_piece(std::uint64_t sequence, std::string piece);

  /// Ends the stream answering request `sequence` once its pieces are sent.
  void end_stream(std::uint64_t sequence);

  /// Closes the connection now if it streams the answer to `sequence`.
  void cut_stream(std::uint64_t sequence);

 private:
  enum class phase {
    idle,
    header,
    body,
    handling,
    writing,
    streaming,
    closing
  };

  void on_hello(boost::beast::error_code ec, std::size_t n);
  void on_handshake(boost::beast::error_code ec, std::size_t used);
  void read_request();
  void read_header();
  void on_first_bytes(boost::beast::error_code ec, std::size_t n);
  void on_header(boost::beast::error_code ec, std::size_t n);
  void on_body(boost::beast::error_code ec, std::size_t n);
  void dispatch();
  void write(response answer, bool keep_alive);
  void on_write(boost::beast::error_code ec, std::size_t n);
  void note_answer(unsigned status);
  /// Runs `action` on the strand if the connection still streams the
  /// answer to request `sequence`.
  template <class Action>
  void on_stream(std::uint64_t sequence, Action action);
  void pump_stream();
  void on_stream_write(boost::beast::error_code ec, std::size_t n);
  void on_stream_end(boost::beast::error_code ec, std::size_t n);
  void fail(boost::beast::error_code ec);
  void linger();
  void on_linger(boost::beast::error_code ec, std::size_t n);
  void finish();

  server_stream stream_;
  std::shared_ptr<server_core> core_;
  boost::beast::flat_buffer buffer_;
  std::optional<
      boost::beast::http::request_parser<boost::beast::http::string_body>>
      parser_;
  std::optional<response> answer_;
  /// A streamed answer: its header, its pieces not yet written (the front
  /// one is being written while stream_writing_), and what it shares with
  /// its response_stream.
  std::optional<boost::beast::http::response<boost::beast::http::empty_body>>
      stream_header_;
  std::optional<
      boost::beast::http::response_serializer<boost::beast::http::empty_body>>
      stream_serializer_;
  std::deque<std::string> pieces_;
  std::shared_ptr<stream_channel> channel_;
  /// Whether the TLS handshake succeeded: closing then says close_notify.
  bool handshaken_ = false;
  bool header_sent_ = false;
  bool stream_writing_ = false;
  bool stream_ending_ = false;
  /// HTTP/1.1: chunked; HTTP/1.0: the body ends with the connection.
  bool chunked_ = false;
  std::uint64_t id_ = 0;
  std::uint64_t sequence_ = 0;
  std::size_t lingered_ = 0;
  phase phase_ = phase::header;
  /// The current request's method, route pattern and start, for
  /// options.on_answer.
  method verb_ = method::unknown;
  std::string_view route_;
  std::chrono::steady_clock::time_point started_{};
  bool keep_alive_ = false;
  bool head_ = false;
  bool stopping_ = false;
};

} // namespace warden::net::detail
