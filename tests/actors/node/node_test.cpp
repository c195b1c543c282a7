#define CAF_SUITE actors.node
#include <caf/test/dsl.hpp>

#include "policies/daily_budget.hpp"
#include "tests/actors/node/node_fixture.hpp"

using namespace node_test;

CAF_TEST_FIXTURE_SCOPE(node_tests, fixture)

CAF_TEST(a submitted run is acknowledged started and awaited to its result) {
  auto ack = submit("acme");
  CAF_CHECK(ack.run > 0);
  CAF_CHECK(!ack.duplicate);
  CAF_REQUIRE_EQUAL(pool_state().started.size(), 1u);
  CAF_CHECK_EQUAL(pool_state().started[0].turn.run, ack.run);
  CAF_CHECK_EQUAL(pool_state().started[0].turn.input, "hello");
  self->send(node, await_run{"acme", ack.run});
  CAF_CHECK(no_reply());
  finish_turn(ack.run);
  auto status = next<run_status>();
  CAF_CHECK(status.state == run_state::succeeded);
  CAF_CHECK_EQUAL(status.output, "answer");
  CAF_CHECK_EQUAL(status.usage.prompt_tokens, 10u);
  CAF_CHECK_EQUAL(admission_state().released.size(), 1u);
}

CAF_TEST(a cluster member makes ids of its own in the slot it is given) {
  auto single = submit("acme");
  // A single node is member 0 in slot 0: its ids are its counters.
  CAF_CHECK_EQUAL(single.run, 1u);
  CAF_CHECK_EQUAL(single.session, 1u);
  finish_turn(single.run);
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  run();
  node = start(store, 4096, 3);
  run();
  self->send(node, submit_run{"acme", "researcher", "hello", "", "", 7});
  auto ack = next<run_ack>();
  auto run_parts = policies::split_id(ack.run);
  auto session_parts = policies::split_id(ack.session);
  CAF_CHECK_EQUAL(run_parts.member, 3u);
  CAF_CHECK_EQUAL(run_parts.slot, 7u);
  // Counters go on above what the store holds.
  CAF_CHECK_EQUAL(run_parts.counter, 2u);
  CAF_CHECK_EQUAL(session_parts.member, 3u);
  CAF_CHECK_EQUAL(session_parts.slot, 7u);
  CAF_CHECK_EQUAL(session_parts.counter, 2u);
  // The next turn of that session stays in its slot.
  self->send(node, send_turn{"acme", ack.session, "again", "", "", "enqueue"});
  auto turn = next<run_ack>();
  CAF_CHECK_EQUAL(policies::slot_of(turn.run), 7u);
  CAF_CHECK_EQUAL(turn.session, ack.session);
}

CAF_TEST(a finished run gives admission the tokens and day its record counts) {
  auto ack = submit("acme");
  CAF_REQUIRE_EQUAL(admission_state().admits.size(), 1u);
  CAF_CHECK(!admission_state().admits[0].accepted);
  finish_turn(ack.run);
  CAF_REQUIRE_EQUAL(admission_state().releases.size(), 1u);
  const auto& release = admission_state().releases[0];
  CAF_CHECK_EQUAL(release.run, ack.run);
  CAF_CHECK_EQUAL(release.tokens, 10u);
  auto stored = store->find_run(ack.run);
  CAF_REQUIRE(stored.value);
  CAF_CHECK(stored.value->final);
  CAF_CHECK_EQUAL(stored.value->finished_at_ms, release.finished_at_ms);
  auto day = policies::utc_day(release.finished_at_ms);
  // Held: CAF_CHECK_EQUAL binds a reference into its argument.
  auto daily = store->daily_tokens(day).value;
  CAF_CHECK_EQUAL(daily["acme"], 10u);
}

CAF_TEST(the same idempotency key from the same tenant returns the same run) {
  auto first = submit("acme", "k1");
  auto again = submit("acme", "k1");
  CAF_CHECK_EQUAL(again.run, first.run);
  CAF_CHECK(again.duplicate);
  auto other_tenant = submit("globex", "k1");
  CAF_CHECK_NOT_EQUAL(other_tenant.run, first.run);
  CAF_CHECK_EQUAL(pool_state().started.size(), 2u);
}

