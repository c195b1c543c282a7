#include "api/runs.hpp"

#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

namespace warden::api {

namespace {

using nlohmann::json;

http_error bad(std::string message) {
  return refuse(400, "bad_request", std::move(message));
}

bool is_name(std::string_view x) noexcept {
  if (x.empty() || x.size() > 64)
    return false;
  for (auto c : x)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

bool is_visible_ascii(std::string_view x) noexcept {
  for (auto c : x)
    if (c < 0x21 || c > 0x7e)
      return false;
  return true;
}

/// The string field `key` of `body`: absent (nullopt), or its text, or a
/// refusal when it is not a string.
std::variant<std::optional<std::string>, http_error>
text_field(const json& body, const char* key) {
  auto i = body.find(key);
  if (i == body.end())
    return std::optional<std::string>{};
  if (!i->is_string())
    return bad(std::string{"field `"} + key + "` must be a string, got " +
               i->type_name());
  return std::optional<std::string>{i->get<std::string>()};
}

} // namespace

std::variant<submit_run, http_error>
parse_submit(std::string_view body, const std::string& tenant,
             std::optional<std::string_view> idempotency_key) {
  json doc;
  try {
    doc = json::parse(body.begin(), body.end());
  } catch (const json::parse_error& e) {
    // "parse error at line 1, column 11: ...", without the library's tag.
    std::string_view what = e.what();
    if (auto tag = what.find("] "); tag != std::string_view::npos)
      what.remove_prefix(tag + 2);
    return bad("the body is not JSON: " + std::string{what});
  }
  if (!doc.is_object())
    return bad(std::string{"the body must be a JSON object, got "} +
               doc.type_name());
  for (const auto& [key, value] : doc.items()) {
    static_cast<void>(value);
    if (key != "agent" && key != "input" && key != "priority")
      return bad("unknown field " + json_text(json(key)) +
                 " (fields: agent, input, priority)");
  }
  std::optional<std::string> agent;
  std::optional<std::string> input;
  std::optional<std::string> priority;
  for (auto [key, slot] :
       {std::pair{"agent", &agent}, std::pair{"input", &input},
        std::pair{"priority", &priority}}) {
    auto got = text_field(doc, key);
    if (auto* err = std::get_if<http_error>(&got))
      return *err;
    *slot = std::move(std::get<std::optional<std::string>>(got));
  }
  if (!agent)
    return bad("field `agent` is missing");
  if (!is_name(*agent))
    return bad("field `agent` must be an agent's name: 1 to 64 of "
               "[A-Za-z0-9_-]");
  if (!input)
    return bad("field `input` is missing");
  submit_run result;
  result.tenant = tenant;
  result.agent = std::move(*agent);
  result.input = std::move(*input);
  result.priority = std::move(priority).value_or(std::string{});
  if (idempotency_key) {
    if (idempotency_key->empty() ||
        idempotency_key->size() > max_idempotency_key ||
        !is_visible_ascii(*idempotency_key))
      return bad("header Idempotency-Key must be 1 to " +
                 std::to_string(max_idempotency_key) +
                 " visible ASCII characters");
    result.idempotency_key = std::string{*idempotency_key};
  }
  return result;
}

std::optional<std::uint64_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 20 || (text[0] == '0' && text.size() > 1))
    return std::nullopt;
  std::uint64_t value = 0;
  for (auto c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
      return std::nullopt;
    value = value * 10 + digit;
  }
  if (value == 0)
    return std::nullopt;
  return value;
}

std::string ack_body(const run_ack& ack) {
  return json_text({{"run_id", ack.run},
                    {"session_id", ack.session},
                    {"status", "accepted"},
                    {"duplicate", ack.duplicate}});
}

std::string status_body(const run_status& status) {
  const auto& u = status.usage;
  return json_text({{"run_id", status.run},
                    {"session_id", status.session},
                    {"agent", status.agent},
                    {"status", to_string(status.state)},
                    {"output", status.output},
                    {"reason", status.reason},
                    {"model", status.model},
                    {"usage",
                     {{"prompt_tokens", u.prompt_tokens},
                      {"completion_tokens", u.completion_tokens},
                      {"cost_micros", u.cost_micros},
                      {"model_calls", u.model_calls},
                      {"tool_calls", u.tool_calls},
                      {"retries", u.retries},
                      {"iterations", u.iterations}}}});
}

} // namespace warden::api
