#pragma once

#include <string>

#include "apps/tls/error.hpp"
#include "apps/tls/files.hpp"

namespace warden::tls {

/// What the check of a usable set of credentials learnt, for messages.
struct credential_facts {
  /// The certificate's subject ("CN = warden-1").
  std::string subject;
  /// The certificate's end of validity ("2035-01-31 12:00:00 UTC").
  std::string not_after;
  /// Whether the certificate is valid now (between its notBefore and
  /// notAfter).
  bool current = false;
  /// Whether it ends within 30 days (or has ended).
  bool ends_soon = false;
  /// Number of certificates in the CA file.
  int ca_certificates = 0;
};

/// Labels of the three files in messages, e.g. {"node.tls_cert", ...} or
/// {"--tls-cert", ...}.
struct credential_labels {
  std::string certificate;
  std::string key;
  std::string ca;
};

/// Loads `files` the way libcaf_openssl 0.17.6 does for each connection
/// (certificate chain file, PEM private key, CA file as verify locations,
/// its cipher list), so that CAF cannot fail on them later, and checks what
/// CAF would only find out mid-handshake: the key is the certificate's, the
/// certificate is fit for `role` (a node's must allow TLS servers, a
/// client's TLS clients), and the CA file holds at least one certificate.
/// A certificate that is not valid now is reported in the facts, not as an
/// error: the caller decides. Errors name the file by `labels` and path,
/// with OpenSSL's reason.
[[nodiscard]] tls_result<credential_facts>
check_credentials(const credential_files& files, tls_role role,
                  const credential_labels& labels);

} // namespace warden::tls
