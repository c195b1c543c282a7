#include "apps/wardenctl/node_connection.hpp"

#include <filesystem>
#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/openssl/remote_actor.hpp>

#include "apps/exit_codes.hpp"
#include "apps/tls/check.hpp"
#include "apps/tls/probe.hpp"

namespace warden::apps {

namespace {

using outcome = tls::handshake_finding::outcome;

/// How long the probing handshake after a failed connection may take.
constexpr std::chrono::milliseconds probe_timeout{3000};

/// The labels of the three files: the flag that set each, or its role in
/// --tls-dir.
tls::credential_labels labels_of(const ctl_command& cmd) {
  return {cmd.tls_cert.empty() ? "client certificate" : "--tls-cert",
          cmd.tls_key.empty() ? "client key" : "--tls-key",
          cmd.tls_ca.empty() ? "CA file" : "--tls-ca"};
}

} // namespace

tls::credential_files client_files_of(const ctl_command& cmd) {
  auto files = tls::client_files_in(cmd.tls_dir);
  if (!cmd.tls_cert.empty())
    files.certificate = cmd.tls_cert;
  if (!cmd.tls_key.empty())
    files.key = cmd.tls_key;
  if (!cmd.tls_ca.empty())
    files.ca = cmd.tls_ca;
  return files;
}

std::optional<tls::pinned_credentials>
pin_client_credentials(const ctl_command& cmd, int& exit_code) {
  auto files = client_files_of(cmd);
  auto checked =
      tls::check_credentials(files, tls::tls_role::client, labels_of(cmd));
  if (!checked) {
    std::cerr << "wardenctl: " << checked.error->to_string()
              << "\nwardenctl: the node's port takes mutual TLS: give a "
                 "client certificate, its key and the node's CA with "
                 "--tls-dir DIR (or WARDEN_TLS_DIR; wardend creates them in "
                 "<node.data_dir>/tls on its first start) or --tls-cert, "
                 "--tls-key and --tls-ca\n";
    exit_code = exit_usage;
    return std::nullopt;
  }
  auto pinned = tls::pinned_credentials::pin(files);
  if (!pinned) {
    std::cerr << "wardenctl: " << pinned.error->to_string() << '\n';
    exit_code = exit_usage;
    return std::nullopt;
  }
  return std::move(pinned.value);
}

std::optional<caf::actor>
connect_to_node(caf::actor_system& sys, const std::string& host,
                std::uint16_t port, const tls::pinned_credentials& credentials,
                int& exit_code) {
  auto node = caf::openssl::remote_actor(sys, host, port);
  if (node)
    return std::move(*node);
  auto where = host + ':' + std::to_string(port);
  // CAF says only that the connection failed; a handshake of our own says
  // who refused whom, and OpenSSL's reason.
  auto found =
      tls::probe_handshake(host, port, credentials.paths(), probe_timeout);
  const auto& files = credentials.origin();
  switch (found.result) {
  case outcome::node_not_trusted:
    std::cerr << "wardenctl: TLS: the node at " << where
              << " presented a certificate that " << files.ca
              << " does not vouch for (" << found.reason << ")\n";
    exit_code = exit_tls_refused;
    return std::nullopt;
  case outcome::client_refused: {
    std::cerr << "wardenctl: TLS: the node at " << where
              << " refused this client's certificate " << files.certificate
              << " (" << found.reason << ")";
    // Name what the local files show, e.g. that the certificate expired.
    auto facts =
        tls::check_credentials(files, tls::tls_role::client, {"", "", ""});
    if (facts && !facts.value.current)
      std::cerr << "; it is not valid now (valid until "
                << facts.value.not_after << ")";
    std::cerr << '\n';
    exit_code = exit_tls_refused;
    return std::nullopt;
  }
  case outcome::unreachable:
    std::cerr << "wardenctl: cannot reach a node at " << where << ": "
              << found.reason << '\n';
    break;
  case outcome::accepted:
    std::cerr << "wardenctl: cannot reach a node at " << where << ": "
              << sys.render(node.error()) << '\n';
    break;
  }
  exit_code = exit_unreachable;
  return std::nullopt;
}

} // namespace warden::apps
