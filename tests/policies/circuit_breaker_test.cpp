#define CAF_SUITE policies.circuit_breaker
#include <string>
#include <utility>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "policies/circuit_breaker.hpp"
#include "policies/clock.hpp"
#include "tests/support/seed.hpp"

using namespace warden::policies;
using namespace std::chrono_literals;

namespace {

using transitions = std::vector<std::pair<breaker_state, breaker_state>>;

circuit_breaker_config count_window(std::uint32_t calls,
                                    std::uint32_t minimum_calls,
                                    double failure_threshold) {
  circuit_breaker_config cfg;
  cfg.window_kind = breaker_window_kind::count_based;
  cfg.window_calls = calls;
  cfg.minimum_calls = minimum_calls;
  cfg.failure_rate_threshold = failure_threshold;
  cfg.open_duration = 30s;
  cfg.half_open_probes = 3;
  return cfg;
}

circuit_breaker_config time_window(duration length, std::uint32_t buckets,
                                   std::uint32_t minimum_calls,
                                   double failure_threshold) {
  auto cfg = count_window(1, minimum_calls, failure_threshold);
  cfg.window_kind = breaker_window_kind::time_based;
  cfg.window_duration = length;
  cfg.window_buckets = buckets;
  cfg.minimum_calls = minimum_calls;
  return cfg;
}

/// Runs one call through the breaker; false when it was rejected.
bool call(circuit_breaker& breaker, bool fail, duration took = 1ms) {
  auto decision = breaker.try_acquire();
  if (!decision.permitted())
    return false;
  if (fail)
    breaker.record_failure(*decision.permit, took);
  else
    breaker.record_success(*decision.permit, took);
  return true;
}

/// Records `n` calls of the same outcome.
void calls(circuit_breaker& breaker, int n, bool fail, duration took = 1ms) {
  for (int i = 0; i < n; ++i)
    call(breaker, fail, took);
}

/// Opens a closed breaker built by count_window(10, 10, 0.5).
void trip(circuit_breaker& breaker) {
  calls(breaker, 10, true);
}

} // namespace

CAF_TEST(to_string names every state and window kind) {
  CAF_CHECK_EQUAL(std::string{to_string(breaker_state::closed)}, "closed");
  CAF_CHECK_EQUAL(std::string{to_string(breaker_state::open)}, "open");
  CAF_CHECK_EQUAL(std::string{to_string(breaker_state::half_open)},
                  "half_open");
  CAF_CHECK_EQUAL(std::string{to_string(breaker_window_kind::count_based)},
                  "count_based");
  CAF_CHECK_EQUAL(std::string{to_string(breaker_window_kind::time_based)},
                  "time_based");
}

CAF_TEST(a new breaker is closed and permits calls) {
  manual_clock clk;
  circuit_breaker breaker{count_window(10, 10, 0.5), clk};
  CAF_CHECK(breaker.state() == breaker_state::closed);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 0u);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 0.0);
  CAF_CHECK_EQUAL(breaker.slow_call_rate(), 0.0);
  auto rejected = 0;
  for (int i = 0; i < 100; ++i)
    rejected += call(breaker, false) ? 0 : 1;
  CAF_CHECK_EQUAL(rejected, 0);
  CAF_CHECK(breaker.state() == breaker_state::closed);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 10u);
}

CAF_TEST(
    a count window opens exactly when the failure rate reaches the threshold) {
  manual_clock clk;
  circuit_breaker breaker{count_window(10, 10, 0.5), clk};
  calls(breaker, 5, true);
  calls(breaker, 4, false);
  // 5 of 9 failed, but the window is not judged before 10 calls.
  CAF_CHECK(breaker.state() == breaker_state::closed);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 9u);
  call(breaker, false); // 5 of 10 = 0.5
  CAF_CHECK(breaker.state() == breaker_state::open);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 10u);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 0.5);
}

