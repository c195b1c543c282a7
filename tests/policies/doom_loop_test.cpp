#define CAF_SUITE policies.doom_loop
#include <deque>
#include <map>
#include <string>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "policies/clock.hpp"
#include "policies/doom_loop.hpp"
#include "tests/support/seed.hpp"

using namespace warden::policies;
using namespace std::chrono_literals;

namespace {

doom_loop_config cfg(std::uint32_t repeat, std::uint32_t window,
                     std::uint32_t unparseable) {
  doom_loop_config result;
  result.repeat_threshold = repeat;
  result.window_calls = window;
  result.unparseable_threshold = unparseable;
  result.window_time = duration::zero();
  return result;
}

bool mentions(const doom_decision& d, const std::string& what) {
  return d.reason.find(what) != std::string::npos;
}

} // namespace

CAF_TEST(identical calls below the threshold are ok and the threshold warns
             naming the tool and the count) {
  manual_clock clk;
  doom_loop loop{cfg(3, 20, 3), clk};
  auto first = loop.observe_call("search", R"({"q":"x"})");
  CAF_CHECK(first.ok());
  CAF_CHECK(first.reason.empty());
  CAF_CHECK_EQUAL(first.count, 0u);
  CAF_CHECK(loop.observe_call("search", R"({"q":"x"})").ok());
  auto third = loop.observe_call("search", R"({"q":"x"})");
  CAF_CHECK(third.verdict == doom_verdict::warn);
  CAF_CHECK(third.cause == doom_cause::repeated_call);
  CAF_CHECK_EQUAL(third.count, 3u);
  CAF_CHECK(mentions(third, "'search'"));
  CAF_CHECK(mentions(third, "called 3 times"));
  CAF_CHECK(mentions(third, "repeat_threshold 3"));
  CAF_CHECK(mentions(third, "warn"));
  CAF_CHECK_EQUAL(loop.detections(), 1u);
}

CAF_TEST(different arguments or different tools are different calls) {
  manual_clock clk;
  doom_loop loop{cfg(2, 20, 3), clk};
  CAF_CHECK(loop.observe_call("search", "a").ok());
  CAF_CHECK(loop.observe_call("search", "b").ok());
  CAF_CHECK(loop.observe_call("fetch", "a").ok());
  // The pair is hashed as a pair: splitting the same bytes differently is a
  // different call.
  CAF_CHECK(loop.observe_call("ab", "c").ok());
  CAF_CHECK(loop.observe_call("a", "bc").ok());
  CAF_CHECK(loop.observe_call("search", "").ok());
  CAF_CHECK_EQUAL(loop.detections(), 0u);
  CAF_CHECK(loop.observe_call("fetch", "a").verdict == doom_verdict::warn);
}

CAF_TEST(
    the default escalation goes warn then nudge then halt and stays halted) {
  manual_clock clk;
  doom_loop loop{doom_loop_config{}, clk};
  CAF_CHECK(loop.observe_call("ls", "/").ok());
  CAF_CHECK(loop.observe_call("ls", "/").ok());
  auto d1 = loop.observe_call("ls", "/");
  auto d2 = loop.observe_call("ls", "/");
  CAF_CHECK(!loop.halted());
  auto d3 = loop.observe_call("ls", "/");
  CAF_CHECK(d1.verdict == doom_verdict::warn);
  CAF_CHECK(d2.verdict == doom_verdict::nudge);
  CAF_CHECK_EQUAL(d2.count, 4u);
  CAF_CHECK(d3.verdict == doom_verdict::halt);
  CAF_CHECK_EQUAL(d3.count, 5u);
  CAF_CHECK(mentions(d3, "detection 3: halt"));
  CAF_CHECK(loop.halted());
  // Whatever comes next, including a fresh call and a reset, stays halted
  // with the reason that halted it.
  auto later = loop.observe_call("other", "{}");
  CAF_CHECK(later.verdict == doom_verdict::halt);
  CAF_CHECK_EQUAL(later.reason, d3.reason);
  CAF_CHECK(later.cause == doom_cause::repeated_call);
  loop.reset();
  CAF_CHECK(loop.halted());
  CAF_CHECK(loop.observe_unparseable("x").verdict == doom_verdict::halt);
  CAF_CHECK(loop.observe_call("new", "turn").verdict == doom_verdict::halt);
}

