#define CAF_SUITE api.events
#include <memory>
#include <mutex>
#include <string>
#include <variant>

#include <caf/all.hpp>
#include <caf/test/unit_test.hpp>

#include "actors/protocol/error.hpp"
#include "tests/api/api_fixture.hpp"

#include "api/events.hpp"

// A run's events as Server-Sent Events: their text, the Last-Event-ID a
// client resumes from, and GET /v1/runs/{id}/events over a loopback socket
// against a node of the suite's own.

using namespace warden;
using namespace std::chrono_literals;
using warden::api::test::has;
using warden::net::test::client;
using warden::net::test::status_of;

namespace {

using push_atom = caf::atom_constant<caf::atom("push")>;

run_event event(run_id run, std::uint64_t seq, const char* kind,
                run_state state = run_state::running) {
  run_event result;
  result.run = run;
  result.seq = seq;
  result.kind = kind;
  result.state = state;
  if (std::string{kind} == "tool_started")
    result.step = {step_kind::tool_started, 1, 0, "lookup", 0, 0, 0, false, {}};
  if (std::string{kind} == "final") {
    result.state = run_state::succeeded;
    result.detail = "done";
  }
  return result;
}

run_status status(run_id run, run_state state) {
  run_status result;
  result.run = run;
  result.tenant = "acme";
  result.state = state;
  result.reason = state == run_state::succeeded ? "done" : "";
  return result;
}

/// acme's runs: 42 ended and its three events are held; 43 runs (event 1
/// at once, 2 and 3 when the test sends `push`, with a delta before them
/// for a subscriber that asked for deltas); 44 ended long ago (no events
/// held). Nothing else exists.
caf::behavior fake_node(caf::event_based_actor* self) {
  auto live = std::make_shared<caf::actor>();
  auto deltas = std::make_shared<bool>(false);
  return {
      [self, live,
       deltas](const subscribe_run& x) -> caf::result<run_subscription> {
        auto send_after = [&](const run_event& e) {
          if (e.seq > x.after)
            self->send(x.subscriber, e);
        };
        if (x.tenant == "acme" && x.run == 42) {
          send_after(event(42, 1, "started"));
          send_after(event(42, 2, "tool_started"));
          send_after(event(42, 3, "final"));
          return run_subscription{status(42, run_state::succeeded), 3};
        }
        if (x.tenant == "acme" && x.run == 43) {
          send_after(event(43, 1, "started"));
          *live = x.subscriber;
          *deltas = x.deltas;
          return run_subscription{status(43, run_state::running), 1};
        }
        if (x.tenant == "acme" && x.run == 44)
          return run_subscription{status(44, run_state::succeeded), 0};
        return make_error(error_code::not_found, "no run " +
                                                     std::to_string(x.run) +
                                                     " for tenant " + x.tenant);
      },
      [self, live, deltas](push_atom) {
        if (*deltas)
          self->send(*live, run_delta{43, 1, "Hel", false});
        self->send(*live, event(43, 2, "tool_started"));
        self->send(*live, event(43, 3, "final"));
      },
  };
}

struct fixture : warden::api::test::api_fixture {
  fixture() : api_fixture(fake_node) {}

  /// Sends GET /v1/runs/{id}/events on `c` with `extra` header lines.
  void follow(client& c, const std::string& run,
              const std::string& key = "wk_acme",
              const std::string& extra = {}) {
    CAF_REQUIRE(c.connected());
    CAF_REQUIRE(c.send("GET /v1/runs/" + run +
                       "/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Authorization: Bearer " +
                       key + "\r\n" + extra + "\r\n"));
  }

  /// The whole stream of a run that ends: header and chunks up to the last.
  std::string whole_stream(const std::string& run,
                           const std::string& extra = {}) {
    client c{server->port()};
    follow(c, run, "wk_acme", extra);
    auto text = c.read_until("\r\n0\r\n\r\n", 10s);
    CAF_REQUIRE(text);
    return *text;
  }
};

} // namespace

