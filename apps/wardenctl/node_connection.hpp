#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <caf/fwd.hpp>

#include "apps/tls/files.hpp"
#include "apps/tls/pinned.hpp"
#include "apps/wardenctl/commands.hpp"

// wardenctl's connection to the node's CAF port, which takes mutual TLS
// only (apps/wardend/node_port.hpp).
namespace warden::apps {

/// The client credentials `cmd` names: --tls-cert, --tls-key and --tls-ca,
/// each defaulting to client.pem, client.key and ca.pem in --tls-dir.
[[nodiscard]] tls::credential_files client_files_of(const ctl_command& cmd);

/// Checks and pins the client credentials of `cmd`; when they are missing
/// or unusable, prints which file and why and sets `exit_code` to
/// exit_usage.
[[nodiscard]] std::optional<tls::pinned_credentials>
pin_client_credentials(const ctl_command& cmd, int& exit_code);

/// Connects to the node at host:port with `credentials` (the system must be
/// configured with them, tls::use_mutual_tls). On failure prints why and
/// sets `exit_code`: exit_tls_refused when the node refused this client's
/// certificate or this client refused the node's (found by a probing
/// handshake, whose OpenSSL reason is printed), else exit_unreachable.
[[nodiscard]] std::optional<caf::actor>
connect_to_node(caf::actor_system& sys, const std::string& host,
                std::uint16_t port, const tls::pinned_credentials& credentials,
                int& exit_code);

} // namespace warden::apps
