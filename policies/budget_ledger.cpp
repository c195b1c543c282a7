#include "policies/budget_ledger.hpp"

#include <algorithm>
#include <cstddef>

namespace warden::policies {

namespace {

using amount_field = std::uint64_t budget_amounts::*;

// The dimensions in the order of budget_dimension; loops over this array are
// unrolled by the compiler.
constexpr amount_field fields[] = {
    &budget_amounts::tokens,
    &budget_amounts::cost_micros,
    &budget_amounts::wall_ms,
    &budget_amounts::iterations,
};

constexpr budget_dimension dimensions[] = {
    budget_dimension::tokens,
    budget_dimension::cost,
    budget_dimension::wall_time,
    budget_dimension::iterations,
};

constexpr std::uint64_t sat_sub(std::uint64_t x, std::uint64_t y) noexcept {
  return x > y ? x - y : 0;
}

constexpr std::uint64_t sat_add(std::uint64_t x, std::uint64_t y) noexcept {
  return x > budget_amounts::unlimited - y ? budget_amounts::unlimited : x + y;
}

budget_refusal shortage(budget_refusal_code code, budget_dimension dimension,
                        std::uint64_t needed, std::uint64_t available) {
  budget_refusal result;
  result.code = code;
  result.dimension = dimension;
  result.needed = needed;
  result.available = available;
  return result;
}

std::string amount_text(std::uint64_t x) {
  return x == budget_amounts::unlimited ? "unlimited" : std::to_string(x);
}

} // namespace

// -- budget_amounts -----------------------------------------------------------

const char* to_string(budget_dimension x) noexcept {
  switch (x) {
  case budget_dimension::tokens:
    return "tokens";
  case budget_dimension::cost:
    return "cost";
  case budget_dimension::wall_time:
    return "wall_time";
  case budget_dimension::iterations:
    return "iterations";
  }
  return "unknown";
}

std::uint64_t budget_amounts::get(budget_dimension d) const noexcept {
  return this->*fields[static_cast<std::size_t>(d) % 4];
}

bool budget_amounts::is_zero() const noexcept {
  return (tokens | cost_micros | wall_ms | iterations) == 0;
}

bool budget_amounts::fits_in(const budget_amounts& limit) const noexcept {
  return tokens <= limit.tokens && cost_micros <= limit.cost_micros &&
         wall_ms <= limit.wall_ms && iterations <= limit.iterations;
}

std::optional<budget_dimension>
budget_amounts::first_exceeding(const budget_amounts& limit) const noexcept {
  for (std::size_t i = 0; i < 4; ++i)
    if (this->*fields[i] > limit.*fields[i])
      return dimensions[i];
  return std::nullopt;
}

budget_amounts operator+(const budget_amounts& x,
                         const budget_amounts& y) noexcept {
  return {sat_add(x.tokens, y.tokens), sat_add(x.cost_micros, y.cost_micros),
          sat_add(x.wall_ms, y.wall_ms), sat_add(x.iterations, y.iterations)};
}

budget_amounts operator-(const budget_amounts& x,
                         const budget_amounts& y) noexcept {
  return {sat_sub(x.tokens, y.tokens), sat_sub(x.cost_micros, y.cost_micros),
          sat_sub(x.wall_ms, y.wall_ms), sat_sub(x.iterations, y.iterations)};
}

budget_amounts min(const budget_amounts& x, const budget_amounts& y) noexcept {
  return {std::min(x.tokens, y.tokens), std::min(x.cost_micros, y.cost_micros),
          std::min(x.wall_ms, y.wall_ms), std::min(x.iterations, y.iterations)};
}

bool operator==(const budget_amounts& x, const budget_amounts& y) noexcept {
  return x.tokens == y.tokens && x.cost_micros == y.cost_micros &&
         x.wall_ms == y.wall_ms && x.iterations == y.iterations;
}

std::string to_string(const budget_amounts& x) {
  return "{tokens=" + amount_text(x.tokens) +
         ", cost_micros=" + amount_text(x.cost_micros) +
         ", wall_ms=" + amount_text(x.wall_ms) +
         ", iterations=" + amount_text(x.iterations) + "}";
}

// -- refusals -----------------------------------------------------------------

const char* to_string(budget_refusal_code x) noexcept {
  switch (x) {
  case budget_refusal_code::unknown_reservation:
    return "unknown_reservation";
  case budget_refusal_code::insufficient:
    return "insufficient";
  case budget_refusal_code::invalid_grant:
    return "invalid_grant";
  }
  return "unknown";
}

std::string budget_refusal::reason() const {
  switch (code) {
  case budget_refusal_code::unknown_reservation:
    return "budget reservation " + std::to_string(reservation) + " is not open";
  case budget_refusal_code::insufficient:
    return std::string{"the run's budget lacks "} + to_string(dimension) +
           ": needed " + amount_text(needed) + ", available " +
           amount_text(available);
  case budget_refusal_code::invalid_grant:
    return std::string{"the final-turn reserve of "} + to_string(dimension) +
           " (" + amount_text(needed) + ") exceeds the grant (" +
           amount_text(available) + ")";
  }
  return "unknown budget refusal";
}

// -- budget_ledger ------------------------------------------------------------

open_decision budget_ledger::open(const budget_amounts& grant,
                                  const budget_amounts& final_turn_reserve) {
  open_decision result;
  for (std::size_t i = 0; i < 4; ++i) {
    auto f = fields[i];
    if (final_turn_reserve.*f > grant.*f) {
      result.refusal = shortage(budget_refusal_code::invalid_grant,
                                dimensions[i], final_turn_reserve.*f, grant.*f);
      return result;
    }
  }
  result.ledger = budget_ledger{grant, final_turn_reserve};
  return result;
}

budget_ledger::budget_ledger(const budget_amounts& grant,
                             const budget_amounts& final_turn_reserve)
    : grant_(grant), remaining_(grant), final_turn_(final_turn_reserve) {
  // nop
}

reserve_decision budget_ledger::reserve(const budget_amounts& estimate) {
  return reserve_impl(estimate, false);
}

reserve_decision
budget_ledger::reserve_final_turn(const budget_amounts& estimate) {
  return reserve_impl(estimate, true);
}

reserve_decision budget_ledger::reserve_impl(const budget_amounts& estimate,
                                             bool final_turn) {
  for (std::size_t i = 0; i < 4; ++i) {
    auto f = fields[i];
    auto available =
        final_turn ? remaining_.*f : sat_sub(remaining_.*f, final_turn_.*f);
    if (estimate.*f > available)
      return reserve_decision{0,
                              shortage(budget_refusal_code::insufficient,
                                       dimensions[i], estimate.*f, available)};
  }
  for (auto f : fields) {
    reserved_.*f += estimate.*f;
    remaining_.*f -= estimate.*f;
  }
  auto id = next_reservation_++;
  reservations_.emplace(id, reservation_state{final_turn, estimate});
  return reserve_decision{id, std::nullopt};
}

settle_result budget_ledger::commit(reservation_id reservation,
                                    const budget_amounts& actual) {
  return settle(reservation, &actual);
}

settle_result budget_ledger::refund(reservation_id reservation) {
  return settle(reservation, nullptr);
}

settle_result budget_ledger::settle(reservation_id id,
                                    const budget_amounts* actual) {
  settle_result result;
  auto i = reservations_.find(id);
  if (i == reservations_.end()) {
    budget_refusal unknown;
    unknown.code = budget_refusal_code::unknown_reservation;
    unknown.reservation = id;
    result.refusal = unknown;
    return result;
  }
  auto r = i->second;
  reservations_.erase(i);
  for (auto f : fields) {
    auto estimate = r.amount.*f;
    auto used = actual != nullptr ? (*actual).*f : 0;
    reserved_.*f -= estimate;
    if (used <= estimate) {
      result.charged.*f = used;
      result.released.*f = estimate - used;
      remaining_.*f += estimate - used;
    } else {
      // The excess draws on what this kind of reservation may use; the rest
      // was really used but cannot be charged without going below zero.
      auto extra = used - estimate;
      auto cap =
          r.final_turn ? remaining_.*f : sat_sub(remaining_.*f, final_turn_.*f);
      auto draw = std::min(extra, cap);
      remaining_.*f -= draw;
      result.charged.*f = estimate + draw;
      result.overrun.*f = extra - draw;
    }
    spent_.*f += result.charged.*f;
  }
  overrun_ = overrun_ + result.overrun;
  result.exhausted = exhausted();
  return result;
}

budget_balance budget_ledger::balance() const noexcept {
  budget_balance result;
  result.grant = grant_;
  result.reserved = reserved_;
  result.spent = spent_;
  result.remaining = remaining_;
  result.final_turn_reserve = min(final_turn_, remaining_);
  result.overrun = overrun_;
  return result;
}

bool budget_ledger::exhausted() const noexcept {
  // overrun_ only grows (saturating), so it is non-zero once a commit overran.
  if (!overrun_.is_zero())
    return true;
  for (auto f : fields)
    if (sat_sub(grant_.*f - spent_.*f, final_turn_.*f) == 0)
      return true;
  return false;
}

} // namespace warden::policies
