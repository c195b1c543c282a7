#define CAF_SUITE api.runs
#include <string>
#include <variant>

#include <caf/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "api/runs.hpp"

using namespace warden;
using namespace warden::api;

namespace {

/// The refusal's message, or "accepted" when `x` is a message.
template <class Message>
std::string refusal_of(const std::variant<Message, http_error>& x) {
  if (const auto* err = std::get_if<http_error>(&x)) {
    CAF_CHECK_EQUAL(err->status, 400u);
    CAF_CHECK_EQUAL(err->code, "bad_request");
    return err->message;
  }
  return "accepted";
}

template <class Message>
bool says(const std::variant<Message, http_error>& x, const std::string& part) {
  auto message = refusal_of(x);
  CAF_MESSAGE(message);
  return message.find(part) != std::string::npos;
}

} // namespace

CAF_TEST(a run request becomes submit_run for the tenant of its key) {
  auto got = parse_submit(
      R"({"agent": "researcher", "input": "find it", "priority": "high",
          "tenant": "x"})",
      "acme", std::nullopt);
  // A tenant in the body is refused: the key says who the caller is.
  CAF_CHECK(says(got, "unknown field \"tenant\""));
  got = parse_submit(
      R"({"agent": "researcher", "input": "find it", "priority": "high"})",
      "acme", std::string_view{"req-1"});
  CAF_REQUIRE(std::holds_alternative<submit_run>(got));
  const auto& msg = std::get<submit_run>(got);
  CAF_CHECK_EQUAL(msg.tenant, "acme");
  CAF_CHECK_EQUAL(msg.agent, "researcher");
  CAF_CHECK_EQUAL(msg.input, "find it");
  CAF_CHECK_EQUAL(msg.priority, "high");
  CAF_CHECK_EQUAL(msg.idempotency_key, "req-1");
  auto plain =
      parse_submit(R"({"agent": "a", "input": ""})", "acme", std::nullopt);
  CAF_REQUIRE(std::holds_alternative<submit_run>(plain));
  CAF_CHECK(std::get<submit_run>(plain).priority.empty());
  CAF_CHECK(std::get<submit_run>(plain).idempotency_key.empty());
}

CAF_TEST(a malformed run request is refused naming what is wrong) {
  auto none = std::optional<std::string_view>{};
  CAF_CHECK(says(parse_submit("", "acme", none), "the body is not JSON"));
  CAF_CHECK(
      says(parse_submit("{\"agent\": ", "acme", none), "the body is not JSON"));
  CAF_CHECK(says(parse_submit("[1, 2]", "acme", none),
                 "must be a JSON object, got array"));
  CAF_CHECK(says(parse_submit(R"({"input": "x"})", "acme", none),
                 "field `agent` is missing"));
  CAF_CHECK(says(parse_submit(R"({"agent": "a"})", "acme", none),
                 "field `input` is missing"));
  CAF_CHECK(says(parse_submit(R"({"agent": 7, "input": "x"})", "acme", none),
                 "field `agent` must be a string, got number"));
  CAF_CHECK(
      says(parse_submit(R"({"agent": "a", "input": ["x"]})", "acme", none),
           "field `input` must be a string, got array"));
  CAF_CHECK(
      says(parse_submit(R"({"agent": "a b", "input": "x"})", "acme", none),
           "must be an agent's name"));
  CAF_CHECK(says(parse_submit(R"({"agent": "a", "input": "x", "priority": 1})",
                              "acme", none),
                 "field `priority` must be a string"));
  // A number beyond a double is refused, not thrown.
  auto huge = std::string(R"({"agent": "a", "input": "x", "n": 7)") +
              std::string(400, '7') + "e7777777}";
  CAF_CHECK(says(parse_submit(huge, "acme", none), "number overflow"));
  CAF_CHECK(refusal_of(parse_submit(huge, "acme", none)).size() < 200);
  // Text that is not UTF-8 is not JSON.
  CAF_CHECK(says(
      parse_submit("{\"agent\": \"a\", \"input\": \"\xff\"}", "acme", none),
      "the body is not JSON"));
  // The key header: visible ASCII, 1 to 255.
  auto body = R"({"agent": "a", "input": "x"})";
  CAF_CHECK(says(parse_submit(body, "acme", std::string_view{""}),
                 "Idempotency-Key"));
  CAF_CHECK(says(parse_submit(body, "acme", std::string_view{"a b"}),
                 "Idempotency-Key"));
  std::string long_key(max_idempotency_key + 1, 'k');
  CAF_CHECK(says(parse_submit(body, "acme", std::string_view{long_key}),
                 "Idempotency-Key"));
  long_key.pop_back();
  CAF_CHECK_EQUAL(
      refusal_of(parse_submit(body, "acme", std::string_view{long_key})),
      "accepted");
}