CAF_TEST(a failure rate just below the threshold keeps the count window closed
             until the oldest success slides out) {
  manual_clock clk;
  circuit_breaker breaker{count_window(10, 10, 0.3), clk};
  calls(breaker, 2, false);
  calls(breaker, 2, true);
  calls(breaker, 6, false);
  CAF_CHECK(breaker.state() == breaker_state::closed);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 0.2);
  // The 11th call evicts the oldest success: 3 failures in the last 10.
  call(breaker, true);
  CAF_CHECK(breaker.state() == breaker_state::open);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 0.3);
}

CAF_TEST(the count window slides and forgets the oldest failures) {
  manual_clock clk;
  circuit_breaker breaker{count_window(4, 4, 0.75), clk};
  calls(breaker, 2, true);
  calls(breaker, 2, false);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 0.5);
  calls(breaker, 1, false);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 0.25);
  calls(breaker, 1, false);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 0.0);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 4u);
  CAF_CHECK(breaker.state() == breaker_state::closed);
}

CAF_TEST(the breaker does not open before minimum_calls are in the window) {
  manual_clock clk;
  circuit_breaker breaker{count_window(10, 5, 0.5), clk};
  calls(breaker, 4, true);
  CAF_CHECK(breaker.state() == breaker_state::closed);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 1.0);
  call(breaker, true);
  CAF_CHECK(breaker.state() == breaker_state::open);
}

CAF_TEST(minimum_calls above the count window size is capped at the size) {
  manual_clock clk;
  circuit_breaker breaker{count_window(4, 100, 0.5), clk};
  CAF_CHECK_EQUAL(breaker.config().minimum_calls, 4u);
  calls(breaker, 4, true);
  CAF_CHECK(breaker.state() == breaker_state::open);
}

CAF_TEST(slow calls open the breaker even when they all succeed) {
  manual_clock clk;
  auto cfg = count_window(4, 4, 0.5);
  cfg.slow_call_duration_threshold = 100ms;
  cfg.slow_call_rate_threshold = 0.5;
  circuit_breaker breaker{cfg, clk};
  call(breaker, false, 150ms);
  call(breaker, false, 100ms); // exactly the threshold is not slow
  call(breaker, false, 20ms);
  CAF_CHECK(breaker.state() == breaker_state::closed);
  CAF_CHECK_EQUAL(breaker.slow_call_rate(), 1.0 / 3.0);
  call(breaker, false, 100ms + 1ns);
  CAF_CHECK(breaker.state() == breaker_state::open);
  CAF_CHECK_EQUAL(breaker.slow_call_rate(), 0.5);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 0.0);
}

CAF_TEST(a slow first token makes a fast call slow) {
  manual_clock clk;
  auto cfg = count_window(4, 2, 1.1);
  cfg.slow_call_duration_threshold = 10s;
  cfg.slow_first_token_threshold = 500ms;
  cfg.slow_call_rate_threshold = 1.0;
  circuit_breaker breaker{cfg, clk};
  auto streamed = [&](duration first_token) {
    auto decision = breaker.try_acquire();
    CAF_REQUIRE(decision.permitted());
    breaker.record_success(*decision.permit, 2s, first_token);
  };
  streamed(500ms); // exactly the threshold is not slow
  CAF_CHECK_EQUAL(breaker.slow_call_rate(), 0.0);
  streamed(0ms); // not measured
  CAF_CHECK_EQUAL(breaker.slow_call_rate(), 0.0);
  streamed(501ms);
  streamed(3s);
  CAF_CHECK_EQUAL(breaker.slow_call_rate(), 0.5);
  CAF_CHECK(breaker.state() == breaker_state::closed);
  streamed(600ms);
  streamed(700ms);
  CAF_CHECK(breaker.state() == breaker_state::open);
}

CAF_TEST(a slow failure counts as both slow and failed) {
  manual_clock clk;
  auto cfg = count_window(10, 10, 0.5);
  cfg.slow_call_duration_threshold = 1s;
  circuit_breaker breaker{cfg, clk};
  call(breaker, true, 2s);
  call(breaker, false, 10ms);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 0.5);
  CAF_CHECK_EQUAL(breaker.slow_call_rate(), 0.5);
}

