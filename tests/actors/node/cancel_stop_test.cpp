#define CAF_SUITE actors.cancel_stop
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/admission/governor.hpp"
#include "tests/actors/node/started_node_fixture.hpp"
#include "tests/support/seed.hpp"

using namespace warden;

namespace {

/// A lead whose tools are an effectful native tool (`record`) and a
/// spawn_agent of a worker that calls `record` too: the scripted model calls
/// both offered tools, then answers. Each tree starts `record` twice.
constexpr const char* node_file = R"(
[admission]
global_cap = 16
default_tier = "team"

[tiers.team]
in_flight_cap = 8

[providers.scripted]
kind = "scripted"
timeout_ms = 1000

[tools.record]
kind = "native"
side_effect = "effectful"
timeout_ms = 1000

[tools.delegate]
kind = "spawn_agent"
agent = "worker"
timeout_ms = 30000

[agents.lead]
provider = "scripted"
tools = ["record", "delegate"]
max_concurrency = 8
turn_timeout_ms = 60000
context_token_budget = 4000

[agents.lead.fanout]
max_depth = 2
max_children = 1
max_descendants = 1

[agents.worker]
provider = "scripted"
tools = ["record"]
max_concurrency = 8
turn_timeout_ms = 60000
context_token_budget = 4000

[agents.worker.fanout]
max_depth = 1
max_children = 0
max_descendants = 0
)";

/// The idempotency keys ("run/step/index") of every `record` call started.
struct call_log {
  std::vector<std::string> started;
};

tool_registry recording_tools(const std::shared_ptr<call_log>& log) {
  tool_registry tools;
  auto err = tools.add("record",
                       tool_options{config::side_effect_kind::effectful, false},
                       [log](const std::string&, const std::string& key) {
                         log->started.push_back(key);
                         return tool_result::ok("recorded");
                       });
  CAF_REQUIRE(!err);
  return tools;
}

struct fixture : started_node_test::fixture {
  std::shared_ptr<call_log> log;

  explicit fixture(
      std::shared_ptr<call_log> calls = std::make_shared<call_log>())
      : started_node_test::fixture(node_file, recording_tools(calls)),
        log(std::move(calls)) {}

  governor_state& governor() {
    for (const auto& component : handle.components)
      if (auto* g = dynamic_cast<governor_actor*>(
              caf::actor_cast<caf::abstract_actor*>(component)))
        return g->state;
    CAF_FAIL("no governor");
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cancel_stop_tests, fixture)

CAF_TEST(no call starts after a cancel is acknowledged) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed " << seed << " (WARDEN_TEST_SEED replays it)");
  std::mt19937_64 rng{seed};
  // A whole tree, uncancelled, to learn how many messages it takes.
  auto before = log->started.size();
  self->send(handle.node, submit_run{"acme", "lead", "measure", "", ""});
  std::size_t tree_steps = 0;
  while (sched.try_run_once())
    ++tree_steps;
  CAF_REQUIRE_EQUAL(log->started.size() - before, 2u);
  self->receive([](const run_ack&) {},
                caf::after(std::chrono::seconds{0}) >> [] { CAF_FAIL("?"); });
  CAF_MESSAGE("a tree takes " << tree_steps << " messages");
  // 1,000 trees, each cancelled after a random number of messages (in a
  // random order of actors): from the moment the node answers the cancel,
  // not one more `record` call starts, in the tree's root or its child.
  constexpr int cases = 1000;
  int cancelled = 0;
  int finished_first = 0;
  int unacknowledged = 0;
  for (int i = 0; i < cases; ++i) {
    auto run = node().ids.next_run;
    self->send(handle.node,
               submit_run{"acme", "lead", "case " + std::to_string(i), "", ""});
    auto random_step = [&] {
      auto pick = rng() % sched.jobs.size();
      std::swap(sched.jobs.front(), sched.jobs[pick]);
      sched.run_once();
    };
    for (auto k = rng() % (tree_steps + 4); k > 0 && !sched.jobs.empty(); --k)
      random_step();
    self->send(handle.node, cancel_run{"acme", run});
    // Steps until the node's answer to the cancel is here.
    std::optional<std::size_t> at_ack;
    auto take_replies = [&] {
      for (bool more = true; more;) {
        more = false;
        self->receive(
            [&](const run_status& status) {
              more = true;
              if (status.run == run)
                at_ack = log->started.size();
            },
            [&](const run_ack&) { more = true; },
            [&](const caf::error&) { more = true; }, // the ack, cancelled
            caf::after(std::chrono::seconds{0}) >> [] {});
      }
    };
    while (!at_ack) {
      CAF_REQUIRE(!sched.jobs.empty());
      random_step();
      take_replies();
    }
    while (!sched.jobs.empty())
      random_step();
    take_replies();
    if (log->started.size() != *at_ack)
      CAF_FAIL("case " << i << ": " << log->started.size() - *at_ack
                       << " record calls started after the cancel was "
                          "acknowledged (latest "
                       << log->started.back() << ")");
    auto found = handle.store->find_run(run);
    CAF_REQUIRE(found);
    if (!found.value) {
      // Cancelled before admission answered: never acknowledged, never
      // journaled, and forgotten.
      CAF_REQUIRE_EQUAL(node().runs.count(run), 0u);
      ++unacknowledged;
      continue;
    }
    auto state = static_cast<run_state>(found.value->state);
    CAF_REQUIRE(is_final(state));
    if (state == run_state::cancelled)
      ++cancelled;
    else
      ++finished_first;
  }
  CAF_MESSAGE(cancelled << " trees cancelled, " << unacknowledged
                        << " more before they were acknowledged, "
                        << finished_first << " had ended before their cancel");
  CAF_CHECK_GREATER(cancelled, cases / 2);
  CAF_CHECK_GREATER(finished_first, 0);
  // Nothing is left holding a place: runs, admission slots, permits.
  CAF_CHECK(node().runs.empty());
  CAF_CHECK_EQUAL(gate().runs(), 0u);
  CAF_CHECK_EQUAL(governor().held(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
