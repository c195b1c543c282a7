#define CAF_SUITE config.tls
#include <caf/test/unit_test.hpp>

#include "config/load.hpp"
#include "config/validate.hpp"
#include "tests/config/support.hpp"

using warden::config::endpoint;
using warden::config::test::has_error;
using warden::config::test::load;
using warden::config::test::only_error;
using warden::config::test::render;

CAF_TEST(the node port defaults to loopback with a private CA) {
  auto result = load("");
  CAF_REQUIRE(result.ok());
  const auto& node = result.value.node;
  CAF_CHECK(node.listen == (endpoint{"127.0.0.1", 4242}));
  CAF_CHECK(!node.listen.is_off());
  CAF_CHECK(node.tls_cert.empty() && node.tls_key.empty() &&
            node.tls_ca_file.empty());
}

CAF_TEST(all three TLS files are accepted together) {
  auto result = load("[node]\ntls_cert = \"/etc/w/node.pem\"\n"
                     "tls_key = \"/etc/w/node.key\"\n"
                     "tls_ca_file = \"/etc/w/ca.pem\"\n");
  if (!result.ok())
    CAF_MESSAGE("errors:" << render(result.errors));
  CAF_CHECK(result.ok());
  CAF_CHECK_EQUAL(result.value.node.tls_cert, "/etc/w/node.pem");
  CAF_CHECK_EQUAL(result.value.node.tls_key, "/etc/w/node.key");
  CAF_CHECK_EQUAL(result.value.node.tls_ca_file, "/etc/w/ca.pem");
}

CAF_TEST(a certificate without its key and CA names both missing keys) {
  auto result = load("[node]\ntls_cert = \"/etc/w/node.pem\"\n");
  CAF_CHECK_EQUAL(result.errors.size(), 2u);
  CAF_CHECK(has_error(result, "node.tls_key", 2,
                      "is required with node.tls_cert: node.tls_cert, "
                      "node.tls_key and node.tls_ca_file go together"));
  CAF_CHECK(has_error(result, "node.tls_ca_file", 2, "go together"));
}

CAF_TEST(an empty TLS key next to set ones is reported on its own line) {
  CAF_CHECK(only_error(load("[node]\ntls_cert = \"a.pem\"\ntls_key = "
                            "\"a.key\"\ntls_ca_file = \"\"\n"),
                       "node.tls_ca_file", 4,
                       "is required with node.tls_cert"));
}

CAF_TEST(a TLS file that is not a string is refused) {
  CAF_CHECK(only_error(load("[node]\ntls_cert = 5\ntls_key = \"k\"\n"
                            "tls_ca_file = \"c\"\n"),
                       "node.tls_cert", 2, "must be a string"));
}

CAF_TEST(a misspelt TLS key gets a suggestion) {
  auto result = load("[node]\ntls_certificate = \"a.pem\"\n");
  CAF_CHECK(has_error(result, "node.tls_certificate", 2, "tls_cert"));
}

CAF_TEST(an empty listen address turns the node port off) {
  auto result = load("[node]\nlisten = \"\"\n");
  CAF_REQUIRE(result.ok());
  CAF_CHECK(result.value.node.listen.is_off());
  CAF_CHECK_EQUAL(result.value.node.listen.to_string(), "");
}

CAF_TEST(only the node port can be turned off) {
  auto result = load("[node]\nlisten = \"\"\n[metrics]\nlisten = \"\"\n");
  CAF_CHECK(only_error(result, "metrics.listen", 4,
                       "must be \"host:port\" with a port in [0, 65535], got "
                       "\"\""));
}

CAF_TEST(an off node port clashes with no listener) {
  CAF_CHECK(load("[node]\nlisten = \"\"\n[metrics]\nlisten = "
                 "\"0.0.0.0:4242\"\n")
                .ok());
}

CAF_TEST(a bad node address mentions that empty means off) {
  CAF_CHECK(only_error(load("[node]\nlisten = \"localhost\"\n"), "node.listen",
                       2,
                       "with a port in [0, 65535], got \"localhost\" "
                       "(\"\" turns it off)"));
}

CAF_TEST(settings built in code may turn the port off) {
  warden::config::settings s;
  s.node.listen = endpoint{"", 0};
  CAF_CHECK(warden::config::validate(s).empty());
  s.node.listen = endpoint{"", 4242};
  auto errors = warden::config::validate(s);
  CAF_REQUIRE_EQUAL(errors.size(), 1u);
  CAF_CHECK_EQUAL(errors[0].key, "node.listen");
}

CAF_TEST(the API serves HTTPS with its certificate and key together) {
  auto result = load("[api]\ntls_cert = \"/etc/w/api.pem\"\n"
                     "tls_key = \"/etc/w/api.key\"\n");
  if (!result.ok())
    CAF_MESSAGE("errors:" << render(result.errors));
  CAF_REQUIRE(result.ok());
  CAF_CHECK_EQUAL(result.value.api.tls_cert, "/etc/w/api.pem");
  CAF_CHECK_EQUAL(result.value.api.tls_key, "/etc/w/api.key");
  // Plain HTTP by default.
  auto plain = load("");
  CAF_REQUIRE(plain.ok());
  CAF_CHECK(plain.value.api.tls_cert.empty() &&
            plain.value.api.tls_key.empty());
}

CAF_TEST(an API certificate without its key names the missing key) {
  CAF_CHECK(only_error(load("[api]\ntls_cert = \"/etc/w/api.pem\"\n"),
                       "api.tls_key", 2,
                       "is required with api.tls_cert: api.tls_cert and "
                       "api.tls_key go together"));
  CAF_CHECK(only_error(load("[api]\ntls_key = \"/etc/w/api.key\"\n"),
                       "api.tls_cert", 2, "is required with api.tls_key"));
}
