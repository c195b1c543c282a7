#define CAF_SUITE actors.session_resume
#include <caf/test/dsl.hpp>

#include "actors/session/detail/journal.hpp"
#include "actors/session/registry.hpp"
#include "storage/keys.hpp"
#include "tests/actors/session/session_fixture.hpp"

using namespace session_test;

namespace {

constexpr run_id resumed = 1;

tool_call call(std::string tool, std::string arguments) {
  return {std::move(tool), std::move(arguments)};
}

tool_request started(const std::string& tool, std::string arguments) {
  return {resumed, fixture::sid, 1, 0, tool, std::move(arguments), "1/1/0"};
}

struct resume_fixture : fixture {
  /// Sends a turn of run 1 that resumes with `replay` as its journal.
  void send_resumed(std::vector<storage::journal_entry> replay) {
    turn_input turn{resumed, sid, "acme", "question", 1, {}, nullptr, {}};
    turn.replay = std::move(replay);
    self->send(session, run_turn{std::move(turn)});
    run();
  }

  /// Starts the session and resumes run 1 whose journal holds a model step
  /// calling search and search's start, without a result.
  std::optional<turn_finished> resume_with_search_started() {
    start_session();
    auto step1 = reply("searching", {call("search", R"({"q":"x"})")});
    send_resumed(
        {detail::model_step_entry(resumed, 1, detail::model_call_kind::agent,
                                  step1, {}),
         detail::tool_started_entry(started("search", R"({"q":"x"})"))});
    return finished();
  }

  /// Whether a message of the session's conversation contains `needle`.
  bool history_mentions(const std::string& needle) {
    for (const auto& msg : session_st().history())
      if (msg.content.find(needle) != std::string::npos)
        return true;
    return false;
  }

  /// A journal that takes appends and answers nothing.
  void mute_journal() {
    runtime.journal = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
      return {[](journal_append&) {}};
    });
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(session_resume_tests, resume_fixture)

CAF_TEST(journaled model replies and tool results are replayed not repeated) {
  start_session();
  auto step1 = reply("looking", {call("echo", R"({"text":"a"})")}, 40, 7);
  send_resumed({detail::model_step_entry(
                    resumed, 1, detail::model_call_kind::agent, step1, {}),
                detail::tool_started_entry(started("echo", R"({"text":"a"})")),
                detail::tool_finished_entry(resumed, 1, 0, "echo",
                                            "journaled echo", false)});
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::succeeded);
  CAF_CHECK_EQUAL(done->output, "fallback answer");
  // Only the step after the journaled ones reached the provider.
  CAF_REQUIRE_EQUAL(provider_st().requests.size(), 1u);
  CAF_CHECK_EQUAL(provider_st().requests[0].step, 2u);
  CAF_CHECK(tool_st(echo).requests.empty());
  CAF_CHECK(history_mentions("journaled echo"));
  // The replayed usage counts again: the turn's totals come back exactly.
  CAF_CHECK_EQUAL(done->usage.prompt_tokens, 50u);
  CAF_CHECK_EQUAL(done->usage.completion_tokens, 12u);
  // What was journaled before is not journaled twice.
  CAF_CHECK_EQUAL(journaled(storage::entry_kind::model_step), 1u);
  CAF_CHECK_EQUAL(journaled(storage::entry_kind::tool_started), 0u);
  CAF_CHECK_EQUAL(journaled(storage::entry_kind::tool_finished), 0u);
}

CAF_TEST(an effectful call started without a result is reported unknown) {
  auto done = resume_with_search_started();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::succeeded);
  CAF_CHECK(tool_st(search).requests.empty());
  CAF_CHECK(history_mentions("outcome unknown"));
  // The verdict is new: it is journaled.
  CAF_CHECK_EQUAL(journaled(storage::entry_kind::tool_finished), 1u);
}

