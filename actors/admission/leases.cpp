#include "actors/admission/leases.hpp"

#include <algorithm>
#include <string_view>

#include <caf/all.hpp>
#include <prometheus/gauge.h>

#include "logging/log.hpp"

namespace warden {

namespace {

constexpr std::string_view limit_prefix = "tenant:";

std::string limit_name(const std::string& tenant) {
  return std::string{limit_prefix} + tenant;
}

} // namespace

std::string tenant_of_limit(const std::string& limit) {
  return limit.compare(0, limit_prefix.size(), limit_prefix) == 0
             ? limit.substr(limit_prefix.size())
             : limit;
}

admission_leases::admission_leases(caf::event_based_actor* self,
                                   const policies::clock& clock,
                                   lease_settings settings, bool clustered)
    : self_(self),
      clock_(clock),
      settings_(std::move(settings)),
      active_(clustered),
      members_changed_(clock.now()) {}

const lease_limit* admission_leases::find(const std::string& tenant) const {
  auto i = limits_.find(tenant);
  return i != limits_.end() ? &i->second : nullptr;
}

std::uint32_t admission_leases::home_of(const std::string& name) const {
  return lease_home_of(placement_, nodes_, self_index_, name)
      .value_or(lease_limit::no_home);
}

lease_limit& admission_leases::limit_for(const std::string& tenant,
                                         std::uint64_t capacity) {
  auto [i, added] = limits_.try_emplace(tenant);
  auto& limit = i->second;
  if (added) {
    limit.name = limit_name(tenant);
    limit.capacity = capacity;
    rehome(limit, home_of(limit.name), 0);
  } else if (limit.capacity != capacity) {
    limit.capacity = capacity;
    if (limit.ledger)
      limit.ledger->reset(capacity);
  }
  return limit;
}

void admission_leases::rehome(lease_limit& limit, std::uint32_t home,
                              std::uint64_t in_use) {
  limit.home = home;
  limit.ledger.reset();
  limit.holder.reset();
  limit.ask = 0;
  if (home == lease_limit::no_home)
    return;
  if (home == self_index_) {
    policies::lease_ledger_config cfg;
    cfg.capacity = limit.capacity;
    cfg.ttl = settings_.ttl;
    cfg.first_generation = first_lease_generation(self_index_, ledgers_made_);
    limit.ledger.emplace(clock_, cfg);
    limit.ledger->adopt_local(in_use);
    // Another member may have been the home until the members last
    // changed: its leases run for up to a ttl after that.
    limit.grace_until = members_changed_ + settings_.ttl;
    return;
  }
  policies::lease_holder_config cfg;
  cfg.chunk = settings_.chunk;
  cfg.low_water = 0;
  cfg.high_water = 2 * settings_.chunk;
  cfg.idle_after = 10 * settings_.ttl;
  cfg.margin = settings_.ttl / 10;
  limit.holder.emplace(clock_, cfg);
  limit.holder->adopt(in_use);
}

std::vector<std::string> admission_leases::on_members(
    const lease_members& members,
    const std::map<std::string, std::uint64_t>& in_use) {
  std::vector<std::string> touched;
  auto before = nodes_;
  members_changed_ = clock_.now();
  active_ = members.names.size() > 1;
  self_index_ = members.self;
  nodes_ = members.nodes;
  nodes_.resize(members.names.size());
  if (!placement_ || placement_->members() != members.names)
    placement_.emplace(members.names);
  std::size_t moved = 0;
  for (auto& [tenant, limit] : limits_) {
    auto used = in_use.count(tenant) != 0 ? in_use.at(tenant) : 0;
    auto home = home_of(limit.name);
    if (home != limit.home) {
      ++moved;
      rehome(limit, home, used);
    } else if (limit.ledger) {
      for (std::size_t i = 0; i < before.size() && i < nodes_.size(); ++i) {
        // Down, or back as a new incarnation that knows nothing of it.
        if (before[i] && before[i] != nodes_[i] && i != self_index_) {
          auto freed = limit.ledger->holder_lost(static_cast<std::uint32_t>(i));
          if (freed > 0)
            add_units(settings_.metrics.home_expiries, 1);
        }
      }
    }
    touched.push_back(tenant);
  }
  if (moved > 0)
    logging::info("cluster.leases",
                  std::to_string(moved) +
                      " tenant caps have a new home; their new runs wait "
                      "up to one lease ttl while it learns what runs");
  show_counts();
  return touched;
}

std::uint64_t admission_leases::sync(const std::string& tenant,
                                     std::uint64_t capacity,
                                     std::uint64_t in_flight, bool waiting) {
  auto& limit = limit_for(tenant, capacity);
  std::uint64_t free = 0;
  if (limit.ledger) {
    auto& ledger = *limit.ledger;
    auto local = ledger.local_use();
    if (in_flight > local) {
      if (!ledger.try_acquire_local(in_flight - local))
        ledger.adopt_local(in_flight - local); // cannot happen: cap held it
    } else {
      ledger.release_local(local - in_flight);
    }
    auto now = clock_.now();
    if (now >= limit.grace_until) {
      std::uint64_t unmet = 0;
      for (std::size_t i = 0; i < limit.unmet.size(); ++i)
        if (now < limit.unmet_until[i])
          unmet += limit.unmet[i];
      auto available = ledger.available();
      free = available > unmet ? available - unmet : 0;
    }
    // The home's own runs wait: what holders keep unused comes back.
    if (waiting && free == 0)
      recall(limit, self_index_);
  } else if (limit.holder) {
    auto& holder = *limit.holder;
    if (auto lapsed = holder.on_expired(); lapsed > 0)
      add_units(settings_.metrics.holder_expiries, 1);
    auto used = holder.in_use();
    if (in_flight > used) {
      if (!holder.try_take(in_flight - used))
        holder.adopt(in_flight - used); // cannot happen: cap held it
    } else {
      holder.give_back(used - in_flight);
    }
    // Runs wait and nothing is left: say so, so that the holder asks.
    if (waiting && holder.balance() == 0)
      (void)holder.try_take(1);
    pump(limit, waiting);
    // After pump: what it returned is no longer the node's to take.
    free = holder.balance();
  }
  show_counts();
  return free;
}

void admission_leases::pump(lease_limit& limit, bool waiting) {
  auto& holder = *limit.holder;
  if (limit.home >= nodes_.size() || !nodes_[limit.home])
    return;
  // Lean (recalled), it keeps only what runs waiting here will take.
  auto lean = clock_.now() < limit.lean_until;
  auto surplus = !lean ? holder.surplus() : waiting ? 0 : holder.balance();
  if (surplus > 0) {
    auto report = holder.return_units(surplus);
    self_->send(nodes_[limit.home],
                lease_return{limit.name, self_index_, report.generation,
                             report.returned, report.settled});
  }
  if (clock_.now() < limit.retry_at)
    return;
  // Lean, it asks only for runs that wait, keeping nothing ahead.
  if (auto wanted = holder.wants(); wanted > 0 && (!lean || waiting))
    send_ask(limit, wanted);
  else if (holder.renew_due())
    send_ask(limit, 0);
}

void admission_leases::send_ask(lease_limit& limit, std::uint64_t wanted) {
  auto& holder = *limit.holder;
  limit.ask = holder.asked();
  limit.ask_sent = clock_.now();
  self_->send(nodes_[limit.home], lease_ask{limit.name, self_index_, limit.ask,
                                            wanted, holder.in_use()});
}

void admission_leases::on_ask(const lease_ask& msg,
                              std::optional<std::uint64_t> capacity,
                              const caf::actor& sender) {
  lease_grant reply;
  reply.limit = msg.limit;
  reply.home = self_index_;
  reply.ask = msg.ask;
  auto tenant = tenant_of_limit(msg.limit);
  auto* limit = capacity ? &limit_for(tenant, *capacity) : nullptr;
  // A member this node takes as down gets nothing, not even a renewal:
  // its lease was revoked when it went down, and it must not take the
  // units back before it is seen up again.
  if (limit == nullptr || !limit->ledger || msg.holder == self_index_ ||
      msg.holder >= nodes_.size() || !nodes_[msg.holder]) {
    reply.is_home = false;
    if (sender)
      self_->send(sender, std::move(reply));
    return;
  }
  auto& ledger = *limit->ledger;
  ledger.adopt(msg.holder, msg.in_use);
  // Within the grace, the home only counts what runs already.
  auto wanted = clock_.now() >= limit->grace_until ? msg.wanted : 0;
  auto answer = ledger.grant(msg.holder, wanted);
  // What it did not get waits for it for a few of its retries.
  limit->unmet[msg.holder] = std::min(wanted - answer.units, settings_.chunk);
  limit->unmet_until[msg.holder] = clock_.now() + 4 * tick_interval();
  if (answer.units < wanted)
    recall(*limit, msg.holder);
  limit->holders[msg.holder] = sender;
  if (sender)
    self_->send(sender, grant_of(msg, self_index_, answer, settings_.metrics));
  show_counts();
}

void admission_leases::on_grant(const lease_grant& msg) {
  auto tenant = tenant_of_limit(msg.limit);
  auto i = limits_.find(tenant);
  if (i == limits_.end() || !i->second.holder || msg.home != i->second.home)
    return;
  auto& limit = i->second;
  // An answer that gave nothing (none free, the home's grace, a renewal, a
  // refusal) is not asked again before the next tick.
  if (msg.units == 0)
    limit.retry_at = clock_.now() + tick_interval();
  if (!msg.is_home) {
    limit.holder->ask_failed(msg.ask);
    return;
  }
  limit.holder->on_answer(msg.ask,
                          answer_of(msg, policies::lease_mode::concurrency));
}

void admission_leases::on_return(const lease_return& msg) {
  auto tenant = tenant_of_limit(msg.limit);
  auto i = limits_.find(tenant);
  if (i == limits_.end() || !i->second.ledger)
    return;
  i->second.ledger->report(msg.holder,
                           {msg.generation, msg.returned, msg.settled});
  show_counts();
}

void admission_leases::recall(lease_limit& limit, std::uint32_t except) {
  auto now = clock_.now();
  if (now < limit.recall_at || !limit.ledger)
    return;
  limit.recall_at = now + tick_interval();
  send_recalls(self_, limit.name, self_index_, limit.holders, *limit.ledger,
               except);
}

void admission_leases::on_recall(const lease_recall& msg) {
  auto tenant = tenant_of_limit(msg.limit);
  auto i = limits_.find(tenant);
  if (i == limits_.end() || !i->second.holder || msg.home != i->second.home)
    return;
  // For a few ticks, every unit not in use goes back (pump, next sync).
  i->second.lean_until = clock_.now() + 4 * tick_interval();
}

std::vector<std::string> admission_leases::tick() {
  std::vector<std::string> touched;
  auto now = clock_.now();
  for (auto i = limits_.begin(); i != limits_.end(); ++i) {
    auto& limit = i->second;
    if (limit.ledger) {
      auto expired = limit.ledger->expire();
      add_units(settings_.metrics.home_expiries, expired.leases);
    } else if (limit.holder && limit.holder->asking() &&
               now - limit.ask_sent >= settings_.ttl) {
      limit.holder->ask_failed(limit.ask); // the home did not answer
    }
    touched.push_back(i->first);
  }
  show_counts();
  return touched;
}

bool admission_leases::from_member(const caf::strong_actor_ptr& sender) const {
  return sent_by_member(self_, nodes_, sender);
}

void admission_leases::forget_if_unused(const std::string& tenant) {
  auto i = limits_.find(tenant);
  if (i == limits_.end())
    return;
  const auto& limit = i->second;
  auto unused = limit.ledger ? limit.ledger->local_use() == 0 &&
                                   limit.ledger->outstanding() == 0 &&
                                   clock_.now() >= limit.grace_until
                : limit.holder ? limit.holder->in_use() == 0 &&
                                     limit.holder->leased_units() == 0 &&
                                     !limit.holder->asking()
                               : true;
  if (unused)
    limits_.erase(i);
}

lease_counts admission_leases::counts() const {
  lease_counts result;
  for (const auto& [tenant, limit] : limits_) {
    if (limit.ledger) {
      ++result.homes;
      result.leased_out += limit.ledger->outstanding();
    } else if (limit.holder) {
      result.held += limit.holder->held();
    }
  }
  return result;
}

void admission_leases::show_counts() {
  const auto& m = settings_.metrics;
  if (m.leased_out == nullptr && m.held == nullptr)
    return;
  auto now = counts();
  if (m.leased_out != nullptr)
    m.leased_out->Set(static_cast<double>(now.leased_out));
  if (m.held != nullptr)
    m.held->Set(static_cast<double>(now.held));
}

} // namespace warden
