#include "api/events.hpp"

#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

namespace warden::api {

namespace {

using nlohmann::json;

bool is_step(std::string_view kind) {
  return kind != "queued" && kind != "admitted" && kind != "started" &&
         kind != "final";
}

std::string sse_text(std::string_view id, std::string_view kind,
                     const json& data) {
  std::string result;
  result.reserve(128);
  if (!id.empty()) {
    result += "id: ";
    result += id;
    result += '\n';
  }
  result += "event: ";
  result += kind;
  // json_text escapes line breaks: the data is one line.
  result += "\ndata: ";
  result += json_text(data);
  result += "\n\n";
  return result;
}

} // namespace

std::variant<resume_point, http_error>
parse_last_event_id(std::optional<std::string_view> value) {
  resume_point result;
  if (!value || value->empty())
    return result;
  if (*value == "final") {
    result.final_seen = true;
    return result;
  }
  std::uint64_t seq = 0;
  bool fits = value->size() <= 20;
  for (auto c : *value) {
    if (!fits || c < '0' || c > '9') {
      fits = false;
      break;
    }
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (seq > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      fits = false;
      break;
    }
    seq = seq * 10 + digit;
  }
  if (!fits)
    return refuse(400, "bad_request",
                  "Last-Event-ID must be the id of an event of this run's "
                  "stream (a number, or \"final\")");
  result.after = seq;
  return result;
}

std::string sse_event_text(const run_event& event) {
  json data{{"seq", event.seq},
            {"run_id", event.run},
            {"kind", event.kind},
            {"status", to_string(event.state)},
            {"detail", event.detail}};
  if (is_step(event.kind)) {
    const auto& s = event.step;
    data["step"] = {{"index", s.step},
                    {"call", s.call},
                    {"name", s.name},
                    {"prompt_tokens", s.prompt_tokens},
                    {"completion_tokens", s.completion_tokens},
                    {"child_run_id", s.child},
                    {"error", s.error},
                    {"detail", s.detail}};
  }
  return sse_text(std::to_string(event.seq), event.kind, data);
}

std::string sse_delta_text(const run_delta& delta) {
  json data{{"run_id", delta.run},
            {"step", delta.step},
            {"text", delta.text},
            {"restarted", delta.restarted}};
  return sse_text({}, "delta", data);
}

std::string sse_final_text(const run_status& status) {
  json data{{"run_id", status.run},
            {"kind", "final"},
            {"status", to_string(status.state)},
            {"detail", status.reason}};
  return sse_text("final", "final", data);
}

} // namespace warden::api
