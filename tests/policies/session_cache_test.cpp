#define CAF_SUITE policies.session_cache
#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "policies/clock.hpp"
#include "policies/session_cache.hpp"
#include "tests/support/seed.hpp"

using namespace warden::policies;
using namespace std::chrono_literals;

namespace {

using ids = std::vector<session_cache::session_id>;

session_cache_config cfg(duration ttl, std::size_t max_resident) {
  session_cache_config result;
  result.idle_ttl = ttl;
  result.max_resident = max_resident;
  return result;
}

} // namespace

CAF_TEST(touch inserts a new idle session and records its activity) {
  manual_clock clk;
  session_cache cache{cfg(1min, 10), clk};
  CAF_CHECK(!cache.contains(7));
  CAF_CHECK(!cache.last_activity(7).has_value());
  cache.touch(7);
  CAF_CHECK(cache.contains(7));
  CAF_CHECK(!cache.busy(7));
  CAF_CHECK_EQUAL(cache.resident(), 1u);
  CAF_CHECK_EQUAL(cache.idle(), 1u);
  CAF_CHECK(cache.last_activity(7) == std::optional<time_point>{clk.now()});
  clk.advance(5s);
  cache.touch(7);
  CAF_CHECK_EQUAL(cache.resident(), 1u);
  CAF_CHECK(cache.last_activity(7) == std::optional<time_point>{clk.now()});
}

CAF_TEST(a session is due exactly idle_ttl after its last activity) {
  manual_clock clk;
  session_cache cache{cfg(30s, 10), clk};
  cache.touch(1);
  auto deadline = clk.now() + 30s;
  CAF_CHECK(cache.next_deadline() == std::optional<time_point>{deadline});
  clk.advance(30s - 1ns);
  CAF_CHECK(cache.due().empty());
  CAF_CHECK(cache.contains(1));
  clk.advance(1ns);
  CAF_CHECK(cache.due() == ids{1});
  CAF_CHECK(!cache.contains(1));
  CAF_CHECK_EQUAL(cache.resident(), 0u);
  CAF_CHECK(cache.due().empty());
  CAF_CHECK(!cache.next_deadline().has_value());
}

CAF_TEST(touch postpones the expiry by a whole ttl) {
  manual_clock clk;
  session_cache cache{cfg(10s, 10), clk};
  cache.touch(1);
  clk.advance(9s);
  cache.touch(1);
  clk.advance(9s);
  CAF_CHECK(cache.due().empty());
  CAF_CHECK(cache.next_deadline() == std::optional<time_point>{clk.now() + 1s});
  clk.advance(1s);
  CAF_CHECK(cache.due() == ids{1});
}

CAF_TEST(expired sessions come out least recently used first) {
  manual_clock clk;
  session_cache cache{cfg(10s, 100), clk};
  for (session_cache::session_id id : {5, 3, 9, 1}) {
    cache.touch(id);
    clk.advance(1s);
  }
  cache.touch(3); // 3 becomes the most recent
  clk.advance(9s);
  // 5, 9 and 1 expired (last active 13, 11 and 10 s ago); 3 has 1 s left.
  CAF_CHECK(cache.due() == (ids{5, 9, 1}));
  CAF_CHECK(cache.next_deadline() == std::optional<time_point>{clk.now() + 1s});
  CAF_CHECK_EQUAL(cache.resident(), 1u);
}

CAF_TEST(beyond max_resident the least recently used idle sessions are due) {
  manual_clock clk;
  session_cache cache{cfg(1h, 3), clk};
  for (session_cache::session_id id = 1; id <= 5; ++id) {
    cache.touch(id);
    clk.advance(1ms);
  }
  cache.touch(1);
  CAF_CHECK(cache.next_deadline() == std::optional<time_point>{clk.now()});
  CAF_CHECK(cache.due() == (ids{2, 3}));
  CAF_CHECK_EQUAL(cache.resident(), 3u);
  CAF_CHECK(cache.contains(1));
  CAF_CHECK(cache.contains(4));
  CAF_CHECK(cache.contains(5));
  CAF_CHECK(cache.due().empty());
  CAF_CHECK(cache.next_deadline() ==
            std::optional<time_point>{clk.now() - 2ms + 1h});
}

CAF_TEST(ties in activity time keep the order of the touches) {
  manual_clock clk;
  session_cache cache{cfg(1s, 100), clk};
  cache.touch(30);
  cache.touch(10);
  cache.touch(20);
  cache.touch(30);
  clk.advance(1s);
  CAF_CHECK(cache.due() == (ids{10, 20, 30}));
}

CAF_TEST(busy sessions are never chosen however old or however many) {
  manual_clock clk;
  session_cache cache{cfg(10s, 1), clk};
  cache.touch(1);
  cache.set_busy(2, true);
  cache.set_busy(3, true);
  CAF_CHECK(cache.busy(2));
  CAF_CHECK_EQUAL(cache.resident(), 3u);
  CAF_CHECK_EQUAL(cache.idle(), 1u);
  clk.advance(1h);
  CAF_CHECK(cache.due() == ids{1});
  // Only busy sessions remain: over max_resident, yet nothing is due.
  CAF_CHECK(cache.due().empty());
  CAF_CHECK_EQUAL(cache.resident(), 2u);
  CAF_CHECK(!cache.next_deadline().has_value());
}

CAF_TEST(a session becoming idle starts its idle time afresh) {
  manual_clock clk;
  session_cache cache{cfg(10s, 10), clk};
  cache.touch(1);
  cache.set_busy(1, true);
  clk.advance(1h);
  cache.set_busy(1, false);
  CAF_CHECK(!cache.busy(1));
  CAF_CHECK(cache.due().empty());
  CAF_CHECK(cache.next_deadline() ==
            std::optional<time_point>{clk.now() + 10s});
  clk.advance(10s);
  CAF_CHECK(cache.due() == ids{1});
}

