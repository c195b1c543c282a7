#define CAF_SUITE actors.fanout
#include <caf/test/dsl.hpp>

#include "policies/daily_budget.hpp"
#include "tests/actors/node/fanout_fixture.hpp"

using namespace fanout_test;

namespace {

/// The fan-out fixture with a tree of three levels started: the root
/// (researcher) spawns a helper, which spawns a helper whose model call is
/// held; each answered call costs 15 tokens.
struct three_levels : fanout_test::fixture {
  run_ack start_three_levels() {
    start();
    model_st(researcher_model)
        .script.push_back(answer(reply("delegating", {spawn_call("level 2")})));
    model_st(helper_model)
        .script.push_back(answer(reply("deeper", {spawn_call("level 3")})));
    model_st(helper_model).script.push_back(hold(reply("never")));
    return submit("go");
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(fanout_tests, three_levels)

CAF_TEST(a child answers the spawn call and its usage adds up in the root) {
  start();
  model_st(researcher_model)
      .script.push_back(answer(reply("delegating", {spawn_call("sum up")})));
  auto ack = submit("research this");
  auto root = status(ack.run);
  CAF_CHECK(root.state == run_state::succeeded);
  CAF_CHECK_EQUAL(root.output, "root answer");
  // The child ran helper on the arguments' text; its answer is the result.
  CAF_CHECK_EQUAL(sent(helper_model, 0), "sum up");
  CAF_CHECK_EQUAL(sent(researcher_model, 1), "child answer");
  auto child = status(ack.run + 1);
  CAF_CHECK(child.state == run_state::succeeded);
  CAF_CHECK_EQUAL(child.agent, "helper");
  CAF_CHECK_EQUAL(child.output, "child answer");
  CAF_CHECK_EQUAL(node_st().runs.at(child.run).tree.depth, 2u);
  CAF_CHECK_EQUAL(node_st().runs.at(child.run).tree.parent, ack.run);
  // Two model calls of the root, one of the child.
  CAF_CHECK_EQUAL(root.usage.model_calls, 3u);
  CAF_CHECK_EQUAL(root.usage.tokens(), 45u);
  CAF_CHECK_EQUAL(root.usage.tool_calls, 1u);
  CAF_CHECK_EQUAL(child.usage.model_calls, 1u);
  CAF_CHECK(node_st().trees.supervisors.empty());
}

CAF_TEST(a spawn beyond max depth is refused with the reason as tool result) {
  researcher.fanout.max_depth = 1;
  start();
  model_st(researcher_model)
      .script.push_back(answer(reply("delegating", {spawn_call("x")})));
  auto ack = submit("go");
  CAF_CHECK(status(ack.run).state == run_state::succeeded);
  CAF_CHECK_EQUAL(sent(researcher_model, 1),
                  "error: spawn refused: a child would sit at depth 2, above "
                  "max_depth 1");
  CAF_CHECK(model_st(helper_model).requests.empty());
  CAF_CHECK_EQUAL(admission_st().seen.size(), 1u);
}

CAF_TEST(a spawn beyond max children is refused while the first child lives) {
  researcher.fanout.max_children = 1;
  start();
  model_st(researcher_model)
      .script.push_back(
          answer(reply("delegating", {spawn_call("one"), spawn_call("two")})));
  auto ack = submit("go");
  CAF_CHECK(status(ack.run).state == run_state::succeeded);
  CAF_CHECK_EQUAL(sent(researcher_model, 1, -2), "child answer");
  CAF_CHECK_EQUAL(sent(researcher_model, 1, -1),
                  "error: spawn refused: parent session 1 already has 1 live "
                  "children, the max_children limit");
  CAF_CHECK_EQUAL(model_st(helper_model).requests.size(), 1u);
}

CAF_TEST(a spawn beyond max descendants is refused with the reason) {
  researcher.fanout.max_descendants = 2;
  start();
  model_st(researcher_model)
      .script.push_back(answer(reply(
          "delegating", {spawn_call("a"), spawn_call("b"), spawn_call("c")})));
  auto ack = submit("go");
  CAF_CHECK(status(ack.run).state == run_state::succeeded);
  CAF_CHECK_EQUAL(sent(researcher_model, 1, -3), "child answer");
  CAF_CHECK_EQUAL(sent(researcher_model, 1, -2), "child answer");
  CAF_CHECK_EQUAL(sent(researcher_model, 1, -1),
                  "error: spawn refused: this run already spawned 2 sessions, "
                  "the max_descendants limit");
  CAF_CHECK_EQUAL(status(ack.run).usage.model_calls, 4u);
}

CAF_TEST(
    a child grant is reserved from the parent and the unused part returns) {
  researcher.run_budget.tokens = 10'000;
  helper.run_budget.tokens = 2'000;
  start();
  model_st(researcher_model)
      .script.push_back(answer(reply("delegating", {spawn_call("x")})));
  model_st(researcher_model).script.push_back(hold(reply("root answer")));
  model_st(helper_model)
      .script.push_back(hold(reply("child answer", {}, 40, 10)));
  auto ack = submit("go");
  auto child = ack.run + 1;
  // While the child runs, its whole grant is reserved in the root's turn.
  auto parent_balance = session_of(ack.run).turn()->balance();
  CAF_REQUIRE(parent_balance);
  CAF_CHECK_EQUAL(parent_balance->spent.tokens, 15u);
  CAF_CHECK_EQUAL(parent_balance->reserved.tokens, 2'000u);
  auto child_balance = session_of(child).turn()->balance();
  CAF_REQUIRE(child_balance);
  CAF_CHECK_EQUAL(child_balance->grant.tokens, 2'000u);
  CAF_CHECK_EQUAL(node_st().runs.at(child).tree.grant.tokens, 2'000u);
  // The child used 50 tokens: they are charged, the rest returns.
  self->send(helper_model, release_atom::value);
  sched.run();
  parent_balance = session_of(ack.run).turn()->balance();
  CAF_REQUIRE(parent_balance);
  CAF_CHECK_EQUAL(parent_balance->spent.tokens, 65u);
  CAF_CHECK_LESS(parent_balance->reserved.tokens, 2'000u);
  CAF_CHECK_EQUAL(status(child).usage.tokens(), 50u);
  self->send(researcher_model, release_atom::value);
  sched.run();
  auto root = status(ack.run);
  CAF_CHECK(root.state == run_state::succeeded);
  CAF_CHECK_EQUAL(root.usage.tokens(), 80u);
}

CAF_TEST(a child grant is capped by what the parent has left) {
  researcher.run_budget.tokens = 1'000;
  helper.run_budget.tokens = 50'000;
  start();
  model_st(researcher_model)
      .script.push_back(answer(reply("delegating", {spawn_call("x")})));
  model_st(helper_model).script.push_back(hold(reply("child answer")));
  auto ack = submit("go");
  // 1000 granted, 15 spent, 125 kept for the final answer.
  auto child_balance = session_of(ack.run + 1).turn()->balance();
  CAF_REQUIRE(child_balance);
  CAF_CHECK_EQUAL(child_balance->grant.tokens, 860u);
  self->send(helper_model, release_atom::value);
  sched.run();
  CAF_CHECK(status(ack.run).state == run_state::succeeded);
}

CAF_TEST(a failed child becomes an error tool result for the parent) {
  start();
  model_st(researcher_model)
      .script.push_back(answer(reply("delegating", {spawn_call("x")})));
  model_st(helper_model)
      .script.push_back(fail_with<model_reply>(
          make_error(error_code::dependency_failed, "helper model broke")));
  auto ack = submit("go");
  CAF_CHECK(status(ack.run).state == run_state::succeeded);
  CAF_CHECK(status(ack.run + 1).state == run_state::failed);
  CAF_CHECK_EQUAL(sent(researcher_model, 1),
                  "error: agent helper failed: model call failed: helper model "
                  "broke");
}

CAF_TEST(a child past the spawn tool timeout ends timed out for the parent) {
  start();
  model_st(researcher_model)
      .script.push_back(answer(reply("delegating", {spawn_call("x")})));
  model_st(helper_model).script.push_back(hold(reply("too late")));
  auto ack = submit("go");
  CAF_CHECK(status(ack.run).state == run_state::running);
  // The first timer due is the child's deadline (1 s), before the turn's.
  run();
  auto child = status(ack.run + 1);
  CAF_CHECK(child.state == run_state::timed_out);
  CAF_CHECK_EQUAL(child.reason, "agent helper did not answer within 1000 ms "
                                "(the spawn tool's timeout)");
  CAF_CHECK_EQUAL(sent(researcher_model, 1),
                  "error: agent helper timed_out: agent helper did not answer "
                  "within 1000 ms (the spawn tool's timeout)");
  CAF_CHECK(status(ack.run).state == run_state::succeeded);
  CAF_CHECK_EQUAL(pool_st("helper").in_use(), 0u);
}

CAF_TEST(children pass admission charged to the root tenant at its priority) {
  start();
  model_st(researcher_model)
      .script.push_back(answer(reply("delegating", {spawn_call("x")})));
  auto ack = submit("go", "globex", "interactive");
  CAF_CHECK(status(ack.run, "globex").state == run_state::succeeded);
  auto& seen = admission_st().seen;
  CAF_REQUIRE_EQUAL(seen.size(), 2u);
  CAF_CHECK_EQUAL(seen[1].run, ack.run + 1);
  CAF_CHECK_EQUAL(seen[1].tenant, "globex");
  CAF_CHECK_EQUAL(seen[1].priority, 0u);
  CAF_CHECK_EQUAL(admission_st().released.size(), 2u);
  CAF_CHECK(status(ack.run + 1, "globex").state == run_state::succeeded);
  // The child belongs to an accepted tree: the daily budget lets it pass,
  // and its tokens count once, in the root's.
  CAF_CHECK(!seen[0].accepted);
  CAF_CHECK(seen[1].accepted);
  std::uint64_t child_tokens = 1, root_tokens = 0;
  for (const auto& release : admission_st().releases)
    (release.run == ack.run ? root_tokens : child_tokens) = release.tokens;
  CAF_CHECK_EQUAL(child_tokens, 0u);
  CAF_CHECK_EQUAL(root_tokens, status(ack.run, "globex").usage.tokens());
  CAF_CHECK(root_tokens > 0);
}

CAF_TEST(a child refused by admission becomes an error tool result) {
  start();
  admission_st().reject.insert(2);
  model_st(researcher_model)
      .script.push_back(answer(reply("delegating", {spawn_call("x")})));
  auto ack = submit("go");
  CAF_CHECK(status(ack.run).state == run_state::succeeded);
  CAF_CHECK_EQUAL(sent(researcher_model, 1),
                  "error: spawn refused by admission: tenant queue of acme is "
                  "full");
  CAF_CHECK(model_st(helper_model).requests.empty());
}

CAF_TEST(cancelling the root cancels every descendant and returns permits) {
  auto ack = start_three_levels();
  for (run_id run = ack.run; run < ack.run + 3; ++run)
    CAF_CHECK(status(run).state == run_state::running);
  CAF_CHECK_EQUAL(node_st().runs.at(ack.run + 2).tree.depth, 3u);
  CAF_CHECK_EQUAL(pool_st("helper").in_use(), 2u);
  auto supervisor = node_st().trees.supervisors.at(ack.run);
  self->monitor(supervisor);
  self->send(node, cancel_run{"acme", ack.run});
  next<run_status>();
  sched.run();
  for (run_id run = ack.run; run < ack.run + 3; ++run)
    CAF_CHECK(status(run).state == run_state::cancelled);
  CAF_CHECK_EQUAL(status(ack.run + 2).reason,
                  "cancelled because the root run 1 ended cancelled");
  CAF_CHECK_EQUAL(pool_st("researcher").in_use(), 0u);
  CAF_CHECK_EQUAL(pool_st("helper").in_use(), 0u);
  CAF_CHECK_EQUAL(admission_st().released.size(), 3u);
  CAF_CHECK(node_st().trees.supervisors.empty());
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; },
                caf::after(std::chrono::seconds{0}) >> [] {});
  CAF_CHECK(down);
}

CAF_TEST(children that end after their root count their tokens for the day) {
  auto ack = start_three_levels();
  CAF_CHECK(status(ack.run + 2).state == run_state::running);
  // The root ends first; its children are cancelled after it.
  self->send(node, cancel_run{"acme", ack.run});
  next<run_status>();
  sched.run();
  // Two answered calls of 15 tokens: the root's and level 2's.
  CAF_CHECK_EQUAL(status(ack.run).usage.tokens(), 30u);
  std::uint64_t released = 0;
  for (const auto& r : admission_st().releases)
    released += r.tokens;
  CAF_CHECK_EQUAL(released, 30u);
  auto day = policies::utc_day(admission_st().releases.back().finished_at_ms);
  // Held: CAF_CHECK_EQUAL binds a reference into its argument.
  auto daily = store->daily_tokens(day).value;
  CAF_CHECK_EQUAL(daily["acme"], 30u);
  auto late = store->find_run(ack.run + 1).value;
  CAF_REQUIRE(late);
  CAF_CHECK(late->counts_own_tokens);
}

CAF_TEST(a parent that times out takes its children with it) {
  researcher.turn_timeout_ms = 5'000;
  delegate.timeout_ms = 60'000;
  start();
  model_st(researcher_model)
      .script.push_back(answer(reply("delegating", {spawn_call("x")})));
  model_st(helper_model).script.push_back(hold(reply("never")));
  auto ack = submit("go");
  CAF_CHECK(status(ack.run + 1).state == run_state::running);
  run();
  // The researcher's pool watched the deadline; the session names it.
  CAF_CHECK(status(ack.run).state == run_state::timed_out);
  CAF_CHECK_EQUAL(status(ack.run).reason, "turn timeout of 5000 ms reached");
  CAF_CHECK_EQUAL(pool_st("researcher").in_use(), 0u);
  auto child = status(ack.run + 1);
  CAF_CHECK(child.state == run_state::cancelled);
  CAF_CHECK_EQUAL(child.reason,
                  "cancelled because the root run 1 ended timed_out");
  CAF_CHECK_EQUAL(pool_st("helper").in_use(), 0u);
  CAF_CHECK_EQUAL(admission_st().released.size(), 2u);
}

CAF_TEST_FIXTURE_SCOPE_END()