CAF_TEST(a tenant can neither see nor cancel the runs of another tenant) {
  auto ack = submit("acme");
  self->send(node, get_status{"globex", ack.run});
  CAF_CHECK(warden_code(next_error()) == error_code::not_found);
  self->send(node, cancel_run{"globex", ack.run});
  CAF_CHECK(warden_code(next_error()) == error_code::not_found);
  CAF_CHECK(pool_state().cancels.empty());
  self->send(node, get_status{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::running);
  self->send(node, list_sessions{"globex"});
  CAF_CHECK(next<session_list>().sessions.empty());
  self->send(node, list_sessions{"acme"});
  CAF_CHECK_EQUAL(next<session_list>().sessions.size(), 1u);
}

CAF_TEST(sessions are listed in pages by id) {
  std::vector<session_id> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(submit("acme").session);
  submit("globex");
  self->send(node, list_sessions{"acme", 0, 2});
  auto first = next<session_list>();
  CAF_REQUIRE_EQUAL(first.sessions.size(), 2u);
  CAF_CHECK_EQUAL(first.sessions[0].session, ids[0]);
  CAF_CHECK_EQUAL(first.sessions[1].session, ids[1]);
  CAF_CHECK_EQUAL(first.next_after, ids[1]);
  self->send(node, list_sessions{"acme", first.next_after, 2});
  auto second = next<session_list>();
  CAF_REQUIRE_EQUAL(second.sessions.size(), 2u);
  CAF_CHECK_EQUAL(second.sessions[0].session, ids[2]);
  self->send(node, list_sessions{"acme", second.next_after, 2});
  auto last = next<session_list>();
  CAF_REQUIRE_EQUAL(last.sessions.size(), 1u);
  CAF_CHECK_EQUAL(last.sessions[0].session, ids[4]);
  CAF_CHECK_EQUAL(last.next_after, 0u);
  // A page of exactly what is left is the last one.
  self->send(node, list_sessions{"acme", ids[2], 2});
  CAF_CHECK_EQUAL(next<session_list>().next_after, 0u);
}

CAF_TEST(malformed requests are refused with a reason and disturb nothing) {
  auto ack = submit("acme");
  self->send(node, submit_run{"acme", "nobody", "x", "", ""});
  auto unknown_agent = next_error();
  CAF_CHECK(warden_code(unknown_agent) == error_code::invalid_argument);
  CAF_CHECK(error_reason(unknown_agent).find("nobody") != std::string::npos);
  self->send(node,
             submit_run{"acme", "researcher", std::string(65, 'x'), "", ""});
  auto oversized = next_error();
  CAF_CHECK(warden_code(oversized) == error_code::invalid_argument);
  CAF_CHECK(error_reason(oversized).find("65 bytes") != std::string::npos);
  self->send(node, submit_run{"acme", "researcher", "x", "urgent", ""});
  auto priority = next_error();
  CAF_CHECK(warden_code(priority) == error_code::invalid_argument);
  CAF_CHECK(error_reason(priority).find("interactive, batch") !=
            std::string::npos);
  self->send(node, submit_run{"", "researcher", "x", "", ""});
  CAF_CHECK(warden_code(next_error()) == error_code::invalid_argument);
  self->send(node, get_status{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::running);
  CAF_CHECK_EQUAL(pool_state().started.size(), 1u);
}

CAF_TEST(a run refused by admission is answered with the reason and forgotten) {
  admission_state().mode = admission_outcome::rejected;
  self->send(node, submit_run{"acme", "researcher", "x", "", "key"});
  auto err = next_error();
  CAF_CHECK(warden_code(err) == error_code::queue_full);
  CAF_CHECK(error_reason(err).find("acme") != std::string::npos);
  CAF_CHECK(deref<caf::stateful_actor<node_state>>(node).state.runs.empty());
  admission_state().mode = admission_outcome::admitted;
  auto ack = submit("acme", "key");
  CAF_CHECK(!ack.duplicate);
}

CAF_TEST(a queued run can be cancelled and its admission place withdrawn) {
  admission_state().mode = admission_outcome::queued;
  auto ack = submit("acme");
  CAF_CHECK(pool_state().started.empty());
  self->send(node, cancel_run{"acme", ack.run});
  // The answer is the state as of now: cancelled once that is durable.
  auto now = next<run_status>();
  CAF_CHECK(now.state == run_state::queued);
  CAF_CHECK(now.reason.find("final record") != std::string::npos);
  self->send(node, await_run{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::cancelled);
  CAF_CHECK_EQUAL(admission_state().released.size(), 1u);
  CAF_CHECK(pool_state().started.empty());
}

CAF_TEST(cancelling a running run asks its pool to stop the turn) {
  auto ack = submit("acme");
  self->send(node, cancel_run{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::running);
  CAF_REQUIRE_EQUAL(pool_state().cancels.size(), 1u);
  CAF_CHECK_EQUAL(pool_state().cancels[0].run, ack.run);
  finish_turn(ack.run, run_state::cancelled);
  self->send(node, get_status{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::cancelled);
}

CAF_TEST(a drain refuses new runs and waits for running ones) {
  auto ack = submit("acme");
  self->send(node, get_readiness{});
  CAF_CHECK(next<node_readiness>().ready());
  self->send(node, drain_node{});
  CAF_CHECK(no_reply());
  self->send(node, get_readiness{});
  auto draining = next<node_readiness>();
  CAF_CHECK(draining.draining);
  CAF_CHECK(!draining.ready());
  self->send(node, submit_run{"acme", "researcher", "x", "", ""});
  CAF_CHECK(warden_code(next_error()) == error_code::draining);
  finish_turn(ack.run);
  auto report = next<drain_report>();
  CAF_CHECK_EQUAL(report.finished, 1u);
  CAF_CHECK_EQUAL(report.cancelled, 0u);
}

CAF_TEST(a drain cancels what is still running at its deadline) {
  auto ack = submit("acme");
  self->send(node, drain_node{});
  CAF_CHECK(no_reply());
  advance_time(std::chrono::seconds{5});
  run();
  CAF_REQUIRE_EQUAL(pool_state().cancels.size(), 1u);
  finish_turn(ack.run, run_state::cancelled);
  auto report = next<drain_report>();
  CAF_CHECK_EQUAL(report.cancelled, 1u);
}

CAF_TEST(a bounded wait answers the status as of its bound) {
  auto ack = submit("acme");
  self->send(node, await_run{"acme", ack.run, 2000});
  self->send(node, await_run{"acme", ack.run});
  // sched.run() delivers messages without firing timers (run() fires them).
  sched.run();
  CAF_CHECK_EQUAL(self->mailbox().size(), 0u);
  advance_time(std::chrono::milliseconds{1999});
  sched.run();
  CAF_CHECK_EQUAL(self->mailbox().size(), 0u);
  advance_time(std::chrono::milliseconds{1});
  auto bounded = next<run_status>();
  CAF_CHECK(bounded.state == run_state::running);
  CAF_CHECK(no_reply()); // the unbounded wait goes on
  finish_turn(ack.run);
  auto final_status = next<run_status>();
  CAF_CHECK(final_status.state == run_state::succeeded);
  CAF_CHECK(no_reply());
}

CAF_TEST(a bounded wait is answered once : by the end or by its bound) {
  auto ack = submit("acme");
  self->send(node, await_run{"acme", ack.run, 2000});
  finish_turn(ack.run);
  CAF_CHECK(next<run_status>().state == run_state::succeeded);
  advance_time(std::chrono::seconds{2});
  CAF_CHECK(no_reply());
  // A final run answers a bounded wait at once.
  self->send(node, await_run{"acme", ack.run, 2000});
  CAF_CHECK(next<run_status>().state == run_state::succeeded);
}

CAF_TEST(a request without a sender to answer is not carried out) {
  // What a client whose route the middleman lost looks like: a request id,
  // no sender.
  auto lost = [&](auto request) {
    caf::actor_cast<caf::abstract_actor*>(node)->enqueue(
        caf::make_mailbox_element(nullptr, caf::make_message_id(42), {},
                                  std::move(request)),
        nullptr);
    sched.run();
  };
  lost(submit_run{"acme", "researcher", "hello", "", "k1"});
  CAF_CHECK(admission_state().admits.empty());
  CAF_CHECK(pool_state().started.empty());
  auto ack = submit("acme", "k1"); // asked again: a new run, not a duplicate
  CAF_CHECK(!ack.duplicate);
  lost(cancel_run{"acme", ack.run});
  CAF_CHECK(pool_state().cancels.empty());
  self->send(node, get_status{"acme", ack.run});
  CAF_CHECK(next<run_status>().state == run_state::running);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(durable_ack_tests, slow_journal_fixture)

CAF_TEST(a run is acknowledged only after its record is durable) {
  self->send(node, submit_run{"acme", "researcher", "hello", "", ""});
  CAF_CHECK(no_reply());
  CAF_CHECK(pool_state().started.empty());
  CAF_CHECK_EQUAL(
      deref<caf::stateful_actor<slow_journal_state>>(journal).state.entries,
      1u);
  release_acks();
  auto ack = next<run_ack>();
  CAF_CHECK(ack.run > 0);
  CAF_CHECK_EQUAL(pool_state().started.size(), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
