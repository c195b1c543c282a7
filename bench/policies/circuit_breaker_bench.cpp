// circuit_breaker: the cost of one guarded call's bookkeeping, that is one
// try_acquire and one record_success, in the closed state (the common case).
#include <chrono>

#include <benchmark/benchmark.h>

#include "policies/circuit_breaker.hpp"
#include "policies/clock.hpp"

namespace {

using namespace warden::policies;
using namespace std::chrono_literals;

circuit_breaker_config bench_config(breaker_window_kind kind) {
  circuit_breaker_config cfg;
  cfg.window_kind = kind;
  cfg.window_calls = 100;
  cfg.window_duration = 60s;
  cfg.window_buckets = 60;
  cfg.minimum_calls = 20;
  cfg.slow_call_duration_threshold = 1s;
  return cfg;
}

/// Runs acquire + success pairs; the manual clock moves `step` per pair, so
/// a time window rolls a bucket every (1 s / step) pairs.
void run_pairs(benchmark::State& state, breaker_window_kind kind,
               duration step) {
  manual_clock clk;
  circuit_breaker breaker{bench_config(kind), clk};
  for (auto _ : state) {
    auto decision = breaker.try_acquire();
    benchmark::DoNotOptimize(decision);
    breaker.record_success(*decision.permit, 5ms);
    clk.advance(step);
  }
  if (breaker.state() != breaker_state::closed)
    state.SkipWithError("the breaker left the closed state");
  state.SetItemsProcessed(state.iterations());
}

void breaker_pair_count_window(benchmark::State& state) {
  run_pairs(state, breaker_window_kind::count_based, 1us);
}

void breaker_pair_time_window(benchmark::State& state) {
  run_pairs(state, breaker_window_kind::time_based, 1us);
}

// A bucket roll every 50 pairs: the slow path of the time window.
void breaker_pair_time_window_rolling(benchmark::State& state) {
  run_pairs(state, breaker_window_kind::time_based, 20ms);
}

// The production clock: adds one steady_clock read per record.
void breaker_pair_time_window_steady_clock(benchmark::State& state) {
  steady_clock_source clk;
  circuit_breaker breaker{bench_config(breaker_window_kind::time_based), clk};
  for (auto _ : state) {
    auto decision = breaker.try_acquire();
    benchmark::DoNotOptimize(decision);
    breaker.record_success(*decision.permit, 5ms);
  }
  state.SetItemsProcessed(state.iterations());
}

} // namespace

BENCHMARK(breaker_pair_count_window);
BENCHMARK(breaker_pair_time_window);
BENCHMARK(breaker_pair_time_window_rolling);
BENCHMARK(breaker_pair_time_window_steady_clock);
