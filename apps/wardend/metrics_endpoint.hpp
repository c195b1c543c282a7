#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "net/server_stats.hpp"

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

  /// Publishes another HTTP listener's counts as warden_http_*
  /// {listener=`name`} from now on; `stats` is called on each scrape, from
  /// the endpoint's thread, until remove_listener(`name`) returns.
  void add_listener(std::string name, std::function<net::server_stats()> stats);

  /// Stops publishing listener `name`; once this returns, its `stats` is
  /// not called again.
  void remove_listener(const std::string& name);

 private:
  metrics_endpoint() = default;

  /// The exposition: the registry, then the endpoint's own counts.
  std::string render() const;

  /// Listeners other than this endpoint's own (add_listener).
  struct listener {
    std::string name;
    std::function<net::server_stats()> stats;
  };

  // Declared before the server, which serves it and stops first.
  std::shared_ptr<prometheus::Registry> registry_;
  // Guards listeners_; held while their counts are read.
  mutable std::mutex listeners_mutex_;
  std::vector<listener> listeners_;
  // Set once the server is up; a scrape that comes before reads no counts.
  std::atomic<const net::http_server*> server_view_{nullptr};
  std::unique_ptr<net::http_server> server_;
};

} // namespace warden::apps
