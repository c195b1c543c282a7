#include "bench/provider/latency_server.hpp"

#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/http_server.hpp"

namespace warden::bench {

namespace {

constexpr const char* completion_body =
    R"({"id":"bench","object":"chat.completion","model":"bench-model",)"
    R"("choices":[{"index":0,"finish_reason":"stop","message":)"
    R"({"role":"assistant","content":"The answer."}}],)"
    R"("usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}})";

} // namespace

struct latency_server::impl {
  std::chrono::microseconds latency;
  /// The timers run here, not on the server's threads: a delayed answer
  /// holds no server thread.
  boost::asio::io_context timers;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
      timers.get_executor()};
  std::thread timer_thread;
  std::unique_ptr<net::http_server> server;

  void answer_later(net::responder reply) {
    auto timer = std::make_shared<boost::asio::steady_timer>(timers, latency);
    auto held = std::make_shared<net::responder>(std::move(reply));
    timer->async_wait([this, timer, held](const boost::system::error_code&) {
      held->send(net::make_response(net::status::ok, completion_body,
                                    "application/json", held->version()));
    });
  }
};

latency_server::latency_server(std::unique_ptr<impl> state)
    : impl_(std::move(state)) {}

latency_server::~latency_server() {
  impl_->server->stop();
  impl_->work.reset();
  impl_->timers.stop();
  impl_->timer_thread.join();
}

std::unique_ptr<latency_server>
latency_server::start(std::chrono::microseconds latency, std::string& error) {
  auto state = std::make_unique<impl>();
  state->latency = latency;
  auto* self = state.get();
  net::router routes;
  if (!routes.add(net::method::post, "/v1/chat/completions",
                  [self](const net::incoming&, net::responder reply) {
                    self->answer_later(std::move(reply));
                  })) {
    error = "cannot add the route";
    return nullptr;
  }
  net::server_options options;
  options.max_connections = 4096;
  state->server = net::http_server::start(options, std::move(routes), error);
  if (!state->server)
    return nullptr;
  state->timer_thread = std::thread{[self] { self->timers.run(); }};
  return std::unique_ptr<latency_server>{new latency_server(std::move(state))};
}

std::string latency_server::base_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->server->port()) + "/v1";
}

} // namespace warden::bench
