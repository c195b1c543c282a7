#define CAF_SUITE actors.tree_admission
#include <algorithm>
#include <set>
#include <vector>

#include <caf/test/dsl.hpp>

#include "tests/actors/node/started_node_fixture.hpp"

using namespace warden;

namespace {

/// Tenants of one tier with a cap of 4 runs in flight; 6 slots on the node.
const std::string node_file = R"(
[admission]
global_cap = 6
global_queue_cap = 1_000
default_tier = "team"

[tiers.team]
in_flight_cap = 4
queue_cap = 200
weight = 1
)" + started_node_test::tree_agents(20000, 5000);

constexpr std::uint32_t cap = 4;

struct fixture : started_node_test::fixture {
  fixture() : started_node_test::fixture(node_file) {}

  /// Runs of `tenant` holding a slot now.
  std::uint32_t in_flight(const std::string& tenant) {
    auto* t = gate().find_tenant(tenant);
    return t ? gate().queue().in_flight(t->id) : 0;
  }

  /// Sends a submission without running anything yet.
  void submit(const std::string& tenant, const std::string& agent,
              const std::string& input) {
    self->send(handle.node, submit_run{tenant, agent, input, "", ""});
  }

  /// Appends to `ended` the runs that became final since the last call, in
  /// run id order: final in the node's table, or gone from it (a run whose
  /// final record is durable leaves it; the store answers for it).
  void track_ended(std::set<run_id>& alive, std::set<run_id>& done,
                   std::vector<run_id>& ended) {
    const auto& runs = node().runs;
    auto end = [&](run_id id) {
      if (done.insert(id).second)
        ended.push_back(id);
    };
    for (auto i = alive.begin(); i != alive.end();)
      if (runs.count(*i) == 0) {
        end(*i);
        i = alive.erase(i);
      } else {
        ++i;
      }
    for (const auto& [id, r] : runs) {
      if (is_final(r.status.state))
        end(id);
      else if (done.count(id) == 0)
        alive.insert(id);
    }
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(tree_admission_tests, fixture)

CAF_TEST(trees under a tenant cap finish without starving themselves) {
  // Ten times the cap in roots, each with two children (depth 2), then a
  // few runs of another tenant; nothing runs until all are sent.
  for (std::uint32_t i = 0; i < 10 * cap; ++i)
    submit("acme", "researcher", "topic " + std::to_string(i));
  for (int i = 0; i < 8; ++i)
    submit("globex", "summarizer", "note " + std::to_string(i));
  // Every message, one at a time, without firing a timer: a tree that
  // waited for a slot its own tree holds would stop here, and only its
  // timeout (a timer) would end it.
  std::uint32_t highest = 0;
  std::size_t most_yielded = 0;
  std::vector<run_id> ended; // in the order they became final
  std::set<run_id> alive;
  std::set<run_id> done;
  while (sched.try_run_once()) {
    auto now = in_flight("acme");
    highest = std::max(highest, now);
    CAF_REQUIRE_LESS_OR_EQUAL(now, cap);
    CAF_REQUIRE_LESS_OR_EQUAL(in_flight("globex"), cap);
    const auto& q = gate().queue();
    CAF_REQUIRE_LESS_OR_EQUAL(q.in_flight_total(), 6u);
    // Admitted runs that hold no slot: parents waiting for children.
    most_yielded = std::max(most_yielded, gate().runs() - q.in_flight_total() -
                                              q.queued_total());
    track_ended(alive, done, ended);
  }
  CAF_CHECK(alive.empty());
  CAF_CHECK_EQUAL(highest, cap);
  // Parents did give their slots back while their children ran.
  CAF_CHECK_GREATER(most_yielded, 0u);
  // Every run (40 roots, 80 children, 8 of globex) ended, and succeeded.
  CAF_REQUIRE_EQUAL(ended.size(), 10 * cap * 3 + 8);
  std::size_t roots_done = 0;
  std::size_t roots_done_before_globex = 0;
  for (auto id : ended) {
    auto r = stored(id);
    CAF_CHECK(r.final);
    auto state = static_cast<run_state>(r.state);
    CAF_CHECK(state == run_state::succeeded);
    if (state != run_state::succeeded)
      CAF_MESSAGE("run " << id << ": " << r.reason);
    if (r.tenant == "globex")
      roots_done_before_globex = roots_done;
    else if (r.parent == 0)
      ++roots_done;
  }
  CAF_CHECK_EQUAL(roots_done, 10 * cap);
  // The other tenant, whose runs came after all of acme's roots, is not
  // held back by acme's trees: its last run ends before half of them did.
  CAF_CHECK_LESS(roots_done_before_globex, 10 * cap / 2);
  // A root's usage (run 1: acme's first) covers its two children.
  auto root = stored(1);
  CAF_CHECK_EQUAL(root.usage.tool_calls, 2u);
  CAF_CHECK_EQUAL(root.usage.model_calls, 4u);
  // Nothing is left in admission.
  CAF_CHECK_EQUAL(gate().runs(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
