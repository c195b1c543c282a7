#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "config/settings.hpp"
#include "net/fd_watch.hpp"

namespace prometheus {
class Counter;
class Gauge;
class Registry;
} // namespace prometheus

namespace warden::apps {

/// Raises the soft limit on open files to the hard limit and prints the
/// limit to `out`: "wardend: open-file limit 20000 (raised from 1024)".
void raise_open_file_limit(std::ostream& out);

/// How the node's CAF port opens and closes (wardend: mutual TLS through
/// libcaf_openssl, apps/wardend/node_port.hpp; tests may pass others).
struct node_port_calls {
  /// Publishes the node on an endpoint; returns the bound port.
  std::function<caf::expected<std::uint16_t>(const config::endpoint&)> publish;
  /// Closes the published port; connections already open stay.
  std::function<caf::expected<void>(std::uint16_t)> unpublish;
};

/// The node's CAF port under an fd watch: published on `node.listen`, and
/// unpublished while the process runs out of file descriptors, because CAF
/// 0.17's acceptor retries a failed accept on every poll and spins at
/// 100 % CPU until one succeeds; published again on the same port once
/// descriptors are back. Reports pauses and resumes on standard output.
class node_listener final : public net::pausable_listener {
 public:
  /// Publishes the node and starts the watch; null with `error` set when
  /// the port cannot be opened. Pauses show in `registry` as
  /// warden_node_port_paused and warden_node_port_pauses_total.
  [[nodiscard]] static std::unique_ptr<node_listener>
  open(caf::actor_system& system, node_port_calls calls,
       const config::endpoint& listen, prometheus::Registry& registry,
       std::string& error);

  /// Stops the watch; the port stays open (the actor system closes it).
  ~node_listener() override;

  /// The bound port.
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

  /// "node port host:port".
  [[nodiscard]] std::string name() const override;

  /// Unpublishes the port.
  [[nodiscard]] std::string pause() override;

  /// Publishes the node again on the same port.
  [[nodiscard]] std::string resume() override;

 private:
  node_listener(caf::actor_system& system, node_port_calls calls,
                config::endpoint listen);

  caf::actor_system& system_;
  node_port_calls calls_;
  config::endpoint listen_;
  std::uint16_t port_ = 0;
  prometheus::Gauge* paused_ = nullptr;
  prometheus::Counter* pauses_ = nullptr;
  std::unique_ptr<net::fd_watch> watch_;
};

} // namespace warden::apps
