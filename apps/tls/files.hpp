#pragma once

#include <string>

namespace warden::tls {

/// The three PEM files of one end of a mutual TLS connection.
struct credential_files {
  /// This end's certificate, optionally followed by its intermediate CAs.
  std::string certificate;
  /// This end's private key, unencrypted PEM.
  std::string key;
  /// The CA certificates that the other end's certificate must chain to.
  std::string ca;

  /// Whether all three are set.
  [[nodiscard]] bool complete() const noexcept {
    return !certificate.empty() && !key.empty() && !ca.empty();
  }
};

/// Which end a certificate serves: nodes accept connections (and will
/// connect to peers), clients only connect.
enum class tls_role { node, client };

/// File names of a private PKI directory (see private_pki.hpp).
namespace pki_names {
inline constexpr const char* ca_certificate = "ca.pem";
inline constexpr const char* ca_key = "ca.key";
inline constexpr const char* node_certificate = "node.pem";
inline constexpr const char* node_key = "node.key";
inline constexpr const char* client_certificate = "client.pem";
inline constexpr const char* client_key = "client.key";
} // namespace pki_names

/// The node's files in a private PKI directory: node.pem, node.key, ca.pem.
[[nodiscard]] credential_files node_files_in(const std::string& dir);

/// A client's files in a private PKI directory: client.pem, client.key,
/// ca.pem.
[[nodiscard]] credential_files client_files_in(const std::string& dir);

} // namespace warden::tls