CAF_TEST(a disabled criterion never opens the breaker) {
  manual_clock clk;
  auto cfg = count_window(4, 4, 1.5);
  cfg.slow_call_rate_threshold = 2.0;
  cfg.slow_call_duration_threshold = 1ms;
  circuit_breaker breaker{cfg, clk};
  calls(breaker, 20, true, 1s);
  CAF_CHECK(breaker.state() == breaker_state::closed);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 1.0);
  CAF_CHECK_EQUAL(breaker.slow_call_rate(), 1.0);
}

CAF_TEST(a time window forgets old calls as the clock moves) {
  manual_clock clk; // starts on a whole second: buckets align with it
  circuit_breaker breaker{time_window(10s, 10, 100, 0.5), clk};
  calls(breaker, 3, true);
  clk.advance(5s);
  calls(breaker, 2, false);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 5u);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 0.6);
  clk.advance(5s - 1ns);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 5u);
  clk.advance(1ns); // 10 s after the first bucket began
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 2u);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 0.0);
  clk.advance(5s);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 0u);
  CAF_CHECK(breaker.state() == breaker_state::closed);
}

CAF_TEST(a time window expires calls at bucket boundaries) {
  manual_clock clk;
  circuit_breaker breaker{time_window(10s, 10, 100, 0.5), clk};
  clk.advance(700ms);
  call(breaker, true); // in the bucket [0 s, 1 s)
  clk.advance(9s);     // 9.7 s
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 1u);
  clk.advance(300ms - 1ns);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 1u);
  clk.advance(1ns); // 10 s: its bucket leaves the window, 9.3 s after the call
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 0u);
  // Recording after a long idle gap starts from an empty window.
  clk.advance(1h);
  call(breaker, true);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 1u);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 1.0);
}

CAF_TEST(a time window slides one bucket at a time) {
  manual_clock clk;
  circuit_breaker breaker{time_window(10s, 10, 100, 0.5), clk};
  for (int second = 0; second < 10; ++second) {
    call(breaker, true);
    clk.advance(1s);
  }
  auto wrong = 0;
  for (int k = 0; k < 10; ++k) {
    call(breaker, false);
    // Buckets k+1 .. 10+k: failures from seconds k+1 .. 9, k+1 successes.
    if (breaker.calls_in_window() != 10u ||
        breaker.failure_rate() != static_cast<double>(9 - k) / 10.0)
      ++wrong;
    clk.advance(1s);
  }
  CAF_CHECK_EQUAL(wrong, 0);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 9u);
}

CAF_TEST(
    randomized time windows count exactly the calls of their live buckets) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  auto wrong = 0;
  for (int round = 0; round < 50; ++round) {
    auto buckets = static_cast<std::uint32_t>(1 + rng() % 12);
    auto width = std::chrono::milliseconds{1 + rng() % 500};
    manual_clock clk;
    clk.advance(std::chrono::milliseconds{rng() % 1000});
    circuit_breaker breaker{
        time_window(width * buckets, buckets, 1'000'000, 1.0), clk};
    std::vector<std::pair<std::int64_t, bool>> log; // bucket number, failed
    auto bucket_of = [&] {
      return clk.now().time_since_epoch().count() / duration{width}.count();
    };
    for (int step = 0; step < 400; ++step) {
      if (rng() % 3 == 0) {
        clk.advance(rng() % 8 == 0
                        ? duration{width * (rng() % 20)}
                        : duration{std::chrono::microseconds{rng() % 200'000}});
      } else {
        bool failed = rng() % 2 == 0;
        call(breaker, failed);
        log.emplace_back(bucket_of(), failed);
      }
      std::uint32_t calls = 0;
      std::uint32_t failures = 0;
      for (auto& [bucket, failed] : log)
        if (bucket > bucket_of() - static_cast<std::int64_t>(buckets)) {
          ++calls;
          failures += failed ? 1 : 0;
        }
      auto expected_rate = calls == 0 ? 0.0
                                      : static_cast<double>(failures) /
                                            static_cast<double>(calls);
      if (breaker.calls_in_window() != calls ||
          breaker.failure_rate() != expected_rate)
        ++wrong;
    }
  }
  CAF_CHECK_EQUAL(wrong, 0);
}

CAF_TEST(a time window opens only on failures recent enough) {
  manual_clock clk;
  circuit_breaker breaker{time_window(10s, 10, 3, 0.5), clk};
  calls(breaker, 2, true);
  clk.advance(10s);
  call(breaker, true);
  CAF_CHECK(breaker.state() == breaker_state::closed);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 1u);
  clk.advance(3s);
  call(breaker, false);
  CAF_CHECK(breaker.state() == breaker_state::closed);
  call(breaker, true);
  CAF_CHECK(breaker.state() == breaker_state::open);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 3u);
}

