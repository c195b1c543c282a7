#define CAF_SUITE actors.double_texting
#include <caf/test/dsl.hpp>

#include "tests/actors/session/session_registry_fixture.hpp"

using namespace session_registry_test;

namespace {

using session_test::hold;
using session_test::reply;

struct texting_fixture : session_registry_test::fixture {
  /// Submits a run whose first model call is held until `release`: the
  /// session stays busy with it.
  run_ack busy_session(const std::string& input) {
    provider_st().script.push_back(hold(reply("held answer")));
    auto ack = submit(input);
    CAF_REQUIRE(status(ack.run).state == run_state::running);
    return ack;
  }

  /// Sends a turn with `on_busy` and runs every message.
  void send(session_id session, const std::string& input,
            const std::string& on_busy, const std::string& key = "") {
    self->send(node, send_turn{"acme", session, input, "", key, on_busy});
    sched.run();
  }

  /// The error in self's mailbox; fails the test on anything else.
  caf::error refusal() {
    caf::error result;
    self->receive(
        [&](caf::error& err) { result = std::move(err); },
        [&](run_ack& ack) { CAF_FAIL("accepted as run " << ack.run); },
        caf::after(std::chrono::seconds{0}) >> [&] { CAF_FAIL("no reply"); });
    return result;
  }

  void release() {
    self->send(provider, session_test::release_atom::value);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(double_texting_tests, texting_fixture)

CAF_TEST(enqueue runs the second turn after the first) {
  start();
  auto first = busy_session("first question");
  send(first.session, "second question", "enqueue");
  auto second = take<run_ack>();
  // It waits in the session's mailbox while the first turn runs.
  CAF_CHECK(status(first.run).state == run_state::running);
  CAF_CHECK_EQUAL(provider_st().requests.size(), 1u);
  release();
  CAF_CHECK(status(first.run).state == run_state::succeeded);
  CAF_CHECK(status(second.run).state == run_state::succeeded);
  // The second turn saw the first one's question and answer.
  auto prompt = last_prompt();
  CAF_CHECK(contains(prompt, "first question"));
  CAF_CHECK(contains(prompt, "held answer"));
  CAF_CHECK(contains(prompt, "second question"));
}

CAF_TEST(reject refuses a turn while the session is busy and nothing else) {
  start();
  auto first = busy_session("first question");
  send(first.session, "second question", "reject");
  auto err = refusal();
  CAF_CHECK(warden_code(err) == error_code::conflict);
  CAF_CHECK_EQUAL(error_reason(err),
                  "session " + std::to_string(first.session) +
                      " is busy: run " + std::to_string(first.run) +
                      " has not ended (running); the turn was sent with "
                      "on_busy = reject (send it again once that run ended, "
                      "or with enqueue or interrupt)");
  CAF_MESSAGE(error_reason(err));
  // The running turn goes on, and the session takes the turn once idle.
  release();
  CAF_CHECK(status(first.run).state == run_state::succeeded);
  send(first.session, "second question", "reject");
  auto second = take<run_ack>();
  CAF_CHECK(status(second.run).state == run_state::succeeded);
}

CAF_TEST(interrupt cancels the running turn and keeps its history) {
  start();
  auto first = busy_session("first question");
  send(first.session, "second question", "interrupt");
  auto second = take<run_ack>();
  auto cancelled = status(first.run);
  CAF_CHECK(cancelled.state == run_state::cancelled);
  CAF_CHECK_EQUAL(cancelled.reason, "interrupted by a new turn of session " +
                                        std::to_string(first.session) +
                                        " (run " + std::to_string(second.run) +
                                        ")");
  CAF_CHECK(status(second.run).state == run_state::succeeded);
  // The interrupted call was abandoned (the provider was told) and the new
  // turn's prompt still holds the interrupted turn's question.
  CAF_CHECK_GREATER_OR_EQUAL(provider_st().cancels, 1);
  CAF_REQUIRE_EQUAL(provider_st().requests.size(), 2u);
  auto prompt = last_prompt();
  CAF_CHECK(contains(prompt, "first question"));
  CAF_CHECK(contains(prompt, "second question"));
  // The held answer arriving late changes nothing.
  release();
  CAF_CHECK(status(first.run).state == run_state::cancelled);
  CAF_CHECK(status(second.run).state == run_state::succeeded);
}

CAF_TEST(interrupt also cancels turns still waiting behind the running one) {
  start();
  auto first = busy_session("first question");
  send(first.session, "queued question", "enqueue");
  auto queued = take<run_ack>();
  send(first.session, "urgent question", "interrupt");
  auto urgent = take<run_ack>();
  CAF_CHECK(status(first.run).state == run_state::cancelled);
  CAF_CHECK(status(queued.run).state == run_state::cancelled);
  CAF_CHECK(status(urgent.run).state == run_state::succeeded);
  // The waiting turn never started: no model call, nothing in the history.
  CAF_CHECK_EQUAL(provider_st().requests.size(), 2u);
  CAF_CHECK(!contains(last_prompt(), "queued question"));
}

CAF_TEST(a turn cancelled while it waits behind the running one never starts) {
  start();
  auto first = busy_session("first question");
  send(first.session, "waiting question", "enqueue");
  auto waiting = take<run_ack>();
  self->send(node, cancel_run{"acme", waiting.run});
  sched.run();
  CAF_CHECK(take<run_status>().state != run_state::succeeded);
  release();
  CAF_CHECK(status(first.run).state == run_state::succeeded);
  auto cancelled = status(waiting.run);
  CAF_CHECK(cancelled.state == run_state::cancelled);
  CAF_CHECK_EQUAL(cancelled.reason, "cancelled by tenant acme");
  CAF_CHECK_EQUAL(cancelled.usage.model_calls, 0u);
  CAF_CHECK_EQUAL(provider_st().requests.size(), 1u);
  // The next turn's history has no trace of it.
  send(first.session, "next question", "enqueue");
  auto next = take<run_ack>();
  CAF_CHECK(status(next.run).state == run_state::succeeded);
  CAF_CHECK(!contains(last_prompt(), "waiting question"));
}

CAF_TEST(the on_busy of the agent applies when the request names none) {
  on_busy = config::busy_policy::reject;
  start();
  auto first = busy_session("first question");
  send(first.session, "second question", "");
  CAF_CHECK(warden_code(refusal()) == error_code::conflict);
  // A choice in the request wins over the agent's.
  send(first.session, "second question", "enqueue");
  auto second = take<run_ack>();
  release();
  CAF_CHECK(status(second.run).state == run_state::succeeded);
}

CAF_TEST(a retry of an accepted turn answers it even with reject) {
  start();
  auto first = busy_session("first question");
  send(first.session, "second question", "enqueue", "turn-2");
  auto second = take<run_ack>();
  // The session is busy (with that very turn among others): the retry with
  // the same key gets the same run, not a conflict.
  send(first.session, "second question", "reject", "turn-2");
  auto again = take<run_ack>();
  CAF_CHECK_EQUAL(again.run, second.run);
  CAF_CHECK(again.duplicate);
  release();
}

CAF_TEST(an unknown on_busy is refused naming the choices) {
  start();
  auto first = submit("first question");
  send(first.session, "second question", "wait");
  auto err = refusal();
  CAF_CHECK(warden_code(err) == error_code::invalid_argument);
  CAF_CHECK_EQUAL(error_reason(err),
                  "on_busy `wait` is not one of enqueue, reject, interrupt");
}

CAF_TEST_FIXTURE_SCOPE_END()
