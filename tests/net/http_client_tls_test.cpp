#define CAF_SUITE net.http_client_tls
#include <string>

#include <caf/test/unit_test.hpp>

#include "tests/net/client_fixture.hpp"
#include "tests/net/tls_server.hpp"

using namespace warden::net;
using namespace warden::net::test;

namespace {

/// A client, the certificates of one test, and a TLS server.
struct tls_fixture : client_fixture {
  test_pki pki;

  tls_fixture() {
    if (!pki.error().empty())
      CAF_FAIL("cannot make the test certificates: " << pki.error());
    start();
  }

  /// The origin https://`host`:`port`.
  static url secure_origin(std::string host, std::uint16_t port) {
    url result;
    result.tls = true;
    result.host = std::move(host);
    result.port = port;
    return result;
  }

  /// GET / from `host`:`port` over TLS checked as `tls` says.
  std::shared_ptr<recorder> get_secure(std::string host, std::uint16_t port,
                                       const tls_settings& tls) {
    client_request request;
    request.timeout = 10s;
    return send(secure_origin(std::move(host), port), request, tls).first;
  }

  /// Settings that trust `ca_file` alone.
  static tls_settings trusting(std::string ca_file) {
    tls_settings result;
    result.ca_file = std::move(ca_file);
    return result;
  }
};

/// Whether the failure `record` got names `part`.
bool names(recorder& record, const std::string& part) {
  auto failure = record.failure();
  if (failure)
    CAF_MESSAGE(failure->message);
  return failure && failure->message.find(part) != std::string::npos;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(http_client_tls_tests, tls_fixture)

CAF_TEST(a server certified by the trusted CA is reached by address and name) {
  tls_server server{pki.local_cert(), pki.local_key()};
  CAF_REQUIRE(server.error().empty());
  auto tls = trusting(pki.ca_file());
  for (auto host : {"127.0.0.1", "localhost"}) {
    auto record = get_secure(host, server.port(), tls);
    CAF_REQUIRE(record->wait_done(5s));
    CAF_CHECK(record->succeeded());
    CAF_CHECK_EQUAL(record->body(), "secure");
  }
}

CAF_TEST(a kept alive TLS connection carries the next request) {
  tls_server server{pki.local_cert(), pki.local_key()};
  auto tls = trusting(pki.ca_file());
  for (int i = 0; i < 3; ++i) {
    auto record = get_secure("127.0.0.1", server.port(), tls);
    CAF_REQUIRE(record->wait_done(5s));
    CAF_CHECK(record->succeeded());
  }
  CAF_CHECK_EQUAL(http->stats().connections_opened, 1u);
  CAF_CHECK_EQUAL(http->stats().reused, 2u);
  CAF_CHECK_EQUAL(server.handshakes(), 1u);
}

CAF_TEST(an idle TLS connection is closed with close_notify) {
  tls_server server{pki.local_cert(), pki.local_key()};
  auto options = quick_client_options();
  options.idle_timeout = 50ms;
  start(options);
  auto record = get_secure("127.0.0.1", server.port(), trusting(pki.ca_file()));
  CAF_REQUIRE(record->wait_done(5s));
  CAF_CHECK(record->succeeded());
  // The idle deadline ends the connection; the server reads a clean end.
  CAF_CHECK(eventually([&] { return server.clean_closes() > 0; }, 5s));
  CAF_CHECK_EQUAL(server.clean_closes(), 1u);
}

CAF_TEST(a certificate from another CA fails verification) {
  tls_server server{pki.local_cert(), pki.local_key()};
  auto record =
      get_secure("127.0.0.1", server.port(), trusting(pki.other_ca_file()));
  CAF_REQUIRE(record->wait_done(5s));
  CAF_CHECK_EQUAL(record->kind(), failure_kind::tls);
  CAF_CHECK(names(*record, "certificate verify failed"));
  CAF_CHECK(names(*record, "127.0.0.1:" + std::to_string(server.port())));
  CAF_CHECK_EQUAL(http->stats().open_now, 0u);
}

CAF_TEST(a certificate for another name fails verification) {
  tls_server server{pki.elsewhere_cert(), pki.elsewhere_key()};
  auto tls = trusting(pki.ca_file());
  for (auto host : {"127.0.0.1", "localhost"}) {
    auto record = get_secure(host, server.port(), tls);
    CAF_REQUIRE(record->wait_done(5s));
    CAF_CHECK_EQUAL(record->kind(), failure_kind::tls);
    CAF_CHECK(names(*record, "mismatch"));
  }
}

CAF_TEST(verify off accepts a certificate no trusted CA signed) {
  tls_server server{pki.local_cert(), pki.local_key()};
  auto tls = trusting(pki.other_ca_file());
  tls.verify = false;
  auto record = get_secure("127.0.0.1", server.port(), tls);
  CAF_REQUIRE(record->wait_done(5s));
  CAF_CHECK(record->succeeded());
}

CAF_TEST(a CA file that does not load fails as tls) {
  tls_server server{pki.local_cert(), pki.local_key()};
  auto record =
      get_secure("127.0.0.1", server.port(), trusting("/nonexistent/ca.pem"));
  CAF_REQUIRE(record->wait_done(5s));
  CAF_CHECK_EQUAL(record->kind(), failure_kind::tls);
  CAF_CHECK(names(*record, "/nonexistent/ca.pem"));
}

CAF_TEST(a plain HTTP server fails the handshake) {
  script_server server{[](client& peer, std::size_t) {
    peer.send(ok_response("plain"));
    peer.closed_within(5s);
  }};
  auto record = get_secure("127.0.0.1", server.port(), trusting(pki.ca_file()));
  CAF_REQUIRE(record->wait_done(5s));
  CAF_CHECK_EQUAL(record->kind(), failure_kind::tls);
}

CAF_TEST_FIXTURE_SCOPE_END()