CAF_TEST(last event ids are a seq or final and nothing else) {
  auto none = api::parse_last_event_id(std::nullopt);
  CAF_REQUIRE(std::holds_alternative<api::resume_point>(none));
  CAF_CHECK_EQUAL(std::get<api::resume_point>(none).after, 0u);
  auto seven = api::parse_last_event_id(std::string_view{"7"});
  CAF_REQUIRE(std::holds_alternative<api::resume_point>(seven));
  CAF_CHECK_EQUAL(std::get<api::resume_point>(seven).after, 7u);
  auto final = api::parse_last_event_id(std::string_view{"final"});
  CAF_REQUIRE(std::holds_alternative<api::resume_point>(final));
  CAF_CHECK(std::get<api::resume_point>(final).final_seen);
  for (auto bad : {"x", "-1", "1.5", " 7", "99999999999999999999999",
                   "18446744073709551616"}) {
    auto parsed = api::parse_last_event_id(std::string_view{bad});
    CAF_REQUIRE(std::holds_alternative<api::http_error>(parsed));
    const auto& err = std::get<api::http_error>(parsed);
    CAF_CHECK_EQUAL(err.status, 400u);
    CAF_CHECK(err.message.find("Last-Event-ID") != std::string::npos);
  }
  auto largest =
      api::parse_last_event_id(std::string_view{"18446744073709551615"});
  CAF_CHECK(std::holds_alternative<api::resume_point>(largest));
}

CAF_TEST(an event is one id line one event line and one data line) {
  auto text = api::sse_event_text(event(42, 2, "tool_started"));
  CAF_CHECK_EQUAL(text.substr(0, 27), "id: 2\nevent: tool_started\nd");
  CAF_CHECK_EQUAL(text.substr(text.size() - 2), "\n\n");
  auto data = text.substr(text.find("data: ") + 6);
  data.resize(data.size() - 2);
  CAF_CHECK(data.find('\n') == std::string::npos);
  auto json = nlohmann::json::parse(data);
  CAF_CHECK_EQUAL(json["seq"], 2);
  CAF_CHECK_EQUAL(json["run_id"], 42);
  CAF_CHECK_EQUAL(json["status"], "running");
  CAF_CHECK_EQUAL(json["step"]["name"], "lookup");
  CAF_CHECK_EQUAL(json["step"]["index"], 1);
  // Lifecycle events have no step; a detail with line breaks or bytes
  // that are not UTF-8 stays one line of valid JSON.
  auto final = event(42, 3, "final");
  final.detail = "two\nlines \xff";
  auto end = api::sse_event_text(final);
  CAF_CHECK(end.find("\"step\"") == std::string::npos);
  auto end_data = end.substr(end.find("data: ") + 6);
  CAF_CHECK_EQUAL(end_data.find('\n'), end_data.size() - 2);
  CAF_CHECK(nlohmann::json::parse(end_data)["detail"].is_string());
}

CAF_TEST_FIXTURE_SCOPE(events_tests, fixture)

CAF_TEST(a run that ended streams its events and the stream ends) {
  auto text = whole_stream("42");
  CAF_CHECK_EQUAL(status_of(text), 200);
  CAF_CHECK(has(text, "Content-Type: text/event-stream"));
  CAF_CHECK(has(text, "Cache-Control: no-cache"));
  CAF_CHECK(has(text, "Transfer-Encoding: chunked"));
  auto first = text.find("id: 1\nevent: started\n");
  auto second = text.find("id: 2\nevent: tool_started\n");
  auto third = text.find("id: 3\nevent: final\n");
  CAF_CHECK(first != std::string::npos);
  CAF_CHECK(second != std::string::npos && second > first);
  CAF_CHECK(third != std::string::npos && third > second);
}

