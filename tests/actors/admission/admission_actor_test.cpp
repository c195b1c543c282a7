#define CAF_SUITE actors.admission_actor
#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include <caf/test/dsl.hpp>
#include <prometheus/registry.h>

#include "actors/admission/admission.hpp"
#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "tests/actors/admission/verdict_log.hpp"
#include "tests/support/seed.hpp"

using namespace warden;
using std::chrono::seconds;

namespace {

using admission_test::fake_node;
using admission_test::test_config;
using admission_test::verdict_log;

/// One tier `basic` with the given caps, tenants `a` and `b` in it, and two
/// priority classes (interactive, batch).
config::settings two_tenants(std::uint32_t in_flight_cap,
                             std::uint32_t queue_cap,
                             std::uint32_t global_cap = 100,
                             std::uint32_t global_queue_cap = 1000) {
  config::settings result;
  result.admission.global_cap = global_cap;
  result.admission.global_queue_cap = global_queue_cap;
  config::tier_settings tier;
  tier.in_flight_cap = in_flight_cap;
  tier.queue_cap = queue_cap;
  result.tiers["basic"] = tier;
  result.tenants["a"].tier = "basic";
  result.tenants["b"].tier = "basic";
  return result;
}

struct fixture : test_coordinator_fixture<test_config> {
  std::shared_ptr<verdict_log> log = std::make_shared<verdict_log>();
  caf::actor node = sys.spawn(fake_node, log);
  caf::actor admission;

  void start(config::settings settings, admission_metrics metrics = {}) {
    admission_actor_config cfg;
    cfg.settings = std::move(settings);
    cfg.metrics = std::move(metrics);
    cfg.metrics_refresh = std::chrono::milliseconds{0};
    auto spawned = spawn_admission(sys, std::move(cfg));
    CAF_REQUIRE(spawned);
    admission = std::move(*spawned);
    sched.run();
  }

  void admit(run_id run, std::string tenant, std::uint8_t priority = 1,
             const caf::actor& from = caf::actor{}) {
    caf::send_as(from ? from : node, admission,
                 admit_run{run, std::move(tenant), priority});
    sched.run();
  }

  void release(run_id run) {
    caf::send_as(node, admission, release_run{run});
    sched.run();
  }

  /// A child run of an admitted tree (continuation), as the node sends it.
  void admit_child(run_id run, std::string tenant) {
    caf::send_as(node, admission,
                 admit_run{run, std::move(tenant), 1, true, true});
    sched.run();
  }

  /// Pauses (or resumes) `tenant` as the node asks: admission's answer.
  caf::expected<tenant_pause_state> pause(const std::string& tenant,
                                          bool paused = true) {
    self->send(admission, pause_tenant{tenant, paused});
    sched.run();
    caf::expected<tenant_pause_state> answer{caf::error{}};
    self->receive([&](tenant_pause_state& now) { answer = std::move(now); },
                  [&](caf::error& err) { answer = std::move(err); },
                  caf::after(std::chrono::seconds{0}) >>
                      [&] { CAF_FAIL("admission did not answer"); });
    return answer;
  }

  admission_state& state() { return deref<admission_actor>(admission).state; }

