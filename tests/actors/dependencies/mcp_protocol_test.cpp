#define CAF_SUITE actors.mcp_protocol
#include <string>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "actors/dependencies/mcp/jsonrpc.hpp"
#include "actors/dependencies/mcp/protocol.hpp"

// The MCP client's words: JSON-RPC lines, the initialize handshake, pages
// of tools/list and tools/call results, as servers send them (the shapes
// follow the MCP 2025-06-18 schema; the texts are the reference servers').

using namespace warden::mcp;

namespace {

/// The lines `reader` yields for `chunks` fed one after another; "BROKEN"
/// when it gave up.
std::vector<std::string> lines_of(line_reader& reader,
                                  const std::vector<std::string>& chunks) {
  std::vector<std::string> lines;
  for (const auto& chunk : chunks)
    if (!reader.feed(
            chunk, [&](std::string_view line) { lines.emplace_back(line); })) {
      lines.emplace_back("BROKEN");
      break;
    }
  return lines;
}

template <class T>
const T* as(const message& m) {
  return std::get_if<T>(&m);
}

} // namespace

CAF_TEST(lines are split across reads and blank lines skipped) {
  line_reader reader{64};
  auto lines =
      lines_of(reader, {"{\"a\":", "1}\n\n{\"b\":2}\r\n{\"c\"", ":3}\n"});
  CAF_REQUIRE_EQUAL(lines.size(), 3u);
  CAF_CHECK_EQUAL(lines[0], "{\"a\":1}");
  CAF_CHECK_EQUAL(lines[1], "{\"b\":2}");
  CAF_CHECK_EQUAL(lines[2], "{\"c\":3}");
  CAF_CHECK_EQUAL(reader.pending(), 0u);
}

CAF_TEST(a line over the bound breaks the stream) {
  line_reader reader{8};
  auto lines = lines_of(reader, {"12345678\n", "1234", "56789", "\nok\n"});
  CAF_REQUIRE_EQUAL(lines.size(), 2u);
  CAF_CHECK_EQUAL(lines[0], "12345678");
  CAF_CHECK_EQUAL(lines[1], "BROKEN");
  CAF_CHECK(reader.broken());
  // A whole line that arrives in one read is bounded the same way.
  line_reader other{8};
  CAF_CHECK(!other.feed("123456789\n", [](std::string_view) {}));
  // The "\r" of a "\r\n" does not count.
  line_reader crlf{8};
  CAF_CHECK(crlf.feed("12345678\r\n", [](std::string_view) {}));
}

CAF_TEST(server messages are classified) {
  auto ok = parse_message(R"({"jsonrpc":"2.0","id":7,"result":{"x":1}})");
  CAF_REQUIRE(as<response>(ok));
  CAF_CHECK_EQUAL(numeric_id(*as<response>(ok)).value_or(0), 7u);
  CAF_CHECK_EQUAL((*as<response>(ok)->result)["x"], 1);
  auto refused = parse_message(
      R"({"jsonrpc":"2.0","id":8,"error":{"code":-32602,"message":"bad"}})");
  CAF_REQUIRE(as<response>(refused));
  CAF_CHECK_EQUAL(as<response>(refused)->error->code, -32602);
  CAF_CHECK_EQUAL(as<response>(refused)->error->message, "bad");
  auto ping = parse_message(R"({"jsonrpc":"2.0","id":"s1","method":"ping"})");
  CAF_REQUIRE(as<request>(ping));
  CAF_CHECK_EQUAL(as<request>(ping)->method, "ping");
  auto changed = parse_message(
      R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})");
  CAF_REQUIRE(as<notification>(changed));
  CAF_CHECK_EQUAL(as<notification>(changed)->method,
                  "notifications/tools/list_changed");
  // A string id is a valid id, but not one of Warden's.
  auto foreign = parse_message(R"({"jsonrpc":"2.0","id":"x","result":{}})");
  CAF_REQUIRE(as<response>(foreign));
  CAF_CHECK(!numeric_id(*as<response>(foreign)));
}

