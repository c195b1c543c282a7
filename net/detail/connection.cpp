#include "net/detail/connection.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "net/detail/server_core.hpp"

namespace warden::net::detail {

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;

/// What the first read of a kept-alive connection asks for.
constexpr std::size_t first_read_bytes = 1024;

/// After the last answer on a connection: how long, and how many bytes, a
/// closing connection reads and discards so that the client gets the
/// answer (closing with unread bytes sends a reset, which can destroy it).
constexpr std::chrono::milliseconds linger_time{1'000};
constexpr std::size_t linger_bytes = 1024 * 1024;

constexpr std::string_view continue_text = "HTTP/1.1 100 Continue\r\n\r\n";

/// The first byte of a TLS client's first record (a handshake record).
constexpr unsigned char tls_handshake_record = 0x16;

/// The answer to plain HTTP on an HTTPS port, in plain HTTP.
constexpr std::string_view plain_http_body =
    "This port speaks HTTPS: ask for https://.\n";
const std::string plain_http_text = "HTTP/1.1 400 Bad Request\r\n"
                                    "Content-Type: text/plain\r\n"
                                    "Content-Length: " +
                                    std::to_string(plain_http_body.size()) +
                                    "\r\n"
                                    "Connection: close\r\n"
                                    "\r\n" +
                                    std::string{plain_http_body};

/// Whether `ec` ends a request that the client left unfinished or never
/// started: nothing to answer.
bool client_left(beast::error_code ec) {
  return ec == http::error::end_of_stream ||
         ec == http::error::partial_message || ec == boost::asio::error::eof ||
         ec == boost::asio::error::connection_reset ||
         ec == boost::asio::error::operation_aborted ||
         ec == boost::asio::ssl::error::stream_truncated;
}

} // namespace

connection::connection(boost::asio::ip::tcp::socket socket,
                       std::shared_ptr<boost::asio::ssl::context> tls,
                       std::shared_ptr<server_core> core)
    : stream_(std::move(socket), std::move(tls)), core_(std::move(core)) {
  // nop
}

void connection::start(std::uint64_t id) {
  boost::asio::post(stream_.get_executor(), [self = shared_from_this(), id] {
    self->id_ = id;
    if (!self->stream_.secure())
      return self->read_request();
    // The handshake is part of the first request's header: the header
    // deadline covers both. Its first bytes are read here, to tell a
    // plain HTTP client what went wrong.
    self->stream_.lowest().expires_after(self->core_->options.header_timeout);
    self->stream_.lowest().async_read_some(
        self->buffer_.prepare(first_read_bytes),
        beast::bind_front_handler(&connection::on_hello, self));
  });
}

void connection::on_hello(beast::error_code ec, std::size_t n) {
  if (ec)
    return fail(ec);
  buffer_.commit(n);
  auto first = static_cast<const unsigned char*>(buffer_.data().data())[0];
  if (first != tls_handshake_record) {
    ++core_->counters.tls_handshake_failures;
    phase_ = phase::writing;
    boost::asio::async_write(
        stream_.lowest(),
        boost::asio::buffer(plain_http_text.data(), plain_http_text.size()),
        [self = shared_from_this()](beast::error_code, std::size_t) {
          self->linger();
        });
    return;
  }
  stream_.tls().async_handshake(
      boost::asio::ssl::stream_base::server, buffer_.data(),
      beast::bind_front_handler(&connection::on_handshake, shared_from_this()));
}

void connection::on_handshake(beast::error_code ec, std::size_t used) {
  if (ec && ec != beast::error::timeout && !client_left(ec))
    ++core_->counters.tls_handshake_failures;
  if (ec)
    return fail(ec);
  buffer_.consume(used);
  handshaken_ = true;
  read_request();
}

void connection::shutdown() {
  boost::asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    // A request being handled or answered finishes (without keep-alive);
    // one not fully read is not owed an answer.
    if (self->phase_ == phase::idle || self->phase_ == phase::header ||
        self->phase_ == phase::body)
      self->stream_.lowest().close();
    // A stream may last for ever: it ends now, with what it has queued.
    if (self->phase_ == phase::streaming) {
      self->channel_->open = false;
      self->stream_ending_ = true;
      self->pump_stream();
    }
  });
}

