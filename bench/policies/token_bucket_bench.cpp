#include <benchmark/benchmark.h>

#include "policies/token_bucket.hpp"

using namespace warden::policies;

namespace {

// A take that succeeds: the rate is high enough that the bucket never runs
// dry, so every iteration refills from the real clock and takes.
void token_bucket_try_take(benchmark::State& state) {
  steady_clock_source clock;
  token_bucket bucket{clock, {60'000'000'000, 1'000'000}};
  for (auto _ : state) {
    auto d = bucket.try_take(1);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(token_bucket_try_take);

// A take that is refused and computes the exact retry_after.
void token_bucket_try_take_refused(benchmark::State& state) {
  steady_clock_source clock;
  token_bucket bucket{clock, {1, 1}};
  (void)bucket.try_take(1);
  for (auto _ : state) {
    auto d = bucket.try_take(1);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(token_bucket_try_take_refused);

// Admission of one model call against requests/min and tokens/min, and its
// reconciliation with the actual token count.
void rate_limits_acquire_reconcile(benchmark::State& state) {
  steady_clock_source clock;
  rate_limits_config cfg;
  cfg.requests_per_minute = 6'000'000'000;
  cfg.request_burst = 100'000;
  cfg.tokens_per_minute = 600'000'000'000;
  cfg.token_burst = 100'000'000;
  rate_limits limits{clock, cfg};
  for (auto _ : state) {
    auto d = limits.try_acquire(2000);
    benchmark::DoNotOptimize(d);
    limits.reconcile(d.reservation, 1500);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(rate_limits_acquire_reconcile);

// Baseline measured in the same run: one read of the clock, which every
// take pays.
void baseline_steady_clock_now(benchmark::State& state) {
  steady_clock_source clock;
  for (auto _ : state) {
    auto t = clock.now();
    benchmark::DoNotOptimize(t);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(baseline_steady_clock_now);

} // namespace
