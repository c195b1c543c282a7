#include "actors/common/budget_leases.hpp"

#include <algorithm>

#include <caf/all.hpp>

namespace warden {

budget_leases::budget_leases(caf::event_based_actor* self,
                             const policies::clock& clock,
                             budget_lease_settings settings, in_use_fn in_use)
    : self_(self),
      clock_(clock),
      settings_(std::move(settings)),
      in_use_(std::move(in_use)) {}

policies::duration budget_leases::until_next_window() const {
  auto now = clock_.unix_ms();
  auto next = (now / settings_.window_ms + 1) * settings_.window_ms;
  return std::chrono::milliseconds{next - now};
}

budget_limit* budget_leases::find(const std::string& name) {
  auto i = limits_.find(name);
  return i != limits_.end() ? &i->second : nullptr;
}

const budget_limit* budget_leases::find(const std::string& name) const {
  auto i = limits_.find(name);
  return i != limits_.end() ? &i->second : nullptr;
}

std::uint64_t budget_leases::in_use_of(const budget_limit& x) const {
  return in_use_ ? in_use_(x) : x.in_flight;
}

budget_limit& budget_leases::add(const std::string& name,
                                 std::uint64_t capacity) {
  auto [i, added] = limits_.try_emplace(name);
  auto& x = i->second;
  if (!added)
    return x;
  x.name = name;
  x.capacity = capacity;
  if (active_)
    rehome(x, lease_home_of(placement_, nodes_, self_index_, x.name)
                  .value_or(budget_limit::no_home));
  return x;
}

void budget_leases::on_members(const lease_members& members) {
  active_ = members.names.size() > 1;
  self_index_ = members.self;
  nodes_ = members.nodes;
  nodes_.resize(members.names.size());
  if (!placement_ || placement_->members() != members.names)
    placement_.emplace(members.names);
  if (!active_)
    return;
  for (auto& [name, x] : limits_) {
    auto home = lease_home_of(placement_, nodes_, self_index_, x.name)
                    .value_or(budget_limit::no_home);
    if (home != x.home)
      rehome(x, home);
  }
}

void budget_leases::rehome(budget_limit& x, std::uint32_t home) {
  x.home = home;
  x.ledger.reset();
  x.holder.reset();
  x.ask = 0;
  x.sent = {};
  x.retry_at = {};
  x.spent_until = {};
  if (home == budget_limit::no_home)
    return;
  auto in_use = in_use_of(x);
  if (home == self_index_) {
    policies::lease_ledger_config cfg;
    cfg.capacity = x.capacity;
    cfg.ttl = settings_.ttl;
    cfg.mode = policies::lease_mode::budget;
    cfg.first_generation = first_lease_generation(self_index_, ledgers_made_);
    x.ledger.emplace(clock_, cfg);
    // What is spent here already is charged to the window (roll).
    x.ledger->adopt_local(in_use);
    x.window = clock_.unix_ms() / settings_.window_ms;
    if (in_use_)
      x.grace_until = clock_.now() + 2 * tick_interval();
    return;
  }
  policies::lease_holder_config cfg;
  cfg.chunk = chunk(x);
  cfg.low_water = cfg.chunk / 2;
  cfg.high_water = 2 * cfg.chunk;
  cfg.idle_after = 2 * settings_.ttl;
  cfg.margin = settings_.ttl / 10;
  x.holder.emplace(clock_, cfg);
  // Work in flight (and what was spent) counted at the earlier home: the
  // new one adopts it with the first ask.
  x.holder->adopt(in_use);
}

std::uint64_t budget_leases::chunk(const budget_limit& x) const noexcept {
  auto members = std::max<std::size_t>(1, nodes_.size());
  return std::max<std::uint64_t>(1, x.capacity / (4 * members));
}

void budget_leases::roll(budget_limit& x) {
  if (!x.ledger)
    return;
  // What the home spent itself is charged to the window it was spent in.
  auto local = x.ledger->local_use();
  if (local > x.in_flight)
    x.ledger->settle_local(local - x.in_flight);
  auto window = clock_.unix_ms() / settings_.window_ms;
  if (window != x.window) {
    x.ledger->reset(x.capacity);
    x.window = window;
  }
}

std::uint64_t budget_leases::free(budget_limit& x) {
  if (x.ledger) {
    roll(x);
    return clock_.now() < x.grace_until ? 0 : x.ledger->available();
  }
  if (x.holder) {
    if (x.holder->on_expired() > 0)
      add_units(settings_.metrics.holder_expiries, 1);
    return x.holder->balance();
  }
  return 0;
}

budget_take budget_leases::take(budget_limit& x, std::uint64_t units) {
  if (units == 0 || !active_)
    return budget_take::taken;
  if (x.ledger) {
    roll(x);
    if (clock_.now() < x.grace_until)
      return budget_take::wait; // members may not have told what they spent
    if (x.ledger->try_acquire_local(units))
      return budget_take::taken;
    if (x.ledger->outstanding() == 0)
      return budget_take::spent;
    recall(x, self_index_); // others hold units: some may come back
  } else if (x.holder) {
    if (x.holder->try_take(units)) {
      x.waiting = false;
      return budget_take::taken;
    }
    if (clock_.now() < x.spent_until)
      return budget_take::spent;
    x.waiting = true;
    x.failed_since_tick = true;
    pump(x);
  }
  return budget_take::wait;
}

void budget_leases::give(budget_limit& x, std::uint64_t units) {
  if (units == 0)
    return;
  if (x.ledger)
    x.ledger->release_local(units);
  else if (x.holder)
    x.holder->give_back(units);
}

void budget_leases::charge(budget_limit& x, std::uint64_t units) {
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

void budget_leases::pump(budget_limit& x) {
  auto& holder = *x.holder;
  if (x.home >= nodes_.size() || !nodes_[x.home])
    return;
  auto now = clock_.now();
  // Everything taken but what work in flight holds is spent.
  if (holder.in_use() > x.in_flight)
    (void)holder.settle(holder.in_use() - x.in_flight);
  if (!x.waiting) {
    auto lean = now < x.lean_until;
    if (auto surplus = lean ? holder.balance() : holder.surplus(); surplus > 0)
      (void)holder.return_units(surplus);
  }
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
  // Recalled, it asks only for work that waits.
  auto wanted = now >= x.lean_until || x.waiting ? holder.wants() : 0;
  if (wanted == 0 && !holder.renew_due())
    return;
  x.ask = holder.asked();
  x.ask_sent = now;
  self_->send(nodes_[x.home],
              lease_ask{x.name, self_index_, x.ask, wanted, holder.in_use()});
}

void budget_leases::on_ask(const lease_ask& msg, const caf::actor& sender) {
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
  if (clock_.now() < x->grace_until) {
    // Nothing new yet: the answer renews, and the holder asks again.
    auto reply = grant_of(msg, self_index_, x->ledger->grant(msg.holder, 0),
                          settings_.metrics);
    if (sender)
      self_->send(sender, std::move(reply));
    return;
  }
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

budget_limit* budget_leases::on_grant(const lease_grant& msg) {
  auto* x = active_ ? find(msg.limit) : nullptr;
  if (x == nullptr || !x->holder || msg.home != x->home || msg.ask != x->ask ||
      !x->holder->asking())
    return nullptr;
  auto now = clock_.now();
  if (!msg.is_home) {
    x->holder->ask_failed(msg.ask);
    x->retry_at = now + tick_interval();
    return x;
  }
  auto answer = answer_of(msg, policies::lease_mode::budget);
  x->holder->on_answer(msg.ask, answer);
  if (answer.outcome == policies::lease_outcome::exhausted &&
      msg.elsewhere == 0) {
    // The window is spent: takes beyond the balance are refused until the
    // next one; the holder asks again now and then, for units that other
    // members return.
    x->spent_until = now + until_next_window();
    x->retry_at = now + 10 * tick_interval();
  } else if (msg.units == 0) {
    // Nothing free now, but others hold units the home recalled: ask
    // again in a tick, while work waits.
    x->retry_at = now + tick_interval();
  } else {
    x->spent_until = {};
  }
  return x;
}

budget_limit* budget_leases::on_return(const lease_return& msg) {
  auto* x = active_ ? find(msg.limit) : nullptr;
  if (x == nullptr || !x->ledger)
    return nullptr;
  roll(*x);
  auto back = x->ledger->report(msg.holder,
                                {msg.generation, msg.returned, msg.settled});
  return back > 0 ? x : nullptr;
}

void budget_leases::recall(budget_limit& x, std::uint32_t except) {
  auto now = clock_.now();
  if (now < x.recall_at || !x.ledger)
    return;
  x.recall_at = now + tick_interval();
  send_recalls(self_, x.name, self_index_, x.holders, *x.ledger, except);
}

void budget_leases::on_recall(const lease_recall& msg) {
  auto* x = active_ ? find(msg.limit) : nullptr;
  if (x == nullptr || !x->holder || msg.home != x->home)
    return;
  x->lean_until = clock_.now() + 4 * tick_interval();
  pump(*x);
}

void budget_leases::tick() {
  if (!active_)
    return;
  auto now = clock_.now();
  for (auto& [name, x] : limits_) {
    if (x.ledger) {
      roll(x);
      add_units(settings_.metrics.home_expiries, x.ledger->expire().leases);
    } else if (x.holder) {
      if (x.holder->asking() && now - x.ask_sent >= settings_.ttl)
        x.holder->ask_failed(x.ask); // the home did not answer
      if (x.holder->on_expired() > 0)
        add_units(settings_.metrics.holder_expiries, 1);
      // Work that still waits is tried again after each tick.
      x.waiting = x.failed_since_tick;
      x.failed_since_tick = false;
      pump(x);
    }
  }
}

} // namespace warden
