#include "actors/dependencies/cluster_rates.hpp"

#include <algorithm>
#include <stdexcept>

namespace warden {

namespace {

std::uint64_t to_ms(policies::duration d) {
  return static_cast<std::uint64_t>(
      std::chrono::ceil<std::chrono::milliseconds>(d).count());
}

std::string per_minute(const budget_limit& x, bool requests) {
  return std::to_string(x.capacity) + (requests ? " requests" : " tokens") +
         " per minute";
}

} // namespace

cluster_rates::cluster_rates(caf::event_based_actor* self,
                             const policies::clock& clock,
                             cluster_rate_settings settings)
    : settings_(std::move(settings)),
      leases_(self, clock,
              budget_lease_settings{settings_.ttl, 60'000, settings_.metrics}) {
  if (settings_.requests_per_minute > 0)
    requests_ = &leases_.add(settings_.prefix + ":requests",
                             settings_.requests_per_minute);
  if (settings_.tokens_per_minute > 0)
    tokens_ =
        &leases_.add(settings_.prefix + ":tokens", settings_.tokens_per_minute);
}

const budget_limit& cluster_rates::of(std::size_t i) const {
  const auto* x = i == 0 ? requests_ : tokens_;
  if (x == nullptr)
    throw std::out_of_range("cluster_rates: that rate is not set");
  return *x;
}

bool cluster_rates::take(budget_limit* x, std::uint64_t units,
                         rate_take& verdict) {
  if (x == nullptr)
    return true;
  switch (leases_.take(*x, units)) {
  case budget_take::taken:
    return true;
  case budget_take::wait:
    verdict.what = rate_take::outcome::wait;
    return false;
  case budget_take::spent:
    break;
  }
  auto wait = leases_.until_next_window();
  verdict.what = rate_take::outcome::refused;
  verdict.retry_after = wait;
  verdict.reason = settings_.label + ": the cluster's " +
                   per_minute(*x, x == requests_) + " are spent; retry after " +
                   std::to_string(to_ms(wait)) + " ms";
  return false;
}

void cluster_rates::give(budget_limit* x, std::uint64_t units) {
  if (x != nullptr)
    leases_.give(*x, units);
}

rate_take cluster_rates::try_take(std::uint64_t tokens) {
  rate_take verdict;
  if (!active())
    return verdict;
  if (tokens_ != nullptr && tokens > tokens_->capacity) {
    verdict.what = rate_take::outcome::refused;
    verdict.never = true;
    verdict.reason = settings_.label + ": token estimate " +
                     std::to_string(tokens) + " exceeds the cluster's " +
                     per_minute(*tokens_, false);
    return verdict;
  }
  if (!take(requests_, 1, verdict))
    return verdict;
  if (!take(tokens_, tokens, verdict)) {
    give(requests_, 1);
    return verdict;
  }
  if (tokens_ != nullptr)
    tokens_->in_flight += tokens;
  return verdict;
}

void cluster_rates::put_back(std::uint64_t tokens) {
  if (!active())
    return;
  give(requests_, 1);
  if (tokens_ != nullptr) {
    tokens_->in_flight -= std::min(tokens_->in_flight, tokens);
    give(tokens_, tokens);
  }
}

void cluster_rates::reconcile(std::uint64_t estimate, std::uint64_t actual) {
  if (!active() || tokens_ == nullptr)
    return;
  tokens_->in_flight -= std::min(tokens_->in_flight, estimate);
  if (actual < estimate)
    leases_.give(*tokens_, estimate - actual);
  else
    leases_.charge(*tokens_, actual - estimate);
}

} // namespace warden
