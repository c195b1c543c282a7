#pragma once

#include <string>

#include "apps/tls/error.hpp"
#include "apps/tls/files.hpp"

namespace warden::tls {

/// A node's private PKI: a CA of its own, a certificate for the node and
/// one for clients (wardenctl), all in one directory.
struct private_pki {
  /// The directory (`<node.data_dir>/tls`).
  std::string dir;
  /// Whether this call created it.
  bool created = false;
  /// node.pem, node.key, ca.pem.
  credential_files node;
  /// client.pem, client.key, ca.pem: what clients are given.
  credential_files client;
};

/// How long generated certificates are valid, in days (10 years): a private
/// PKI that no one rotates should not stop the node in between.
inline constexpr int generated_validity_days = 3650;

/// Uses the private PKI in `dir`, creating it first when `dir` does not
/// exist: ca.pem and ca.key (a CA named "<node_name> CA"), node.pem and
/// node.key (CN `node_name`), client.pem and client.key (CN "wardenctl"),
/// with generated_validity_days of validity. The directory is 0700 and the
/// keys 0600; the files are written and synced in a directory beside it
/// that is then renamed, so a crash leaves all of them or none. An existing
/// directory is used as it is; the caller checks its files.
[[nodiscard]] tls_result<private_pki>
ensure_private_pki(const std::string& dir, const std::string& node_name);

} // namespace warden::tls
