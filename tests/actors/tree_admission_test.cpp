#define CAF_SUITE actors.tree_admission
#include <algorithm>
#include <set>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/admission_actor.hpp"
#include "actors/node.hpp"
#include "actors/node_start.hpp"
#include "actors/protocol.hpp"
#include "actors/tool_registry.hpp"
#include "config/load.hpp"

using namespace warden;

namespace {

struct test_config : caf::actor_system_config {
  test_config() { warden::add_message_types(*this); }
};

/// Researchers each spawn two summarizers (the scripted model calls both
/// offered tools, then answers); tenants of one tier with a cap of 4 runs
/// in flight; 6 slots on the node.
constexpr const char* node_file = R"(
[admission]
global_cap = 6
global_queue_cap = 1_000
default_tier = "team"

[tiers.team]
in_flight_cap = 4
queue_cap = 200
weight = 1

[providers.scripted]
kind = "scripted"
timeout_ms = 1000

[tools.summarize_a]
kind = "spawn_agent"
agent = "summarizer"
timeout_ms = 60000

[tools.summarize_b]
kind = "spawn_agent"
agent = "summarizer"
timeout_ms = 60000

[agents.researcher]
provider = "scripted"
tools = ["summarize_a", "summarize_b"]
max_concurrency = 64
turn_timeout_ms = 60000
context_token_budget = 8000

[agents.researcher.run_budget]
tokens = 20000
cost_micros = 100000
wall_ms = 60000

[agents.researcher.fanout]
max_depth = 2
max_children = 2
max_descendants = 2

[agents.summarizer]
provider = "scripted"
max_concurrency = 6
turn_timeout_ms = 60000
context_token_budget = 4000

[agents.summarizer.run_budget]
tokens = 5000
cost_micros = 10000
wall_ms = 20000

[agents.summarizer.fanout]
max_depth = 1
max_children = 0
max_descendants = 0
)";

constexpr std::uint32_t cap = 4;

struct fixture : test_coordinator_fixture<test_config> {
  node_handle handle;
  caf::actor admission;

  fixture() {
    auto loaded = warden::config::load_string(node_file, "trees.toml");
    for (const auto& err : loaded.errors)
      CAF_MESSAGE(err.to_string());
    CAF_REQUIRE(loaded.ok());
    auto started = start_node(sys, loaded.value, tool_registry{}, nullptr,
                              node_storage{true, false});
    CAF_REQUIRE(started);
    handle = std::move(*started);
    for (const auto& component : handle.components)
      if (dynamic_cast<admission_actor*>(
              caf::actor_cast<caf::abstract_actor*>(component)))
        admission = component;
    CAF_REQUIRE(admission);
    run();
  }

  ~fixture() override {
    stop_node(handle);
    run();
  }

  admission_state& gate() { return deref<admission_actor>(admission).state; }

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
    const auto& runs =
        deref<caf::stateful_actor<node_state>>(handle.node).state.runs;
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

  /// The stored record of `run`.
  storage::stored_run stored(run_id run) {
    auto found = handle.store->find_run(run);
    CAF_REQUIRE(found && found.value);
    return *found.value;
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
