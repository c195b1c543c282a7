#define CAF_SUITE actors.session_limits
#include <caf/test/dsl.hpp>

#include "actors/session/config.hpp"
#include "actors/session/detail/tool_arguments.hpp"
#include "tests/actors/session/session_fixture.hpp"

using namespace session_test;

namespace {

tool_call call(std::string tool, std::string arguments) {
  return {std::move(tool), std::move(arguments)};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(session_limit_tests, fixture)

CAF_TEST(the iteration cap leads to exactly one tool free final call) {
  runtime.settings.max_iterations = 2;
  start_session();
  script({answer(reply("one", {call("echo", R"({"n":1})")})),
          answer(reply("two", {call("echo", R"({"n":2})")})),
          // Tool calls in the final reply are ignored.
          answer(reply("best effort", {call("echo", R"({"n":3})")})),
          answer(reply("never asked"))});
  send_turn(1, "loop");
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::succeeded);
  CAF_CHECK_EQUAL(done->output, "best effort");
  CAF_CHECK(contains(done->reason, "iteration cap of 2"));
  auto& requests = provider_st().requests;
  CAF_REQUIRE_EQUAL(requests.size(), 3u);
  CAF_CHECK_EQUAL(requests[0].tools.size(), 3u);
  CAF_CHECK_EQUAL(requests[1].tools.size(), 3u);
  CAF_CHECK(requests[2].tools.empty());
  CAF_CHECK_EQUAL(tool_st(echo).requests.size(), 2u);
  CAF_CHECK_EQUAL(done->usage.iterations, 3u);
  CAF_CHECK_EQUAL(done->usage.model_calls, 3u);
}

CAF_TEST(a conversation over its context budget is compacted first) {
  runtime.settings.context_token_budget = 60;
  start_session();
  std::string long_text(100, 'x'); // 25 tokens + 4 per message
  script({answer(reply(long_text)), answer(reply("they discussed x")),
          answer(reply("short answer"))});
  send_turn(1, long_text);
  run();
  CAF_REQUIRE(finished());
  CAF_CHECK_EQUAL(provider_st().requests.size(), 1u); // 58 tokens: no summary
  send_turn(2, "short");
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK_EQUAL(done->output, "short answer");
  auto& requests = provider_st().requests;
  CAF_REQUIRE_EQUAL(requests.size(), 3u);
  const auto& compaction = requests[1];
  CAF_CHECK(compaction.compaction);
  CAF_CHECK(compaction.tools.empty());
  CAF_REQUIRE_EQUAL(compaction.messages.size(), 3u); // 2 old + instruction
  CAF_CHECK_EQUAL(compaction.messages[0].content, long_text);
  CAF_CHECK(compaction.messages[2].role == chat_role::system);
  const auto& after = requests[2];
  CAF_CHECK(!after.compaction);
  CAF_REQUIRE_EQUAL(after.messages.size(), 2u);
  CAF_CHECK(after.messages[0].role == chat_role::system);
  CAF_CHECK(contains(after.messages[0].content, "they discussed x"));
  CAF_CHECK_EQUAL(after.messages[1].content, "short");
  CAF_CHECK_EQUAL(done->usage.model_calls, 2u);
  CAF_CHECK_EQUAL(done->usage.iterations, 1u);
  CAF_CHECK_EQUAL(session_st().history().size(), 3u);
}

CAF_TEST(a repeated tool call is warned then nudged then halted) {
  runtime.settings.max_iterations = 16;
  start_session();
  // The same call with its keys in a different order is the same call.
  script({answer(reply("1", {call("echo", R"({"a":1,"b":2})")})),
          answer(reply("2", {call("echo", R"({ "b": 2, "a": 1 })")})),
          answer(reply("3", {call("echo", R"({"a":1,"b":2})")})),
          answer(reply("4", {call("echo", R"({"b":2,"a":1})")})),
          answer(reply("5", {call("echo", R"({"a":1,"b":2})")}))});
  send_turn(1, "loop");
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::failed);
  CAF_CHECK(contains(done->reason, "doom loop"));
  auto& requests = provider_st().requests;
  CAF_REQUIRE_EQUAL(requests.size(), 5u);
  // Warned after the third call: only in the journal.
  CAF_CHECK(requests[3].messages.back().role == chat_role::tool);
  std::size_t warnings = 0;
  for (const auto& x : journal_st().entries)
    if (x.kind == storage::entry_kind::model_step &&
        contains(x.payload, R"("verdict":"warn")"))
      ++warnings;
  CAF_CHECK_EQUAL(warnings, 1u);
  // Nudged after the fourth: a system message after the tool result.
  const auto& nudged = requests[4].messages.back();
  CAF_CHECK(nudged.role == chat_role::system);
  CAF_CHECK(contains(nudged.content, "repeating yourself"));
  // Halted at the fifth: its tool never ran.
  CAF_CHECK_EQUAL(tool_st(echo).requests.size(), 4u);
}

