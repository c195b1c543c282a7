#define CAF_SUITE apps.node_port
#include <filesystem>
#include <fstream>
#include <sstream>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/test/unit_test.hpp>
#include <prometheus/registry.h>

#include "apps/exit_codes.hpp"
#include "apps/tls/caf_tls.hpp"
#include "apps/tls/certificates.hpp"
#include "apps/tls/probe.hpp"
#include "apps/wardend/node_port.hpp"
#include "tests/apps/tls/scratch_dir.hpp"

using namespace warden;
using outcome = tls::handshake_finding::outcome;
namespace fs = std::filesystem;

namespace {

/// A node's settings with its data in `dir`, on an ephemeral port.
config::settings node_in(const warden::test::scratch_dir& dir) {
  config::settings s;
  s.node.name = "port-test";
  s.node.data_dir = dir / "var";
  s.node.listen = config::endpoint{"127.0.0.1", 0};
  fs::create_directories(s.node.data_dir);
  return s;
}

/// Writes `pair` and `ca` as three files in `dir` named by `prefix`.
tls::credential_files write_pair(const warden::test::scratch_dir& dir,
                                 const std::string& prefix,
                                 const tls::pem_pair& pair,
                                 const std::string& ca) {
  tls::credential_files files{dir / (prefix + ".pem"), dir / (prefix + ".key"),
                              dir / (prefix + "-ca.pem")};
  std::ofstream{files.certificate} << pair.certificate;
  std::ofstream{files.key} << pair.key;
  std::ofstream{files.ca} << ca;
  return files;
}

/// Points the node's TLS keys at `files`.
void use_files(config::settings& s, const tls::credential_files& files) {
  s.node.tls_cert = files.certificate;
  s.node.tls_key = files.key;
  s.node.tls_ca_file = files.ca;
}

struct fixture {
  warden::test::scratch_dir dir;
  std::ostringstream out;
  tls::validity valid = tls::valid_for_days(365);
  tls::pem_pair ca = tls::make_authority("test CA", valid).value;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_port_tests, fixture)

CAF_TEST(a first start creates the private PKI and pins the node files) {
  auto settings = node_in(dir);
  auto prepared = apps::prepare_node_tls(settings, out);
  CAF_REQUIRE(!prepared.error);
  CAF_REQUIRE(prepared.credentials.has_value());
  auto tls_dir = settings.node.data_dir + "/tls";
  CAF_CHECK_EQUAL(prepared.credentials->origin().certificate,
                  tls_dir + "/node.pem");
  CAF_CHECK(out.str().find("created a private CA") != std::string::npos);
  CAF_CHECK(out.str().find("wardenctl --tls-dir " + tls_dir) !=
            std::string::npos);
  std::ostringstream again;
  auto second = apps::prepare_node_tls(settings, again);
  CAF_REQUIRE(second.credentials.has_value());
  CAF_CHECK(again.str().find("created") == std::string::npos);
}

CAF_TEST(a node port that is off needs no credentials) {
  auto settings = node_in(dir);
  settings.node.listen = config::endpoint{"", 0};
  auto prepared = apps::prepare_node_tls(settings, out);
  CAF_CHECK(!prepared.error);
  CAF_CHECK(!prepared.credentials.has_value());
  CAF_CHECK(!fs::exists(settings.node.data_dir + "/tls"));
}

CAF_TEST(configured files are used and no private PKI is made) {
  auto settings = node_in(dir);
  auto node = tls::issue_certificate(ca, tls::tls_role::node, "n", valid);
  auto files = write_pair(dir, "node", node.value, ca.certificate);
  use_files(settings, files);
  auto prepared = apps::prepare_node_tls(settings, out);
  CAF_REQUIRE(prepared.credentials.has_value());
  CAF_CHECK_EQUAL(prepared.credentials->origin().key, files.key);
  CAF_CHECK(!fs::exists(settings.node.data_dir + "/tls"));
  CAF_CHECK(!apps::check_node_tls_files(settings));
}

CAF_TEST(a configured file that does not load stops the start with exit 2) {
  auto settings = node_in(dir);
  auto node = tls::issue_certificate(ca, tls::tls_role::node, "n", valid);
  auto files = write_pair(dir, "node", node.value, ca.certificate);
  files.certificate = dir / "absent.pem";
  use_files(settings, files);
  auto prepared = apps::prepare_node_tls(settings, out);
  CAF_REQUIRE(prepared.error.has_value());
  CAF_CHECK_EQUAL(prepared.exit_code, apps::exit_usage);
  CAF_CHECK_EQUAL(prepared.error->subject,
                  "node.tls_cert " + settings.node.tls_cert);
  auto checked = apps::check_node_tls_files(settings);
  CAF_REQUIRE(checked.has_value());
  CAF_CHECK_EQUAL(checked->subject, prepared.error->subject);
}

CAF_TEST(an expired node certificate stops the start with exit 2) {
  auto settings = node_in(dir);
  auto now = std::chrono::system_clock::now();
  tls::validity past{now - std::chrono::hours{48}, now - std::chrono::hours{1}};
  auto node = tls::issue_certificate(ca, tls::tls_role::node, "n", past);
  auto files = write_pair(dir, "node", node.value, ca.certificate);
  use_files(settings, files);
  auto prepared = apps::prepare_node_tls(settings, out);
  CAF_REQUIRE(prepared.error.has_value());
  CAF_CHECK_EQUAL(prepared.exit_code, apps::exit_usage);
  CAF_CHECK(prepared.error->message.find("is not valid now") !=
            std::string::npos);
}

CAF_TEST(a client certificate cannot be the node certificate) {
  auto settings = node_in(dir);
  auto client = tls::issue_certificate(ca, tls::tls_role::client, "c", valid);
  auto files = write_pair(dir, "client", client.value, ca.certificate);
  use_files(settings, files);
  auto checked = apps::check_node_tls_files(settings);
  CAF_REQUIRE(checked.has_value());
  CAF_CHECK(checked->message.find("not fit for a TLS server") !=
            std::string::npos);
}

CAF_TEST(the published port takes mutual TLS and unpublishing closes it) {
  auto settings = node_in(dir);
  auto prepared = apps::prepare_node_tls(settings, out);
  CAF_REQUIRE(prepared.credentials.has_value());
  prometheus::Registry registry;
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  CAF_REQUIRE(tls::use_mutual_tls(cfg, prepared.credentials->paths()));
  cfg.set("scheduler.max-threads", 1);
  caf::actor_system sys{cfg};
  auto echo =
      sys.spawn([]() -> caf::behavior { return {[](int x) { return x; }}; });
  auto guarded = apps::guard_node_port(sys, settings.node, registry);
  auto port = apps::publish_node_port(*guarded, echo, settings.node.listen);
  CAF_REQUIRE(port);
  auto tls_dir = settings.node.data_dir + "/tls";
  auto client = tls::client_files_in(tls_dir);
  std::chrono::milliseconds bound{5000};
  auto ok = tls::probe_handshake("127.0.0.1", *port, client, bound);
  CAF_CHECK(ok.result == outcome::accepted);
  // A client from another CA: the node refuses it.
  auto other = tls::make_authority("other CA", valid).value;
  auto stranger = write_pair(
      dir, "stranger",
      tls::issue_certificate(other, tls::tls_role::client, "s", valid).value,
      ca.certificate);
  stranger.ca = client.ca;
  auto refused = tls::probe_handshake("127.0.0.1", *port, stranger, bound);
  CAF_CHECK(refused.result == outcome::client_refused);
  CAF_CHECK(refused.reason.find("unknown ca") != std::string::npos);
  // A client trusting another CA: it refuses the node.
  auto untrusting = client;
  untrusting.ca = dir / "stranger-ca.pem";
  std::ofstream{untrusting.ca} << other.certificate;
  auto distrust = tls::probe_handshake("127.0.0.1", *port, untrusting, bound);
  CAF_CHECK(distrust.result == outcome::node_not_trusted);
  CAF_CHECK(apps::unpublish_node_port(echo, *port));
  auto closed = tls::probe_handshake("127.0.0.1", *port, client, bound);
  CAF_CHECK(closed.result == outcome::unreachable);
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
