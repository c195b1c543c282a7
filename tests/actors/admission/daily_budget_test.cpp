#define CAF_SUITE actors.daily_budget
#include <memory>
#include <vector>

#include <caf/test/dsl.hpp>
#include <prometheus/registry.h>

#include "actors/admission/admission.hpp"
#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "storage/journal.hpp"

using namespace warden;

namespace {

struct test_config : caf::actor_system_config {
  test_config() { warden::add_message_types(*this); }
};

/// 2024-05-01 as a UTC day number, the milliseconds of a day, and noon.
constexpr std::uint64_t day = 19'844;
constexpr std::uint64_t day_ms = policies::day_ms;
constexpr std::uint64_t noon = day * day_ms + day_ms / 2;

caf::behavior fake_node(caf::event_based_actor*,
                        std::shared_ptr<std::vector<admission_verdict>> log) {
  return {
      [=](admission_verdict& verdict) { log->push_back(std::move(verdict)); },
  };
}

/// Tier `free` (1,000 tokens a day) with tenants acme and globex, tier
/// `unlimited` (0) with tenant initech; other tenants get `free`.
config::settings budget_settings() {
  config::settings result;
  config::tier_settings free;
  free.daily_token_budget = 1000;
  result.tiers["free"] = free;
  result.tiers["unlimited"] = config::tier_settings{};
  result.tenants["acme"].tier = "free";
  result.tenants["globex"].tier = "free";
  result.tenants["initech"].tier = "unlimited";
  result.admission.default_tier = "free";
  return result;
}

/// A run record as the node journals it.
storage::stored_run record_of(run_id run, const std::string& tenant,
                              std::uint64_t tokens, bool final) {
  storage::stored_run x;
  x.run = run;
  x.session = run;
  x.tenant = tenant;
  x.agent = "helper";
  x.final = final;
  x.usage.completion_tokens = final ? tokens : 0;
  x.finished_at_ms = final ? noon : 0;
  return x;
}

struct fixture : test_coordinator_fixture<test_config> {
  std::shared_ptr<std::vector<admission_verdict>> log =
      std::make_shared<std::vector<admission_verdict>>();
  caf::actor node = sys.spawn(fake_node, log);
  caf::actor admission;
  /// The time admission reads; its wall time starts at noon.
  std::shared_ptr<actor_clock_source> time = [this] {
    auto result = std::make_shared<actor_clock_source>(sys);
    result->set_unix_ms(noon);
    return result;
  }();
  prometheus::Registry registry;
  admission_metrics metrics;

  void start(std::uint64_t tokens_day = day,
             std::map<std::string, std::uint64_t> tokens = {},
             std::vector<token_reservation> reservations = {}) {
    auto settings = budget_settings();
    metrics = make_admission_metrics(registry, settings);
    admission_actor_config cfg;
    cfg.settings = std::move(settings);
    cfg.metrics = metrics;
    cfg.metrics_refresh = std::chrono::milliseconds{0};
    cfg.time = time;
    cfg.tokens_day = tokens_day;
    cfg.daily_tokens = std::move(tokens);
    cfg.reservations = std::move(reservations);
    auto spawned = spawn_admission(sys, std::move(cfg));
    CAF_REQUIRE(spawned);
    admission = std::move(*spawned);
    sched.run();
  }

  /// Stops the admission actor, as a restart of the node would.
  void stop() {
    caf::anon_send_exit(admission, caf::exit_reason::user_shutdown);
    sched.run();
  }

  admission_verdict admit(run_id run, std::string tenant, bool accepted = false,
                          std::uint64_t tokens = 0) {
    caf::send_as(node, admission,
                 admit_run{run, std::move(tenant), 1, accepted, false, tokens});
    sched.run();
    CAF_REQUIRE(!log->empty());
    CAF_REQUIRE_EQUAL(log->back().run, run);
    return log->back();
  }

  /// Admits `run` and releases it with `tokens` used, finished now.
  void use(run_id run, const std::string& tenant, std::uint64_t tokens) {
    CAF_REQUIRE(admit(run, tenant).outcome == admission_outcome::admitted);
    caf::send_as(node, admission, release_run{run, tokens, time->unix_ms()});
    sched.run();
  }

  admission_state& state() { return deref<admission_actor>(admission).state; }

  double reserved_gauge(const std::string& tenant) {
    if (tenant == "_other")
      return metrics.other_reserved_tokens->Value();
    return metrics.tenant_reserved_tokens.at(tenant)->Value();
  }

