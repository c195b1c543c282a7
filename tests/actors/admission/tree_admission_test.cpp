#define CAF_SUITE actors.tree_admission
#include <algorithm>
#include <set>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/protocol/error.hpp"
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

  /// The next reply to self, which must be a T (every job run first,
  /// without firing timers).
  template <class T>
  T reply() {
    sched.run();
    T result;
    self->receive(
        [&](T& x) { result = std::move(x); },
        [&](caf::error& err) {
          CAF_FAIL("an error instead of a reply: " << sys.render(err));
        },
        caf::after(std::chrono::seconds{0}) >> [&] { CAF_FAIL("no reply"); });
    return result;
  }

  /// Pauses or resumes `tenant` through the node.
  tenant_pause_state pause(const std::string& tenant, bool paused = true) {
    self->send(handle.node, pause_tenant{tenant, paused});
    return reply<tenant_pause_state>();
  }

  /// The status of `tenant`'s `run` as a client reads it.
  run_status status(const std::string& tenant, run_id run) {
    self->send(handle.node, get_status{tenant, run});
    return reply<run_status>();
  }

  /// Child runs the node holds now.
  std::size_t children() {
    std::size_t n = 0;
    for (const auto& [id, r] : node().runs)
      n += r.tree.is_child() ? 1 : 0;
    return n;
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

CAF_TEST(a paused tenant finishes its running trees while new roots wait) {
  submit("acme", "researcher", "started before the pause");
  // Up to the root's first model call: admitted, durable, its turn begun.
  while (node().runs.count(1) == 0 ||
         node().runs.at(1).phase != run_phase::running)
    CAF_REQUIRE(sched.try_run_once());
  self->send(handle.node, pause_tenant{"acme", true});
  while (node().paused_tenants.count("acme") == 0)
    CAF_REQUIRE(sched.try_run_once());
  // The pause holds before the root spawned its children.
  CAF_CHECK_EQUAL(children(), 0u);
  auto root = reply<run_ack>().run;
  CAF_CHECK_EQUAL(root, 1u);
  auto paused = reply<tenant_pause_state>();
  CAF_CHECK(paused.paused);
  CAF_CHECK_EQUAL(paused.queued, 0u);
  submit("acme", "researcher", "sent while paused");
  auto held = reply<run_ack>().run;
  // Another tenant's run goes past the held one.
  submit("globex", "summarizer", "not paused");
  auto other = reply<run_ack>().run;
  sched.run();
  // The root ran its two children to the end, paused or not.
  auto first = stored(root);
  CAF_CHECK(first.final);
  CAF_CHECK(static_cast<run_state>(first.state) == run_state::succeeded);
  CAF_CHECK_EQUAL(first.usage.tool_calls, 2u);
  auto passed = stored(other);
  CAF_CHECK(static_cast<run_state>(passed.state) == run_state::succeeded);
  // The new root waits, and says why.
  auto waiting = status("acme", held);
  CAF_CHECK(waiting.state == run_state::queued);
  CAF_CHECK(waiting.reason.find("tenant acme is paused by an operator") !=
            std::string::npos);
  CAF_MESSAGE("held run: " << waiting.reason);
  CAF_CHECK_EQUAL(in_flight("acme"), 0u);
  auto again = pause("acme");
  CAF_CHECK(again.paused);
  CAF_CHECK_EQUAL(again.queued, 1u);
  auto resumed = pause("acme", false);
  CAF_CHECK(!resumed.paused);
  CAF_CHECK_EQUAL(resumed.queued, 0u); // admitted at once
  sched.run();
  auto done = stored(held);
  CAF_CHECK(done.final);
  CAF_CHECK(static_cast<run_state>(done.state) == run_state::succeeded);
  CAF_CHECK_EQUAL(gate().runs(), 0u);
}

CAF_TEST(the node checks the tenant to pause and notes the answer) {
  // This node admits every tenant (default_tier); a name that is not a
  // tenant's is refused before admission sees it.
  self->send(handle.node, pause_tenant{"", true});
  sched.run();
  caf::error refused;
  self->receive([&](caf::error& err) { refused = std::move(err); },
                caf::after(std::chrono::seconds{0}) >>
                    [&] { CAF_FAIL("no answer"); });
  CAF_CHECK(warden_code(refused) == error_code::invalid_argument);
  CAF_CHECK(error_reason(refused).find("tenant") != std::string::npos);
  auto stranger = pause("stranger");
  CAF_CHECK(stranger.paused);
  CAF_CHECK_EQUAL(node().paused_tenants.count("stranger"), 1u);
  auto resumed = pause("stranger", false);
  CAF_CHECK(!resumed.paused);
  CAF_CHECK_EQUAL(node().paused_tenants.count("stranger"), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
