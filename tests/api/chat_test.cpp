#define CAF_SUITE api.chat
#include <string>
#include <variant>

#include <caf/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "api/chat.hpp"

using namespace warden;
using namespace warden::api;
using nlohmann::json;

namespace {

/// The refusal's message (and a check that it is a 400), or "accepted".
std::string refusal_of(const std::variant<chat_request, http_error>& x) {
  if (const auto* err = std::get_if<http_error>(&x)) {
    CAF_CHECK_EQUAL(err->status, 400u);
    return err->message;
  }
  return "accepted";
}

bool says(const std::string& body, const std::string& part) {
  auto message = refusal_of(parse_chat(body));
  if (message.find(part) == std::string::npos) {
    CAF_MESSAGE("`" << part << "` not in: " << message);
    return false;
  }
  return true;
}

run_status finished() {
  run_status run;
  run.run = 42;
  run.session = 7;
  run.agent = "researcher";
  run.state = run_state::succeeded;
  run.output = "the answer";
  run.usage.prompt_tokens = 30;
  run.usage.completion_tokens = 12;
  return run;
}

} // namespace

CAF_TEST(a chat request names the agent and ends in the user turn) {
  auto parsed = parse_chat(R"({
    "model": "researcher",
    "messages": [
      {"role": "system", "content": "be brief"},
      {"role": "user", "content": "first"},
      {"role": "assistant", "content": [{"type": "text", "text": "one"},
                                        {"type": "text", "text": "two"}]},
      {"role": "developer", "content": "also this"},
      {"role": "user", "content": "second", "name": "ann"}
    ],
    "temperature": 0.2, "max_tokens": 100, "n": 1, "user": "u-1",
    "stream": true, "stream_options": {"include_usage": true}})");
  CAF_REQUIRE(std::holds_alternative<chat_request>(parsed));
  const auto& x = std::get<chat_request>(parsed);
  CAF_CHECK_EQUAL(x.agent, "researcher");
  CAF_CHECK_EQUAL(x.input, "second");
  CAF_CHECK(x.stream);
  CAF_REQUIRE_EQUAL(x.history.size(), 4u);
  CAF_CHECK(x.history[0].role == chat_role::system);
  CAF_CHECK_EQUAL(x.history[2].content, "one\ntwo");
  CAF_CHECK(x.history[2].role == chat_role::assistant);
  CAF_CHECK(x.history[3].role == chat_role::system);
  auto single = parse_chat(
      R"({"model": "a", "messages": [{"role": "user", "content": "hi"}]})");
  CAF_REQUIRE(std::holds_alternative<chat_request>(single));
  CAF_CHECK(std::get<chat_request>(single).history.empty());
  CAF_CHECK(!std::get<chat_request>(single).stream);
}

CAF_TEST(a chat request Warden cannot honour is refused naming the field) {
  auto user = std::string{R"("messages": [{"role": "user", "content": "x"}])"};
  CAF_CHECK(says("{", "the body is not JSON"));
  CAF_CHECK(says("[]", "must be a JSON object"));
  CAF_CHECK(says("{" + user + "}", "model is required"));
  CAF_CHECK(says(R"({"model": "a b", )" + user + "}", "agent's name"));
  CAF_CHECK(says(R"({"model": "a", "messages": []})", "messages is required"));
  CAF_CHECK(says(R"({"model": "a", "messages": [{"role": "assistant",
                 "content": "x"}]})",
                 "last of messages must be a user's"));
  CAF_CHECK(says(R"({"model": "a", "messages": [{"role": "tool",
                 "content": "x", "tool_call_id": "c"}, {"role": "user",
                 "content": "x"}]})",
                 "messages[0] is a tool call or result"));
  CAF_CHECK(says(R"({"model": "a", "messages": [{"role": "user", "content":
                 [{"type": "image_url", "image_url": {"url": "x"}}]}]})",
                 "messages[0].content[0] must be a text part"));
  CAF_CHECK(says(R"({"model": "a", "messages": [{"role": "critic",
                 "content": "x"}]})",
                 "messages[0].role"));
  CAF_CHECK(says(R"({"model": "a", "n": 2, )" + user + "}", "n must be 1"));
  CAF_CHECK(says(R"({"model": "a", "tools": [{}], )" + user + "}",
                 "tools is not taken"));
  CAF_CHECK(says(R"({"model": "a", "stream": "yes", )" + user + "}",
                 "stream must be true or false"));
  CAF_CHECK(says(R"({"model": "a", "response_format": {"type":
                 "json_object"}, )" +
                     user + "}",
                 "response_format"));
  CAF_CHECK(says(R"({"model": "a", "colour": 1, )" + user + "}",
                 "Unrecognized request argument supplied: colour"));
  CAF_CHECK(says("{\"model\": \"a\", \"messages\": [{\"role\": \"user\", "
                 "\"content\": \"\xff\"}]}",
                 "the body is not JSON"));
}

