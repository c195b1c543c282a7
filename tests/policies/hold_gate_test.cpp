#define CAF_SUITE policies.hold_gate

#include <algorithm>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "policies/clock.hpp"
#include "policies/hold_gate.hpp"
#include "tests/support/seed.hpp"

using namespace warden::policies;
using namespace std::chrono_literals;

CAF_TEST(an open gate lets every attempt pass without probing) {
  manual_clock clk;
  hold_gate gate{clk};
  for (int i = 0; i < 3; ++i) {
    auto x = gate.try_pass();
    CAF_CHECK(x.pass);
    CAF_CHECK(!x.probe);
  }
  CAF_CHECK(!gate.closed());
}

CAF_TEST(during a hold nothing passes and after it one probe goes first) {
  manual_clock clk;
  hold_gate gate{clk};
  gate.hold_for(2s);
  CAF_CHECK(gate.closed());
  auto held = gate.try_pass();
  CAF_CHECK(!held.pass);
  CAF_CHECK(held.until == clk.now() + 2s);
  clk.advance(1999ms);
  CAF_CHECK(!gate.try_pass().pass);
  clk.advance(1ms);
  auto probe = gate.try_pass();
  CAF_CHECK(probe.pass);
  CAF_CHECK(probe.probe);
  // The others wait for the probe's answer.
  CAF_CHECK(!gate.try_pass().pass);
  CAF_CHECK(gate.closed());
  gate.probe_succeeded();
  auto after = gate.try_pass();
  CAF_CHECK(after.pass);
  CAF_CHECK(!after.probe);
}

CAF_TEST(a probe told to wait again holds every attempt again) {
  manual_clock clk;
  hold_gate gate{clk};
  gate.hold_for(1s);
  clk.advance(1s);
  CAF_REQUIRE(gate.try_pass().probe);
  gate.probe_held(3s);
  CAF_CHECK(!gate.try_pass().pass);
  clk.advance(2999ms);
  CAF_CHECK(!gate.try_pass().pass);
  clk.advance(1ms);
  CAF_CHECK(gate.try_pass().probe);
  // Told to wait without a duration: the default wait.
  gate.probe_held(std::nullopt);
  CAF_CHECK(gate.until() == clk.now() + hold_gate::default_wait);
}

CAF_TEST(a hold is extended and never shortened) {
  manual_clock clk;
  hold_gate gate{clk};
  gate.hold_for(5s);
  gate.hold_for(1s);
  CAF_CHECK(gate.until() == clk.now() + 5s);
  gate.hold_for(7s);
  CAF_CHECK(gate.until() == clk.now() + 7s);
  gate.hold_for(0s);
  gate.hold_for(-3s);
  CAF_CHECK(gate.until() == clk.now() + 7s);
}

CAF_TEST(an abandoned probe lets another probe) {
  manual_clock clk;
  hold_gate gate{clk};
  gate.hold_for(1s);
  clk.advance(1s);
  CAF_REQUIRE(gate.try_pass().probe);
  gate.probe_abandoned();
  CAF_CHECK(gate.try_pass().probe);
}

CAF_TEST(a hold asked for while the probe was out still stands) {
  manual_clock clk;
  hold_gate gate{clk};
  gate.hold_for(1s);
  clk.advance(1s);
  CAF_REQUIRE(gate.try_pass().probe);
  gate.hold_for(4s); // another call in flight was told to wait
  gate.probe_succeeded();
  CAF_CHECK(!gate.try_pass().pass);
  clk.advance(4s);
  CAF_CHECK(gate.try_pass().probe);
}

CAF_TEST(
    many callers held by one request to wait make one request when it ends) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed " << seed);
  random_engine rng{seed};
  manual_clock clk;
  hold_gate gate{clk};
  gate.hold_for(2s);
  // 64 callers ask again at random instants over the next 3 s; count the
  // requests that pass before the probe is answered.
  std::uniform_int_distribution<int> at_ms{0, 3000};
  std::vector<int> times;
  for (int i = 0; i < 64; ++i)
    times.push_back(at_ms(rng));
  std::sort(times.begin(), times.end());
  int passed_before_end = 0;
  int passed_after_end = 0;
  int now_ms = 0;
  for (auto t : times) {
    clk.advance(std::chrono::milliseconds{t - now_ms});
    now_ms = t;
    if (gate.try_pass().pass)
      ++(t < 2000 ? passed_before_end : passed_after_end);
  }
  CAF_CHECK_EQUAL(passed_before_end, 0);
  CAF_CHECK_LESS_OR_EQUAL(passed_after_end, 1);
}
