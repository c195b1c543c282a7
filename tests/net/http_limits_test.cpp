#define CAF_SUITE net.http_limits
#include <string>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "tests/net/server_fixture.hpp"

using namespace warden::net;
using namespace warden::net::test;

namespace {

/// Sends `bytes` one at a time, one every 50 ms, until the server closes
/// the connection (true) or all are sent (false).
bool dribble(client& c, const std::string& bytes) {
  for (char byte : bytes) {
    if (!c.send(std::string_view{&byte, 1}))
      return true;
    if (c.closed_within(50ms))
      return true;
  }
  return false;
}

/// A long header field: far more bytes than a dribble can send in time.
std::string long_field() {
  return "X-Slow: " + std::string(200, 'a') + "\r\n";
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(http_limit_tests, server_fixture)

CAF_TEST(a client dribbling its header is cut off at the header timeout) {
  serve(quick_options(), hello_routes());
  client c{port()};
  auto start = test_clock::now();
  // Each byte comes well within any per-read timeout; only a deadline for
  // the whole header stops it.
  CAF_CHECK(dribble(c, "GET /hello HTTP/1.1\r\n" + long_field()));
  auto took = elapsed_ms(start);
  CAF_MESSAGE("cut off after " << took << " ms");
  CAF_CHECK_GREATER_OR_EQUAL(took, 250);
  CAF_CHECK_LESS(took, 2'300);
  CAF_CHECK(counts(&server_stats::header_timeouts));
}

CAF_TEST(a connection that sends nothing is cut off at the header timeout) {
  serve(quick_options(), hello_routes());
  client c{port()};
  auto start = test_clock::now();
  CAF_CHECK(c.closed_within(3s));
  CAF_CHECK_GREATER_OR_EQUAL(elapsed_ms(start), 250);
  CAF_CHECK(counts(&server_stats::header_timeouts));
}

CAF_TEST(a client dribbling its body is cut off at the body timeout) {
  serve(quick_options(), hello_routes());
  client c{port()};
  CAF_REQUIRE(c.send("POST /hello HTTP/1.1\r\nHost: x\r\n"
                     "Content-Length: 1000\r\n\r\n"));
  auto start = test_clock::now();
  CAF_CHECK(dribble(c, std::string(1000, 'b')));
  auto took = elapsed_ms(start);
  CAF_MESSAGE("cut off after " << took << " ms");
  CAF_CHECK_GREATER_OR_EQUAL(took, 250);
  CAF_CHECK_LESS(took, 2'300);
  CAF_CHECK(counts(&server_stats::body_timeouts));
}

CAF_TEST(a kept alive connection is closed after the idle timeout) {
  serve(quick_options(), hello_routes());
  client c{port()};
  CAF_REQUIRE(c.send(get_request("/hello")));
  CAF_REQUIRE(c.read_response(5s));
  auto start = test_clock::now();
  CAF_CHECK(c.closed_within(3s));
  auto took = elapsed_ms(start);
  CAF_CHECK_GREATER_OR_EQUAL(took, 250);
  CAF_CHECK(counts(&server_stats::idle_timeouts));
  CAF_CHECK_EQUAL(server->stats().header_timeouts, 0u);
}

CAF_TEST(the idle timeout gives way to the header deadline at the first byte) {
  auto options = quick_options();
  options.idle_timeout = 5'000ms;
  serve(options, hello_routes());
  client c{port()};
  CAF_REQUIRE(c.send(get_request("/hello")));
  CAF_REQUIRE(c.read_response(5s));
  auto start = test_clock::now();
  CAF_CHECK(dribble(c, "GET /hello HTTP/1.1\r\n" + long_field()));
  CAF_CHECK_LESS(elapsed_ms(start), 2'300);
  CAF_CHECK(counts(&server_stats::header_timeouts));
}

CAF_TEST(connections beyond the cap are closed at once and later ones served) {
  auto options = quick_options();
  options.max_connections = 2;
  options.idle_timeout = 10'000ms;
  serve(options, hello_routes());
  // Two connections that the server has surely taken: each got an answer.
  std::vector<std::unique_ptr<client>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<client>(port()));
    CAF_REQUIRE(held.back()->send(get_request("/hello")));
    CAF_REQUIRE(held.back()->read_response(5s));
  }
  client refused{port()};
  auto start = test_clock::now();
  CAF_CHECK(refused.closed_within(2s));
  CAF_CHECK_LESS(elapsed_ms(start), 250);
  CAF_CHECK_EQUAL(server->stats().connections_refused, 1u);
  CAF_CHECK_EQUAL(server->stats().connections_open, 2u);
  held.pop_back();
  // The freed slot is taken again once the server has seen the close.
  std::optional<std::string> answer;
  for (int attempt = 0; attempt < 50 && !answer; ++attempt) {
    client next{port()};
    if (next.send(get_request("/hello")))
      answer = next.read_response(200ms);
  }
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(status_of(*answer), 200);
}

CAF_TEST(a body over the cap is refused with 413 before it is read) {
  auto options = quick_options();
  options.max_body_bytes = 1000;
  serve(options, hello_routes());
  client c{port()};
  CAF_REQUIRE(c.send("POST /hello HTTP/1.1\r\nHost: x\r\n"
                     "Content-Length: 1001\r\n\r\n"));
  auto answer = c.read_response(5s);
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(status_of(*answer), 413);
  CAF_CHECK(c.closed_within(3s));
  CAF_CHECK_EQUAL(server->stats().too_large, 1u);
}

CAF_TEST(a chunked body growing over the cap is refused with 413) {
  auto options = quick_options();
  options.max_body_bytes = 1000;
  serve(options, hello_routes());
  client c{port()};
  CAF_REQUIRE(c.send("POST /hello HTTP/1.1\r\nHost: x\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n"
                     "3e8\r\n" +
                     std::string(1000, 'c') +
                     "\r\n"
                     "1\r\nc\r\n"));
  auto answer = c.read_response(5s);
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(status_of(*answer), 413);
}

CAF_TEST(a header over the cap is refused with 431) {
  auto options = quick_options();
  options.max_header_bytes = 512;
  serve(options, hello_routes());
  client c{port()};
  CAF_REQUIRE(c.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " +
                     std::string(600, 'd') + "\r\n\r\n"));
  auto answer = c.read_response(5s);
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(status_of(*answer), 431);
}

CAF_TEST(a malformed request is refused with 400) {
  serve(quick_options(), hello_routes());
  client c{port()};
  CAF_REQUIRE(c.send("GET /hello HTTP/9.9 nonsense\r\n\r\n"));
  auto answer = c.read_response(5s);
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(status_of(*answer), 400);
  CAF_CHECK_EQUAL(server->stats().malformed, 1u);
}

CAF_TEST(a client that reads nothing is cut off at the write timeout) {
  // An answer far larger than the socket buffers, to a client that never
  // reads it.
  router routes;
  CAF_REQUIRE(routes.add_sync(method::get, "/big", [](const incoming&) {
    return make_response(status::ok, std::string(64 * 1024 * 1024, 'e'),
                         "text/plain");
  }));
  serve(quick_options(), std::move(routes));
  client c{port()};
  CAF_REQUIRE(c.send(get_request("/big")));
  CAF_CHECK(
      eventually([this] { return server->stats().write_timeouts == 1; }, 5s));
}

CAF_TEST_FIXTURE_SCOPE_END()
