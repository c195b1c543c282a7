#define CAF_SUITE actors.openai_request

#include <string>

#include <caf/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "actors/dependencies/openai/errors.hpp"
#include "actors/dependencies/openai/request.hpp"

using namespace warden;
using namespace warden::openai;
using nlohmann::json;

namespace {

chat_message message(chat_role role, std::string content) {
  return {role, std::move(content), {}};
}

model_request tool_round() {
  model_request request;
  request.model = "gpt-test";
  request.messages.push_back(message(chat_role::system, "Be brief."));
  request.messages.push_back(message(chat_role::user, "echo twice"));
  chat_message calls = message(chat_role::assistant, "");
  calls.tool_calls = {{"echo", R"({"text":"a"})", "call_1"},
                      {"echo", R"({"text":"b"})", "call_2"}};
  request.messages.push_back(calls);
  for (auto [id, out] : {std::pair{"call_1", "a"}, std::pair{"call_2", "b"}}) {
    chat_message result = message(chat_role::tool, out);
    result.tool = "echo";
    result.tool_call_id = id;
    request.messages.push_back(result);
  }
  request.tools = {"echo", "unlisted"};
  return request;
}

json body_of(const model_request& request, bool stream = false) {
  tool_catalog tools;
  tools["echo"] = {
      "Returns the text.",
      R"({"type":"object","properties":{"text":{"type":"string"}}})"};
  return json::parse(request_body(request, tools, request_style{stream}));
}

} // namespace

CAF_TEST(messages carry roles tool calls and the ids their results name) {
  auto body = body_of(tool_round());
  CAF_CHECK_EQUAL(body["model"], "gpt-test");
  const auto& messages = body["messages"];
  CAF_REQUIRE_EQUAL(messages.size(), 5u);
  CAF_CHECK_EQUAL(messages[0]["role"], "system");
  CAF_CHECK_EQUAL(messages[1]["content"], "echo twice");
  const auto& assistant = messages[2];
  CAF_CHECK_EQUAL(assistant["role"], "assistant");
  CAF_CHECK(assistant["content"].is_null());
  CAF_REQUIRE_EQUAL(assistant["tool_calls"].size(), 2u);
  CAF_CHECK_EQUAL(assistant["tool_calls"][1]["id"], "call_2");
  CAF_CHECK_EQUAL(assistant["tool_calls"][1]["type"], "function");
  CAF_CHECK_EQUAL(assistant["tool_calls"][1]["function"]["name"], "echo");
  CAF_CHECK_EQUAL(assistant["tool_calls"][1]["function"]["arguments"],
                  R"({"text":"b"})");
  CAF_CHECK_EQUAL(messages[3]["role"], "tool");
  CAF_CHECK_EQUAL(messages[3]["tool_call_id"], "call_1");
  CAF_CHECK_EQUAL(messages[4]["tool_call_id"], "call_2");
  CAF_CHECK_EQUAL(messages[4]["content"], "b");
}

CAF_TEST(offered tools come with their schemas and parallel calls allowed) {
  auto body = body_of(tool_round());
  const auto& tools = body["tools"];
  CAF_REQUIRE_EQUAL(tools.size(), 2u);
  CAF_CHECK_EQUAL(tools[0]["type"], "function");
  CAF_CHECK_EQUAL(tools[0]["function"]["name"], "echo");
  CAF_CHECK_EQUAL(tools[0]["function"]["description"], "Returns the text.");
  CAF_CHECK_EQUAL(
      tools[0]["function"]["parameters"]["properties"]["text"]["type"],
      "string");
  // Not in the catalog: named, with an open object schema.
  CAF_CHECK_EQUAL(tools[1]["function"]["name"], "unlisted");
  CAF_CHECK_EQUAL(tools[1]["function"]["parameters"]["type"], "object");
  CAF_CHECK(!tools[1]["function"].contains("description"));
  CAF_CHECK_EQUAL(body["tool_choice"], "auto");
  CAF_CHECK_EQUAL(body["parallel_tool_calls"], true);
}

CAF_TEST(a request without tools sends no tool keys) {
  auto request = tool_round();
  request.tools.clear();
  auto body = body_of(request);
  CAF_CHECK(!body.contains("tools"));
  CAF_CHECK(!body.contains("tool_choice"));
  CAF_CHECK(!body.contains("parallel_tool_calls"));
}

CAF_TEST(limits sampling and streaming are sent only when set) {
  auto request = tool_round();
  auto plain = body_of(request);
  CAF_CHECK(!plain.contains("max_completion_tokens"));
  CAF_CHECK(!plain.contains("temperature"));
  CAF_CHECK(!plain.contains("stream"));
  request.max_completion_tokens = 300;
  request.temperature = 0.25;
  auto set = body_of(request, true);
  CAF_CHECK_EQUAL(set["max_completion_tokens"], 300);
  CAF_CHECK_EQUAL(set["temperature"], 0.25);
  CAF_CHECK_EQUAL(set["stream"], true);
  CAF_CHECK_EQUAL(set["stream_options"]["include_usage"], true);
  // Zero is a temperature; only a negative one means unset.
  request.temperature = 0;
  auto zero = body_of(request);
  CAF_CHECK_EQUAL(zero["temperature"], 0.0);
}

CAF_TEST(a tool result from before call ids goes as a user message) {
  model_request request;
  request.messages.push_back(message(chat_role::user, "go"));
  chat_message old = message(chat_role::tool, "42");
  old.tool = "calc";
  request.messages.push_back(old);
  auto body = body_of(request);
  CAF_CHECK_EQUAL(body["messages"][1]["role"], "user");
  CAF_CHECK_EQUAL(body["messages"][1]["content"], "Result of tool calc: 42");
}

CAF_TEST(text that is not UTF - 8 does not fail the request) {
  model_request request;
  request.messages.push_back(message(chat_role::user, "bad \xC3\x28 byte"));
  auto body = body_of(request);
  CAF_CHECK_EQUAL(body["messages"][0]["content"], "bad \xEF\xBF\xBD( byte");
}

CAF_TEST(an error sent in a stream is classified like its status) {
  auto key = "sk-stream-0123456789";
  auto quota = classify_stream_error(
      R"({"error":{"message":"You exceeded your quota","code":"insufficient_quota"}})",
      key);
  CAF_REQUIRE(quota);
  CAF_CHECK(quota->error == policies::error_class::permanent);
  CAF_CHECK_EQUAL(quota->reason, "the endpoint sent an error in the stream "
                                 "(insufficient_quota): You exceeded your "
                                 "quota");
  auto bad_key = classify_stream_error(
      R"({"error":{"message":"Incorrect API key provided: sk-stream-0123456789","code":"invalid_api_key"}})",
      key);
  CAF_REQUIRE(bad_key);
  CAF_CHECK(bad_key->error == policies::error_class::permanent);
  CAF_CHECK(bad_key->reason.find(key) == std::string::npos);
  auto server = classify_stream_error(
      R"({"error":{"message":"overloaded","type":"server_error"}})", key);
  CAF_REQUIRE(server);
  CAF_CHECK(server->error == policies::error_class::transient);
  CAF_CHECK(!classify_stream_error(R"({"choices":[]})", key));
  CAF_CHECK(!classify_stream_error("not json", key));
}
