#include "api/runs.hpp"

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "api/detail/body.hpp"

namespace warden::api {

namespace {

using nlohmann::json;

http_error bad(std::string message) {
  return refuse(400, "bad_request", std::move(message));
}

bool is_visible_ascii(std::string_view x) noexcept {
  for (auto c : x)
    if (c < 0x21 || c > 0x7e)
      return false;
  return true;
}

/// The body's string fields, each one of `names`: the body must be a JSON
/// object whose fields are all named there and all strings.
using fields = std::map<std::string, std::string>;

std::variant<fields, http_error>
string_fields(std::string_view body, std::initializer_list<const char*> names) {
  auto parsed = detail::json_object_of(body, "bad_request");
  if (auto* err = std::get_if<http_error>(&parsed))
    return *err;
  const auto& doc = std::get<json>(parsed);
  std::string listed;
  for (auto name : names)
    listed += (listed.empty() ? "" : ", ") + std::string{name};
  fields result;
  for (const auto& [key, value] : doc.items()) {
    auto known = std::any_of(names.begin(), names.end(),
                             [&key = key](const char* x) { return key == x; });
    if (!known)
      return bad("unknown field " + json_text(json(key)) +
                 " (fields: " + listed + ")");
    if (!value.is_string())
      return bad("field `" + key + "` must be a string, got " +
                 value.type_name());
    result.emplace(key, value.get<std::string>());
  }
  return result;
}

} // namespace

std::variant<std::string, http_error>
parse_idempotency_key(std::optional<std::string_view> header) {
  if (!header)
    return std::string{};
  if (header->empty() || header->size() > max_idempotency_key ||
      !is_visible_ascii(*header))
    return bad("header Idempotency-Key must be 1 to " +
               std::to_string(max_idempotency_key) +
               " visible ASCII characters");
  return std::string{*header};
}

namespace {

/// Field `name` of `x`, moved out; "" when absent.
std::string take(fields& x, const char* name) {
  auto i = x.find(name);
  return i == x.end() ? std::string{} : std::move(i->second);
}

} // namespace

std::variant<submit_run, http_error>
parse_submit(std::string_view body, const std::string& tenant,
             std::optional<std::string_view> idempotency_key) {
  auto parsed = string_fields(body, {"agent", "input", "priority"});
  if (auto* err = std::get_if<http_error>(&parsed))
    return *err;
  auto& got = std::get<fields>(parsed);
  if (got.count("agent") == 0)
    return bad("field `agent` is missing");
  if (!detail::is_name(got["agent"]))
    return bad("field `agent` must be an agent's name: 1 to 64 of "
               "[A-Za-z0-9_-]");
  if (got.count("input") == 0)
    return bad("field `input` is missing");
  auto key = parse_idempotency_key(idempotency_key);
  if (auto* err = std::get_if<http_error>(&key))
    return *err;
  submit_run result;
  result.tenant = tenant;
  result.agent = take(got, "agent");
  result.input = take(got, "input");
  result.priority = take(got, "priority");
  result.idempotency_key = std::move(std::get<std::string>(key));
  return result;
}

std::variant<send_turn, http_error>
parse_turn(std::string_view body, const std::string& tenant, session_id session,
           std::optional<std::string_view> idempotency_key) {
  auto parsed = string_fields(body, {"input", "priority", "on_busy"});
  if (auto* err = std::get_if<http_error>(&parsed))
    return *err;
  auto& got = std::get<fields>(parsed);
  if (got.count("input") == 0)
    return bad("field `input` is missing");
  if (auto i = got.find("on_busy"); i != got.end() && i->second != "enqueue" &&
                                    i->second != "reject" &&
                                    i->second != "interrupt")
    return bad("field `on_busy` must be enqueue, reject or interrupt");
  auto key = parse_idempotency_key(idempotency_key);
  if (auto* err = std::get_if<http_error>(&key))
    return *err;
  send_turn result;
  result.tenant = tenant;
  result.session = session;
  result.input = take(got, "input");
  result.priority = take(got, "priority");
  result.on_busy = take(got, "on_busy");
  result.idempotency_key = std::move(std::get<std::string>(key));
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

namespace {

json session_json(const session_info& x) {
  return {{"session_id", x.session},
          {"agent", x.agent},
          {"last_run_id", x.last_run},
          {"last_run_status", to_string(x.last_state)},
          {"resident", x.resident}};
}

} // namespace

std::string session_body(const session_info& session) {
  return json_text(session_json(session));
}

std::string session_list_body(const session_list& list) {
  auto sessions = json::array();
  for (const auto& x : list.sessions)
    sessions.push_back(session_json(x));
  json next = nullptr;
  if (list.next_after != 0)
    next = list.next_after;
  return json_text({{"sessions", std::move(sessions)}, {"next_after", next}});
}

namespace {

json status_json(const run_status& status) {
  const auto& u = status.usage;
  return {{"run_id", status.run},
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
            {"iterations", u.iterations}}}};
}

} // namespace

std::string status_body(const run_status& status) {
  return json_text(status_json(status));
}

std::string waited_body(const run_ack& ack, const run_status& status) {
  auto result = status_json(status);
  result["duplicate"] = ack.duplicate;
  return json_text(result);
}

} // namespace warden::api
