#define CAF_SUITE actors.cluster_caps
// A tenant's in-flight cap across the members of a cluster: three admission
// actors lease the cap from its home (actors/admission/leases.hpp). Each
// member's "node" is its admission actor itself (a node passes lease
// messages on unchanged), so every message between them runs through the
// test coordinator, and the checks run after every single one.

#include <algorithm>
#include <array>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/admission/admission.hpp"
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
constexpr std::uint32_t cap = 5;
const std::vector<std::string> names{"m0", "m1", "m2"};

/// Tenant `a` with an in-flight cap of 5 (and room to queue), in a cluster
/// of three.
config::settings clustered() {
  config::settings result;
  config::tier_settings tier;
  tier.in_flight_cap = cap;
  tier.queue_cap = 1000;
  result.tiers["basic"] = tier;
  result.tenants["a"].tier = "basic";
  for (const auto& name : names)
    result.cluster.nodes.push_back({name, {"127.0.0.1", 4242}});
  return result;
}

struct fixture : test_coordinator_fixture<test_config> {
  std::shared_ptr<verdict_log> log = std::make_shared<verdict_log>();
  caf::actor node = sys.spawn(fake_node, log);
  std::array<caf::actor, members> admission;
  /// Their states, read after every message without deref's checks.
  std::array<admission_state*, members> states{};
  std::uint32_t most_in_flight = 0;
  std::size_t steps = 0;

  fixture() {
    for (auto& x : admission) {
      admission_actor_config config;
      config.settings = clustered();
      config.metrics_refresh = 0ms;
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
    run_all();
  }

  ~fixture() override {
    // Their lease timers never stop on their own.
    for (auto& x : admission)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    run_all();
  }

  admission_state& state(std::size_t i) { return *states[i]; }

  std::uint32_t in_flight(std::size_t i) {
    const auto* tenant = state(i).find_tenant("a");
    return tenant != nullptr ? state(i).queue().in_flight(tenant->id) : 0;
  }

  std::uint32_t total_in_flight() {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < members; ++i)
      sum += in_flight(i);
    return sum;
  }

  /// Runs every message, noting the most runs in flight across the
  /// members after each one.
  void run_all() {
    while (sched.try_run_once()) {
      ++steps;
      most_in_flight = std::max(most_in_flight, total_in_flight());
    }
  }

  /// Advances the clock in steps of 10 ms, running what each step fires.
  void pass(std::chrono::milliseconds d) {
    for (auto t = 0ms; t < d; t += 10ms) {
      advance_time(10ms);
      run_all();
    }
  }

  /// Tells each member in `up` the members in `up` (the others down).
  void view(std::array<bool, members> up) {
    admission_test::tell_members(admission, names, up);
    run_all();
  }

  void admit(std::size_t member, run_id run) {
    caf::send_as(node, admission[member], admit_run{run, "a", 0});
    run_all();
  }

  void release(std::size_t member, run_id run) {
    caf::send_as(node, admission[member], release_run{run});
    run_all();
  }

  /// The member that is the home of tenant a's cap, as member `i` sees it.
  std::uint32_t home_seen_by(std::size_t i) {
    const auto* limit = state(i).leases().find("a");
    CAF_REQUIRE(limit != nullptr);
    return limit->home;
  }