  /// The last verdict about `run`, or a default one with run 0.
  admission_verdict last(run_id run) const {
    for (auto i = log->verdicts.rbegin(); i != log->verdicts.rend(); ++i)
      if (i->run == run)
        return *i;
    return {};
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(admission_actor_tests, fixture)

CAF_TEST(a queued run is admitted later with its wait sent to its submitter) {
  start(two_tenants(1, 10));
  auto other_log = std::make_shared<verdict_log>();
  auto other_node = sys.spawn(fake_node, other_log);
  admit(1, "a");
  CAF_CHECK(last(1).outcome == admission_outcome::admitted);
  admit(2, "a", 1, other_node);
  CAF_REQUIRE_EQUAL(other_log->verdicts.size(), 1u);
  CAF_CHECK(other_log->verdicts[0].outcome == admission_outcome::queued);
  advance_time(seconds(3));
  release(1);
  CAF_REQUIRE_EQUAL(other_log->verdicts.size(), 2u);
  CAF_CHECK(other_log->verdicts[1].outcome == admission_outcome::admitted);
  CAF_CHECK_EQUAL(other_log->verdicts[1].waited_ns, 3'000'000'000);
  CAF_CHECK_EQUAL(log->verdicts.size(), 1u);
  release(2);
  CAF_CHECK_EQUAL(state().runs(), 0u);
}

CAF_TEST(
    full queues refuse runs with queue_full and a reason naming the limit) {
  auto settings = two_tenants(1, 1, 100, 2);
  settings.tenants["b"].queue_cap = 5;
  start(settings);
  admit(1, "a");
  admit(2, "a");
  admit(3, "a");
  auto refused = last(3);
  CAF_CHECK(refused.outcome == admission_outcome::rejected);
  CAF_CHECK(warden_code(refused.refusal) == error_code::queue_full);
  CAF_CHECK(contains(error_reason(refused.refusal), "queue_cap of 1"));
  CAF_MESSAGE("tenant queue: " << error_reason(refused.refusal));
  admit(4, "b");
  admit(5, "b"); // the global queue (2) is now full
  admit(6, "b", 1);
  auto global = last(6);
  CAF_CHECK(global.outcome == admission_outcome::rejected);
  CAF_CHECK(
      contains(error_reason(global.refusal), "admission.global_queue_cap"));
  CAF_MESSAGE("global queue: " << error_reason(global.refusal));
}

CAF_TEST(a run shed for higher priority work is told why with queue_full) {
  start(two_tenants(1, 1));
  admit(1, "a", 1);
  admit(2, "a", 1); // batch, queued: the tenant queue is full
  admit(3, "a", 0); // interactive sheds run 2
  auto shed = last(2);
  CAF_CHECK(shed.outcome == admission_outcome::shed);
  CAF_CHECK(warden_code(shed.refusal) == error_code::queue_full);
  CAF_CHECK(
      contains(error_reason(shed.refusal), "shed for higher-priority work"));
  CAF_CHECK(contains(error_reason(shed.refusal), "interactive"));
  CAF_CHECK(last(3).outcome == admission_outcome::queued);
  CAF_CHECK_EQUAL(state().runs(), 2u);
}

CAF_TEST(tenants without a table take the default tier or are refused) {
  auto settings = two_tenants(1, 5);
  start(settings);
  admit(1, "stranger");
  CAF_CHECK(last(1).outcome == admission_outcome::rejected);
  CAF_CHECK(warden_code(last(1).refusal) == error_code::not_found);
  CAF_CHECK(contains(error_reason(last(1).refusal), "default_tier"));
  settings.admission.default_tier = "basic";
  start(settings);
  admit(2, "stranger");
  admit(3, "stranger");
  CAF_CHECK(last(2).outcome == admission_outcome::admitted);
  CAF_CHECK(last(3).outcome == admission_outcome::queued);
  CAF_CHECK_NOT_EQUAL(state().find_tenant("stranger"), nullptr);
  release(3); // withdrawn while waiting: no verdict
  CAF_CHECK(last(3).outcome == admission_outcome::queued);
  release(2);
  CAF_CHECK_EQUAL(state().find_tenant("stranger"), nullptr);
  CAF_CHECK_NOT_EQUAL(state().find_tenant("a"), nullptr);
}

CAF_TEST(unknown priorities and duplicate runs are invalid arguments) {
  start(two_tenants(2, 5));
  admit(1, "a", 7);
  CAF_CHECK(warden_code(last(1).refusal) == error_code::invalid_argument);
  CAF_CHECK(contains(error_reason(last(1).refusal), "priority class 7"));
  admit(2, "a");
  admit(2, "a");
  CAF_CHECK(last(2).outcome == admission_outcome::rejected);
  CAF_CHECK(
      contains(error_reason(last(2).refusal), "already queued or running"));
  CAF_CHECK_EQUAL(state().queue().in_flight_total(), 1u);
}

CAF_TEST(a configuration naming a missing tier is refused at spawn) {
  auto settings = two_tenants(1, 1);
  settings.tenants["c"].tier = "gold";
  admission_actor_config cfg;
  cfg.settings = settings;
  auto spawned = spawn_admission(sys, cfg);
  CAF_REQUIRE(!spawned);
  CAF_CHECK(contains(error_reason(spawned.error()), "tenants.c.tier"));
}

CAF_TEST(randomized load never exceeds a tenant cap or the global cap) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed " << seed);
  std::mt19937_64 rng{seed};
  auto settings = two_tenants(3, 6, 7, 20);
  settings.tenants["c"].tier = "basic";
  settings.tenants["c"].in_flight_cap = 1;
  start(settings);
  const std::vector<std::string> tenants = {"a", "b", "c"};
  const std::map<std::string, std::uint32_t> caps = {
      {"a", 3}, {"b", 3}, {"c", 1}};
  const auto& queue = state().queue();
  std::map<run_id, std::string> tenant_of;
  std::set<run_id> live; // queued or running as the node sees it
  run_id next = 1;
  int violations = 0;
  int admitted = 0;
  for (int step = 0; step < 3000; ++step) {
    if (live.empty() || rng() % 3 != 0) {
      auto tenant = tenants[rng() % tenants.size()];
      tenant_of[next] = tenant;
      live.insert(next);
      admit(next++, tenant, static_cast<std::uint8_t>(rng() % 2));
    } else {
      auto i = live.begin();
      std::advance(i, rng() % live.size());
      release(*i);
      live.erase(i);
    }
    if (rng() % 7 == 0)
      advance_time(std::chrono::milliseconds{rng() % 100});
    // The node's view: runs it was told are admitted and has not released.
    std::map<std::string, std::uint32_t> running;
    std::uint32_t total = 0;
    for (auto& verdict : log->verdicts) {
      if (verdict.outcome == admission_outcome::admitted)
        ++admitted;
      if (verdict.outcome == admission_outcome::rejected ||
          verdict.outcome == admission_outcome::shed)
        live.erase(verdict.run);
    }
    log->verdicts.clear();
    for (auto run : live)
      if (queue.state(run) == policies::request_state::running) {
        ++running[tenant_of[run]];
        ++total;
      }
    for (auto& [tenant, count] : running)
      if (count > caps.at(tenant))
        ++violations;
    if (total > 7 || queue.in_flight_total() > 7)
      ++violations;
  }
  CAF_CHECK_EQUAL(violations, 0);
  CAF_CHECK_GREATER(admitted, 200);
  for (auto run : live)
    release(run);
  CAF_CHECK_EQUAL(state().runs(), 0u);
  CAF_CHECK_EQUAL(state().queue().in_flight_total(), 0u);
}

CAF_TEST(a tenant submitting ten times its cap does not delay another tenant) {
  start(two_tenants(2, 100, 2));
  for (run_id run = 1; run <= 20; ++run)
    admit(run, "a");
  admit(101, "b");
  admit(102, "b");
  CAF_CHECK(last(101).outcome == admission_outcome::queued);
  // Finish the oldest running run, one at a time, as the node would.
  std::vector<run_id> running = {1, 2};
  std::set<run_id> admitted;
  int releases = 0;
  while (admitted.count(101) == 0 || admitted.count(102) == 0) {
    CAF_REQUIRE(releases < 20);
    auto done = running.front();
    running.erase(running.begin());
    log->verdicts.clear();
    release(done);
    ++releases;
    for (auto& verdict : log->verdicts)
      if (verdict.outcome == admission_outcome::admitted) {
        running.push_back(verdict.run);
        admitted.insert(verdict.run);
      }
  }
  CAF_MESSAGE("tenant b ran both runs after " << releases << " releases");
  // Weighted fair order with equal weights: b gets every other slot.
  CAF_CHECK_LESS_OR_EQUAL(releases, 4);
}

CAF_TEST(admission metrics count verdicts and track depth and in flight) {
  prometheus::Registry registry;
  auto settings = two_tenants(1, 1);
  settings.admission.default_tier = "basic";
  start(settings, make_admission_metrics(registry, settings));
  admit(1, "a");
  admit(2, "a");
  admit(3, "a"); // tenant queue full
  admit(4, "stranger");
  auto families = registry.Collect();
  auto value = [&](const std::string& name, const std::string& label,
                   const std::string& label_value) -> double {
    for (auto& family : families)
      if (family.name == name)
        for (auto& metric : family.metric)
          for (auto& pair : metric.label)
            if (pair.name == label && pair.value == label_value)
              return family.type == prometheus::MetricType::Counter
                         ? metric.counter.value
                         : metric.gauge.value;
    return -1;
  };
  CAF_CHECK_EQUAL(value("warden_admission_runs_rejected_total", "reason",
                        "tenant_queue_full"),
                  1.0);
  CAF_CHECK_EQUAL(value("warden_admission_in_flight", "tenant", "a"), 1.0);
  CAF_CHECK_EQUAL(value("warden_admission_in_flight", "tenant", "_other"), 1.0);
  CAF_CHECK_EQUAL(value("warden_admission_queue_depth", "priority", "batch"),
                  1.0);
  release(1);
  families = registry.Collect();
  CAF_CHECK_EQUAL(value("warden_admission_queue_depth", "priority", "batch"),
                  0.0);
  CAF_CHECK_EQUAL(value("warden_admission_in_flight", "tenant", "a"), 1.0);
  release(2);
  release(4);
  families = registry.Collect();
  CAF_CHECK_EQUAL(value("warden_admission_in_flight", "tenant", "a"), 0.0);
  CAF_CHECK_EQUAL(value("warden_admission_in_flight", "tenant", "_other"), 0.0);
  // Runs 1 and 2 of a took a slot each (2 after 1 ended) and gave it back.
  CAF_CHECK_EQUAL(value("warden_admission_slots_taken_total", "tenant", "a"),
                  2.0);
  CAF_CHECK_EQUAL(value("warden_admission_slots_returned_total", "tenant", "a"),
                  2.0);
  CAF_CHECK_EQUAL(
      value("warden_admission_slots_taken_total", "tenant", "_other"), 1.0);
  CAF_CHECK_EQUAL(
      value("warden_admission_slots_returned_total", "tenant", "_other"), 1.0);
}

CAF_TEST(a paused tenant queues its runs while another tenant goes past) {
  start(two_tenants(1, 10));
  auto paused = pause("a");
  CAF_REQUIRE(paused);
  CAF_CHECK_EQUAL(paused->tenant, "a");
  CAF_CHECK(paused->paused);
  CAF_CHECK_EQUAL(paused->queued, 0u);
  admit(1, "a"); // room for it, but its tenant is paused
  CAF_CHECK(last(1).outcome == admission_outcome::queued);
  admit(2, "b");
  admit(3, "b");
  CAF_CHECK(last(2).outcome == admission_outcome::admitted);
  CAF_CHECK(last(3).outcome == admission_outcome::queued);
  // Run 1 waited longest, yet b's run takes the freed slot.
  release(2);
  CAF_CHECK(last(3).outcome == admission_outcome::admitted);
  CAF_CHECK(last(1).outcome == admission_outcome::queued);
  auto held = state().find_tenant("a");
  CAF_REQUIRE(held != nullptr);
  CAF_CHECK_EQUAL(state().queue().in_flight(held->id), 0u);
}

CAF_TEST(resuming a tenant admits its waiting runs at once with their wait) {
  start(two_tenants(1, 10));
  CAF_REQUIRE(pause("a"));
  admit(1, "a");
  admit(2, "a");
  advance_time(seconds(3));
  auto resumed = pause("a", false);
  CAF_REQUIRE(resumed);
  CAF_CHECK(!resumed->paused);
  // The first takes the tenant's one slot; the second waits for it.
  CAF_CHECK_EQUAL(resumed->queued, 1u);
  auto admitted = last(1);
  CAF_CHECK(admitted.outcome == admission_outcome::admitted);
  CAF_CHECK_EQUAL(admitted.waited_ns, 3'000'000'000);
  CAF_CHECK(last(2).outcome == admission_outcome::queued);
  release(1);
  CAF_CHECK(last(2).outcome == admission_outcome::admitted);
}

CAF_TEST(children of a running tree are admitted while their tenant is paused) {
  start(two_tenants(2, 10));
  admit(1, "a");
  CAF_REQUIRE(pause("a"));
  admit_child(10, "a");
  CAF_CHECK(last(10).outcome == admission_outcome::admitted);
  admit(2, "a"); // a new root waits
  CAF_CHECK(last(2).outcome == admission_outcome::queued);
  // At the cap, the next child waits, and takes the first free slot.
  admit_child(11, "a");
  CAF_CHECK(last(11).outcome == admission_outcome::queued);
  release(10);
  CAF_CHECK(last(11).outcome == admission_outcome::admitted);
  CAF_CHECK(last(2).outcome == admission_outcome::queued);
  // The parent gives its slot back and takes it again, paused or not.
  caf::send_as(node, admission, yield_slot{1});
  sched.run();
  self->send(admission, reclaim_slot{1});
  sched.run();
  self->receive([](const slot_returned& x) { CAF_CHECK_EQUAL(x.run, 1u); },
                caf::after(std::chrono::seconds{0}) >>
                    [] { CAF_FAIL("the parent did not get its slot back"); });
  CAF_CHECK(last(2).outcome == admission_outcome::queued);
}

CAF_TEST(pausing twice changes nothing and unknown tenants are named) {
  auto settings = two_tenants(1, 10);
  start(settings);
  admit(1, "a");
  admit(2, "a");
  auto first = pause("a");
  auto second = pause("a");
  CAF_REQUIRE(first && second);
  CAF_CHECK(second->paused);
  CAF_CHECK_EQUAL(second->queued, first->queued);
  CAF_CHECK_EQUAL(second->queued, 1u);
  auto unknown = pause("stranger");
  CAF_REQUIRE(!unknown);
  CAF_CHECK(warden_code(unknown.error()) == error_code::not_found);
  CAF_CHECK(contains(error_reason(unknown.error()), "stranger"));
  CAF_MESSAGE("unknown tenant: " << error_reason(unknown.error()));
  auto resumed_twice = pause("b", false);
  CAF_REQUIRE(resumed_twice);
  CAF_CHECK(!resumed_twice->paused);
  // With a default tier every tenant is admitted, so it may be paused, and
  // is kept while paused with nothing queued.
  settings.admission.default_tier = "basic";
  start(settings);
  auto stranger = pause("stranger");
  CAF_REQUIRE(stranger);
  CAF_CHECK(stranger->paused);
  CAF_CHECK_NOT_EQUAL(state().find_tenant("stranger"), nullptr);
  CAF_REQUIRE(pause("stranger", false));
  CAF_CHECK_EQUAL(state().find_tenant("stranger"), nullptr);
}

CAF_TEST(the paused gauge shows each paused tenant) {
  prometheus::Registry registry;
  auto settings = two_tenants(1, 1);
  settings.admission.default_tier = "basic";
  start(settings, make_admission_metrics(registry, settings));
  auto paused_gauge = [&](const std::string& tenant) -> double {
    for (auto& family : registry.Collect())
      if (family.name == "warden_tenant_paused")
        for (auto& metric : family.metric)
          for (auto& label : metric.label)
            if (label.name == "tenant" && label.value == tenant)
              return metric.gauge.value;
    return -1;
  };
  CAF_CHECK_EQUAL(paused_gauge("a"), 0.0);
  CAF_REQUIRE(pause("a"));
  CAF_REQUIRE(pause("a"));
  CAF_REQUIRE(pause("stranger"));
  CAF_REQUIRE(pause("visitor"));
  CAF_CHECK_EQUAL(paused_gauge("a"), 1.0);
  CAF_CHECK_EQUAL(paused_gauge("b"), 0.0);
  // Tenants without a table are counted under _other, never by name.
  CAF_CHECK_EQUAL(paused_gauge("_other"), 2.0);
  CAF_CHECK_EQUAL(paused_gauge("stranger"), -1.0);
  CAF_REQUIRE(pause("a", false));
  CAF_REQUIRE(pause("stranger", false));
  CAF_REQUIRE(pause("stranger", false));
  CAF_CHECK_EQUAL(paused_gauge("a"), 0.0);
  CAF_CHECK_EQUAL(paused_gauge("_other"), 1.0);
}

CAF_TEST_FIXTURE_SCOPE_END()
