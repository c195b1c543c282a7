#include "tests/net/tls_server.hpp"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace warden::net::test {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

/// `openssl` arguments for a new P-256 key without a passphrase.
constexpr const char* new_key =
    "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

/// One accepted connection: handshake, then answer requests until the
/// client closes.
struct session : std::enable_shared_from_this<session> {
  session(tcp::socket socket, asio::ssl::context& context,
          std::atomic<std::size_t>& handshakes,
          std::atomic<std::size_t>& clean_closes)
      : stream(std::move(socket), context),
        handshakes(handshakes),
        clean_closes(clean_closes) {
    // nop
  }

  void start() {
    stream.async_handshake(asio::ssl::stream_base::server,
                           [self = shared_from_this()](beast::error_code ec) {
                             if (ec)
                               return;
                             ++self->handshakes;
                             self->read();
                           });
  }

  void read() {
    request = {};
    http::async_read(
        stream, buffer, request,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          // The client's close_notify reads as the end of the stream; a
          // close without it as a truncation.
          if (ec == http::error::end_of_stream)
            ++self->clean_closes;
          if (!ec)
            self->answer();
        });
  }

  void answer() {
    response = {http::status::ok, 11};
    response.body() = "secure";
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    http::async_write(
        stream, response,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (!ec && self->response.keep_alive())
            self->read();
        });
  }

  beast::ssl_stream<tcp::socket> stream;
  std::atomic<std::size_t>& handshakes;
  std::atomic<std::size_t>& clean_closes;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response<http::string_body> response;
};

} // namespace

test_pki::test_pki() {
  char pattern[] = "/tmp/warden-pki-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    error_ = "cannot make a temporary folder";
    return;
  }
  dir_ = pattern;
  std::ofstream{dir_ + "/local.ext"}
      << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  std::ofstream{dir_ + "/elsewhere.ext"}
      << "subjectAltName=DNS:elsewhere.test\n";
  auto ca = [this](const std::string& name) {
    return run(std::string{"openssl req -x509 "} + new_key + " -keyout " +
               name + ".key -out " + name + ".pem -days 2 -subj /CN=" + name);
  };
  auto leaf = [this](const std::string& name) {
    return run(std::string{"openssl req "} + new_key + " -keyout " + name +
               ".key -out " + name + ".csr -subj /CN=" + name) &&
           run("openssl x509 -req -in " + name +
               ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out " +
               name + ".pem -extfile " + name + ".ext");
  };
  if (ca("ca") && ca("other-ca") && leaf("local"))
    leaf("elsewhere");
}

test_pki::~test_pki() {
  if (!dir_.empty())
    std::system(("rm -rf " + dir_).c_str());
}

bool test_pki::run(const std::string& command) {
  auto line = "cd " + dir_ + " && " + command + " >>openssl.log 2>&1";
  if (std::system(line.c_str()) == 0)
    return true;
  error_ = "failed: " + command + " (see " + dir_ + "/openssl.log)";
  return false;
}

struct tls_server::impl {
  impl() : context(asio::ssl::context::tls_server), acceptor(io) {
    // nop
  }

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec)
        return;
      std::make_shared<session>(std::move(socket), context, handshakes,
                                clean_closes)
          ->start();
      accept();
    });
  }

  // The context outlives the io_context, whose end takes the sessions.
  asio::ssl::context context;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::thread thread;
  std::atomic<std::size_t> handshakes{0};
  std::atomic<std::size_t> clean_closes{0};
  std::uint16_t port = 0;
  std::string error;
};

tls_server::tls_server(const std::string& cert_file,
                       const std::string& key_file)
    : impl_(std::make_unique<impl>()) {
  auto& state = *impl_;
  beast::error_code ec;
  state.context.use_certificate_chain_file(cert_file, ec);
  if (!ec)
    state.context.use_private_key_file(key_file, asio::ssl::context::pem, ec);
  tcp::endpoint local{asio::ip::make_address("127.0.0.1"), 0};
  if (!ec)
    state.acceptor.open(local.protocol(), ec);
  if (!ec)
    state.acceptor.bind(local, ec);
  if (!ec)
    state.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec)
    state.port = state.acceptor.local_endpoint(ec).port();
  if (ec) {
    state.error = "cannot serve TLS: " + ec.message();
    return;
  }
  state.accept();
  state.thread = std::thread{[&state] { state.io.run(); }};
}

tls_server::~tls_server() {
  impl_->io.stop();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

const std::string& tls_server::error() const noexcept {
  return impl_->error;
}

std::uint16_t tls_server::port() const noexcept {
  return impl_->port;
}

std::size_t tls_server::handshakes() const noexcept {
  return impl_->handshakes;
}

std::size_t tls_server::clean_closes() const noexcept {
  return impl_->clean_closes;
}

} // namespace warden::net::test
