#define CAF_SUITE policies.token_bucket
#include <algorithm>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "policies/clock.hpp"
#include "policies/token_bucket.hpp"
#include "tests/support/seed.hpp"

using namespace warden::policies;
using namespace std::chrono_literals;

namespace {

token_bucket_config per_minute(std::uint64_t rate, std::uint64_t capacity) {
  token_bucket_config cfg;
  cfg.refill_per_minute = rate;
  cfg.capacity = capacity;
  return cfg;
}

struct fixture {
  manual_clock clock;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(token_bucket_tests, fixture)

CAF_TEST(a new bucket starts full and gives out its capacity at once) {
  token_bucket bucket{clock, per_minute(60, 10)};
  CAF_CHECK_EQUAL(bucket.available(), 10);
  auto burst = bucket.try_take(10);
  CAF_CHECK(burst.taken());
  CAF_CHECK_EQUAL(burst.reservation.tokens, 10u);
  CAF_CHECK_EQUAL(bucket.available(), 0);
  auto refused = bucket.try_take(1);
  CAF_CHECK(refused.outcome == take_outcome::wait);
  CAF_CHECK(refused.retry_after == 1s);
  CAF_CHECK_EQUAL(refused.reservation.tokens, 0u);
}

CAF_TEST(
    refill is exact to the nanosecond at a rate that does not divide a minute) {
  // 7 per minute: one token every 8571428571.43 ns.
  token_bucket bucket{clock, per_minute(7, 10)};
  CAF_REQUIRE(bucket.try_take(10).taken());
  clock.advance(8'571'428'571ns);
  CAF_CHECK_EQUAL(bucket.available(), 0);
  CAF_CHECK(bucket.time_until(1) == std::optional<duration>{1ns});
  clock.advance(1ns);
  CAF_CHECK_EQUAL(bucket.available(), 1);
  clock.advance(60s - 8'571'428'572ns);
  CAF_CHECK_EQUAL(bucket.available(), 7);
  clock.advance(1h);
  CAF_CHECK_EQUAL(bucket.available(), 10); // never above capacity
}

CAF_TEST(many small refills add up to exactly one large refill) {
  token_bucket bucket{clock, per_minute(7000, 1'000'000)};
  CAF_REQUIRE(bucket.try_take(1'000'000).taken());
  std::uint64_t taken = 0;
  const std::int64_t steps = 200'000;
  const auto step = 59'999ns; // not a divisor of the token interval
  for (std::int64_t i = 0; i < steps; ++i) {
    clock.advance(step);
    if (bucket.try_take(1).taken())
      ++taken;
  }
  // floor(7000 * 200000 * 59999 / 60e9) = 1399 tokens, none lost.
  auto expected = 7000 * steps * step.count() / 60'000'000'000;
  CAF_CHECK_EQUAL(static_cast<std::int64_t>(taken) + bucket.available(),
                  expected);
  CAF_CHECK_EQUAL(expected, 1399);
}

CAF_TEST(sub token progress survives takes and gets lost only when full) {
  token_bucket bucket{clock, per_minute(60, 10)}; // one per second
  CAF_REQUIRE(bucket.try_take(10).taken());
  clock.advance(1500ms);
  CAF_CHECK(bucket.try_take(1).taken());
  clock.advance(500ms); // the half token from before completes a whole one
  CAF_CHECK(bucket.try_take(1).taken());
  clock.advance(10s + 500ms); // full after 10 s: the half second is lost
  CAF_CHECK(bucket.try_take(10).taken());
  CAF_CHECK(bucket.time_until(1) == std::optional<duration>{1s});
}

CAF_TEST(retry after is exact and taking after waiting it succeeds) {
  token_bucket bucket{clock, per_minute(1000, 100)}; // one per 60 ms
  CAF_REQUIRE(bucket.try_take(95).taken());
  clock.advance(13ms);
  auto refused = bucket.try_take(8); // 5 there, 3 missing, 13 ms progress
  CAF_REQUIRE(refused.outcome == take_outcome::wait);
  CAF_CHECK(refused.retry_after == 3 * 60ms - 13ms);
  CAF_CHECK(bucket.time_until(8) == std::optional<duration>{167ms});
  clock.advance(refused.retry_after - 1ns);
  auto early = bucket.try_take(8);
  CAF_CHECK(early.outcome == take_outcome::wait);
  CAF_CHECK(early.retry_after == 1ns);
  clock.advance(1ns);
  CAF_CHECK(bucket.try_take(8).taken());
}

CAF_TEST(more than the capacity is a distinct refusal) {
  token_bucket bucket{clock, per_minute(600, 50)};
  auto refused = bucket.try_take(51);
  CAF_CHECK(refused.outcome == take_outcome::too_large);
  CAF_CHECK(refused.retry_after == duration::zero());
  CAF_CHECK(bucket.reserve(51).outcome == take_outcome::too_large);
  CAF_CHECK(!bucket.time_until(51).has_value());
  CAF_CHECK_EQUAL(bucket.available(), 50); // nothing was taken
  CAF_CHECK(bucket.try_take(50).taken());
  CAF_CHECK_EQUAL(std::string{to_string(take_outcome::too_large)}, "too_large");
}

CAF_TEST(a zero rate means unlimited) {
  token_bucket bucket{clock, per_minute(0, 0)};
  CAF_CHECK(bucket.unlimited());
  for (int i = 0; i < 3; ++i)
    CAF_CHECK(bucket.try_take(1'000'000'000).taken());
  CAF_CHECK_EQUAL(bucket.available(), std::numeric_limits<std::int64_t>::max());
  CAF_CHECK(bucket.time_until(1'000'000'000'000) ==
            std::optional<duration>{duration::zero()});
  auto r = bucket.reserve(5);
  bucket.reconcile(r.reservation, 1'000'000);
  CAF_CHECK(bucket.try_take(1).taken());
}

CAF_TEST(a zero capacity means one minute of refill) {
  token_bucket bucket{clock, per_minute(120, 0)};
  CAF_CHECK_EQUAL(bucket.capacity(), 120u);
  CAF_CHECK_EQUAL(bucket.refill_per_minute(), 120u);
  CAF_CHECK_EQUAL(bucket.available(), 120);
}

CAF_TEST(reconcile below the estimate gives back the difference but never above
             capacity) {
  token_bucket bucket{clock, per_minute(60, 100)};
  auto r = bucket.reserve(80);
  CAF_REQUIRE(r.taken());
  CAF_CHECK_EQUAL(bucket.available(), 20);
  bucket.reconcile(r.reservation, 30);
  CAF_CHECK_EQUAL(bucket.available(), 70);
  auto small = bucket.reserve(10);
  clock.advance(50s); // refills to 100
  bucket.reconcile(small.reservation, 0);
  CAF_CHECK_EQUAL(bucket.available(), 100);
}

CAF_TEST(reconcile above the estimate goes into debt that must refill first) {
  token_bucket bucket{clock, per_minute(60, 60)}; // one per second
  auto r = bucket.reserve(60);
  CAF_REQUIRE(r.taken());
  bucket.reconcile(r.reservation, 90);
  CAF_CHECK_EQUAL(bucket.available(), -30);
  auto refused = bucket.try_take(1);
  CAF_REQUIRE(refused.outcome == take_outcome::wait);
  CAF_CHECK(refused.retry_after == 31s);
  clock.advance(30s);
  CAF_CHECK_EQUAL(bucket.available(), 0);
  CAF_CHECK(!bucket.try_take(1).taken());
  CAF_CHECK(bucket.try_take(0).taken()); // nothing is always available
  clock.advance(1s);
  CAF_CHECK(bucket.try_take(1).taken());
}

CAF_TEST(huge rates and long idle times stay exact) {
  // 10^15 per minute: the 64-bit product overflows within a few seconds.
  token_bucket bucket{clock, per_minute(1'000'000'000'000'000, 0)};
  CAF_CHECK_EQUAL(bucket.capacity(), 1'000'000'000'000'000u);
  CAF_REQUIRE(bucket.try_take(1'000'000'000'000'000).taken());
  clock.advance(30s);
  CAF_CHECK_EQUAL(bucket.available(), 500'000'000'000'000);
  clock.advance(30s - 1ns);
  CAF_CHECK_EQUAL(bucket.available(), 1'000'000'000'000'000 - 16'667);
  CAF_CHECK(bucket.time_until(1'000'000'000'000'000) ==
            std::optional<duration>{1ns});
  token_bucket slow{clock, per_minute(1, 1)};
  CAF_REQUIRE(slow.try_take(1).taken());
  clock.advance(24h * 365 * 100);
  CAF_CHECK_EQUAL(slow.available(), 1);
}

CAF_TEST(rate limits admit only when both buckets admit) {
  rate_limits_config cfg;
  cfg.requests_per_minute = 60; // one per second, burst 60
  cfg.request_burst = 2;
  cfg.tokens_per_minute = 6000; // 100 per second
  rate_limits limits{clock, cfg};
  auto first = limits.try_acquire(4000);
  CAF_REQUIRE(first.admitted());
  CAF_CHECK_EQUAL(first.reservation.tokens, 4000u);
  // Requests admit (1 left) but tokens lack 3000: 30 s.
  auto refused = limits.try_acquire(5000);
  CAF_REQUIRE(refused.outcome == acquire_outcome::rate_limited);
  CAF_CHECK(refused.retry_after == 30s);
  CAF_CHECK_EQUAL(limits.requests().available(), 1); // neither bucket taken
  CAF_CHECK_EQUAL(limits.tokens().available(), 2000);
  CAF_CHECK(limits.try_acquire(100).admitted());
  // Now requests lack one (1 s) and tokens lack 3100 (31 s): the larger wait.
  auto both = limits.try_acquire(5000);
  CAF_CHECK(both.retry_after == 31s);
  clock.advance(both.retry_after);
  CAF_CHECK(limits.try_acquire(5000).admitted());
  CAF_CHECK(limits.try_acquire(6001).outcome == acquire_outcome::too_large);
  CAF_CHECK_EQUAL(std::string{to_string(acquire_outcome::rate_limited)},
                  "rate_limited");
}

CAF_TEST(rate limits wait on requests alone when tokens are plentiful) {
  rate_limits_config cfg;
  cfg.requests_per_minute = 2;
  cfg.tokens_per_minute = 1'000'000;
  rate_limits limits{clock, cfg};
  CAF_CHECK(limits.try_acquire(10).admitted());
  CAF_CHECK(limits.try_acquire(10).admitted());
  auto refused = limits.try_acquire(10);
  CAF_CHECK(refused.outcome == acquire_outcome::rate_limited);
  CAF_CHECK(refused.retry_after == 30s);
  CAF_CHECK_EQUAL(limits.tokens().available(), 999'980);
}

CAF_TEST(rate limits reconcile the tokens and keep the request counted) {
  rate_limits_config cfg;
  cfg.requests_per_minute = 10;
  cfg.tokens_per_minute = 1000;
  rate_limits limits{clock, cfg};
  auto call = limits.try_acquire(500);
  CAF_REQUIRE(call.admitted());
  limits.reconcile(call.reservation, 200);
  CAF_CHECK_EQUAL(limits.tokens().available(), 800);
  CAF_CHECK_EQUAL(limits.requests().available(), 9);
  auto big = limits.try_acquire(800);
  CAF_REQUIRE(big.admitted());
  limits.reconcile(big.reservation, 1100); // 300 into debt
  CAF_CHECK_EQUAL(limits.tokens().available(), -300);
  auto refused = limits.try_acquire(1);
  CAF_CHECK(refused.retry_after == 18060ms); // 301 tokens at 60 ms each
}

CAF_TEST(a zero rate in rate limits leaves that dimension unlimited) {
  rate_limits_config cfg;
  cfg.tokens_per_minute = 100;
  rate_limits limits{clock, cfg};
  CAF_CHECK(limits.requests().unlimited());
  auto admitted = 0;
  for (int i = 0; i < 100; ++i)
    admitted += limits.try_acquire(1).admitted() ? 1 : 0;
  CAF_CHECK_EQUAL(admitted, 100);
  CAF_CHECK(!limits.try_acquire(1).admitted());
  rate_limits open{clock, rate_limits_config{}};
  CAF_CHECK(open.try_acquire(1'000'000'000).admitted());
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

using int128 = __int128;

constexpr std::int64_t ns_per_minute = 60'000'000'000;

// The continuous bucket, in 1/ns_per_minute fractions of a token: what the
// bucket under test must match exactly at every step.
struct reference_bucket {
  int128 rate;     // fractions added per nanosecond
  int128 capacity; // in fractions
  int128 level;    // in fractions

  reference_bucket(std::uint64_t r, std::uint64_t cap)
      : rate(r), capacity(int128{cap} * ns_per_minute), level(capacity) {
    // nop
  }

  void advance(duration d) {
    level = std::min(capacity, level + rate * d.count());
  }

  std::int64_t available() const {
    // Floor division, also for a negative level.
    auto q = level / ns_per_minute;
    if (level % ns_per_minute < 0)
      --q;
    return static_cast<std::int64_t>(q);
  }

  // Taking nothing always succeeds, even in debt.
  bool try_take(std::uint64_t n) {
    if (n > 0 && level < int128{n} * ns_per_minute)
      return false;
    level -= int128{n} * ns_per_minute;
    return true;
  }

  duration wait_for(std::uint64_t n) const {
    auto missing = int128{n} * ns_per_minute - level;
    if (n == 0 || missing <= 0)
      return duration::zero();
    return duration{static_cast<std::int64_t>((missing + rate - 1) / rate)};
  }

  void reconcile(std::uint64_t estimate, std::uint64_t actual) {
    level += (int128{estimate} - int128{actual}) * ns_per_minute;
    level = std::min(level, capacity);
  }
};

std::uint64_t random_rate(random_engine& rng) {
  switch (rng() % 4) {
  case 0:
    return 1 + rng() % 10;
  case 1:
    return 1 + rng() % 1000;
  case 2:
    return 1 + rng() % 1'000'000;
  default:
    return 1 + rng() % 10'000'000'000'000; // takes the 128-bit path
  }
}

duration random_step(random_engine& rng, std::uint64_t rate) {
  // Around the time of a few tokens, sometimes nothing, sometimes long.
  auto token_ns = static_cast<std::uint64_t>(ns_per_minute) / rate + 1;
  switch (rng() % 5) {
  case 0:
    return duration::zero();
  case 1:
    return duration{static_cast<std::int64_t>(rng() % 1000)};
  case 4:
    return duration{static_cast<std::int64_t>(rng() % (100 * token_ns))};
  default:
    return duration{static_cast<std::int64_t>(rng() % (3 * token_ns))};
  }
}

} // namespace

CAF_TEST(randomized takes and reconciles match a continuous bucket exactly) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  manual_clock clock;
  auto mismatches = 0;
  auto steps = 0;
  for (int round = 0; round < 200; ++round) {
    auto rate = random_rate(rng);
    auto capacity = rng() % 2 == 0 ? 0 : 1 + rng() % (2 * rate);
    token_bucket bucket{clock, per_minute(rate, capacity)};
    reference_bucket model{rate, bucket.capacity()};
    for (int step = 0; step < 300; ++step, ++steps) {
      auto d = random_step(rng, rate);
      clock.advance(d);
      model.advance(d);
      auto n = rng() % (bucket.capacity() + 2); // sometimes too large
      switch (rng() % 3) {
      case 0: {
        auto decision = bucket.try_take(n);
        if (n > bucket.capacity()) {
          if (decision.outcome != take_outcome::too_large)
            ++mismatches;
        } else if (decision.taken() != model.try_take(n) ||
                   (!decision.taken() &&
                    decision.retry_after != model.wait_for(n))) {
          ++mismatches;
        }
        break;
      }
      case 1: {
        auto r = bucket.reserve(n);
        if (r.taken() != (n <= bucket.capacity() && model.try_take(n))) {
          ++mismatches;
          break;
        }
        if (!r.taken())
          break;
        // Some calls take the clock forward before they end.
        if (rng() % 2 == 0) {
          auto call = random_step(rng, rate);
          clock.advance(call);
          model.advance(call);
        }
        auto actual = rng() % 4 == 0 ? n + rng() % (n + 3) : rng() % (n + 1);
        bucket.reconcile(r.reservation, actual);
        model.reconcile(n, actual);
        break;
      }
      default: {
        auto wait = bucket.time_until(n);
        if (n > bucket.capacity() ? wait.has_value()
                                  : wait != model.wait_for(n))
          ++mismatches;
      }
      }
      if (bucket.available() != model.available())
        ++mismatches;
    }
  }
  CAF_MESSAGE(steps << " random steps");
  CAF_CHECK_EQUAL(mismatches, 0);
}

CAF_TEST(randomized takes never grant more than capacity plus refill in any
             interval) {
  auto seed = warden::test::test_seed() + 1;
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  manual_clock clock;
  auto violations = 0;
  auto wrong_waits = 0;
  std::uint64_t granted_total = 0;
  for (int round = 0; round < 40; ++round) {
    auto rate = random_rate(rng);
    auto capacity = rng() % 2 == 0 ? 0 : 1 + rng() % (2 * rate);
    token_bucket bucket{clock, per_minute(rate, capacity)};
    // (instant, tokens) of every grant; reconciles below the estimate count
    // as negative grants, at the instant they give tokens back.
    std::vector<std::pair<std::int64_t, int128>> grants;
    for (int step = 0; step < 500; ++step) {
      clock.advance(random_step(rng, rate));
      auto n = rng() % (bucket.capacity() + 1);
      auto decision = rng() % 2 == 0 ? bucket.try_take(n) : bucket.reserve(n);
      auto now = clock.now().time_since_epoch().count();
      if (decision.taken()) {
        grants.emplace_back(now, n);
        granted_total += n;
        if (rng() % 3 == 0) {
          auto actual = rng() % (n + 1);
          bucket.reconcile(decision.reservation, actual);
          grants.emplace_back(now, -int128{n - actual});
        }
      } else {
        // Waiting exactly retry_after is enough, one nanosecond less is not.
        clock.advance(decision.retry_after - 1ns);
        if (bucket.time_until(n) != std::optional<duration>{1ns})
          ++wrong_waits;
        clock.advance(1ns);
        if (!bucket.try_take(n).taken())
          ++wrong_waits;
        else
          grants.emplace_back(clock.now().time_since_epoch().count(), n);
      }
    }
    // Every interval [grants[i], grants[j]].
    for (std::size_t i = 0; i < grants.size(); ++i) {
      int128 sum = 0;
      for (std::size_t j = i; j < grants.size(); ++j) {
        sum += grants[j].second;
        auto span = grants[j].first - grants[i].first;
        if (sum * ns_per_minute >
            int128{bucket.capacity()} * ns_per_minute + int128{rate} * span)
          ++violations;
      }
    }
  }
  CAF_MESSAGE(granted_total << " tokens granted");
  CAF_CHECK_EQUAL(wrong_waits, 0);
  CAF_CHECK_EQUAL(violations, 0);
}