CAF_TEST(the number of detections per level is configurable) {
  manual_clock clk;
  auto c = cfg(1, 10, 3);
  c.warn_detections = 2;
  c.nudge_detections = 3;
  doom_loop loop{c, clk};
  std::vector<doom_verdict> got;
  for (int i = 0; i < 7; ++i)
    got.push_back(loop.observe_call("t", std::to_string(i)).verdict);
  std::vector<doom_verdict> want{doom_verdict::warn,  doom_verdict::warn,
                                 doom_verdict::nudge, doom_verdict::nudge,
                                 doom_verdict::nudge, doom_verdict::halt,
                                 doom_verdict::halt};
  CAF_CHECK(got == want);
}

CAF_TEST(zero detections for warn and nudge halts on the first detection) {
  manual_clock clk;
  auto c = cfg(2, 10, 3);
  c.warn_detections = 0;
  c.nudge_detections = 0;
  doom_loop loop{c, clk};
  CAF_CHECK(loop.observe_call("t", "x").ok());
  CAF_CHECK(loop.observe_call("t", "x").verdict == doom_verdict::halt);
  CAF_CHECK(loop.halted());
}

CAF_TEST(a call that left the last window_calls calls no longer counts) {
  manual_clock clk;
  doom_loop loop{cfg(2, 3, 3), clk};
  CAF_CHECK(loop.observe_call("a", "1").ok());
  CAF_CHECK(loop.observe_call("b", "1").ok());
  CAF_CHECK(loop.observe_call("c", "1").ok());
  CAF_CHECK_EQUAL(loop.window_size(), 3u);
  // Window now b c a: the first "a" has left.
  CAF_CHECK(loop.observe_call("a", "1").ok());
  CAF_CHECK_EQUAL(loop.window_size(), 3u);
  // Window c a a: detection.
  auto d = loop.observe_call("a", "1");
  CAF_CHECK(d.verdict == doom_verdict::warn);
  CAF_CHECK_EQUAL(d.count, 2u);
  CAF_CHECK(mentions(d, "last 3 calls"));
}

CAF_TEST(the time window forgets a call exactly window_time after it) {
  manual_clock clk;
  auto c = cfg(2, 100, 3);
  c.window_time = 10s;
  {
    doom_loop loop{c, clk};
    CAF_CHECK(loop.observe_call("a", "1").ok());
    clk.advance(10s - 1ns);
    CAF_CHECK(loop.observe_call("a", "1").verdict == doom_verdict::warn);
  }
  {
    doom_loop loop{c, clk};
    CAF_CHECK(loop.observe_call("a", "1").ok());
    clk.advance(10s);
    CAF_CHECK(loop.observe_call("a", "1").ok());
    CAF_CHECK_EQUAL(loop.window_size(), 1u);
  }
}

CAF_TEST(a zero window_time keeps calls however old they are) {
  manual_clock clk;
  doom_loop loop{cfg(2, 100, 3), clk};
  CAF_CHECK(loop.observe_call("a", "1").ok());
  clk.advance(std::chrono::hours{24 * 365});
  CAF_CHECK(loop.observe_call("a", "1").verdict == doom_verdict::warn);
}

CAF_TEST(unparseable payloads in a row for one tool are detected with the
           tool and streak named) {
  manual_clock clk;
  doom_loop loop{cfg(3, 20, 3), clk};
  CAF_CHECK(loop.observe_unparseable("write").ok());
  CAF_CHECK(loop.observe_unparseable("write").ok());
  auto d = loop.observe_unparseable("write");
  CAF_CHECK(d.verdict == doom_verdict::warn);
  CAF_CHECK(d.cause == doom_cause::unparseable);
  CAF_CHECK_EQUAL(d.count, 3u);
  CAF_CHECK(mentions(d, "'write'"));
  CAF_CHECK(mentions(d, "3 unparseable"));
  CAF_CHECK(mentions(d, "unparseable_threshold 3"));
  auto next = loop.observe_unparseable("write");
  CAF_CHECK(next.verdict == doom_verdict::nudge);
  CAF_CHECK_EQUAL(next.count, 4u);
}

