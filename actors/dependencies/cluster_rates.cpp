#include "actors/dependencies/cluster_rates.hpp"

#include <algorithm>

#include <caf/all.hpp>

namespace warden {

namespace {

constexpr std::uint64_t minute_ms = 60'000;

std::uint64_t to_ms(policies::duration d) {
  return static_cast<std::uint64_t>(
      std::chrono::ceil<std::chrono::milliseconds>(d).count());
}

std::string per_minute(const cluster_rates::limit& x, std::size_t index) {
  return std::to_string(x.capacity) + (index == 0 ? " requests" : " tokens") +
         " per minute";
}

} // namespace

cluster_rates::cluster_rates(caf::event_based_actor* self,
                             const policies::clock& clock,
                             cluster_rate_settings settings)
    : self_(self), clock_(clock), settings_(std::move(settings)) {
  limits_[0].name = settings_.prefix + ":requests";
  limits_[0].capacity = settings_.requests_per_minute;
  limits_[1].name = settings_.prefix + ":tokens";
  limits_[1].capacity = settings_.tokens_per_minute;
}

policies::duration cluster_rates::until_next_window() const {
  auto now = clock_.unix_ms();
  auto next = (now / minute_ms + 1) * minute_ms;
  return std::chrono::milliseconds{next - now};
}

cluster_rates::limit* cluster_rates::find(const std::string& name) {
  for (auto& x : limits_)
    if (x.capacity > 0 && x.name == name)
      return &x;
  return nullptr;
}

void cluster_rates::on_members(const lease_members& members) {
  auto any = std::any_of(limits_.begin(), limits_.end(),
                         [](const limit& x) { return x.capacity > 0; });
  active_ = any && members.names.size() > 1;
  self_index_ = members.self;
  nodes_ = members.nodes;
  nodes_.resize(members.names.size());
  if (!placement_ || placement_->members() != members.names)
    placement_.emplace(members.names);
  if (!active_)
    return;
  for (auto& x : limits_) {
    if (x.capacity == 0)
      continue;
    auto home = lease_home_of(placement_, nodes_, self_index_, x.name)
                    .value_or(limit::no_home);
    if (home != x.home)
      rehome(x, home);
  }
}

void cluster_rates::rehome(limit& x, std::uint32_t home) {
  x.home = home;
  x.ledger.reset();
  x.holder.reset();
  x.ask = 0;
  x.sent = {};
  x.retry_at = {};
  x.spent_until = {};
  if (home == limit::no_home)
    return;
  if (home == self_index_) {
    policies::lease_ledger_config cfg;
    cfg.capacity = x.capacity;
    cfg.ttl = settings_.ttl;
    cfg.mode = policies::lease_mode::budget;
    cfg.first_generation = first_lease_generation(ledgers_made_);
    x.ledger.emplace(clock_, cfg);
    x.ledger->adopt_local(x.in_flight);
    x.window = clock_.unix_ms() / minute_ms;
    return;
  }
  policies::lease_holder_config cfg;
  // A quarter of an even share: a busy member asks a few times a window,
  // an idle one holds little.
  cfg.chunk = std::max<std::uint64_t>(1, x.capacity / (4 * nodes_.size()));
  cfg.low_water = cfg.chunk / 2;
  cfg.high_water = 2 * cfg.chunk;
  cfg.idle_after = 2 * settings_.ttl;
  cfg.margin = settings_.ttl / 10;
  x.holder.emplace(clock_, cfg);
  // Attempts in flight took from the earlier home: the new one adopts them.
  x.holder->adopt(x.in_flight);
}

void cluster_rates::roll(limit& x) {
  if (!x.ledger)
    return;
  // What the home spent itself is charged to the window it was spent in.
  auto local = x.ledger->local_use();
  if (local > x.in_flight)
    x.ledger->settle_local(local - x.in_flight);
  auto window = clock_.unix_ms() / minute_ms;
  if (window != x.window) {
    x.ledger->reset(x.capacity);
    x.window = window;
  }
}

bool cluster_rates::take(limit& x, std::uint64_t units, rate_take& verdict) {
  if (units == 0 || x.capacity == 0)
    return true;
  auto index = static_cast<std::size_t>(&x - limits_.data());
  auto refuse = [&](policies::duration wait) {
    verdict.what = rate_take::outcome::refused;
    verdict.retry_after = wait;
    verdict.reason = settings_.label + ": the cluster's " +
                     per_minute(x, index) + " are spent; retry after " +
                     std::to_string(to_ms(wait)) + " ms";
    return false;
  };
  if (x.ledger) {
    roll(x);
    if (x.ledger->try_acquire_local(units))
      return true;
    if (x.ledger->outstanding() == 0)
      return refuse(until_next_window());
    recall(x, self_index_); // others hold units: some may come back
  } else if (x.holder) {
    if (x.holder->try_take(units)) {
      x.waiting = false;
      return true;
    }
    auto now = clock_.now();
    if (now < x.spent_until)
      return refuse(x.spent_until - now);
    x.waiting = true;
    pump(x);
  }
  verdict.what = rate_take::outcome::wait;
  return false;
}

void cluster_rates::give(limit& x, std::uint64_t units) {
  if (units == 0)
    return;
  if (x.ledger)
    x.ledger->release_local(units);
  else if (x.holder)
    x.holder->give_back(units);
}

void cluster_rates::charge(limit& x, std::uint64_t units) {
  if (units == 0)
    return;
  if (x.ledger) {
    if (!x.ledger->try_acquire_local(units))
      x.ledger->adopt_local(units); // used already: charged whatever is free
  } else if (x.holder) {
    if (!x.holder->try_take(units))
      x.holder->adopt(units); // the next ask has the home adopt them
  }
}

rate_take cluster_rates::try_take(std::uint64_t tokens) {
  rate_take verdict;
  if (!active_)
    return verdict;
  auto& requests = limits_[0];
  auto& budget = limits_[1];
  if (budget.capacity > 0 && tokens > budget.capacity) {
    verdict.what = rate_take::outcome::refused;
    verdict.never = true;
    verdict.reason = settings_.label + ": token estimate " +
                     std::to_string(tokens) + " exceeds the cluster's " +
                     per_minute(budget, 1);
    return verdict;
  }
  if (!take(requests, 1, verdict))
    return verdict;
  if (!take(budget, tokens, verdict)) {
    give(requests, requests.capacity > 0 ? 1 : 0);
    return verdict;
  }
  if (budget.capacity > 0)
    budget.in_flight += tokens;
  return verdict;
}

void cluster_rates::put_back(std::uint64_t tokens) {
  if (!active_)
    return;
  auto& requests = limits_[0];
  auto& budget = limits_[1];
  give(requests, requests.capacity > 0 ? 1 : 0);
  if (budget.capacity > 0) {
    budget.in_flight -= std::min(budget.in_flight, tokens);
    give(budget, tokens);
  }
}

void cluster_rates::reconcile(std::uint64_t estimate, std::uint64_t actual) {
  auto& budget = limits_[1];
  if (!active_ || budget.capacity == 0)
    return;
  budget.in_flight -= std::min(budget.in_flight, estimate);
  if (actual < estimate)
    give(budget, estimate - actual);
  else
    charge(budget, actual - estimate);
}

void cluster_rates::pump(limit& x) {
  auto& holder = *x.holder;
  if (x.home >= nodes_.size() || !nodes_[x.home])
    return;
  auto now = clock_.now();
  // Everything taken but the estimates of attempts in flight is spent.
  if (holder.in_use() > x.in_flight)
    (void)holder.settle(holder.in_use() - x.in_flight);
  auto lean = now < x.lean_until && !x.waiting;
  if (auto surplus = lean ? holder.balance() : holder.surplus(); surplus > 0)
    (void)holder.return_units(surplus);
  auto report = holder.report();
  if (report.generation != x.sent.generation ||
      report.returned != x.sent.returned || report.settled != x.sent.settled) {
    self_->send(nodes_[x.home],
                lease_return{x.name, self_index_, report.generation,
                             report.returned, report.settled});
    x.sent = report;
  }
  if (now < x.retry_at)
    return;
  // Recalled, it asks only for a call that waits.
  auto wanted = now >= x.lean_until || x.waiting ? holder.wants() : 0;
  if (wanted == 0 && !holder.renew_due())
    return;
  x.ask = holder.asked();
  x.ask_sent = now;
  self_->send(nodes_[x.home],
              lease_ask{x.name, self_index_, x.ask, wanted, holder.in_use()});
}

void cluster_rates::on_ask(const lease_ask& msg, const caf::actor& sender) {
  auto* x = active_ ? find(msg.limit) : nullptr;
  // A member this node takes as down gets nothing, as for tenants' caps.
  if (x == nullptr || !x->ledger || msg.holder == self_index_ ||
      msg.holder >= nodes_.size() || !nodes_[msg.holder]) {
    lease_grant refusal{msg.limit, self_index_, msg.ask};
    refusal.is_home = false;
    if (sender)
      self_->send(sender, std::move(refusal));
    return;
  }
  roll(*x);
  x->holders[msg.holder] = sender;
  x->ledger->adopt(msg.holder, msg.in_use);
  auto answer = x->ledger->grant(msg.holder, msg.wanted);
  auto reply = grant_of(msg, self_index_, answer, settings_.metrics);
  if (answer.units < msg.wanted) {
    reply.elsewhere =
        x->ledger->outstanding() - x->ledger->leased_to(msg.holder);
    recall(*x, msg.holder);
  }
  if (sender)
    self_->send(sender, std::move(reply));
}

bool cluster_rates::on_grant(const lease_grant& msg) {
  auto* x = active_ ? find(msg.limit) : nullptr;
  if (x == nullptr || !x->holder || msg.home != x->home || msg.ask != x->ask ||
      !x->holder->asking())
    return false;
  auto now = clock_.now();
  if (!msg.is_home) {
    x->holder->ask_failed(msg.ask);
    x->retry_at = now + tick_interval();
    return true;
  }
  auto answer = answer_of(msg, policies::lease_mode::budget);
  x->holder->on_answer(msg.ask, answer);
  if (answer.outcome == policies::lease_outcome::exhausted &&
      msg.elsewhere == 0) {
    // The window is spent: takes beyond the balance are refused until the
    // next minute; the holder asks again now and then, for units that
    // other members return.
    x->spent_until = now + until_next_window();
    x->retry_at = now + 10 * tick_interval();
  } else if (msg.units == 0) {
    // Nothing free now, but others hold units the home recalled: ask
    // again in a tick, while calls wait.
    x->retry_at = now + tick_interval();
  } else {
    x->spent_until = {};
  }
  return true;
}

bool cluster_rates::on_return(const lease_return& msg) {
  auto* x = active_ ? find(msg.limit) : nullptr;
  if (x == nullptr || !x->ledger)
    return false;
  roll(*x);
  return x->ledger->report(msg.holder,
                           {msg.generation, msg.returned, msg.settled}) > 0;
}

void cluster_rates::recall(limit& x, std::uint32_t except) {
  auto now = clock_.now();
  if (now < x.recall_at || !x.ledger)
    return;
  x.recall_at = now + tick_interval();
  send_recalls(self_, x.name, self_index_, x.holders, *x.ledger, except);
}

void cluster_rates::on_recall(const lease_recall& msg) {
  auto* x = active_ ? find(msg.limit) : nullptr;
  if (x == nullptr || !x->holder || msg.home != x->home)
    return;
  x->lean_until = clock_.now() + 4 * tick_interval();
  pump(*x);
}

void cluster_rates::tick() {
  if (!active_)
    return;
  auto now = clock_.now();
  for (auto& x : limits_) {
    if (x.capacity == 0)
      continue;
    if (x.ledger) {
      roll(x);
      add_units(settings_.metrics.home_expiries, x.ledger->expire().leases);
    } else if (x.holder) {
      if (x.holder->asking() && now - x.ask_sent >= settings_.ttl)
        x.holder->ask_failed(x.ask); // the home did not answer
      if (x.holder->on_expired() > 0)
        add_units(settings_.metrics.holder_expiries, 1);
      pump(x);
    }
  }
}

} // namespace warden
