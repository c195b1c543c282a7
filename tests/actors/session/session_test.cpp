#define CAF_SUITE actors.session
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/test/dsl.hpp>

#include "tests/actors/session/session_fixture.hpp"

using namespace session_test;

namespace {

tool_call call(std::string tool, std::string arguments) {
  return {std::move(tool), std::move(arguments)};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(session_tests, fixture)

CAF_TEST(a turn runs model then parallel tools then model to a final answer) {
  start_session();
  script({answer(reply(
              "let me look",
              {call("echo", R"({"text":"a"})"), call("search", R"({"q":"b"})")},
              100, 20)),
          answer(reply("the answer", {}, 150, 30))});
  tool_st(echo).script.push_back(hold(tool_output("echo says a")));
  tool_st(search).script.push_back(hold(tool_output("search found b")));
  send_turn(1, "question");
  sched.run();
  // Both tools were called before either answered.
  CAF_CHECK_EQUAL(tool_st(echo).requests.size(), 1u);
  CAF_CHECK_EQUAL(tool_st(search).requests.size(), 1u);
  CAF_CHECK(!finished());
  // The slower tool answers first; results still go back in call order.
  self->send(search, release_atom::value);
  self->send(echo, release_atom::value);
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::succeeded);
  CAF_CHECK_EQUAL(done->run, 1u);
  CAF_CHECK_EQUAL(done->session, sid);
  CAF_CHECK_EQUAL(done->output, "the answer");
  CAF_CHECK_EQUAL(done->reason, "");
  CAF_CHECK_EQUAL(done->usage.model_calls, 2u);
  CAF_CHECK_EQUAL(done->usage.tool_calls, 2u);
  CAF_CHECK_EQUAL(done->usage.iterations, 2u);
  CAF_CHECK_EQUAL(done->usage.prompt_tokens, 250u);
  CAF_CHECK_EQUAL(done->usage.completion_tokens, 50u);
  CAF_CHECK_EQUAL(governor_st().model_calls, 2);
  CAF_CHECK_EQUAL(governor_st().tool_calls, 2);
  auto& requests = provider_st().requests;
  CAF_REQUIRE_EQUAL(requests.size(), 2u);
  CAF_CHECK_EQUAL(requests[0].tools.size(), 3u);
  CAF_CHECK_EQUAL(requests[0].step, 1u);
  CAF_CHECK_EQUAL(requests[1].step, 2u);
  auto& second = requests[1].messages;
  CAF_REQUIRE_EQUAL(second.size(), 4u);
  CAF_CHECK(second[0].role == chat_role::user);
  CAF_CHECK_EQUAL(second[0].content, "question");
  CAF_CHECK(second[1].role == chat_role::assistant);
  CAF_CHECK(second[2].role == chat_role::tool);
  CAF_CHECK_EQUAL(second[2].tool, "echo");
  CAF_CHECK_EQUAL(second[2].content, "echo says a");
  CAF_CHECK_EQUAL(second[3].tool, "search");
  CAF_CHECK_EQUAL(second[3].content, "search found b");
  auto& echo_request = tool_st(echo).requests[0];
  CAF_CHECK_EQUAL(echo_request.run, 1u);
  CAF_CHECK_EQUAL(echo_request.session, sid);
  CAF_CHECK_EQUAL(echo_request.step, 1u);
  CAF_CHECK_EQUAL(echo_request.index, 0u);
  CAF_CHECK_EQUAL(echo_request.idempotency_key, "1/1/0");
  CAF_CHECK_EQUAL(tool_st(search).requests[0].index, 1u);
  CAF_CHECK_EQUAL(journaled(storage::entry_kind::model_step), 2u);
  CAF_CHECK_EQUAL(journaled(storage::entry_kind::tool_started), 2u);
  CAF_CHECK_EQUAL(journaled(storage::entry_kind::tool_finished), 2u);
  CAF_CHECK_EQUAL(journaled(storage::entry_kind::run_final), 1u);
  CAF_CHECK(session_st().turn() == nullptr);
  CAF_CHECK_EQUAL(session_st().history().size(), 5u);
}

CAF_TEST(the conversation carries over to the next turn) {
  start_session();
  script({answer(reply("hi there")), answer(reply("welcome back"))});
  send_turn(1, "hello");
  run();
  CAF_REQUIRE(finished());
  send_turn(2, "again");
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK_EQUAL(done->output, "welcome back");
  auto& messages = provider_st().requests.at(1).messages;
  CAF_REQUIRE_EQUAL(messages.size(), 3u);
  CAF_CHECK_EQUAL(messages[0].content, "hello");
  CAF_CHECK_EQUAL(messages[1].content, "hi there");
  CAF_CHECK_EQUAL(messages[2].content, "again");
  CAF_CHECK_EQUAL(session_st().counters().turns, 2u);
  CAF_CHECK_EQUAL(session_st().counters().last_run, 2u);
  CAF_CHECK_EQUAL(session_st().counters().usage.model_calls, 2u);
}

CAF_TEST(a second turn waits in the mailbox until the first finishes) {
  start_session();
  script({hold(reply("first answer")), answer(reply("second answer"))});
  send_turn(1, "first");
  send_turn(2, "second");
  sched.run();
  CAF_REQUIRE(session_st().turn() != nullptr);
  CAF_CHECK_EQUAL(session_st().turn()->input.run, 1u);
  CAF_CHECK_EQUAL(provider_st().requests.size(), 1u);
  CAF_CHECK(!finished());
  self->send(provider, release_atom::value);
  sched.run();
  auto first = finished();
  auto second = finished();
  CAF_REQUIRE(first && second);
  CAF_CHECK_EQUAL(first->run, 1u);
  CAF_CHECK_EQUAL(first->output, "first answer");
  CAF_CHECK_EQUAL(second->run, 2u);
  CAF_CHECK_EQUAL(second->output, "second answer");
  CAF_CHECK_EQUAL(provider_st().requests.at(1).messages.size(), 3u);
}

CAF_TEST(a turn timeout cancels the calls in flight and answers timed out) {
  runtime.tool_definitions["echo"].timeout_ms = 60'000;
  start_session();
  script({answer(reply("working", {call("echo", "{}")}))});
  tool_st(echo).script.push_back(hold(tool_output("too late")));
  send_turn(1, "slow");
  sched.run();
  CAF_CHECK_EQUAL(tool_st(echo).requests.size(), 1u);
  advance_time(std::chrono::milliseconds{9'999});
  sched.run();
  CAF_CHECK(!finished());
  advance_time(std::chrono::milliseconds{1});
  sched.run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::timed_out);
  CAF_CHECK_EQUAL(done->reason, "turn timeout of 10000 ms reached");
  CAF_CHECK_EQUAL(governor_st().cancels, 1);
  CAF_CHECK_EQUAL(provider_st().cancels, 1);
  CAF_CHECK_EQUAL(tool_st(echo).cancels, 1);
  CAF_CHECK_EQUAL(tool_st(search).cancels, 0);
  CAF_CHECK(session_st().turn() == nullptr);
  // The late tool reply is ignored; the next turn runs normally.
  self->send(echo, release_atom::value);
  run();
  CAF_CHECK(!finished());
  CAF_CHECK_EQUAL(provider_st().requests.size(), 1u);
  send_turn(2, "next");
  run();
  auto next = finished();
  CAF_REQUIRE(next);
  CAF_CHECK(next->state == run_state::succeeded);
  CAF_CHECK_EQUAL(next->output, "fallback answer");
}

CAF_TEST(a model call still waiting at the deadline times out the turn) {
  start_session();
  script({hold(reply("never"))});
  send_turn(1, "slow");
  sched.run();
  advance_time(std::chrono::milliseconds{10'000});
  sched.run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::timed_out);
  CAF_CHECK_EQUAL(provider_st().cancels, 1);
  CAF_CHECK_EQUAL(governor_st().cancels, 1);
  CAF_CHECK_EQUAL(done->usage.model_calls, 0u);
}

CAF_TEST(tool errors and tool timeouts become tool results) {
  start_session();
  script({answer(reply("trying", {call("echo", "{}"), call("search", "{}")})),
          answer(reply("done anyway"))});
  tool_st(echo).script.push_back(fail_with<tool_reply>(
      make_error(error_code::dependency_failed, "echo broke")));
  // The runner enforces the tool's timeout and answers with its error.
  tool_st(search).script.push_back(fail_with<tool_reply>(make_error(
      error_code::timeout, "tool search: no answer within 2000 ms")));
  send_turn(1, "go");
  sched.run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::succeeded);
  CAF_CHECK_EQUAL(done->output, "done anyway");
  auto& messages = provider_st().requests.at(1).messages;
  CAF_REQUIRE_EQUAL(messages.size(), 4u);
  CAF_CHECK_EQUAL(messages[2].content, "error: echo broke");
  CAF_CHECK_EQUAL(messages[3].content,
                  "error: tool search: no answer within 2000 ms");
}

CAF_TEST(unknown tools bad arguments and spawn agent calls become errors) {
  start_session();
  governor_st().refuse_tools = false;
  script({answer(reply("calls", {call("nope", "{}"), call("echo", "{not json"),
                                 call("delegate", R"({"task":"x"})"),
                                 call("search", "")})),
          answer(reply("ok"))});
  send_turn(1, "go");
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::succeeded);
  auto& messages = provider_st().requests.at(1).messages;
  CAF_REQUIRE_EQUAL(messages.size(), 6u);
  CAF_CHECK_EQUAL(messages[2].content, "error: unknown tool nope");
  CAF_CHECK_EQUAL(
      messages[3].content.rfind("error: arguments are not valid JSON: ", 0),
      0u);
  CAF_CHECK_EQUAL(messages[4].content, "error: spawn_agent is not available");
  CAF_CHECK_EQUAL(messages[5].content, "found"); // empty arguments are {}
  CAF_CHECK_EQUAL(tool_st(echo).requests.size(), 0u);
  CAF_CHECK_EQUAL(done->usage.tool_calls, 1u);
  // A refusal by the governor is a tool result too.
  governor_st().refuse_tools = true;
  script({answer(reply("again", {call("echo", "{}")})), answer(reply("ok"))});
  send_turn(2, "go");
  run();
  CAF_REQUIRE(finished());
  CAF_CHECK_EQUAL(provider_st().requests.at(3).messages.back().content,
                  "error: tool-call queue is full");
}

CAF_TEST(a failed model call fails the turn with the reason) {
  start_session();
  script({fail_with<model_reply>(make_error(error_code::circuit_open,
                                            "provider scripted is open",
                                            std::chrono::milliseconds{500}))});
  send_turn(1, "hi");
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::failed);
  CAF_CHECK_EQUAL(done->reason, "model call failed: provider scripted is open");
  CAF_CHECK_EQUAL(done->usage.model_calls, 0u);
  CAF_CHECK_EQUAL(journaled(storage::entry_kind::run_final), 1u);
}

