#define CAF_SUITE apps.tls_pinned
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

#include <caf/test/unit_test.hpp>

#include "apps/tls/check.hpp"
#include "apps/tls/pinned.hpp"
#include "apps/tls/private_pki.hpp"
#include "tests/apps/tls/scratch_dir.hpp"

using namespace warden::tls;
namespace fs = std::filesystem;

namespace {

const credential_labels labels{"cert", "key", "ca"};

} // namespace

CAF_TEST(pinned copies outlive the files they were read from) {
  warden::test::scratch_dir data;
  auto pki = ensure_private_pki(data / "tls", "n");
  CAF_REQUIRE(pki);
  auto original = warden::test::read_text(pki.value.node.key);
  auto pinned = pinned_credentials::pin(pki.value.node);
  CAF_REQUIRE(pinned);
  const auto& paths = pinned.value.paths();
  CAF_CHECK_EQUAL(paths.key.rfind("/proc/self/fd/", 0), 0u);
  CAF_CHECK_EQUAL(pinned.value.origin().key, pki.value.node.key);
  fs::remove_all(pki.value.dir);
  CAF_CHECK_EQUAL(warden::test::read_text(paths.key), original);
  // What CAF loads for each connection still loads.
  CAF_CHECK(check_credentials(paths, tls_role::node, labels));
}

CAF_TEST(pinned copies cannot be written) {
  warden::test::scratch_dir data;
  auto pki = ensure_private_pki(data / "tls", "n");
  CAF_REQUIRE(pki);
  auto pinned = pinned_credentials::pin(pki.value.node);
  CAF_REQUIRE(pinned);
  auto path = pinned.value.paths().certificate;
  int fd = open(path.c_str(), O_WRONLY | O_TRUNC);
  bool written = false;
  if (fd >= 0) {
    written = write(fd, "x", 1) == 1;
    close(fd);
  }
  CAF_CHECK(!written);
  CAF_CHECK(check_credentials(pinned.value.paths(), tls_role::node, labels));
}

CAF_TEST(a moved pin keeps its paths and the source closes nothing) {
  warden::test::scratch_dir data;
  auto pki = ensure_private_pki(data / "tls", "n");
  CAF_REQUIRE(pki);
  auto pinned = pinned_credentials::pin(pki.value.node);
  CAF_REQUIRE(pinned);
  auto paths = pinned.value.paths();
  pinned_credentials moved;
  moved = std::move(pinned.value);
  { pinned_credentials gone = std::move(pinned.value); }
  CAF_CHECK_EQUAL(moved.paths().ca, paths.ca);
  CAF_CHECK(!warden::test::read_text(moved.paths().ca).empty());
}

CAF_TEST(a file that cannot be read is named with the reason) {
  warden::test::scratch_dir data;
  credential_files files{data / "none.pem", data / "none.key", data / "ca.pem"};
  auto pinned = pinned_credentials::pin(files);
  CAF_REQUIRE(!pinned);
  CAF_CHECK_EQUAL(pinned.error->subject, files.certificate);
  CAF_CHECK(pinned.error->message.find("No such file") != std::string::npos);
}