  std::size_t admitted_count() const {
    return static_cast<std::size_t>(std::count_if(
        log->verdicts.begin(), log->verdicts.end(), [](const auto& v) {
          return v.outcome == admission_outcome::admitted;
        }));
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_caps_tests, fixture)

CAF_TEST(nothing is admitted before the members are known) {
  admit(0, 1);
  CAF_CHECK_EQUAL(in_flight(0), 0u);
  CAF_CHECK_EQUAL(log->verdicts.back().outcome, admission_outcome::queued);
}

CAF_TEST(a tenant cap holds across three members) {
  view({true, true, true});
  // Every member agrees on the home.
  admit(0, 1);
  admit(1, 2);
  admit(2, 3);
  CAF_CHECK_EQUAL(home_seen_by(0), home_seen_by(1));
  CAF_CHECK_EQUAL(home_seen_by(1), home_seen_by(2));
  // Within the first ttl after the members changed, the home grants
  // nothing new: every member may still hold a lease of an earlier home.
  CAF_CHECK_EQUAL(total_in_flight(), 0u);
  pass(1100ms);
  CAF_CHECK_EQUAL(total_in_flight(), 3u);
  // Each member gets 4 runs of tenant a: 15 runs, and a cap of 5.
  run_id next = 10;
  for (int k = 0; k < 4; ++k)
    for (std::size_t m = 0; m < members; ++m)
      admit(m, next++);
  pass(300ms);
  CAF_CHECK_EQUAL(total_in_flight(), cap);
  CAF_CHECK_EQUAL(most_in_flight, cap);
  // Runs end one by one anywhere; the waiting ones take their place,
  // and never more than the cap run at once.
  std::vector<std::pair<std::size_t, run_id>> running;
  for (run_id run = 1; run < next; ++run) {
    for (std::size_t m = 0; m < members; ++m) {
      auto& st = state(m);
      if (st.queue().state(run) == policies::request_state::running)
        running.emplace_back(m, run);
    }
  }
  CAF_REQUIRE_EQUAL(running.size(), cap);
  std::size_t ended = 0;
  while (!running.empty()) {
    auto [m, run] = running.front();
    running.erase(running.begin());
    release(m, run);
    ++ended;
    pass(100ms);
    running.clear();
    for (run_id r = 1; r < next; ++r)
      for (std::size_t k = 0; k < members; ++k)
        if (state(k).queue().state(r) == policies::request_state::running)
          running.emplace_back(k, r);
  }
  CAF_CHECK_EQUAL(ended, 3u + 12u);
  CAF_CHECK_EQUAL(admitted_count(), 15u);
  CAF_CHECK_EQUAL(most_in_flight, cap);
  CAF_MESSAGE(steps << " messages, at most " << most_in_flight
                    << " runs in flight");
}

CAF_TEST(the lease of a lost member comes back to the others) {
  view({true, true, true});
  pass(1100ms);
  auto home = home_seen_by(0);
  auto holder = (home + 1) % members;
  auto other = (home + 2) % members;
  // The holder takes the whole cap; the third member's runs wait.
  for (run_id run = 1; run <= cap; ++run)
    admit(holder, run);
  pass(200ms);
  CAF_REQUIRE_EQUAL(in_flight(holder), cap);
  admit(other, 100);
  pass(200ms);
  CAF_CHECK_EQUAL(in_flight(other), 0u);
  // The holder is lost (its process, say): the home frees its lease at
  // once, and the waiting run gets its unit.
  std::array<bool, members> up{true, true, true};
  up[holder] = false;
  view(up);
  pass(200ms);
  CAF_CHECK_EQUAL(in_flight(other), 1u);
  const auto* limit = state(home).leases().find("a");
  CAF_REQUIRE(limit != nullptr && limit->ledger);
  CAF_CHECK_EQUAL(limit->ledger->leased_to(holder), 0u);
  CAF_CHECK_GREATER_OR_EQUAL(limit->ledger->leased_to(other), 1u);
  // The holder was in fact alive and keeps running its 5 runs: the
  // overshoot the stated bound allows (what the revoked lease held), until
  // they end.
  CAF_CHECK_EQUAL(total_in_flight(), cap + 1);
}

CAF_TEST(units a member keeps unused are recalled when another waits) {
  view({true, true, true});
  pass(1100ms);
  auto home = home_seen_by(0);
  auto a = (home + 1) % members;
  auto b = (home + 2) % members;
  for (run_id run = 1; run <= 3; ++run)
    admit(a, run);
  pass(200ms);
  CAF_REQUIRE_EQUAL(in_flight(a), 3u);
  release(a, 1);
  release(a, 2);
  pass(100ms);
  // a keeps two units it does not use (its high water mark), for runs to
  // come: 3 of the 5 are leased to it.
  const auto* limit = state(home).leases().find("a");
  CAF_REQUIRE(limit != nullptr && limit->ledger);
  CAF_CHECK_EQUAL(limit->ledger->leased_to(a), 3u);
  for (run_id run = 11; run <= 13; ++run)
    admit(b, run);
  pass(300ms);
  // b got the 2 free ones, then the home recalled a's unused units.
  CAF_CHECK_EQUAL(in_flight(b), 3u);
  CAF_CHECK_EQUAL(total_in_flight(), 4u);
  CAF_CHECK_EQUAL(most_in_flight, 4u);
}

CAF_TEST(a holder cut off from its home stops admitting when its lease ends) {
  view({true, true, true});
  pass(1100ms);
  auto home = home_seen_by(0);
  auto holder = (home + 1) % members;
  admit(holder, 1);
  pass(200ms);
  CAF_REQUIRE_EQUAL(in_flight(holder), 1u);
  // The home stops answering (a partition the views have not seen).
  auto& home_actor = admission[home];
  caf::anon_send_exit(home_actor, caf::exit_reason::kill);
  run_all();
  release(holder, 1);
  // Returned units go nowhere; the lease runs out within its ttl and the
  // holder admits nothing more.
  pass(1100ms);
  admit(holder, 2);
  pass(500ms);
  CAF_CHECK_EQUAL(in_flight(holder), 0u);
  CAF_CHECK_EQUAL(state(holder).leases().counts().held, 0u);
}

CAF_TEST(a new home counts the runs in flight before it grants more) {
  view({true, true, true});
  pass(1100ms);
  auto home = home_seen_by(0);
  auto a = (home + 1) % members;
  auto b = (home + 2) % members;
  run_id next = 1;
  for (int k = 0; k < 2; ++k) {
    admit(a, next++);
    admit(b, next++);
  }
  pass(300ms);
  CAF_REQUIRE_EQUAL(in_flight(a) + in_flight(b), 4u);
  // The home goes away; a and b elect a new home between them, which
  // adopts what runs (4 of 5) and grants nothing new within its grace.
  std::array<bool, members> up{true, true, true};
  up[home] = false;
  caf::anon_send_exit(admission[home], caf::exit_reason::kill);
  run_all();
  view(up);
  CAF_CHECK_EQUAL(home_seen_by(a), home_seen_by(b));
  CAF_CHECK_NOT_EQUAL(home_seen_by(a), home);
  for (int k = 0; k < 3; ++k) {
    admit(a, next++);
    admit(b, next++);
  }
  pass(900ms);
  CAF_CHECK_EQUAL(in_flight(a) + in_flight(b), 4u);
  pass(400ms);
  CAF_CHECK_EQUAL(in_flight(a) + in_flight(b), cap);
  CAF_CHECK_EQUAL(most_in_flight, cap);
}

CAF_TEST(randomized runs across three members never exceed the cap) {
  std::mt19937_64 rng{warden::test::test_seed()};
  view({true, true, true});
  pass(1100ms);
  std::vector<std::pair<std::size_t, run_id>> submitted;
  run_id next = 1;
  for (int step = 0; step < 400; ++step) {
    auto member = static_cast<std::size_t>(rng() % members);
    if (rng() % 3 != 0 || submitted.empty()) {
      admit(member, next);
      submitted.emplace_back(member, next++);
    } else {
      auto pick = static_cast<std::size_t>(rng() % submitted.size());
      auto [m, run] = submitted[pick];
      submitted.erase(submitted.begin() + static_cast<std::ptrdiff_t>(pick));
      release(m, run); // running or still queued
    }
    pass(std::chrono::milliseconds{10 * (rng() % 4)});
  }
  for (auto [m, run] : submitted)
    release(m, run);
  // Holders keep up to two chunks they do not use until nothing asked for
  // units for ten ttls.
  pass(11s);
  CAF_CHECK_LESS_OR_EQUAL(most_in_flight, cap);
  CAF_CHECK_EQUAL(most_in_flight, cap); // the cap was reached, not starved
  CAF_CHECK_EQUAL(total_in_flight(), 0u);
  // Every unit came back to the home: nothing is leased or held.
  for (std::size_t i = 0; i < members; ++i)
    CAF_CHECK_EQUAL(state(i).leases().counts().held, 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
