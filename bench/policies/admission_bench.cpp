// Steady-state cost of the admission queue with 100,000 registered tenants:
// one submit plus one release per iteration (ns/op is per pair).
//
//   warden-policy-bench --benchmark_filter=admission --benchmark_min_time=0.2
//
// Tenants: 80% free (cap 2, weight 1), 15% pro (20, weight 4), 5% enterprise
// (200, weight 16); global cap 4,096 with the default priority classes; every
// run is "interactive" (class limit 3,840). Baselines measured in the same
// run: one insert and one erase in a small std::unordered_map, and two
// dependent random reads among 100,000 tenants (memory latency).
#include <cstdint>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>

#include "policies/admission.hpp"

namespace {

using namespace warden::policies;

constexpr std::uint64_t tenant_count = 100000;
constexpr std::size_t interactive = 1;

tenant_limits tier(std::uint64_t tenant) {
  auto r = tenant % 20;
  if (r == 0)
    return enterprise_tier();
  if (r <= 3)
    return pro_tier();
  return free_tier();
}

// A fixed-size FIFO of running ids (no allocation while measuring).
class id_ring {
 public:
  explicit id_ring(std::size_t capacity) : ids_(capacity) {}
  void push(std::uint64_t id) { ids_[tail_++ % ids_.size()] = id; }
  std::uint64_t pop() { return ids_[head_++ % ids_.size()]; }
  std::size_t size() const { return tail_ - head_; }

 private:
  std::vector<std::uint64_t> ids_;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
};

struct world {
  manual_clock clk;
  admission queue{admission_config{}, clk};
  id_ring running{1 << 17};
  std::vector<admitted_run> admitted;
  std::vector<std::uint64_t> picks;
  std::size_t next_pick = 0;
  std::uint64_t next_id = 1;

  world() {
    admitted.reserve(64);
    for (std::uint64_t t = 0; t < tenant_count; ++t)
      queue.set_tenant(t, tier(t), admitted);
    random_engine rng{42};
    picks.resize(1 << 16);
    for (auto& p : picks)
      p = rng() % tenant_count;
  }

  void submit() {
    auto id = next_id++;
    auto tenant = picks[next_pick++ & (picks.size() - 1)];
    if (queue.submit(id, tenant, interactive).admitted())
      running.push(id);
  }

  void release() {
    admitted.clear();
    clk.advance(std::chrono::microseconds{1});
    (void)queue.release(running.pop(), admitted);
    for (auto& run : admitted)
      running.push(run.request);
  }

  void run(benchmark::State& state) {
    for (auto _ : state) {
      submit();
      release();
    }
    state.counters["in_flight"] = queue.in_flight_total();
    state.counters["queued"] = queue.queued_total();
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  }
};

// 2,048 runs in flight (half the global cap), queues (nearly) empty.
void BM_admission_submit_release_half_load(benchmark::State& state) {
  world w;
  for (int i = 0; i < 2048; ++i)
    w.submit();
  w.run(state);
}
BENCHMARK(BM_admission_submit_release_half_load);

// The interactive class saturated (3,840 in flight) with 20,000 runs queued
// across tenants: every release dispatches a queued run by the fair order.
void BM_admission_submit_release_saturated(benchmark::State& state) {
  world w;
  for (int i = 0; i < 3840 + 20000; ++i)
    w.submit();
  w.run(state);
}
BENCHMARK(BM_admission_submit_release_saturated);

// Baseline: one insert and one erase of a std::unordered_map, the least a
// submit + release needs to find a run by id.
void BM_baseline_unordered_map_insert_erase(benchmark::State& state) {
  std::unordered_map<std::uint64_t, std::uint64_t> map;
  std::uint64_t next = 0;
  for (; next < 2048; ++next)
    map.emplace(next, next);
  for (auto _ : state) {
    map.emplace(next, next);
    map.erase(next - 2048);
    ++next;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_baseline_unordered_map_insert_erase);

// Baseline: memory latency on this machine. Each iteration reads a random
// slot of a 4 MiB index, then the 40-byte node it names among 100,000, and the
// next iteration waits for that read: two dependent cache misses, as a submit
// pays for its tenant (admission overlaps some misses across operations).
void BM_baseline_random_tenant_touch(benchmark::State& state) {
  struct node {
    std::uint64_t id;
    std::uint32_t counters[8];
  };
  std::vector<std::uint64_t> index(1 << 19);
  std::vector<node> nodes(tenant_count);
  random_engine rng{7};
  for (auto& slot : index)
    slot = rng() % tenant_count;
  std::vector<std::uint64_t> picks(1 << 16);
  for (auto& p : picks)
    p = rng() % index.size();
  std::size_t i = 0;
  for (auto _ : state) {
    auto& n = nodes[index[picks[i & (picks.size() - 1)]]];
    ++n.counters[0];
    // The next touch waits for this one, as a submit waits for its tenant.
    i += 1 + (n.id >> 63);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_baseline_random_tenant_touch);

} // namespace
