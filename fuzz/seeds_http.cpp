// Seeds of the http_request target: the read size byte, then what a client
// sends on one connection.

#include <string>

#include "fuzz/seed_writer.hpp"

namespace warden::fuzz {

void http_seeds(writer& w) {
  w.put("http_request", "scrape",
        "\xff"
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Accept: text/plain\r\n\r\n");
  w.put("http_request", "pipelined",
        "\x07"
        "HEAD /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"
        "POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
        "GET /other HTTP/1.0\r\n\r\n");
  w.put("http_request", "chunked",
        "\x10"
        "PUT /metrics HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
        "Expect: 100-continue\r\n\r\n"
        "5\r\nhello\r\n0\r\n\r\n");
}

void openai_seeds(writer& w) {
  // A status byte (200 + 2 * b), a split byte, then the body.
  w.put("openai_response", "streamed",
        std::string("\x00\x21", 2) +
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":"
            "\"assistant\",\"content\":\"Hel\"}}]}\n\n"
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":"
            "[{\"index\":0,\"id\":\"call_1\",\"function\":{\"name\":"
            "\"echo\",\"arguments\":\"{\\\"te\"}}]}}]}\r\n\r\n"
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,"
            "\"completion_tokens\":2}}\n\ndata: [DONE]\n\n");
  w.put("openai_response", "plain",
        std::string("\x00\x05", 2) +
            "{\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":"
            "{\"role\":\"assistant\",\"content\":\"hi\"},"
            "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,"
            "\"completion_tokens\":1}}");
  w.put("openai_response", "rate_limited",
        std::string{"\x72\x09"} +
            "{\"error\":{\"message\":\"Rate limit reached for "
            "sk-fuzz-0123456789abcdef\",\"code\":\"rate_limit_exceeded\"}}");
  w.put("openai_response", "stream_error",
        std::string("\x00\x03", 2) +
            "data: {\"error\":{\"message\":\"Incorrect API key provided: "
            "sk-fuzz-0123456789abcdef\",\"code\":\"invalid_api_key\"}}\n\n");
}

void mcp_seeds(writer& w) {
  w.put("mcp_messages", "startup",
        "{\"method\":\"notifications/tools/list_changed\",\"jsonrpc\":"
        "\"2.0\"}\n"
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":"
        "\"2025-06-18\",\"capabilities\":{\"tools\":{\"listChanged\":"
        "true}},\"serverInfo\":{\"name\":\"s\",\"version\":\"1\"}}}\r\n"
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":"
        "\"get sum!\",\"description\":\"adds\",\"inputSchema\":{\"type\":"
        "\"object\"}},{\"name\":\"bad\",\"inputSchema\":3}],"
        "\"nextCursor\":\"p2\"}}\n");
  w.put("mcp_messages", "calls",
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"content\":[{\"type\":"
        "\"text\",\"text\":\"The sum of 2 and 3 is 5.\"},{\"type\":\"image\","
        "\"data\":\"AAAA\",\"mimeType\":\"image/png\"}]}}\n"
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"content\":[],"
        "\"structuredContent\":{\"sum\":5},\"isError\":true}}\n"
        "{\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"method\":\"ping\"}\n"
        "{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":-32602,"
        "\"message\":\"unknown tool\"}}\n"
        "not json\n");
}

void api_seeds(writer& w) {
  // A reader byte (0 run, 1 turn, 2 chat, 3 wait, id and key), then text.
  w.put(
      "api_request", "run",
      std::string(1, '\0') +
          R"({"agent": "researcher", "input": "find it", "priority": "batch"})");
  w.put("api_request", "turn",
        std::string{"\x01"} +
            R"({"input": "and then?", "on_busy": "interrupt"})");
  w.put("api_request", "chat",
        std::string{"\x02"} +
            R"({"model": "researcher", "stream": true, "temperature": 0.3,
                "messages": [{"role": "system", "content": "be brief"},
                             {"role": "assistant", "content":
                               [{"type": "text", "text": "hi"}]},
                             {"role": "user", "content": "caf\u00e9"}]})");
  w.put("api_request", "wait", std::string{"\x03"} + "30s");
}

} // namespace warden::fuzz
