#include "net/http_server.hpp"

#include <algorithm>
#include <cerrno>
#include <future>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/detail/connection.hpp"
#include "net/detail/server_core.hpp"
#include "net/detail/tls_contexts.hpp"

namespace warden::net {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

/// Whether a failed accept lacks a process- or system-wide resource: the
/// pending connection stays queued and the listening socket stays
/// readable, so accepting again at once would spin.
bool lacks_resources(const error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_memory ||
         ec == asio::error::no_buffer_space ||
         (ec.category() == boost::system::system_category() &&
          ec.value() == ENFILE);
}

/// The address to bind: a literal address, else the first resolved one.
tcp::endpoint resolve(asio::io_context& io, const server_options& options,
                      error_code& ec) {
  auto address = asio::ip::make_address(options.host, ec);
  if (!ec)
    return {address, options.port};
  tcp::resolver resolver{io};
  auto found = resolver.resolve(options.host, std::to_string(options.port),
                                tcp::resolver::passive, ec);
  if (ec)
    return {};
  return found.begin()->endpoint();
}

} // namespace

struct http_server::impl {
  impl(server_options options, router routes)
      : core(std::make_shared<detail::server_core>(std::move(options),
                                                   std::move(routes))),
        work(asio::make_work_guard(io)),
        accept_strand(asio::make_strand(io)),
        acceptor(accept_strand),
        backoff_timer(accept_strand),
        backoff(core->options.accept_backoff_min) {
    // nop
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(io),
                          [this](error_code ec, tcp::socket socket) {
                            on_accept(ec, std::move(socket));
                          });
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (!acceptor.is_open() || ec == asio::error::operation_aborted)
      return;
    if (ec) {
      if (!lacks_resources(ec))
        return accept(); // concerns that one connection only
      ++core->counters.accept_failures;
      backoff_timer.expires_after(backoff);
      backoff = std::min(backoff * 2, core->options.accept_backoff_max);
      backoff_timer.async_wait([this](error_code failure) {
        if (!failure && acceptor.is_open())
          accept();
      });
      return;
    }
    backoff = core->options.accept_backoff_min;
    auto c = std::make_shared<detail::connection>(std::move(socket),
                                                  tls_context(), core);
    // Refused (at the cap, or stopping): `c` closes its socket as it goes.
    if (auto id = core->admit(c); id != 0)
      c->start(id);
    accept();
  }

  /// The TLS context for a new connection; null for plain HTTP.
  std::shared_ptr<asio::ssl::context> tls_context() {
    std::lock_guard<std::mutex> guard{tls_mutex};
    return tls;
  }

  void run() {
    for (;;) {
      try {
        io.run();
        return;
      } catch (...) {
        // Handlers catch what they can; keep serving the rest.
      }
    }
  }

  std::shared_ptr<detail::server_core> core;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  asio::strand<asio::io_context::executor_type> accept_strand;
  tcp::acceptor acceptor;
  asio::steady_timer backoff_timer;
  std::chrono::milliseconds backoff;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  std::mutex tls_mutex;
  std::shared_ptr<asio::ssl::context> tls;
  std::mutex stop_mutex;
  bool stopped = false;
};

http_server::http_server(std::unique_ptr<impl> state)
    : impl_(std::move(state)) {
  // nop
}

http_server::~http_server() {
  stop();
}

std::unique_ptr<http_server>
http_server::start(server_options options, router routes, std::string& error) {
  auto address = options.host + ":" + std::to_string(options.port);
  auto threads = std::max<std::size_t>(options.threads, 1);
  auto state = std::make_unique<impl>(std::move(options), std::move(routes));
  const auto& tls = state->core->options.tls;
  if (!tls.cert_file.empty()) {
    state->tls = detail::make_server_context(tls, error);
    if (!state->tls)
      return nullptr;
  }
  error_code ec;
  auto endpoint = resolve(state->io, state->core->options, ec);
  auto& acceptor = state->acceptor;
  if (!ec)
    acceptor.open(endpoint.protocol(), ec);
  // A restarted server binds its port again while connections of the
  // previous process linger in TIME_WAIT.
  if (!ec)
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec)
    acceptor.bind(endpoint, ec);
  if (!ec)
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec)
    state->port = acceptor.local_endpoint(ec).port();
  if (ec) {
    error = "cannot listen on " + address + ": " + ec.message();
    return nullptr;
  }
  auto* raw = state.get();
  asio::post(raw->accept_strand, [raw] { raw->accept(); });
  for (std::size_t i = 0; i < threads; ++i)
    raw->threads.emplace_back([raw] { raw->run(); });
  return std::unique_ptr<http_server>{new http_server{std::move(state)}};
}

std::uint16_t http_server::port() const noexcept {
  return impl_->port;
}

bool http_server::secure() const noexcept {
  return !impl_->core->options.tls.cert_file.empty();
}

bool http_server::reload_tls(std::string& error) {
  if (!secure()) {
    error = "the server speaks plain HTTP: it has no certificate to reload";
    return false;
  }
  auto fresh = detail::make_server_context(impl_->core->options.tls, error);
  if (!fresh)
    return false;
  std::lock_guard<std::mutex> guard{impl_->tls_mutex};
  impl_->tls = std::move(fresh);
  return true;
}

server_stats http_server::stats() const {
  return impl_->core->stats();
}

void http_server::stop() {
  std::lock_guard<std::mutex> guard{impl_->stop_mutex};
  if (impl_->stopped)
    return;
  impl_->stopped = true;
  auto& state = *impl_;
  std::promise<void> closed;
  asio::post(state.accept_strand, [&state, &closed] {
    error_code ignored;
    state.acceptor.close(ignored);
    state.backoff_timer.cancel();
    closed.set_value();
  });
  closed.get_future().wait();
  auto deadline =
      std::chrono::steady_clock::now() + state.core->options.stop_grace;
  for (auto& c : state.core->begin_stop())
    c->shutdown();
  if (!state.core->wait_drained(deadline)) {
    for (auto& c : state.core->begin_stop())
      c->abort();
    // Aborted connections end as soon as their strand runs.
    state.core->wait_drained(std::chrono::steady_clock::now() +
                             std::chrono::seconds{1});
  }
  state.work.reset();
  state.io.stop();
  for (auto& thread : state.threads)
    thread.join();
  state.core->close();
}

} // namespace warden::net
