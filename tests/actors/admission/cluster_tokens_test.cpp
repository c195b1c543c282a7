#define CAF_SUITE actors.cluster_tokens
// A tenant's daily token budget across the members of a cluster: three
// admission actors lease the budget's tokens from its home
// (actors/admission/cluster_tokens.cpp). Each member's "node" is its
// admission actor itself (a node passes lease messages on unchanged), so
// every message between them runs through the test coordinator, and the
// tokens used and reserved across the members are checked after every one.

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/admission/admission.hpp"
#include "actors/common/clock.hpp"
#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "tests/actors/admission/verdict_log.hpp"
#include "tests/support/seed.hpp"

using namespace warden;
using namespace std::chrono_literals;

namespace {

using admission_test::fake_node;
using admission_test::test_config;
using admission_test::verdict_log;

constexpr std::size_t members = 3;
constexpr std::uint64_t budget = 10'000;
const std::vector<std::string> names{"m0", "m1", "m2"};

/// Tenant `a` with a daily budget of 10,000 tokens and room to run, in a
/// cluster of three (`clustered` false: each member stands alone).
config::settings settings(bool clustered) {
  config::settings result;
  config::tier_settings tier;
  tier.in_flight_cap = 100;
  tier.queue_cap = 1000;
  tier.daily_token_budget = budget;
  result.tiers["basic"] = tier;
  result.tenants["a"].tier = "basic";
  if (clustered)
    for (const auto& name : names)
      result.cluster.nodes.push_back({name, {"127.0.0.1", 4242}});
  return result;
}

struct fixture : test_coordinator_fixture<test_config> {
  std::shared_ptr<verdict_log> log = std::make_shared<verdict_log>();
  caf::actor node = sys.spawn(fake_node, log);
  std::shared_ptr<actor_clock_source> time =
      std::make_shared<actor_clock_source>(sys);
  std::array<caf::actor, members> admission;
  std::array<admission_state*, members> states{};
  std::array<bool, members> alive{true, true, true};
  /// The most tokens used and reserved across the members after any
  /// message.
  std::uint64_t most_taken = 0;

  /// Starts the members; the wall clock at `unix_ms`.
  void start(bool clustered = true,
             std::uint64_t unix_ms = 1'800'000'000'000 / policies::day_ms *
                                         policies::day_ms +
                                     3'600'000) {
    time->set_unix_ms(unix_ms);
    for (auto& x : admission) {
      admission_actor_config config;
      config.settings = settings(clustered);
      config.metrics_refresh = 0ms;
      config.time = time;
      config.leases.ttl = 1000ms;
      config.leases.chunk = 1;
      auto spawned = spawn_admission(sys, std::move(config));
      CAF_REQUIRE(spawned);
      x = std::move(*spawned);
    }
    for (std::size_t i = 0; i < members; ++i)
      states[i] = &static_cast<admission_actor*>(
                       caf::actor_cast<caf::abstract_actor*>(admission[i]))
                       ->state;
    sched.run(); // their states are initialized when they first run
  }

  ~fixture() override {
    for (std::size_t i = 0; i < members; ++i)
      if (admission[i] && alive[i])
        caf::anon_send_exit(admission[i], caf::exit_reason::user_shutdown);
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    run_all();
  }

  admission_state& state(std::size_t i) { return *states[i]; }

  /// Tokens of tenant a used today and held in reserve, over the members
  /// up.
  std::uint64_t taken() {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < members; ++i)
      if (alive[i])
        sum += state(i).budgets().used("a") + state(i).budgets().reserved("a");
    return sum;
  }

  void run_all() {
    while (sched.try_run_once())
      most_taken = std::max(most_taken, taken());
  }

  void pass(std::chrono::milliseconds d) {
    for (auto t = 0ms; t < d; t += 10ms) {
      advance_time(10ms);
      run_all();
    }
  }

  void view(std::array<bool, members> up) {
    admission_test::tell_members(admission, names, up);
    run_all();
  }

  /// All three up, past the in-flight caps' grace.
  void cluster_up() {
    start();
    view({true, true, true});
    pass(1100ms);
  }