CAF_TEST(a turn request becomes send_turn for the session of its path) {
  auto parsed = parse_turn(
      R"({"input": "and then?", "priority": "batch", "on_busy": "interrupt"})",
      "acme", 7, std::string_view{"turn-2"});
  CAF_REQUIRE(std::holds_alternative<send_turn>(parsed));
  const auto& turn = std::get<send_turn>(parsed);
  CAF_CHECK_EQUAL(turn.tenant, "acme");
  CAF_CHECK_EQUAL(turn.session, 7u);
  CAF_CHECK_EQUAL(turn.input, "and then?");
  CAF_CHECK_EQUAL(turn.priority, "batch");
  CAF_CHECK_EQUAL(turn.on_busy, "interrupt");
  CAF_CHECK_EQUAL(turn.idempotency_key, "turn-2");
  auto plain = parse_turn(R"({"input": "x"})", "acme", 7, std::nullopt);
  CAF_REQUIRE(std::holds_alternative<send_turn>(plain));
  CAF_CHECK(std::get<send_turn>(plain).on_busy.empty());
  auto none = std::optional<std::string_view>{};
  CAF_CHECK(
      says(parse_turn("{}", "acme", 7, none), "field `input` is missing"));
  CAF_CHECK(
      says(parse_turn(R"({"input": "x", "on_busy": "wait"})", "acme", 7, none),
           "enqueue, reject or interrupt"));
  CAF_CHECK(says(parse_turn(R"({"input": "x", "agent": "a"})", "acme", 7, none),
                 "unknown field \"agent\" (fields: input, priority, on_busy)"));
  CAF_CHECK(
      says(parse_turn(R"({"input": "x"})", "acme", 7, std::string_view{"a\tb"}),
           "Idempotency-Key"));
}

CAF_TEST(sessions show as json with the cursor of the next page) {
  session_list list;
  list.sessions.push_back({7, "researcher", 12, run_state::running, true});
  list.sessions.push_back({9, "researcher", 15, run_state::succeeded, false});
  list.next_after = 9;
  auto page = nlohmann::json::parse(session_list_body(list));
  CAF_REQUIRE_EQUAL(page["sessions"].size(), 2u);
  CAF_CHECK_EQUAL(page["sessions"][0]["session_id"], 7);
  CAF_CHECK_EQUAL(page["sessions"][0]["last_run_status"], "running");
  CAF_CHECK_EQUAL(page["sessions"][1]["resident"], false);
  CAF_CHECK_EQUAL(page["next_after"], 9);
  list.next_after = 0;
  auto last = nlohmann::json::parse(session_list_body(list));
  CAF_CHECK(last["next_after"].is_null());
  auto one = nlohmann::json::parse(session_body(list.sessions[1]));
  CAF_CHECK_EQUAL(one["last_run_id"], 15);
  CAF_CHECK_EQUAL(one["agent"], "researcher");
}

CAF_TEST(ids are plain decimal numbers within 64 bits) {
  CAF_CHECK_EQUAL(parse_id("42").value_or(0), 42u);
  CAF_CHECK_EQUAL(parse_id("18446744073709551615").value_or(0),
                  18446744073709551615u);
  for (auto bad : {"", "0", "042", "-1", "+1", "1e3", "18446744073709551616",
                   "99999999999999999999", "4 2", "0x10", "abc"})
    CAF_CHECK(!parse_id(bad));
}

CAF_TEST(a run status shows as json without its tenant) {
  run_status status;
  status.run = 42;
  status.session = 7;
  status.tenant = "acme";
  status.agent = "researcher";
  status.state = run_state::succeeded;
  status.output = "the answer";
  status.model = "gpt-4o-mini";
  status.usage.prompt_tokens = 120;
  status.usage.completion_tokens = 30;
  status.usage.tool_calls = 2;
  auto body = nlohmann::json::parse(status_body(status));
  CAF_CHECK_EQUAL(body["run_id"], 42);
  CAF_CHECK_EQUAL(body["session_id"], 7);
  CAF_CHECK_EQUAL(body["status"], "succeeded");
  CAF_CHECK_EQUAL(body["output"], "the answer");
  CAF_CHECK_EQUAL(body["model"], "gpt-4o-mini");
  CAF_CHECK_EQUAL(body["usage"]["prompt_tokens"], 120);
  CAF_CHECK_EQUAL(body["usage"]["tool_calls"], 2);
  CAF_CHECK(!body.contains("tenant"));
  auto ack = nlohmann::json::parse(ack_body(run_ack{42, 7, true}));
  CAF_CHECK_EQUAL(ack["run_id"], 42);
  CAF_CHECK_EQUAL(ack["status"], "accepted");
  CAF_CHECK_EQUAL(ack["duplicate"], true);
}
