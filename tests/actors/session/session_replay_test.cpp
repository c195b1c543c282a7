#define CAF_SUITE actors.session_replay
#include <string>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/session/detail/journal.hpp"
#include "actors/session/detail/replay.hpp"

// Journal payloads as replay reads them after a restart or an import: what
// session/detail/journal.cpp writes replays unchanged, and numbers that are not
// unsigned integers in range make an entry unreadable instead of being cast
// (found by the session_replay fuzz target, fuzz/README.md).

using namespace warden;
using detail::model_call_kind;

namespace {

storage::journal_entry model_step(std::string payload) {
  return {1, 1, storage::entry_kind::model_step, std::move(payload)};
}

/// A model_step payload whose prompt_tokens are `prompt` (JSON text).
std::string step_with_prompt(const std::string& prompt) {
  return R"({"call":"agent","completion_tokens":2,"cost_micros":3,)"
         R"("prompt_tokens":)" +
         prompt + R"(,"retries":0,"text":"hi","tool_calls":[]})";
}

} // namespace

CAF_TEST(a journaled model reply replays unchanged) {
  model_reply reply;
  reply.text = "calling tools \xE2\x9C\x93";
  reply.tool_calls = {{"search", R"({"q":"x"})"}, {"echo", "{}"}};
  reply.prompt_tokens = 18'446'744'073'709'551'615u;
  reply.completion_tokens = 7;
  reply.cost_micros = 9;
  reply.retries = 4'294'967'295u;
  detail::turn_replay replay{
      {detail::model_step_entry(1, 3, model_call_kind::agent, reply, {})}};
  auto again = replay.model_step(3, model_call_kind::agent);
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->text, reply.text);
  CAF_CHECK_EQUAL(again->prompt_tokens, reply.prompt_tokens);
  CAF_CHECK_EQUAL(again->retries, reply.retries);
  CAF_REQUIRE_EQUAL(again->tool_calls.size(), 2u);
  CAF_CHECK_EQUAL(again->tool_calls[0].arguments, R"({"q":"x"})");
}

CAF_TEST(the plain form of a step replays) {
  detail::turn_replay replay{{model_step(step_with_prompt("5"))}};
  auto again = replay.model_step(1, model_call_kind::agent);
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->prompt_tokens, 5u);
}

CAF_TEST(token counts that are not unsigned integers make a step unreadable) {
  // 1e30 was cast to an integer (undefined behaviour), -1 became 2^64 - 1
  // tokens, 2.5 became 2.
  for (auto prompt : {"1e30", "-1", "2.5", "18446744073709551616", "\"5\""}) {
    CAF_MESSAGE("prompt_tokens " << prompt);
    std::vector<storage::journal_entry> entries{
        model_step(step_with_prompt(prompt))};
    detail::turn_replay replay{entries};
    CAF_CHECK(!replay.model_step(1, model_call_kind::agent));
    auto usage = detail::journaled_usage(entries);
    CAF_CHECK_EQUAL(usage.prompt_tokens, 0u);
    CAF_CHECK_EQUAL(usage.model_calls, 0u);
  }
}

CAF_TEST(retries and tool indexes beyond 32 bits make an entry unreadable) {
  auto payload = step_with_prompt("5");
  payload.replace(payload.find(R"("retries":0)"), 11,
                  R"("retries":4294967296)");
  detail::turn_replay steps{{model_step(payload)}};
  CAF_CHECK(!steps.model_step(1, model_call_kind::agent));
  std::vector<storage::journal_entry> tools{
      {1, 1, storage::entry_kind::tool_started, R"({"index":4294967296})"},
      {1, 1, storage::entry_kind::tool_started, R"({"index":-1})"}};
  CAF_CHECK_EQUAL(detail::journaled_usage(tools).tool_calls, 0u);
  detail::turn_replay replay{tools};
  CAF_CHECK(!replay.tool(1, 0).started);
  CAF_CHECK(!replay.tool(1, 4'294'967'295u).started);
}