CAF_TEST(cancel turn ends the running turn at once and only that turn) {
  start_session();
  script({hold(reply("never"))});
  send_turn(1, "long");
  sched.run();
  self->send(session, cancel_turn{99, run_state::cancelled, "wrong run"});
  sched.run();
  CAF_CHECK(session_st().turn() != nullptr);
  CAF_CHECK(!finished());
  self->send(session, cancel_turn{1, run_state::cancelled, "user cancelled"});
  sched.run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::cancelled);
  CAF_CHECK_EQUAL(done->reason, "user cancelled");
  CAF_CHECK_EQUAL(governor_st().cancels, 1);
  CAF_CHECK_EQUAL(provider_st().cancels, 1);
  CAF_CHECK(session_st().turn() == nullptr);
  CAF_CHECK(session_st().counters().last_state == run_state::cancelled);
  // Late reply and idle cancel are both ignored.
  self->send(provider, release_atom::value);
  self->send(session, cancel_turn{1, run_state::cancelled, "again"});
  run();
  CAF_CHECK(!finished());
  CAF_CHECK_EQUAL(journaled(storage::entry_kind::run_final), 1u);
}

CAF_TEST(a turn cancelled with calls open answers each call in the history) {
  start_session();
  script(
      {answer(reply("working", {call("echo", "{}"), call("search", "{}")}))});
  tool_st(search).script.push_back(hold(tool_output("too late")));
  send_turn(1, "two calls");
  sched.run();
  CAF_REQUIRE_EQUAL(tool_st(search).requests.size(), 1u);
  self->send(session, cancel_turn{1, run_state::cancelled, "user cancelled"});
  sched.run();
  CAF_REQUIRE(finished());
  // An endpoint refuses a history whose calls go unanswered: the finished
  // call keeps its output, the open one says the turn ended, each naming
  // its call's id.
  const auto& history = session_st().history();
  CAF_REQUIRE_GREATER_OR_EQUAL(history.size(), 4u);
  const auto& calls = history[history.size() - 3];
  CAF_REQUIRE(calls.role == chat_role::assistant);
  CAF_REQUIRE_EQUAL(calls.tool_calls.size(), 2u);
  CAF_CHECK_EQUAL(calls.tool_calls[0].id, "call_1_1_0");
  CAF_CHECK_EQUAL(calls.tool_calls[1].id, "call_1_1_1");
  const auto& first = history[history.size() - 2];
  const auto& second = history.back();
  CAF_CHECK(first.role == chat_role::tool);
  CAF_CHECK_EQUAL(first.tool_call_id, "call_1_1_0");
  CAF_CHECK(second.role == chat_role::tool);
  CAF_CHECK_EQUAL(second.tool_call_id, "call_1_1_1");
  CAF_CHECK(second.content.find("the turn ended (cancelled)") !=
            std::string::npos);
}

