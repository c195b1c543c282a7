#define CAF_SUITE net.http_stream
#include <future>
#include <memory>
#include <string>

#include <caf/test/unit_test.hpp>

#include "tests/net/server_fixture.hpp"

using namespace warden::net;
using namespace warden::net::test;

namespace {

/// Routes GET /events to a handler that starts a stream and hands it to
/// the test, which writes to it from its own thread.
router streaming_routes(std::promise<response_stream>& parked) {
  router routes;
  auto added = routes.add(
      method::get, "/events", [&parked](const incoming&, responder reply) {
        auto header = make_response(status::ok, {}, "text/event-stream");
        parked.set_value(reply.stream(std::move(header)));
      });
  CAF_REQUIRE(added);
  return routes;
}

/// The last chunk of a chunked body (no trailer).
constexpr std::string_view last_chunk = "0\r\n\r\n";

} // namespace

CAF_TEST_FIXTURE_SCOPE(http_stream_tests, server_fixture)

CAF_TEST(pieces arrive as chunks and the connection serves the next request) {
  std::promise<response_stream> parked;
  auto routes = streaming_routes(parked);
  CAF_REQUIRE(routes.add_sync(method::get, "/hello", [](const incoming&) {
    return make_response(status::ok, "hello\n", "text/plain");
  }));
  serve(quick_options(), std::move(routes));
  client c{port()};
  CAF_REQUIRE(c.send(get_request("/events")));
  auto stream = parked.get_future().get();
  CAF_CHECK(stream.open());
  auto header = c.read_until("\r\n\r\n", 5s);
  CAF_REQUIRE(header);
  CAF_CHECK_EQUAL(status_of(*header), 200);
  CAF_CHECK(header->find("Transfer-Encoding: chunked") != std::string::npos);
  CAF_CHECK(header->find("Content-Type: text/event-stream") !=
            std::string::npos);
  CAF_CHECK(stream.write("data: one\n\n"));
  CAF_CHECK(c.read_until("data: one\n\n", 5s));
  // Longer than the write deadline (300 ms) between pieces: waiting for
  // the next piece is not writing, and the connection stays.
  CAF_CHECK(!c.closed_within(500ms));
  CAF_CHECK(stream.write("data: two\n\n"));
  CAF_CHECK(stream.write(""));
  stream.close();
  CAF_CHECK(!stream.open());
  CAF_CHECK(!stream.write("data: late\n\n"));
  auto rest = c.read_until(last_chunk, 5s);
  CAF_REQUIRE(rest);
  CAF_CHECK(rest->find("data: two\n\n") != std::string::npos);
  CAF_CHECK(rest->find("late") == std::string::npos);
  // Kept alive: the next request on the same connection is answered.
  CAF_REQUIRE(c.send(get_request("/hello")));
  auto next = c.read_response(5s);
  CAF_REQUIRE(next);
  CAF_CHECK_EQUAL(status_of(*next), 200);
  CAF_CHECK_EQUAL(server->stats().requests, 2u);
}

CAF_TEST(a stream learns that its client left when it writes) {
  std::promise<response_stream> parked;
  serve(quick_options(), streaming_routes(parked));
  auto c = std::make_unique<client>(port());
  CAF_REQUIRE(c->send(get_request("/events")));
  auto stream = parked.get_future().get();
  CAF_REQUIRE(c->read_until("\r\n\r\n", 5s));
  c.reset(); // the client closes
  // The first writes may still land in the socket's buffers; a reset or a
  // broken pipe ends the stream soon after.
  CAF_CHECK(eventually([&] { return !stream.write(": ping\n\n"); }, 5s));
  CAF_CHECK(counts(&server_stats::connections_open, 0));
}

CAF_TEST(a client that reads too slowly is cut off) {
  std::promise<response_stream> parked;
  auto options = quick_options();
  options.max_stream_queue = 64 * 1024;
  options.write_timeout = 5s;
  serve(options, streaming_routes(parked));
  client c{port()};
  CAF_REQUIRE(c.send(get_request("/events")));
  auto stream = parked.get_future().get();
  // The client never reads: the socket's buffers fill, then the queue.
  std::string piece(16 * 1024, 'x');
  std::size_t written = 0;
  while (stream.write(piece) && written < 64 * 1024 * 1024)
    written += piece.size();
  CAF_CHECK(!stream.open());
  CAF_CHECK_LESS(written, 64u * 1024 * 1024);
  CAF_CHECK_EQUAL(server->stats().streams_cut, 1u);
  CAF_CHECK(counts(&server_stats::connections_open, 0));
}

CAF_TEST(stopping the server ends a stream with its last chunk) {
  std::promise<response_stream> parked;
  serve(quick_options(), streaming_routes(parked));
  client c{port()};
  CAF_REQUIRE(c.send(get_request("/events")));
  auto stream = parked.get_future().get();
  CAF_CHECK(stream.write("data: before\n\n"));
  CAF_REQUIRE(c.read_until("data: before\n\n", 5s));
  auto stopped = std::async(std::launch::async, [this] { server->stop(); });
  CAF_CHECK(c.read_until(last_chunk, 5s));
  CAF_CHECK(c.closed_within(5s));
  CAF_CHECK(stopped.wait_for(5s) == std::future_status::ready);
  CAF_CHECK(!stream.open());
  CAF_CHECK(!stream.write("data: after\n\n"));
}

CAF_TEST(an HTTP 1.0 client gets the body until the connection closes) {
  std::promise<response_stream> parked;
  serve(quick_options(), streaming_routes(parked));
  client c{port()};
  CAF_REQUIRE(c.send("GET /events HTTP/1.0\r\n\r\n"));
  auto stream = parked.get_future().get();
  CAF_CHECK(stream.write("data: one\n\n"));
  stream.close();
  CAF_CHECK(c.closed_within(5s));
  const auto& got = c.pending();
  CAF_CHECK(got.find("Transfer-Encoding") == std::string::npos);
  CAF_CHECK(got.find("\r\n\r\ndata: one\n\n") != std::string::npos);
}

CAF_TEST(a responder that answered already gives a closed stream) {
  std::promise<response_stream> parked;
  router routes;
  CAF_REQUIRE(routes.add(
      method::get, "/twice", [&parked](const incoming&, responder reply) {
        reply.send(make_response(status::ok, "once\n", "text/plain"));
        parked.set_value(
            reply.stream(make_response(status::ok, {}, "text/event-stream")));
      }));
  serve(quick_options(), std::move(routes));
  client c{port()};
  CAF_REQUIRE(c.send(get_request("/twice")));
  auto stream = parked.get_future().get();
  CAF_CHECK(!stream.open());
  CAF_CHECK(!stream.write("data: x\n\n"));
  auto answer = c.read_response(5s);
  CAF_REQUIRE(answer);
  CAF_CHECK(answer->find("once") != std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
