#define CAF_SUITE net.http_client
#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "tests/net/client_fixture.hpp"

using namespace warden::net;
using namespace warden::net::test;

namespace {

/// Whether `text` holds `part`.
bool holds(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(http_client_tests, client_fixture)

CAF_TEST(a response with a content length is read whole) {
  std::promise<std::string> seen;
  script_server server{[&seen](client& peer, std::size_t index) {
    auto request = peer.read_request(5s);
    if (index == 0)
      seen.set_value(request.value_or(""));
    peer.send(ok_response("hello"));
    peer.closed_within(5s);
  }};
  start();
  client_request request;
  request.verb = method::post;
  request.target = local_origin(server.port()).target("/chat");
  request.headers = {{"Authorization", "Bearer key"}};
  request.body = "{}";
  request.timeout = 10s;
  auto record = send(local_origin(server.port()), request).first;
  CAF_REQUIRE(record->wait_done(5s));
  CAF_CHECK(record->succeeded());
  CAF_CHECK_EQUAL(record->status(), 200u);
  CAF_CHECK_EQUAL(record->body(), "hello");
  auto head = record->head();
  CAF_REQUIRE(head);
  CAF_REQUIRE(head->find("Content-Type") != nullptr);
  CAF_CHECK_EQUAL(*head->find("Content-Type"), "text/plain");
  CAF_CHECK_EQUAL(head->headers.front().first, "content-type");
  auto sent = seen.get_future();
  CAF_REQUIRE(sent.wait_for(5s) == std::future_status::ready);
  auto text = sent.get();
  CAF_CHECK(holds(text, "POST /chat HTTP/1.1\r\n"));
  CAF_CHECK(holds(text, "Host: 127.0.0.1:" + std::to_string(server.port())));
  CAF_CHECK(holds(text, "User-Agent: warden\r\n"));
  CAF_CHECK(holds(text, "Authorization: Bearer key\r\n"));
  CAF_CHECK(holds(text, "Content-Length: 2\r\n"));
  CAF_CHECK(holds(text, "\r\n\r\n{}"));
  CAF_CHECK_EQUAL(http->stats().completed, 1u);
}

CAF_TEST(a chunked body arrives piece by piece before its end) {
  gate go;
  script_server server{[&go](client& peer, std::size_t) {
    if (!peer.read_request(5s))
      return;
    peer.send(chunked_head() + chunk("first "));
    if (!go.wait(5s))
      return;
    peer.send(chunk("second") + std::string{last_chunk});
    peer.closed_within(5s);
  }};
  start();
  auto record = get(server.port());
  // The first piece is there while the server still holds the rest.
  CAF_REQUIRE(record->wait_body(6, 5s));
  CAF_CHECK_EQUAL(record->body(), "first ");
  CAF_CHECK_EQUAL(record->status(), 200u);
  CAF_CHECK_EQUAL(record->ends(), 0);
  go.open();
  CAF_REQUIRE(record->wait_done(5s));
  CAF_CHECK(record->succeeded());
  CAF_CHECK_EQUAL(record->body(), "first second");
  CAF_CHECK_GREATER_OR_EQUAL(record->pieces(), 2u);
}

CAF_TEST(a body the server ends by closing is read whole) {
  script_server server{[](client& peer, std::size_t) {
    if (peer.read_request(5s))
      peer.send("HTTP/1.1 200 OK\r\n\r\nuntil the end");
  }};
  start();
  auto record = get_done(server.port());
  CAF_CHECK(record->succeeded());
  CAF_CHECK_EQUAL(record->body(), "until the end");
  CAF_CHECK_EQUAL(http->stats().open_now, 0u);
}

CAF_TEST(ten sequential requests share one kept alive connection) {
  script_server server{
      [](client& peer, std::size_t) { answer_all(peer, "again"); }};
  start();
  for (int i = 0; i < 10; ++i) {
    auto record = get_done(server.port());
    CAF_CHECK(record->succeeded());
    CAF_CHECK_EQUAL(record->body(), "again");
  }
  auto stats = http->stats();
  CAF_CHECK_EQUAL(stats.connections_opened, 1u);
  CAF_CHECK_EQUAL(stats.reused, 9u);
  CAF_CHECK_EQUAL(stats.completed, 10u);
  CAF_CHECK_EQUAL(stats.open_now, 1u);
  CAF_CHECK_EQUAL(stats.idle_now, 1u);
  CAF_CHECK_EQUAL(server.accepted(), 1u);
}

CAF_TEST(a response with connection close makes the next request open anew) {
  script_server server{[](client& peer, std::size_t) {
    if (peer.read_request(5s))
      peer.send(ok_response("bye", true));
  }};
  start();
  for (int i = 0; i < 2; ++i) {
    auto record = get_done(server.port());
    CAF_CHECK(record->succeeded());
  }
  CAF_CHECK_EQUAL(http->stats().connections_opened, 2u);
  CAF_CHECK_EQUAL(http->stats().reused, 0u);
  CAF_CHECK_EQUAL(server.accepted(), 2u);
}

CAF_TEST(an idle connection the server closed is replaced without a failure) {
  script_server server{[](client& peer, std::size_t index) {
    if (index > 0)
      return answer_all(peer, "two");
    if (peer.read_request(5s))
      peer.send(ok_response("one"));
  }};
  start();
  auto first = get_done(server.port());
  CAF_CHECK(first->succeeded());
  CAF_REQUIRE(eventually([&server] { return server.open_now() == 0; }, 5s));
  auto second = get_done(server.port());
  CAF_CHECK(second->succeeded());
  CAF_CHECK_EQUAL(second->body(), "two");
  CAF_CHECK_EQUAL(http->stats().connections_opened, 2u);
}

CAF_TEST(a request dropped unanswered on a kept alive connection goes again) {
  script_server server{[](client& peer, std::size_t index) {
    if (index > 0)
      return answer_all(peer, "two");
    if (peer.read_request(5s))
      peer.send(ok_response("one"));
    // The stale keep-alive race: the request arrives as the server
    // closes, and not a byte of an answer is sent.
    peer.read_request(5s);
  }};
  start();
  auto first = get_done(server.port());
  auto second = get_done(server.port());
  CAF_CHECK(second->succeeded());
  CAF_CHECK_EQUAL(second->body(), "two");
  CAF_CHECK_EQUAL(http->stats().retried, 1u);
  CAF_CHECK_EQUAL(server.accepted(), 2u);
}

CAF_TEST(a request is not sent again once bytes of its response arrived) {
  script_server server{[](client& peer, std::size_t index) {
    if (index > 0)
      return answer_all(peer, "never");
    if (peer.read_request(5s))
      peer.send(ok_response("one"));
    if (peer.read_request(5s))
      peer.send("HTTP/1.1 200 OK\r\nContent-Le");
  }};
  start();
  auto first = get_done(server.port());
  auto second = get_done(server.port());
  CAF_CHECK_EQUAL(second->kind(), failure_kind::reset);
  CAF_CHECK_EQUAL(http->stats().retried, 0u);
  CAF_CHECK_EQUAL(server.accepted(), 1u);
}

CAF_TEST(requests beyond the pool bound wait in line and all complete) {
  gate release;
  script_server server{[&release](client& peer, std::size_t) {
    while (peer.read_request(5s)) {
      if (!release.wait(5s) || !peer.send(ok_response("slow")))
        return;
    }
  }};
  auto options = quick_client_options();
  options.max_connections_per_origin = 2;
  start(options);
  std::vector<std::shared_ptr<recorder>> records;
  for (int i = 0; i < 5; ++i)
    records.push_back(get(server.port()));
  CAF_REQUIRE(eventually(
      [this, &server] {
        return server.open_now() == 2 && http->stats().waiting_now == 3;
      },
      5s));
  CAF_CHECK_EQUAL(http->stats().open_now, 2u);
  release.open();
  for (auto& record : records) {
    CAF_REQUIRE(record->wait_done(5s));
    CAF_CHECK(record->succeeded());
  }
  CAF_CHECK_LESS_OR_EQUAL(server.most_open(), 2u);
  CAF_CHECK_EQUAL(server.accepted(), 2u);
  CAF_CHECK_EQUAL(http->stats().connections_opened, 2u);
  CAF_CHECK_EQUAL(http->stats().reused, 3u);
  CAF_CHECK_EQUAL(http->stats().waiting_now, 0u);
}

CAF_TEST(requests from several threads to several origins all complete) {
  script_server first{
      [](client& peer, std::size_t) { answer_all(peer, "first"); }};
  script_server second{
      [](client& peer, std::size_t) { answer_all(peer, "second"); }};
  auto options = quick_client_options();
  options.threads = 2;
  options.max_connections_per_origin = 3;
  start(options);
  std::vector<std::shared_ptr<recorder>> records;
  std::mutex records_mutex;
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t)
    senders.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto port = (t + i) % 2 == 0 ? first.port() : second.port();
        auto record = get(port);
        std::lock_guard<std::mutex> guard{records_mutex};
        records.push_back(std::move(record));
      }
    });
  for (auto& sender : senders)
    sender.join();
  for (auto& record : records) {
    CAF_REQUIRE(record->wait_done(10s));
    CAF_CHECK(record->succeeded());
  }
  CAF_CHECK_EQUAL(http->stats().completed, 100u);
  CAF_CHECK_LESS_OR_EQUAL(first.most_open(), 3u);
  CAF_CHECK_LESS_OR_EQUAL(second.most_open(), 3u);
}

CAF_TEST(a request beyond max waiting fails at once as overloaded) {
  script_server server{[](client& peer, std::size_t) {
    if (peer.read_request(5s))
      peer.closed_within(5s);
  }};
  auto options = quick_client_options();
  options.max_connections_per_origin = 1;
  options.max_waiting = 1;
  start(options);
  auto sent = get(server.port());
  auto waiting = get(server.port());
  auto refused = get_done(server.port());
  CAF_CHECK_EQUAL(refused->kind(), failure_kind::overloaded);
  CAF_CHECK_EQUAL(sent->ends(), 0);
  CAF_CHECK_EQUAL(waiting->ends(), 0);
  CAF_CHECK_EQUAL(http->stats().failed(failure_kind::overloaded), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
