#define CAF_SUITE policies.budget_ledger
#include <iterator>
#include <map>
#include <utility>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "policies/budget_ledger.hpp"
#include "policies/clock.hpp"
#include "tests/support/seed.hpp"

using namespace warden::policies;

namespace {

budget_amounts amounts(std::uint64_t tokens, std::uint64_t cost,
                       std::uint64_t wall, std::uint64_t iterations) {
  return budget_amounts{tokens, cost, wall, iterations};
}

// A ledger with plenty of everything, for tests that do not hit a limit.
const budget_amounts big = amounts(1'000'000, 1'000'000, 1'000'000, 1'000);

// Opens a ledger; the test stops when it is refused.
budget_ledger open_ledger(const budget_amounts& grant = big,
                          const budget_amounts& final_turn = {}) {
  auto opened = budget_ledger::open(grant, final_turn);
  CAF_REQUIRE(opened.opened());
  return std::move(*opened.ledger);
}

// Every dimension of a snapshot adds up.
bool adds_up(const budget_ledger& ledger) {
  auto b = ledger.balance();
  return b.reserved + b.spent + b.remaining == b.grant;
}

} // namespace

CAF_TEST(a new ledger has its whole grant remaining) {
  auto ledger = open_ledger(amounts(400, 2000, 100, 4), amounts(40, 0, 10, 1));
  auto b = ledger.balance();
  CAF_CHECK_EQUAL(b.grant, amounts(400, 2000, 100, 4));
  CAF_CHECK_EQUAL(b.remaining, amounts(400, 2000, 100, 4));
  CAF_CHECK_EQUAL(b.reserved, budget_amounts{});
  CAF_CHECK_EQUAL(b.spent, budget_amounts{});
  CAF_CHECK_EQUAL(b.overrun, budget_amounts{});
  CAF_CHECK_EQUAL(b.final_turn_reserve, amounts(40, 0, 10, 1));
  CAF_CHECK_EQUAL(b.available(), amounts(360, 2000, 90, 3));
  CAF_CHECK(!ledger.exhausted());
}

CAF_TEST(a final turn reserve larger than its grant is refused) {
  auto refused =
      budget_ledger::open(amounts(10, 10, 10, 2), amounts(5, 5, 5, 3));
  CAF_REQUIRE(!refused.opened());
  CAF_CHECK(!refused.ledger.has_value());
  CAF_CHECK(refused.refusal->code == budget_refusal_code::invalid_grant);
  CAF_CHECK(refused.refusal->dimension == budget_dimension::iterations);
  CAF_CHECK_EQUAL(refused.refusal->needed, 3u);
  CAF_CHECK_EQUAL(refused.refusal->available, 2u);
  CAF_CHECK_EQUAL(refused.refusal->reason(),
                  "the final-turn reserve of iterations (3) exceeds the grant "
                  "(2)");
  // A reserve as large as the grant is valid.
  CAF_CHECK(budget_ledger::open(amounts(10, 10, 10, 2), amounts(10, 10, 10, 2))
                .opened());
}

CAF_TEST(unknown reservations are refused and change nothing) {
  auto ledger = open_ledger();
  auto held = ledger.reserve(amounts(10, 10, 10, 1));
  CAF_REQUIRE(held.admitted());
  auto before = ledger.balance();
  auto commit = ledger.commit(1234, amounts(1, 1, 1, 1));
  CAF_REQUIRE(!commit.ok());
  CAF_CHECK(commit.refusal->code == budget_refusal_code::unknown_reservation);
  CAF_CHECK_EQUAL(commit.refusal->reservation, 1234u);
  CAF_CHECK_EQUAL(commit.refusal->reason(),
                  "budget reservation 1234 is not open");
  CAF_CHECK_EQUAL(commit.charged, budget_amounts{});
  CAF_CHECK(!ledger.refund(1234).ok());
  CAF_CHECK(!ledger.commit(0, {}).ok());
  auto after = ledger.balance();
  CAF_CHECK_EQUAL(after.reserved, before.reserved);
  CAF_CHECK_EQUAL(after.spent, before.spent);
  CAF_CHECK_EQUAL(after.remaining, before.remaining);
}

CAF_TEST(reserve is refused with the dimension and the numbers) {
  auto ledger = open_ledger(amounts(100, 100, 100, 5));
  auto refused = ledger.reserve(amounts(50, 50, 50, 6));
  CAF_REQUIRE(!refused.admitted());
  CAF_CHECK_EQUAL(refused.reservation, 0u);
  CAF_CHECK(refused.refusal->code == budget_refusal_code::insufficient);
  CAF_CHECK(refused.refusal->dimension == budget_dimension::iterations);
  CAF_CHECK_EQUAL(refused.refusal->needed, 6u);
  CAF_CHECK_EQUAL(refused.refusal->available, 5u);
  CAF_CHECK_EQUAL(refused.refusal->reason(),
                  "the run's budget lacks iterations: needed 6, available 5");
  CAF_CHECK_EQUAL(ledger.balance().reserved, budget_amounts{});
}

CAF_TEST(open reservations share what the ledger has left) {
  auto ledger = open_ledger(amounts(1000, 1000, 1000, 10));
  auto first = ledger.reserve(amounts(600, 100, 100, 1));
  CAF_REQUIRE(first.admitted());
  auto refused = ledger.reserve(amounts(500, 100, 100, 1));
  CAF_REQUIRE(!refused.admitted());
  CAF_CHECK(refused.refusal->dimension == budget_dimension::tokens);
  CAF_CHECK_EQUAL(refused.refusal->available, 400u);
  auto second = ledger.reserve(amounts(400, 100, 100, 1));
  CAF_REQUIRE(second.admitted());
  CAF_CHECK(first.reservation != 0 && second.reservation != 0 &&
            first.reservation != second.reservation);
  CAF_CHECK_EQUAL(ledger.balance().reserved, amounts(1000, 200, 200, 2));
  CAF_CHECK(adds_up(ledger));
}

CAF_TEST(a commit below the estimate returns the difference) {
  auto ledger = open_ledger(amounts(1000, 1000, 1000, 10));
  auto res = ledger.reserve(amounts(300, 200, 100, 1));
  CAF_REQUIRE(res.admitted());
  CAF_CHECK_EQUAL(ledger.balance().reserved, amounts(300, 200, 100, 1));
  CAF_CHECK_EQUAL(ledger.balance().remaining, amounts(700, 800, 900, 9));
  auto done = ledger.commit(res.reservation, amounts(120, 200, 40, 1));
  CAF_REQUIRE(done.ok());
  CAF_CHECK_EQUAL(done.charged, amounts(120, 200, 40, 1));
  CAF_CHECK_EQUAL(done.released, amounts(180, 0, 60, 0));
  CAF_CHECK(!done.overran());
  CAF_CHECK(!done.exhausted);
  auto b = ledger.balance();
  CAF_CHECK_EQUAL(b.reserved, budget_amounts{});
  CAF_CHECK_EQUAL(b.spent, amounts(120, 200, 40, 1));
  CAF_CHECK_EQUAL(b.remaining, amounts(880, 800, 960, 9));
  CAF_CHECK(!ledger.commit(res.reservation, {}).ok()); // settled only once
}

CAF_TEST(a commit above the estimate draws on the remaining budget) {
  auto ledger = open_ledger(amounts(1000, 1000, 1000, 10));
  auto res = ledger.reserve(amounts(100, 100, 100, 1));
  auto done = ledger.commit(res.reservation, amounts(250, 100, 100, 2));
  CAF_CHECK_EQUAL(done.charged, amounts(250, 100, 100, 2));
  CAF_CHECK_EQUAL(done.overrun, budget_amounts{});
  CAF_CHECK_EQUAL(ledger.balance().remaining, amounts(750, 900, 900, 8));
  CAF_CHECK(adds_up(ledger));
}

CAF_TEST(a commit beyond the remaining budget charges what is there and reports
             the overrun) {
  auto ledger = open_ledger(amounts(1000, 1000, 1000, 10));
  auto first = ledger.reserve(amounts(500, 10, 10, 1));
  auto second = ledger.reserve(amounts(300, 10, 10, 1));
  auto done = ledger.commit(first.reservation, amounts(900, 10, 10, 1));
  CAF_REQUIRE(done.ok());
  // 500 reserved, 200 left unreserved; 200 of the 400 extra cannot be met.
  CAF_CHECK_EQUAL(done.charged, amounts(700, 10, 10, 1));
  CAF_CHECK_EQUAL(done.overrun, amounts(200, 0, 0, 0));
  CAF_CHECK(done.overran());
  CAF_CHECK(done.exhausted);
  CAF_CHECK(ledger.exhausted());
  auto b = ledger.balance();
  CAF_CHECK_EQUAL(b.remaining.tokens, 0u);
  CAF_CHECK_EQUAL(b.reserved.tokens, 300u); // the other call is untouched
  CAF_CHECK_EQUAL(b.overrun, amounts(200, 0, 0, 0));
  CAF_CHECK(adds_up(ledger));
  CAF_CHECK(ledger.commit(second.reservation, amounts(300, 10, 10, 1)).ok());
  CAF_CHECK_EQUAL(ledger.balance().spent.tokens, 1000u);
  CAF_CHECK(!ledger.reserve(amounts(1, 0, 0, 0)).admitted());
}

CAF_TEST(a refund releases the whole reservation and spends nothing) {
  auto ledger = open_ledger(amounts(100, 100, 100, 3));
  auto res = ledger.reserve(amounts(60, 60, 60, 1));
  auto done = ledger.refund(res.reservation);
  CAF_REQUIRE(done.ok());
  CAF_CHECK_EQUAL(done.released, amounts(60, 60, 60, 1));
  CAF_CHECK_EQUAL(done.charged, budget_amounts{});
  CAF_CHECK_EQUAL(ledger.balance().remaining, amounts(100, 100, 100, 3));
  CAF_CHECK_EQUAL(ledger.balance().spent, budget_amounts{});
  CAF_CHECK(!ledger.refund(res.reservation).ok());
}

CAF_TEST(ordinary reserves cannot touch the final turn reserve) {
  auto ledger =
      open_ledger(amounts(1000, 1000, 1000, 10), amounts(200, 100, 0, 1));
  auto b = ledger.balance();
  CAF_CHECK_EQUAL(b.final_turn_reserve, amounts(200, 100, 0, 1));
  CAF_CHECK_EQUAL(b.available(), amounts(800, 900, 1000, 9));
  auto refused = ledger.reserve(amounts(801, 1, 1, 1));
  CAF_REQUIRE(!refused.admitted());
  CAF_CHECK_EQUAL(refused.refusal->available, 800u);
  auto ordinary = ledger.reserve(amounts(800, 1, 1, 1));
  CAF_REQUIRE(ordinary.admitted());
  // The estimate was low: the excess meets the reserve and becomes overrun.
  auto done = ledger.commit(ordinary.reservation, amounts(900, 1, 1, 1));
  CAF_CHECK_EQUAL(done.overrun.tokens, 100u);
  CAF_CHECK(done.exhausted);
  CAF_CHECK_EQUAL(ledger.balance().final_turn_reserve.tokens, 200u);
  // The run can still produce its answer.
  auto last = ledger.reserve_final_turn(amounts(150, 50, 10, 1));
  CAF_REQUIRE(last.admitted());
  auto answered = ledger.commit(last.reservation, amounts(230, 50, 10, 1));
  CAF_CHECK_EQUAL(answered.charged.tokens, 200u);
  CAF_CHECK_EQUAL(answered.overrun.tokens, 30u);
  CAF_CHECK_EQUAL(ledger.balance().remaining.tokens, 0u);
  CAF_CHECK_EQUAL(ledger.balance().overrun.tokens, 130u);
  CAF_CHECK(adds_up(ledger));
}

CAF_TEST(
    a run is exhausted when nothing is left outside its final turn reserve) {
  auto ledger =
      open_ledger(amounts(1000, 1000, 1000, 4), amounts(100, 0, 0, 1));
  // Reservations alone do not exhaust it: they may still be refunded.
  auto everything = ledger.reserve(ledger.balance().available());
  CAF_REQUIRE(everything.admitted());
  CAF_CHECK(!ledger.exhausted());
  CAF_CHECK(ledger.refund(everything.reservation).ok());
  for (int i = 0; i < 3; ++i) {
    CAF_CHECK(!ledger.exhausted());
    auto res = ledger.reserve(amounts(10, 10, 10, 1));
    CAF_CHECK(
        !ledger.commit(res.reservation, amounts(10, 10, 10, 1)).exhausted ||
        i == 2);
  }
  CAF_CHECK(ledger.exhausted()); // 3 of 4 iterations spent, 1 held back
  CAF_CHECK(ledger.reserve_final_turn(amounts(10, 10, 10, 1)).admitted());
}

CAF_TEST(unlimited dimensions never refuse and print as unlimited) {
  auto grant = budget_amounts::no_limit();
  grant.tokens = 100;
  auto ledger = open_ledger(grant);
  auto res =
      ledger.reserve(amounts(50, 1'000'000'000'000, 1'000'000, 1'000'000));
  CAF_REQUIRE(res.admitted());
  auto b = ledger.balance();
  CAF_CHECK_EQUAL(b.remaining.cost_micros,
                  budget_amounts::unlimited - 1'000'000'000'000);
  CAF_CHECK(adds_up(ledger));
  auto done = ledger.commit(
      res.reservation, amounts(50, 3'000'000'000'000, 1'000'000, 1'000'000));
  CAF_CHECK_EQUAL(done.charged.cost_micros, 3'000'000'000'000u);
  CAF_CHECK(!done.overran());
  CAF_CHECK(adds_up(ledger));
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

namespace {

// Uniform in [0, n].
std::uint64_t up_to(random_engine& rng, std::uint64_t n) {
  return n == budget_amounts::unlimited ? rng() : rng() % (n + 1);
}

budget_amounts random_within(random_engine& rng, const budget_amounts& limit) {
  return {up_to(rng, limit.tokens), up_to(rng, limit.cost_micros),
          up_to(rng, limit.wall_ms), up_to(rng, limit.iterations)};
}

// Mostly within `limit` (scaled down so that the budget lasts), sometimes
// just above it in one dimension so that refusals happen too.
budget_amounts random_request(random_engine& rng, const budget_amounts& limit) {
  auto x = random_within(rng, {limit.tokens / 3, limit.cost_micros / 3,
                               limit.wall_ms / 3, limit.iterations / 2});
  auto above = [](std::uint64_t n) {
    return n == budget_amounts::unlimited ? n : n + 1;
  };
  if (rng() % 5 == 0) {
    switch (rng() % 4) {
    case 0:
      x.tokens = above(limit.tokens);
      break;
    case 1:
      x.cost_micros = above(limit.cost_micros);
      break;
    case 2:
      x.wall_ms = above(limit.wall_ms);
      break;
    default:
      x.iterations = above(limit.iterations);
    }
  }
  return x;
}

// A random actual use: anything from nothing to about twice the estimate.
budget_amounts random_actual(random_engine& rng, const budget_amounts& e) {
  return random_within(rng, e + e + budget_amounts{20, 20, 5, 1});
}

// A random grant; now and then a dimension is unlimited.
budget_amounts random_grant(random_engine& rng) {
  budget_amounts grant{1000 + up_to(rng, 100'000), 1000 + up_to(rng, 1'000'000),
                       100 + up_to(rng, 10'000), 5 + up_to(rng, 200)};
  if (rng() % 4 == 0)
    grant.cost_micros = budget_amounts::unlimited;
  if (rng() % 4 == 0)
    grant.wall_ms = budget_amounts::unlimited;
  return grant;
}

// Drives a ledger with random operations and checks every answer and every
// balance against a model of its own.
struct random_walk {
  struct model_reservation {
    budget_amounts estimate;
    bool final_turn;
  };

  random_walk(budget_ledger& ledger_under_test, random_engine& engine,
              const budget_amounts& grant_value,
              const budget_amounts& final_turn_value)
      : ledger(ledger_under_test),
        rng(engine),
        grant(grant_value),
        final_turn(final_turn_value) {
    // nop
  }

  budget_ledger& ledger;
  random_engine& rng;
  budget_amounts grant;
  budget_amounts final_turn;
  // The model: what the ledger must hold.
  budget_amounts reserved;
  budget_amounts spent;
  budget_amounts overrun;
  std::map<reservation_id, model_reservation> open;
  std::vector<reservation_id> settled;
  int wrong_decisions = 0;
  int violations = 0;

  budget_amounts remaining() const { return grant - reserved - spent; }

  budget_amounts available() const { return remaining() - final_turn; }

  // Overran, or some dimension has nothing left outside the final-turn
  // reserve once the reservations are settled.
  bool exhausted() const {
    auto left = grant - spent - final_turn;
    return !overrun.is_zero() || left.tokens == 0 || left.cost_micros == 0 ||
           left.wall_ms == 0 || left.iterations == 0;
  }

  template <class Map>
  typename Map::iterator pick(Map& m) {
    auto i = m.begin();
    std::advance(i, static_cast<long>(rng() % m.size()));
    return i;
  }

  void reserve() {
    bool final_call = rng() % 4 == 0;
    auto limit = final_call ? remaining() : available();
    auto estimate = random_request(rng, limit);
    auto d = final_call ? ledger.reserve_final_turn(estimate)
                        : ledger.reserve(estimate);
    if (d.admitted() != estimate.fits_in(limit))
      ++wrong_decisions;
    if (d.admitted()) {
      if (d.reservation == 0 || open.count(d.reservation) > 0)
        ++wrong_decisions;
      open.emplace(d.reservation, model_reservation{estimate, final_call});
      reserved = reserved + estimate;
    } else {
      auto lacking = estimate.first_exceeding(limit);
      if (d.reservation != 0 ||
          d.refusal->code != budget_refusal_code::insufficient ||
          lacking != std::optional<budget_dimension>{d.refusal->dimension} ||
          d.refusal->needed != estimate.get(*lacking) ||
          d.refusal->available != limit.get(*lacking))
        ++wrong_decisions;
    }
  }

  void commit() {
    auto r = pick(open);
    const auto& e = r->second.estimate;
    auto actual = random_actual(rng, e);
    // What the ledger should do, dimension by dimension.
    auto cap = r->second.final_turn ? remaining() : available();
    auto expected_charged = min(actual, e + min(actual - e, cap));
    auto expected_overrun = actual - e - cap;
    auto d = ledger.commit(r->first, actual);
    reserved = reserved - e;
    spent = spent + expected_charged;
    overrun = overrun + expected_overrun;
    if (!d.ok() || d.charged != expected_charged ||
        d.overrun != expected_overrun || d.released != e - actual ||
        d.charged + d.overrun != actual || (d.overran() && !d.exhausted) ||
        d.exhausted != exhausted())
      ++wrong_decisions;
    settled.push_back(r->first);
    open.erase(r);
  }

  void refund() {
    auto r = pick(open);
    auto d = ledger.refund(r->first);
    reserved = reserved - r->second.estimate;
    if (!d.ok() || d.released != r->second.estimate || !d.charged.is_zero() ||
        !d.overrun.is_zero() || d.exhausted != exhausted())
      ++wrong_decisions;
    settled.push_back(r->first);
    open.erase(r);
  }

  // Settling a reservation again, or one never handed out, changes nothing.
  void settle_unknown() {
    auto id =
        settled.empty() || rng() % 4 == 0 ? reservation_id{0} : *pick(settled);
    auto d =
        rng() % 2 == 0 ? ledger.commit(id, {1, 1, 1, 1}) : ledger.refund(id);
    if (d.ok() || d.refusal->code != budget_refusal_code::unknown_reservation ||
        d.refusal->reservation != id || !d.charged.is_zero())
      ++wrong_decisions;
  }

  void step() {
    auto op = rng() % 10;
    if (op < 4) {
      reserve();
    } else if (op < 7 && !open.empty()) {
      commit();
    } else if (op < 9 && !open.empty()) {
      refund();
    } else if (op == 9) {
      settle_unknown();
    }
    check();
  }

  // The balance is the model's: never below zero (no component wraps above
  // the grant), always adding up.
  void check() {
    auto b = ledger.balance();
    if (b.grant != grant || b.reserved != reserved || b.spent != spent ||
        b.remaining != remaining() || b.overrun != overrun ||
        b.final_turn_reserve != min(final_turn, remaining()) ||
        b.reserved + b.spent + b.remaining != b.grant ||
        !b.reserved.fits_in(b.grant) || !b.spent.fits_in(b.grant) ||
        !b.remaining.fits_in(b.grant) ||
        !b.final_turn_reserve.fits_in(b.remaining) ||
        ledger.exhausted() != exhausted())
      ++violations;
  }

  // Commits what is still open; then nothing is reserved and spent is
  // exactly what the commits charged.
  void finish() {
    while (!open.empty())
      commit();
    check();
    auto b = ledger.balance();
    if (!b.reserved.is_zero() || b.remaining != b.grant - b.spent)
      ++violations;
  }
};

} // namespace

CAF_TEST(randomized operations keep the balance whole) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  auto steps = 0;
  auto refused_opens = 0;
  auto wrong_decisions = 0;
  auto violations = 0;
  for (int round = 0; round < 40; ++round) {
    auto grant = random_grant(rng);
    auto final_turn = random_within(
        rng, {grant.tokens / 4, grant.cost_micros / 4, grant.wall_ms / 4,
              std::min<std::uint64_t>(grant.iterations, 1)});
    if (rng() % 5 == 0) {
      // A reserve above the grant in one dimension is refused.
      auto invalid = final_turn;
      invalid.tokens = grant.tokens + 1;
      auto refused = budget_ledger::open(grant, invalid);
      if (refused.opened() ||
          refused.refusal->code != budget_refusal_code::invalid_grant ||
          refused.refusal->dimension != budget_dimension::tokens)
        ++wrong_decisions;
      ++refused_opens;
    }
    auto opened = budget_ledger::open(grant, final_turn);
    CAF_REQUIRE(opened.opened());
    random_walk walk{*opened.ledger, rng, grant, final_turn};
    walk.check();
    for (int step = 0; step < 400; ++step, ++steps)
      walk.step();
    walk.finish();
    wrong_decisions += walk.wrong_decisions;
    violations += walk.violations;
  }
  CAF_MESSAGE(steps << " random steps, " << refused_opens
                    << " invalid grants refused");
  CAF_CHECK_EQUAL(wrong_decisions, 0);
  CAF_CHECK_EQUAL(violations, 0);
}
