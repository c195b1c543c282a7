#include "apps/tls/check.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <utility>

#include "apps/tls/detail/openssl.hpp"

namespace warden::tls {

namespace {

using namespace detail;

std::string label(const std::string& name, const std::string& path) {
  return name + " " + path;
}

// The number of certificates in the PEM file at `path`; -1 when it cannot
// be read.
int count_certificates(const std::string& path) {
  bio_ptr in{BIO_new_file(path.c_str(), "r")};
  if (!in)
    return -1;
  int n = 0;
  while (x509_ptr x{PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr)})
    ++n;
  ERR_clear_error(); // the read past the last certificate
  return n;
}

// Why the file at `path` cannot be opened for reading; empty when it can.
std::string unreadable(const std::string& path) {
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr)
    return std::string{"cannot read: "} +
           (errno != 0 ? std::strerror(errno) : "cannot open");
  std::fclose(f);
  return {};
}

} // namespace

tls_result<credential_facts>
check_credentials(const credential_files& files, tls_role role,
                  const credential_labels& labels) {
  auto cert_label = label(labels.certificate, files.certificate);
  auto key_label = label(labels.key, files.key);
  auto ca_label = label(labels.ca, files.ca);
  if (!files.complete())
    return tls_failure<credential_facts>(
        "TLS credentials", "certificate, key and CA file are all required");
  // OpenSSL names a missing file in three lines of codes; the OS in a few
  // words.
  for (auto [file, name] :
       {std::pair{&files.certificate, &cert_label},
        std::pair{&files.key, &key_label}, std::pair{&files.ca, &ca_label}})
    if (auto why = unreadable(*file); !why.empty())
      return tls_failure<credential_facts>(*name, why);
  ERR_clear_error();
  ssl_ctx_ptr ctx{SSL_CTX_new(TLS_method())};
  if (!ctx)
    return tls_failure<credential_facts>("TLS context",
                                         openssl_reason("cannot create"));
  // The calls and order of caf::openssl::session::create_ssl_context.
  if (SSL_CTX_use_certificate_chain_file(ctx.get(),
                                         files.certificate.c_str()) != 1)
    return tls_failure<credential_facts>(
        cert_label, "cannot load the certificate: " +
                        openssl_reason("no certificate in the file"));
  // CAF is given no passphrase, so the key must be plain: an empty one
  // makes an encrypted key fail here instead of prompting.
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), const_cast<char*>(""));
  bio_ptr key_file{BIO_new_file(files.key.c_str(), "r")};
  pkey_ptr key{key_file
                   ? PEM_read_bio_PrivateKey(key_file.get(), nullptr, nullptr,
                                             const_cast<char*>(""))
                   : nullptr};
  if (!key)
    return tls_failure<credential_facts>(
        key_label, "cannot load the private key (an unencrypted PEM key is "
                   "needed): " +
                       openssl_reason("no key in the file"));
  if (X509_check_private_key(SSL_CTX_get0_certificate(ctx.get()), key.get()) !=
      1)
    return tls_failure<credential_facts>(key_label,
                                         "is not the key of " + cert_label +
                                             ": " + openssl_reason("mismatch"));
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), files.key.c_str(),
                                  SSL_FILETYPE_PEM) != 1)
    return tls_failure<credential_facts>(key_label,
                                         "cannot load the private key: " +
                                             openssl_reason("unusable"));
  if (SSL_CTX_load_verify_locations(ctx.get(), files.ca.c_str(), nullptr) != 1)
    return tls_failure<credential_facts>(
        ca_label, "cannot load the CA certificates: " +
                      openssl_reason("no certificate in the file"));
  if (SSL_CTX_set_cipher_list(ctx.get(), "HIGH:!aNULL:!MD5") != 1)
    return tls_failure<credential_facts>("TLS context",
                                         openssl_reason("no usable cipher"));
  credential_facts facts;
  facts.ca_certificates = count_certificates(files.ca);
  if (facts.ca_certificates <= 0)
    return tls_failure<credential_facts>(ca_label, "holds no PEM certificate");
  X509* cert = SSL_CTX_get0_certificate(ctx.get());
  bool server = role == tls_role::node;
  if (X509_check_purpose(
          cert, server ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT,
          0) != 1)
    return tls_failure<credential_facts>(
        cert_label, std::string{"is not fit for a TLS "} +
                        (server ? "server" : "client") +
                        " (its key usage or extended key usage excludes it)");
  facts.subject = subject_of(cert);
  facts.not_after = render_time(X509_get0_notAfter(cert));
  auto now =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  auto soon = now + 30 * 24 * 3600;
  facts.current = X509_cmp_time(X509_get0_notBefore(cert), &now) < 0 &&
                  X509_cmp_time(X509_get0_notAfter(cert), &now) > 0;
  facts.ends_soon = X509_cmp_time(X509_get0_notAfter(cert), &soon) < 0;
  ERR_clear_error();
  return {facts, std::nullopt};
}

} // namespace warden::tls