void connection::abort() {
  boost::asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    self->stream_.lowest().close();
    // Nothing is pending while a handler works or a stream waits for its
    // next piece: end here.
    if (self->phase_ == phase::handling ||
        (self->phase_ == phase::streaming && !self->stream_writing_))
      self->finish();
  });
}

void connection::deliver(std::uint64_t sequence, response answer) {
  boost::asio::post(
      stream_.get_executor(), [self = shared_from_this(), sequence,
                               answer = std::move(answer)]() mutable {
        if (self->phase_ == phase::handling && self->sequence_ == sequence)
          self->write(std::move(answer), self->keep_alive_);
      });
}

void connection::begin_stream(std::uint64_t sequence, response header,
                              std::shared_ptr<stream_channel> channel) {
  boost::asio::post(stream_.get_executor(), [self = shared_from_this(),
                                             sequence,
                                             header = std::move(header),
                                             channel =
                                                 std::move(channel)]() mutable {
    if (self->phase_ != phase::handling || self->sequence_ != sequence) {
      channel->open = false;
      return;
    }
    if (self->head_) {
      // The header a GET would get; nothing follows.
      channel->open = false;
      header.body().clear();
      return self->write(std::move(header), self->keep_alive_);
    }
    self->note_answer(header.result_int());
    self->phase_ = phase::streaming;
    self->channel_ = std::move(channel);
    // The request's version decides the framing, whatever the header
    // says.
    auto version = self->parser_->get().version();
    self->chunked_ = version >= 11;
    http::response<http::empty_body> head{header.result(), version};
    for (const auto& field : header.base())
      head.set(field.name_string(), field.value());
    head.keep_alive(self->keep_alive_ && !self->stopping_ && self->chunked_);
    if (self->chunked_)
      head.chunked(true);
    self->stream_header_.emplace(std::move(head));
    self->stream_serializer_.emplace(*self->stream_header_);
    self->header_sent_ = false;
    self->stream_writing_ = true;
    self->stream_.lowest().expires_after(self->core_->options.write_timeout);
    http::async_write_header(
        self->stream_, *self->stream_serializer_,
        beast::bind_front_handler(&connection::on_stream_write, self));
  });
}

template <class Action>
void connection::on_stream(std::uint64_t sequence, Action action) {
  boost::asio::post(
      stream_.get_executor(), [self = shared_from_this(), sequence,
                               action = std::move(action)]() mutable {
        if (self->phase_ == phase::streaming && self->sequence_ == sequence)
          action(*self);
      });
}

void connection::stream_piece(std::uint64_t sequence, std::string piece) {
  on_stream(sequence, [piece = std::move(piece)](connection& c) mutable {
    if (c.stream_ending_)
      return;
    c.pieces_.push_back(std::move(piece));
    c.pump_stream();
  });
}

void connection::end_stream(std::uint64_t sequence) {
  on_stream(sequence, [](connection& c) {
    c.stream_ending_ = true;
    c.pump_stream();
  });
}

void connection::cut_stream(std::uint64_t sequence) {
  on_stream(sequence, [](connection& c) {
    c.channel_->open = false;
    c.stream_.lowest().close();
    // A write in flight fails and ends the connection; otherwise end here.
    if (!c.stream_writing_)
      c.finish();
  });
}

void connection::pump_stream() {
  if (stream_writing_)
    return;
  if (!pieces_.empty()) {
    stream_writing_ = true;
    stream_.lowest().expires_after(core_->options.write_timeout);
    auto piece = boost::asio::buffer(pieces_.front());
    auto done = beast::bind_front_handler(&connection::on_stream_write,
                                          shared_from_this());
    if (chunked_)
      boost::asio::async_write(stream_, http::make_chunk(piece),
                               std::move(done));
    else
      boost::asio::async_write(stream_, piece, std::move(done));
    return;
  }
  if (!stream_ending_) {
    // Waiting for the next piece may take long: the write deadline is for
    // writes only.
    stream_.lowest().expires_never();
    return;
  }
  auto done =
      beast::bind_front_handler(&connection::on_stream_end, shared_from_this());
  if (!chunked_) {
    // HTTP/1.0: the body ends with the connection.
    return done(beast::error_code{}, 0);
  }
  stream_writing_ = true;
  stream_.lowest().expires_after(core_->options.write_timeout);
  boost::asio::async_write(stream_, http::make_chunk_last(), std::move(done));
}

