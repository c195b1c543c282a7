#define CAF_SUITE net.accept_backoff
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "net/fd_limits.hpp"
#include "tests/net/server_fixture.hpp"

using namespace warden::net;
using namespace warden::net::test;

namespace {

/// This process's CPU time (user and system), in milliseconds.
long long cpu_ms() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto ms = [](const timeval& t) {
    return static_cast<long long>(t.tv_sec) * 1000 + t.tv_usec / 1000;
  };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

/// Lowers this process's soft limit on open files to what is open now plus
/// `extra`, fills it, and undoes both when it goes.
struct exhausted_fds {
  explicit exhausted_fds(rlim_t extra) {
    getrlimit(RLIMIT_NOFILE, &saved);
    auto lowered = saved;
    lowered.rlim_cur = *count_open_fds() + extra;
    setrlimit(RLIMIT_NOFILE, &lowered);
    // Another thread may hold a descriptor for a moment (an accept takes
    // one before it knows whether a connection waits): fill again until
    // 50 ms pass without finding one free.
    auto quiet_since = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - quiet_since < 50ms) {
      int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        std::this_thread::sleep_for(1ms);
        continue;
      }
      held.push_back(fd);
      quiet_since = std::chrono::steady_clock::now();
    }
  }
  void release() {
    for (int fd : held)
      ::close(fd);
    held.clear();
  }
  ~exhausted_fds() {
    release();
    setrlimit(RLIMIT_NOFILE, &saved);
  }
  rlimit saved{};
  std::vector<int> held;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(accept_backoff_tests, server_fixture)

CAF_TEST(accept backs off while descriptors are out and recovers after) {
  auto options = quick_options();
  options.idle_timeout = 30'000ms;
  options.accept_backoff_min = 10ms;
  options.accept_backoff_max = 200ms;
  serve(options, hello_routes());
  // A first exchange, on a connection kept open: the server's thread has
  // run and waits, idle, when the descriptors run out.
  client first{port()};
  CAF_REQUIRE(first.send(get_request("/hello")));
  CAF_REQUIRE(first.read_response(5s));
  // The client's socket exists before the descriptors run out; connecting
  // needs none on this side, and the server's accept then fails.
  client c;
  exhausted_fds exhausted{64};
  CAF_REQUIRE(!exhausted.held.empty());
  CAF_REQUIRE(c.connect(port()));
  CAF_REQUIRE(
      eventually([this] { return server->stats().accept_failures >= 3; }, 5s));
  auto failures_before = server->stats().accept_failures;
  auto cpu_before = cpu_ms();
  auto start = test_clock::now();
  std::this_thread::sleep_for(1s); // the span measured: a wall-clock second
  auto window = elapsed_ms(start);
  auto failures = server->stats().accept_failures - failures_before;
  auto cpu = cpu_ms() - cpu_before;
  CAF_MESSAGE(failures << " failed accepts and " << cpu << " ms of CPU in "
                       << window << " ms without descriptors");
  // Spinning fails hundreds of thousands of accepts per second; a backoff
  // capped at 200 ms, a handful.
  CAF_CHECK_LESS_OR_EQUAL(failures, 10u);
  CAF_CHECK_LESS(cpu, window / 5);
  CAF_CHECK_EQUAL(server->stats().connections_accepted, 1u);
  exhausted.release();
  CAF_REQUIRE(c.send(get_request("/hello")));
  auto answer = c.read_response(5s);
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(status_of(*answer), 200);
}

CAF_TEST_FIXTURE_SCOPE_END()
