#define CAF_SUITE net.http_server
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "tests/net/server_fixture.hpp"

using namespace warden::net;
using namespace warden::net::test;

namespace {

/// Routes GET /later to a handler that hands its responder to the test.
router parking_routes(std::promise<responder>& parked) {
  router routes;
  auto added = routes.add(method::get, "/later",
                          [&parked](const incoming&, responder reply) {
                            parked.set_value(std::move(reply));
                          });
  CAF_REQUIRE(added);
  return routes;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(http_server_tests, server_fixture)

CAF_TEST(a route answers twice on one kept alive connection) {
  serve(quick_options(), hello_routes());
  client c{port()};
  CAF_REQUIRE(c.connected());
  for (int i = 0; i < 2; ++i) {
    CAF_REQUIRE(c.send(get_request("/hello")));
    auto answer = c.read_response(5s);
    CAF_REQUIRE(answer);
    CAF_CHECK_EQUAL(status_of(*answer), 200);
    CAF_CHECK(answer->find("\r\n\r\nhello\n") != std::string::npos);
  }
  CAF_CHECK_EQUAL(server->stats().requests, 2u);
  CAF_CHECK_EQUAL(server->stats().connections_accepted, 1u);
}

CAF_TEST(the query is split from the path) {
  router routes;
  CAF_REQUIRE(routes.add_sync(method::get, "/echo", [](const incoming& in) {
    return make_response(status::ok, std::string{in.query}, "text/plain");
  }));
  serve(quick_options(), std::move(routes));
  client c{port()};
  CAF_REQUIRE(c.send(get_request("/echo?a=1&b=2")));
  auto answer = c.read_response(5s);
  CAF_REQUIRE(answer);
  CAF_CHECK(answer->find("\r\n\r\na=1&b=2") != std::string::npos);
}

CAF_TEST(a handler reads the path parameters its route captured) {
  router routes;
  CAF_REQUIRE(routes.add_sync(
      method::get, "/v1/runs/{id}/steps/{step}", [](const incoming& in) {
        return make_response(status::ok,
                             std::string{in.param("id")} + "." +
                                 std::string{in.param("step")} + "." +
                                 std::string{in.param("none")} + "!",
                             "text/plain");
      }));
  serve(quick_options(), std::move(routes));
  client c{port()};
  CAF_REQUIRE(c.send(get_request("/v1/runs/42/steps/3?x=1")));
  auto answer = c.read_response(5s);
  CAF_REQUIRE(answer);
  CAF_CHECK(answer->find("\r\n\r\n42.3.!") != std::string::npos);
}

CAF_TEST(an unknown path is 404 and another method on a known path is 405) {
  serve(quick_options(), hello_routes());
  client c{port()};
  CAF_REQUIRE(c.send(get_request("/nothing")));
  auto missing = c.read_response(5s);
  CAF_REQUIRE(missing);
  CAF_CHECK_EQUAL(status_of(*missing), 404);
  CAF_REQUIRE(c.send("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: "
                     "0\r\n\r\n"));
  auto wrong = c.read_response(5s);
  CAF_REQUIRE(wrong);
  CAF_CHECK_EQUAL(status_of(*wrong), 405);
  CAF_CHECK(wrong->find("Allow: GET\r\n") != std::string::npos);
}

CAF_TEST(an observer sees each answer with its route pattern and status) {
  struct seen {
    method verb;
    std::string route;
    unsigned status;
  };
  auto log = std::make_shared<std::vector<seen>>();
  auto mutex = std::make_shared<std::mutex>();
  auto options = quick_options();
  options.max_body_bytes = 16;
  options.on_answer = [log, mutex](const answered& x) {
    std::lock_guard<std::mutex> guard{*mutex};
    log->push_back({x.verb, std::string{x.route}, x.status});
  };
  router routes;
  CAF_REQUIRE(routes.add_sync(method::get, "/runs/{id}", [](const incoming&) {
    return make_response(status::ok, "run\n", "text/plain");
  }));
  serve(options, std::move(routes));
  client c{port()};
  CAF_REQUIRE(c.send(get_request("/runs/42")));
  CAF_REQUIRE(c.read_response(5s));
  CAF_REQUIRE(c.send(get_request("/nothing")));
  CAF_REQUIRE(c.read_response(5s));
  CAF_REQUIRE(c.send("POST /runs/7 HTTP/1.1\r\nHost: x\r\nContent-Length: "
                     "100\r\n\r\n"));
  CAF_REQUIRE(c.read_response(5s));
  std::lock_guard<std::mutex> guard{*mutex};
  CAF_REQUIRE_EQUAL(log->size(), 3u);
  CAF_CHECK((*log)[0].verb == method::get);
  CAF_CHECK_EQUAL((*log)[0].route, "/runs/{id}");
  CAF_CHECK_EQUAL((*log)[0].status, 200u);
  CAF_CHECK_EQUAL((*log)[1].route, "");
  CAF_CHECK_EQUAL((*log)[1].status, 404u);
  // Refused from its Content-Length, before routing.
  CAF_CHECK((*log)[2].verb == method::post);
  CAF_CHECK_EQUAL((*log)[2].route, "");
  CAF_CHECK_EQUAL((*log)[2].status, 413u);
}

CAF_TEST(a head request gets the get header without the body) {
  auto options = quick_options();
  options.idle_timeout = 10'000ms;
  serve(options, hello_routes());
  client c{port()};
  CAF_REQUIRE(c.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  // Content-Length says 6, yet no body follows: the reader would wait for
  // it, so read what comes within 300 ms.
  CAF_CHECK(!c.closed_within(300ms));
  CAF_CHECK_EQUAL(c.pending(), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                               "Content-Length: 6\r\n\r\n");
  c.drop_pending();
  CAF_REQUIRE(c.send(get_request("/hello")));
  auto answer = c.read_response(5s);
  CAF_REQUIRE(answer);
  CAF_CHECK(answer->find("\r\n\r\nhello\n") != std::string::npos);
}

CAF_TEST(a client asking to close gets its answer and then the close) {
  serve(quick_options(), hello_routes());
  client c{port()};
  CAF_REQUIRE(c.send(get_request("/hello", false)));
  auto answer = c.read_response(5s);
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(status_of(*answer), 200);
  CAF_CHECK(c.closed_within(2s));
}

CAF_TEST(a handler answers later from another thread) {
  std::promise<responder> parked;
  auto routes = parking_routes(parked);
  serve(quick_options(), std::move(routes));
  client c{port()};
  CAF_REQUIRE(c.send(get_request("/later")));
  auto reply = parked.get_future().get();
  CAF_CHECK(reply.pending());
  std::thread answering{[&reply] {
    reply.send(make_response(status::accepted, "later\n", "text/plain"));
  }};
  answering.join();
  CAF_CHECK(!reply.pending());
  auto answer = c.read_response(5s);
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(status_of(*answer), 202);
  // Still kept alive after an answer that came late.
  CAF_REQUIRE(c.send(get_request("/nothing")));
  auto next = c.read_response(5s);
  CAF_REQUIRE(next);
  CAF_CHECK_EQUAL(status_of(*next), 404);
}

CAF_TEST(a handler that drops its responder or throws answers 500) {
  router routes;
  CAF_REQUIRE(routes.add(method::get, "/drop", [](const incoming&, responder) {
    // forgets to answer
  }));
  CAF_REQUIRE(
      routes.add(method::get, "/throw", [](const incoming&, responder) -> void {
        throw std::runtime_error{"handler bug"};
      }));
  serve(quick_options(), std::move(routes));
  client c{port()};
  for (auto path : {"/drop", "/throw"}) {
    CAF_REQUIRE(c.send(get_request(path)));
    auto answer = c.read_response(5s);
    CAF_REQUIRE(answer);
    CAF_CHECK_EQUAL(status_of(*answer), 500);
  }
}

CAF_TEST(an answer after the server stopped is dropped quietly) {
  std::promise<responder> parked;
  auto routes = parking_routes(parked);
  auto options = quick_options();
  options.stop_grace = 100ms;
  serve(options, std::move(routes));
  client c{port()};
  CAF_REQUIRE(c.send(get_request("/later")));
  auto reply = parked.get_future().get();
  auto start = test_clock::now();
  server->stop();
  CAF_CHECK_LESS(elapsed_ms(start), 2'000);
  CAF_CHECK(c.closed_within(2s));
  reply.send(make_response(status::ok, "too late\n", "text/plain"));
  server.reset();
  CAF_CHECK(!reply.pending());
}

CAF_TEST(stop closes idle connections and lets an answer in progress finish) {
  std::promise<responder> parked;
  auto routes = parking_routes(parked);
  serve(quick_options(), std::move(routes));
  client idle{port()};
  client busy{port()};
  CAF_REQUIRE(busy.send(get_request("/later")));
  auto reply = parked.get_future().get();
  auto start = test_clock::now();
  std::thread stopping{[this] { server->stop(); }};
  CAF_CHECK(idle.closed_within(2s));
  reply.send(make_response(status::ok, "done\n", "text/plain"));
  auto answer = busy.read_response(2s);
  stopping.join();
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(status_of(*answer), 200);
  CAF_CHECK(answer->find("Connection: close") != std::string::npos);
  CAF_CHECK(busy.closed_within(2s));
  // Well within the grace: the answer, not the grace, ended the stop.
  CAF_CHECK_LESS(elapsed_ms(start), 1'500);
  client late{port()};
  CAF_CHECK(!late.connected());
}

CAF_TEST_FIXTURE_SCOPE_END()
