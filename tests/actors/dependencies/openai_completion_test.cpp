#define CAF_SUITE actors.openai_completion
#include <string>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "actors/dependencies/openai/completion.hpp"
#include "net/sse.hpp"

using namespace warden;
using namespace warden::openai;

namespace {

/// A streamed answer with two tool calls whose fragments interleave, a
/// finish reason, then a usage chunk with `choices: []`, as OpenAI sends it
/// with stream_options.include_usage.
const std::string streamed_tool_calls =
    "data: {\"id\":\"c\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{"
    "\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{"
    "\"name\":\"search\",\"arguments\":\"\"}}]},\"finish_reason\":null}],"
    "\"usage\":null}\n\n"
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":["
    "{\"index\":0,\"function\":{\"arguments\":\"{\\\"q\\\": \"}}]}}]}\n\n"
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":["
    "{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{"
    "\"name\":\"fetch\",\"arguments\":\"{\\\"url\\\"\"}}]}}]}\n\n"
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":["
    "{\"index\":0,\"function\":{\"arguments\":\"\\\"cats\\\"}\"}}]}}]}\n\n"
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":["
    "{\"index\":1,\"function\":{\"arguments\":\": \\\"x\\\"}\"}}]}}]}\n\n"
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},"
    "\"finish_reason\":\"tool_calls\"}],\"usage\":null}\n\n"
    "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":31,"
    "\"completion_tokens\":17,\"total_tokens\":48}}\n\n"
    "data: [DONE]\n\n";

/// Feeds `chunks` through an SSE parser into a completion stream.
completion_stream assemble(const std::vector<std::string>& chunks) {
  net::sse_parser parser;
  completion_stream stream;
  std::vector<net::sse_event> events;
  for (const auto& chunk : chunks) {
    events.clear();
    CAF_REQUIRE(parser.feed(chunk, events));
    for (const auto& e : events)
      if (auto problem = stream.add(e.data))
        CAF_FAIL(*problem);
  }
  return stream;
}

bool same(const completion& x, const completion& y) {
  if (x.model != y.model || x.content != y.content ||
      x.finish_reason != y.finish_reason ||
      x.usage.has_value() != y.usage.has_value() ||
      x.tool_calls.size() != y.tool_calls.size())
    return false;
  if (x.usage && (x.usage->prompt_tokens != y.usage->prompt_tokens ||
                  x.usage->completion_tokens != y.usage->completion_tokens))
    return false;
  for (std::size_t i = 0; i < x.tool_calls.size(); ++i)
    if (x.tool_calls[i].id != y.tool_calls[i].id ||
        x.tool_calls[i].name != y.tool_calls[i].name ||
        x.tool_calls[i].arguments != y.tool_calls[i].arguments)
      return false;
  return true;
}

} // namespace

CAF_TEST(streamed tool calls are reassembled by index from fragments) {
  auto stream = assemble({streamed_tool_calls});
  CAF_CHECK(stream.done());
  const auto& answer = stream.answer();
  CAF_CHECK_EQUAL(answer.model, "gpt-4o-mini");
  CAF_CHECK_EQUAL(answer.content, "");
  CAF_CHECK_EQUAL(answer.finish_reason, "tool_calls");
  CAF_REQUIRE_EQUAL(answer.tool_calls.size(), 2u);
  CAF_CHECK_EQUAL(answer.tool_calls[0].id, "call_a");
  CAF_CHECK_EQUAL(answer.tool_calls[0].name, "search");
  CAF_CHECK_EQUAL(answer.tool_calls[0].arguments, "{\"q\": \"cats\"}");
  CAF_CHECK_EQUAL(answer.tool_calls[1].id, "call_b");
  CAF_CHECK_EQUAL(answer.tool_calls[1].name, "fetch");
  CAF_CHECK_EQUAL(answer.tool_calls[1].arguments, "{\"url\": \"x\"}");
  CAF_REQUIRE(answer.usage.has_value());
  CAF_CHECK_EQUAL(answer.usage->prompt_tokens, 31u);
  CAF_CHECK_EQUAL(answer.usage->completion_tokens, 17u);
}

