#define CAF_SUITE apps.tls_certificates
#include <chrono>
#include <fstream>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <caf/test/unit_test.hpp>

#include "apps/tls/certificates.hpp"
#include "apps/tls/check.hpp"
#include "apps/tls/detail/openssl.hpp"
#include "tests/apps/tls/scratch_dir.hpp"

using namespace warden::tls;

namespace {

const credential_labels labels{"cert", "key", "ca"};

/// Writes a certificate, key and CA under `dir` and returns their paths.
credential_files write_files(const warden::test::scratch_dir& dir,
                             const pem_pair& pair, const std::string& ca) {
  credential_files files{dir / "cert.pem", dir / "key.pem", dir / "ca.pem"};
  std::ofstream{files.certificate} << pair.certificate;
  std::ofstream{files.key} << pair.key;
  std::ofstream{files.ca} << ca;
  return files;
}

/// Whether `leaf` verifies against `ca` alone for `purpose` now.
bool verifies(const std::string& leaf, const std::string& ca, int purpose) {
  auto x = detail::read_certificate(leaf);
  auto root = detail::read_certificate(ca);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, root.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, x.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

struct fixture {
  validity valid = valid_for_days(365);
  pem_pair ca = make_authority("test CA", valid).value;
  warden::test::scratch_dir dir;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(certificate_tests, fixture)

CAF_TEST(a node certificate verifies against its CA as a TLS server) {
  auto node = issue_certificate(ca, tls_role::node, "warden-1", valid);
  CAF_REQUIRE(node);
  CAF_CHECK(verifies(node.value.certificate, ca.certificate,
                     X509_PURPOSE_SSL_SERVER));
  CAF_CHECK(verifies(node.value.certificate, ca.certificate,
                     X509_PURPOSE_SSL_CLIENT));
  auto facts = check_credentials(write_files(dir, node.value, ca.certificate),
                                 tls_role::node, labels);
  CAF_REQUIRE(facts);
  CAF_CHECK_EQUAL(facts.value.subject, "CN = warden-1");
  CAF_CHECK(facts.value.current);
  CAF_CHECK(!facts.value.ends_soon);
  CAF_CHECK_EQUAL(facts.value.ca_certificates, 1);
}

CAF_TEST(a client certificate cannot serve as a node) {
  auto client = issue_certificate(ca, tls_role::client, "wardenctl", valid);
  CAF_REQUIRE(client);
  CAF_CHECK(verifies(client.value.certificate, ca.certificate,
                     X509_PURPOSE_SSL_CLIENT));
  CAF_CHECK(!verifies(client.value.certificate, ca.certificate,
                      X509_PURPOSE_SSL_SERVER));
  auto files = write_files(dir, client.value, ca.certificate);
  CAF_CHECK(check_credentials(files, tls_role::client, labels));
  auto as_node = check_credentials(files, tls_role::node, labels);
  CAF_REQUIRE(!as_node);
  CAF_CHECK_EQUAL(as_node.error->subject, "cert " + files.certificate);
  CAF_CHECK(as_node.error->message.find("not fit for a TLS server") !=
            std::string::npos);
}

CAF_TEST(a certificate from another CA does not verify) {
  auto other = make_authority("other CA", valid).value;
  auto client = issue_certificate(other, tls_role::client, "x", valid);
  CAF_REQUIRE(client);
  CAF_CHECK(!verifies(client.value.certificate, ca.certificate,
                      X509_PURPOSE_SSL_CLIENT));
}

CAF_TEST(the authority is a CA that signs end certificates only) {
  auto x = detail::read_certificate(ca.certificate);
  CAF_REQUIRE(x != nullptr);
  CAF_CHECK_EQUAL(X509_check_ca(x.get()), 1);
  CAF_CHECK_EQUAL(X509_get_pathlen(x.get()), 0);
  auto key = detail::read_private_key(ca.key);
  CAF_REQUIRE(key != nullptr);
  CAF_CHECK_EQUAL(EVP_PKEY_get_bits(key.get()), 256);
}

CAF_TEST(a key that is not the one of the certificate is refused) {
  auto a = issue_certificate(ca, tls_role::node, "a", valid).value;
  auto b = issue_certificate(ca, tls_role::node, "b", valid).value;
  auto files = write_files(dir, {a.certificate, b.key}, ca.certificate);
  auto result = check_credentials(files, tls_role::node, labels);
  CAF_REQUIRE(!result);
  CAF_CHECK_EQUAL(result.error->subject, "key " + files.key);
  CAF_CHECK(result.error->message.find("is not the key of cert") !=
            std::string::npos);
}

CAF_TEST(an encrypted key is refused rather than prompted for) {
  auto node = issue_certificate(ca, tls_role::node, "n", valid).value;
  auto key = detail::read_private_key(node.key);
  detail::bio_ptr out{BIO_new(BIO_s_mem())};
  char secret[] = "secret";
  PEM_write_bio_PKCS8PrivateKey(out.get(), key.get(), EVP_aes_256_cbc(), secret,
                                6, nullptr, nullptr);
  char* data = nullptr;
  auto size = BIO_get_mem_data(out.get(), &data);
  std::string encrypted(data, static_cast<std::size_t>(size));
  CAF_REQUIRE(encrypted.find("ENCRYPTED") != std::string::npos);
  auto result = check_credentials(
      write_files(dir, {node.certificate, encrypted}, ca.certificate),
      tls_role::node, labels);
  CAF_REQUIRE(!result);
  CAF_CHECK(result.error->message.find("unencrypted PEM key") !=
            std::string::npos);
}

CAF_TEST(a file that is not PEM is refused with its label and path) {
  auto node = issue_certificate(ca, tls_role::node, "n", valid).value;
  auto files = write_files(dir, node, "not a certificate\n");
  auto result = check_credentials(files, tls_role::node, labels);
  CAF_REQUIRE(!result);
  CAF_CHECK_EQUAL(result.error->subject, "ca " + files.ca);
  auto missing = files;
  missing.certificate = dir / "absent.pem";
  result = check_credentials(missing, tls_role::node, labels);
  CAF_REQUIRE(!result);
  CAF_CHECK_EQUAL(result.error->subject, "cert " + missing.certificate);
}

CAF_TEST(an expired certificate loads but is reported as not current) {
  auto now = std::chrono::system_clock::now();
  validity past{now - std::chrono::hours{48}, now - std::chrono::hours{24}};
  auto old = issue_certificate(ca, tls_role::client, "old", past);
  CAF_REQUIRE(old);
  auto facts = check_credentials(write_files(dir, old.value, ca.certificate),
                                 tls_role::client, labels);
  CAF_REQUIRE(facts);
  CAF_CHECK(!facts.value.current);
  CAF_CHECK(facts.value.ends_soon);
  CAF_CHECK(!verifies(old.value.certificate, ca.certificate,
                      X509_PURPOSE_SSL_CLIENT));
}

CAF_TEST(serial numbers differ between certificates) {
  auto a = detail::read_certificate(
      issue_certificate(ca, tls_role::client, "a", valid).value.certificate);
  auto b = detail::read_certificate(
      issue_certificate(ca, tls_role::client, "a", valid).value.certificate);
  CAF_CHECK_NOT_EQUAL(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.get()),
                                       X509_get0_serialNumber(b.get())),
                      0);
}

CAF_TEST_FIXTURE_SCOPE_END()