CAF_TEST(last event id resumes after that event) {
  auto text = whole_stream("42", "Last-Event-ID: 2\r\n");
  CAF_CHECK_EQUAL(status_of(text), 200);
  CAF_CHECK(!has(text, "event: started"));
  CAF_CHECK(!has(text, "event: tool_started"));
  CAF_CHECK(has(text, "id: 3\nevent: final\n"));
}

CAF_TEST(a client with every event gets 204) {
  auto all =
      call("GET", "/v1/runs/42/events", "wk_acme", {}, "Last-Event-ID: 3\r\n");
  CAF_CHECK_EQUAL(status_of(all), 204);
  auto gone = call("GET", "/v1/runs/44/events", "wk_acme", {},
                   "Last-Event-ID: final\r\n");
  CAF_CHECK_EQUAL(status_of(gone), 204);
}

CAF_TEST(a run whose events are gone streams its final status) {
  auto text = whole_stream("44");
  CAF_CHECK_EQUAL(status_of(text), 200);
  CAF_CHECK(has(text, "id: final\nevent: final\n"));
  CAF_CHECK(has(text, "\"status\":\"succeeded\""));
}

CAF_TEST(a running run streams its events as they come) {
  client c{server->port()};
  follow(c, "43");
  CAF_REQUIRE(c.read_until("id: 1\nevent: started\n", 10s));
  // Nothing more comes until the run moves on; the stream stays open.
  CAF_CHECK(!c.closed_within(200ms));
  caf::anon_send(node, push_atom::value);
  auto rest = c.read_until("\r\n0\r\n\r\n", 10s);
  CAF_REQUIRE(rest);
  CAF_CHECK(has(*rest, "id: 2\nevent: tool_started\n"));
  CAF_CHECK(has(*rest, "id: 3\nevent: final\n"));
  // The connection is kept alive for the next request.
  CAF_REQUIRE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto next = c.read_response(10s);
  CAF_REQUIRE(next);
  CAF_CHECK_EQUAL(status_of(*next), 200);
}

CAF_TEST(deltas come between the events when asked for and carry no id) {
  for (bool asked : {true, false}) {
    client c{server->port()};
    CAF_REQUIRE(c.send(std::string{"GET /v1/runs/43/events"} +
                       (asked ? "?deltas=true" : "") +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Authorization: Bearer wk_acme\r\n\r\n"));
    CAF_REQUIRE(c.read_until("id: 1\nevent: started\n", 10s));
    caf::anon_send(node, push_atom::value);
    auto rest = c.read_until("\r\n0\r\n\r\n", 10s);
    CAF_REQUIRE(rest);
    auto delta = rest->find("event: delta\ndata: "
                            R"({"restarted":false,"run_id":43,"step":1,)"
                            R"("text":"Hel"})");
    CAF_CHECK_EQUAL(delta != std::string::npos, asked);
    if (asked)
      CAF_CHECK(delta < rest->find("id: 2\nevent: tool_started\n"));
  }
  auto bad = call("GET", "/v1/runs/43/events?deltas=yes", "wk_acme");
  CAF_CHECK_EQUAL(status_of(bad), 400);
}

CAF_TEST(errors come before any event) {
  auto other = call("GET", "/v1/runs/42/events", "wk_globex");
  CAF_CHECK_EQUAL(status_of(other), 404);
  auto unknown = call("GET", "/v1/runs/45/events", "wk_acme");
  CAF_CHECK_EQUAL(status_of(unknown), 404);
  auto nokey = call("GET", "/v1/runs/42/events");
  CAF_CHECK_EQUAL(status_of(nokey), 401);
  auto admin = call("GET", "/v1/runs/42/events", "wk_ops");
  CAF_CHECK_EQUAL(status_of(admin), 403);
  auto bad = call("GET", "/v1/runs/42/events", "wk_acme", {},
                  "Last-Event-ID: soon\r\n");
  CAF_CHECK_EQUAL(status_of(bad), 400);
  CAF_CHECK(has(bad, "Last-Event-ID"));
}

CAF_TEST_FIXTURE_SCOPE_END()