CAF_TEST(a stream split at every byte boundary assembles the same answer) {
  auto whole = assemble({streamed_tool_calls}).answer();
  for (std::size_t at = 0; at <= streamed_tool_calls.size(); ++at) {
    auto split = assemble(
        {streamed_tool_calls.substr(0, at), streamed_tool_calls.substr(at)});
    if (!split.done() || !same(split.answer(), whole))
      CAF_FAIL("split at byte " << at << " assembles another answer");
  }
}

CAF_TEST(streamed content joins and a stream without done was cut) {
  completion_stream stream;
  CAF_CHECK(
      !stream.add(R"({"choices":[{"index":0,"delta":{"content":"Hel"}}]})"));
  CAF_CHECK(!stream.add(
      R"({"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]})"));
  CAF_CHECK(stream.started());
  CAF_CHECK(!stream.done());
  CAF_CHECK_EQUAL(stream.answer().content, "Hello");
  CAF_CHECK(!stream.answer().usage); // this server sent none
  // Usage may come with `choices: null`.
  CAF_CHECK(!stream.add(
      R"({"choices":null,"usage":{"prompt_tokens":3,"completion_tokens":2}})"));
  CAF_CHECK_EQUAL(stream.answer().usage->completion_tokens, 2u);
  CAF_CHECK(!stream.add("[DONE]"));
  CAF_CHECK(stream.done());
}

CAF_TEST(malformed chunks and error events are refused with a reason) {
  completion_stream stream;
  CAF_CHECK_EQUAL(stream.add("{not json"),
                  std::string{"a streamed chunk is not a JSON object"});
  CAF_CHECK_EQUAL(stream.add("[1,2]"),
                  std::string{"a streamed chunk is not a JSON object"});
  CAF_CHECK_EQUAL(
      stream.add(R"({"error":{"message":"The server had an error"}})"),
      std::string{"the endpoint sent an error instead of an answer: The "
                  "server had an error"});
  // Negative or fractional usage is no usage.
  CAF_CHECK(!stream.add(
      R"({"choices":[],"usage":{"prompt_tokens":-1,"completion_tokens":2}})"));
  CAF_CHECK(!stream.answer().usage);
}

CAF_TEST(a whole response body is read) {
  auto result = parse_completion(R"({
    "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o",
    "choices": [{"index": 0, "finish_reason": "tool_calls",
      "message": {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "search", "arguments": "{\"q\":\"x\"}"}},
        {"id": "call_2", "type": "function",
         "function": {"name": "search", "arguments": "not json"}}]}}],
    "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}
  })");
  CAF_REQUIRE(result.answer);
  const auto& answer = *result.answer;
  CAF_CHECK_EQUAL(answer.model, "gpt-4o");
  CAF_CHECK_EQUAL(answer.finish_reason, "tool_calls");
  CAF_REQUIRE_EQUAL(answer.tool_calls.size(), 2u);
  CAF_CHECK_EQUAL(answer.tool_calls[1].id, "call_2");
  // Arguments that are not JSON are kept as written: the doom-loop
  // detector judges them, not the reader.
  CAF_CHECK_EQUAL(answer.tool_calls[1].arguments, "not json");
  CAF_CHECK_EQUAL(answer.usage->prompt_tokens, 9u);
  auto plain = parse_completion(
      R"({"choices":[{"index":0,"message":{"content":"Hi"},"finish_reason":"stop"}]})");
  CAF_REQUIRE(plain.answer);
  CAF_CHECK_EQUAL(plain.answer->content, "Hi");
  CAF_CHECK(!plain.answer->usage);
}

CAF_TEST(bodies that are not completions say what is wrong) {
  CAF_CHECK_EQUAL(parse_completion("<html>bad gateway</html>").problem,
                  "the response body is not a JSON object");
  CAF_CHECK_EQUAL(parse_completion(R"({"choices":[]})").problem,
                  "the response holds no choices");
  CAF_CHECK_EQUAL(parse_completion(R"({"choices":[{"index":0}]})").problem,
                  "the response's first choice holds no message");
  CAF_CHECK_EQUAL(
      parse_completion(R"({"error":{"message":"model not found"}})").problem,
      "the endpoint sent an error instead of an answer: model not found");
}
