// Fuzz target: what the HTTP API makes of the bytes a client sends it. The
// first input byte picks the reader, the rest is the request's body (or
// header value, or path segment): POST /v1/runs (parse_submit), a session's
// turn (parse_turn), the OpenAI-compatible front door (parse_chat), and
// `?wait=`, ids and Idempotency-Key. Then the answers the API would write
// for the text it read (a chat completion, its chunks, an error body).
// Properties: nothing throws; what is accepted meets the contract (agent
// names of [A-Za-z0-9_-], the caller's tenant, idempotency keys of visible
// ASCII, no tool messages in a chat's history); every answer body is JSON,
// whatever bytes the run's output holds.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "api/chat.hpp"
#include "api/errors.hpp"
#include "api/routes.hpp"
#include "api/runs.hpp"
#include "fuzz/support.hpp"

namespace {

using warden::fuzz::require;
namespace api = warden::api;

bool is_name(std::string_view x) {
  if (x.empty() || x.size() > 64)
    return false;
  for (auto c : x)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

bool is_key(std::string_view x) {
  for (auto c : x)
    if (c < 0x21 || c > 0x7e)
      return false;
  return x.size() <= api::max_idempotency_key;
}

bool parses(const std::string& text) {
  return nlohmann::json::accept(text);
}

/// The answers the API writes about a run whose output is `output`.
void answers_for(std::string_view output) {
  warden::run_status run;
  run.run = 42;
  run.session = 7;
  run.agent = "a";
  run.state = warden::run_state::succeeded;
  run.output = std::string{output};
  require(parses(api::completion_body(run, 1)), "a completion is JSON");
  auto events = api::completion_events(run, 1);
  require(events.size() >= 14 &&
              events.compare(events.size() - 14, 14, "data: [DONE]\n\n") == 0,
          "a stream ends in [DONE]");
  run.state = warden::run_state::failed;
  run.reason = std::string{output};
  auto failure = api::run_failure(run);
  require(parses(api::openai_body(failure)) && parses(api::rest_body(failure)),
          "an error body is JSON");
  require(parses(api::status_body(run)), "a run is JSON");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  auto text = warden::fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 4) {
  case 0: {
    auto got = api::parse_submit(text, "acme", text.substr(0, 300));
    if (auto* run = std::get_if<warden::submit_run>(&got)) {
      require(run->tenant == "acme", "a run is the caller's tenant's");
      require(is_name(run->agent), "an accepted agent is a name");
      require(is_key(run->idempotency_key), "an accepted key is visible ASCII");
      answers_for(run->input);
    } else {
      require(std::get<api::http_error>(got).status == 400, "a refusal is 400");
    }
    break;
  }
  case 1: {
    auto got = api::parse_turn(text, "acme", 7, std::nullopt);
    if (auto* turn = std::get_if<warden::send_turn>(&got)) {
      require(turn->session == 7 && turn->tenant == "acme",
              "a turn is for the path's session");
      require(turn->on_busy.empty() || turn->on_busy == "enqueue" ||
                  turn->on_busy == "reject" || turn->on_busy == "interrupt",
              "on_busy is one of three");
    }
    break;
  }
  case 2: {
    auto got = api::parse_chat(text);
    if (auto* chat = std::get_if<api::chat_request>(&got)) {
      require(is_name(chat->agent), "a chat's agent is a name");
      for (const auto& m : chat->history)
        require(m.role != warden::chat_role::tool && m.tool_calls.empty(),
                "a chat's history holds no tool messages");
      answers_for(chat->input);
    } else {
      require(parses(api::openai_body(std::get<api::http_error>(got))),
              "a chat refusal is JSON");
    }
    break;
  }
  default: {
    static_cast<void>(api::parse_wait(text));
    if (auto id = api::parse_id(text))
      require(*id > 0 && std::to_string(*id) == text,
              "an id is its decimal digits");
    auto key = api::parse_idempotency_key(text);
    if (auto* accepted = std::get_if<std::string>(&key))
      require(is_key(*accepted) && !accepted->empty(),
              "an accepted key is visible ASCII");
    answers_for(text);
    break;
  }
  }
  return 0;
}
