#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>

#include <caf/fwd.hpp>

#include "apps/tls/error.hpp"
#include "apps/tls/guarded_port.hpp"
#include "apps/tls/pinned.hpp"
#include "config/settings.hpp"

// The node's CAF port (`[node] listen`): wardenctl and peer nodes connect
// there, and only through mutual TLS (libcaf_openssl), so that bytes from
// anyone without a certificate of the configured CA never reach CAF's
// binary protocol (BASP), which 0.17.6 does not parse safely.
namespace prometheus {
class Registry;
} // namespace prometheus

namespace warden::apps {

/// Prepares the credentials of the node's port: the files of node.tls_cert,
/// node.tls_key and node.tls_ca_file when set, else the private PKI under
/// `<node.data_dir>/tls`, created on first start. Checks and pins them and
/// prints to `out` what it created and what clients need. None when the
/// port is off (`listen = ""`). An error names the key or file and what is
/// wrong; `exit_code` tells how to leave: exit_usage for files to fix,
/// exit_failure when the PKI cannot be created.
struct node_tls_outcome {
  /// The pinned credentials to configure CAF with (tls::use_mutual_tls).
  std::optional<tls::pinned_credentials> credentials;
  std::optional<tls::tls_error> error;
  int exit_code = 0;
};
[[nodiscard]] node_tls_outcome
prepare_node_tls(const config::settings& settings, std::ostream& out);

/// Checks the files of node.tls_cert, node.tls_key and node.tls_ca_file as
/// prepare_node_tls does, when the port is on and they are set (for
/// `--check-config`, which creates no private PKI). None when they pass.
[[nodiscard]] std::optional<tls::tls_error>
check_node_tls_files(const config::settings& settings);

/// Sets CAF's BASP heartbeat and connection timeout in `cfg` from
/// node.peer_idle_timeout_ms (heartbeats at a quarter of it): a connection
/// from which nothing came for that long is closed. Nothing when it is 0.
void configure_peer_timeouts(caf::actor_system_config& cfg,
                             const config::node_settings& node);

/// The guard of the node port's handshakes, configured by
/// node.tls_handshake_timeout_ms and node.max_pending_handshakes; what it
/// closes shows in `registry` as warden_node_port_handshakes_closed_total
/// {reason="timeout"|"cap"}.
[[nodiscard]] std::unique_ptr<tls::guarded_port>
guard_node_port(caf::actor_system& system, const config::node_settings& node,
                prometheus::Registry& registry);

/// Publishes `node` on `listen` through `port` (its system must have been
/// configured with tls::use_mutual_tls): the one place wardend opens its
/// CAF port. SO_REUSEADDR, so that a restarted node binds again while
/// connections of the previous process linger in TIME_WAIT. Returns the
/// bound port.
[[nodiscard]] caf::expected<std::uint16_t>
publish_node_port(tls::guarded_port& port, const caf::actor& node,
                  const config::endpoint& listen);

/// Closes the port that publish_node_port opened; connections already
/// established stay.
[[nodiscard]] caf::expected<void> unpublish_node_port(const caf::actor& node,
                                                      std::uint16_t port);

} // namespace warden::apps
