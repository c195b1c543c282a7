#pragma once

// Counts the runs of one benchmark phase across the client actors that
// submit them. Thread-safe: clients on any scheduler thread update it, the
// main thread waits on it.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "bench/standard/measure.hpp"

namespace warden::bench {

/// How one run of a phase ended, as its client saw it.
enum class run_outcome { succeeded, failed, refused };

/// The runs of one phase: how many may still be submitted, how they ended,
/// and when the last one did.
class run_tally {
 public:
  /// A phase of `total` runs.
  explicit run_tally(std::uint64_t total)
      : total_(total), to_submit_(static_cast<std::int64_t>(total)) {}

  /// Claims one run to submit; false once all `total` are claimed.
  bool claim() noexcept {
    return to_submit_.fetch_sub(1, std::memory_order_relaxed) > 0;
  }

  /// Records how a claimed run ended; the last one wakes `wait`.
  void finish(run_outcome outcome) {
    switch (outcome) {
    case run_outcome::succeeded:
      succeeded_.fetch_add(1, std::memory_order_relaxed);
      break;
    case run_outcome::failed:
      failed_.fetch_add(1, std::memory_order_relaxed);
      break;
    case run_outcome::refused:
      refused_.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == total_) {
      std::lock_guard<std::mutex> guard{mtx_};
      end_ = wall_clock::now();
      done_ = true;
      cv_.notify_all();
    }
  }

  /// Waits until every run ended or `timeout` passed; true when all ended.
  bool wait(std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> guard{mtx_};
    return total_ == 0 ||
           cv_.wait_for(guard, timeout, [this] { return done_; });
  }

  /// When the last run ended (valid after `wait` returned true).
  [[nodiscard]] wall_clock::time_point end() const { return end_; }

  [[nodiscard]] std::uint64_t total() const noexcept { return total_; }
  [[nodiscard]] std::uint64_t finished() const noexcept {
    return finished_.load();
  }
  [[nodiscard]] std::uint64_t succeeded() const noexcept {
    return succeeded_.load();
  }
  [[nodiscard]] std::uint64_t failed() const noexcept { return failed_.load(); }
  [[nodiscard]] std::uint64_t refused() const noexcept {
    return refused_.load();
  }

 private:
  const std::uint64_t total_;
  std::atomic<std::int64_t> to_submit_;
  std::atomic<std::uint64_t> finished_{0};
  std::atomic<std::uint64_t> succeeded_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::mutex mtx_;
  std::condition_variable cv_;
  bool done_ = false;
  wall_clock::time_point end_;
};

} // namespace warden::bench
