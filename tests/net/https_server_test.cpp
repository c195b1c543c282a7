#define CAF_SUITE net.https_server
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <caf/test/unit_test.hpp>

#include "tests/net/client_fixture.hpp"
#include "tests/net/server_fixture.hpp"
#include "tests/net/tls_server.hpp"

using namespace warden::net;
using namespace warden::net::test;

namespace {

namespace fs = std::filesystem;

/// An HTTPS server with the certificates of the test PKI, and a client
/// that trusts the PKI's CA alone.
struct https_fixture : server_fixture, client_fixture {
  test_pki pki;
  fs::path folder;

  https_fixture() {
    if (!pki.error().empty())
      CAF_FAIL("cannot make the test certificates: " << pki.error());
    folder = fs::temp_directory_path() /
             ("warden-https-" + std::to_string(::getpid()));
    fs::create_directories(folder);
    start();
  }

  ~https_fixture() {
    if (server)
      server->stop();
    std::error_code ignored;
    fs::remove_all(folder, ignored);
  }

  /// Short deadlines, and the certificate and key at `cert` and `key`.
  static server_options secure_options(std::string cert, std::string key) {
    auto options = quick_options();
    options.tls.cert_file = std::move(cert);
    options.tls.key_file = std::move(key);
    return options;
  }

  /// GET `path` from `host` on the server over TLS; waits for its end.
  std::shared_ptr<recorder> get_secure(std::string path = "/hello",
                                       std::string host = "127.0.0.1") {
    url origin;
    origin.tls = true;
    origin.host = std::move(host);
    origin.port = port();
    tls_settings tls;
    tls.ca_file = pki.ca_file();
    client_request request;
    request.target = std::move(path);
    request.timeout = 5s;
    auto record = send(origin, std::move(request), tls).first;
    CAF_REQUIRE(record->wait_done(5s));
    return record;
  }

