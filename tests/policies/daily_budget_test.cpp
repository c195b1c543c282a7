#define CAF_SUITE policies.daily_budget
#include <algorithm>
#include <random>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "policies/daily_budget.hpp"
#include "tests/support/seed.hpp"

using namespace warden::policies;

namespace {

/// 2024-05-01 00:00 UTC as a day number, and a time in it.
constexpr std::uint64_t may_first = 19'844;
constexpr std::uint64_t noon = may_first * day_ms + day_ms / 2;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST(a tenant is refused once its tokens reach the daily budget) {
  daily_budget budgets{may_first, {}};
  CAF_CHECK(budgets.check("acme", 1000).allowed());
  CAF_CHECK(budgets.charge("acme", 999, noon));
  CAF_CHECK(budgets.check("acme", 1000).allowed());
  CAF_CHECK(budgets.charge("acme", 1, noon));
  auto refused = budgets.check("acme", 1000);
  CAF_CHECK(!refused.allowed());
  CAF_CHECK_EQUAL(refused.used, 1000u);
  CAF_CHECK_EQUAL(refused.resets_at_ms, (may_first + 1) * day_ms);
  CAF_CHECK_EQUAL(refused.reason, "tenant `acme` used 1,000 of its 1,000 "
                                  "daily tokens; resets at 00:00 UTC");
  CAF_CHECK(budgets.check("globex", 1000).allowed());
}

CAF_TEST(a budget of zero never refuses) {
  daily_budget budgets{may_first, {{"acme", 5'000'000}}};
  CAF_CHECK(budgets.charge("acme", 1'000'000, noon));
  auto decision = budgets.check("acme", 0);
  CAF_CHECK(decision.allowed());
  CAF_CHECK(decision.reason.empty());
  CAF_CHECK_EQUAL(budgets.used("acme"), 6'000'000u);
}

CAF_TEST(counters given at construction count like charged ones) {
  daily_budget budgets{may_first, {{"acme", 1'000'000}}};
  auto refused = budgets.check("acme", 1'000'000);
  CAF_CHECK(!refused.allowed());
  CAF_CHECK(contains(refused.reason, "used 1,000,000 of its 1,000,000"));
}

CAF_TEST(the counters reset when the UTC day changes) {
  daily_budget budgets{may_first, {{"acme", 10}}};
  CAF_CHECK(!budgets.advance_to(noon));
  CAF_CHECK(!budgets.check("acme", 10).allowed());
  CAF_CHECK(!budgets.advance_to((may_first + 1) * day_ms - 1));
  CAF_CHECK(budgets.advance_to((may_first + 1) * day_ms));
  CAF_CHECK_EQUAL(budgets.day(), may_first + 1);
  CAF_CHECK_EQUAL(budgets.used("acme"), 0u);
  CAF_CHECK(budgets.check("acme", 10).allowed());
  // Time never goes back a day.
  CAF_CHECK(!budgets.advance_to(noon));
  CAF_CHECK_EQUAL(budgets.day(), may_first + 1);
}

CAF_TEST(a run of a later day moves the day and one of an earlier day
             is not counted) {
  daily_budget budgets{may_first, {{"acme", 10}}};
  CAF_CHECK(budgets.charge("acme", 7, noon + day_ms));
  CAF_CHECK_EQUAL(budgets.day(), may_first + 1);
  CAF_CHECK_EQUAL(budgets.used("acme"), 7u);
  CAF_CHECK(!budgets.charge("acme", 100, noon));
  CAF_CHECK_EQUAL(budgets.used("acme"), 7u);
  CAF_CHECK_EQUAL(budgets.used_today().size(), 1u);
}

CAF_TEST(counters saturate instead of wrapping) {
  daily_budget budgets{may_first, {{"acme", ~std::uint64_t{0} - 1}}};
  CAF_CHECK(budgets.charge("acme", 5, noon));
  CAF_CHECK_EQUAL(budgets.used("acme"), ~std::uint64_t{0});
}

CAF_TEST(numbers in reasons carry thousands separators) {
  CAF_CHECK_EQUAL(with_thousands(0), "0");
  CAF_CHECK_EQUAL(with_thousands(999), "999");
  CAF_CHECK_EQUAL(with_thousands(1000), "1,000");
  CAF_CHECK_EQUAL(with_thousands(50'000'000), "50,000,000");
  CAF_CHECK_EQUAL(with_thousands(123'456'789'012), "123,456,789,012");
}

CAF_TEST(a reservation takes the run budget capped by what is left) {
  daily_budget budgets{may_first, {{"acme", 600}}};
  CAF_CHECK_EQUAL(budgets.reserve(1, "acme", 1000, 300), 300u);
  CAF_CHECK_EQUAL(budgets.reserve(2, "acme", 1000, 300), 100u);
  CAF_CHECK_EQUAL(budgets.reserved("acme"), 400u);
  // Nothing left: refused, and the reason names the reserve.
  CAF_CHECK_EQUAL(budgets.reserve(3, "acme", 1000, 300), 0u);
  auto refused = budgets.check("acme", 1000);
  CAF_CHECK(!refused.allowed());
  CAF_CHECK_EQUAL(refused.reason,
                  "tenant `acme` used 600 of its 1,000 daily tokens, and runs "
                  "not yet ended hold 400 more in reserve (released as they "
                  "end); resets at 00:00 UTC");
  // A run without a budget of its own takes everything left.
  CAF_CHECK_EQUAL(budgets.reserve(4, "globex", 1000, 0), 1000u);
  // A second call for a run does not reserve twice.
  CAF_CHECK_EQUAL(budgets.reserve(1, "acme", 1000, 300), 300u);
  CAF_CHECK_EQUAL(budgets.reserved("acme"), 400u);
  // An unlimited budget reserves nothing.
  CAF_CHECK_EQUAL(budgets.reserve(5, "initech", 0, 300), 0u);
  CAF_CHECK_EQUAL(budgets.reservations(), 3u);
}

CAF_TEST(a run that would get less than an eighth of its budget is refused) {
  daily_budget budgets{may_first, {{"acme", 970}}};
  CAF_CHECK_EQUAL(least_reservation(300), 37u);
  CAF_CHECK_EQUAL(least_reservation(0), 1u);
  CAF_CHECK_EQUAL(budgets.reserve(1, "acme", 1000, 300), 0u);
  auto refused = budgets.check("acme", 1000, least_reservation(300));
  CAF_CHECK(!refused.allowed());
  CAF_CHECK_EQUAL(refused.reason,
                  "tenant `acme` used 970 of its 1,000 daily tokens; the 30 "
                  "left are fewer than the 37 this run needs at least (an "
                  "eighth of its run budget); resets at 00:00 UTC");
  // A run that asks for less, or has no budget of its own, gets the rest.
  CAF_CHECK_EQUAL(budgets.reserve(2, "acme", 1000, 200), 30u);
  CAF_CHECK_EQUAL(budgets.reserve(3, "acme", 1000, 0), 0u);
}

CAF_TEST(settling commits the use and refunds the rest) {
  daily_budget budgets{may_first, {}};
  CAF_REQUIRE_EQUAL(budgets.reserve(1, "acme", 1000, 400), 400u);
  auto settled = budgets.settle(1, "acme", 150, noon);
  CAF_CHECK(settled.counted);
  CAF_CHECK_EQUAL(settled.released, 400u);
  CAF_CHECK_EQUAL(settled.overrun, 0u);
  CAF_CHECK_EQUAL(budgets.used("acme"), 150u);
  CAF_CHECK_EQUAL(budgets.reserved("acme"), 0u);
  CAF_CHECK_EQUAL(budgets.check("acme", 1000).left(), 850u);
  // Use beyond the reservation was spent: counted, and reported.
  CAF_REQUIRE_EQUAL(budgets.reserve(2, "acme", 1000, 100), 100u);
  settled = budgets.settle(2, "acme", 130, noon);
  CAF_CHECK_EQUAL(settled.overrun, 30u);
  CAF_CHECK_EQUAL(budgets.used("acme"), 280u);
  // A run that held no reservation is charged as before.
  settled = budgets.settle(3, "acme", 20, noon);
  CAF_CHECK_EQUAL(settled.released, 0u);
  CAF_CHECK_EQUAL(budgets.used("acme"), 300u);
}

CAF_TEST(reservations hold across midnight and restore after a restart) {
  daily_budget budgets{may_first, {{"acme", 900}}};
  budgets.restore(7, "acme", 100);
  budgets.restore(7, "acme", 100); // once per run
  CAF_CHECK_EQUAL(budgets.reserved("acme"), 100u);
  CAF_CHECK(!budgets.check("acme", 1000).allowed());
  CAF_CHECK(budgets.advance_to((may_first + 1) * day_ms));
  CAF_CHECK_EQUAL(budgets.used("acme"), 0u);
  CAF_CHECK_EQUAL(budgets.reserved("acme"), 100u);
  CAF_CHECK_EQUAL(budgets.check("acme", 1000).left(), 900u);
  // It ends today: its tokens count today, its reservation is released.
  auto settled = budgets.settle(7, "acme", 60, (may_first + 1) * day_ms + 5);
  CAF_CHECK(settled.counted);
  CAF_CHECK_EQUAL(budgets.used("acme"), 60u);
  CAF_CHECK_EQUAL(budgets.reserved("acme"), 0u);
}

CAF_TEST(many runs accepted at once never take the day past its budget) {
  // Randomized: 1,000 runs of one tenant against a budget of a few runs'
  // worth, reserved and settled in a random order with random use (within
  // each run's reservation): used + reserved never exceeds the budget.
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed " << seed << " (WARDEN_TEST_SEED replays it)");
  std::mt19937_64 rng{seed};
  constexpr std::uint64_t budget = 5000;
  daily_budget budgets{may_first, {}};
  std::vector<std::pair<std::uint64_t, std::uint64_t>> open; // run, held
  std::uint64_t next = 1;
  std::size_t accepted = 0;
  std::size_t refused = 0;
  auto settle_one = [&] {
    auto at = rng() % open.size();
    auto [run, held] = open[at];
    open[at] = open.back();
    open.pop_back();
    auto used = held == 0 ? 0 : rng() % (held + 1);
    auto settled = budgets.settle(run, "acme", used, noon);
    CAF_CHECK_EQUAL(settled.released, held);
    CAF_CHECK_EQUAL(settled.overrun, 0u);
  };
  while (next <= 1000 || !open.empty()) {
    if (next <= 1000 && (open.empty() || rng() % 4 != 0)) {
      auto wanted = 200 + rng() % 1800;
      auto run = next++;
      auto held = budgets.reserve(run, "acme", budget, wanted);
      if (held == 0) {
        ++refused;
        CAF_CHECK(!budgets.check("acme", budget, least_reservation(wanted))
                       .allowed());
      } else {
        ++accepted;
        CAF_CHECK(held <= wanted);
        open.emplace_back(run, held);
      }
    } else {
      settle_one();
    }
    auto taken = budgets.used("acme") + budgets.reserved("acme");
    if (taken > budget) {
      CAF_FAIL("used " << budgets.used("acme") << " + reserved "
                       << budgets.reserved("acme") << " > " << budget);
    }
  }
  CAF_MESSAGE(accepted << " runs accepted, " << refused << " refused, "
                       << budgets.used("acme") << " tokens used");
  CAF_CHECK(budgets.used("acme") <= budget);
  CAF_CHECK_EQUAL(budgets.reserved("acme"), 0u);
  CAF_CHECK(accepted > 0 && refused > 0);
}