CAF_TEST(a finished run is a chat completion with the run usage) {
  auto body = json::parse(completion_body(finished(), 1'700'000'000));
  CAF_CHECK_EQUAL(body["id"], "chatcmpl-42");
  CAF_CHECK_EQUAL(body["object"], "chat.completion");
  CAF_CHECK_EQUAL(body["model"], "researcher");
  CAF_CHECK_EQUAL(body["created"], 1'700'000'000);
  CAF_CHECK_EQUAL(body["choices"][0]["message"]["role"], "assistant");
  CAF_CHECK_EQUAL(body["choices"][0]["message"]["content"], "the answer");
  CAF_CHECK_EQUAL(body["choices"][0]["finish_reason"], "stop");
  CAF_CHECK_EQUAL(body["usage"]["prompt_tokens"], 30);
  CAF_CHECK_EQUAL(body["usage"]["completion_tokens"], 12);
  CAF_CHECK_EQUAL(body["usage"]["total_tokens"], 42);
}

CAF_TEST(a streamed answer is chunks ending in done) {
  auto text = completion_events(finished(), 5);
  std::vector<json> chunks;
  std::size_t at = 0;
  std::string last;
  while ((at = text.find("data: ", at)) != std::string::npos) {
    auto end = text.find("\n\n", at);
    CAF_REQUIRE(end != std::string::npos);
    last = text.substr(at + 6, end - at - 6);
    if (last != "[DONE]")
      chunks.push_back(json::parse(last));
    at = end + 2;
  }
  CAF_CHECK_EQUAL(last, "[DONE]");
  CAF_REQUIRE_EQUAL(chunks.size(), 4u);
  for (const auto& c : chunks) {
    CAF_CHECK_EQUAL(c["object"], "chat.completion.chunk");
    CAF_CHECK_EQUAL(c["id"], "chatcmpl-42");
  }
  CAF_CHECK_EQUAL(chunks[0]["choices"][0]["delta"]["role"], "assistant");
  CAF_CHECK_EQUAL(chunks[1]["choices"][0]["delta"]["content"], "the answer");
  CAF_CHECK_EQUAL(chunks[2]["choices"][0]["finish_reason"], "stop");
  CAF_CHECK(chunks[3]["choices"].empty());
  CAF_CHECK_EQUAL(chunks[3]["usage"]["total_tokens"], 42);
}

CAF_TEST(a run that did not succeed answers with the status of its end) {
  auto run = finished();
  run.reason = "provider refused";
  run.state = run_state::failed;
  CAF_CHECK_EQUAL(run_failure(run).status, 502u);
  CAF_CHECK(run_failure(run).message.find("provider refused") !=
            std::string::npos);
  run.state = run_state::timed_out;
  CAF_CHECK_EQUAL(run_failure(run).status, 504u);
  run.state = run_state::cancelled;
  CAF_CHECK_EQUAL(run_failure(run).status, 409u);
  run.state = run_state::shed;
  auto shed = run_failure(run);
  CAF_CHECK_EQUAL(shed.status, 429u);
  CAF_CHECK(shed.retry_after.has_value());
}

CAF_TEST(models are the node agents) {
  auto body = json::parse(models_body({"quick", "researcher"}, 9));
  CAF_CHECK_EQUAL(body["object"], "list");
  CAF_REQUIRE_EQUAL(body["data"].size(), 2u);
  CAF_CHECK_EQUAL(body["data"][1]["id"], "researcher");
  CAF_CHECK_EQUAL(body["data"][1]["object"], "model");
  CAF_CHECK_EQUAL(body["data"][1]["owned_by"], "warden");
}
