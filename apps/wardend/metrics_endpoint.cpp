#include "apps/wardend/metrics_endpoint.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "apps/wardend/listener_metrics.hpp"
#include "net/http_server.hpp"

namespace warden::apps {

namespace {

/// The content type of the Prometheus text format.
constexpr const char* exposition_type = "text/plain; version=0.0.4";

net::server_options options_of(const config::metrics_settings& settings) {
  using std::chrono::milliseconds;
  net::server_options options;
  options.host = settings.listen.host;
  options.port = settings.listen.port;
  // Rendering takes about a millisecond; one thread serves every scraper.
  options.threads = 1;
  options.max_connections = settings.max_connections;
  // Scrapes carry no body: its deadline is the header's.
  options.header_timeout = milliseconds{settings.header_timeout_ms};
  options.body_timeout = milliseconds{settings.header_timeout_ms};
  options.idle_timeout = milliseconds{settings.idle_timeout_ms};
  options.write_timeout = milliseconds{settings.write_timeout_ms};
  options.max_header_bytes = settings.max_request_bytes;
  options.max_body_bytes = settings.max_request_bytes;
  return options;
}

} // namespace

metrics_endpoint::~metrics_endpoint() {
  // Stop serving before the registry is released.
  server_.reset();
}

std::unique_ptr<metrics_endpoint>
metrics_endpoint::start(const config::metrics_settings& settings,
                        std::string& error) {
  std::unique_ptr<metrics_endpoint> result{new metrics_endpoint};
  result->registry_ = std::make_shared<prometheus::Registry>();
  net::router routes;
  auto* self = result.get();
  auto added = routes.add_sync(
      net::method::get, "/metrics", [self](const net::incoming& in) {
        return net::make_response(net::status::ok, self->render(),
                                  exposition_type, in.message.version());
      });
  if (!added) {
    error = "cannot route /metrics";
    return nullptr;
  }
  std::string failure;
  result->server_ =
      net::http_server::start(options_of(settings), std::move(routes), failure);
  if (!result->server_) {
    error = "cannot serve metrics: " + failure;
    return nullptr;
  }
  result->server_view_ = result->server_.get();
  return result;
}

std::uint16_t metrics_endpoint::port() const {
  return server_->port();
}

void metrics_endpoint::add_listener(std::string name,
                                    std::function<net::server_stats()> stats) {
  std::lock_guard<std::mutex> guard{listeners_mutex_};
  listeners_.push_back({std::move(name), std::move(stats)});
}

void metrics_endpoint::remove_listener(const std::string& name) {
  std::lock_guard<std::mutex> guard{listeners_mutex_};
  listeners_.erase(
      std::remove_if(listeners_.begin(), listeners_.end(),
                     [&](const listener& x) { return x.name == name; }),
      listeners_.end());
}

std::string metrics_endpoint::render() const {
  auto families = registry_->Collect();
  std::vector<listener_stats> counts;
  if (const auto* server = server_view_.load())
    counts.push_back({"metrics", server->stats()});
  {
    std::lock_guard<std::mutex> guard{listeners_mutex_};
    for (const auto& other : listeners_)
      counts.push_back({other.name, other.stats()});
  }
  append_listener_metrics(families, counts);
  append_fd_metrics(families);
  return prometheus::TextSerializer{}.Serialize(families);
}

} // namespace warden::apps
