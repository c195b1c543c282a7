#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "config/settings.hpp"

#include "api/keys.hpp"

namespace prometheus {
class Registry;
} // namespace prometheus

namespace warden::net {
class http_server;
} // namespace warden::net

namespace warden::apps {

class metrics_endpoint;

/// The node's HTTP API ([api]): the run resources of api/routes.hpp on a
/// net::http_server of its own threads (HTTPS with [api] tls_cert), its keys
/// from [api.keys.<id>] (reloaded on SIGHUP), and its metrics in the node's
/// registry:
///
/// - warden_api_requests_total{route, method, status}: answers by route
///   pattern (ids never become labels; "unmatched" for 404/405 and
///   requests refused before routing);
/// - warden_api_request_duration_seconds{route, method}: from the request's
///   header to its answer starting out;
/// - warden_api_auth_failures_total{reason}: missing, malformed, unknown,
///   no_keys, admin_key;
/// - warden_api_keys: keys in force;
/// - warden_http_*{listener="api"}: connections open, refused at the cap,
///   cut off at a deadline (via the metrics endpoint).
class api_endpoint {
 public:
  ~api_endpoint();

  /// Starts serving `settings.api.listen`, asking `node` in `system` (and
  /// `mcp_servers` for operators). On failure returns null and sets
  /// `error` to a sentence naming the address. `metrics` must outlive the
  /// endpoint.
  [[nodiscard]] static std::unique_ptr<api_endpoint>
  start(const config::settings& settings, caf::actor_system& system,
        caf::actor node, std::map<std::string, caf::actor> mcp_servers,
        metrics_endpoint& metrics, std::string& error);

  /// The bound TCP port (the OS's choice when the configured port was 0).
  [[nodiscard]] std::uint16_t port() const;

  /// Whether the API speaks HTTPS ([api] tls_cert and tls_key).
  [[nodiscard]] bool secure() const;

  /// Reads the certificate and key files again, at the paths it started
  /// with; new connections present the new certificate. When they do not
  /// load, the current one stays and `error` says why. Thread-safe.
  bool reload_tls(std::string& error);

  /// Puts the keys of `settings` in force in place of the current ones;
  /// requests that were let in keep their answer. Thread-safe.
  void reload_keys(const config::api_settings& settings);

  /// Keys in force.
  [[nodiscard]] std::size_t key_count() const;

  /// Stops accepting, lets requests being answered finish (a few seconds
  /// at most) and closes every connection. Idempotent.
  void stop();

 private:
  api_endpoint() = default;

  std::shared_ptr<const api::key_table> keys() const;

  metrics_endpoint* metrics_ = nullptr;
  mutable std::mutex keys_mutex_;
  std::shared_ptr<const api::key_table> keys_;
  struct instruments;
  std::shared_ptr<instruments> instruments_;
  std::unique_ptr<net::http_server> server_;
};

/// The key table of `settings.keys` (a validated configuration: every
/// digest is 64 hex digits).
[[nodiscard]] api::key_table key_table_of(const config::api_settings& settings);

} // namespace warden::apps
