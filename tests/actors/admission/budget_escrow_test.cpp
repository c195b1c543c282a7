#define CAF_SUITE actors.budget_escrow
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/protocol/error.hpp"
#include "policies/daily_budget.hpp"
#include "tests/actors/node/started_node_fixture.hpp"
#include "tests/support/seed.hpp"

using namespace warden;

namespace {

/// Tenant acme's tier allows 12,000 tokens a day: four researcher trees'
/// run budgets (3,000 each; a tree's children come out of its root's).
constexpr std::uint64_t budget = 12'000;

const std::string node_file = R"(
[admission]
global_cap = 8
global_queue_cap = 2_000
default_tier = "metered"

[tiers.metered]
in_flight_cap = 6
queue_cap = 1_000
weight = 1
daily_token_budget = 12_000
)" + started_node_test::tree_agents(3000, 1000);

struct fixture : started_node_test::fixture {
  fixture() : started_node_test::fixture(node_file) {}
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(budget_escrow_tests, fixture)

CAF_TEST(a thousand runs at once never take the tenant past its daily budget) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed " << seed << " (WARDEN_TEST_SEED replays it)");
  std::mt19937_64 rng{seed};
  std::uint64_t highest = 0;
  std::size_t steps = 0;
  int submitted = 0;
  // Sends `n` roots of random input sizes (so random prompts) at once, then
  // runs every message in a random order of actors (any order is one the
  // scheduler could have chosen), checking the escrow after each; returns
  // how many were acknowledged and how many refused for the budget.
  auto wave = [&](int n) {
    for (int i = 0; i < n; ++i) {
      auto input = "topic " + std::to_string(submitted++) + " " +
                   std::string(rng() % 2000, 'x');
      self->send(handle.node,
                 submit_run{"acme", "researcher", std::move(input), "", ""});
    }
    while (!sched.jobs.empty()) {
      auto pick = rng() % sched.jobs.size();
      std::swap(sched.jobs.front(), sched.jobs[pick]);
      sched.run_once();
      ++steps;
      const auto& budgets = gate().budgets();
      auto taken = budgets.used("acme") + budgets.reserved("acme");
      highest = std::max(highest, taken);
      if (taken > budget)
        CAF_FAIL("after step " << steps << ": used " << budgets.used("acme")
                               << " + reserved " << budgets.reserved("acme")
                               << " > " << budget);
    }
    std::pair<int, int> answers{0, 0};
    for (int i = 0; i < n; ++i)
      self->receive([&](const run_ack&) { ++answers.first; },
                    [&](const caf::error& err) {
                      CAF_CHECK(warden_code(err) ==
                                error_code::budget_exhausted);
                      ++answers.second;
                    },
                    caf::after(std::chrono::seconds{0}) >>
                        [&] { CAF_FAIL("no answer"); });
    return answers;
  };
  // 1,000 at once: the first runs reserve the whole day between them.
  auto first = wave(1000);
  CAF_MESSAGE("1,000 at once: " << first.first << " acknowledged, "
                                << first.second << " refused for the budget");
  CAF_CHECK_GREATER(first.first, 0);
  CAF_CHECK_GREATER(first.second, 0);
  CAF_CHECK_EQUAL(first.first + first.second, 1000);
  // What those runs did not use was refunded: more waves get in, until
  // the day's budget is used up.
  int acknowledged = first.first;
  int later = 0;
  for (int waves = 0; waves < 100; ++waves) {
    auto next = wave(50);
    CAF_CHECK_EQUAL(next.first + next.second, 50);
    acknowledged += next.first;
    later += next.first;
    if (next.first == 0)
      break;
  }
  CAF_MESSAGE(acknowledged << " of " << submitted << " acknowledged (" << later
                           << " after the first wave), " << steps
                           << " messages; highest used + reserved " << highest);
  CAF_CHECK_GREATER(later, 0);
  // Every acknowledged run ended and left memory; nothing stays reserved.
  CAF_CHECK(node().runs.empty());
  CAF_CHECK_EQUAL(gate().budgets().reserved("acme"), 0u);
  CAF_CHECK_EQUAL(gate().budgets().reservations(), 0u);
  // The day's committed tokens, in admission and in the journal's final
  // records, are the same and within the budget.
  auto used = gate().budgets().used("acme");
  CAF_CHECK_LESS_OR_EQUAL(used, budget);
  auto daily = handle.store->daily_tokens(gate().budgets().day()).value;
  CAF_CHECK_EQUAL(daily["acme"], used);
  // Each acknowledged root (its tree included) used no more than it
  // reserved.
  std::uint64_t roots_used = 0;
  int roots = 0;
  int succeeded = 0;
  for (run_id id = 1; id <= handle.store->watermarks().value.run; ++id) {
    auto found = handle.store->find_run(id);
    if (!found || !found.value || found.value->parent != 0)
      continue;
    const auto& r = *found.value;
    auto tokens = r.usage.prompt_tokens + r.usage.completion_tokens;
    CAF_CHECK_GREATER(r.reserved_tokens, 0u);
    CAF_CHECK_LESS_OR_EQUAL(tokens, r.reserved_tokens);
    roots_used += tokens;
    ++roots;
    if (static_cast<run_state>(r.state) == run_state::succeeded)
      ++succeeded;
  }
  CAF_CHECK_EQUAL(roots, acknowledged);
  CAF_CHECK_EQUAL(roots_used, used);
  CAF_MESSAGE(succeeded << " of " << roots << " roots succeeded, " << used
                        << " tokens used of " << budget);
  CAF_CHECK_GREATER(succeeded, first.first);
}

CAF_TEST_FIXTURE_SCOPE_END()