void connection::on_stream_write(beast::error_code ec, std::size_t) {
  stream_writing_ = false;
  if (ec)
    return fail(ec);
  if (!header_sent_) {
    header_sent_ = true;
  } else {
    channel_->queued -= pieces_.front().size();
    pieces_.pop_front();
  }
  pump_stream();
}

void connection::on_stream_end(beast::error_code ec, std::size_t) {
  stream_writing_ = false;
  if (ec)
    return fail(ec);
  channel_->open = false;
  bool again = stream_header_->keep_alive() && !stopping_;
  stream_serializer_.reset();
  stream_header_.reset();
  pieces_.clear();
  stream_ending_ = false;
  if (!again)
    return linger();
  read_request();
}

void connection::read_request() {
  if (stopping_)
    return linger();
  parser_.emplace();
  parser_->header_limit(core_->options.max_header_bytes);
  parser_->body_limit(core_->options.max_body_bytes);
  // The header deadline runs from the accept for a new connection, and
  // from the first byte of the next request on a kept-alive one.
  if (sequence_ == 0 || buffer_.size() > 0)
    return read_header();
  phase_ = phase::idle;
  stream_.lowest().expires_after(core_->options.idle_timeout);
  stream_.async_read_some(buffer_.prepare(first_read_bytes),
                          beast::bind_front_handler(&connection::on_first_bytes,
                                                    shared_from_this()));
}

void connection::on_first_bytes(beast::error_code ec, std::size_t n) {
  if (ec)
    return fail(ec);
  buffer_.commit(n);
  read_header();
}

void connection::read_header() {
  phase_ = phase::header;
  stream_.lowest().expires_after(core_->options.header_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&connection::on_header, shared_from_this()));
}

void connection::on_header(beast::error_code ec, std::size_t) {
  started_ = std::chrono::steady_clock::now();
  route_ = {};
  // Unknown until the request line is read; set before a failure, since a
  // header refused for its Content-Length was read whole.
  verb_ = parser_->get().method();
  if (ec)
    return fail(ec);
  if (parser_->is_done())
    return dispatch();
  phase_ = phase::body;
  stream_.lowest().expires_after(core_->options.body_timeout);
  auto read_body = [self = shared_from_this()] {
    http::async_read(self->stream_, self->buffer_, *self->parser_,
                     beast::bind_front_handler(&connection::on_body, self));
  };
  // A client that asked may wait (curl: 1 s) for leave to send its body.
  if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
    boost::asio::async_write(
        stream_,
        boost::asio::buffer(continue_text.data(), continue_text.size()),
        [self = shared_from_this(), read_body](beast::error_code failure,
                                               std::size_t) {
          if (failure)
            return self->fail(failure);
          read_body();
        });
    return;
  }
  read_body();
}

void connection::on_body(beast::error_code ec, std::size_t) {
  if (ec)
    return fail(ec);
  dispatch();
}

void connection::dispatch() {
  phase_ = phase::handling;
  stream_.lowest().expires_never();
  ++sequence_;
  const auto& message = parser_->get();
  keep_alive_ = message.keep_alive();
  head_ = message.method() == method::head;
  auto target = message.target();
  std::string_view whole{target.data(), target.size()};
  auto mark = whole.find('?');
  auto path = whole.substr(0, mark);
  auto query = mark == std::string_view::npos ? std::string_view{}
                                              : whole.substr(mark + 1);
  auto match = core_->routes.match(message.method(), path);
  if (match.target == nullptr) {
    auto answer = make_error_response(match.failure, message.version());
    if (!match.allow.empty())
      answer.set(http::field::allow, match.allow);
    return write(std::move(answer), keep_alive_);
  }
  route_ = match.route;
  auto reply = core_->make_responder(id_, sequence_, message.version());
  try {
    (*match.target)(incoming{message, path, query, std::move(match.params)},
                    std::move(reply));
  } catch (...) {
    // The responder, destroyed with the handler's frame, answered 500.
  }
}

