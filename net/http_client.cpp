#include "net/http_client.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "net/detail/call.hpp"
#include "net/detail/client_core.hpp"

namespace warden::net {

call_handle::call_handle(std::shared_ptr<detail::call> state) noexcept
    : call_(std::move(state)) {
  // nop
}

void call_handle::cancel() const {
  if (!call_ || call_->done)
    return;
  if (auto core = call_->core.lock())
    core->cancel(call_);
}

bool call_handle::done() const noexcept {
  return call_ && call_->done;
}

http_client::http_client(std::shared_ptr<detail::client_core> core)
    : core_(std::move(core)) {
  // nop
}

http_client::~http_client() {
  stop();
}

std::unique_ptr<http_client> http_client::start(client_options options,
                                                std::string& error) {
  if (options.max_connections_per_origin == 0) {
    error = "max_connections_per_origin must be at least 1";
    return nullptr;
  }
  if (options.connect_timeout.count() <= 0) {
    error = "connect_timeout must be at least 1 ms";
    return nullptr;
  }
  if (options.idle_timeout.count() <= 0) {
    error = "idle_timeout must be at least 1 ms";
    return nullptr;
  }
  auto threads = std::max<std::size_t>(options.threads, 1);
  auto core = std::make_shared<detail::client_core>(std::move(options));
  try {
    core->run(threads);
  } catch (const std::exception& failure) {
    error = std::string{"cannot start the HTTP client's threads: "} +
            failure.what();
    core->stop();
    return nullptr;
  }
  return std::unique_ptr<http_client>{new http_client{std::move(core)}};
}

call_handle http_client::send(const url& origin, const tls_settings& tls,
                              client_request outgoing,
                              response_handlers handlers) {
  return call_handle{
      core_->send(origin, tls, std::move(outgoing), std::move(handlers))};
}

client_stats http_client::stats() const {
  return core_->stats();
}

void http_client::stop() {
  core_->stop();
}

} // namespace warden::net
