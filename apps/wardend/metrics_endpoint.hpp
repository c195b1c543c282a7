#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/settings.hpp"

namespace prometheus {
class Exposer;
class Registry;
} // namespace prometheus

namespace warden::apps {

/// The node's Prometheus endpoint: one registry served at /metrics.
/// Components fetch their metric handles from `registry()` once, at start.
/// Thread-safe as prometheus-cpp is: handles may be used from any thread.
class metrics_endpoint {
 public:
  ~metrics_endpoint();

  /// Starts serving on `listen`; on failure returns null and sets `error` to
  /// a sentence naming the address.
  [[nodiscard]] static std::unique_ptr<metrics_endpoint>
  start(const config::endpoint& listen, std::string& error);

  /// The registry that /metrics serves.
  [[nodiscard]] prometheus::Registry& registry() noexcept { return *registry_; }

  /// The bound TCP port (the OS's choice when the configured port was 0).
  [[nodiscard]] std::uint16_t port() const;

 private:
  metrics_endpoint() = default;

  // Declared before the exposer: the exposer holds only a weak_ptr to it, and
  // must stop serving before the registry goes away.
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

} // namespace warden::apps