CAF_TEST(an open breaker rejects with the exact time left open) {
  manual_clock clk;
  circuit_breaker breaker{count_window(10, 10, 0.5), clk};
  trip(breaker);
  CAF_REQUIRE(breaker.state() == breaker_state::open);
  auto first = breaker.try_acquire();
  CAF_CHECK(!first.permitted());
  CAF_CHECK(first.state == breaker_state::open);
  CAF_CHECK_EQUAL(first.retry_after.count(), duration{30s}.count());
  clk.advance(12345ms);
  CAF_CHECK_EQUAL(breaker.try_acquire().retry_after.count(),
                  duration{17655ms}.count());
  clk.advance(17655ms - 1ns);
  auto last = breaker.try_acquire();
  CAF_CHECK(!last.permitted());
  CAF_CHECK_EQUAL(last.retry_after.count(), 1);
  CAF_CHECK(breaker.state() == breaker_state::open);
}

CAF_TEST(after the open duration the next acquire moves to half_open and lets
             exactly the configured probes through) {
  manual_clock clk;
  circuit_breaker breaker{count_window(10, 10, 0.5), clk};
  trip(breaker);
  clk.advance(30s);
  CAF_CHECK(breaker.state() == breaker_state::open); // until the next acquire
  std::vector<breaker_permit> probes;
  for (int i = 0; i < 3; ++i) {
    auto d = breaker.try_acquire();
    CAF_CHECK(d.permitted());
    CAF_CHECK(d.state == breaker_state::half_open);
    if (d.permit)
      probes.push_back(*d.permit);
  }
  CAF_CHECK(breaker.state() == breaker_state::half_open);
  CAF_CHECK_EQUAL(breaker.probes_in_flight(), 3u);
  for (int i = 0; i < 5; ++i) {
    auto d = breaker.try_acquire();
    CAF_CHECK(!d.permitted());
    CAF_CHECK(d.state == breaker_state::half_open);
    CAF_CHECK_EQUAL(d.retry_after.count(), 0);
  }
  // Reports that do not complete the set leave it half open and refusing.
  breaker.record_success(probes[0], 1ms);
  breaker.record_success(probes[1], 1ms);
  CAF_CHECK(breaker.state() == breaker_state::half_open);
  CAF_CHECK_EQUAL(breaker.probes_in_flight(), 1u);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 2u);
  CAF_CHECK(!breaker.try_acquire().permitted());
}

CAF_TEST(successful probes close the breaker and clear the window) {
  manual_clock clk;
  circuit_breaker breaker{count_window(10, 10, 0.5), clk};
  trip(breaker);
  clk.advance(30s);
  calls(breaker, 3, false);
  CAF_CHECK(breaker.state() == breaker_state::closed);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 0u);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 0.0);
  // A fresh window: nine failures are not judged yet.
  calls(breaker, 9, true);
  CAF_CHECK(breaker.state() == breaker_state::closed);
  call(breaker, true);
  CAF_CHECK(breaker.state() == breaker_state::open);
}

CAF_TEST(probes below the failure threshold close the breaker) {
  manual_clock clk;
  auto cfg = count_window(10, 10, 0.5);
  cfg.half_open_probes = 3;
  circuit_breaker breaker{cfg, clk};
  trip(breaker);
  clk.advance(30s);
  call(breaker, true);
  calls(breaker, 2, false); // 1 of 3 failed: below 0.5
  CAF_CHECK(breaker.state() == breaker_state::closed);
}