  void admit(std::size_t member, run_id run, std::uint64_t tokens) {
    admit_run msg{run, "a", 0};
    msg.tokens = tokens;
    caf::send_as(node, admission[member], std::move(msg));
    run_all();
  }

  void release(std::size_t member, run_id run, std::uint64_t tokens) {
    caf::send_as(node, admission[member], release_run{run, tokens});
    run_all();
  }

  void kill(std::size_t member) {
    alive[member] = false;
    caf::anon_send_exit(admission[member], caf::exit_reason::kill);
    run_all();
  }

  /// The home of tenant a's tokens as member `i` sees it.
  std::uint32_t home_seen_by(std::size_t i) {
    const auto* limit = state(i).token_leases().find("tokens:a");
    CAF_REQUIRE(limit != nullptr);
    return limit->home;
  }

  /// The latest verdict on `run`, if any.
  const admission_verdict* verdict_of(run_id run) const {
    for (auto i = log->verdicts.rbegin(); i != log->verdicts.rend(); ++i)
      if (i->run == run)
        return &*i;
    return nullptr;
  }

  /// The runs among `runs` admitted, and their reservations.
  std::map<run_id, std::uint64_t> admitted(const std::vector<run_id>& runs) {
    std::map<run_id, std::uint64_t> result;
    for (auto run : runs)
      if (const auto* v = verdict_of(run);
          v != nullptr && v->outcome == admission_outcome::admitted)
        result[run] = v->reserved_tokens;
    return result;
  }

  std::size_t held() {
    std::size_t sum = 0;
    for (std::size_t i = 0; i < members; ++i)
      if (alive[i])
        sum += state(i).held_for_tokens();
    return sum;
  }
};

bool refused_for_budget(const admission_verdict* v) {
  return v != nullptr && v->outcome == admission_outcome::rejected &&
         warden_code(v->refusal) == error_code::budget_exhausted;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_tokens_tests, fixture)

CAF_TEST(a daily budget holds across three members) {
  cluster_up();
  // 30 runs of 1,000 tokens, 10 on each member, against 10,000 a day.
  std::vector<run_id> runs;
  std::map<run_id, std::size_t> where;
  for (run_id run = 1; run <= 30; ++run) {
    auto m = static_cast<std::size_t>(run % members);
    admit(m, run, 1000);
    runs.push_back(run);
    where[run] = m;
  }
  pass(1500ms);
  // Every run has its answer: none is left waiting for tokens.
  CAF_CHECK_EQUAL(held(), 0u);
  auto ok = admitted(runs);
  std::uint64_t reserved = 0;
  for (auto [run, tokens] : ok)
    reserved += tokens;
  CAF_MESSAGE(ok.size() << " runs admitted, " << reserved << " reserved");
  CAF_CHECK_LESS_OR_EQUAL(reserved, budget);
  CAF_CHECK_GREATER_OR_EQUAL(ok.size(), 9u); // the budget is used, not lost
  CAF_CHECK_LESS_OR_EQUAL(most_taken, budget);
  std::size_t refused = 0;
  for (auto run : runs) {
    const auto* v = verdict_of(run);
    CAF_REQUIRE(v != nullptr);
    if (ok.count(run) > 0)
      continue;
    CAF_CHECK(refused_for_budget(v));
    refused += refused_for_budget(v) ? 1 : 0;
  }
  CAF_CHECK_EQUAL(refused + ok.size(), runs.size());
  // The runs end having used what they reserved: the day is spent.
  for (auto [run, tokens] : ok)
    release(where[run], run, tokens);
  pass(300ms);
  CAF_CHECK_EQUAL(taken(), reserved);
  CAF_CHECK_LESS_OR_EQUAL(most_taken, budget);
  admit(0, 100, 1000);
  pass(300ms);
  const auto* late = verdict_of(100);
  CAF_REQUIRE(late != nullptr);
  CAF_CHECK(refused_for_budget(late));
  auto reason = to_string(late->refusal);
  CAF_MESSAGE(reason);
}

