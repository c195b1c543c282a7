#include "actors/dependencies/mcp/protocol.hpp"

#include <algorithm>

namespace warden::mcp {

namespace {

template <class T>
checked<T> problem(std::string why) {
  checked<T> result;
  result.problem = std::move(why);
  return result;
}

/// The string at `key` of `x`, or "" when absent or not a string.
std::string text_at(const json& x, const char* key) {
  auto i = x.find(key);
  return i != x.end() && i->is_string() ? i->get<std::string>() : std::string{};
}

/// How a content block that is not text reads in a result's text.
std::string describe_block(const json& block, const std::string& type) {
  auto mime = text_at(block, "mimeType");
  if (type == "image" || type == "audio") {
    auto data = text_at(block, "data");
    return "[" + type + (mime.empty() ? "" : " " + mime) + ", " +
           std::to_string(data.size() * 3 / 4) + " bytes]";
  }
  if (type == "resource_link")
    return "[resource link " + text_at(block, "uri") + "]";
  if (type == "resource") {
    auto inner = block.find("resource");
    if (inner != block.end() && inner->is_object()) {
      if (auto text = inner->find("text");
          text != inner->end() && text->is_string())
        return text->get<std::string>();
      return "[resource " + text_at(*inner, "uri") + "]";
    }
  }
  return "[" + (type.empty() ? std::string{"unknown"} : type) + " content]";
}

} // namespace

json initialize_params(std::string_view client_version) {
  return {{"protocolVersion", protocol_versions.front()},
          {"capabilities", json::object()},
          {"clientInfo", {{"name", "warden"}, {"version", client_version}}}};
}

checked<server_info> read_initialize(const json& result) {
  if (!result.is_object())
    return problem<server_info>("the answer to initialize is not an object");
  auto version = text_at(result, "protocolVersion");
  auto known = std::find(protocol_versions.begin(), protocol_versions.end(),
                         version) != protocol_versions.end();
  if (!known) {
    std::string ours;
    for (auto v : protocol_versions)
      ours += (ours.empty() ? "" : ", ") + std::string{v};
    return problem<server_info>("the server speaks MCP protocol version \"" +
                                version + "\"; Warden speaks " + ours);
  }
  server_info info;
  info.protocol_version = std::move(version);
  if (auto about = result.find("serverInfo");
      about != result.end() && about->is_object()) {
    info.name = text_at(*about, "name");
    info.version = text_at(*about, "version");
  }
  if (auto caps = result.find("capabilities");
      caps != result.end() && caps->is_object()) {
    if (auto tools = caps->find("tools");
        tools != caps->end() && tools->is_object()) {
      info.tools = true;
      info.tools_list_changed = tools->value("listChanged", false);
    }
  }
  return {std::move(info), {}};
}

json list_tools_params(const std::optional<std::string>& cursor) {
  if (!cursor)
    return json::object();
  return {{"cursor", *cursor}};
}

checked<tools_page> read_tools_page(const json& result) {
  if (!result.is_object())
    return problem<tools_page>("the answer to tools/list is not an object");
  auto tools = result.find("tools");
  if (tools == result.end() || !tools->is_array())
    return problem<tools_page>("the answer to tools/list has no tools array");
  tools_page page;
  for (const auto& x : *tools) {
    auto name = x.is_object() ? text_at(x, "name") : std::string{};
    if (name.empty()) {
      page.skipped.emplace_back("", "a tool without a name");
      continue;
    }
    auto schema = x.find("inputSchema");
    if (schema == x.end() || !schema->is_object() ||
        schema->value("type", std::string{}) != "object") {
      page.skipped.emplace_back(
          name, "its inputSchema is not an object schema (\"type\": "
                "\"object\")");
      continue;
    }
    page.tools.push_back({name, text_at(x, "description"), *schema});
  }
  if (auto next = result.find("nextCursor"); next != result.end()) {
    if (next->is_string())
      page.next_cursor = next->get<std::string>();
    else if (!next->is_null())
      return problem<tools_page>("nextCursor is not a string");
  }
  return {std::move(page), {}};
}

json call_tool_params(std::string_view name, const json& arguments) {
  return {{"name", name},
          {"arguments", arguments.is_null() ? json::object() : arguments}};
}

checked<call_result> read_call_result(const json& result) {
  if (!result.is_object())
    return problem<call_result>("the answer to tools/call is not an object");
  call_result out;
  if (auto flag = result.find("isError"); flag != result.end()) {
    if (!flag->is_boolean())
      return problem<call_result>("isError is not a boolean");
    out.is_error = flag->get<bool>();
  }
  if (auto structured = result.find("structuredContent");
      structured != result.end() && !structured->is_null())
    out.structured = *structured;
  auto content = result.find("content");
  if (content == result.end()) {
    // Older servers may answer with structured content alone.
    if (!out.structured)
      return problem<call_result>("the answer to tools/call has no content");
    return {std::move(out), {}};
  }
  if (!content->is_array())
    return problem<call_result>("content is not an array");
  for (const auto& block : *content) {
    if (!block.is_object())
      return problem<call_result>("a content block is not an object");
    auto type = text_at(block, "type");
    auto line =
        type == "text" ? text_at(block, "text") : describe_block(block, type);
    if (!out.text.empty())
      out.text.push_back('\n');
    out.text += line;
  }
  return {std::move(out), {}};
}

json cancelled_params(std::uint64_t id, std::string_view reason) {
  return {{"requestId", id}, {"reason", reason}};
}

} // namespace warden::mcp