CAF_TEST(failed probes reopen the breaker for a full open duration) {
  manual_clock clk;
  auto cfg = count_window(10, 10, 0.5);
  cfg.half_open_probes = 2;
  circuit_breaker breaker{cfg, clk};
  trip(breaker);
  clk.advance(31s);
  call(breaker, false);
  clk.advance(2s);
  call(breaker, true); // 1 of 2 = 0.5
  CAF_CHECK(breaker.state() == breaker_state::open);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 2u);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 0.5);
  auto d = breaker.try_acquire();
  CAF_CHECK(!d.permitted());
  CAF_CHECK_EQUAL(d.retry_after.count(), duration{30s}.count());
}

CAF_TEST(slow probes reopen the breaker) {
  manual_clock clk;
  auto cfg = count_window(10, 10, 0.5);
  cfg.slow_call_duration_threshold = 1s;
  cfg.slow_call_rate_threshold = 0.6;
  cfg.half_open_probes = 3;
  circuit_breaker breaker{cfg, clk};
  trip(breaker);
  clk.advance(30s);
  calls(breaker, 2, false, 5s);
  call(breaker, false, 10ms); // 2 of 3 slow
  CAF_CHECK(breaker.state() == breaker_state::open);
  CAF_CHECK_EQUAL(breaker.failure_rate(), 0.0);
  CAF_CHECK_EQUAL(breaker.slow_call_rate(), 2.0 / 3.0);
}

CAF_TEST(a released probe frees its slot without counting as an outcome) {
  manual_clock clk;
  auto cfg = count_window(10, 10, 0.5);
  cfg.half_open_probes = 2;
  circuit_breaker breaker{cfg, clk};
  trip(breaker);
  clk.advance(30s);
  auto a = breaker.try_acquire();
  auto b = breaker.try_acquire();
  CAF_REQUIRE(a.permitted() && b.permitted());
  CAF_CHECK(!breaker.try_acquire().permitted());
  breaker.release(*a.permit);
  CAF_CHECK_EQUAL(breaker.probes_in_flight(), 1u);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 0u);
  auto c = breaker.try_acquire();
  CAF_REQUIRE(c.permitted());
  CAF_CHECK(!breaker.try_acquire().permitted());
  breaker.record_success(*b.permit, 1ms);
  CAF_CHECK(breaker.state() == breaker_state::half_open);
  breaker.record_success(*c.permit, 1ms);
  CAF_CHECK(breaker.state() == breaker_state::closed);
}

CAF_TEST(release in the closed state changes nothing) {
  manual_clock clk;
  circuit_breaker breaker{count_window(10, 2, 0.5), clk};
  auto d = breaker.try_acquire();
  CAF_REQUIRE(d.permitted());
  breaker.release(*d.permit);
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 0u);
  CAF_CHECK(breaker.state() == breaker_state::closed);
}

CAF_TEST(outcomes of permits issued before a state change are ignored) {
  manual_clock clk;
  auto cfg = count_window(10, 2, 0.5);
  cfg.half_open_probes = 1;
  circuit_breaker breaker{cfg, clk};
  std::vector<breaker_permit> early;
  for (int i = 0; i < 5; ++i)
    early.push_back(*breaker.try_acquire().permit);
  breaker.record_failure(early[0], 1ms);
  breaker.record_failure(early[1], 1ms);
  CAF_REQUIRE(breaker.state() == breaker_state::open);
  breaker.record_failure(early[2], 1ms); // in flight when it opened
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 2u);
  clk.advance(30s);
  auto probe = breaker.try_acquire();
  CAF_REQUIRE(probe.permitted());
  breaker.record_success(early[3], 1ms); // not a probe: must not close it
  CAF_CHECK(breaker.state() == breaker_state::half_open);
  CAF_CHECK_EQUAL(breaker.probes_in_flight(), 1u);
  breaker.release(early[3]); // nor free the probe slot
  CAF_CHECK(!breaker.try_acquire().permitted());
  breaker.record_success(*probe.permit, 1ms);
  CAF_CHECK(breaker.state() == breaker_state::closed);
  breaker.record_failure(early[4], 1ms); // from the previous closed period
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 0u);
  breaker.record_failure(*probe.permit, 1ms); // a probe reported twice
  CAF_CHECK_EQUAL(breaker.calls_in_window(), 0u);
}

