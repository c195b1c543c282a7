#include <unordered_map>

#include <benchmark/benchmark.h>

#include "policies/budget_ledger.hpp"

using namespace warden::policies;

namespace {

// One governed step on the hot path: reserve an estimate on a session three
// levels below its tenant (tenant -> root run -> child -> grandchild), then
// commit the actual use.
void budget_ledger_reserve_commit_depth3(benchmark::State& state) {
  steady_clock_source clock;
  budget_ledger ledger{clock};
  auto tenant = ledger.open_tenant(budget_amounts::no_limit()).account;
  auto big = budget_amounts{1'000'000'000'000, 1'000'000'000'000,
                            1'000'000'000'000, 1'000'000'000'000};
  auto root = ledger.open_run(tenant, big).account;
  auto child = ledger.open_run(root, big - budget_amounts{1, 1, 1, 1}).account;
  auto leaf = ledger
                  .open_run(child, big - budget_amounts{2, 2, 2, 2},
                            budget_amounts{1000, 1000, 1000, 1})
                  .account;
  const budget_amounts estimate{2000, 500, 100, 1};
  const budget_amounts actual{1500, 400, 120, 1};
  for (auto _ : state) {
    auto r = ledger.reserve(leaf, estimate);
    benchmark::DoNotOptimize(r);
    auto done = ledger.commit(r.reservation, actual);
    benchmark::DoNotOptimize(done);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(budget_ledger_reserve_commit_depth3);

// The same pair on a tenant account, which also reads the clock to roll
// the day over.
void budget_ledger_reserve_commit_tenant(benchmark::State& state) {
  steady_clock_source clock;
  budget_ledger ledger{clock};
  auto tenant = ledger.open_tenant(budget_amounts::no_limit()).account;
  const budget_amounts estimate{2000, 500, 100, 1};
  for (auto _ : state) {
    auto r = ledger.reserve(tenant, estimate);
    benchmark::DoNotOptimize(r);
    auto done = ledger.commit(r.reservation, estimate);
    benchmark::DoNotOptimize(done);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(budget_ledger_reserve_commit_tenant);

// Opening and closing a child run under a root run (a spawn and its end).
void budget_ledger_open_close_child(benchmark::State& state) {
  steady_clock_source clock;
  budget_ledger ledger{clock};
  auto tenant = ledger.open_tenant(budget_amounts::no_limit()).account;
  auto root = ledger
                  .open_run(tenant, budget_amounts{1'000'000, 1'000'000,
                                                   1'000'000, 1'000})
                  .account;
  const budget_amounts grant{10'000, 10'000, 10'000, 10};
  for (auto _ : state) {
    auto child = ledger.open_run(root, grant);
    benchmark::DoNotOptimize(child);
    auto closed = ledger.close(child.account);
    benchmark::DoNotOptimize(closed);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(budget_ledger_open_close_child);

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
