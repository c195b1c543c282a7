#define CAF_SUITE policies.budget_ledger
#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "policies/budget_ledger.hpp"
#include "policies/clock.hpp"
#include "tests/support/seed.hpp"

using namespace warden::policies;
using namespace std::chrono_literals;

namespace {

budget_amounts amounts(std::uint64_t tokens, std::uint64_t cost,
                       std::uint64_t wall, std::uint64_t iterations) {
  return budget_amounts{tokens, cost, wall, iterations};
}

// A tenant with plenty of everything, for tests about runs.
const budget_amounts big = amounts(1'000'000, 1'000'000, 1'000'000, 1'000);

struct fixture {
  manual_clock clock;
  budget_ledger ledger{clock, budget_ledger_config{}};

  account_id tenant(const budget_amounts& grant = big) {
    return ledger.open_tenant(grant).account;
  }

  account_id run(account_id parent, const budget_amounts& grant,
                 const budget_amounts& final_turn = {}) {
    auto decision = ledger.open_run(parent, grant, final_turn);
    return decision.opened() ? decision.account : 0;
  }

  budget_balance balance_of(account_id id) {
    return ledger.balance(id).value_or(budget_balance{});
  }

  // Every dimension of a snapshot adds up.
  bool adds_up(account_id id) {
    auto b = balance_of(id);
    return b.reserved + b.spent + b.remaining == b.grant;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(budget_ledger_tests, fixture)

CAF_TEST(a root run reserves its whole grant out of its tenant) {
  auto t = tenant(amounts(1000, 5000, 600, 10));
  auto r = run(t, amounts(400, 2000, 100, 4));
  CAF_REQUIRE(r != 0);
  auto b = balance_of(t);
  CAF_CHECK_EQUAL(b.reserved, amounts(400, 2000, 100, 4));
  CAF_CHECK_EQUAL(b.remaining, amounts(600, 3000, 500, 6));
  CAF_CHECK_EQUAL(b.spent, budget_amounts{});
  CAF_CHECK(ledger.parent(r) == std::optional<account_id>{t});
  CAF_CHECK(ledger.parent(t) == std::optional<account_id>{0});
  CAF_CHECK_EQUAL(balance_of(r).remaining, amounts(400, 2000, 100, 4));
}

CAF_TEST(a run is refused with the first dimension its parent lacks) {
  auto t = tenant(amounts(1000, 5000, 600, 10));
  auto refused = ledger.open_run(t, amounts(100, 6000, 100, 1));
  CAF_REQUIRE(!refused.opened());
  CAF_CHECK_EQUAL(refused.account, 0u);
  CAF_CHECK(refused.refusal->code == budget_refusal_code::insufficient);
  CAF_CHECK(refused.refusal->dimension == budget_dimension::cost);
  CAF_CHECK_EQUAL(refused.refusal->needed, 6000u);
  CAF_CHECK_EQUAL(refused.refusal->available, 5000u);
  CAF_CHECK_EQUAL(refused.refusal->reason(),
                  "budget account 1 lacks cost: needed 6000, available 5000");
  CAF_CHECK_EQUAL(balance_of(t).reserved, budget_amounts{});
  CAF_CHECK_EQUAL(ledger.open_accounts(), 1u);
}

CAF_TEST(siblings share what their parent has left) {
  auto t = tenant(amounts(1000, 1000, 1000, 10));
  CAF_CHECK(run(t, amounts(600, 100, 100, 1)) != 0);
  auto refused = ledger.open_run(t, amounts(500, 100, 100, 1));
  CAF_REQUIRE(!refused.opened());
  CAF_CHECK(refused.refusal->dimension == budget_dimension::tokens);
  CAF_CHECK_EQUAL(refused.refusal->available, 400u);
  CAF_CHECK(run(t, amounts(400, 100, 100, 1)) != 0);
}

CAF_TEST(a final turn reserve larger than its grant is refused) {
  auto t = tenant();
  auto refused =
      ledger.open_run(t, amounts(10, 10, 10, 2), amounts(5, 5, 5, 3));
  CAF_REQUIRE(!refused.opened());
  CAF_CHECK(refused.refusal->code == budget_refusal_code::invalid_grant);
  CAF_CHECK(refused.refusal->dimension == budget_dimension::iterations);
  CAF_CHECK(refused.refusal->reason().find("iterations (3)") !=
            std::string::npos);
}

CAF_TEST(unknown accounts and reservations are refused and change nothing) {
  auto t = tenant();
  CAF_CHECK(ledger.open_run(99, amounts(1, 1, 1, 1)).refusal->code ==
            budget_refusal_code::unknown_account);
  CAF_CHECK(ledger.reserve(99, {}).refusal->code ==
            budget_refusal_code::unknown_account);
  CAF_CHECK(ledger.reserve_final_turn(99, {}).refusal->code ==
            budget_refusal_code::unknown_account);
  CAF_CHECK(!ledger.close(99).ok());
  CAF_CHECK(!ledger.balance(99).has_value());
  CAF_CHECK(!ledger.parent(99).has_value());
  CAF_CHECK(!ledger.exhausted(99));
  auto commit = ledger.commit(1234, amounts(1, 1, 1, 1));
  CAF_REQUIRE(!commit.ok());
  CAF_CHECK(commit.refusal->code == budget_refusal_code::unknown_reservation);
  CAF_CHECK_EQUAL(commit.refusal->reason(),
                  "budget reservation 1234 is not open");
  CAF_CHECK(!ledger.refund(1234).ok());
  CAF_CHECK_EQUAL(balance_of(t).spent, budget_amounts{});
}

CAF_TEST(reserve is refused with the dimension and the numbers) {
  auto t = tenant();
  auto r = run(t, amounts(100, 100, 100, 5));
  auto refused = ledger.reserve(r, amounts(50, 50, 50, 6));
  CAF_REQUIRE(!refused.admitted());
  CAF_CHECK_EQUAL(refused.reservation, 0u);
  CAF_CHECK(refused.refusal->code == budget_refusal_code::insufficient);
  CAF_CHECK(refused.refusal->dimension == budget_dimension::iterations);
  CAF_CHECK_EQUAL(refused.refusal->needed, 6u);
  CAF_CHECK_EQUAL(refused.refusal->available, 5u);
  CAF_CHECK_EQUAL(balance_of(r).reserved, budget_amounts{});
}

CAF_TEST(a commit below the estimate returns the difference) {
  auto t = tenant();
  auto r = run(t, amounts(1000, 1000, 1000, 10));
  auto res = ledger.reserve(r, amounts(300, 200, 100, 1));
  CAF_REQUIRE(res.admitted());
  CAF_CHECK_EQUAL(balance_of(r).reserved, amounts(300, 200, 100, 1));
  CAF_CHECK_EQUAL(balance_of(r).remaining, amounts(700, 800, 900, 9));
  auto done = ledger.commit(res.reservation, amounts(120, 200, 40, 1));
  CAF_REQUIRE(done.ok());
  CAF_CHECK_EQUAL(done.charged, amounts(120, 200, 40, 1));
  CAF_CHECK_EQUAL(done.released, amounts(180, 0, 60, 0));
  CAF_CHECK(!done.overran());
  CAF_CHECK(!done.exhausted);
  auto b = balance_of(r);
  CAF_CHECK_EQUAL(b.reserved, budget_amounts{});
  CAF_CHECK_EQUAL(b.spent, amounts(120, 200, 40, 1));
  CAF_CHECK_EQUAL(b.remaining, amounts(880, 800, 960, 9));
  CAF_CHECK_EQUAL(ledger.open_reservations(), 0u);
  CAF_CHECK(!ledger.commit(res.reservation, {}).ok()); // settled only once
}

CAF_TEST(a commit above the estimate draws on the remaining budget) {
  auto t = tenant();
  auto r = run(t, amounts(1000, 1000, 1000, 10));
  auto res = ledger.reserve(r, amounts(100, 100, 100, 1));
  auto done = ledger.commit(res.reservation, amounts(250, 100, 100, 2));
  CAF_CHECK_EQUAL(done.charged, amounts(250, 100, 100, 2));
  CAF_CHECK_EQUAL(done.overrun, budget_amounts{});
  CAF_CHECK_EQUAL(balance_of(r).remaining, amounts(750, 900, 900, 8));
  CAF_CHECK(adds_up(r));
}

CAF_TEST(a commit beyond the remaining budget charges what is there and reports
             the overrun) {
  auto t = tenant();
  auto r = run(t, amounts(1000, 1000, 1000, 10));
  auto first = ledger.reserve(r, amounts(500, 10, 10, 1));
  auto second = ledger.reserve(r, amounts(300, 10, 10, 1));
  auto done = ledger.commit(first.reservation, amounts(900, 10, 10, 1));
  CAF_REQUIRE(done.ok());
  // 500 reserved, 200 left unreserved; 200 of the 400 extra cannot be met.
  CAF_CHECK_EQUAL(done.charged, amounts(700, 10, 10, 1));
  CAF_CHECK_EQUAL(done.overrun, amounts(200, 0, 0, 0));
  CAF_CHECK(done.overran());
  CAF_CHECK(done.exhausted);
  CAF_CHECK(ledger.exhausted(r));
  auto b = balance_of(r);
  CAF_CHECK_EQUAL(b.remaining.tokens, 0u);
  CAF_CHECK_EQUAL(b.reserved.tokens, 300u); // the other call is untouched
  CAF_CHECK_EQUAL(b.overrun, amounts(200, 0, 0, 0));
  CAF_CHECK(adds_up(r));
  CAF_CHECK(ledger.commit(second.reservation, amounts(300, 10, 10, 1)).ok());
  CAF_CHECK_EQUAL(balance_of(r).spent.tokens, 1000u);
  CAF_CHECK(!ledger.reserve(r, amounts(1, 0, 0, 0)).admitted());
}

CAF_TEST(a refund releases the whole reservation and spends nothing) {
  auto t = tenant();
  auto r = run(t, amounts(100, 100, 100, 3));
  auto res = ledger.reserve(r, amounts(60, 60, 60, 1));
  auto done = ledger.refund(res.reservation);
  CAF_REQUIRE(done.ok());
  CAF_CHECK_EQUAL(done.released, amounts(60, 60, 60, 1));
  CAF_CHECK_EQUAL(done.charged, budget_amounts{});
  CAF_CHECK_EQUAL(balance_of(r).remaining, amounts(100, 100, 100, 3));
  CAF_CHECK_EQUAL(balance_of(r).spent, budget_amounts{});
  CAF_CHECK(!ledger.refund(res.reservation).ok());
}

CAF_TEST(ordinary reserves cannot touch the final turn reserve) {
  auto t = tenant();
  auto r = run(t, amounts(1000, 1000, 1000, 10), amounts(200, 100, 0, 1));
  auto b = balance_of(r);
  CAF_CHECK_EQUAL(b.final_turn_reserve, amounts(200, 100, 0, 1));
  CAF_CHECK_EQUAL(b.available(), amounts(800, 900, 1000, 9));
  auto refused = ledger.reserve(r, amounts(801, 1, 1, 1));
  CAF_REQUIRE(!refused.admitted());
  CAF_CHECK_EQUAL(refused.refusal->available, 800u);
  auto ordinary = ledger.reserve(r, amounts(800, 1, 1, 1));
  CAF_REQUIRE(ordinary.admitted());
  // The estimate was low: the excess meets the reserve and becomes overrun.
  auto done = ledger.commit(ordinary.reservation, amounts(900, 1, 1, 1));
  CAF_CHECK_EQUAL(done.overrun.tokens, 100u);
  CAF_CHECK(done.exhausted);
  CAF_CHECK_EQUAL(balance_of(r).final_turn_reserve.tokens, 200u);
  // The run can still produce its answer.
  auto last = ledger.reserve_final_turn(r, amounts(150, 50, 10, 1));
  CAF_REQUIRE(last.admitted());
  auto answered = ledger.commit(last.reservation, amounts(230, 50, 10, 1));
  CAF_CHECK_EQUAL(answered.charged.tokens, 200u);
  CAF_CHECK_EQUAL(answered.overrun.tokens, 30u);
  CAF_CHECK_EQUAL(balance_of(r).remaining.tokens, 0u);
  CAF_CHECK_EQUAL(balance_of(r).overrun.tokens, 130u);
  CAF_CHECK(adds_up(r));
}

CAF_TEST(children cannot draw on their parent final turn reserve) {
  auto t = tenant();
  auto r = run(t, amounts(1000, 1000, 1000, 10), amounts(300, 0, 0, 2));
  auto refused = ledger.open_run(r, amounts(701, 10, 10, 1));
  CAF_REQUIRE(!refused.opened());
  CAF_CHECK_EQUAL(refused.refusal->available, 700u);
  CAF_CHECK(run(r, amounts(700, 10, 10, 8)) != 0);
  CAF_CHECK(!ledger.reserve(r, amounts(1, 0, 0, 0)).admitted());
  CAF_CHECK(ledger.reserve_final_turn(r, amounts(300, 0, 0, 2)).admitted());
}

CAF_TEST(
    a run is exhausted when nothing is left outside its final turn reserve) {
  auto t = tenant();
  auto r = run(t, amounts(1000, 1000, 1000, 4), amounts(100, 0, 0, 1));
  for (int i = 0; i < 3; ++i) {
    CAF_CHECK(!ledger.exhausted(r));
    auto res = ledger.reserve(r, amounts(10, 10, 10, 1));
    CAF_CHECK(
        !ledger.commit(res.reservation, amounts(10, 10, 10, 1)).exhausted ||
        i == 2);
  }
  CAF_CHECK(ledger.exhausted(r)); // 3 of 4 iterations spent, 1 held back
  CAF_CHECK(ledger.reserve_final_turn(r, amounts(10, 10, 10, 1)).admitted());
}

CAF_TEST(spend rolls up through three levels when runs close) {
  auto t = tenant(amounts(10'000, 10'000, 10'000, 100));
  auto root = run(t, amounts(5000, 5000, 5000, 50));
  auto child = run(root, amounts(2000, 2000, 2000, 20));
  auto grandchild = run(child, amounts(500, 500, 500, 5));
  auto spend = [&](account_id a, std::uint64_t n) {
    auto res = ledger.reserve(a, amounts(n, n, n, 1));
    return ledger.commit(res.reservation, amounts(n, n, n, 1)).ok();
  };
  CAF_CHECK(spend(grandchild, 100));
  CAF_CHECK(spend(child, 200));
  CAF_CHECK(spend(root, 300));
  auto closed = ledger.close(grandchild);
  CAF_REQUIRE(closed.ok());
  CAF_CHECK_EQUAL(closed.spent, amounts(100, 100, 100, 1));
  CAF_CHECK_EQUAL(closed.returned, amounts(400, 400, 400, 4));
  CAF_CHECK_EQUAL(balance_of(child).spent, amounts(300, 300, 300, 2));
  CAF_CHECK_EQUAL(balance_of(child).reserved, budget_amounts{});
  CAF_CHECK(ledger.close(child).ok());
  CAF_CHECK_EQUAL(balance_of(root).spent, amounts(600, 600, 600, 3));
  CAF_CHECK(ledger.close(root).ok());
  auto b = balance_of(t);
  CAF_CHECK_EQUAL(b.spent, amounts(600, 600, 600, 3));
  CAF_CHECK_EQUAL(b.reserved, budget_amounts{});
  CAF_CHECK_EQUAL(b.remaining, amounts(9400, 9400, 9400, 97));
  CAF_CHECK_EQUAL(ledger.open_accounts(), 1u);
}

CAF_TEST(closing a parent closes its open children first) {
  auto t = tenant();
  auto root = run(t, amounts(1000, 1000, 1000, 10));
  auto a = run(root, amounts(300, 300, 300, 3));
  auto b = run(root, amounts(300, 300, 300, 3));
  auto a1 = run(a, amounts(100, 100, 100, 1));
  auto res = ledger.reserve(a1, amounts(40, 40, 40, 1));
  CAF_CHECK(ledger.commit(res.reservation, amounts(40, 40, 40, 1)).ok());
  auto res_b = ledger.reserve(b, amounts(10, 10, 10, 1));
  CAF_CHECK(ledger.commit(res_b.reservation, amounts(10, 10, 10, 1)).ok());
  auto closed = ledger.close(root);
  CAF_REQUIRE(closed.ok());
  CAF_CHECK_EQUAL(closed.closed_accounts, 4u);
  CAF_CHECK_EQUAL(closed.spent, amounts(50, 50, 50, 2));
  CAF_CHECK_EQUAL(closed.returned, amounts(950, 950, 950, 8));
  CAF_CHECK_EQUAL(ledger.open_accounts(), 1u);
  CAF_CHECK(!ledger.balance(a1).has_value());
  CAF_CHECK_EQUAL(balance_of(t).spent, amounts(50, 50, 50, 2));
  CAF_CHECK(adds_up(t));
}

CAF_TEST(closing an account with open reservations charges their estimates) {
  auto t = tenant();
  auto root = run(t, amounts(1000, 1000, 1000, 10));
  auto child = run(root, amounts(500, 500, 500, 5));
  auto in_root = ledger.reserve(root, amounts(100, 10, 10, 1));
  auto in_child = ledger.reserve(child, amounts(200, 20, 20, 1));
  auto other_root = run(t, amounts(100, 100, 100, 1));
  auto elsewhere = ledger.reserve(other_root, amounts(5, 5, 5, 1));
  auto closed = ledger.close(root);
  CAF_REQUIRE(closed.ok());
  CAF_CHECK_EQUAL(closed.settled_reservations, 2u);
  CAF_CHECK_EQUAL(closed.spent, amounts(300, 30, 30, 2));
  CAF_CHECK_EQUAL(ledger.open_reservations(), 1u);
  CAF_CHECK(!ledger.commit(in_root.reservation, {}).ok());
  CAF_CHECK(!ledger.refund(in_child.reservation).ok());
  CAF_CHECK(ledger.refund(elsewhere.reservation).ok());
  CAF_CHECK_EQUAL(balance_of(t).spent, amounts(300, 30, 30, 2));
  CAF_CHECK(adds_up(t));
}

CAF_TEST(a child overrun rolls up as overrun and never as spend) {
  auto t = tenant(amounts(1000, 1000, 1000, 10));
  auto root = run(t, amounts(500, 500, 500, 5));
  auto res = ledger.reserve(root, amounts(100, 1, 1, 1));
  auto done = ledger.commit(res.reservation, amounts(800, 1, 1, 1));
  CAF_CHECK_EQUAL(done.overrun.tokens, 300u);
  CAF_CHECK(ledger.close(root).ok());
  auto b = balance_of(t);
  CAF_CHECK_EQUAL(b.spent.tokens, 500u);
  CAF_CHECK_EQUAL(b.overrun.tokens, 300u);
  CAF_CHECK_EQUAL(b.remaining.tokens, 500u);
  CAF_CHECK(!ledger.exhausted(t)); // the tenant itself did not overrun
}

CAF_TEST(a tenant day rolls over at the day boundary) {
  budget_ledger_config cfg;
  cfg.day_length = 10s;
  budget_ledger daily{clock, cfg};
  auto t = daily.open_tenant(amounts(1000, 1000, 1000, 10)).account;
  auto spend = [&](account_id a, std::uint64_t n) {
    auto res = daily.reserve(a, amounts(n, n, n, 1));
    return daily.commit(res.reservation, amounts(n, n, n, 1)).ok();
  };
  CAF_CHECK(spend(t, 700));
  auto open = daily.open_run(t, amounts(200, 200, 200, 2)).account;
  CAF_CHECK(!daily.open_run(t, amounts(200, 1, 1, 1)).opened());
  clock.advance(9s + 999ms);
  CAF_CHECK_EQUAL(daily.balance(t).value_or(budget_balance{}).spent.tokens,
                  700u);
  clock.advance(1ms);
  auto renewed = daily.balance(t).value_or(budget_balance{});
  CAF_CHECK_EQUAL(renewed.spent, budget_amounts{});
  CAF_CHECK_EQUAL(renewed.reserved, amounts(200, 200, 200, 2));
  CAF_CHECK_EQUAL(renewed.remaining, amounts(800, 800, 800, 8));
  // The run opened yesterday is charged today, when it closes.
  CAF_CHECK(spend(open, 50));
  CAF_CHECK(daily.close(open).ok());
  auto after = daily.balance(t).value_or(budget_balance{});
  CAF_CHECK_EQUAL(after.spent, amounts(50, 50, 50, 1));
  CAF_CHECK_EQUAL(after.remaining, amounts(950, 950, 950, 9));
}

CAF_TEST(an overrun tenant recovers at the next day) {
  budget_ledger_config cfg;
  cfg.day_length = 1s;
  budget_ledger daily{clock, cfg};
  auto t = daily.open_tenant(amounts(100, 100, 100, 10)).account;
  auto res = daily.reserve(t, amounts(100, 1, 1, 1));
  CAF_CHECK(daily.commit(res.reservation, amounts(150, 1, 1, 1)).overran());
  CAF_CHECK(daily.exhausted(t));
  clock.advance(1s);
  CAF_CHECK(!daily.exhausted(t));
  CAF_CHECK_EQUAL(daily.balance(t).value_or(budget_balance{}).overrun,
                  budget_amounts{});
}

CAF_TEST(day offset places the first boundary) {
  budget_ledger_config cfg;
  cfg.day_length = 10s;
  cfg.day_offset = 3s;
  budget_ledger daily{clock, cfg};
  auto t = daily.open_tenant(amounts(100, 100, 100, 10)).account;
  auto res = daily.reserve(t, amounts(40, 1, 1, 1));
  CAF_CHECK(daily.commit(res.reservation, amounts(40, 1, 1, 1)).ok());
  clock.advance(2999ms);
  CAF_CHECK_EQUAL(daily.balance(t).value_or(budget_balance{}).spent.tokens,
                  40u);
  clock.advance(1ms);
  CAF_CHECK_EQUAL(daily.balance(t).value_or(budget_balance{}).spent.tokens, 0u);
  CAF_CHECK(daily.config().day_offset == 3s);
}

CAF_TEST(closing a tenant closes all its runs) {
  auto t = tenant();
  auto root = run(t, amounts(10, 10, 10, 1));
  auto child = run(root, amounts(5, 5, 5, 1));
  (void)ledger.reserve(child, amounts(1, 1, 1, 1));
  auto closed = ledger.close(t);
  CAF_REQUIRE(closed.ok());
  CAF_CHECK_EQUAL(closed.closed_accounts, 3u);
  CAF_CHECK_EQUAL(closed.spent, amounts(1, 1, 1, 1));
  CAF_CHECK_EQUAL(ledger.open_accounts(), 0u);
  CAF_CHECK_EQUAL(ledger.open_reservations(), 0u);
}

CAF_TEST(unlimited dimensions never refuse and print as unlimited) {
  auto grant = budget_amounts::no_limit();
  grant.tokens = 100;
  auto t = tenant(grant);
  auto r = run(t, amounts(50, 1'000'000'000'000, 1'000'000, 1'000'000));
  CAF_REQUIRE(r != 0);
  auto b = balance_of(t);
  CAF_CHECK_EQUAL(b.remaining.cost_micros,
                  budget_amounts::unlimited - 1'000'000'000'000);
  CAF_CHECK(adds_up(t));
  CAF_CHECK_EQUAL(to_string(grant), "{tokens=100, cost_micros=unlimited, "
                                    "wall_ms=unlimited, iterations=unlimited}");
}

CAF_TEST(amount arithmetic saturates instead of wrapping) {
  auto x = amounts(5, 0, budget_amounts::unlimited, 7);
  auto y = amounts(3, 2, 1, 7);
  CAF_CHECK_EQUAL(x - y, amounts(2, 0, budget_amounts::unlimited - 1, 0));
  CAF_CHECK_EQUAL(x + y, amounts(8, 2, budget_amounts::unlimited, 14));
  CAF_CHECK_EQUAL(min(x, y), amounts(3, 0, 1, 7));
  CAF_CHECK(y.fits_in(amounts(3, 2, 1, 7)));
  CAF_CHECK(!x.fits_in(y));
  CAF_CHECK(x.first_exceeding(y) ==
            std::optional<budget_dimension>{budget_dimension::tokens});
  CAF_CHECK(y.first_exceeding(x) ==
            std::optional<budget_dimension>{budget_dimension::cost});
  CAF_CHECK(!y.first_exceeding(y).has_value());
  CAF_CHECK_EQUAL(x.get(budget_dimension::wall_time),
                  budget_amounts::unlimited);
  CAF_CHECK_EQUAL(y.get(budget_dimension::cost), 2u);
  CAF_CHECK(budget_amounts{}.is_zero());
  CAF_CHECK(!y.is_zero());
  CAF_CHECK_EQUAL(std::string{to_string(budget_dimension::wall_time)},
                  "wall_time");
  CAF_CHECK_EQUAL(std::string{to_string(budget_refusal_code::invalid_grant)},
                  "invalid_grant");
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

// Uniform in [0, n].
std::uint64_t up_to(random_engine& rng, std::uint64_t n) {
  return n == 0 ? 0 : rng() % (n + 1);
}

budget_amounts random_within(random_engine& rng, const budget_amounts& limit) {
  return {up_to(rng, limit.tokens), up_to(rng, limit.cost_micros),
          up_to(rng, limit.wall_ms), up_to(rng, limit.iterations)};
}

// Mostly within `limit` (scaled down so that accounts last), sometimes just
// above it in one dimension so that refusals happen too.
budget_amounts random_request(random_engine& rng, const budget_amounts& limit) {
  auto x = random_within(rng, {limit.tokens / 3, limit.cost_micros / 3,
                               limit.wall_ms / 3, limit.iterations / 2});
  if (rng() % 5 == 0) {
    switch (rng() % 4) {
    case 0:
      x.tokens = limit.tokens + 1 + up_to(rng, 10);
      break;
    case 1:
      x.cost_micros = limit.cost_micros + 1;
      break;
    case 2:
      x.wall_ms = limit.wall_ms + 1;
      break;
    default:
      x.iterations = limit.iterations + 1;
    }
  }
  return x;
}

// A random actual use: anything from nothing to about twice the estimate.
budget_amounts random_actual(random_engine& rng, const budget_amounts& e) {
  return {up_to(rng, 2 * e.tokens + 20), up_to(rng, 2 * e.cost_micros + 20),
          up_to(rng, 2 * e.wall_ms + 5), up_to(rng, 2 * e.iterations + 1)};
}

// Drives a ledger with random operations over random trees and checks each
// answer against the balances it was given.
struct random_walk {
  struct model_account {
    account_id parent;
    account_id tenant;
  };
  struct model_reservation {
    account_id account;
    budget_amounts estimate;
    bool final_turn;
  };
  struct tenant_totals {
    budget_amounts charged;    // every commit, plus estimates settled by close
    budget_amounts overrun;    // every overrun reported
    budget_amounts past_spent; // spent of days that have ended
    budget_amounts past_overrun;
  };

  random_walk(budget_ledger& ledger_under_test, random_engine& engine)
      : ledger(ledger_under_test), rng(engine) {
    // nop
  }

  budget_ledger& ledger;
  random_engine& rng;
  manual_clock* clock = nullptr; // set: advance time and cross days too
  duration day_length{};
  time_point start{};
  std::map<account_id, model_account> live;
  std::map<reservation_id, model_reservation> open;
  std::map<account_id, tenant_totals> totals;
  int wrong_decisions = 0;
  int violations = 0;

  budget_balance balance(account_id id) {
    auto b = ledger.balance(id);
    if (!b)
      ++violations;
    return b.value_or(budget_balance{});
  }

  void add_tenant(const budget_amounts& grant) {
    auto t = ledger.open_tenant(grant).account;
    live.emplace(t, model_account{0, t});
    totals[t];
  }

  template <class Map>
  typename Map::iterator pick(Map& m) {
    auto i = m.begin();
    std::advance(i, static_cast<long>(rng() % m.size()));
    return i;
  }

  void open_run() {
    auto parent = pick(live);
    auto before = balance(parent->first);
    auto grant = random_request(rng, before.available());
    auto final_turn = random_within(
        rng, {grant.tokens / 4, grant.cost_micros / 4, grant.wall_ms / 4,
              std::min<std::uint64_t>(grant.iterations, 1)});
    bool invalid = rng() % 20 == 0;
    if (invalid)
      final_turn.wall_ms = grant.wall_ms + 1;
    bool expect_ok = !invalid && grant.fits_in(before.available());
    auto d = ledger.open_run(parent->first, grant, final_turn);
    if (d.opened() != expect_ok)
      ++wrong_decisions;
    if (!d.opened() &&
        d.refusal->code != (invalid ? budget_refusal_code::invalid_grant
                                    : budget_refusal_code::insufficient))
      ++wrong_decisions;
    if (d.opened()) {
      // A child never gets more than its parent had available.
      if (!grant.fits_in(before.available()))
        ++violations;
      live.emplace(d.account,
                   model_account{parent->first, parent->second.tenant});
    }
  }

  void reserve() {
    auto acc = pick(live)->first;
    auto before = balance(acc);
    bool final_turn = rng() % 4 == 0;
    auto limit = final_turn ? before.remaining : before.available();
    auto estimate = random_request(rng, limit);
    auto d = final_turn ? ledger.reserve_final_turn(acc, estimate)
                        : ledger.reserve(acc, estimate);
    if (d.admitted() != estimate.fits_in(limit))
      ++wrong_decisions;
    if (d.admitted())
      open.emplace(d.reservation, model_reservation{acc, estimate, final_turn});
  }

  void commit() {
    auto r = pick(open);
    auto acc = r->second.account;
    auto before = balance(acc);
    const auto& e = r->second.estimate;
    auto actual = random_actual(rng, e);
    // What the ledger should do, dimension by dimension.
    budget_amounts cap =
        r->second.final_turn ? before.remaining : before.available();
    auto expected_charged = min(actual, e + min(actual - e, cap));
    auto expected_overrun = actual - e - cap;
    auto d = ledger.commit(r->first, actual);
    if (!d.ok() || d.charged != expected_charged ||
        d.overrun != expected_overrun || d.charged + d.overrun != actual ||
        (d.overran() && !d.exhausted) || d.exhausted != ledger.exhausted(acc))
      ++wrong_decisions;
    auto& t = totals[live.at(acc).tenant];
    t.charged = t.charged + d.charged;
    t.overrun = t.overrun + d.overrun;
    open.erase(r);
  }

  void refund() {
    auto r = pick(open);
    auto d = ledger.refund(r->first);
    if (!d.ok() || d.released != r->second.estimate || !d.charged.is_zero())
      ++wrong_decisions;
    open.erase(r);
  }

  void close(account_id id) {
    // The subtree in the model, and the reservations it still holds.
    std::set<account_id> subtree{id};
    for (bool grew = true; grew;) {
      grew = false;
      for (auto& kv : live)
        if (subtree.count(kv.second.parent) > 0 &&
            subtree.insert(kv.first).second)
          grew = true;
    }
    auto& t = totals[live.at(id).tenant];
    std::size_t held = 0;
    for (auto i = open.begin(); i != open.end();) {
      if (subtree.count(i->second.account) > 0) {
        t.charged = t.charged + i->second.estimate;
        ++held;
        i = open.erase(i);
      } else {
        ++i;
      }
    }
    auto d = ledger.close(id);
    if (!d.ok() || d.closed_accounts != subtree.size() ||
        d.settled_reservations != held)
      ++wrong_decisions;
    for (auto x : subtree)
      live.erase(x);
  }

  void advance() {
    auto t = live.begin()->first; // the first tenant
    auto before = balance(t);
    auto day_before = (clock->now() - start) / day_length;
    clock->advance(std::chrono::milliseconds{up_to(rng, 600)});
    auto day_after = (clock->now() - start) / day_length;
    auto after = balance(t);
    if (day_after != day_before) {
      if (!after.spent.is_zero() || !after.overrun.is_zero())
        ++wrong_decisions;
      totals[t].past_spent = totals[t].past_spent + before.spent;
      totals[t].past_overrun = totals[t].past_overrun + before.overrun;
    } else if (after.spent != before.spent) {
      ++wrong_decisions;
    }
  }

  void step() {
    auto op = rng() % 10;
    if (op < 2) {
      open_run();
    } else if (op < 5) {
      reserve();
    } else if (op < 7 && !open.empty()) {
      commit();
    } else if (op < 8 && !open.empty()) {
      refund();
    } else if (op == 8 && rng() % 2 == 0) {
      auto victim = pick(live);
      if (victim->second.parent != 0)
        close(victim->first);
    } else if (op == 9 && clock != nullptr) {
      advance();
    }
    check_all();
  }

  // Balances never go below zero (no component wraps above the grant) and
  // always add up.
  void check_all() {
    for (auto& kv : live) {
      auto b = balance(kv.first);
      if (b.reserved + b.spent + b.remaining != b.grant ||
          !b.reserved.fits_in(b.grant) || !b.spent.fits_in(b.grant) ||
          !b.remaining.fits_in(b.grant) ||
          !b.final_turn_reserve.fits_in(b.remaining))
        ++violations;
    }
  }

  // Closes every run; each tenant's spend must then be exactly what was
  // charged to its tree.
  void finish() {
    std::vector<account_id> roots;
    for (auto& kv : live)
      if (kv.second.parent == kv.second.tenant && kv.second.parent != 0)
        roots.push_back(kv.first);
    for (auto r : roots)
      close(r);
    // Reservations made on tenants themselves end with a commit.
    while (!open.empty())
      commit();
    for (auto& kv : totals) {
      auto b = balance(kv.first);
      if (b.spent + kv.second.past_spent != kv.second.charged ||
          b.overrun + kv.second.past_overrun != kv.second.overrun ||
          !b.reserved.is_zero() || b.remaining != b.grant - b.spent)
        ++violations;
    }
    if (ledger.open_reservations() != 0 ||
        ledger.open_accounts() != totals.size())
      ++violations;
  }
};

budget_amounts random_grant(random_engine& rng) {
  return {1000 + up_to(rng, 100'000), 1000 + up_to(rng, 1'000'000),
          100 + up_to(rng, 10'000), 5 + up_to(rng, 200)};
}

} // namespace

CAF_TEST(randomized operations over random trees keep every balance whole) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  manual_clock clock;
  auto steps = 0;
  auto wrong_decisions = 0;
  auto violations = 0;
  for (int round = 0; round < 40; ++round) {
    budget_ledger ledger{clock};
    random_walk walk{ledger, rng};
    for (int i = 0; i < 1 + static_cast<int>(rng() % 3); ++i)
      walk.add_tenant(random_grant(rng));
    for (int step = 0; step < 400; ++step, ++steps)
      walk.step();
    walk.finish();
    wrong_decisions += walk.wrong_decisions;
    violations += walk.violations;
  }
  CAF_MESSAGE(steps << " random steps");
  CAF_CHECK_EQUAL(wrong_decisions, 0);
  CAF_CHECK_EQUAL(violations, 0);
}

CAF_TEST(randomized operations across day boundaries charge every commit to
             exactly one day) {
  auto seed = warden::test::test_seed() + 1;
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  manual_clock clock;
  auto days = 0;
  auto wrong_decisions = 0;
  auto violations = 0;
  for (int round = 0; round < 20; ++round) {
    budget_ledger_config cfg;
    cfg.day_length = 1s;
    budget_ledger ledger{clock, cfg};
    random_walk walk{ledger, rng};
    walk.clock = &clock;
    walk.day_length = cfg.day_length;
    walk.start = clock.now();
    walk.add_tenant(random_grant(rng));
    for (int step = 0; step < 400; ++step)
      walk.step();
    walk.finish();
    days += static_cast<int>((clock.now() - walk.start) / cfg.day_length);
    wrong_decisions += walk.wrong_decisions;
    violations += walk.violations;
  }
  CAF_MESSAGE(days << " day boundaries crossed");
  CAF_CHECK(days > 20);
  CAF_CHECK_EQUAL(wrong_decisions, 0);
  CAF_CHECK_EQUAL(violations, 0);
}
