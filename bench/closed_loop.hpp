#pragma once

// Shared by the benchmarks that compare two ways of doing the same work in
// one process (warden-provider-bench, warden-api-bench): latencies and
// throughput of one side, process CPU, and a wait for the last answer.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <sys/resource.h>
#include <vector>

namespace warden::bench {

using clock_type = std::chrono::steady_clock;

/// Latencies of one side at one concurrency, and its throughput.
struct figures {
  std::vector<double> latency_us;
  double seconds = 0;
  /// CPU time of the whole process (server, client and node), in seconds.
  double cpu_seconds = 0;
  std::uint64_t failed = 0;

  /// Process CPU per answered call, in microseconds: what a call costs,
  /// free of the scheduling noise of latency percentiles.
  double cpu_us_per_call() const {
    return latency_us.empty()
               ? 0
               : cpu_seconds * 1e6 / static_cast<double>(latency_us.size());
  }

  double percentile(double p) const {
    if (latency_us.empty())
      return 0;
    auto sorted = latency_us;
    std::sort(sorted.begin(), sorted.end());
    auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size()));
    return sorted[std::min(i, sorted.size() - 1)];
  }

  double calls_per_second() const {
    return seconds > 0 ? static_cast<double>(latency_us.size()) / seconds : 0;
  }
};

/// Waits for the last call of a loop (the benchmark's main thread).
class countdown {
 public:
  void finished() {
    std::lock_guard<std::mutex> guard{mutex_};
    done_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock{mutex_};
    cv_.wait(lock, [this] { return done_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
};

/// User and system CPU time of this process, in seconds.
inline double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

inline double micros(clock_type::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

} // namespace warden::bench
