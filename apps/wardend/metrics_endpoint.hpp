#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "config/settings.hpp"

namespace prometheus {
class Registry;
} // namespace prometheus

namespace warden::net {
class http_server;
} // namespace warden::net

namespace warden::apps {

/// The node's Prometheus endpoint: one registry served at GET /metrics in
/// the text format, with the endpoint's own connection counts
/// (warden_http_*{listener="metrics"}), on net::http_server, so that slow
/// or many clients cannot keep scrapes out ([metrics] bounds them).
/// Components fetch their metric handles from `registry()` once, at start.
/// Thread-safe as prometheus-cpp is: handles may be used from any thread.
class metrics_endpoint {
 public:
  ~metrics_endpoint();

  /// Starts serving on `settings.listen`; on failure returns null and sets
  /// `error` to a sentence naming the address.
  [[nodiscard]] static std::unique_ptr<metrics_endpoint>
  start(const config::metrics_settings& settings, std::string& error);

  /// The registry that /metrics serves.
  [[nodiscard]] prometheus::Registry& registry() noexcept { return *registry_; }

  /// The bound TCP port (the OS's choice when the configured port was 0).
  [[nodiscard]] std::uint16_t port() const;

 private:
  metrics_endpoint() = default;

  /// The exposition: the registry, then the endpoint's own counts.
  std::string render() const;

  // Declared before the server, which serves it and stops first.
  std::shared_ptr<prometheus::Registry> registry_;
  // Set once the server is up; a scrape that comes before reads no counts.
  std::atomic<const net::http_server*> server_view_{nullptr};
  std::unique_ptr<net::http_server> server_;
};

} // namespace warden::apps
