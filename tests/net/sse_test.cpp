#define CAF_SUITE net.sse
#include <string>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "net/sse.hpp"

using namespace warden::net;

namespace {

/// A streamed chat completion as OpenAI-compatible servers send it: a
/// role, content in pieces, two tool calls whose arguments arrive in
/// fragments, the finish reason, a usage chunk with no choices, [DONE].
const std::string recorded_stream =
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
    "\"assistant\",\"content\":\"\"}}]}\n\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
    "\"Hel\"}}]}\n\n"
    ": keep-alive\n\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
    "\"lo\"}}]}\r\n\r\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":"
    "[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{"
    "\"name\":\"search\",\"arguments\":\"{\\\"q\\\":\"}}]}}]}\n\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":"
    "[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{"
    "\"name\":\"fetch\",\"arguments\":\"\"}}]}}]}\r\r"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":"
    "[{\"index\":0,\"function\":{\"arguments\":\"\\\"cats\\\"}\"}}]}}]}\n\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},"
    "\"finish_reason\":\"tool_calls\"}]}\n\n"
    "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,"
    "\"completion_tokens\":7}}\n\n"
    "data: [DONE]\n\n";

std::vector<sse_event> read_all(const std::vector<std::string>& chunks,
                                bool* ok = nullptr) {
  sse_parser parser;
  std::vector<sse_event> out;
  auto fine = true;
  for (const auto& chunk : chunks)
    fine = parser.feed(chunk, out) && fine;
  if (ok != nullptr)
    *ok = fine;
  return out;
}

std::vector<std::string> datas(const std::vector<sse_event>& events) {
  std::vector<std::string> result;
  for (const auto& e : events)
    result.push_back(e.data);
  return result;
}

} // namespace

CAF_TEST(data lines make events and an empty line dispatches them) {
  auto events = read_all({"data: hello\n\ndata: a\ndata:b\ndata\n\n"});
  CAF_REQUIRE_EQUAL(events.size(), 2u);
  CAF_CHECK_EQUAL(events[0].data, "hello");
  CAF_CHECK_EQUAL(events[0].type, "message");
  // One space after the colon is dropped, none is needed; a field with no
  // colon is a field with an empty value.
  CAF_CHECK_EQUAL(events[1].data, "a\nb\n");
}

CAF_TEST(event types ids comments and retry are read) {
  sse_parser parser;
  std::vector<sse_event> out;
  CAF_CHECK(parser.feed(": a comment\nevent: delta\nid: 7\nretry: 1500\n"
                        "data: x\n\ndata: y\n\nevent: lonely\n\n",
                        out));
  CAF_REQUIRE_EQUAL(out.size(), 2u);
  CAF_CHECK_EQUAL(out[0].type, "delta");
  CAF_CHECK_EQUAL(out[0].id, "7");
  CAF_CHECK_EQUAL(out[1].type, "message"); // the type is per event
  CAF_CHECK_EQUAL(out[1].id, "7");         // the id lasts
  CAF_CHECK_EQUAL(parser.retry_ms(), 1500u);
  // An event without data is not dispatched.
  CAF_CHECK(!parser.mid_event());
}

CAF_TEST(a recorded stream reads the same however it is split) {
  auto whole = read_all({recorded_stream});
  CAF_REQUIRE_EQUAL(whole.size(), 9u);
  CAF_CHECK_EQUAL(whole.back().data, "[DONE]");
  CAF_CHECK(whole[7].data.find("\"usage\"") != std::string::npos);
  for (std::size_t at = 0; at <= recorded_stream.size(); ++at) {
    auto split =
        read_all({recorded_stream.substr(0, at), recorded_stream.substr(at)});
    if (datas(split) != datas(whole))
      CAF_FAIL("split at byte " << at << " reads differently");
  }
  std::vector<std::string> bytes;
  for (char c : recorded_stream)
    bytes.emplace_back(1, c);
  CAF_CHECK_EQUAL(datas(read_all(bytes)), datas(whole));
}

CAF_TEST(cr lf and crlf all end lines and crlf is one end) {
  auto events = read_all({"data: a\r\n\r\ndata: b\r\rdata: c\n\n"});
  CAF_CHECK_EQUAL(datas(events), (std::vector<std::string>{"a", "b", "c"}));
  // A CR at the end of one read and its LF at the start of the next.
  events = read_all({"data: a\r", "\n", "\r", "\ndata: b\n\n"});
  CAF_CHECK_EQUAL(datas(events), (std::vector<std::string>{"a", "b"}));
}

CAF_TEST(a byte order mark at the start is skipped even when split) {
  CAF_CHECK_EQUAL(datas(read_all({"\xEF\xBB\xBF"
                                  "data: x\n\n"})),
                  std::vector<std::string>{"x"});
  CAF_CHECK_EQUAL(datas(read_all({"\xEF", "\xBB", "\xBF", "data: x\n\n"})),
                  std::vector<std::string>{"x"});
  // Not a BOM: the bytes are the stream's.
  CAF_CHECK_EQUAL(datas(read_all({"da", "ta: y\n\n"})),
                  std::vector<std::string>{"y"});
}

CAF_TEST(a stream cut in the middle of an event says so) {
  sse_parser parser;
  std::vector<sse_event> out;
  CAF_CHECK(parser.feed("data: {\"partial\":", out));
  CAF_CHECK(out.empty());
  CAF_CHECK(parser.mid_event());
  CAF_CHECK(parser.feed("true}\n", out));
  CAF_CHECK(parser.mid_event()); // the data line ended, the event did not
  CAF_CHECK(parser.feed("\n", out));
  CAF_CHECK(!parser.mid_event());
  CAF_CHECK_EQUAL(datas(out), std::vector<std::string>{"{\"partial\":true}"});
}

CAF_TEST(an event over the limit fails the stream for good) {
  sse_parser parser{64};
  std::vector<sse_event> out;
  // An endless line.
  CAF_CHECK(parser.feed(std::string(60, 'x'), out));
  CAF_CHECK(!parser.feed(std::string(10, 'x'), out));
  CAF_CHECK(parser.failed());
  CAF_CHECK(!parser.feed("\n\ndata: late\n\n", out));
  CAF_CHECK(out.empty());
  // Many short data lines of one event.
  sse_parser lines{64};
  std::string many;
  for (int i = 0; i < 20; ++i)
    many += "data: abcd\n";
  CAF_CHECK(!lines.feed(many, out));
  CAF_CHECK(out.empty());
}
