#include "policies/lease_ledger.hpp"

#include <algorithm>

namespace warden::policies {

namespace {

constexpr std::uint64_t saturating_sub(std::uint64_t a,
                                       std::uint64_t b) noexcept {
  return a > b ? a - b : 0;
}

constexpr std::uint64_t saturating_add(std::uint64_t a,
                                       std::uint64_t b) noexcept {
  return b > ~std::uint64_t{0} - a ? ~std::uint64_t{0} : a + b;
}

} // namespace

const char* to_string(lease_mode x) noexcept {
  switch (x) {
  case lease_mode::concurrency:
    return "concurrency";
  case lease_mode::budget:
    return "budget";
  }
  return "unknown";
}

const char* to_string(lease_outcome x) noexcept {
  switch (x) {
  case lease_outcome::granted:
    return "granted";
  case lease_outcome::partial:
    return "partial";
  case lease_outcome::exhausted:
    return "exhausted";
  case lease_outcome::holder_full:
    return "holder_full";
  case lease_outcome::renewed:
    return "renewed";
  case lease_outcome::no_lease:
    return "no_lease";
  case lease_outcome::unknown_holder:
    return "unknown_holder";
  }
  return "unknown";
}

// -- lease_ledger -------------------------------------------------------------

lease_ledger::lease_ledger(const clock& time_source, lease_ledger_config config)
    : clock_(time_source),
      ttl_(config.ttl),
      capacity_(config.capacity),
      max_per_holder_(config.max_per_holder),
      mode_(config.mode) {
  for (auto& x : leases_)
    x.generation = config.first_generation;
}

std::uint64_t lease_ledger::available() const noexcept {
  auto used = saturating_add(saturating_add(local_, spent_), outstanding_);
  return saturating_sub(capacity_, used);
}

std::uint64_t lease_ledger::max_per_holder() const noexcept {
  return max_per_holder_ != 0 ? max_per_holder_ : capacity_;
}

std::uint64_t lease_ledger::leased_to(lease_holder_id holder) const noexcept {
  return holder < max_lease_holders ? leases_[holder].units : 0;
}

lease_generation
lease_ledger::generation_of(lease_holder_id holder) const noexcept {
  return holder < max_lease_holders ? leases_[holder].generation : 0;
}

time_point lease_ledger::expiry_of(lease_holder_id holder) const noexcept {
  return holder < max_lease_holders ? leases_[holder].expiry : time_point{};
}

lease_answer lease_ledger::answer(const lease& x,
                                  lease_outcome outcome) const noexcept {
  lease_answer result;
  result.outcome = outcome;
  result.granted_total = x.granted;
  result.held = x.units;
  result.generation = x.generation;
  result.ttl = x.units > 0 ? ttl_ : duration::zero();
  result.mode = mode_;
  return result;
}

lease_answer lease_ledger::grant(lease_holder_id holder, std::uint64_t wanted) {
  if (holder >= max_lease_holders) {
    lease_answer result;
    result.outcome = lease_outcome::unknown_holder;
    result.mode = mode_;
    return result;
  }
  if (wanted == 0)
    return renew(holder);
  auto& x = leases_[holder];
  auto room = saturating_sub(max_per_holder(), x.units);
  auto units = std::min({wanted, room, available()});
  x.units += units;
  x.granted += units;
  outstanding_ += units;
  if (x.units > 0)
    x.expiry = clock_.now() + ttl_;
  auto outcome = units == wanted ? lease_outcome::granted
                 : units > 0     ? lease_outcome::partial
                 : room == 0     ? lease_outcome::holder_full
                                 : lease_outcome::exhausted;
  auto result = answer(x, outcome);
  result.units = units;
  return result;
}

std::uint64_t lease_ledger::adopt(lease_holder_id holder,
                                  std::uint64_t in_use) {
  if (holder >= max_lease_holders)
    return 0;
  auto& x = leases_[holder];
  if (in_use <= x.units)
    return 0;
  auto units = in_use - x.units;
  x.units += units;
  x.granted += units;
  outstanding_ += units;
  x.expiry = clock_.now() + ttl_;
  return units;
}

lease_answer lease_ledger::renew(lease_holder_id holder) {
  if (holder >= max_lease_holders)
    return grant(holder, 1); // refused as unknown
  auto& x = leases_[holder];
  if (x.units == 0)
    return answer(x, lease_outcome::no_lease);
  x.expiry = clock_.now() + ttl_;
  return answer(x, lease_outcome::renewed);
}

std::uint64_t lease_ledger::report(lease_holder_id holder,
                                   const lease_report& report) {
  if (holder >= max_lease_holders ||
      leases_[holder].generation != report.generation)
    return 0;
  auto& x = leases_[holder];
  // Totals only grow, and a holder never returns or spends more than it
  // was granted: anything else is a stale or corrupt report.
  auto returned =
      std::max(x.returned, std::min(report.returned, x.granted - x.settled));
  auto back = returned - x.returned;
  x.returned = returned;
  std::uint64_t spent = 0;
  if (mode_ == lease_mode::budget) {
    auto settled =
        std::max(x.settled, std::min(report.settled, x.granted - x.returned));
    spent = settled - x.settled;
    x.settled = settled;
  }
  x.units -= back + spent;
  outstanding_ -= back + spent;
  spent_ += spent;
  return back;
}

std::uint64_t lease_ledger::revoke(lease& x) noexcept {
  auto units = x.units;
  if (units == 0)
    return 0;
  outstanding_ -= units;
  // The holder may have spent any of them: a budget keeps them charged.
  if (mode_ == lease_mode::budget)
    spent_ += units;
  x = lease{0, 0, 0, 0, time_point{}, x.generation + 1};
  return units;
}

std::uint64_t lease_ledger::holder_lost(lease_holder_id holder) {
  if (mode_ != lease_mode::concurrency || holder >= max_lease_holders)
    return 0;
  return revoke(leases_[holder]);
}

lease_expiry lease_ledger::expire() {
  lease_expiry result;
  auto now = clock_.now();
  for (auto& x : leases_) {
    if (x.units > 0 && x.expiry <= now) {
      result.units += revoke(x);
      ++result.leases;
    }
  }
  return result;
}

bool lease_ledger::try_acquire_local(std::uint64_t units) {
  if (units > available())
    return false;
  local_ += units;
  return true;
}

void lease_ledger::release_local(std::uint64_t units) {
  local_ -= std::min(units, local_);
}

void lease_ledger::settle_local(std::uint64_t units) {
  if (mode_ != lease_mode::budget)
    return;
  auto settled = std::min(units, local_);
  local_ -= settled;
  spent_ += settled;
}

void lease_ledger::reset(std::uint64_t capacity) {
  capacity_ = capacity;
  if (mode_ == lease_mode::budget)
    spent_ = 0;
}

// -- lease_holder -------------------------------------------------------------

lease_holder::lease_holder(const clock& time_source, lease_holder_config config)
    : clock_(time_source), config_(config) {
  if (config_.high_water == 0)
    config_.high_water = saturating_add(config_.chunk, config_.chunk);
}

bool lease_holder::idle(time_point now) const noexcept {
  return !demanded_ || now - last_demand_ >= config_.idle_after;
}

std::uint64_t lease_holder::live_balance(time_point now) const noexcept {
  return now < expiry_ ? balance() : 0;
}

bool lease_holder::try_take(std::uint64_t units) {
  if (units == 0)
    return true;
  on_expired();
  demanded_ = true;
  last_demand_ = clock_.now();
  if (units <= balance()) {
    in_use_ += units;
    shortfall_ = 0;
    return true;
  }
  shortfall_ = units - balance();
  return false;
}

void lease_holder::give_back(std::uint64_t units) {
  in_use_ -= std::min(units, in_use_);
}

std::uint64_t lease_holder::wants() const {
  if (asking_)
    return 0;
  if (auto missing = in_use_ - std::min(in_use_, leased()); missing > 0)
    return std::max(config_.chunk, saturating_add(missing, shortfall_));
  auto now = clock_.now();
  if (idle(now))
    return 0;
  if (shortfall_ == 0 && live_balance(now) > config_.low_water)
    return 0;
  return std::max(config_.chunk, shortfall_);
}

bool lease_holder::renew_due() const {
  return !asking_ && leased() > 0 && clock_.now() >= renew_at_;
}

std::uint64_t lease_holder::asked() {
  asking_ = true;
  ask_sent_ = clock_.now();
  shortfall_ = 0;
  return ++ask_id_;
}

void lease_holder::on_answer(std::uint64_t ask, const lease_answer& answer) {
  if (!asking_ || ask != ask_id_)
    return;
  asking_ = false;
  mode_ = answer.mode;
  auto first = !answered_;
  answered_ = true;
  if (answer.generation != generation_) {
    // The home revoked the lease; in budget mode it charged all of it,
    // including what was taken here and not settled yet. A holder's first
    // answer revokes nothing: the home adopted what it had in use (units
    // taken under an earlier home's lease), which stays in use until it is
    // settled or given back.
    generation_ = answer.generation;
    granted_ = answer.granted_total;
    returned_ = 0;
    settled_ = 0;
    if (mode_ == lease_mode::budget && !first)
      in_use_ = 0;
  } else {
    // An answer lost on the way shows up in the next one's total.
    granted_ = std::max(granted_, answer.granted_total);
  }
  if (answer.held > 0) {
    auto trusted = std::max(answer.ttl - config_.margin, duration::zero());
    expiry_ = ask_sent_ + trusted;
    renew_at_ = ask_sent_ + trusted / 2;
    lapsed_ = false;
  }
}

void lease_holder::ask_failed(std::uint64_t ask) noexcept {
  if (ask == ask_id_)
    asking_ = false;
}

std::uint64_t lease_holder::surplus() const {
  auto now = clock_.now();
  auto unused = live_balance(now);
  if (idle(now))
    return unused;
  return saturating_sub(unused, config_.high_water);
}

lease_report lease_holder::return_units(std::uint64_t units) {
  returned_ += std::min(units, live_balance(clock_.now()));
  return report();
}

lease_report lease_holder::settle() {
  // Never more than the lease has left: the home would ignore the rest.
  settled_ += std::min(in_use_, leased());
  in_use_ = 0;
  return report();
}

lease_report lease_holder::settle(std::uint64_t units) {
  // Units in use beyond the lease stay in use: the next ask has the home
  // adopt them, and they are settled after.
  auto spent = std::min({units, in_use_, leased()});
  settled_ += spent;
  in_use_ -= spent;
  return report();
}

std::uint64_t lease_holder::on_expired() {
  auto units = held();
  if (units == 0 || clock_.now() < expiry_)
    return 0;
  lapsed_ = true;
  return units;
}

} // namespace warden::policies
