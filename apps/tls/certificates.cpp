#include "apps/tls/certificates.hpp"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "apps/tls/detail/openssl.hpp"

namespace warden::tls {

namespace {

using namespace detail;
using std::chrono::system_clock;

tls_result<pem_pair> failed(const std::string& what) {
  return tls_failure<pem_pair>(what, openssl_reason("failed"));
}

bool set_time(ASN1_TIME* field, system_clock::time_point at) {
  return ASN1_TIME_set(field, system_clock::to_time_t(at)) != nullptr;
}

// A random positive 127-bit serial number, as RFC 5280 recommends.
bool set_random_serial(X509* x) {
  std::unique_ptr<BIGNUM, openssl_deleter<BIGNUM, BN_free>> serial{BN_new()};
  return serial &&
         BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
         BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x)) != nullptr;
}

bool set_common_name(X509_NAME* name, const std::string& common_name) {
  return X509_NAME_add_entry_by_txt(
             name, "CN", MBSTRING_UTF8,
             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
             -1, 0) == 1;
}

bool add_extension(X509* x, X509V3_CTX* ctx, int nid, const char* value) {
  std::unique_ptr<X509_EXTENSION,
                  openssl_deleter<X509_EXTENSION, X509_EXTENSION_free>>
      ext{X509V3_EXT_conf_nid(nullptr, ctx, nid, value)};
  return ext && X509_add_ext(x, ext.get(), -1) == 1;
}

/// A fresh EC P-256 key and its certificate, named `common_name` and
/// issued by `issuer` (itself when null), not yet extended nor signed.
struct draft {
  pkey_ptr key;
  x509_ptr certificate;
};

draft make_draft(const std::string& common_name, const validity& valid,
                 const X509* issuer) {
  draft result{pkey_ptr{EVP_EC_gen("P-256")}, x509_ptr{X509_new()}};
  auto* x = result.certificate.get();
  if (!result.key || !x || X509_set_version(x, X509_VERSION_3) != 1 ||
      !set_random_serial(x) ||
      !set_time(X509_getm_notBefore(x), valid.not_before) ||
      !set_time(X509_getm_notAfter(x), valid.not_after) ||
      !set_common_name(X509_get_subject_name(x), common_name) ||
      X509_set_pubkey(x, result.key.get()) != 1 ||
      X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x)) != 1)
    return {};
  return result;
}

std::string to_pem(X509* x) {
  bio_ptr out{BIO_new(BIO_s_mem())};
  if (!out || PEM_write_bio_X509(out.get(), x) != 1)
    return {};
  char* data = nullptr;
  auto size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string to_pem(EVP_PKEY* key) {
  bio_ptr out{BIO_new(BIO_s_mem())};
  if (!out || PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0,
                                       nullptr, nullptr) != 1)
    return {};
  char* data = nullptr;
  auto size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

tls_result<pem_pair> to_pem_pair(X509* x, EVP_PKEY* key,
                                 const std::string& what) {
  pem_pair result{to_pem(x), to_pem(key)};
  if (result.certificate.empty() || result.key.empty())
    return failed(what);
  return {std::move(result), std::nullopt};
}

} // namespace

validity valid_for_days(int days) {
  auto now = system_clock::now();
  return {now - std::chrono::hours{1}, now + std::chrono::hours{24} * days};
}

tls_result<pem_pair> make_authority(const std::string& common_name,
                                    const validity& valid) {
  const std::string what = "create the certificate authority " + common_name;
  auto [key, x] = make_draft(common_name, valid, nullptr);
  if (!x)
    return failed(what);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  if (!add_extension(x.get(), &ctx, NID_basic_constraints,
                     "critical,CA:TRUE,pathlen:0") ||
      !add_extension(x.get(), &ctx, NID_key_usage,
                     "critical,keyCertSign,cRLSign") ||
      !add_extension(x.get(), &ctx, NID_subject_key_identifier, "hash") ||
      X509_sign(x.get(), key.get(), EVP_sha256()) <= 0)
    return failed(what);
  return to_pem_pair(x.get(), key.get(), what);
}

tls_result<pem_pair> issue_certificate(const pem_pair& authority, tls_role role,
                                       const std::string& common_name,
                                       const validity& valid) {
  const std::string what = "issue the certificate " + common_name;
  auto ca = read_certificate(authority.certificate);
  auto ca_key = read_private_key(authority.key);
  if (!ca || !ca_key)
    return tls_failure<pem_pair>(what, "the authority's certificate or key "
                                       "does not parse: " +
                                           openssl_reason("no PEM data"));
  auto [key, x] = make_draft(common_name, valid, ca.get());
  if (!x)
    return failed(what);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca.get(), x.get(), nullptr, nullptr, 0);
  bool node = role == tls_role::node;
  if (!add_extension(x.get(), &ctx, NID_basic_constraints,
                     "critical,CA:FALSE") ||
      !add_extension(x.get(), &ctx, NID_key_usage,
                     "critical,digitalSignature") ||
      !add_extension(x.get(), &ctx, NID_ext_key_usage,
                     node ? "serverAuth,clientAuth" : "clientAuth") ||
      (node && !add_extension(x.get(), &ctx, NID_subject_alt_name,
                              "DNS:localhost,IP:127.0.0.1,IP:::1")) ||
      !add_extension(x.get(), &ctx, NID_subject_key_identifier, "hash") ||
      !add_extension(x.get(), &ctx, NID_authority_key_identifier,
                     "keyid:always") ||
      X509_sign(x.get(), ca_key.get(), EVP_sha256()) <= 0)
    return failed(what);
  return to_pem_pair(x.get(), key.get(), what);
}

} // namespace warden::tls