  /// Copies `from` to `to`, replacing it.
  static void install(const std::string& from, const fs::path& to) {
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  }
};

/// The hello route, and GET /events: a stream of two pieces.
router hello_and_stream_routes() {
  auto routes = hello_routes();
  auto added =
      routes.add(method::get, "/events", [](const incoming&, responder reply) {
        auto stream =
            reply.stream(make_response(status::ok, {}, "text/event-stream"));
        stream.write("data: one\n\n");
        stream.write("data: two\n\n");
        stream.close();
      });
  CAF_REQUIRE(added);
  return routes;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(https_server_tests, https_fixture)

CAF_TEST(
    an HTTPS server answers by address and name on kept alive connections) {
  serve(secure_options(pki.local_cert(), pki.local_key()), hello_routes());
  CAF_CHECK(server->secure());
  for (int i = 0; i < 3; ++i) {
    auto record = get_secure();
    CAF_CHECK(record->succeeded());
    CAF_CHECK_EQUAL(record->status(), 200u);
    CAF_CHECK_EQUAL(record->body(), "hello\n");
  }
  auto seen = http->stats();
  CAF_CHECK_EQUAL(seen.connections_opened, 1u);
  CAF_CHECK_EQUAL(seen.reused, 2u);
  CAF_CHECK(get_secure("/hello", "localhost")->succeeded());
  CAF_CHECK_EQUAL(server->stats().tls_handshake_failures, 0u);
}

CAF_TEST(a streamed answer goes out chunked over TLS) {
  serve(secure_options(pki.local_cert(), pki.local_key()),
        hello_and_stream_routes());
  auto record = get_secure("/events");
  CAF_CHECK(record->succeeded());
  CAF_CHECK_EQUAL(record->body(), "data: one\n\ndata: two\n\n");
  // The connection carries the next request after the last chunk.
  CAF_CHECK(get_secure()->succeeded());
  CAF_CHECK_EQUAL(http->stats().reused, 1u);
}

CAF_TEST(plain HTTP on the HTTPS port gets a plain 400 naming the scheme) {
  serve(secure_options(pki.local_cert(), pki.local_key()), hello_routes());
  client plain{port()};
  CAF_REQUIRE(plain.connected());
  CAF_REQUIRE(plain.send(get_request("/hello")));
  auto answer = plain.read_response(2s);
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(status_of(*answer), 400);
  CAF_CHECK(answer->find("speaks HTTPS") != std::string::npos);
  CAF_CHECK(plain.closed_within(2s));
  CAF_CHECK(counts(&server_stats::tls_handshake_failures));
  // Others are served as before.
  CAF_CHECK(get_secure()->succeeded());
}

CAF_TEST(a client that never says hello is cut at the header deadline) {
  serve(secure_options(pki.local_cert(), pki.local_key()), hello_routes());
  client silent{port()};
  CAF_REQUIRE(silent.connected());
  CAF_CHECK(silent.closed_within(2s));
  CAF_CHECK(counts(&server_stats::header_timeouts));
  // A handshake started and never finished is cut the same way.
  client halfway{port()};
  CAF_REQUIRE(halfway.send(std::string{"\x16\x03\x01\x00\x40", 5}));
  CAF_CHECK(halfway.closed_within(2s));
  CAF_CHECK(counts(&server_stats::header_timeouts, 2));
}

CAF_TEST(a handshake the server refuses is counted and closes) {
  serve(secure_options(pki.local_cert(), pki.local_key()), hello_routes());
  client garbage{port()};
  // A handshake record whose body is no ClientHello.
  CAF_REQUIRE(garbage.send(std::string{"\x16\x03\x01\x00\x04junk", 9}));
  CAF_CHECK(garbage.closed_within(2s));
  CAF_CHECK(counts(&server_stats::tls_handshake_failures));
}

CAF_TEST(files that do not load stop the start with their name) {
  std::string error;
  auto missing =
      secure_options((folder / "none.pem").string(), pki.local_key());
  CAF_CHECK(http_server::start(missing, hello_routes(), error) == nullptr);
  CAF_MESSAGE(error);
  CAF_CHECK(error.find("none.pem") != std::string::npos);
  error.clear();
  auto mismatched = secure_options(pki.local_cert(), pki.elsewhere_key());
  CAF_CHECK(http_server::start(mismatched, hello_routes(), error) == nullptr);
  CAF_MESSAGE(error);
  CAF_CHECK(error.find("does not hold the key") != std::string::npos);
  error.clear();
  auto not_pem = folder / "not.pem";
  std::ofstream{not_pem} << "not a certificate\n";
  auto unreadable = secure_options(not_pem.string(), pki.local_key());
  CAF_CHECK(http_server::start(unreadable, hello_routes(), error) == nullptr);
  CAF_MESSAGE(error);
  CAF_CHECK(error.find("cannot load the certificate file") !=
            std::string::npos);
}

CAF_TEST(a reload presents the renewed certificate to new connections) {
  auto cert = folder / "server.pem";
  auto key = folder / "server.key";
  install(pki.elsewhere_cert(), cert);
  install(pki.elsewhere_key(), key);
  serve(secure_options(cert.string(), key.string()), hello_routes());
  // Certified for elsewhere.test only: the client refuses 127.0.0.1.
  auto refused = get_secure();
  CAF_CHECK(!refused->succeeded());
  install(pki.local_cert(), cert);
  install(pki.local_key(), key);
  std::string error;
  CAF_CHECK(server->reload_tls(error));
  CAF_CHECK(get_secure()->succeeded());
  // A renewal that does not load leaves the certificate in force.
  std::ofstream{cert, std::ios::trunc} << "half a file";
  CAF_CHECK(!server->reload_tls(error));
  CAF_CHECK(error.find(cert.string()) != std::string::npos);
  http->stop();
  start();
  CAF_CHECK(get_secure()->succeeded());
}

CAF_TEST(a plain server has no certificate to reload) {
  serve(quick_options(), hello_routes());
  CAF_CHECK(!server->secure());
  std::string error;
  CAF_CHECK(!server->reload_tls(error));
  CAF_CHECK(error.find("plain HTTP") != std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
