#pragma once

#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string>

// Owning handles for OpenSSL objects, and OpenSSL's error queue as text.
// Private to apps/tls.
namespace warden::tls::detail {

template <class T, void (*Free)(T*)>
struct openssl_deleter {
  void operator()(T* x) const noexcept { Free(x); }
};

using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO, BIO_free_all>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using pkey_ptr =
    std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using ssl_ctx_ptr =
    std::unique_ptr<SSL_CTX, openssl_deleter<SSL_CTX, SSL_CTX_free>>;
using ssl_ptr = std::unique_ptr<SSL, openssl_deleter<SSL, SSL_free>>;

/// OpenSSL's queued errors on this thread as one line, oldest first, and
/// clears the queue; `fallback` when the queue is empty.
[[nodiscard]] std::string openssl_reason(const char* fallback);

/// Reads the first PEM certificate of `pem`; null when there is none.
[[nodiscard]] x509_ptr read_certificate(const std::string& pem);

/// Reads an unencrypted PEM private key; null when there is none.
[[nodiscard]] pkey_ptr read_private_key(const std::string& pem);

/// Renders `x`'s subject in one line ("CN = warden-1").
[[nodiscard]] std::string subject_of(const X509* x);

/// Renders an ASN.1 time as "2035-01-31 12:00:00 UTC".
[[nodiscard]] std::string render_time(const ASN1_TIME* t);

} // namespace warden::tls::detail