CAF_TEST(a model call that fails after its retries goes to the fallbacks) {
  auto cheap = sys.spawn(fake_dependency<model_request, model_reply>);
  auto safe = sys.spawn(fake_dependency<model_request, model_reply>);
  auto& cheap_st = deref<caf::stateful_actor<provider_state>>(cheap).state;
  auto& safe_st = deref<caf::stateful_actor<provider_state>>(safe).state;
  runtime.settings.model = "big";
  runtime.settings.instructions = "Be brief.";
  runtime.settings.temperature = 0.3;
  runtime.fallbacks = {{cheap, "cheap", "small"}, {safe, "safe", "tiny"}};
  start_session();
  script({fail_with<model_reply>(
      make_error(error_code::dependency_failed, "primary down"))});
  cheap_st.script.push_back(fail_with<model_reply>(
      make_error(error_code::circuit_open, "small: breaker open")));
  safe_st.fallback = reply("answered by tiny");
  safe_st.fallback.model = "tiny-2024-07";
  send_turn(1, "question");
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::succeeded);
  CAF_CHECK_EQUAL(done->output, "answered by tiny");
  // The run's outcome names the model that answered, as the endpoint did.
  CAF_CHECK_EQUAL(done->model, "tiny-2024-07");
  // Each tried the same call, with its own model.
  CAF_REQUIRE_EQUAL(provider_st().requests.size(), 1u);
  CAF_REQUIRE_EQUAL(cheap_st.requests.size(), 1u);
  CAF_REQUIRE_EQUAL(safe_st.requests.size(), 1u);
  CAF_CHECK_EQUAL(provider_st().requests[0].model, "big");
  CAF_CHECK_EQUAL(cheap_st.requests[0].model, "small");
  CAF_CHECK_EQUAL(safe_st.requests[0].model, "tiny");
  CAF_CHECK_EQUAL(safe_st.requests[0].step, provider_st().requests[0].step);
  // The instructions lead the messages, the sampling and deadline go along.
  const auto& sent = safe_st.requests[0];
  CAF_REQUIRE(!sent.messages.empty());
  CAF_CHECK(sent.messages[0].role == chat_role::system);
  CAF_CHECK_EQUAL(sent.messages[0].content, "Be brief.");
  CAF_CHECK_EQUAL(sent.temperature, 0.3);
  CAF_CHECK_GREATER(sent.time_left_ms, 0u);
  // The instructions are not history.
  for (const auto& m : session_st().history())
    CAF_CHECK(m.role != chat_role::system);
}