CAF_TEST(each member alone admits its own budget) {
  // The control: three nodes that are not a cluster each spend 10,000.
  start(false);
  std::vector<run_id> runs;
  for (run_id run = 1; run <= 30; ++run) {
    admit(static_cast<std::size_t>(run % members), run, 1000);
    runs.push_back(run);
  }
  CAF_CHECK_EQUAL(admitted(runs).size(), 30u);
  CAF_CHECK_EQUAL(most_taken, 3 * budget);
}

CAF_TEST(a run waits without a verdict while its member leases tokens) {
  cluster_up();
  auto home = home_seen_by(0);
  auto holder = (home + 1) % members;
  CAF_REQUIRE_EQUAL(state(holder).token_leases().find("tokens:a")->home, home);
  admit_run msg{7, "a", 0};
  msg.tokens = 2000;
  caf::send_as(node, admission[holder], std::move(msg));
  // The holder's first step: no lease yet, so it asks and holds the run.
  sched.run_once();
  CAF_CHECK_EQUAL(state(holder).held_for_tokens(), 1u);
  CAF_CHECK(verdict_of(7) == nullptr);
  run_all();
  CAF_CHECK_EQUAL(state(holder).held_for_tokens(), 0u);
  const auto* v = verdict_of(7);
  CAF_REQUIRE(v != nullptr);
  CAF_CHECK_EQUAL(v->outcome, admission_outcome::admitted);
  CAF_CHECK_EQUAL(v->reserved_tokens, 2000u);
  // A run withdrawn while held gets no verdict and holds nothing.
  admit_run second{8, "a", 0};
  second.tokens = budget; // more than the holder has left of its lease
  caf::send_as(node, admission[holder], std::move(second));
  sched.run_once();
  CAF_REQUIRE_EQUAL(state(holder).held_for_tokens(), 1u);
  // Withdrawn before the home's answer comes back.
  caf::send_as(node, admission[holder], release_run{8});
  run_all();
  CAF_CHECK_EQUAL(state(holder).held_for_tokens(), 0u);
  pass(300ms);
  CAF_CHECK(verdict_of(8) == nullptr);
  CAF_CHECK_EQUAL(state(holder).budgets().reserved("a"), 2000u);
}

CAF_TEST(a held run is refused when no tokens come free within the ttl) {
  cluster_up();
  auto home = home_seen_by(0);
  auto busy = (home + 1) % members;
  auto idle = (home + 2) % members;
  // Runs on one holder reserve the whole day.
  std::vector<run_id> runs;
  for (run_id run = 1; run <= 10; ++run) {
    admit(busy, run, 1000);
    runs.push_back(run);
  }
  pass(300ms);
  CAF_REQUIRE_EQUAL(admitted(runs).size(), 10u);
  // Another member's run waits for tokens the home recalls, but they are
  // reserved, not idle: after the ttl it is refused, saying so.
  admit(idle, 50, 1000);
  CAF_CHECK_EQUAL(state(idle).held_for_tokens(), 1u);
  pass(500ms);
  CAF_CHECK(verdict_of(50) == nullptr);
  pass(700ms);
  const auto* v = verdict_of(50);
  CAF_REQUIRE(v != nullptr);
  CAF_CHECK(refused_for_budget(v));
  CAF_CHECK(to_string(v->refusal).find("came free across the cluster") !=
            std::string::npos);
  // Half of the runs end using half of their reservations: 2,500 tokens
  // come back, and the idle member's next run gets them.
  for (run_id run = 1; run <= 5; ++run)
    release(busy, run, 500);
  pass(300ms);
  admit(idle, 51, 2500);
  pass(300ms);
  const auto* after = verdict_of(51);
  CAF_REQUIRE(after != nullptr);
  CAF_CHECK_EQUAL(after->outcome, admission_outcome::admitted);
  CAF_CHECK_EQUAL(after->reserved_tokens, 2500u);
  CAF_CHECK_LESS_OR_EQUAL(most_taken, budget);
}

