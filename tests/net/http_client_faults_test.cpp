#define CAF_SUITE net.http_client_faults
#include <arpa/inet.h>
#include <atomic>
#include <netinet/in.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/test/unit_test.hpp>

#include "tests/net/client_fixture.hpp"

using namespace warden::net;
using namespace warden::net::test;

namespace {

/// A port on 127.0.0.1 that nothing listens on: bound, then let go.
std::uint16_t unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

/// Whether the failure `record` got names `part`.
bool names(recorder& record, const std::string& part) {
  auto failure = record.failure();
  return failure && failure->message.find(part) != std::string::npos;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(http_client_fault_tests, client_fixture)

CAF_TEST(a server that never answers times out within the bound) {
  std::atomic<bool> closed{false};
  script_server server{[&closed](client& peer, std::size_t) {
    if (peer.read_request(5s))
      closed = peer.closed_within(5s);
  }};
  start();
  auto begun = test_clock::now();
  auto record = get(server.port(), "/", 300ms);
  CAF_REQUIRE(record->wait_done(5s));
  auto took = elapsed_ms(begun);
  CAF_MESSAGE("timed out after " << took << " ms");
  CAF_CHECK_EQUAL(record->kind(), failure_kind::timeout);
  CAF_CHECK_GREATER_OR_EQUAL(took, 250);
  CAF_CHECK_LESS(took, 3'000);
  CAF_CHECK(names(*record, "127.0.0.1:" + std::to_string(server.port())));
  CAF_CHECK(eventually([&closed] { return closed.load(); }, 5s));
  CAF_CHECK_EQUAL(http->stats().open_now, 0u);
}

CAF_TEST(cancel mid body ends the call once and closes the connection) {
  std::atomic<bool> closed{false};
  script_server server{[&closed](client& peer, std::size_t) {
    if (!peer.read_request(5s))
      return;
    peer.send(chunked_head() + chunk("part"));
    closed = peer.closed_within(5s);
  }};
  start();
  auto [record, handle] = send(local_origin(server.port()), client_request{});
  CAF_REQUIRE(record->wait_body(4, 5s));
  handle.cancel();
  CAF_REQUIRE(record->wait_done(5s));
  handle.cancel();
  CAF_CHECK(handle.done());
  CAF_CHECK_EQUAL(record->kind(), failure_kind::cancelled);
  CAF_CHECK(record->failure()->body_started);
  CAF_CHECK(eventually([&closed] { return closed.load(); }, 5s));
  CAF_CHECK_EQUAL(record->ends(), 1);
  CAF_CHECK_EQUAL(http->stats().open_now, 0u);
  CAF_CHECK_EQUAL(http->stats().idle_now, 0u);
}

CAF_TEST(a connection cut mid body fails as reset with the body started) {
  script_server server{[](client& peer, std::size_t) {
    if (peer.read_request(5s))
      peer.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
  }};
  start();
  auto record = get_done(server.port());
  CAF_CHECK_EQUAL(record->kind(), failure_kind::reset);
  CAF_REQUIRE(record->failure());
  CAF_CHECK(record->failure()->body_started);
  CAF_CHECK_EQUAL(record->body(), "0123456789");
  CAF_CHECK(names(*record, "127.0.0.1:" + std::to_string(server.port())));
}

CAF_TEST(a body over the limit fails as too large) {
  script_server server{[](client& peer, std::size_t index) {
    if (!peer.read_request(5s))
      return;
    if (index == 0)
      peer.send("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" +
                std::string(2000, 'x'));
    else
      peer.send(chunked_head() + chunk(std::string(600, 'y')) +
                chunk(std::string(600, 'y')) + std::string{last_chunk});
    peer.closed_within(5s);
  }};
  auto options = quick_client_options();
  options.max_response_bytes = 1000;
  start(options);
  auto announced = get_done(server.port());
  CAF_CHECK_EQUAL(announced->kind(), failure_kind::too_large);
  auto growing = get_done(server.port());
  CAF_CHECK_EQUAL(growing->kind(), failure_kind::too_large);
  CAF_CHECK_LESS_OR_EQUAL(growing->body().size(), 1000u);
  CAF_CHECK_EQUAL(http->stats().open_now, 0u);
}

CAF_TEST(a header over the limit fails as too large) {
  script_server server{[](client& peer, std::size_t) {
    if (peer.read_request(5s))
      peer.send("HTTP/1.1 200 OK\r\nX-Big: " + std::string(2000, 'h') +
                "\r\nContent-Length: 0\r\n\r\n");
    peer.closed_within(5s);
  }};
  auto options = quick_client_options();
  options.max_header_bytes = 1000;
  start(options);
  auto record = get_done(server.port());
  CAF_CHECK_EQUAL(record->kind(), failure_kind::too_large);
}

CAF_TEST(a response that is not HTTP fails as protocol) {
  script_server server{[](client& peer, std::size_t) {
    if (peer.read_request(5s))
      peer.send("SSH-2.0-OpenSSH_9.2\r\n\r\n");
    peer.closed_within(5s);
  }};
  start();
  auto record = get_done(server.port());
  CAF_CHECK_EQUAL(record->kind(), failure_kind::protocol);
}

CAF_TEST(a refused connection fails as connect naming the address) {
  start();
  auto port = unused_port();
  auto record = get_done(port);
  CAF_CHECK_EQUAL(record->kind(), failure_kind::connect);
  CAF_CHECK(names(*record, "127.0.0.1:" + std::to_string(port)));
  CAF_MESSAGE(record->failure()->message);
}

CAF_TEST(an unknown host name fails as dns) {
  start();
  url nowhere;
  nowhere.host = "nonexistent.invalid";
  client_request request;
  request.timeout = 20s;
  auto record = send(nowhere, request).first;
  CAF_REQUIRE(record->wait_done(25s));
  CAF_CHECK_EQUAL(record->kind(), failure_kind::dns);
  CAF_CHECK(names(*record, "nonexistent.invalid:80"));
}

CAF_TEST(a field with CR LF is refused before anything is sent) {
  script_server server{
      [](client& peer, std::size_t) { answer_all(peer, "no"); }};
  start();
  client_request request;
  request.headers = {{"X-Note", "a\r\nInjected: yes"}};
  auto record = send(local_origin(server.port()), request).first;
  CAF_REQUIRE(record->wait_done(5s));
  CAF_CHECK_EQUAL(record->kind(), failure_kind::invalid_request);
  CAF_CHECK_EQUAL(http->stats().connections_opened, 0u);
}

CAF_TEST(a response handler that throws cancels its call) {
  script_server server{
      [](client& peer, std::size_t) { answer_all(peer, "fine"); }};
  start();
  auto record = std::make_shared<recorder>();
  auto handlers = record->handlers();
  handlers.on_head = [](const response_head&) {
    throw std::runtime_error("no thanks");
  };
  http->send(local_origin(server.port()), {}, {}, std::move(handlers));
  CAF_REQUIRE(record->wait_done(5s));
  CAF_CHECK_EQUAL(record->kind(), failure_kind::cancelled);
  CAF_CHECK(names(*record, "no thanks"));
}

CAF_TEST(stop ends every unfinished call exactly once) {
  script_server streaming{[](client& peer, std::size_t) {
    if (!peer.read_request(5s))
      return;
    peer.send(chunked_head() + chunk("x"));
    peer.closed_within(5s);
  }};
  script_server silent{[](client& peer, std::size_t) {
    if (peer.read_request(5s))
      peer.closed_within(5s);
  }};
  auto options = quick_client_options();
  options.max_connections_per_origin = 1;
  start(options);
  auto mid_body = get(streaming.port());
  auto queued = get(streaming.port());
  auto unanswered = get(silent.port());
  CAF_REQUIRE(mid_body->wait_body(1, 5s));
  CAF_REQUIRE(eventually(
      [&silent, this] {
        return silent.accepted() == 1 && http->stats().waiting_now == 1;
      },
      5s));
  http->stop();
  for (auto* record : {&mid_body, &queued, &unanswered}) {
    CAF_CHECK_EQUAL((*record)->ends(), 1);
    CAF_CHECK_EQUAL((*record)->kind(), failure_kind::stopped);
  }
  CAF_CHECK(mid_body->failure()->body_started);
  auto late = get(streaming.port());
  CAF_CHECK_EQUAL(late->ends(), 1);
  CAF_CHECK_EQUAL(late->kind(), failure_kind::stopped);
  CAF_CHECK_EQUAL(http->stats().failed(failure_kind::stopped), 4u);
  CAF_CHECK_EQUAL(http->stats().open_now, 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