CAF_TEST(unparseable arguments are fed back and count toward a loop) {
  runtime.settings.doom_loop.unparseable_threshold = 2;
  start_session();
  script({answer(reply("1", {call("echo", "{oops")})),
          answer(reply("2", {call("echo", "[1,")})),
          answer(reply("3", {call("echo", "nope")})),
          answer(reply("4", {call("echo", "{]")}))});
  send_turn(1, "go");
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  // Detections at the 2nd, 3rd and 4th: warn, nudge, halt.
  CAF_CHECK(done->state == run_state::failed);
  CAF_CHECK(contains(done->reason, "unparseable") ||
            contains(done->reason, "echo"));
  CAF_CHECK_EQUAL(tool_st(echo).requests.size(), 0u);
  CAF_CHECK(contains(provider_st().requests.at(1).messages.back().content,
                     "arguments are not valid JSON"));
}

CAF_TEST(model calls reserve an estimate and commit their actual use) {
  start_session();
  script({hold(reply("step", {call("echo", "{}")}, 300, 100)),
          hold(reply("done", {}, 50, 10))});
  send_turn(1, "hi", budget_grant{10'000, 0, 0});
  sched.run();
  auto* turn = session_st().turn();
  CAF_REQUIRE(turn != nullptr);
  auto first = estimate_model_call(estimate_tokens(session_st().history()));
  auto before = turn->balance();
  CAF_REQUIRE(before);
  CAF_CHECK_EQUAL(before->grant.tokens, 10'000u);
  CAF_CHECK_EQUAL(before->reserved.tokens, first.tokens);
  CAF_CHECK_EQUAL(before->spent.tokens, 0u);
  CAF_CHECK_EQUAL(before->final_turn_reserve.tokens, 1'250u);
  CAF_CHECK_EQUAL(provider_st().requests.at(0).token_estimate, first.tokens);
  self->send(provider, release_atom::value);
  sched.run();
  // The first call is committed at its actual use; the second is reserved.
  CAF_REQUIRE(session_st().turn() == turn);
  auto second = estimate_model_call(estimate_tokens(session_st().history()));
  auto during = turn->balance();
  CAF_REQUIRE(during);
  CAF_CHECK_EQUAL(during->spent.tokens, 400u);
  CAF_CHECK_EQUAL(during->spent.iterations, 1u);
  CAF_CHECK_EQUAL(during->reserved.tokens, second.tokens);
  CAF_CHECK_EQUAL(provider_st().requests.at(1).token_estimate, second.tokens);
  self->send(provider, release_atom::value);
  sched.run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::succeeded);
  CAF_CHECK_EQUAL(done->usage.tokens(), 460u);
}

CAF_TEST(an exhausted budget leads to the final call from the reserve) {
  start_session();
  // Grant 2000 tokens, 250 kept for the final call. The first step spends
  // 1600; the next estimate (prompt + 256) no longer fits the 150 left for
  // ordinary calls but fits the 400 that remain with the reserve.
  script({answer(reply("step", {call("echo", "{}")}, 1'500, 100)),
          answer(reply("wrapped up", {}, 100, 20))});
  send_turn(1, "go", budget_grant{2'000, 0, 0});
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::succeeded);
  CAF_CHECK_EQUAL(done->output, "wrapped up");
  CAF_CHECK(contains(done->reason, "budget exhausted"));
  auto& requests = provider_st().requests;
  CAF_REQUIRE_EQUAL(requests.size(), 2u);
  CAF_CHECK(!requests[0].tools.empty());
  CAF_CHECK(requests[1].tools.empty());
}

CAF_TEST(a budget too small even for the final call fails the turn) {
  start_session();
  script({answer(reply("step", {call("echo", "{}")}, 250, 40))});
  send_turn(1, "go", budget_grant{300, 0, 0});
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::failed);
  CAF_CHECK(contains(done->reason, "budget exhausted"));
  CAF_CHECK_EQUAL(provider_st().requests.size(), 1u);
  CAF_CHECK_EQUAL(done->usage.tokens(), 290u);
}

CAF_TEST(a cost budget spent by replies ends ordinary calls) {
  start_session();
  auto costly = reply("step", {call("echo", "{}")});
  costly.cost_micros = 950;
  script({answer(costly), answer(reply("cheap final"))});
  send_turn(1, "go", budget_grant{0, 1'000, 0});
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::succeeded);
  CAF_CHECK_EQUAL(done->output, "cheap final");
  CAF_CHECK(contains(done->reason, "budget exhausted"));
  CAF_CHECK(provider_st().requests.at(1).tools.empty());
}

CAF_TEST(tool arguments are compared in canonical json) {
  using warden::detail::normalize_arguments;
  auto x = normalize_arguments(R"({ "b": [1, 2], "a": {"d": 1, "c": null} })");
  CAF_CHECK(x.ok);
  CAF_CHECK_EQUAL(x.text, R"({"a":{"c":null,"d":1},"b":[1,2]})");
  CAF_CHECK_EQUAL(normalize_arguments("  ").text, "{}");
  CAF_CHECK(!normalize_arguments("{\"a\":").ok);
}

CAF_TEST(compaction keeps the newest messages within half the budget) {
  conversation xs{{chat_role::user, std::string(40, 'a'), {}},      // 14
                  {chat_role::assistant, std::string(40, 'b'), {}}, // 14
                  {chat_role::user, std::string(40, 'c'), {}}};     // 14
  CAF_CHECK_EQUAL(estimate_tokens(xs), 42u);
  CAF_CHECK_EQUAL(compaction_split(xs, 40), 2u);  // keeps the last one
  CAF_CHECK_EQUAL(compaction_split(xs, 56), 1u);  // keeps the last two
  CAF_CHECK_EQUAL(compaction_split(xs, 10), 2u);  // always keeps the last
  CAF_CHECK_EQUAL(compaction_split(xs, 100), 0u); // nothing older
  apply_compaction(xs, 2, "summary");
  CAF_REQUIRE_EQUAL(xs.size(), 2u);
  CAF_CHECK(xs[0].role == chat_role::system);
  CAF_CHECK_EQUAL(xs[1].content, std::string(40, 'c'));
}

CAF_TEST(compaction never parts tool results from the call that asked) {
  chat_message calls{chat_role::assistant, "", {}};
  calls.tool_calls = {{"echo", "{}", "call_1"}, {"echo", "{}", "call_2"}};
  auto result = [](const char* id) {
    chat_message x{chat_role::tool, std::string(40, 'r'), "echo"};
    x.tool_call_id = id;
    return x;
  };
  conversation xs{{chat_role::user, std::string(40, 'a'), {}},
                  calls,
                  result("call_1"),
                  result("call_2")};
  // Half of 40 keeps only the last result: moved back to the call, so the
  // kept part is the call and both its results.
  CAF_CHECK_EQUAL(compaction_split(xs, 40), 1u);
  // Nothing but the call and its results: nothing older to compact.
  conversation only{calls, result("call_1"), result("call_2")};
  CAF_CHECK_EQUAL(compaction_split(only, 10), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