CAF_TEST(remove forgets idle and busy sessions and ignores unknown ids) {
  manual_clock clk;
  session_cache cache{cfg(1s, 10), clk};
  cache.touch(1);
  cache.touch(2);
  cache.set_busy(3, true);
  cache.remove(1);
  cache.remove(3);
  cache.remove(42);
  CAF_CHECK_EQUAL(cache.resident(), 1u);
  CAF_CHECK_EQUAL(cache.idle(), 1u);
  clk.advance(1s);
  CAF_CHECK(cache.due() == ids{2});
  cache.remove(2); // already forgotten by due
  CAF_CHECK_EQUAL(cache.resident(), 0u);
}

CAF_TEST(a session returned by due comes back with a touch) {
  manual_clock clk;
  session_cache cache{cfg(1s, 10), clk};
  cache.touch(1);
  clk.advance(1s);
  CAF_CHECK(cache.due() == ids{1});
  cache.touch(1);
  CAF_CHECK(cache.contains(1));
  CAF_CHECK(cache.due().empty());
}

CAF_TEST(a zero ttl makes every idle session due at once) {
  manual_clock clk;
  session_cache cache{cfg(duration::zero(), 10), clk};
  cache.touch(1);
  cache.set_busy(2, true);
  CAF_CHECK(cache.next_deadline() == std::optional<time_point>{clk.now()});
  CAF_CHECK(cache.due() == ids{1});
  CAF_CHECK(cache.contains(2));
}

CAF_TEST(a huge ttl never expires and does not overflow) {
  manual_clock clk;
  session_cache cache{cfg(duration::max(), 10), clk};
  cache.touch(1);
  clk.advance(std::chrono::hours{24 * 365 * 100});
  CAF_CHECK(cache.due().empty());
  CAF_CHECK(cache.next_deadline() ==
            std::optional<time_point>{time_point::max()});
}

CAF_TEST(randomized operations match a model and respect max_resident) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  auto mismatches = 0;
  auto over_capacity = 0;
  auto busy_chosen = 0;
  std::size_t passivated = 0;
  for (int round = 0; round < 60; ++round) {
    auto c = cfg(duration{static_cast<duration::rep>(rng() % 40)},
                 static_cast<std::size_t>(rng() % 12));
    manual_clock clk;
    session_cache cache{c, clk};
    // The model: id -> (last activity, order of that activity, busy).
    std::map<std::uint64_t, std::tuple<time_point, std::uint64_t, bool>> model;
    std::uint64_t seq = 0;
    auto idle_by_age = [&] {
      std::vector<std::tuple<time_point, std::uint64_t, std::uint64_t>> v;
      for (auto& [id, s] : model)
        if (!std::get<2>(s))
          v.emplace_back(std::get<0>(s), std::get<1>(s), id);
      std::sort(v.begin(), v.end());
      return v;
    };
    for (int step = 0; step < 400; ++step) {
      auto id = rng() % 24;
      switch (rng() % 8) {
      case 0:
      case 1: {
        cache.touch(id);
        auto busy = model.count(id) > 0 && std::get<2>(model[id]);
        model[id] = {clk.now(), seq++, busy};
        break;
      }
      case 2: {
        bool busy = rng() % 2 == 0;
        cache.set_busy(id, busy);
        model[id] = {clk.now(), seq++, busy};
        break;
      }
      case 3:
        cache.remove(id);
        model.erase(id);
        break;
      case 4:
      case 5:
        clk.advance(duration{static_cast<duration::rep>(rng() % 8)});
        break;
      default: {
        auto got = cache.due();
        auto idle = idle_by_age();
        std::size_t expired = 0;
        while (expired < idle.size() &&
               std::get<0>(idle[expired]) + c.idle_ttl <= clk.now())
          ++expired;
        auto over =
            model.size() > c.max_resident ? model.size() - c.max_resident : 0;
        auto n = std::max(expired, std::min(idle.size(), over));
        ids want;
        for (std::size_t i = 0; i < n; ++i)
          want.push_back(std::get<2>(idle[i]));
        if (got != want)
          ++mismatches;
        for (auto x : got) {
          if (model.count(x) > 0 && std::get<2>(model[x]))
            ++busy_chosen;
          model.erase(x);
        }
        passivated += got.size();
        auto all_busy = std::all_of(model.begin(), model.end(), [](auto& kv) {
          return std::get<2>(kv.second);
        });
        if (cache.resident() > c.max_resident && !all_busy)
          ++over_capacity;
      }
      }
      // Compare the observable state with the model after every step.
      auto idle = idle_by_age();
      if (cache.resident() != model.size() || cache.idle() != idle.size())
        ++mismatches;
      std::optional<time_point> deadline;
      if (!idle.empty()) {
        deadline = std::get<0>(idle.front()) + c.idle_ttl;
        if (model.size() > c.max_resident)
          deadline = std::min(*deadline, clk.now());
      }
      if (cache.next_deadline() != deadline)
        ++mismatches;
      if (cache.contains(id) != (model.count(id) > 0) ||
          cache.busy(id) != (model.count(id) > 0 && std::get<2>(model[id])))
        ++mismatches;
    }
  }
  CAF_MESSAGE("sessions passivated: " << passivated);
  CAF_CHECK(passivated > 0);
  CAF_CHECK_EQUAL(mismatches, 0);
  CAF_CHECK_EQUAL(over_capacity, 0);
  CAF_CHECK_EQUAL(busy_chosen, 0);
}
