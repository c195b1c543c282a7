#include <unordered_map>
#include <utility>

#include <benchmark/benchmark.h>

#include "policies/budget_ledger.hpp"

using namespace warden::policies;

namespace {

// One governed step on the hot path: reserve an estimate on a run's ledger,
// then commit the actual use (a little above the estimate in wall time).
void budget_ledger_reserve_commit(benchmark::State& state) {
  auto big = budget_amounts{1'000'000'000'000, 1'000'000'000'000,
                            1'000'000'000'000, 1'000'000'000'000};
  auto ledger = std::move(
      *budget_ledger::open(big, budget_amounts{1000, 1000, 1000, 1}).ledger);
  const budget_amounts estimate{2000, 500, 100, 1};
  const budget_amounts actual{1500, 400, 120, 1};
  for (auto _ : state) {
    auto r = ledger.reserve(estimate);
    benchmark::DoNotOptimize(r);
    auto done = ledger.commit(r.reservation, actual);
    benchmark::DoNotOptimize(done);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(budget_ledger_reserve_commit);

// Baseline measured in the same run: one insert and one erase in a hash map,
// the floor under a reserve/commit pair.
void baseline_hash_map_insert_erase(benchmark::State& state) {
  std::unordered_map<std::uint64_t, budget_amounts> map;
  std::uint64_t key = 0;
  for (auto _ : state) {
    map.emplace(++key, budget_amounts{1, 2, 3, 4});
    benchmark::DoNotOptimize(map);
    map.erase(key);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(baseline_hash_map_insert_erase);

} // namespace