CAF_TEST(a parseable call resets only that tool unparseable streak) {
  manual_clock clk;
  doom_loop loop{cfg(3, 20, 2), clk};
  CAF_CHECK(loop.observe_unparseable("write").ok());
  CAF_CHECK(loop.observe_unparseable("read").ok());
  // A parseable call to another tool does not break the streak of "write".
  CAF_CHECK(loop.observe_call("read", "{}").ok());
  auto w = loop.observe_unparseable("write");
  CAF_CHECK(w.verdict == doom_verdict::warn);
  CAF_CHECK_EQUAL(w.count, 2u);
  // "read" was reset by its parseable call: its streak starts again.
  CAF_CHECK(loop.observe_unparseable("read").ok());
  CAF_CHECK(loop.observe_call("write", "{}").ok());
  CAF_CHECK(loop.observe_unparseable("write").ok());
  CAF_CHECK_EQUAL(loop.detections(), 1u);
}

CAF_TEST(unparseable calls do not enter the repeat window) {
  manual_clock clk;
  doom_loop loop{cfg(2, 2, 0), clk};
  CAF_CHECK(loop.observe_call("a", "1").ok());
  for (int i = 0; i < 10; ++i)
    CAF_CHECK(loop.observe_unparseable("a").ok());
  CAF_CHECK_EQUAL(loop.window_size(), 1u);
  CAF_CHECK(loop.observe_call("a", "1").verdict == doom_verdict::warn);
}

CAF_TEST(a zero threshold turns its detector off) {
  manual_clock clk;
  doom_loop loop{cfg(0, 20, 0), clk};
  for (int i = 0; i < 50; ++i) {
    CAF_CHECK(loop.observe_call("a", "1").ok());
    CAF_CHECK(loop.observe_unparseable("a").ok());
  }
  doom_loop no_window{cfg(2, 0, 2), clk};
  CAF_CHECK(no_window.observe_call("a", "1").ok());
  CAF_CHECK(no_window.observe_call("a", "1").ok());
  CAF_CHECK_EQUAL(no_window.window_size(), 0u);
}

CAF_TEST(reset forgets the window the streaks and the escalation) {
  manual_clock clk;
  doom_loop loop{cfg(2, 20, 2), clk};
  CAF_CHECK(loop.observe_call("a", "1").ok());
  CAF_CHECK(loop.observe_call("a", "1").verdict == doom_verdict::warn);
  CAF_CHECK(loop.observe_unparseable("b").ok());
  loop.reset();
  CAF_CHECK_EQUAL(loop.detections(), 0u);
  CAF_CHECK_EQUAL(loop.window_size(), 0u);
  CAF_CHECK(loop.observe_unparseable("b").ok());
  CAF_CHECK(loop.observe_call("a", "1").ok());
  // The escalation starts again at warn, not nudge.
  CAF_CHECK(loop.observe_call("a", "1").verdict == doom_verdict::warn);
}

CAF_TEST(verdict and cause names are stable) {
  CAF_CHECK_EQUAL(std::string{to_string(doom_verdict::ok)}, "ok");
  CAF_CHECK_EQUAL(std::string{to_string(doom_verdict::warn)}, "warn");
  CAF_CHECK_EQUAL(std::string{to_string(doom_verdict::nudge)}, "nudge");
  CAF_CHECK_EQUAL(std::string{to_string(doom_verdict::halt)}, "halt");
  CAF_CHECK_EQUAL(std::string{to_string(doom_cause::none)}, "none");
  CAF_CHECK_EQUAL(std::string{to_string(doom_cause::repeated_call)},
                  "repeated_call");
  CAF_CHECK_EQUAL(std::string{to_string(doom_cause::unparseable)},
                  "unparseable");
}

