#pragma once

// Shared by the server suites: a server on 127.0.0.1, an ephemeral port,
// and a route that answers "hello". Include after <caf/test/unit_test.hpp>.

#include <memory>
#include <string>

#include "net/http_server.hpp"
#include "tests/net/client.hpp"

namespace warden::net::test {

/// Options with short deadlines, so that cut-offs show within a test.
inline server_options quick_options() {
  server_options options;
  options.header_timeout = 300ms;
  options.body_timeout = 300ms;
  options.idle_timeout = 300ms;
  options.write_timeout = 300ms;
  options.stop_grace = 2'000ms;
  return options;
}

/// Routes GET /hello to a "hello" answer.
inline router hello_routes() {
  router routes;
  auto added = routes.add_sync(method::get, "/hello", [](const incoming&) {
    return make_response(status::ok, "hello\n", "text/plain");
  });
  CAF_REQUIRE(added);
  return routes;
}

struct server_fixture {
  std::unique_ptr<http_server> server;

  void serve(server_options options, router routes) {
    std::string error;
    server = http_server::start(std::move(options), std::move(routes), error);
    if (!server)
      CAF_FAIL("cannot start the server: " << error);
  }

  std::uint16_t port() const { return server->port(); }

  /// Whether the server's count `field` reaches `expected` within 2 s: a
  /// count taken as a connection ends can move after the client has seen
  /// the close.
  bool counts(std::uint64_t server_stats::*field, std::uint64_t expected = 1) {
    return eventually(
        [this, field, expected] { return server->stats().*field == expected; },
        2s);
  }
};

} // namespace warden::net::test