CAF_TEST(a zero open duration lets probes through on the next acquire) {
  manual_clock clk;
  auto cfg = count_window(10, 10, 0.5);
  cfg.open_duration = duration{0};
  circuit_breaker breaker{cfg, clk};
  trip(breaker);
  CAF_CHECK(breaker.state() == breaker_state::open);
  CAF_CHECK(breaker.try_acquire().permitted());
  CAF_CHECK(breaker.state() == breaker_state::half_open);
}

CAF_TEST(the callback sees every transition in order) {
  manual_clock clk;
  transitions seen;
  std::vector<breaker_state> state_inside_callback;
  auto cfg = count_window(10, 10, 0.5);
  cfg.half_open_probes = 1;
  circuit_breaker* self = nullptr;
  circuit_breaker breaker{cfg, clk, [&](breaker_state from, breaker_state to) {
                            seen.emplace_back(from, to);
                            state_inside_callback.push_back(self->state());
                          }};
  self = &breaker;
  trip(breaker);
  clk.advance(30s);
  call(breaker, true); // probe fails: open again
  clk.advance(30s);
  call(breaker, false); // probe succeeds: closed
  transitions expected{{breaker_state::closed, breaker_state::open},
                       {breaker_state::open, breaker_state::half_open},
                       {breaker_state::half_open, breaker_state::open},
                       {breaker_state::open, breaker_state::half_open},
                       {breaker_state::half_open, breaker_state::closed}};
  CAF_CHECK(seen == expected);
  std::vector<breaker_state> after{
      breaker_state::open, breaker_state::half_open, breaker_state::open,
      breaker_state::half_open, breaker_state::closed};
  CAF_CHECK(state_inside_callback == after);
}

CAF_TEST(on_state_change replaces or removes the callback) {
  manual_clock clk;
  auto cfg = count_window(10, 10, 0.5);
  cfg.half_open_probes = 1;
  circuit_breaker breaker{cfg, clk};
  trip(breaker); // no callback yet: nothing to see, nothing to crash
  transitions seen;
  breaker.on_state_change([&](breaker_state from, breaker_state to) {
    seen.emplace_back(from, to);
  });
  clk.advance(30s);
  auto probe = breaker.try_acquire();
  CAF_REQUIRE(probe.permitted());
  CAF_CHECK(seen ==
            transitions{{breaker_state::open, breaker_state::half_open}});
  breaker.on_state_change({});
  breaker.record_success(*probe.permit, 1ms);
  CAF_CHECK(breaker.state() == breaker_state::closed);
  CAF_CHECK_EQUAL(seen.size(), 1u);
}