CAF_TEST(malformed lines say what is wrong) {
  auto why = [](std::string_view line) {
    auto m = parse_message(line);
    auto* bad = as<malformed>(m);
    return bad ? bad->why : std::string{"(accepted)"};
  };
  CAF_CHECK(why("hello").find("not JSON") != std::string::npos);
  CAF_CHECK(why("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"\xff\"}")
                .find("not JSON") != std::string::npos);
  CAF_CHECK(why("[]").find("batch") != std::string::npos);
  CAF_CHECK(why("{\"id\":1,\"result\":{}}").find("jsonrpc") !=
            std::string::npos);
  CAF_CHECK(why(R"({"jsonrpc":"2.0","id":1})").find("exactly one") !=
            std::string::npos);
  CAF_CHECK(why(R"({"jsonrpc":"2.0","id":1,"result":1,"error":{}})")
                .find("exactly one") != std::string::npos);
  CAF_CHECK(why(R"({"jsonrpc":"2.0","id":1,"error":{"message":"x"}})")
                .find("integer code") != std::string::npos);
  CAF_CHECK(
      why(R"({"jsonrpc":"2.0","id":1.5,"method":"m"})").find("request id") !=
      std::string::npos);
  CAF_CHECK(why(R"({"jsonrpc":"2.0"})").find("neither") != std::string::npos);
}

CAF_TEST(client lines are one line of JSON each) {
  auto line = request_text(3, "tools/call",
                           call_tool_params("echo", {{"message", "a\nb"}}));
  CAF_CHECK_EQUAL(line.back(), '\n');
  CAF_CHECK_EQUAL(line.find('\n'), line.size() - 1);
  auto back = parse_message(line.substr(0, line.size() - 1));
  // A request parses back as one (the server's view of it).
  CAF_REQUIRE(as<request>(back));
  CAF_CHECK_EQUAL(as<request>(back)->params["arguments"]["message"], "a\nb");
  auto invalid =
      request_text(4, "tools/call", call_tool_params("echo", {{"m", "\xff"}}));
  CAF_CHECK(invalid.find("\\ufffd") != std::string::npos ||
            invalid.find("\xef\xbf\xbd") != std::string::npos);
  CAF_CHECK_EQUAL(notification_text("notifications/initialized", nullptr),
                  "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/"
                  "initialized\"}\n");
  CAF_CHECK_EQUAL(error_text("s1", method_not_found, "no sampling"),
                  "{\"error\":{\"code\":-32601,\"message\":\"no sampling\"},"
                  "\"id\":\"s1\",\"jsonrpc\":\"2.0\"}\n");
  CAF_CHECK_EQUAL(result_text(5, json::object()),
                  "{\"id\":5,\"jsonrpc\":\"2.0\",\"result\":{}}\n");
}

CAF_TEST(initialize asks for the newest version and accepts the three) {
  auto params = initialize_params("1.2.3");
  CAF_CHECK_EQUAL(params["protocolVersion"], "2025-06-18");
  CAF_CHECK_EQUAL(params["clientInfo"]["name"], "warden");
  CAF_CHECK(params["capabilities"].empty());
  for (auto version : protocol_versions) {
    json answer{
        {"protocolVersion", version},
        {"capabilities", {{"tools", {{"listChanged", true}}}}},
        {"serverInfo",
         {{"name", "example-servers/everything"}, {"version", "1.0.0"}}}};
    auto info = read_initialize(answer);
    CAF_REQUIRE(info);
    CAF_CHECK_EQUAL(info.value->protocol_version, version);
    CAF_CHECK(info.value->tools && info.value->tools_list_changed);
    CAF_CHECK_EQUAL(info.value->name, "example-servers/everything");
  }
  auto old = read_initialize({{"protocolVersion", "2023-01-01"}});
  CAF_CHECK(!old);
  CAF_CHECK(old.problem.find("\"2023-01-01\"") != std::string::npos);
  CAF_CHECK(old.problem.find("2025-06-18") != std::string::npos);
  auto quiet = read_initialize({{"protocolVersion", "2024-11-05"}});
  CAF_REQUIRE(quiet);
  CAF_CHECK(!quiet.value->tools);
}