void connection::note_answer(unsigned status) {
  ++core_->counters.requests;
  if (const auto& observe = core_->options.on_answer) {
    answered seen;
    seen.verb = verb_;
    seen.route = route_;
    seen.status = status;
    seen.elapsed = std::chrono::steady_clock::now() - started_;
    observe(seen);
  }
}

void connection::write(response answer, bool keep_alive) {
  phase_ = phase::writing;
  note_answer(answer.result_int());
  answer.keep_alive(keep_alive && !stopping_);
  answer.prepare_payload();
  if (head_) {
    // The header a GET would get, without the body.
    auto length = answer.body().size();
    answer.body().clear();
    answer.content_length(length);
  }
  answer_.emplace(std::move(answer));
  stream_.lowest().expires_after(core_->options.write_timeout);
  http::async_write(
      stream_, *answer_,
      beast::bind_front_handler(&connection::on_write, shared_from_this()));
}

void connection::on_write(beast::error_code ec, std::size_t) {
  if (ec)
    return fail(ec);
  bool again = answer_->keep_alive();
  answer_.reset();
  if (!again)
    return linger();
  read_request();
}

void connection::fail(beast::error_code ec) {
  auto& counters = core_->counters;
  if (ec == beast::error::timeout) {
    // The stream has closed the socket.
    switch (phase_) {
    case phase::idle:
      ++counters.idle_timeouts;
      break;
    case phase::header:
      ++counters.header_timeouts;
      break;
    case phase::body:
      ++counters.body_timeouts;
      break;
    case phase::writing:
    case phase::streaming:
      ++counters.write_timeouts;
      break;
    case phase::handling:
    case phase::closing:
      break;
    }
    return finish();
  }
  bool reading = phase_ == phase::header || phase_ == phase::body;
  if (!reading || client_left(ec))
    return finish();
  if (ec == http::error::header_limit) {
    ++counters.too_large;
    return write(make_error_response(status::request_header_fields_too_large),
                 false);
  }
  if (ec == http::error::body_limit) {
    ++counters.too_large;
    return write(make_error_response(status::payload_too_large), false);
  }
  if (ec.category() ==
      http::make_error_code(http::error::bad_method).category()) {
    ++counters.malformed;
    return write(make_error_response(status::bad_request), false);
  }
  finish();
}

void connection::linger() {
  phase_ = phase::closing;
  if (handshaken_) {
    // TLS ends with close_notify, which tells the client that the answer
    // is whole (an HTTP/1.0 stream ends with the connection); the wait
    // for the client's close_notify in return is bounded.
    stream_.lowest().expires_after(std::min<std::chrono::milliseconds>(
        linger_time, core_->options.header_timeout));
    stream_.tls().async_shutdown(
        [self = shared_from_this()](beast::error_code) { self->finish(); });
    return;
  }
  beast::error_code ignored;
  stream_.lowest().socket().shutdown(
      boost::asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.lowest().expires_after(std::min<std::chrono::milliseconds>(
      linger_time, core_->options.header_timeout));
  buffer_.clear();
  stream_.async_read_some(
      buffer_.prepare(first_read_bytes),
      beast::bind_front_handler(&connection::on_linger, shared_from_this()));
}

void connection::on_linger(beast::error_code ec, std::size_t n) {
  lingered_ += n;
  if (ec || lingered_ > linger_bytes)
    return finish();
  stream_.async_read_some(
      buffer_.prepare(first_read_bytes),
      beast::bind_front_handler(&connection::on_linger, shared_from_this()));
}

void connection::finish() {
  if (channel_)
    channel_->open = false;
  if (id_ == 0)
    return;
  beast::error_code ignored;
  stream_.lowest().socket().close(ignored);
  core_->forget(id_);
  id_ = 0;
}

} // namespace warden::net::detail
