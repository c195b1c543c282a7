#define CAF_SUITE api.chat_stream
#include <memory>
#include <string>

#include <caf/all.hpp>
#include <caf/test/unit_test.hpp>

#include "actors/protocol/error.hpp"
#include "tests/api/api_fixture.hpp"

// POST /v1/chat/completions with `stream: true` over a loopback socket,
// against a node of the suite's own: the chunks follow the run's deltas as
// they come, the final answer goes out whole when its model call streamed
// nothing, and a model call restarted after part of its answer was sent
// ends the stream with an error event.

using namespace warden;
using namespace std::chrono_literals;
using warden::api::test::has;
using warden::net::test::client;
using warden::net::test::status_of;

namespace {

using push_atom = caf::atom_constant<caf::atom("push")>;

/// Runs by the input that submits them.
constexpr run_id live_run = 50;    // streams "Hel", "lo" when pushed
constexpr run_id whole_run = 51;   // ended; its final call streamed nothing
constexpr run_id restart_run = 52; // its call restarts when pushed
constexpr run_id failed_run = 53;  // ended, failed

run_status status(run_id run, run_state state) {
  run_status result;
  result.run = run;
  result.session = 7;
  result.tenant = "acme";
  result.agent = "researcher";
  result.state = state;
  result.output = run == live_run ? "Hello" : "the whole answer";
  result.reason = state == run_state::failed ? "model call failed: down" : "";
  result.usage.prompt_tokens = 12;
  result.usage.completion_tokens = 3;
  return result;
}

run_event event(run_id run, std::uint64_t seq, const char* kind,
                std::uint32_t step = 0) {
  run_event result;
  result.run = run;
  result.seq = seq;
  result.kind = kind;
  result.state = run_state::running;
  if (step != 0)
    result.step = {step_kind::model_started, step, 0, "m", 0, 0, 0, false, {}};
  return result;
}

caf::behavior fake_node(caf::event_based_actor* self) {
  auto live = std::make_shared<caf::actor>();
  auto restart = std::make_shared<caf::actor>();
  return {
      [](const submit_run& x) -> caf::result<run_ack> {
        if (x.input == "live")
          return run_ack{live_run, 7, false};
        if (x.input == "whole")
          return run_ack{whole_run, 7, false};
        if (x.input == "restart")
          return run_ack{restart_run, 7, false};
        return run_ack{failed_run, 7, false};
      },
      [self, live,
       restart](const subscribe_run& x) -> caf::result<run_subscription> {
        if (!x.deltas)
          return make_error(error_code::invalid_argument, "no deltas asked");
        self->send(x.subscriber, event(x.run, 1, "started"));
        self->send(x.subscriber, event(x.run, 2, "model_started", 1));
        if (x.run == live_run)
          *live = x.subscriber;
        if (x.run == restart_run)
          *restart = x.subscriber;
        if (x.run == whole_run || x.run == failed_run)
          self->send(x.subscriber, event(x.run, 3, "final"));
        return run_subscription{status(x.run, run_state::running), 2};
      },
      [](const await_run& x) {
        return status(x.run, x.run == failed_run ? run_state::failed
                                                 : run_state::succeeded);
      },
      [self, live, restart](push_atom) {
        if (*live) {
          self->send(*live, run_delta{live_run, 1, "Hel", false});
          self->send(*live, run_delta{live_run, 1, "lo", false});
          self->send(*live, event(live_run, 3, "final"));
        }
        if (*restart) {
          self->send(*restart, run_delta{restart_run, 1, "Hel", false});
          self->send(*restart, run_delta{restart_run, 1, "", true});
        }
      },
  };
}

struct fixture : warden::api::test::api_fixture {
  fixture() : api_fixture(fake_node) {}

  static std::string request(const std::string& input) {
    return R"({"model": "researcher", "stream": true, "messages": [{"role":
        "user", "content": ")" +
           input + R"("}]})";
  }

  /// Starts a streamed completion of `input` on `c`, reads up to the role
  /// chunk.
  std::string open(client& c, const std::string& input) {
    CAF_REQUIRE(c.send(post("/v1/chat/completions", request(input))));
    auto head = c.read_until(R"("role":"assistant")", 10s);
    CAF_REQUIRE(head);
    return *head;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(chat_stream_tests, fixture)

CAF_TEST(content chunks follow the deltas as the model streams them) {
  client c{server->port()};
  auto head = open(c, "live");
  CAF_CHECK_EQUAL(status_of(head), 200);
  CAF_CHECK(has(head, "Content-Type: text/event-stream\r\n"));
  CAF_CHECK(has(head, "X-Warden-Run: 50\r\n"));
  CAF_CHECK(has(head, "X-Warden-Session: 7\r\n"));
  // The role chunk is out; nothing else comes until the model writes.
  CAF_CHECK(!c.closed_within(200ms));
  CAF_CHECK(!has(c.pending(), "content\":\"Hel"));
  caf::anon_send(node, push_atom::value);
  auto rest = c.read_until("\r\n0\r\n\r\n", 10s);
  CAF_REQUIRE(rest);
  auto hel = rest->find(R"("content":"Hel")");
  auto lo = rest->find(R"("content":"lo")");
  auto stop = rest->find(R"("finish_reason":"stop")");
  auto usage = rest->find(R"("usage":{"completion_tokens":3)");
  auto done = rest->find("data: [DONE]\n\n");
  CAF_CHECK(hel < lo && lo < stop && stop < usage && usage < done &&
            done != std::string::npos);
  // The answer was streamed: it is not sent again whole.
  CAF_CHECK(!has(*rest, R"("content":"Hello")"));
}

CAF_TEST(a final answer that did not stream goes out as one chunk) {
  auto text = call_streamed("/v1/chat/completions", request("whole"));
  CAF_CHECK_EQUAL(status_of(text), 200);
  CAF_CHECK(has(text, R"("content":"the whole answer")"));
  CAF_CHECK(has(text, R"("finish_reason":"stop")"));
  CAF_CHECK(has(text, "data: [DONE]\n\n"));
}

CAF_TEST(a model call restarted after content was sent ends the stream) {
  client c{server->port()};
  open(c, "restart");
  caf::anon_send(node, push_atom::value);
  auto rest = c.read_until("\r\n0\r\n\r\n", 10s);
  CAF_REQUIRE(rest);
  CAF_CHECK(has(*rest, R"("content":"Hel")"));
  CAF_CHECK(has(*rest, R"("code":"stream_restarted")"));
  CAF_CHECK(has(*rest, R"("type":"server_error")"));
  CAF_CHECK(has(*rest, "was retried after part of its answer was streamed"));
  CAF_CHECK(!has(*rest, "[DONE]"));
  CAF_CHECK(!has(*rest, "finish_reason\":\"stop"));
}

CAF_TEST(a run that fails ends the stream with an error event) {
  auto text = call_streamed("/v1/chat/completions", request("fail"));
  CAF_CHECK_EQUAL(status_of(text), 200);
  CAF_CHECK(has(text, R"("code":"run_failed")"));
  CAF_CHECK(has(text, "model call failed: down"));
  CAF_CHECK(!has(text, "[DONE]"));
}

CAF_TEST_FIXTURE_SCOPE_END()
