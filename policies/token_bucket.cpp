#include "policies/token_bucket.hpp"

#include <algorithm>
#include <limits>

namespace warden::policies {

namespace {

// A GCC/Clang built-in; __extension__ keeps -Wpedantic quiet about it.
__extension__ using uint128 = unsigned __int128;

constexpr std::uint64_t ns_per_minute = 60'000'000'000;

constexpr std::uint64_t max_u64 = std::numeric_limits<std::uint64_t>::max();

// Levels stay far from the ends of int64 so that no sum can overflow.
constexpr std::int64_t max_level = std::numeric_limits<std::int64_t>::max() / 4;

constexpr std::uint64_t saturate(uint128 x) noexcept {
  return x > max_u64 ? max_u64 : static_cast<std::uint64_t>(x);
}

// floor(a * b / c), saturating; the 64-bit path covers the usual case.
std::uint64_t mul_div_floor(std::uint64_t a, std::uint64_t b,
                            std::uint64_t c) noexcept {
  std::uint64_t product = 0;
  if (!__builtin_mul_overflow(a, b, &product))
    return product / c;
  return saturate(static_cast<uint128>(a) * b / c);
}

// ceil(a * b / c), saturating.
std::uint64_t mul_div_ceil(std::uint64_t a, std::uint64_t b,
                           std::uint64_t c) noexcept {
  auto product = static_cast<uint128>(a) * b;
  return saturate(product / c + (product % c != 0 ? 1 : 0));
}

std::uint64_t effective_capacity(std::uint64_t capacity,
                                 std::uint64_t rate) noexcept {
  auto result = capacity != 0 ? capacity : rate;
  return std::min(result, static_cast<std::uint64_t>(max_level));
}

} // namespace

const char* to_string(take_outcome x) noexcept {
  switch (x) {
  case take_outcome::taken:
    return "taken";
  case take_outcome::wait:
    return "wait";
  case take_outcome::too_large:
    return "too_large";
  }
  return "unknown";
}

const char* to_string(acquire_outcome x) noexcept {
  switch (x) {
  case acquire_outcome::admitted:
    return "admitted";
  case acquire_outcome::rate_limited:
    return "rate_limited";
  case acquire_outcome::too_large:
    return "too_large";
  }
  return "unknown";
}

// -- token_bucket -------------------------------------------------------------

token_bucket::token_bucket(const clock& time_source, token_bucket_config config)
    : clock_(time_source),
      rate_(config.refill_per_minute),
      capacity_(effective_capacity(config.capacity, config.refill_per_minute)),
      level_(static_cast<std::int64_t>(capacity_)),
      anchor_(time_source.now()) {
  // Nothing else to set up.
}

token_bucket::state token_bucket::at(time_point now) const noexcept {
  auto capacity = static_cast<std::int64_t>(capacity_);
  // A full bucket accrues nothing: credit starts again when it drops.
  if (level_ >= capacity)
    return {capacity, now, 0};
  auto elapsed = std::max<std::int64_t>((now - anchor_).count(), 0);
  auto total =
      mul_div_floor(rate_, static_cast<std::uint64_t>(elapsed), ns_per_minute);
  // A clock is monotonic; should one step back, no credit is taken away.
  auto fresh = total > credited_ ? total - credited_ : 0;
  auto deficit = static_cast<std::uint64_t>(capacity - level_);
  if (fresh >= deficit)
    return {capacity, now, 0};
  return {level_ + static_cast<std::int64_t>(fresh), anchor_,
          credited_ + fresh};
}

void token_bucket::store(const state& s) noexcept {
  level_ = s.level;
  anchor_ = s.anchor;
  credited_ = s.credited;
}

duration token_bucket::wait_for(const state& s, time_point now,
                                std::uint64_t n) const noexcept {
  auto wanted = static_cast<std::int64_t>(n);
  if (s.level >= wanted)
    return duration::zero();
  // The first instant, counted from the anchor, at which the credit reaches
  // what is already credited plus what is missing.
  auto missing = static_cast<std::uint64_t>(wanted - s.level);
  auto target = mul_div_ceil(s.credited + missing, ns_per_minute, rate_);
  auto since_anchor = static_cast<std::uint64_t>((now - s.anchor).count());
  auto wait = target - since_anchor;
  constexpr auto longest =
      static_cast<std::uint64_t>(std::numeric_limits<duration::rep>::max());
  return duration{static_cast<duration::rep>(std::min(wait, longest))};
}

take_decision token_bucket::try_take(std::uint64_t n) {
  if (unlimited() || n > capacity_)
    return take_at(time_point{}, n); // no need to read the clock
  return take_at(clock_.now(), n);
}

take_decision token_bucket::take_at(time_point now, std::uint64_t n) {
  take_decision result;
  if (unlimited()) {
    result.reservation.tokens = n;
    return result;
  }
  if (n > capacity_) {
    result.outcome = take_outcome::too_large;
    return result;
  }
  auto s = at(now);
  auto wanted = static_cast<std::int64_t>(n);
  if (n == 0 || s.level >= wanted) {
    s.level -= wanted;
    store(s);
    result.reservation.tokens = n;
    return result;
  }
  // Refusing changes nothing; keeping the stale state is exact.
  result.outcome = take_outcome::wait;
  result.retry_after = wait_for(s, now, n);
  return result;
}

take_decision token_bucket::reserve(std::uint64_t estimate) {
  return try_take(estimate);
}

void token_bucket::reconcile(bucket_reservation reservation,
                             std::uint64_t actual) {
  if (unlimited() || actual == reservation.tokens)
    return;
  auto now = clock_.now();
  auto s = at(now);
  if (actual < reservation.tokens) {
    auto back = std::min(reservation.tokens - actual,
                         static_cast<std::uint64_t>(max_level));
    s.level += static_cast<std::int64_t>(back);
    if (s.level >= static_cast<std::int64_t>(capacity_))
      s = {static_cast<std::int64_t>(capacity_), now, 0};
  } else {
    auto more = std::min(actual - reservation.tokens,
                         static_cast<std::uint64_t>(max_level));
    s.level = std::max(s.level - static_cast<std::int64_t>(more), -max_level);
  }
  store(s);
}

std::optional<duration> token_bucket::time_until(std::uint64_t n) const {
  if (unlimited() || n == 0 || n > capacity_)
    return time_until_at(time_point{}, n); // no need to read the clock
  return time_until_at(clock_.now(), n);
}

std::optional<duration> token_bucket::time_until_at(time_point now,
                                                    std::uint64_t n) const {
  if (unlimited() || n == 0)
    return duration::zero();
  if (n > capacity_)
    return std::nullopt;
  return wait_for(at(now), now, n);
}

std::int64_t token_bucket::available() const {
  if (unlimited())
    return std::numeric_limits<std::int64_t>::max();
  return at(clock_.now()).level;
}

// -- rate_limits --------------------------------------------------------------

rate_limits::rate_limits(const clock& time_source, rate_limits_config config)
    : requests_(time_source,
                {config.requests_per_minute, config.request_burst}),
      tokens_(time_source, {config.tokens_per_minute, config.token_burst}) {
  // Nothing else to set up.
}

acquire_decision rate_limits::try_acquire(std::uint64_t estimated_tokens) {
  acquire_decision result;
  // Both buckets share one clock: read it once.
  auto now = requests_.clock_.now();
  auto token_wait = tokens_.time_until_at(now, estimated_tokens);
  if (!token_wait) {
    result.outcome = acquire_outcome::too_large;
    return result;
  }
  // A request bucket has a capacity of at least one, unless unlimited.
  auto request_wait =
      requests_.time_until_at(now, 1).value_or(duration::zero());
  auto wait = std::max(*token_wait, request_wait);
  if (wait > duration::zero()) {
    result.outcome = acquire_outcome::rate_limited;
    result.retry_after = wait;
    return result;
  }
  // Both admit at this instant, so both takes succeed.
  (void)requests_.take_at(now, 1);
  result.reservation.tokens =
      tokens_.take_at(now, estimated_tokens).reservation.tokens;
  return result;
}

void rate_limits::reconcile(rate_limit_reservation reservation,
                            std::uint64_t actual_tokens) {
  tokens_.reconcile(bucket_reservation{reservation.tokens}, actual_tokens);
}

} // namespace warden::policies
