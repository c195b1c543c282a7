#include "policies/budget_ledger.hpp"

#include <algorithm>

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

budget_refusal refusal(budget_refusal_code code, std::uint64_t subject) {
  budget_refusal result;
  result.code = code;
  result.subject = subject;
  return result;
}

budget_refusal shortage(budget_refusal_code code, std::uint64_t subject,
                        budget_dimension dimension, std::uint64_t needed,
                        std::uint64_t available) {
  auto result = refusal(code, subject);
  result.dimension = dimension;
  result.needed = needed;
  result.available = available;
  return result;
}

// The first dimension in which `x` exceeds `limit`, as a refusal.
std::optional<budget_refusal> check_fits(budget_refusal_code code,
                                         std::uint64_t subject,
                                         const budget_amounts& x,
                                         const budget_amounts& limit) {
  for (std::size_t i = 0; i < 4; ++i)
    if (x.*fields[i] > limit.*fields[i])
      return shortage(code, subject, dimensions[i], x.*fields[i],
                      limit.*fields[i]);
  return std::nullopt;
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
  case budget_refusal_code::unknown_account:
    return "unknown_account";
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
  auto id = std::to_string(subject);
  switch (code) {
  case budget_refusal_code::unknown_account:
    return "budget account " + id + " is not open";
  case budget_refusal_code::unknown_reservation:
    return "budget reservation " + id + " is not open";
  case budget_refusal_code::insufficient:
    return "budget account " + id + " lacks " + to_string(dimension) +
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

budget_ledger::budget_ledger(const clock& time_source,
                             budget_ledger_config config)
    : clock_(time_source), config_(config) {
  if (config_.day_length <= duration::zero())
    config_.day_length = std::chrono::hours{24};
  config_.day_offset %= config_.day_length;
  if (config_.day_offset < duration::zero())
    config_.day_offset += config_.day_length;
  // Day 0 starts at construction, or day_length before the first boundary.
  origin_ = clock_.now();
  if (config_.day_offset > duration::zero())
    origin_ += config_.day_offset - config_.day_length;
}

std::int64_t budget_ledger::day_of(time_point t) const noexcept {
  return (t - origin_) / config_.day_length;
}

budget_ledger::account_state* budget_ledger::find(account_id id) {
  auto i = accounts_.find(id);
  if (i == accounts_.end())
    return nullptr;
  roll_day(i->second);
  return &i->second;
}

void budget_ledger::roll_day(account_state& a) {
  if (!a.is_tenant)
    return;
  // Renew a tenant's grant lazily, on its first use after a day boundary.
  if (auto today = day_of(clock_.now()); today != a.day) {
    a.day = today;
    a.spent = {};
    a.overrun = {};
    a.overran = false;
    for (auto f : fields)
      a.remaining.*f = a.grant.*f - a.reserved.*f;
  }
}

open_decision budget_ledger::open_tenant(const budget_amounts& daily_grant) {
  auto id = next_account_++;
  auto& a = accounts_[id];
  a.is_tenant = true;
  a.day = day_of(clock_.now());
  a.grant = daily_grant;
  a.remaining = daily_grant;
  return open_decision{id, std::nullopt};
}

open_decision
budget_ledger::open_run(account_id parent, const budget_amounts& grant,
                        const budget_amounts& final_turn_reserve) {
  if (auto bad = check_fits(budget_refusal_code::invalid_grant, parent,
                            final_turn_reserve, grant))
    return open_decision{0, bad};
  auto* p = find(parent);
  if (p == nullptr)
    return open_decision{0,
                         refusal(budget_refusal_code::unknown_account, parent)};
  if (auto lacking = check_fits(budget_refusal_code::insufficient, parent,
                                grant, p->remaining - p->final_turn))
    return open_decision{0, lacking};
  for (auto f : fields) {
    p->reserved.*f += grant.*f;
    p->remaining.*f -= grant.*f;
  }
  auto id = next_account_++;
  p->children.push_back(id);
  auto& a = accounts_[id];
  a.parent = parent;
  a.grant = grant;
  a.remaining = grant;
  a.final_turn = final_turn_reserve;
  return open_decision{id, std::nullopt};
}

reserve_decision budget_ledger::reserve(account_id account,
                                        const budget_amounts& estimate) {
  return reserve_impl(account, estimate, false);
}

reserve_decision
budget_ledger::reserve_final_turn(account_id account,
                                  const budget_amounts& estimate) {
  return reserve_impl(account, estimate, true);
}

reserve_decision budget_ledger::reserve_impl(account_id id,
                                             const budget_amounts& estimate,
                                             bool final_turn) {
  auto* a = find(id);
  if (a == nullptr)
    return reserve_decision{0,
                            refusal(budget_refusal_code::unknown_account, id)};
  for (std::size_t i = 0; i < 4; ++i) {
    auto f = fields[i];
    auto available = final_turn ? a->remaining.*f
                                : sat_sub(a->remaining.*f, a->final_turn.*f);
    if (estimate.*f > available)
      return reserve_decision{0,
                              shortage(budget_refusal_code::insufficient, id,
                                       dimensions[i], estimate.*f, available)};
  }
  for (auto f : fields) {
    a->reserved.*f += estimate.*f;
    a->remaining.*f -= estimate.*f;
  }
  ++a->open_reservations;
  auto rid = next_reservation_++;
  reservations_.emplace(rid, reservation_state{a, final_turn, estimate});
  return reserve_decision{rid, std::nullopt};
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
    result.refusal = refusal(budget_refusal_code::unknown_reservation, id);
    return result;
  }
  auto r = i->second;
  reservations_.erase(i);
  auto& a = *r.owner; // open: close settles reservations before erasing
  roll_day(a);
  --a.open_reservations;
  for (auto f : fields) {
    auto estimate = r.amount.*f;
    auto used = actual != nullptr ? (*actual).*f : 0;
    a.reserved.*f -= estimate;
    if (used <= estimate) {
      result.charged.*f = used;
      result.released.*f = estimate - used;
      a.remaining.*f += estimate - used;
    } else {
      // The excess draws on what this kind of reservation may use; the rest
      // was really used but cannot be charged without going below zero.
      auto extra = used - estimate;
      auto cap = r.final_turn ? a.remaining.*f
                              : sat_sub(a.remaining.*f, a.final_turn.*f);
      auto draw = std::min(extra, cap);
      a.remaining.*f -= draw;
      result.charged.*f = estimate + draw;
      result.overrun.*f = extra - draw;
    }
    a.spent.*f += result.charged.*f;
  }
  if (!result.overrun.is_zero()) {
    a.overran = true;
    a.overrun = a.overrun + result.overrun;
  }
  result.exhausted = exhausted(a);
  return result;
}

void budget_ledger::settle_at_estimate(const reservation_state& r,
                                       account_state& a) {
  --a.open_reservations;
  for (auto f : fields) {
    a.reserved.*f -= r.amount.*f;
    a.spent.*f += r.amount.*f;
  }
}

close_result budget_ledger::close(account_id id) {
  close_result result;
  if (find(id) == nullptr) {
    result.refusal = refusal(budget_refusal_code::unknown_account, id);
    return result;
  }
  // Pre-order walk of the open subtree: every account precedes its children.
  std::vector<account_id> order;
  std::vector<account_id> pending{id};
  std::size_t held = 0;
  while (!pending.empty()) {
    auto x = pending.back();
    pending.pop_back();
    order.push_back(x);
    auto& a = accounts_.at(x);
    a.closing = true;
    held += a.open_reservations;
    pending.insert(pending.end(), a.children.begin(), a.children.end());
  }
  if (held > 0) {
    for (auto i = reservations_.begin(); i != reservations_.end();) {
      auto& a = *i->second.owner;
      if (a.closing) {
        settle_at_estimate(i->second, a);
        ++result.settled_reservations;
        i = reservations_.erase(i);
      } else {
        ++i;
      }
    }
  }
  // Reverse pre-order closes every child before its parent, so spend rolls
  // up level by level.
  for (auto x = order.rbegin(); x != order.rend(); ++x) {
    auto node = accounts_.find(*x);
    auto& a = node->second;
    if (*x == id) {
      result.spent = a.spent;
      result.overrun = a.overrun;
      if (!a.is_tenant)
        result.returned = a.grant - a.spent;
    }
    if (!a.is_tenant) {
      auto& p = *find(a.parent);
      for (auto f : fields) {
        p.reserved.*f -= a.grant.*f;
        p.spent.*f += a.spent.*f;
        p.remaining.*f += a.grant.*f - a.spent.*f;
      }
      p.overrun = p.overrun + a.overrun;
      auto& siblings = p.children;
      siblings.erase(std::find(siblings.begin(), siblings.end(), *x));
    }
    accounts_.erase(node);
    ++result.closed_accounts;
  }
  return result;
}

std::optional<budget_balance> budget_ledger::balance(account_id id) {
  auto* a = find(id);
  if (a == nullptr)
    return std::nullopt;
  budget_balance result;
  result.grant = a->grant;
  result.reserved = a->reserved;
  result.spent = a->spent;
  result.remaining = a->remaining;
  result.final_turn_reserve = min(a->final_turn, a->remaining);
  result.overrun = a->overrun;
  return result;
}

bool budget_ledger::exhausted(const account_state& a) noexcept {
  if (a.overran)
    return true;
  for (auto f : fields)
    if (sat_sub(a.grant.*f - a.spent.*f, a.final_turn.*f) == 0)
      return true;
  return false;
}

bool budget_ledger::exhausted(account_id id) {
  auto* a = find(id);
  return a != nullptr && exhausted(*a);
}

std::optional<account_id> budget_ledger::parent(account_id id) const {
  if (auto i = accounts_.find(id); i != accounts_.end())
    return i->second.parent;
  return std::nullopt;
}

} // namespace warden::policies