CAF_TEST(a refused request does not go to the fallbacks) {
  auto cheap = sys.spawn(fake_dependency<model_request, model_reply>);
  auto& cheap_st = deref<caf::stateful_actor<provider_state>>(cheap).state;
  runtime.fallbacks = {{cheap, "cheap", "small"}};
  start_session();
  script({fail_with<model_reply>(
      make_error(error_code::invalid_argument, "HTTP 400: bad request"))});
  send_turn(1, "question");
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::failed);
  CAF_CHECK(cheap_st.requests.empty());
}

CAF_TEST(a snapshot brings a session back with its whole history) {
  start_session();
  script({answer(reply("first reply", {}, 40, 2))});
  send_turn(1, "first question");
  run();
  CAF_REQUIRE(finished());
  self->send(session, snapshot_session{});
  run();
  std::optional<session_snapshot> snap;
  self->receive([&](session_snapshot& x) { snap = std::move(x); },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_REQUIRE(snap);
  CAF_CHECK_EQUAL(snap->session, sid);
  CAF_CHECK_EQUAL(snap->agent, "researcher");
  // Through bytes, as the snapshot store keeps it.
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  CAF_REQUIRE(!sink(*snap));
  session_snapshot copy;
  caf::binary_deserializer source{sys, buf};
  CAF_REQUIRE(!source(copy));
  CAF_CHECK_EQUAL(copy.conversation.size(), 2u);
  CAF_CHECK_EQUAL(copy.counters.turns, 1u);
  CAF_CHECK_EQUAL(copy.counters.usage.prompt_tokens, 40u);
  anon_send_exit(session, caf::exit_reason::user_shutdown);
  run();
  session = sys.spawn(restored_session_actor,
                      std::make_shared<const agent_runtime>(runtime),
                      std::move(copy));
  sched.run();
  CAF_CHECK_EQUAL(session_st().id(), sid);
  script({answer(reply("second reply", {}, 60, 3))});
  send_turn(2, "second question");
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK_EQUAL(done->output, "second reply");
  auto& messages = provider_st().requests.at(1).messages;
  CAF_REQUIRE_EQUAL(messages.size(), 3u);
  CAF_CHECK_EQUAL(messages[0].content, "first question");
  CAF_CHECK_EQUAL(messages[1].content, "first reply");
  CAF_CHECK_EQUAL(session_st().counters().turns, 2u);
  CAF_CHECK_EQUAL(session_st().counters().usage.prompt_tokens, 100u);
}

CAF_TEST(a snapshot is refused while a turn runs) {
  start_session();
  script({hold(reply("later"))});
  send_turn(1, "busy");
  sched.run();
  self->send(session, snapshot_session{});
  sched.run();
  std::optional<caf::error> refusal;
  self->receive([&](caf::error& err) { refusal = std::move(err); },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_REQUIRE(refusal);
  CAF_CHECK(warden_code(*refusal) == error_code::cap_exceeded);
  self->send(provider, release_atom::value);
  run();
  CAF_CHECK(finished());
}

CAF_TEST(usage totals add up model and tool retries and session counters) {
  start_session();
  auto first = reply("step", {call("echo", "{}")}, 11, 7);
  first.retries = 2;
  first.cost_micros = 300;
  auto second = reply("final", {}, 13, 3);
  second.cost_micros = 200;
  script({answer(first), answer(second), answer(reply("again", {}, 5, 1))});
  tool_st(echo).script.push_back(answer(tool_reply{"ok", 1}));
  send_turn(1, "go");
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK_EQUAL(done->usage.prompt_tokens, 24u);
  CAF_CHECK_EQUAL(done->usage.completion_tokens, 10u);
  CAF_CHECK_EQUAL(done->usage.tokens(), 34u);
  CAF_CHECK_EQUAL(done->usage.cost_micros, 500u);
  CAF_CHECK_EQUAL(done->usage.retries, 3u);
  CAF_CHECK_EQUAL(done->usage.model_calls, 2u);
  CAF_CHECK_EQUAL(done->usage.tool_calls, 1u);
  CAF_CHECK_EQUAL(done->usage.iterations, 2u);
  send_turn(2, "more");
  run();
  auto next = finished();
  CAF_REQUIRE(next);
  CAF_CHECK_EQUAL(next->usage.tokens(), 6u);
  auto& totals = session_st().counters().usage;
  CAF_CHECK_EQUAL(totals.tokens(), 40u);
  CAF_CHECK_EQUAL(totals.model_calls, 3u);
  CAF_CHECK_EQUAL(totals.cost_micros, 500u);
}

CAF_TEST(the records of a step leave in one append and in order) {
  using storage::entry_kind;
  for (auto tool : {"echo", "search"})
    runtime.tool_definitions[tool].side_effect =
        warden::config::side_effect_kind::pure;
  start_session();
  script({answer(reply("look", {call("echo", "{}"), call("search", "{}")})),
          answer(reply("the answer"))});
  send_turn(1, "question");
  run();
  CAF_REQUIRE(finished());
  // The reply and the calls' starts go out with the calls; the results with
  // the next model call; the last reply with the final outcome.
  CAF_CHECK_EQUAL(journal_st().batches, (std::vector<std::size_t>{3, 2, 2}));
  std::vector<entry_kind> kinds;
  for (const auto& e : journal_st().entries)
    kinds.push_back(e.kind);
  CAF_CHECK(kinds == (std::vector<entry_kind>{
                         entry_kind::model_step, entry_kind::tool_started,
                         entry_kind::tool_started, entry_kind::tool_finished,
                         entry_kind::tool_finished, entry_kind::model_step,
                         entry_kind::run_final}));
}

CAF_TEST(an effectful call result is journaled before the other calls end) {
  runtime.tool_definitions["echo"].side_effect =
      warden::config::side_effect_kind::pure;
  start_session();
  script({answer(reply("look", {call("echo", "{}"), call("search", "{}")})),
          answer(reply("the answer"))});
  tool_st(echo).script.push_back(hold(tool_output("late echo")));
  send_turn(1, "question");
  sched.run(); // run() would also fire the turn timeout
  // Write-ahead: the reply and echo's start ride with search's start, which
  // the session waits for; search's result is sent as soon as it arrives.
  CAF_CHECK_EQUAL(journal_st().batches, (std::vector<std::size_t>{3, 1}));
  CAF_CHECK_EQUAL(journaled(storage::entry_kind::tool_finished), 1u);
  self->send(echo, release_atom::value);
  run();
  CAF_REQUIRE(finished());
  CAF_CHECK_EQUAL(journal_st().batches, (std::vector<std::size_t>{3, 1, 1, 2}));
}

CAF_TEST(a failing journal does not stop the session) {
  journal_st().fail = true;
  start_session();
  script({answer(reply("one")), answer(reply("two"))});
  send_turn(1, "a");
  run();
  CAF_REQUIRE(finished());
  send_turn(2, "b");
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK_EQUAL(done->output, "two");
}

CAF_TEST(an idle session keeps only small state) {
  CAF_MESSAGE("sizeof(session_state) = " << sizeof(session_state)
                                         << ", sizeof(session_actor_type) = "
                                         << sizeof(session_actor_type));
  CAF_CHECK_LESS_OR_EQUAL(sizeof(session_state), 160u);
  start_session();
  script({answer(reply("x"))});
  send_turn(1, "y");
  run();
  CAF_REQUIRE(finished());
  CAF_CHECK(session_st().turn() == nullptr);
}

CAF_TEST_FIXTURE_SCOPE_END()