  double gauge(const std::string& tenant) {
    if (tenant == "_other")
      return metrics.other_daily_tokens->Value();
    return metrics.tenant_daily_tokens.at(tenant)->Value();
  }
};

bool budget_refusal(const admission_verdict& v) {
  return v.outcome == admission_outcome::rejected &&
         warden_code(v.refusal) == error_code::budget_exhausted;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(daily_budget_tests, fixture)

CAF_TEST(tokens no release carries count toward the budget too) {
  start();
  use(1, "acme", 900);
  // A recovered child cancelled at once: charged without a run.
  caf::send_as(node, admission, charge_tokens{0, "acme", 100, time->unix_ms()});
  sched.run();
  CAF_CHECK_EQUAL(gauge("acme"), 1000.0);
  CAF_CHECK(budget_refusal(admit(2, "acme")));
  CAF_CHECK(admit(3, "globex").outcome == admission_outcome::admitted);
}

CAF_TEST(a tenant over its daily budget is refused with budget_exhausted and the
             reason) {
  start();
  use(1, "acme", 999);
  CAF_CHECK(admit(2, "acme").outcome == admission_outcome::admitted);
  caf::send_as(node, admission, release_run{2, 1, time->unix_ms()});
  sched.run();
  auto refused = admit(3, "acme");
  CAF_CHECK(budget_refusal(refused));
  CAF_CHECK_EQUAL(error_reason(refused.refusal),
                  "tenant `acme` used 1,000 of its 1,000 "
                  "daily tokens; resets at 00:00 UTC");
  CAF_MESSAGE(error_reason(refused.refusal));
  CAF_CHECK_EQUAL(state().runs(), 0u);
  auto counted = metrics.refused[static_cast<std::size_t>(
      admission_refusal::daily_budget_exhausted)];
  CAF_CHECK_EQUAL(counted->Value(), 1.0);
  // Other tenants of the same tier are not touched.
  CAF_CHECK(admit(4, "globex").outcome == admission_outcome::admitted);
}

CAF_TEST(an unlimited budget never refuses) {
  start(day, {{"initech", 5'000'000'000}});
  use(1, "initech", 1'000'000'000);
  CAF_CHECK_EQUAL(state().budgets().used("initech"), 6'000'000'000u);
  CAF_CHECK(admit(2, "initech").outcome == admission_outcome::admitted);
  CAF_CHECK_EQUAL(gauge("initech"), 6e9);
}

CAF_TEST(work already accepted is admitted while the budget is exhausted) {
  start(day, {{"acme", 1000}});
  CAF_CHECK(budget_refusal(admit(1, "acme")));
  // A run resumed after a restart, or a child of an admitted run.
  CAF_CHECK(admit(2, "acme", true).outcome == admission_outcome::admitted);
  CAF_CHECK_EQUAL(state().runs(), 1u);
}

CAF_TEST(the counter resets when the UTC day changes) {
  start();
  use(1, "acme", 1000);
  CAF_CHECK(budget_refusal(admit(2, "acme")));
  time->set_unix_ms((day + 1) * day_ms - 1);
  CAF_CHECK(budget_refusal(admit(3, "acme")));
  time->set_unix_ms((day + 1) * day_ms);
  CAF_CHECK(admit(4, "acme").outcome == admission_outcome::admitted);
  CAF_CHECK_EQUAL(state().budgets().day(), day + 1);
  CAF_CHECK_EQUAL(gauge("acme"), 0.0);
  // A run that ended before midnight counted for its own day, not today.
  caf::send_as(node, admission, release_run{4, 5000, (day + 1) * day_ms - 2});
  sched.run();
  CAF_CHECK_EQUAL(state().budgets().used("acme"), 0u);
  CAF_CHECK(admit(5, "acme").outcome == admission_outcome::admitted);
}

CAF_TEST(a run that ends after midnight moves the counters to the new day) {
  start(day, {{"acme", 1000}, {"globex", 1000}});
  CAF_CHECK(admit(1, "globex", true).outcome == admission_outcome::admitted);
  caf::send_as(node, admission, release_run{1, 10, (day + 1) * day_ms + 1});
  sched.run();
  CAF_CHECK_EQUAL(state().budgets().used("globex"), 10u);
  CAF_CHECK_EQUAL(state().budgets().used("acme"), 0u);
  CAF_CHECK_EQUAL(gauge("globex"), 10.0);
  CAF_CHECK_EQUAL(gauge("acme"), 0.0);
}

CAF_TEST(the counter comes back after a restart from the journal) {
  storage::memory_journal journal;
  start();
  // What the node does for each run: journal its records, release it.
  auto finish = [&](run_id run, std::uint64_t tokens) {
    CAF_REQUIRE(
        !journal.append({{run, 0, storage::entry_kind::run_accepted,
                          storage::encode(record_of(run, "acme", 0, false))}}));
    use(run, "acme", tokens);
    CAF_REQUIRE(!journal.append(
        {{run, 0, storage::entry_kind::run_record,
          storage::encode(record_of(run, "acme", tokens, true))}}));
  };
  finish(1, 600);
  finish(2, 500);
  auto before = admit(3, "acme");
  CAF_CHECK(budget_refusal(before));
  stop();
  auto stored = journal.daily_tokens(day);
  CAF_REQUIRE(stored);
  start(day, stored.value);
  CAF_CHECK_EQUAL(state().budgets().used("acme"), 1100u);
  CAF_CHECK_EQUAL(gauge("acme"), 1100.0);
  auto after = admit(4, "acme");
  CAF_CHECK(budget_refusal(after));
  CAF_CHECK_EQUAL(error_reason(after.refusal), error_reason(before.refusal));
  CAF_MESSAGE(error_reason(after.refusal));
}

CAF_TEST(counters of an earlier day given at spawn are dropped) {
  start(day - 1, {{"acme", 1000}});
  CAF_CHECK_EQUAL(state().budgets().day(), day);
  CAF_CHECK(admit(1, "acme").outcome == admission_outcome::admitted);
}

CAF_TEST(a burst of runs reserves the budget and the rest are refused) {
  start();
  // Each run asks for its run budget of 300 tokens; the fourth gets what
  // is left; the fifth finds nothing left, although nothing was used yet.
  std::uint64_t expected[] = {300, 300, 300, 100};
  for (run_id run = 1; run <= 4; ++run) {
    auto verdict = admit(run, "acme", false, 300);
    CAF_CHECK(verdict.outcome == admission_outcome::admitted);
    CAF_CHECK_EQUAL(verdict.reserved_tokens, expected[run - 1]);
  }
  CAF_CHECK_EQUAL(reserved_gauge("acme"), 1000.0);
  auto refused = admit(5, "acme", false, 300);
  CAF_CHECK(budget_refusal(refused));
  CAF_CHECK_EQUAL(error_reason(refused.refusal),
                  "tenant `acme` used 0 of its 1,000 daily tokens, and runs "
                  "not yet ended hold 1,000 more in reserve (released as they "
                  "end); resets at 00:00 UTC");
  // Run 1 used 50 of its 300: 50 committed, 250 refunded.
  caf::send_as(node, admission, release_run{1, 50, time->unix_ms()});
  sched.run();
  CAF_CHECK_EQUAL(state().budgets().used("acme"), 50u);
  CAF_CHECK_EQUAL(reserved_gauge("acme"), 700.0);
  CAF_CHECK_EQUAL(admit(6, "acme", false, 300).reserved_tokens, 250u);
  // Accepted work (a child, a resumed run) reserves nothing new.
  CAF_CHECK_EQUAL(admit(7, "acme", true, 300).reserved_tokens, 0u);
  // A run that ends without using anything gives all of it back.
  caf::send_as(node, admission, release_run{2, 0, time->unix_ms()});
  sched.run();
  CAF_CHECK_EQUAL(reserved_gauge("acme"), 650.0);
  CAF_CHECK_EQUAL(state().budgets().used("acme"), 50u);
  // An unlimited tenant reserves nothing.
  CAF_CHECK_EQUAL(admit(8, "initech", false, 300).reserved_tokens, 0u);
}

CAF_TEST(reservations made before a restart hold from spawn on) {
  start(day, {{"acme", 100}}, {{41, "acme", 800}, {42, "walk-in", 50}});
  CAF_CHECK_EQUAL(reserved_gauge("acme"), 800.0);
  CAF_CHECK_EQUAL(reserved_gauge("_other"), 50.0);
  // Only 100 are left for new runs while run 41 has not come back.
  CAF_CHECK_EQUAL(admit(1, "acme", false, 300).reserved_tokens, 100u);
  CAF_CHECK(budget_refusal(admit(2, "acme", false, 300)));
  // Run 41 comes back (accepted) and ends; run 42 ends outside admission
  // (charge_tokens): both reservations are released.
  CAF_CHECK(admit(41, "acme", true).outcome == admission_outcome::admitted);
  caf::send_as(node, admission, release_run{41, 600, time->unix_ms()});
  caf::send_as(node, admission,
               charge_tokens{42, "walk-in", 20, time->unix_ms()});
  sched.run();
  CAF_CHECK_EQUAL(reserved_gauge("acme"), 100.0);
  CAF_CHECK_EQUAL(reserved_gauge("_other"), 0.0);
  CAF_CHECK_EQUAL(state().budgets().used("acme"), 700u);
  CAF_CHECK_EQUAL(state().budgets().used("walk-in"), 20u);
  CAF_CHECK_EQUAL(state().budgets().reservations(), 1u);
  // Use beyond a reservation is counted, and reported as overrun.
  caf::send_as(node, admission, release_run{1, 130, time->unix_ms()});
  sched.run();
  CAF_CHECK_EQUAL(metrics.token_overrun->Value(), 30.0);
  CAF_CHECK_EQUAL(state().budgets().used("acme"), 830u);
}

CAF_TEST(tenants without a tenants table share the other gauge) {
  start(day, {{"walk-in-1", 300}, {"acme", 5}});
  CAF_CHECK_EQUAL(gauge("_other"), 300.0);
  CAF_CHECK_EQUAL(gauge("acme"), 5.0);
  use(1, "walk-in-2", 200);
  CAF_CHECK_EQUAL(gauge("_other"), 500.0);
  // They have the default tier's budget, each their own.
  use(2, "walk-in-1", 700);
  CAF_CHECK(budget_refusal(admit(3, "walk-in-1")));
  CAF_CHECK(admit(4, "walk-in-2").outcome == admission_outcome::admitted);
  CAF_CHECK_EQUAL(gauge("_other"), 1200.0);
}

CAF_TEST_FIXTURE_SCOPE_END()
