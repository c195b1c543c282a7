#define CAF_SUITE actors.session_metrics
#include <caf/test/dsl.hpp>
#include <prometheus/registry.h>

#include "actors/session/metrics.hpp"
#include "tests/actors/session/session_fixture.hpp"

using namespace session_test;

namespace {

tool_call call(std::string tool, std::string arguments) {
  return {std::move(tool), std::move(arguments)};
}

/// The session fixture with the agent's metrics in a real registry.
struct metrics_fixture : fixture {
  prometheus::Registry registry;

  metrics_fixture() {
    runtime.metrics = make_session_metrics(registry, runtime.name);
  }

  /// The value of counter `name` for this agent; -1 when it is not exposed.
  double counter(const std::string& name) {
    for (const auto& family : registry.Collect())
      if (family.name == name)
        for (const auto& metric : family.metric)
          for (const auto& label : metric.label)
            if (label.name == "agent" && label.value == runtime.name)
              return metric.counter.value;
    return -1;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(session_metrics_tests, metrics_fixture)

CAF_TEST(every session counter is exposed at zero for each agent) {
  CAF_CHECK_EQUAL(counter("warden_doom_loop_halts_total"), 0.0);
  CAF_CHECK_EQUAL(counter("warden_iteration_limit_halts_total"), 0.0);
  CAF_CHECK_EQUAL(counter("warden_turn_timeouts_total"), 0.0);
}

CAF_TEST(a doom loop halt counts one halt and nothing else) {
  runtime.settings.max_iterations = 16;
  start_session();
  auto again = answer(reply("again", {call("echo", R"({"a":1})")}));
  script({again, again, again, again, again});
  send_turn(1, "loop");
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::failed);
  CAF_CHECK_EQUAL(counter("warden_doom_loop_halts_total"), 1.0);
  CAF_CHECK_EQUAL(counter("warden_iteration_limit_halts_total"), 0.0);
  CAF_CHECK_EQUAL(counter("warden_turn_timeouts_total"), 0.0);
}

CAF_TEST(a turn timeout counts one timeout) {
  start_session();
  script({hold(reply("never"))});
  send_turn(1, "slow");
  sched.run();
  advance_time(std::chrono::milliseconds{9'999});
  sched.run();
  CAF_CHECK_EQUAL(counter("warden_turn_timeouts_total"), 0.0);
  advance_time(std::chrono::milliseconds{1});
  sched.run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::timed_out);
  CAF_CHECK_EQUAL(counter("warden_turn_timeouts_total"), 1.0);
  CAF_CHECK_EQUAL(counter("warden_doom_loop_halts_total"), 0.0);
}

CAF_TEST(the iteration cap counts one halt per turn that reaches it) {
  runtime.settings.max_iterations = 1;
  start_session();
  script({answer(reply("one", {call("echo", R"({"n":1})")})),
          answer(reply("final one")),
          answer(reply("two", {call("echo", R"({"n":2})")})),
          answer(reply("final two"))});
  send_turn(1, "first");
  run();
  auto first = finished();
  CAF_REQUIRE(first);
  CAF_CHECK_EQUAL(first->output, "final one");
  send_turn(2, "second");
  run();
  auto second = finished();
  CAF_REQUIRE(second);
  CAF_CHECK_EQUAL(second->output, "final two");
  CAF_CHECK_EQUAL(counter("warden_iteration_limit_halts_total"), 2.0);
  CAF_CHECK_EQUAL(counter("warden_doom_loop_halts_total"), 0.0);
}

CAF_TEST(a turn that ends normally counts nothing) {
  start_session();
  send_turn(1, "hello");
  run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::succeeded);
  CAF_CHECK_EQUAL(counter("warden_doom_loop_halts_total"), 0.0);
  CAF_CHECK_EQUAL(counter("warden_iteration_limit_halts_total"), 0.0);
  CAF_CHECK_EQUAL(counter("warden_turn_timeouts_total"), 0.0);
}

CAF_TEST(sessions without metric handles run as before) {
  runtime.metrics = {};
  start_session();
  script({hold(reply("never"))});
  send_turn(1, "slow");
  sched.run();
  advance_time(std::chrono::milliseconds{10'000});
  sched.run();
  auto done = finished();
  CAF_REQUIRE(done);
  CAF_CHECK(done->state == run_state::timed_out);
  CAF_CHECK_EQUAL(counter("warden_turn_timeouts_total"), 0.0);
}

CAF_TEST_FIXTURE_SCOPE_END()
