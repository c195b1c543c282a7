#define CAF_SUITE api.keys
#include <cctype>
#include <set>
#include <string>
#include <variant>

#include <caf/test/unit_test.hpp>

#include "api/keys.hpp"

using namespace warden::api;

namespace {

/// The table of two tenants' keys and an admin's.
key_table sample_table() {
  return key_table{{{"acme-ci", "acme", false, sha256("wk_acme")},
                    {"globex", "globex", false, sha256("wk_globex")},
                    {"ops", "", true, sha256("wk_ops")}}};
}

std::string tenant_of(const std::variant<principal, key_refusal>& x) {
  if (const auto* who = std::get_if<principal>(&x))
    return who->tenant + (who->admin ? "+admin" : "") + "/" + who->key_id;
  return std::string{"refused: "} + to_message(std::get<key_refusal>(x));
}

bool refused_as(const std::variant<principal, key_refusal>& x,
                key_refusal why) {
  const auto* got = std::get_if<key_refusal>(&x);
  return got != nullptr && *got == why;
}

} // namespace

CAF_TEST(sha256 matches the published test vectors) {
  // FIPS 180-2, appendix B.1, and the digest of the empty string.
  CAF_CHECK_EQUAL(
      to_hex(sha256("abc")),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CAF_CHECK_EQUAL(
      to_hex(sha256("")),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

CAF_TEST(a digest reads back from hex in either case and nothing else) {
  auto x = sha256("wk_acme");
  auto hex = to_hex(x);
  auto lower = parse_digest(hex);
  CAF_REQUIRE(lower);
  CAF_CHECK(*lower == x);
  std::string upper = hex;
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto read_upper = parse_digest(upper);
  CAF_REQUIRE(read_upper);
  CAF_CHECK(*read_upper == x);
  CAF_CHECK(!parse_digest(hex.substr(1)));
  CAF_CHECK(!parse_digest(hex + "0"));
  CAF_CHECK(!parse_digest(std::string(63, 'a') + "g"));
  CAF_CHECK(!parse_digest(""));
}

CAF_TEST(new keys are long random and distinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto key = new_key();
    CAF_REQUIRE_EQUAL(key.size(), 46u); // "wk_" and 43 for 256 bits
    CAF_CHECK_EQUAL(key.substr(0, 3), "wk_");
    for (auto c : key.substr(3))
      CAF_CHECK(std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                c == '_');
    seen.insert(key);
  }
  CAF_CHECK_EQUAL(seen.size(), 100u);
}

CAF_TEST(a bearer key names its tenant or the admin) {
  auto table = sample_table();
  CAF_CHECK_EQUAL(tenant_of(table.authenticate("Bearer wk_acme")),
                  "acme/acme-ci");
  CAF_CHECK_EQUAL(tenant_of(table.authenticate("bearer wk_globex")),
                  "globex/globex");
  CAF_CHECK_EQUAL(tenant_of(table.authenticate("BEARER   wk_ops \t")),
                  "+admin/ops");
}

CAF_TEST(missing malformed and unknown keys are refused apart) {
  auto table = sample_table();
  CAF_CHECK(refused_as(table.authenticate(std::nullopt), key_refusal::missing));
  CAF_CHECK(refused_as(table.authenticate(""), key_refusal::malformed));
  CAF_CHECK(refused_as(table.authenticate("Basic d2s6YWNtZQ=="),
                       key_refusal::malformed));
  CAF_CHECK(refused_as(table.authenticate("Bearer"), key_refusal::malformed));
  CAF_CHECK(refused_as(table.authenticate("Bearer "), key_refusal::malformed));
  CAF_CHECK(refused_as(
      table.authenticate("Bearer " +
                         std::string(key_table::max_token_bytes + 1, 'k')),
      key_refusal::malformed));
  // Close is not enough: a prefix, an extension, another case.
  for (auto guess : {"Bearer wk_acm", "Bearer wk_acme2", "Bearer WK_ACME",
                     "Bearer wk_acme wk_acme"})
    CAF_CHECK(refused_as(table.authenticate(guess), key_refusal::unknown));
  // No refusal repeats what was sent.
  for (auto why :
       {key_refusal::missing, key_refusal::malformed, key_refusal::unknown})
    CAF_CHECK(std::string{to_message(why)}.find("wk_") == std::string::npos);
}

CAF_TEST(an empty table refuses every key) {
  key_table none;
  CAF_CHECK_EQUAL(none.size(), 0u);
  CAF_CHECK(
      refused_as(none.authenticate("Bearer wk_acme"), key_refusal::unknown));
}
