#include "actors/dependencies/mcp/jsonrpc.hpp"

#include <utility>

namespace warden::mcp {

namespace {

/// One line of JSON: invalid UTF-8 in a string becomes U+FFFD rather than
/// an exception, so that a tool's arguments can never stop a session.
std::string line_of(const json& x) {
  auto text = x.dump(-1, ' ', false, json::error_handler_t::replace);
  text.push_back('\n');
  return text;
}

/// Whether `id` is one JSON-RPC allows: a string or an integer.
bool valid_id(const json& id) {
  return id.is_string() || id.is_number_integer() || id.is_number_unsigned();
}

std::optional<rpc_error> error_of(const json& x, std::string& why) {
  if (!x.is_object() || !x.contains("code") || !x["code"].is_number_integer()) {
    why = "an error without an integer code";
    return std::nullopt;
  }
  rpc_error result;
  result.code = x["code"].get<std::int64_t>();
  if (auto i = x.find("message"); i != x.end() && i->is_string())
    result.message = i->get<std::string>();
  return result;
}

} // namespace

bool line_reader::feed(std::string_view bytes,
                       const std::function<void(std::string_view)>& on_line) {
  while (!broken_ && !bytes.empty()) {
    auto end = bytes.find('\n');
    auto piece = bytes.substr(0, end);
    if (partial_.size() + piece.size() > max_line_ + 1) {
      // +1: a "\r" before the newline does not count.
      broken_ = true;
      partial_.clear();
      return false;
    }
    if (end == std::string_view::npos) {
      partial_.append(piece);
      return true;
    }
    bytes.remove_prefix(end + 1);
    std::string_view line = piece;
    if (!partial_.empty()) {
      partial_.append(piece);
      line = partial_;
    }
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.size() > max_line_) {
      broken_ = true;
      partial_.clear();
      return false;
    }
    if (line.find_first_not_of(" \t") != std::string_view::npos)
      on_line(line);
    partial_.clear();
  }
  return !broken_;
}

message parse_message(std::string_view line) {
  auto x = json::parse(line, nullptr, false);
  if (x.is_discarded())
    return malformed{"not JSON (or not UTF-8)"};
  if (x.is_array())
    return malformed{"a batch: MCP sends one message per line"};
  if (!x.is_object())
    return malformed{"not a JSON object"};
  auto version = x.find("jsonrpc");
  if (version == x.end() || *version != "2.0")
    return malformed{"no \"jsonrpc\": \"2.0\""};
  auto method = x.find("method");
  auto id = x.find("id");
  if (method != x.end()) {
    if (!method->is_string())
      return malformed{"a method that is not a string"};
    auto params = x.value("params", json{});
    if (id == x.end())
      return notification{method->get<std::string>(), std::move(params)};
    if (!valid_id(*id))
      return malformed{"a request id that is neither a string nor an integer"};
    return request{*id, method->get<std::string>(), std::move(params)};
  }
  if (id == x.end())
    return malformed{"neither a method nor an id"};
  response r;
  r.id = *id;
  auto result = x.find("result");
  auto error = x.find("error");
  if ((result == x.end()) == (error == x.end()))
    return malformed{"a response needs exactly one of result and error"};
  if (result != x.end()) {
    r.result = std::move(*result);
    return r;
  }
  std::string why;
  r.error = error_of(*error, why);
  if (!r.error)
    return malformed{std::move(why)};
  return r;
}

std::optional<std::uint64_t> numeric_id(const response& r) {
  if (r.id.is_number_unsigned())
    return r.id.get<std::uint64_t>();
  if (r.id.is_number_integer() && r.id.get<std::int64_t>() >= 0)
    return static_cast<std::uint64_t>(r.id.get<std::int64_t>());
  return std::nullopt;
}

std::string request_text(std::uint64_t id, std::string_view method,
                         const json& params) {
  json x{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null())
    x["params"] = params;
  return line_of(x);
}

std::string notification_text(std::string_view method, const json& params) {
  json x{{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null())
    x["params"] = params;
  return line_of(x);
}

std::string result_text(const json& id, const json& result) {
  return line_of({{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
}

std::string error_text(const json& id, std::int64_t code,
                       std::string_view text) {
  return line_of({{"jsonrpc", "2.0"},
                  {"id", id},
                  {"error", {{"code", code}, {"message", text}}}});
}

} // namespace warden::mcp