CAF_TEST(randomized observations match a model that keeps every string) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  auto mismatches = 0;
  auto oversized_windows = 0;
  auto detections_seen = 0;
  for (int round = 0; round < 200; ++round) {
    doom_loop_config c;
    c.repeat_threshold = static_cast<std::uint32_t>(rng() % 5);
    c.window_calls = static_cast<std::uint32_t>(rng() % 8);
    c.unparseable_threshold = static_cast<std::uint32_t>(rng() % 5);
    c.window_time =
        rng() % 2 == 0 ? duration::zero() : duration{1 + rng() % 50};
    c.warn_detections = static_cast<std::uint32_t>(rng() % 4);
    c.nudge_detections = static_cast<std::uint32_t>(rng() % 4);
    manual_clock clk;
    doom_loop loop{c, clk};
    // The model: the window as strings with times, streaks by tool name.
    struct seen {
      std::string tool;
      std::string args;
      time_point at;
    };
    std::deque<seen> window;
    std::map<std::string, std::uint32_t> streaks;
    std::uint64_t detections = 0;
    bool halted = false;
    for (int step = 0; step < 150; ++step) {
      clk.advance(duration{rng() % 4});
      auto tool = std::string{"t"} + std::to_string(rng() % 3);
      auto args = std::string{"{\"n\":"} + std::to_string(rng() % 3) + "}";
      doom_cause cause = doom_cause::none;
      std::uint32_t count = 0;
      bool unparseable = rng() % 3 == 0;
      doom_decision got;
      if (unparseable) {
        got = loop.observe_unparseable(tool);
        if (!halted && c.unparseable_threshold > 0) {
          auto streak = ++streaks[tool];
          if (streak >= c.unparseable_threshold) {
            cause = doom_cause::unparseable;
            count = streak;
          }
        }
      } else {
        got = loop.observe_call(tool, args);
        if (!halted) {
          streaks.erase(tool);
          if (c.repeat_threshold > 0 && c.window_calls > 0) {
            auto now = clk.now();
            while (!window.empty() && c.window_time > duration::zero() &&
                   now - window.front().at >= c.window_time)
              window.pop_front();
            if (window.size() == c.window_calls)
              window.pop_front();
            window.push_back(seen{tool, args, now});
            std::uint32_t n = 0;
            for (auto& w : window)
              if (w.tool == tool && w.args == args)
                ++n;
            if (n >= c.repeat_threshold) {
              cause = doom_cause::repeated_call;
              count = n;
            }
          }
        }
      }
      auto want = doom_verdict::ok;
      if (halted) {
        want = doom_verdict::halt;
      } else if (cause != doom_cause::none) {
        ++detections;
        if (detections <= c.warn_detections)
          want = doom_verdict::warn;
        else if (detections <=
                 std::uint64_t{c.warn_detections} + c.nudge_detections)
          want = doom_verdict::nudge;
        else
          want = doom_verdict::halt;
        halted = want == doom_verdict::halt;
      }
      if (got.verdict != want)
        ++mismatches;
      if (!halted && (got.cause != cause || got.count != count))
        ++mismatches;
      if (got.ok() != got.reason.empty())
        ++mismatches;
      if (cause != doom_cause::none &&
          got.reason.find("'" + tool + "'") == std::string::npos)
        ++mismatches;
      if (loop.halted() != halted || loop.detections() != detections)
        ++mismatches;
      if (loop.window_size() > c.window_calls)
        ++oversized_windows;
      if (cause != doom_cause::none)
        ++detections_seen;
      if (rng() % 97 == 0 && !halted) {
        loop.reset();
        window.clear();
        streaks.clear();
        detections = 0;
      }
    }
  }
  CAF_MESSAGE("detections exercised: " << detections_seen);
  CAF_CHECK(detections_seen > 0);
  CAF_CHECK_EQUAL(mismatches, 0);
  CAF_CHECK_EQUAL(oversized_windows, 0);
}