CAF_TEST(randomized use never makes an illegal transition nor exceeds the half -
         open probes) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  auto violations = 0;
  // transitions_of[from][to], over all rounds: each legal kind must occur.
  int transitions_of[3][3] = {};
  for (int round = 0; round < 200; ++round) {
    circuit_breaker_config cfg;
    cfg.window_kind = rng() % 2 == 0 ? breaker_window_kind::count_based
                                     : breaker_window_kind::time_based;
    cfg.window_calls = static_cast<std::uint32_t>(1 + rng() % 20);
    cfg.window_duration = std::chrono::seconds{1 + rng() % 10};
    cfg.window_buckets = static_cast<std::uint32_t>(1 + rng() % 10);
    cfg.failure_rate_threshold = static_cast<double>(1 + rng() % 10) / 10.0;
    cfg.slow_call_duration_threshold = 100ms;
    cfg.slow_call_rate_threshold = static_cast<double>(1 + rng() % 10) / 10.0;
    cfg.minimum_calls = static_cast<std::uint32_t>(1 + rng() % 10);
    cfg.open_duration = std::chrono::seconds{rng() % 5};
    cfg.half_open_probes = static_cast<std::uint32_t>(1 + rng() % 4);
    manual_clock clk;
    // The test's own view, driven by the callback.
    auto last = breaker_state::closed;
    auto epoch = 0;     // counts transitions; permits remember theirs
    auto reported = 0u; // probes reported in the current half-open epoch
    time_point opened_at{};
    bool in_acquire = false;
    bool in_record = false;
    circuit_breaker breaker{
        cfg, clk, [&](breaker_state from, breaker_state to) {
          auto f = static_cast<int>(from);
          auto t = static_cast<int>(to);
          ++transitions_of[f][t];
          bool legal =
              (from == breaker_state::closed && to == breaker_state::open) ||
              (from == breaker_state::open && to == breaker_state::half_open) ||
              (from == breaker_state::half_open &&
               to != breaker_state::half_open);
          if (!legal || from != last)
            ++violations;
          // closed and half_open change only on a reported outcome; open only
          // on an acquire at or after the end of the open duration.
          if (from == breaker_state::open &&
              (!in_acquire || clk.now() - opened_at < cfg.open_duration))
            ++violations;
          if (from != breaker_state::open && !in_record)
            ++violations;
          if (to == breaker_state::open)
            opened_at = clk.now();
          last = to;
          ++epoch;
          reported = 0;
        }};
    struct outstanding {
      breaker_permit permit;
      int epoch;
      bool probe;
    };
    std::vector<outstanding> out;
    for (int step = 0; step < 300; ++step) {
      auto action = rng() % 10;
      if (action < 4) {
        auto before = breaker.state();
        in_acquire = true;
        auto d = breaker.try_acquire();
        in_acquire = false;
        if (before == breaker_state::closed && !d.permitted())
          ++violations;
        if (d.permitted() && d.state == breaker_state::open)
          ++violations;
        if (!d.permitted() && d.state == breaker_state::open &&
            (d.retry_after <= duration{0} ||
             d.retry_after != opened_at + cfg.open_duration - clk.now()))
          ++violations;
        if (d.permit)
          out.push_back(
              {*d.permit, epoch, d.state == breaker_state::half_open});
      } else if (action < 9 && !out.empty()) {
        auto i = static_cast<std::size_t>(rng() % out.size());
        auto o = out[i];
        out.erase(out.begin() + static_cast<long>(i));
        bool current = o.epoch == epoch;
        auto before_state = breaker.state();
        auto before_calls = breaker.calls_in_window();
        auto epoch_before = epoch;
        if (action == 8) {
          breaker.release(o.permit);
          if (epoch != epoch_before ||
              breaker.calls_in_window() != before_calls)
            ++violations;
          continue;
        }
        auto took = rng() % 2 == 0 ? 50ms : 150ms;
        in_record = true;
        if (rng() % 2 == 0)
          breaker.record_failure(o.permit, took);
        else
          breaker.record_success(o.permit, took);
        in_record = false;
        if (!current) {
          if (epoch != epoch_before ||
              breaker.calls_in_window() != before_calls)
            ++violations;
          continue;
        }
        if (before_state == breaker_state::half_open && epoch == epoch_before &&
            ++reported >= cfg.half_open_probes)
          ++violations; // all probes reported but no decision
        if (before_state == breaker_state::closed &&
            breaker.state() == breaker_state::closed &&
            breaker.calls_in_window() >= breaker.config().minimum_calls &&
            (breaker.failure_rate() >= cfg.failure_rate_threshold ||
             breaker.slow_call_rate() >= cfg.slow_call_rate_threshold))
          ++violations; // a window that should trip left it closed
      } else {
        clk.advance(rng() % 4 == 0
                        ? duration{std::chrono::seconds{rng() % 5}}
                        : duration{std::chrono::milliseconds{rng() % 300}});
      }
      if (breaker.state() != last)
        ++violations;
      if (breaker.state() == breaker_state::half_open) {
        std::uint32_t probes = 0;
        for (auto& o : out)
          if (o.probe && o.epoch == epoch)
            ++probes;
        if (probes > cfg.half_open_probes ||
            probes != breaker.probes_in_flight())
          ++violations;
      }
    }
  }
  CAF_CHECK_EQUAL(violations, 0);
  CAF_CHECK(transitions_of[0][1] > 0); // closed -> open
  CAF_CHECK(transitions_of[1][2] > 0); // open -> half_open
  CAF_CHECK(transitions_of[2][0] > 0); // half_open -> closed
  CAF_CHECK(transitions_of[2][1] > 0); // half_open -> open
}