CAF_TEST(a new home counts what the members up used today) {
  cluster_up();
  auto home = home_seen_by(0);
  auto a = (home + 1) % members;
  auto b = (home + 2) % members;
  // Two runs of 3,000 tokens end on the two holders: 6,000 used today.
  admit(a, 1, 3000);
  admit(b, 2, 3000);
  pass(300ms);
  release(a, 1, 3000);
  release(b, 2, 3000);
  pass(300ms);
  CAF_REQUIRE_EQUAL(taken(), 6000u);
  // The home goes away; a and b elect a new home between them, which
  // learns the 6,000 they used: 4,000 are left for today.
  std::array<bool, members> up{true, true, true};
  up[home] = false;
  kill(home);
  view(up);
  CAF_CHECK_EQUAL(home_seen_by(a), home_seen_by(b));
  CAF_CHECK_NOT_EQUAL(home_seen_by(a), home);
  most_taken = taken();
  std::vector<run_id> runs;
  for (run_id run = 10; run < 20; ++run) {
    admit(run % 2 == 0 ? a : b, run, 1000);
    runs.push_back(run);
  }
  pass(1500ms);
  auto ok = admitted(runs);
  std::uint64_t reserved = 0;
  for (auto [run, tokens] : ok)
    reserved += tokens;
  CAF_MESSAGE(ok.size() << " runs admitted after the change of home, "
                        << reserved << " tokens reserved");
  CAF_CHECK_LESS_OR_EQUAL(reserved, budget - 6000);
  CAF_CHECK_EQUAL(reserved, budget - 6000); // and all of it
  CAF_CHECK_LESS_OR_EQUAL(most_taken, budget);
}

CAF_TEST(a new UTC day brings a new budget across the cluster) {
  // The members start two seconds before midnight.
  start(true, 1'800'000'000'000 / policies::day_ms * policies::day_ms +
                  policies::day_ms - 2'000);
  view({true, true, true});
  pass(1100ms);
  auto home = home_seen_by(0);
  auto a = (home + 1) % members;
  admit(a, 1, budget);
  pass(100ms);
  release(a, 1, budget);
  admit(a, 2, 1000);
  pass(100ms);
  CAF_CHECK(refused_for_budget(verdict_of(2)));
  pass(1000ms); // past 00:00 UTC
  admit(a, 3, 1000);
  pass(300ms);
  const auto* v = verdict_of(3);
  CAF_REQUIRE(v != nullptr);
  CAF_CHECK_EQUAL(v->outcome, admission_outcome::admitted);
}

CAF_TEST(randomized runs across three members never exceed the budget) {
  std::mt19937_64 rng{warden::test::test_seed()};
  cluster_up();
  std::vector<std::pair<std::size_t, run_id>> submitted;
  run_id next = 1;
  std::uint64_t used = 0;
  for (int step = 0; step < 300; ++step) {
    auto member = static_cast<std::size_t>(rng() % members);
    if (rng() % 3 != 0 || submitted.empty()) {
      admit(member, next, 200 + rng() % 800);
      submitted.emplace_back(member, next++);
    } else {
      auto pick = static_cast<std::size_t>(rng() % submitted.size());
      auto [m, run] = submitted[pick];
      submitted.erase(submitted.begin() + static_cast<std::ptrdiff_t>(pick));
      // A run uses part of what it reserved (nothing if never admitted).
      const auto* v = verdict_of(run);
      auto reserved = v != nullptr && v->outcome != admission_outcome::rejected
                          ? v->reserved_tokens
                          : 0;
      auto tokens = reserved > 0 ? rng() % (reserved + 1) : 0;
      used += tokens;
      release(m, run, tokens);
    }
    pass(std::chrono::milliseconds{10 * (rng() % 4)});
  }
  CAF_MESSAGE(next - 1 << " runs, " << used << " tokens used, at most "
                       << most_taken << " used and reserved at once");
  CAF_CHECK_LESS_OR_EQUAL(most_taken, budget);
  CAF_CHECK_GREATER(used, budget / 2); // the budget was used, not starved
}

CAF_TEST_FIXTURE_SCOPE_END()
