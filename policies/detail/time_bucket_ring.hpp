#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "policies/clock.hpp"

namespace warden::policies::detail {

/// Sums of `Counts` over a sliding time window kept as a ring of equal time
/// buckets: O(1) per add, amortized O(1) per bucket of elapsed time, memory
/// independent of traffic. `Counts` is a small aggregate with `+=`, `-=` and
/// value-initialization to zero. Not thread-safe.
///
/// Buckets are aligned to multiples of the bucket width since the clock's
/// epoch. The window at instant `t` is the bucket holding `t` and the
/// `bucket_count - 1` buckets before it, so an entry added at `t0` expires at
/// the first bucket boundary after `t0 + window - width`: it is remembered for
/// more than `window - width` and at most `window`.
template <class Counts>
class time_bucket_ring {
 public:
  /// Covers `window` with `bucket_count` buckets of width `window /
  /// bucket_count` (at least 1 ns; a bucket count of 0 counts as 1), starting
  /// empty at `now`.
  time_bucket_ring(duration window, std::uint32_t bucket_count, time_point now)
      : ring_(std::max<std::uint32_t>(bucket_count, 1)),
        width_(std::max<std::int64_t>(
            window.count() / static_cast<std::int64_t>(ring_.size()), 1)) {
    move_to(index_of(now));
  }

  /// Adds `c` to the bucket holding `now`, first dropping expired buckets.
  /// `now` must not go backwards between calls.
  void add(time_point now, const Counts& c) {
    if (now >= current_end_)
      advance(now);
    ring_[slot_] += c;
    totals_ += c;
  }

  /// The sums over the window as seen at `now` (which must not be older than
  /// the last `add`); does not modify the ring.
  [[nodiscard]] Counts totals(time_point now) const {
    if (now < current_end_)
      return totals_;
    auto gap = index_of(now) - index_;
    if (gap >= size())
      return Counts{};
    auto result = totals_;
    for (std::int64_t k = 1; k <= gap; ++k)
      result -= ring_[wrap(static_cast<std::int64_t>(slot_) + k)];
    return result;
  }

  /// The sums of the oldest bucket of the window as seen at `now` (zero when
  /// that bucket has seen nothing yet); does not modify the ring.
  [[nodiscard]] Counts oldest(time_point now) const {
    auto index = now < current_end_ ? index_ : index_of(now);
    auto first = index - size() + 1;
    if (first > index_)
      return Counts{};
    return ring_[wrap(first)];
  }

  /// Forgets everything; the window restarts empty at `now`.
  void clear(time_point now) {
    std::fill(ring_.begin(), ring_.end(), Counts{});
    totals_ = Counts{};
    move_to(index_of(now));
  }

  /// The width of one bucket: the granularity at which entries expire.
  [[nodiscard]] duration bucket_width() const noexcept {
    return duration{width_};
  }

 private:
  [[nodiscard]] std::int64_t size() const noexcept {
    return static_cast<std::int64_t>(ring_.size());
  }

  [[nodiscard]] std::int64_t wrap(std::int64_t i) const noexcept {
    auto r = i % size();
    return r < 0 ? r + size() : r;
  }

  [[nodiscard]] std::int64_t index_of(time_point t) const noexcept {
    auto ns = t.time_since_epoch().count();
    auto q = ns / width_;
    return (ns % width_ < 0) ? q - 1 : q; // floor, also before the epoch
  }

  void move_to(std::int64_t index) noexcept {
    index_ = index;
    slot_ = static_cast<std::size_t>(wrap(index));
    current_end_ = time_point{duration{(index + 1) * width_}};
  }

  void advance(time_point now) {
    auto index = index_of(now);
    auto gap = index - index_;
    if (gap >= size()) {
      std::fill(ring_.begin(), ring_.end(), Counts{});
      totals_ = Counts{};
    } else {
      for (std::int64_t k = 1; k <= gap; ++k) {
        auto& bucket = ring_[wrap(static_cast<std::int64_t>(slot_) + k)];
        totals_ -= bucket;
        bucket = Counts{};
      }
    }
    move_to(index);
  }

  std::vector<Counts> ring_;
  Counts totals_{};
  std::int64_t width_;       // bucket width in nanoseconds
  std::int64_t index_ = 0;   // bucket number of the newest bucket
  std::size_t slot_ = 0;     // position of the newest bucket in ring_
  time_point current_end_{}; // first instant after the newest bucket
};

} // namespace warden::policies::detail