CAF_TEST(tools are read page by page and bad ones skipped with a reason) {
  CAF_CHECK(list_tools_params(std::nullopt).empty());
  // Held: CAF_CHECK_EQUAL keeps a reference into its arguments.
  auto second = list_tools_params(std::string{"p2"});
  CAF_CHECK_EQUAL(second["cursor"], "p2");
  json page{
      {"tools",
       {{{"name", "get-sum"},
         {"description", "Returns the sum of two numbers"},
         {"inputSchema",
          {{"type", "object"},
           {"properties", {{"a", {{"type", "number"}}}}},
           {"required", {"a"}}}}},
        {{"name", "no-schema"}},
        {{"description", "nameless"}, {"inputSchema", {{"type", "object"}}}},
        {{"name", "array-schema"}, {"inputSchema", {{"type", "array"}}}}}},
      {"nextCursor", "p2"}};
  auto read = read_tools_page(page);
  CAF_REQUIRE(read);
  const auto& tools = read.value->tools;
  CAF_REQUIRE_EQUAL(tools.size(), 1u);
  CAF_CHECK_EQUAL(tools[0].name, "get-sum");
  CAF_CHECK_EQUAL(tools[0].input_schema["required"][0], "a");
  CAF_CHECK_EQUAL(read.value->skipped.size(), 3u);
  CAF_CHECK_EQUAL(read.value->skipped[0].first, "no-schema");
  CAF_CHECK_EQUAL(read.value->next_cursor.value_or(""), "p2");
  auto last = read_tools_page({{"tools", json::array()}});
  CAF_REQUIRE(last);
  CAF_CHECK(!last.value->next_cursor);
  CAF_CHECK(!read_tools_page({{"tools", 1}}));
  CAF_CHECK(!read_tools_page({{"tools", json::array()}, {"nextCursor", 2}}));
}

CAF_TEST(a call result joins its text and keeps structured content) {
  json answer{
      {"content",
       {{{"type", "text"}, {"text", "The sum of 2 and 3 is 5."}},
        {{"type", "image"}, {"mimeType", "image/png"}, {"data", "AAAA"}},
        {{"type", "resource_link"}, {"uri", "file:///tmp/a"}},
        {{"type", "resource"},
         {"resource", {{"uri", "test://1"}, {"text", "inline"}}}}}},
      {"structuredContent", {{"result", 5}}}};
  auto read = read_call_result(answer);
  CAF_REQUIRE(read);
  CAF_CHECK_EQUAL(read.value->text, "The sum of 2 and 3 is 5.\n"
                                    "[image image/png, 3 bytes]\n"
                                    "[resource link file:///tmp/a]\n"
                                    "inline");
  CAF_REQUIRE(read.value->structured);
  CAF_CHECK_EQUAL((*read.value->structured)["result"], 5);
  CAF_CHECK(!read.value->is_error);
  auto failed = read_call_result(
      {{"content", {{{"type", "text"}, {"text", "no such file"}}}},
       {"isError", true}});
  CAF_REQUIRE(failed);
  CAF_CHECK(failed.value->is_error);
  CAF_CHECK_EQUAL(failed.value->text, "no such file");
  CAF_CHECK(!read_call_result({{"content", "text"}}));
  CAF_CHECK(
      !read_call_result({{"isError", "yes"}, {"content", json::array()}}));
  CAF_CHECK(!read_call_result(json::object()));
  auto structured_only = read_call_result({{"structuredContent", {{"a", 1}}}});
  CAF_CHECK(structured_only);
}

CAF_TEST(a cancelled call names its request) {
  auto params = cancelled_params(12, "timed out after 5000 ms");
  CAF_CHECK_EQUAL(params["requestId"], 12);
  CAF_CHECK_EQUAL(params["reason"], "timed out after 5000 ms");
}
