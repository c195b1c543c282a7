#define CAF_SUITE config.api
#include <string>

#include <caf/test/unit_test.hpp>

#include "config/load.hpp"
#include "tests/config/support.hpp"

using warden::config::test::has_error;
using warden::config::test::load;
using warden::config::test::only_error;
using warden::config::test::render;

namespace {

const std::string digest_a(64, 'a');
const std::string digest_b(64, 'b');

/// A file with tenant acme and the [api.keys] tables of `keys`.
std::string with_keys(const std::string& keys) {
  return "[tiers.pro]\n"      // 1
         "[tenants.acme]\n"   // 2
         "tier = \"pro\"\n" + // 3
         keys;                // from line 4
}

} // namespace

CAF_TEST(the API listens on the loopback interface by default) {
  auto result = load("");
  CAF_REQUIRE(result.ok());
  CAF_CHECK_EQUAL(result.value.api.listen.to_string(), "127.0.0.1:8080");
  CAF_CHECK_EQUAL(result.value.api.keys.size(), 0u);
  CAF_CHECK_EQUAL(result.value.api.max_body_bytes, 1'048'576u);
}

CAF_TEST(the API can be turned off) {
  auto result = load("[api]\nlisten = \"\"\n");
  CAF_REQUIRE(result.ok());
  CAF_CHECK(result.value.api.listen.is_off());
}

CAF_TEST(the API may not share a port with the node or metrics listeners) {
  CAF_CHECK(
      only_error(load("[node]\nlisten = \"127.0.0.1:9000\"\n"
                      "[api]\nlisten = \"127.0.0.1:9000\"\n"),
                 "api.listen", 4,
                 "must not use the port of node.listen (127.0.0.1:9000)"));
  CAF_CHECK(only_error(load("[api]\nlisten = \"0.0.0.0:9464\"\n"), "api.listen",
                       2, "must not use the port of metrics.listen"));
  CAF_CHECK(only_error(load("[metrics]\nlisten = \"127.0.0.1:8080\"\n"),
                       "metrics.listen", 2,
                       "must not use the port of api.listen (127.0.0.1:8080)"));
}

CAF_TEST(a tenant key and an admin key load) {
  auto result = load(with_keys("[api.keys.ci]\ntenant = \"acme\"\nsha256 = \"" +
                               digest_a + "\"\n[api.keys.ops]\nadmin = true\n" +
                               "sha256 = \"" + digest_b + "\"\n"));
  CAF_REQUIRE(result.ok());
  const auto& keys = result.value.api.keys;
  CAF_REQUIRE_EQUAL(keys.size(), 2u);
  CAF_CHECK_EQUAL(keys.at("ci").tenant, "acme");
  CAF_CHECK(!keys.at("ci").admin);
  CAF_CHECK_EQUAL(keys.at("ci").sha256, digest_a);
  CAF_CHECK(keys.at("ops").admin);
  CAF_CHECK(keys.at("ops").tenant.empty());
}

CAF_TEST(a key without its digest is refused) {
  CAF_CHECK(only_error(load(with_keys("[api.keys.ci]\ntenant = \"acme\"\n")),
                       "api.keys.ci.sha256", 4, "is required"));
}

CAF_TEST(a digest that is not 64 hex digits is refused without repeating it) {
  auto result =
      load(with_keys("[api.keys.ci]\ntenant = \"acme\"\n"
                     "sha256 = \"wk_secretsecretsecretsecretsecret\"\n"));
  CAF_CHECK(only_error(result, "api.keys.ci.sha256", 6, "64 hex digits"));
  for (const auto& e : result.errors)
    CAF_CHECK_EQUAL(e.message.find("secret"), std::string::npos);
  auto short_digest = load(with_keys("[api.keys.ci]\ntenant = \"acme\"\n"
                                     "sha256 = \"" +
                                     digest_a.substr(1) + "\"\n"));
  CAF_CHECK(only_error(short_digest, "api.keys.ci.sha256", 6, "63 characters"));
}

CAF_TEST(a key speaks for a tenant or is an admin key) {
  CAF_CHECK(only_error(
      load(with_keys("[api.keys.ci]\nsha256 = \"" + digest_a + "\"\n")),
      "api.keys.ci.tenant", 4, "is required"));
  CAF_CHECK(only_error(load(with_keys("[api.keys.ops]\nadmin = true\n"
                                      "tenant = \"acme\"\nsha256 = \"" +
                                      digest_a + "\"\n")),
                       "api.keys.ops.tenant", 6, "must be absent with admin"));
}

CAF_TEST(a key for a tenant the node does not admit is refused) {
  auto result = load(with_keys("[api.keys.ci]\ntenant = \"acmee\"\n"
                               "sha256 = \"" +
                               digest_a + "\"\n"));
  CAF_CHECK(only_error(result, "api.keys.ci.tenant", 5,
                       "`acmee` is not a defined tenant"));
  CAF_CHECK(has_error(result, "api.keys.ci.tenant", 5, "did you mean `acme`"));
  // With a default tier every tenant is admitted.
  auto open = load("[admission]\ndefault_tier = \"pro\"\n" +
                   with_keys("[api.keys.ci]\ntenant = \"anyone\"\n"
                             "sha256 = \"" +
                             digest_a + "\"\n"));
  CAF_CHECK(open.ok());
  if (!open.ok())
    CAF_MESSAGE(render(open.errors));
}

CAF_TEST(two keys with one digest are refused whatever its case) {
  std::string upper(64, 'A');
  CAF_CHECK(only_error(
      load(with_keys("[api.keys.a]\ntenant = \"acme\"\nsha256 = \"" + digest_a +
                     "\"\n[api.keys.b]\ntenant = \"acme\"\nsha256 = \"" +
                     upper + "\"\n")),
      "api.keys.b.sha256", 9, "is the digest of api.keys.a too"));
}

CAF_TEST(unknown keys in a key table are refused) {
  CAF_CHECK(has_error(load(with_keys("[api.keys.ci]\ntenant = \"acme\"\n"
                                     "sha256 = \"" +
                                     digest_a + "\"\nkey = \"wk_x\"\n")),
                      "api.keys.ci.key", 7, "unknown key"));
}
