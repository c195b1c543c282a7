#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace warden::policies {

/// Durations in policies are nanoseconds unless a name says otherwise.
using duration = std::chrono::nanoseconds;

/// A monotonic instant; policies never read the wall clock.
using time_point = std::chrono::time_point<std::chrono::steady_clock, duration>;

/// The source of time injected into everything that reads time (Envoy's
/// TimeSource is the model): policies at construction, the node, admission,
/// the journal and storage through their options. Nothing else reads a
/// system clock. Implementations need not be thread-safe unless their owner
/// shares them across threads (the production ones are).
class clock {
 public:
  virtual ~clock() = default;

  /// The current instant, monotonic: every duration is measured with it.
  [[nodiscard]] virtual time_point now() const noexcept = 0;

  /// Wall time, Unix milliseconds: for dates only (a UTC day, when a record
  /// was written, retention). It may jump, so no duration is measured with
  /// it.
  [[nodiscard]] virtual std::uint64_t unix_ms() const noexcept = 0;
};

/// The system's wall clock, Unix milliseconds: what the production sources
/// answer for `clock::unix_ms`.
[[nodiscard]] inline std::uint64_t system_unix_ms() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

/// The production clock: std::chrono::steady_clock and the system's wall
/// clock. Thread-safe.
class steady_clock_source final : public clock {
 public:
  [[nodiscard]] time_point now() const noexcept override {
    return std::chrono::time_point_cast<duration>(
        std::chrono::steady_clock::now());
  }

  [[nodiscard]] std::uint64_t unix_ms() const noexcept override {
    return system_unix_ms();
  }
};

/// A clock that moves only when told to; for tests and simulations. Its
/// wall time moves with it.
class manual_clock final : public clock {
 public:
  /// Starts at an arbitrary non-zero instant so that "zero" bugs show up;
  /// its wall time at 2026-01-01 00:00 UTC.
  manual_clock() : now_(duration{std::chrono::hours{1}}) {}

  [[nodiscard]] time_point now() const noexcept override { return now_; }

  [[nodiscard]] std::uint64_t unix_ms() const noexcept override {
    return unix_ms_ + static_cast<std::uint64_t>(
                          std::chrono::duration_cast<std::chrono::milliseconds>(
                              now_ - wall_set_at_)
                              .count());
  }

  /// Moves the clock forward by `d` (which must not be negative).
  void advance(duration d) noexcept { now_ += d; }

  /// Sets the wall time (it may jump, as a real one can).
  void set_unix_ms(std::uint64_t unix_ms) noexcept {
    unix_ms_ = unix_ms;
    wall_set_at_ = now_;
  }

 private:
  time_point now_;
  std::uint64_t unix_ms_ = 1'767'225'600'000;
  time_point wall_set_at_ = now_;
};

/// The random generator injected into policies that need randomness (jitter,
/// sampling). Seed it explicitly; tests print their seed.
using random_engine = std::mt19937_64;

} // namespace warden::policies
