#include "net/detail/client_connection.hpp"

#include <cerrno>
#include <exception>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "net/detail/call.hpp"
#include "net/detail/client_core.hpp"
#include "net/detail/origin_pool.hpp"

namespace warden::net::detail {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

/// Prepares `ssl` for the server `host`: SNI carries a name (never an
/// address); with `verify`, the certificate must hold the name among its
/// DNS entries, or the address among its IP entries.
bool expect_name(SSL* ssl, const std::string& host, bool verify) {
  beast::error_code not_an_address;
  asio::ip::make_address(host, not_an_address);
  if (!not_an_address)
    return !verify || X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
                                                    host.c_str()) == 1;
  if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)
    return false;
  return !verify || SSL_set1_host(ssl, host.c_str()) == 1;
}

} // namespace

client_connection::client_connection(origin_pool& pool, std::uint64_t id)
    : pool_(pool),
      id_(id),
      resolver_(pool.strand()),
      socket_(pool.strand()),
      timer_(pool.strand()) {
  // nop
}

template <class Callback, class Argument>
bool client_connection::deliver(Callback& callback, const Argument& argument) {
  if (!callback)
    return true;
  std::string what;
  try {
    callback(argument);
    return true;
  } catch (const std::exception& thrown) {
    what = std::string{": "} + thrown.what();
  } catch (...) {
    // Nothing to tell about it.
  }
  fail(failure(failure_kind::cancelled, "a response handler of the request "
                                        "to " +
                                            pool_.origin.authority() +
                                            " threw" + what));
  return false;
}

void client_connection::open(std::shared_ptr<call> c) {
  current_ = std::move(c);
  current_->connection = this;
  phase_ = phase::resolving;
  start_timer(pool_.core().options.connect_timeout);
  const auto& origin = pool_.origin;
  resolver_.async_resolve(
      origin.host, std::to_string(origin.port),
      [self = shared_from_this()](beast::error_code ec,
                                  const tcp::resolver::results_type& found) {
        self->on_resolve(ec, found);
      });
}

void client_connection::reuse(std::shared_ptr<call> c) {
  ++timer_generation_;
  timer_.cancel();
  if (stale()) {
    // Closed by the server while idle: not a failure of the call, which
    // goes to a new connection.
    auto self = shared_from_this();
    shut();
    return pool_.replace(*this, std::move(c));
  }
  current_ = std::move(c);
  current_->connection = this;
  send_request();
}

void client_connection::idle() {
  phase_ = phase::idle;
  start_timer(pool_.core().options.idle_timeout);
}

void client_connection::abort(client_failure why) {
  if (phase_ != phase::closed)
    fail(std::move(why));
}

void client_connection::on_resolve(beast::error_code ec,
                                   const tcp::resolver::results_type& found) {
  if (phase_ == phase::closed)
    return;
  if (ec)
    return fail(setup_failure(failure_kind::dns, ec, pool_.origin));
  phase_ = phase::connecting;
  asio::async_connect(socket_, found,
                      [self = shared_from_this()](beast::error_code failure,
                                                  const tcp::endpoint&) {
                        self->on_connect(failure);
                      });
}

void client_connection::on_connect(beast::error_code ec) {
  if (phase_ == phase::closed)
    return;
  const auto& origin = pool_.origin;
  if (ec)
    return fail(setup_failure(failure_kind::connect, ec, origin));
  beast::error_code ignored;
  socket_.set_option(tcp::no_delay{true}, ignored);
  if (!origin.tls) {
    ++timer_generation_;
    timer_.cancel();
    return send_request();
  }
  std::string error;
  context_ = pool_.tls_context(error);
  if (!context_)
    return fail(failure(failure_kind::tls, "TLS handshake with " +
                                               origin.authority() +
                                               " failed: " + error));
  try {
    tls_ = std::make_unique<tls_stream>(std::move(socket_), *context_);
  } catch (const std::exception& failed) {
    return fail(failure(failure_kind::tls, "TLS handshake with " +
                                               origin.authority() +
                                               " failed: " + failed.what()));
  }
  if (!expect_name(tls_->native_handle(), origin.host, pool_.settings.verify))
    return fail(failure(failure_kind::tls, "TLS handshake with " +
                                               origin.authority() +
                                               " failed: cannot set the "
                                               "name to verify"));
  phase_ = phase::handshaking;
  tls_->async_handshake(asio::ssl::stream_base::client,
                        [self = shared_from_this()](beast::error_code failure) {
                          self->on_handshake(failure);
                        });
}

void client_connection::on_handshake(beast::error_code ec) {
  if (phase_ == phase::closed)
    return;
  if (ec)
    return fail(tls_failure(ec, SSL_get_verify_result(tls_->native_handle()),
                            pool_.origin));
  ++timer_generation_;
  timer_.cancel();
  send_request();
}

void client_connection::send_request() {
  phase_ = phase::writing;
  if (requests_++ > 0)
    ++pool_.core().counters.reused;
  request_.emplace(make_request(pool_.origin, current_->request));
  with_stream([this](auto& stream) {
    http::async_write(
        stream, *request_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          self->on_write(ec);
        });
  });
}

void client_connection::on_write(beast::error_code ec) {
  if (phase_ == phase::closed)
    return;
  request_.reset();
  // A kept-alive connection that the server closed just before the
  // request reached it: nothing of the request was read.
  if (ec)
    return fail(write_failure(ec, pool_.origin), requests_ > 1);
  read_head();
}

