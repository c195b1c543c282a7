#pragma once

#include <cstdint>
#include <optional>

#include "policies/clock.hpp"

namespace warden::policies {

/// Settings of one token bucket.
struct token_bucket_config {
  /// Tokens added per minute (requests or model tokens, as the owner
  /// counts). 0 means unlimited: every take succeeds. Default 0.
  std::uint64_t refill_per_minute = 0;
  /// The most tokens the bucket holds, i.e. the largest burst; 0 means one
  /// minute's worth (refill_per_minute). Default 0.
  std::uint64_t capacity = 0;
};

/// What a take or reserve did.
enum class take_outcome : std::uint8_t {
  taken,     ///< the tokens were taken
  wait,      ///< not enough tokens now; retry after `retry_after`
  too_large, ///< more than the capacity: no wait will ever be enough
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(take_outcome x) noexcept;

/// Tokens taken by reserve, to be reconciled with the actual use.
struct bucket_reservation {
  /// The tokens taken at reserve time.
  std::uint64_t tokens = 0;
};

/// The answer to try_take and reserve.
struct take_decision {
  /// What happened.
  take_outcome outcome = take_outcome::taken;
  /// For `wait`: the exact time until the request can be met, if nothing
  /// else is taken meanwhile. Zero otherwise.
  duration retry_after = duration::zero();
  /// What was taken; zero tokens unless `taken`.
  bucket_reservation reservation;

  /// True when the tokens were taken.
  [[nodiscard]] bool taken() const noexcept {
    return outcome == take_outcome::taken;
  }
};

/// A token bucket driven by the injected clock. It starts full and refills
/// continuously at refill_per_minute with exact integer arithmetic: the
/// tokens credited since an anchor instant are always recomputed as
/// floor(rate * elapsed / 1 min), so sub-token progress is kept and many
/// small refills never drift from one large one.
///
/// The level may go negative (debt) when reconcile learns that a call used
/// more than it reserved: those tokens were really used (the provider counts
/// them too), so the bucket must refill past zero before anything else is
/// taken. Rates up to 2^64 per minute are exact.
/// Not thread-safe: owned by one actor.
class token_bucket {
 public:
  /// Creates a full bucket; `time_source` must outlive it.
  token_bucket(const clock& time_source, token_bucket_config config);

  /// Takes `n` tokens if they are available now; taking 0 always succeeds,
  /// even in debt.
  [[nodiscard]] take_decision try_take(std::uint64_t n);

  /// Takes `estimate` tokens like try_take, before a call whose actual use is
  /// known only after it; pass the reservation to reconcile afterwards.
  [[nodiscard]] take_decision reserve(std::uint64_t estimate);

  /// Settles a reservation with the actual use: gives back the difference
  /// when below the estimate (never above capacity), takes the excess when
  /// above, even into debt.
  void reconcile(bucket_reservation reservation, std::uint64_t actual);

  /// Time until `n` tokens are available (zero if now or if unlimited);
  /// nothing when `n` exceeds the capacity.
  [[nodiscard]] std::optional<duration> time_until(std::uint64_t n) const;

  /// Whole tokens available now; negative in debt; INT64_MAX if unlimited.
  [[nodiscard]] std::int64_t available() const;

  /// True when the configured rate is 0.
  [[nodiscard]] bool unlimited() const noexcept { return rate_ == 0; }

  /// The most tokens the bucket holds (after the 0 default is applied).
  [[nodiscard]] std::uint64_t capacity() const noexcept { return capacity_; }

  /// Tokens added per minute; 0 when unlimited.
  [[nodiscard]] std::uint64_t refill_per_minute() const noexcept {
    return rate_;
  }

 private:
  // The bucket's state at some instant.
  struct state {
    std::int64_t level;     // whole tokens; negative in debt
    time_point anchor;      // credit accrues from here
    std::uint64_t credited; // tokens credited since anchor, already in level
  };

  // rate_limits reads the shared clock once for both of its buckets.
  friend class rate_limits;

  [[nodiscard]] take_decision take_at(time_point now, std::uint64_t n);
  [[nodiscard]] std::optional<duration> time_until_at(time_point now,
                                                      std::uint64_t n) const;
  [[nodiscard]] state at(time_point now) const noexcept;
  [[nodiscard]] duration wait_for(const state& s, time_point now,
                                  std::uint64_t n) const noexcept;
  void store(const state& s) noexcept;

  const clock& clock_;
  std::uint64_t rate_;
  std::uint64_t capacity_;
  std::int64_t level_;
  time_point anchor_;
  std::uint64_t credited_ = 0;
};

/// Settings of the rate limits of one dependency (a provider or a tool).
struct rate_limits_config {
  /// Requests per minute; 0 means unlimited. Default 0.
  std::uint64_t requests_per_minute = 0;
  /// Largest burst of requests; 0 means requests_per_minute. Default 0.
  std::uint64_t request_burst = 0;
  /// Model tokens per minute; 0 means unlimited. Default 0.
  std::uint64_t tokens_per_minute = 0;
  /// Largest burst of tokens; 0 means tokens_per_minute. Default 0.
  std::uint64_t token_burst = 0;
};

/// What try_acquire did.
enum class acquire_outcome : std::uint8_t {
  admitted,     ///< one request and the estimated tokens were taken
  rate_limited, ///< nothing taken; retry after `retry_after`
  too_large,    ///< the estimate exceeds the token burst: never admissible
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(acquire_outcome x) noexcept;

/// What an admitted call holds until it reconciles.
struct rate_limit_reservation {
  /// The estimated tokens taken at admission.
  std::uint64_t tokens = 0;
};

/// The answer to try_acquire.
struct acquire_decision {
  /// What happened.
  acquire_outcome outcome = acquire_outcome::admitted;
  /// For `rate_limited`: the larger of the two buckets' waits. Zero otherwise.
  duration retry_after = duration::zero();
  /// What was taken; pass to reconcile when the call ends.
  rate_limit_reservation reservation;

  /// True when the call may go ahead.
  [[nodiscard]] bool admitted() const noexcept {
    return outcome == acquire_outcome::admitted;
  }
};

/// A requests/min bucket and a tokens/min bucket for one dependency; a call
/// is admitted only when both admit it, and takes from neither otherwise.
/// Not thread-safe: owned by one actor.
class rate_limits {
 public:
  /// Creates both buckets full; `time_source` must outlive this object.
  rate_limits(const clock& time_source, rate_limits_config config);

  /// Admits one request with `estimated_tokens`, or says how long to wait.
  [[nodiscard]] acquire_decision try_acquire(std::uint64_t estimated_tokens);

  /// Settles an admitted call with its actual token use (the request itself
  /// stays counted).
  void reconcile(rate_limit_reservation reservation,
                 std::uint64_t actual_tokens);

  /// The requests/min bucket.
  [[nodiscard]] const token_bucket& requests() const noexcept {
    return requests_;
  }

  /// The tokens/min bucket.
  [[nodiscard]] const token_bucket& tokens() const noexcept { return tokens_; }

 private:
  token_bucket requests_;
  token_bucket tokens_;
};

} // namespace warden::policies
