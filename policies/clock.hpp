#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace warden::policies {

/// Durations in policies are nanoseconds unless a name says otherwise.
using duration = std::chrono::nanoseconds;

/// A monotonic instant; policies never read the wall clock.
using time_point = std::chrono::time_point<std::chrono::steady_clock, duration>;

/// The source of time that every policy receives at construction.
/// Implementations must be monotonic. Not required to be thread-safe: a policy
/// object and its clock belong to one owner (usually one actor).
class clock {
 public:
  virtual ~clock() = default;

  /// The current instant.
  [[nodiscard]] virtual time_point now() const noexcept = 0;
};

/// The production clock: std::chrono::steady_clock.
class steady_clock_source final : public clock {
 public:
  [[nodiscard]] time_point now() const noexcept override {
    return std::chrono::time_point_cast<duration>(
        std::chrono::steady_clock::now());
  }
};

/// A clock that moves only when told to; for tests and simulations.
class manual_clock final : public clock {
 public:
  /// Starts at an arbitrary non-zero instant so that "zero" bugs show up.
  manual_clock() : now_(duration{std::chrono::hours{1}}) {}

  [[nodiscard]] time_point now() const noexcept override { return now_; }

  /// Moves the clock forward by `d` (which must not be negative).
  void advance(duration d) noexcept { now_ += d; }

 private:
  time_point now_;
};

/// The random generator injected into policies that need randomness (jitter,
/// sampling). Seed it explicitly; tests print their seed.
using random_engine = std::mt19937_64;

} // namespace warden::policies
