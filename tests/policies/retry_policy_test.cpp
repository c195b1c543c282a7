#define CAF_SUITE policies.retry_policy
#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "policies/clock.hpp"
#include "policies/retry_policy.hpp"
#include "tests/support/seed.hpp"

using namespace warden::policies;
using namespace std::chrono_literals;

namespace {

/// A policy whose budget never binds, with caps 100 ms, 200 ms, ... 1 s.
retry_policy_config unbudgeted() {
  retry_policy_config cfg;
  cfg.max_attempts = 10;
  cfg.initial_backoff = 100ms;
  cfg.max_backoff = 1s;
  cfg.multiplier = 2.0;
  cfg.max_elapsed = 1h;
  cfg.budget_ratio = 0.0;
  cfg.min_retries_per_window = 1'000'000;
  return cfg;
}

/// A policy whose only limit is the budget.
retry_policy_config budgeted(double ratio, std::uint32_t floor) {
  auto cfg = unbudgeted();
  cfg.max_attempts = 1'000;
  cfg.budget_ratio = ratio;
  cfg.min_retries_per_window = floor;
  cfg.budget_window = 10s;
  cfg.budget_buckets = 10;
  return cfg;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST(to_string names every error class and give up reason) {
  CAF_CHECK_EQUAL(std::string{to_string(error_class::transient)}, "transient");
  CAF_CHECK_EQUAL(std::string{to_string(error_class::timeout)}, "timeout");
  CAF_CHECK_EQUAL(std::string{to_string(error_class::rate_limited)},
                  "rate_limited");
  CAF_CHECK_EQUAL(std::string{to_string(error_class::permanent)}, "permanent");
  CAF_CHECK_EQUAL(std::string{to_string(error_class::cancelled)}, "cancelled");
  CAF_CHECK_EQUAL(std::string{to_string(give_up_reason::not_retryable)},
                  "not_retryable");
  CAF_CHECK_EQUAL(std::string{to_string(give_up_reason::attempts_exhausted)},
                  "attempts_exhausted");
  CAF_CHECK_EQUAL(std::string{to_string(give_up_reason::elapsed_exhausted)},
                  "elapsed_exhausted");
  CAF_CHECK_EQUAL(std::string{to_string(give_up_reason::budget_exhausted)},
                  "budget_exhausted");
}

CAF_TEST(transient timeout and rate_limited errors are retried by default) {
  manual_clock clk;
  random_engine rng{1};
  retry_policy policy{unbudgeted(), clk, rng};
  for (auto e : {error_class::transient, error_class::timeout,
                 error_class::rate_limited}) {
    auto call = policy.record_call();
    auto d = policy.decide(call, e);
    CAF_CHECK(d.retry());
    CAF_CHECK(d.reason.empty());
    CAF_CHECK(policy.retryable(e));
  }
  CAF_CHECK_EQUAL(policy.retries_in_window(), 3u);
}

CAF_TEST(permanent and cancelled errors are never retried) {
  manual_clock clk;
  random_engine rng{1};
  retry_policy policy{unbudgeted(), clk, rng};
  auto call = policy.record_call();
  for (auto e : {error_class::permanent, error_class::cancelled}) {
    auto d = policy.decide(call, e);
    CAF_CHECK(!d.retry());
    CAF_CHECK(d.give_up == give_up_reason::not_retryable);
    CAF_CHECK(contains(d.reason, to_string(e)));
    CAF_CHECK(contains(d.reason, "never"));
    CAF_CHECK(!policy.retryable(e));
  }
}

CAF_TEST(the config can refuse timeouts for calls that are not idempotent) {
  manual_clock clk;
  random_engine rng{1};
  auto cfg = unbudgeted();
  cfg.retry_timeout = false;
  retry_policy policy{cfg, clk, rng};
  auto call = policy.record_call();
  auto d = policy.decide(call, error_class::timeout);
  CAF_CHECK(d.give_up == give_up_reason::not_retryable);
  CAF_CHECK(contains(d.reason, "timeout"));
  CAF_CHECK(contains(d.reason, "not retried by this policy"));
  CAF_CHECK(policy.decide(call, error_class::transient).retry());
  CAF_CHECK(policy.decide(call, error_class::rate_limited).retry());
}

CAF_TEST(the config can refuse transient and rate_limited errors) {
  manual_clock clk;
  random_engine rng{1};
  auto cfg = unbudgeted();
  cfg.retry_transient = false;
  cfg.retry_rate_limited = false;
  retry_policy policy{cfg, clk, rng};
  auto call = policy.record_call();
  CAF_CHECK(policy.decide(call, error_class::transient).give_up ==
            give_up_reason::not_retryable);
  CAF_CHECK(policy.decide(call, error_class::rate_limited, 1s).give_up ==
            give_up_reason::not_retryable);
  CAF_CHECK(policy.decide(call, error_class::timeout).retry());
}

CAF_TEST(giving up spends no budget and draws no randomness) {
  manual_clock clk;
  random_engine rng{7};
  auto untouched = rng;
  auto cfg = unbudgeted();
  cfg.max_attempts = 2;
  retry_policy policy{cfg, clk, rng};
  auto call = policy.record_call();
  CAF_CHECK(!policy.decide(call, error_class::permanent).retry());
  call.attempt = 2;
  CAF_CHECK(!policy.decide(call, error_class::transient).retry());
  CAF_CHECK_EQUAL(policy.retries_in_window(), 0u);
  CAF_CHECK(rng == untouched);
}

CAF_TEST(backoff caps grow by the multiplier up to max_backoff) {
  manual_clock clk;
  random_engine rng{1};
  retry_policy policy{unbudgeted(), clk, rng};
  std::vector<duration> expected{100ms, 200ms, 400ms, 800ms, 1s, 1s};
  for (std::uint32_t attempt = 1; attempt <= expected.size(); ++attempt)
    CAF_CHECK_EQUAL(policy.backoff_cap(attempt).count(),
                    expected[attempt - 1].count());
  CAF_CHECK_EQUAL(policy.backoff_cap(4'000'000'000u).count(),
                  duration{1s}.count());
  auto flat = unbudgeted();
  flat.multiplier = 1.0;
  retry_policy constant{flat, clk, rng};
  CAF_CHECK_EQUAL(constant.backoff_cap(9).count(), duration{100ms}.count());
}

CAF_TEST(delays are uniform within the full jitter bounds of each attempt) {
  manual_clock clk;
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  retry_policy policy{unbudgeted(), clk, rng};
  auto out_of_bounds = 0;
  auto poorly_spread = 0;
  for (std::uint32_t attempt = 1; attempt <= 7; ++attempt) {
    auto cap = policy.backoff_cap(attempt);
    duration lowest = cap;
    duration highest{0};
    double sum = 0;
    const int draws = 2000;
    for (int i = 0; i < draws; ++i) {
      auto call = policy.record_call();
      call.attempt = attempt;
      auto d = policy.decide(call, error_class::transient);
      if (!d.retry() || d.delay < duration{0} || d.delay > cap)
        ++out_of_bounds;
      lowest = std::min(lowest, d.delay);
      highest = std::max(highest, d.delay);
      sum += static_cast<double>(d.delay.count());
    }
    auto c = static_cast<double>(cap.count());
    auto mean = sum / draws;
    if (static_cast<double>(lowest.count()) > 0.01 * c ||
        static_cast<double>(highest.count()) < 0.99 * c || mean < 0.45 * c ||
        mean > 0.55 * c)
      ++poorly_spread;
  }
  CAF_CHECK_EQUAL(out_of_bounds, 0);
  CAF_CHECK_EQUAL(poorly_spread, 0);
}

CAF_TEST(max_attempts counts the first attempt) {
  manual_clock clk;
  random_engine rng{1};
  auto cfg = unbudgeted();
  cfg.max_attempts = 3;
  retry_policy policy{cfg, clk, rng};
  auto call = policy.record_call();
  CAF_CHECK(policy.decide(call, error_class::transient).retry());
  call.attempt = 2;
  CAF_CHECK(policy.decide(call, error_class::transient).retry());
  call.attempt = 3;
  auto d = policy.decide(call, error_class::transient);
  CAF_CHECK(d.give_up == give_up_reason::attempts_exhausted);
  CAF_CHECK(contains(d.reason, "attempt 3"));
  CAF_CHECK(contains(d.reason, "max_attempts is 3"));
  cfg.max_attempts = 1;
  retry_policy once{cfg, clk, rng};
  CAF_CHECK(once.decide(once.record_call(), error_class::timeout).give_up ==
            give_up_reason::attempts_exhausted);
}

CAF_TEST(no retry starts past max_elapsed) {
  manual_clock clk;
  random_engine rng{1};
  auto cfg = unbudgeted();
  cfg.initial_backoff = 8s;
  cfg.max_backoff = 8s;
  cfg.max_elapsed = 10s;
  retry_policy policy{cfg, clk, rng};
  auto call = policy.record_call();
  clk.advance(9s);
  auto wrong = 0;
  for (int i = 0; i < 200; ++i) {
    auto d = policy.decide(call, error_class::transient);
    if (!d.retry() || d.delay > 1s)
      ++wrong;
  }
  CAF_CHECK_EQUAL(wrong, 0);
  clk.advance(1s); // exactly at the deadline: only an immediate retry fits
  auto last = policy.decide(call, error_class::transient);
  CAF_CHECK(last.retry());
  CAF_CHECK_EQUAL(last.delay.count(), 0);
  clk.advance(1ns);
  auto late = policy.decide(call, error_class::transient);
  CAF_CHECK(late.give_up == give_up_reason::elapsed_exhausted);
  CAF_CHECK(contains(late.reason, "max_elapsed 10000 ms"));
}

CAF_TEST(a retry after waits at least the time the dependency asked for) {
  manual_clock clk;
  random_engine rng{3};
  retry_policy policy{unbudgeted(), clk, rng};
  auto wrong = 0;
  auto spread = 0; // callers told the same retry-after must not all return
  for (int i = 0; i < 500; ++i) {
    auto call = policy.record_call();
    call.attempt = static_cast<std::uint32_t>(1 + i % 5);
    auto d = policy.decide(call, error_class::rate_limited, 5s);
    auto cap = policy.backoff_cap(call.attempt);
    if (!d.retry() || d.delay < 5s || d.delay > 5s + cap)
      ++wrong;
    if (d.delay > 5s + cap / 2)
      ++spread;
    // A server-sent retry-after is honoured whatever the class.
    auto t = policy.decide(call, error_class::transient, 3s);
    if (!t.retry() || t.delay < 3s)
      ++wrong;
  }
  CAF_CHECK_EQUAL(wrong, 0);
  CAF_CHECK(spread > 100);
  auto call = policy.record_call();
  auto negative = policy.decide(call, error_class::rate_limited, -5s);
  CAF_CHECK(negative.retry());
  CAF_CHECK(negative.delay <= policy.backoff_cap(1));
}

CAF_TEST(a retry after beyond the elapsed budget gives up and says so) {
  manual_clock clk;
  random_engine rng{1};
  auto cfg = unbudgeted();
  cfg.max_elapsed = 60s;
  retry_policy policy{cfg, clk, rng};
  auto call = policy.record_call();
  clk.advance(50s);
  auto d = policy.decide(call, error_class::rate_limited, 11s);
  CAF_CHECK(d.give_up == give_up_reason::elapsed_exhausted);
  CAF_CHECK(contains(d.reason, "retry-after of 11000 ms"));
  CAF_CHECK(contains(d.reason, "10000 ms left"));
  CAF_CHECK_EQUAL(d.delay.count(), 0);
  // A retry-after that just fits is taken, and the jitter is cut at the
  // deadline.
  auto fits = policy.decide(call, error_class::rate_limited, 10s);
  CAF_CHECK(fits.retry());
  CAF_CHECK_EQUAL(fits.delay.count(), duration{10s}.count());
  // Waiting as asked spends nothing of the budget.
  CAF_CHECK_EQUAL(policy.retries_in_window(), 0u);
}

CAF_TEST(the budget floor lets low traffic retry) {
  manual_clock clk;
  random_engine rng{1};
  retry_policy policy{budgeted(0.1, 3), clk, rng};
  auto call = policy.record_call();
  for (int i = 0; i < 3; ++i)
    CAF_CHECK(policy.decide(call, error_class::transient).retry());
  auto d = policy.decide(call, error_class::transient);
  CAF_CHECK(d.give_up == give_up_reason::budget_exhausted);
  CAF_CHECK(contains(d.reason, "3 retries against 1 calls"));
  CAF_CHECK_EQUAL(policy.retries_in_window(), 3u);
}

CAF_TEST(waiting as a rate limit asked spends no budget) {
  manual_clock clk;
  random_engine rng{1};
  retry_policy policy{budgeted(0.1, 3), clk, rng};
  auto call = policy.record_call();
  // 64 callers told "retry after 2 s": each may wait and try again.
  for (int i = 0; i < 64; ++i)
    CAF_CHECK(policy.decide(call, error_class::rate_limited, 2s).retry());
  CAF_CHECK_EQUAL(policy.retries_in_window(), 0u);
  // Without a named wait a rate limit is a retry like any other.
  for (int i = 0; i < 3; ++i)
    CAF_CHECK(policy.decide(call, error_class::rate_limited).retry());
  auto d = policy.decide(call, error_class::rate_limited);
  CAF_CHECK(d.give_up == give_up_reason::budget_exhausted);
}

CAF_TEST(the budget grows with the calls in the window) {
  manual_clock clk;
  random_engine rng{1};
  retry_policy policy{budgeted(0.5, 0), clk, rng};
  attempt_state call;
  for (int i = 0; i < 10; ++i)
    call = policy.record_call();
  CAF_CHECK_EQUAL(policy.calls_in_window(), 10u);
  auto granted = 0;
  while (policy.decide(call, error_class::timeout).retry() && granted < 100)
    ++granted;
  CAF_CHECK_EQUAL(granted, 5);
  call = policy.record_call();
  CAF_CHECK(!policy.decide(call, error_class::timeout).retry());
  call = policy.record_call(); // 12 calls: a sixth retry fits
  CAF_CHECK(policy.decide(call, error_class::timeout).retry());
}

CAF_TEST(the budget window forgets old calls and old retries) {
  manual_clock clk; // on a whole second: buckets of 1 s align with it
  random_engine rng{1};
  retry_policy policy{budgeted(1.0, 0), clk, rng};
  auto call = policy.record_call();
  clk.advance(500ms);
  CAF_CHECK(policy.decide(call, error_class::transient).retry());
  CAF_CHECK(!policy.decide(call, error_class::transient).retry());
  // A call counts while its bucket lies wholly in the last 10 s (until 10 s),
  // a retry while its bucket overlaps them (until 11 s).
  clk.advance(9s + 500ms - 1ns); // just before 10 s
  CAF_CHECK_EQUAL(policy.calls_in_window(), 1u);
  clk.advance(1ns); // 10 s
  CAF_CHECK_EQUAL(policy.calls_in_window(), 0u);
  CAF_CHECK_EQUAL(policy.retries_in_window(), 1u);
  call = policy.record_call();
  CAF_CHECK(!policy.decide(call, error_class::transient).retry());
  clk.advance(1s - 1ns);
  CAF_CHECK_EQUAL(policy.retries_in_window(), 1u);
  CAF_CHECK(!policy.decide(call, error_class::transient).retry());
  clk.advance(1ns); // 11 s
  CAF_CHECK_EQUAL(policy.retries_in_window(), 0u);
  CAF_CHECK_EQUAL(policy.calls_in_window(), 1u);
  CAF_CHECK(policy.decide(call, error_class::transient).retry());
}

CAF_TEST(the same seed gives the same delays and another seed does not ) {
  auto run = [](std::uint64_t seed) {
    manual_clock clk;
    random_engine rng{seed};
    retry_policy policy{unbudgeted(), clk, rng};
    std::vector<duration::rep> delays;
    for (std::uint32_t i = 0; i < 50; ++i) {
      auto call = policy.record_call();
      call.attempt = 1 + i % 6;
      delays.push_back(
          policy.decide(call, error_class::transient).delay.count());
      clk.advance(10ms);
    }
    return delays;
  };
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  CAF_CHECK(run(seed) == run(seed));
  CAF_CHECK(run(seed) != run(seed + 1));
}

CAF_TEST(
    randomized failure bursts never retry beyond the budget of any window) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  auto violations = 0;
  auto granted = 0;
  auto refused_by_budget = 0;
  for (int round = 0; round < 40; ++round) {
    auto cfg = budgeted(static_cast<double>(rng() % 6) / 10.0,
                        static_cast<std::uint32_t>(rng() % 6));
    cfg.budget_buckets = static_cast<std::uint32_t>(1 + rng() % 10);
    cfg.budget_window = std::chrono::seconds{1 + rng() % 10};
    cfg.max_attempts = static_cast<std::uint32_t>(2 + rng() % 5);
    cfg.initial_backoff = 10ms;
    cfg.max_backoff = 500ms;
    manual_clock clk;
    clk.advance(std::chrono::milliseconds{rng() % 1000});
    random_engine jitter{rng()};
    retry_policy policy{cfg, clk, jitter};
    std::deque<time_point> calls;   // first attempts, oldest first
    std::deque<time_point> retries; // granted retries, oldest first
    struct pending {
      attempt_state state;
      time_point due;
    };
    std::vector<pending> in_flight;
    for (int step = 0; step < 1500; ++step) {
      // Bursts: sometimes many new calls at once, sometimes none.
      auto arrivals = rng() % 10 == 0 ? rng() % 30 : rng() % 2;
      for (std::uint64_t i = 0; i < arrivals; ++i) {
        in_flight.push_back({policy.record_call(), clk.now()});
        calls.push_back(clk.now());
      }
      // Every attempt that is due fails (90%) or succeeds.
      for (std::size_t i = 0; i < in_flight.size();) {
        auto& p = in_flight[i];
        if (p.due > clk.now()) {
          ++i;
          continue;
        }
        if (rng() % 10 == 0) {
          in_flight.erase(in_flight.begin() + static_cast<long>(i));
          continue;
        }
        auto d = policy.decide(p.state, error_class::transient);
        if (!d.retry()) {
          if (d.give_up == give_up_reason::budget_exhausted)
            ++refused_by_budget;
          in_flight.erase(in_flight.begin() + static_cast<long>(i));
          continue;
        }
        ++granted;
        retries.push_back(clk.now());
        // The property: retries of the window (now - W, now] within the
        // allowance of the calls of that same window.
        auto start = clk.now() - cfg.budget_window;
        auto after_start = [&](time_point t) { return t > start; };
        auto r = std::count_if(retries.begin(), retries.end(), after_start);
        auto c = std::count_if(calls.begin(), calls.end(), after_start);
        if (static_cast<double>(r) >
            cfg.budget_ratio * static_cast<double>(c) +
                static_cast<double>(cfg.min_retries_per_window))
          ++violations;
        ++p.state.attempt;
        p.due = clk.now() + d.delay;
        ++i;
      }
      clk.advance(std::chrono::milliseconds{rng() % 200});
      auto horizon = clk.now() - 2 * cfg.budget_window;
      while (!calls.empty() && calls.front() < horizon)
        calls.pop_front();
      while (!retries.empty() && retries.front() < horizon)
        retries.pop_front();
    }
  }
  CAF_MESSAGE("retries granted: " << granted << ", refused by the budget: "
                                  << refused_by_budget);
  CAF_CHECK_EQUAL(violations, 0);
  CAF_CHECK(granted > 1000);
  CAF_CHECK(refused_by_budget > 100);
}