CAF_TEST(an idempotent call started without a result runs again with its key) {
  runtime.tool_definitions["search"].side_effect =
      warden::config::side_effect_kind::idempotent;
  auto done = resume_with_search_started();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::succeeded);
  CAF_REQUIRE_EQUAL(tool_st(search).requests.size(), 1u);
  CAF_CHECK_EQUAL(tool_st(search).requests[0].idempotency_key, "1/1/0");
  CAF_CHECK(history_mentions("found"));
}

CAF_TEST(a step journaled as another kind of call ends the replay) {
  start_session();
  send_resumed({detail::model_step_entry(
      resumed, 1, detail::model_call_kind::final, reply("old final"), {})});
  auto done = finished();
  CAF_REQUIRE(done);
  // The loop makes an agent call first: the journal no longer matches, so
  // the call is made live.
  CAF_REQUIRE_EQUAL(provider_st().requests.size(), 1u);
  CAF_CHECK_EQUAL(provider_st().requests[0].step, 1u);
  CAF_CHECK_EQUAL(done->output, "fallback answer");
}

CAF_TEST(an effectful call runs only once its start is durable) {
  mute_journal();
  start_session();
  script({answer(reply("writing", {call("search", R"({"q":"x"})")}))});
  send_turn(resumed, "question");
  // sched.run(): no timer fires (the turn timeout would end it).
  sched.run();
  CAF_CHECK(tool_st(search).requests.empty());
  CAF_CHECK(!finished());
  self->send(session, journal_ack{1, {}});
  sched.run();
  CAF_CHECK_EQUAL(tool_st(search).requests.size(), 1u);
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::succeeded);
}

CAF_TEST(an effectful call whose start cannot be journaled stops the run) {
  mute_journal();
  start_session();
  script({answer(reply("writing", {call("search", R"({"q":"x"})")}))});
  send_turn(resumed, "question");
  sched.run();
  self->send(session,
             journal_ack{1, make_error(error_code::unavailable,
                                       "the journal could not write: disk "
                                       "full",
                                       storage_retry_after)});
  sched.run();
  CAF_CHECK(tool_st(search).requests.empty());
  auto done = finished();
  CAF_REQUIRE(done);
  // Not a tool error the model could ignore: the run stops, failed.
  CAF_CHECK(done->state == run_state::failed);
  CAF_CHECK(done->reason.find("could not be written") != std::string::npos);
  CAF_CHECK_EQUAL(provider_st().requests.size(), 1u);
}

CAF_TEST(a pure call needs no durable start) {
  mute_journal();
  runtime.tool_definitions["search"].side_effect =
      warden::config::side_effect_kind::pure;
  start_session();
  script({answer(reply("reading", {call("search", R"({"q":"x"})")}))});
  send_turn(resumed, "question");
  run();
  CAF_CHECK_EQUAL(tool_st(search).requests.size(), 1u);
  CAF_CHECK(finished());
}

CAF_TEST(a durable session journals its snapshot with each final entry) {
  runtime.checkpoint = true;
  start_session();
  send_turn(resumed, "question");
  run();
  CAF_REQUIRE(finished());
  const auto& entries = journal_st().entries;
  CAF_REQUIRE(entries.size() >= 2u);
  const auto& last = entries.back();
  CAF_REQUIRE(last.kind == storage::entry_kind::session_checkpoint);
  CAF_CHECK(entries[entries.size() - 2].kind == storage::entry_kind::run_final);
  CAF_CHECK_EQUAL(last.payload.substr(0, 8), storage::keys::session(sid));
  auto snapshot = decode_snapshot(sys, last.payload.substr(8));
  CAF_REQUIRE(snapshot);
  CAF_CHECK_EQUAL(snapshot->tenant, "acme");
  CAF_CHECK_EQUAL(snapshot->counters.turns, 1u);
  CAF_REQUIRE_EQUAL(snapshot->conversation.size(), 2u);
  CAF_CHECK_EQUAL(snapshot->conversation[0].content, "question");
  CAF_CHECK_EQUAL(snapshot->conversation[1].content, "fallback answer");
}

CAF_TEST_FIXTURE_SCOPE_END()