void client_connection::read_head() {
  phase_ = phase::reading_head;
  const auto& options = pool_.core().options;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(options.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(options.max_response_bytes);
  if (current_->request.verb == method::head)
    parser_->skip(true);
  with_stream([this](auto& stream) {
    http::async_read_header(
        stream, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          self->on_head(ec);
        });
  });
}

void client_connection::on_head(beast::error_code ec) {
  if (phase_ == phase::closed)
    return;
  const auto& options = pool_.core().options;
  if (ec) {
    // Retried only when not a byte of the response arrived on a
    // connection that carried a request before: the stale keep-alive race.
    bool untouched = !parser_->got_some() && buffer_.size() == 0;
    return fail(read_failure(ec, pool_.origin, options.max_header_bytes,
                             options.max_response_bytes),
                requests_ > 1 && untouched);
  }
  const auto& header = parser_->get();
  auto code = header.result_int();
  if (code >= 100 && code < 200 && code != 101)
    return read_head(); // interim (100 Continue, 103): the answer follows
  if (!deliver(current_->handlers.on_head, make_head(header)))
    return;
  if (parser_->is_done())
    return complete();
  read_body();
}

void client_connection::read_body() {
  phase_ = phase::reading_body;
  auto& body = parser_->get().body();
  body.data = piece_.data();
  body.size = piece_.size();
  with_stream([this](auto& stream) {
    http::async_read_some(
        stream, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          self->on_body(ec);
        });
  });
}

void client_connection::on_body(beast::error_code ec) {
  if (phase_ == phase::closed)
    return;
  if (ec == http::error::need_buffer)
    ec = {}; // the piece is full: hand it over, read on
  auto got = piece_.size() - parser_->get().body().size;
  if (got > 0) {
    current_->body_started = true;
    if (!deliver(current_->handlers.on_body,
                 std::string_view{piece_.data(), got}))
      return;
  }
  if (ec) {
    const auto& options = pool_.core().options;
    return fail(read_failure(ec, pool_.origin, options.max_header_bytes,
                             options.max_response_bytes));
  }
  if (parser_->is_done())
    return complete();
  read_body();
}

void client_connection::complete() {
  auto self = shared_from_this();
  auto c = std::move(current_);
  c->connection = nullptr;
  // Bytes beyond the response are none the client asked for: such a
  // connection is not trusted with another request.
  bool again =
      parser_->keep_alive() && buffer_.size() == 0 && !pool_.stopping();
  parser_.reset();
  // Back to the pool before on_done: a request sent from on_done finds
  // the connection idle.
  if (again) {
    phase_ = phase::idle;
    pool_.release(self);
  } else {
    shut(true);
    pool_.closed(*this);
  }
  pool_.finish(c, std::nullopt);
}

void client_connection::start_timer(std::chrono::milliseconds after) {
  auto generation = ++timer_generation_;
  timer_.expires_after(after);
  timer_.async_wait(
      [self = shared_from_this(), generation](beast::error_code ec) {
        if (!ec)
          self->on_timer(generation);
      });
}

void client_connection::on_timer(std::uint64_t generation) {
  if (generation != timer_generation_)
    return;
  const auto& origin = pool_.origin;
  auto timeout = pool_.core().options.connect_timeout;
  switch (phase_) {
  case phase::resolving:
    return fail(setup_timeout(failure_kind::dns, origin, timeout));
  case phase::connecting:
    return fail(setup_timeout(failure_kind::connect, origin, timeout));
  case phase::handshaking:
    return fail(setup_timeout(failure_kind::tls, origin, timeout));
  case phase::idle:
    return fail({}); // no call to end: closes
  default:
    return;
  }
}

void client_connection::fail(client_failure why, bool may_retry) {
  auto self = shared_from_this();
  auto c = std::move(current_);
  // An idle connection ends cleanly; one with a call cut short does not.
  shut(!c && phase_ == phase::idle);
  if (!c) {
    pool_.closed(*this);
    return;
  }
  c->connection = nullptr;
  if (may_retry && why.kind == failure_kind::reset && !c->retried) {
    c->retried = true;
    ++pool_.core().counters.retried;
    return pool_.replace(*this, std::move(c));
  }
  pool_.closed(*this);
  pool_.finish(c, std::move(why));
}

bool client_connection::stale() {
  auto& socket = tls_ ? tls_->next_layer() : socket_;
  char byte = 0;
  auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

void client_connection::shut(bool clean) {
  phase_ = phase::closed;
  ++timer_generation_;
  timer_.cancel();
  resolver_.cancel();
  if (clean && tls_ && tls_->next_layer().is_open()) {
    // close_notify, then the socket closes when the server answers with
    // its own or closes, or after a second at most. The handlers keep the
    // connection alive until then; the pool has already let it go.
    auto self = shared_from_this();
    timer_.expires_after(std::chrono::seconds{1});
    timer_.async_wait([self](beast::error_code ec) {
      if (ec != boost::asio::error::operation_aborted) {
        beast::error_code ignored;
        self->tls_->next_layer().close(ignored);
      }
    });
    tls_->async_shutdown([self](beast::error_code) {
      self->timer_.cancel();
      beast::error_code ignored;
      self->tls_->next_layer().close(ignored);
    });
    return;
  }
  beast::error_code ignored;
  auto& socket = tls_ ? tls_->next_layer() : socket_;
  socket.close(ignored);
}

} // namespace warden::net::detail
