#include "apps/tls/caf_tls.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/openssl/manager.hpp>

namespace warden::tls {

bool use_mutual_tls(caf::actor_system_config& cfg,
                    const credential_files& files) {
  if (!files.complete())
    return false;
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = files.certificate;
  cfg.openssl_key = files.key;
  cfg.openssl_cafile = files.ca;
  // No passphrase (keys are plain) and no CA directory: the CA file alone
  // decides whom to trust.
  cfg.openssl_passphrase.clear();
  cfg.openssl_capath.clear();
  return true;
}

} // namespace warden::tls
