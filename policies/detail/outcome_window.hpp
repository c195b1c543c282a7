#pragma once

#include <cstdint>
#include <vector>

#include "policies/clock.hpp"
#include "policies/detail/time_bucket_ring.hpp"

namespace warden::policies::detail {

/// Calls, failures and slow calls in some set of recorded outcomes.
struct outcome_counts {
  std::uint32_t calls = 0;
  std::uint32_t failures = 0;
  std::uint32_t slow = 0;

  outcome_counts& operator+=(const outcome_counts& x) noexcept {
    calls += x.calls;
    failures += x.failures;
    slow += x.slow;
    return *this;
  }

  outcome_counts& operator-=(const outcome_counts& x) noexcept {
    calls -= x.calls;
    failures -= x.failures;
    slow -= x.slow;
    return *this;
  }
};

/// The circuit breaker's sliding window: either the last N outcomes (a ring of
/// one byte per call) or the outcomes of the last D (a ring of time buckets).
/// O(1) per record in both kinds. Not thread-safe.
class outcome_window {
 public:
  /// A window over the last `calls` outcomes (at least 1).
  explicit outcome_window(std::uint32_t calls)
      : time_based_(false),
        flags_(calls == 0 ? 1 : calls),
        buckets_(duration{1}, 1, time_point{}) {}

  /// A window over the last `window`, in `buckets` time buckets.
  outcome_window(duration window, std::uint32_t buckets, time_point now)
      : time_based_(true), buckets_(window, buckets, now) {}

  /// Records one outcome at `now`.
  void add(time_point now, bool failed, bool slow) {
    outcome_counts c{1, failed ? 1u : 0u, slow ? 1u : 0u};
    if (time_based_) {
      buckets_.add(now, c);
      return;
    }
    auto& slot = flags_[next_];
    if (count_totals_.calls == flags_.size()) {
      count_totals_ -= outcome_counts{1, (slot & failed_bit) ? 1u : 0u,
                                      (slot & slow_bit) ? 1u : 0u};
    }
    slot = static_cast<std::uint8_t>((failed ? failed_bit : 0) |
                                     (slow ? slow_bit : 0));
    count_totals_ += c;
    if (++next_ == flags_.size())
      next_ = 0;
  }

  /// The counts in the window as seen at `now`.
  [[nodiscard]] outcome_counts totals(time_point now) const {
    return time_based_ ? buckets_.totals(now) : count_totals_;
  }

  /// Empties the window; a time-based window restarts at `now`.
  void clear(time_point now) {
    if (time_based_) {
      buckets_.clear(now);
      return;
    }
    next_ = 0;
    count_totals_ = outcome_counts{};
  }

 private:
  static constexpr std::uint8_t failed_bit = 1;
  static constexpr std::uint8_t slow_bit = 2;

  bool time_based_;
  // Count-based: one flag byte per call, oldest at next_ once full.
  std::vector<std::uint8_t> flags_;
  std::size_t next_ = 0;
  outcome_counts count_totals_;
  // Time-based.
  time_bucket_ring<outcome_counts> buckets_;
};

} // namespace warden::policies::detail
