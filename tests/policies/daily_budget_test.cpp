#define CAF_SUITE policies.daily_budget
#include <caf/test/unit_test.hpp>

#include "policies/daily_budget.hpp"

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
