#define CAF_SUITE net.fd_watch
#include <deque>
#include <fcntl.h>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "net/fd_headroom.hpp"
#include "net/fd_limits.hpp"
#include "net/fd_watch.hpp"

using namespace warden::net;

namespace {

/// Records what the watch asks of it; fails on demand.
struct fake_listener : pausable_listener {
  std::string name() const override { return "test port"; }
  std::string pause() override {
    calls.push_back("pause");
    return pause_failure;
  }
  std::string resume() override {
    calls.push_back("resume");
    return resume_failure;
  }
  std::vector<std::string> calls;
  std::string pause_failure;
  std::string resume_failure;
};

/// A watch whose free-descriptor count comes from `counts`, one per check.
struct watch_fixture {
  watch_fixture()
      : watch(
            {4, 2, std::chrono::milliseconds{100}}, listener,
            [this](const std::string& line) { reports.push_back(line); },
            [this] {
              auto next = counts.front();
              counts.pop_front();
              return next;
            }) {
    // nop
  }

  void check(std::uint64_t free) {
    counts.push_back(free);
    watch.check();
  }

  fake_listener listener;
  std::vector<std::string> reports;
  std::deque<std::uint64_t> counts;
  fd_watch watch;
};

} // namespace

CAF_TEST(headroom pauses below the low mark and resumes at the high one) {
  fd_headroom headroom{16, 96};
  using action = fd_headroom::action;
  CAF_CHECK(headroom.observe(100) == action::none);
  CAF_CHECK(headroom.observe(16) == action::none);
  CAF_CHECK(headroom.observe(15) == action::pause);
  CAF_CHECK(headroom.paused());
  CAF_CHECK(headroom.observe(0) == action::none);
  CAF_CHECK(headroom.observe(95) == action::none);
  CAF_CHECK(headroom.observe(96) == action::resume);
  CAF_CHECK(!headroom.paused());
  CAF_CHECK(headroom.observe(20) == action::none);
}

CAF_TEST(headroom keeps a gap between its marks) {
  fd_headroom headroom{16, 4};
  CAF_CHECK(headroom.observe(0) == fd_headroom::action::pause);
  CAF_CHECK(headroom.observe(16) == fd_headroom::action::none);
  CAF_CHECK(headroom.observe(17) == fd_headroom::action::resume);
}

CAF_TEST_FIXTURE_SCOPE(fd_watch_tests, watch_fixture)

CAF_TEST(the watch holds its reserve and lets it go when it pauses) {
  CAF_CHECK_EQUAL(watch.reserved(), 4u);
  check(10);
  CAF_CHECK(listener.calls.empty());
  check(1);
  CAF_CHECK(watch.paused());
  CAF_CHECK_EQUAL(listener.calls, std::vector<std::string>{"pause"});
  CAF_CHECK_EQUAL(watch.reserved(), 0u);
  CAF_REQUIRE_EQUAL(reports.size(), 1u);
  CAF_CHECK(reports[0].find("test port paused: 1 file descriptors free") == 0);
  // Resuming takes the reserve back: it waits for reserve + 2 * pause_below.
  check(7);
  CAF_CHECK(watch.paused());
  check(8);
  CAF_CHECK(!watch.paused());
  CAF_CHECK_EQUAL(listener.calls,
                  (std::vector<std::string>{"pause", "resume"}));
  CAF_CHECK_EQUAL(watch.reserved(), 4u);
}

CAF_TEST(a pause that fails keeps the reserve and is tried again) {
  listener.pause_failure = "busy";
  check(0);
  CAF_CHECK(!watch.paused());
  CAF_CHECK_EQUAL(watch.reserved(), 4u);
  CAF_CHECK(reports.back().find("cannot pause test port: busy") == 0);
  listener.pause_failure.clear();
  check(0);
  CAF_CHECK(watch.paused());
}

CAF_TEST(a resume that fails stays paused and is tried again) {
  check(0);
  listener.resume_failure = "address in use";
  check(100);
  CAF_CHECK(watch.paused());
  CAF_CHECK_EQUAL(watch.reserved(), 0u);
  CAF_CHECK(reports.back().find("cannot resume test port") == 0);
  listener.resume_failure.clear();
  check(100);
  CAF_CHECK(!watch.paused());
  CAF_CHECK_EQUAL(watch.reserved(), 4u);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(the open descriptor count follows opens and closes) {
  auto before = count_open_fds();
  CAF_REQUIRE(before);
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  CAF_REQUIRE(fd >= 0);
  CAF_CHECK_EQUAL(count_open_fds(), *before + 1);
  ::close(fd);
  CAF_CHECK_EQUAL(count_open_fds(), before);
  CAF_CHECK_EQUAL(free_fds(), fd_limit() - *before);
}

CAF_TEST(raising the limit lifts the soft limit to the hard one) {
  rlimit saved{};
  CAF_REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
  auto lowered = saved;
  lowered.rlim_cur = std::min<rlim_t>(saved.rlim_max, 512);
  CAF_REQUIRE(setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  auto change = raise_fd_limit();
  CAF_CHECK(change.error.empty());
  CAF_CHECK_EQUAL(change.before, lowered.rlim_cur);
  if (saved.rlim_max != RLIM_INFINITY)
    CAF_CHECK_EQUAL(change.after, saved.rlim_max);
  CAF_CHECK_EQUAL(fd_limit(), change.after);
  setrlimit(RLIMIT_NOFILE, &saved);
}
