#define CAF_SUITE apps.tls_private_pki
#include <filesystem>
#include <sys/stat.h>

#include <caf/test/unit_test.hpp>

#include "apps/tls/check.hpp"
#include "apps/tls/private_pki.hpp"
#include "tests/apps/tls/scratch_dir.hpp"

using namespace warden::tls;
namespace fs = std::filesystem;

namespace {

unsigned mode_of(const std::string& path) {
  struct stat st {};
  stat(path.c_str(), &st);
  return st.st_mode & 07777;
}

const credential_labels labels{"cert", "key", "ca"};

} // namespace

CAF_TEST(the first start creates a CA and certificates for node and client) {
  warden::test::scratch_dir data;
  auto dir = data / "tls";
  auto pki = ensure_private_pki(dir, "warden-7");
  CAF_REQUIRE(pki);
  CAF_CHECK(pki.value.created);
  CAF_CHECK_EQUAL(pki.value.dir, dir);
  CAF_CHECK_EQUAL(pki.value.node.certificate, dir + "/node.pem");
  CAF_CHECK_EQUAL(pki.value.client.key, dir + "/client.key");
  CAF_CHECK_EQUAL(pki.value.client.ca, dir + "/ca.pem");
  auto node = check_credentials(pki.value.node, tls_role::node, labels);
  CAF_REQUIRE(node);
  CAF_CHECK_EQUAL(node.value.subject, "CN = warden-7");
  auto client = check_credentials(pki.value.client, tls_role::client, labels);
  CAF_REQUIRE(client);
  CAF_CHECK_EQUAL(client.value.subject, "CN = wardenctl");
  CAF_CHECK(client.value.current);
  CAF_CHECK(!client.value.ends_soon);
}

CAF_TEST(the directory is private and keys are readable by the owner only) {
  warden::test::scratch_dir data;
  auto dir = data / "tls";
  // A permissive umask must not leak into the modes.
  auto old = umask(0);
  auto pki = ensure_private_pki(dir, "n");
  umask(old);
  CAF_REQUIRE(pki);
  CAF_CHECK_EQUAL(mode_of(dir), 0700u);
  CAF_CHECK_EQUAL(mode_of(dir + "/ca.key"), 0600u);
  CAF_CHECK_EQUAL(mode_of(dir + "/node.key"), 0600u);
  CAF_CHECK_EQUAL(mode_of(dir + "/client.key"), 0600u);
  CAF_CHECK_EQUAL(mode_of(dir + "/ca.pem"), 0644u);
  // Nothing is left beside it.
  int entries = 0;
  for (auto& entry : fs::directory_iterator{data.path()}) {
    static_cast<void>(entry);
    ++entries;
  }
  CAF_CHECK_EQUAL(entries, 1);
}

CAF_TEST(a later start uses the existing files unchanged) {
  warden::test::scratch_dir data;
  auto dir = data / "tls";
  auto first = ensure_private_pki(dir, "n");
  CAF_REQUIRE(first);
  auto ca = warden::test::read_text(dir + "/ca.pem");
  auto key = warden::test::read_text(dir + "/node.key");
  auto again = ensure_private_pki(dir, "n");
  CAF_REQUIRE(again);
  CAF_CHECK(!again.value.created);
  CAF_CHECK_EQUAL(warden::test::read_text(dir + "/ca.pem"), ca);
  CAF_CHECK_EQUAL(warden::test::read_text(dir + "/node.key"), key);
}

CAF_TEST(an existing directory is not filled in : its files are checked) {
  warden::test::scratch_dir data;
  auto dir = data / "tls";
  fs::create_directory(dir);
  auto pki = ensure_private_pki(dir, "n");
  CAF_REQUIRE(pki);
  CAF_CHECK(!pki.value.created);
  auto node = check_credentials(pki.value.node, tls_role::node, labels);
  CAF_REQUIRE(!node);
  CAF_CHECK_EQUAL(node.error->subject, "cert " + dir + "/node.pem");
}

CAF_TEST(a directory that cannot be created is an error naming it) {
  warden::test::scratch_dir data;
  auto dir = data / "missing-parent/tls";
  auto pki = ensure_private_pki(dir, "n");
  CAF_REQUIRE(!pki);
  CAF_CHECK(pki.error->subject.find("missing-parent/tls") != std::string::npos);
  CAF_CHECK(!fs::exists(dir));
}
