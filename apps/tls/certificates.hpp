#pragma once

#include <chrono>
#include <string>

#include "apps/tls/error.hpp"
#include "apps/tls/files.hpp"

namespace warden::tls {

/// A certificate and its private key, both PEM text. The key is secret:
/// never log it.
struct pem_pair {
  std::string certificate;
  std::string key;
};

/// When a certificate is valid, to the second.
struct validity {
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
};

/// A validity from an hour ago (for clocks a little behind) to `days` days
/// from now.
[[nodiscard]] validity valid_for_days(int days);

/// Creates a self-signed certificate authority named `common_name`: an EC
/// P-256 key, SHA-256 signature, CA:TRUE with path length 0 (it signs end
/// certificates only), key usage keyCertSign and cRLSign.
[[nodiscard]] tls_result<pem_pair>
make_authority(const std::string& common_name, const validity& valid);

/// Issues a certificate for `role` signed by `authority`: a fresh EC P-256
/// key; CA:FALSE; extended key usage serverAuth and clientAuth for a node
/// (it accepts clients and will connect to peers), clientAuth alone for a
/// client, so that a client's key cannot pose as a node; a node's
/// certificate also names localhost, 127.0.0.1 and ::1 (CAF checks no host
/// name, other TLS tools do).
[[nodiscard]] tls_result<pem_pair>
issue_certificate(const pem_pair& authority, tls_role role,
                  const std::string& common_name, const validity& valid);

} // namespace warden::tls
