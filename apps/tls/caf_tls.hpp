#pragma once

#include "apps/tls/files.hpp"

namespace caf {
class actor_system_config;
} // namespace caf

namespace warden::tls {

/// Loads libcaf_openssl into `cfg`, which must have loaded the middleman
/// already (and only once), and gives it `files`, which must be complete()
/// (see check_credentials and pinned_credentials). Every connection of the
/// system, accepted (caf::openssl::publish) or made
/// (caf::openssl::remote_actor), then takes mutual TLS: libcaf_openssl 0.17.6
/// verifies the peer's certificate chain against `files.ca` and requires one
/// from clients (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT); it checks
/// no host name. Without credentials it would fall back to anonymous ciphers
/// that authenticate no one, which is why incomplete files are refused here.
/// Returns false, changing nothing, when `files` is not complete.
[[nodiscard]] bool use_mutual_tls(caf::actor_system_config& cfg,
                                  const credential_files& files);

} // namespace warden::tls
