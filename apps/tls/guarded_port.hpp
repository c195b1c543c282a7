#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/io/middleman_actor.hpp>

#include "apps/tls/detail/handshake_guard.hpp"

namespace warden::tls {

using detail::handshake_events;
using detail::handshake_limits;

/// Opens the node's mutual-TLS port with handshakes under guard
/// (detail/tls_servants.hpp): a connection that has not completed its
/// handshake costs no CPU, is closed after `limits.timeout`, and at most
/// `limits.max_pending` of them are open at once (a new one closes the
/// oldest). The actor system must be
/// configured with use_mutual_tls. Destroy it before the actor system.
class guarded_port {
 public:
  guarded_port(caf::actor_system& system, handshake_limits limits,
               handshake_events events);

  /// Stops the deadline timer and the port's middleman actor (ports it
  /// opened close with the actor system).
  ~guarded_port();

  guarded_port(const guarded_port&) = delete;
  guarded_port& operator=(const guarded_port&) = delete;

  /// Publishes `node` on `host`:`port` (0 = ephemeral), SO_REUSEADDR;
  /// returns the bound port.
  [[nodiscard]] caf::expected<std::uint16_t>
  publish(const caf::actor& node, std::uint16_t port, const std::string& host);

  /// The port's middleman actor: (connect_atom, host, port) opens a mutual
  /// TLS connection with the same streams as the port's (a cluster's
  /// members connect to each other through it).
  [[nodiscard]] caf::actor connector() const;

 private:
  void sweep_until_stopped(std::chrono::milliseconds period);

  caf::actor_system& system_;
  std::shared_ptr<detail::handshake_guard> guard_;
  caf::io::middleman_actor middleman_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread sweeper_;
};

} // namespace warden::tls
