#include "policies/admission.hpp"

#include <stdexcept>

namespace warden::policies {

namespace {

constexpr std::uint64_t bit(std::size_t level) noexcept {
  return std::uint64_t{1} << level;
}

// Index of the highest level (lowest index) in a non-empty level mask.
std::size_t highest_level(std::uint64_t mask) noexcept {
  return static_cast<std::size_t>(__builtin_ctzll(mask));
}

// Index of the lowest level (highest index) in a non-empty level mask.
std::size_t lowest_level(std::uint64_t mask) noexcept {
  return static_cast<std::size_t>(63 - __builtin_clzll(mask));
}

submit_decision reject(rejection_reason why) {
  submit_decision d;
  d.outcome = admission_outcome::rejected;
  d.reason = why;
  return d;
}

} // namespace

admission::admission(admission_config config, const clock& clk)
    : config_(std::move(config)), clock_(&clk) {
  if (auto problems = validate(config_); !problems.empty())
    throw std::invalid_argument("admission config: " + problems.front().key +
                                " " + problems.front().message);
  levels_.resize(2 * config_.priorities.size());
  auto limit = config_.global_cap;
  for (std::size_t c = 0; c < config_.priorities.size(); ++c) {
    levels_[level_of(c, true)].limit = limit;
    levels_[level_of(c, false)].limit = limit;
    new_levels_ |= bit(level_of(c, false));
    limit -= config_.priorities[c].reserved;
  }
}

void admission::set_tenant(tenant_id id, tenant_limits limits,
                           std::vector<admitted_run>& admitted) {
  if (limits.weight == 0)
    limits.weight = 1;
  if (auto index = tenant_index_.find(id); index != npos) {
    auto& t = tenants_[index];
    bool was_open = t.in_flight < t.limits.in_flight_cap;
    bool open = t.in_flight < limits.in_flight_cap;
    t.limits = limits;
    if (was_open && !open) {
      deactivate(index);
    } else if (!was_open && open) {
      activate(index);
      dispatch(admitted);
    }
    return;
  }
  std::uint32_t index;
  if (!free_tenants_.empty()) {
    index = free_tenants_.back();
    free_tenants_.pop_back();
  } else {
    if (tenants_.size() >= npos)
      throw std::length_error("admission: too many tenants");
    index = static_cast<std::uint32_t>(tenants_.size());
    tenants_.emplace_back();
    tcs_.resize(tenants_.size() * levels_.size());
  }
  tenants_[index] = tenant_node{id, limits};
  tenant_index_.insert(id, index);
}

bool admission::remove_tenant(tenant_id id) {
  auto index = tenant_index_.find(id);
  if (index == npos)
    return false;
  const auto& t = tenants_[index];
  // A paused tenant is kept: forgetting it would forget the pause.
  if (t.in_flight > 0 || t.queued > 0 || t.yielded > 0 || t.paused)
    return false;
  tenant_index_.erase(id);
  free_tenants_.push_back(index);
  return true;
}

bool admission::pause(tenant_id id) {
  auto index = tenant_index_.find(id);
  if (index == npos)
    return false;
  auto& t = tenants_[index];
  if (!t.paused) {
    t.paused = true;
    leave_rings(index, t.queued_levels & new_levels_);
  }
  return true;
}

bool admission::resume(tenant_id id, std::vector<admitted_run>& admitted) {
  auto index = tenant_index_.find(id);
  if (index == npos)
    return false;
  auto& t = tenants_[index];
  if (!t.paused)
    return true;
  t.paused = false;
  if (t.in_flight < t.limits.in_flight_cap) {
    join_rings(index, t.queued_levels & new_levels_);
    dispatch(admitted);
  }
  return true;
}

bool admission::paused(tenant_id id) const noexcept {
  auto t = find_tenant(id);
  return t != nullptr && t->paused;
}

submit_decision admission::submit(request_id id, tenant_id tenant,
                                  std::size_t priority) {
  auto ti = tenant_index_.find(tenant);
  if (auto why = check_submit(id, priority, ti))
    return reject(*why);
  auto& t = tenants_[ti];
  submit_decision decision;
  // The invariant (nothing queued is admissible; a paused tenant's new runs
  // never are) means that a run admissible now overtakes nobody who could
  // go: its class and every class above have empty rings.
  auto level = level_of(priority, false);
  if (!t.paused && admissible(ti, priority)) {
    start(add_request(id, level), ti);
    decision.outcome = admission_outcome::admitted;
    return decision;
  }
  auto now = clock_->now();
  if (t.queued_new >= t.limits.queue_cap) {
    auto mask = t.queued_levels & new_levels_;
    if (mask == 0 || lowest_level(mask) <= level)
      return reject(rejection_reason::tenant_queue_full);
    decision.shed = shed(ti, lowest_level(mask), now);
  } else if (queued_new_total_ >= config_.global_queue_cap) {
    auto mask = queued_levels_ & new_levels_;
    if (mask == 0 || lowest_level(mask) <= level)
      return reject(rejection_reason::global_queue_full);
    auto lowest = lowest_level(mask);
    auto victim = levels_[lowest].buckets.argmax();
    decision.shed =
        shed(static_cast<std::uint32_t>(victim / levels_.size()), lowest, now);
  }
  auto slot = add_request(id, level);
  requests_[slot].enqueued = now;
  enqueue(slot, ti, level);
  decision.outcome = admission_outcome::queued;
  return decision;
}

submit_decision admission::submit_continuation(request_id id, tenant_id tenant,
                                               std::size_t priority) {
  auto ti = tenant_index_.find(tenant);
  if (auto why = check_submit(id, priority, ti))
    return reject(*why);
  submit_decision decision;
  auto level = level_of(priority, true);
  auto slot = add_request(id, level);
  if (admissible(ti, priority)) {
    start(slot, ti);
    decision.outcome = admission_outcome::admitted;
    return decision;
  }
  requests_[slot].enqueued = clock_->now();
  enqueue(slot, ti, level);
  decision.outcome = admission_outcome::queued;
  return decision;
}

bool admission::yield(request_id id, std::vector<admitted_run>& admitted) {
  auto slot = request_index_.find(id);
  if (slot == npos || requests_[slot].state != slot_state::running)
    return false;
  stop_counting(slot);
  requests_[slot].state = slot_state::yielded;
  ++tenants_[requests_[slot].tenant].yielded;
  dispatch(admitted);
  return true;
}

reclaim_outcome admission::reclaim(request_id id) {
  auto slot = request_index_.find(id);
  if (slot == npos || requests_[slot].state != slot_state::yielded)
    return reclaim_outcome::unknown_request;
  auto& r = requests_[slot];
  auto ti = r.tenant;
  std::size_t cls = r.level / 2;
  --tenants_[ti].yielded;
  if (admissible(ti, cls)) {
    start(slot, ti);
    return reclaim_outcome::resumed;
  }
  r.enqueued = clock_->now();
  r.reclaiming = true;
  enqueue(slot, ti, level_of(cls, true));
  return reclaim_outcome::queued;
}

bool admission::release(request_id id, std::vector<admitted_run>& admitted) {
  auto slot = request_index_.find(id);
  if (slot == npos || requests_[slot].state == slot_state::queued)
    return false;
  finish(slot, admitted);
  return true;
}

cancel_outcome admission::cancel(request_id id,
                                 std::vector<admitted_run>& admitted) {
  auto slot = request_index_.find(id);
  if (slot == npos)
    return cancel_outcome::unknown_request;
  if (requests_[slot].state != slot_state::queued) {
    finish(slot, admitted);
    return cancel_outcome::released;
  }
  bool was_admitted = requests_[slot].reclaiming;
  unlink_queued(slot);
  forget(slot);
  if (was_admitted)
    return cancel_outcome::released;
  return cancel_outcome::dequeued;
}

request_state admission::state(request_id id) const noexcept {
  auto slot = request_index_.find(id);
  if (slot == npos)
    return request_state::unknown;
  switch (requests_[slot].state) {
  case slot_state::running:
    return request_state::running;
  case slot_state::yielded:
    return request_state::yielded;
  case slot_state::queued:
    return request_state::queued;
  case slot_state::free:
    break;
  }
  return request_state::unknown;
}

bool admission::has_tenant(tenant_id id) const noexcept {
  return find_tenant(id) != nullptr;
}

std::optional<tenant_limits> admission::limits(tenant_id id) const noexcept {
  if (auto t = find_tenant(id))
    return t->limits;
  return std::nullopt;
}

std::uint32_t admission::in_flight(tenant_id id) const noexcept {
  auto t = find_tenant(id);
  return t ? t->in_flight : 0;
}

std::uint32_t admission::queued(tenant_id id) const noexcept {
  auto t = find_tenant(id);
  return t ? t->queued : 0;
}

std::uint32_t admission::queued(tenant_id id,
                                std::size_t priority) const noexcept {
  auto index = tenant_index_.find(id);
  if (index == npos || priority >= priority_count())
    return 0;
  return tcs_[tc_index(index, level_of(priority, true))].bucket.count +
         tcs_[tc_index(index, level_of(priority, false))].bucket.count;
}

std::uint32_t admission::queue_depth(std::size_t priority) const noexcept {
  if (priority >= priority_count())
    return 0;
  return levels_[level_of(priority, true)].depth +
         levels_[level_of(priority, false)].depth;
}

duration admission::oldest_waiting_age(std::size_t priority) const {
  if (priority >= priority_count())
    return duration{0};
  std::optional<time_point> oldest;
  for (auto level : {level_of(priority, true), level_of(priority, false)})
    if (auto slot = levels_[level].oldest; slot != npos) {
      auto at = requests_[slot].enqueued;
      oldest = oldest ? std::min(*oldest, at) : at;
    }
  return oldest ? clock_->now() - *oldest : duration{0};
}

std::uint32_t admission::class_limit(std::size_t priority) const noexcept {
  return priority < priority_count() ? levels_[level_of(priority, false)].limit
                                     : 0;
}

std::optional<std::size_t>
admission::priority_index(std::string_view name) const noexcept {
  for (std::size_t c = 0; c < config_.priorities.size(); ++c)
    if (config_.priorities[c].name == name)
      return c;
  return std::nullopt;
}

// -- internals ----------------------------------------------------------------

const admission::tenant_node*
admission::find_tenant(tenant_id id) const noexcept {
  auto index = tenant_index_.find(id);
  return index == npos ? nullptr : &tenants_[index];
}

std::optional<rejection_reason>
admission::check_submit(request_id id, std::size_t priority,
                        std::uint32_t tenant) const noexcept {
  if (priority >= priority_count())
    return rejection_reason::unknown_priority;
  if (request_index_.find(id) != npos)
    return rejection_reason::duplicate_request;
  if (tenant == npos)
    return rejection_reason::unknown_tenant;
  return std::nullopt;
}

bool admission::admissible(std::uint32_t ti, std::size_t cls) const noexcept {
  const auto& t = tenants_[ti];
  return t.in_flight < t.limits.in_flight_cap &&
         in_flight_total_ < levels_[level_of(cls, false)].limit;
}

std::uint32_t admission::new_request_slot() {
  if (free_requests_ != npos) {
    auto slot = free_requests_;
    free_requests_ = requests_[slot].tenant_next;
    return slot;
  }
  if (requests_.size() >= npos)
    throw std::length_error("admission: too many runs");
  requests_.emplace_back();
  return static_cast<std::uint32_t>(requests_.size() - 1);
}

void admission::free_request_slot(std::uint32_t slot) noexcept {
  auto& r = requests_[slot];
  r.state = slot_state::free;
  r.reclaiming = false;
  r.tenant_next = free_requests_;
  free_requests_ = slot;
}

std::uint32_t admission::add_request(request_id id, std::size_t level) {
  auto slot = new_request_slot();
  requests_[slot].id = id;
  requests_[slot].level = static_cast<std::uint8_t>(level);
  request_index_.insert(id, slot);
  return slot;
}

void admission::start(std::uint32_t slot, std::uint32_t ti) {
  auto& r = requests_[slot];
  r.state = slot_state::running;
  r.tenant = ti;
  r.reclaiming = false;
  auto& t = tenants_[ti];
  ++in_flight_total_;
  if (++t.in_flight == t.limits.in_flight_cap)
    deactivate(ti);
}

void admission::stop_counting(std::uint32_t slot) {
  auto& t = tenants_[requests_[slot].tenant];
  --in_flight_total_;
  if (t.in_flight-- == t.limits.in_flight_cap)
    activate(requests_[slot].tenant);
}

void admission::enqueue(std::uint32_t slot, std::uint32_t ti,
                        std::size_t level) {
  auto& r = requests_[slot];
  auto& ls = levels_[level];
  auto tci = tc_index(ti, level);
  auto& f = tcs_[tci];
  auto& t = tenants_[ti];
  r.state = slot_state::queued;
  r.tenant = ti;
  r.level = static_cast<std::uint8_t>(level);
  r.tenant_prev = f.tail;
  r.tenant_next = npos;
  if (f.tail != npos)
    requests_[f.tail].tenant_next = slot;
  else
    f.head = slot;
  f.tail = slot;
  r.class_prev = ls.newest;
  r.class_next = npos;
  if (ls.newest != npos)
    requests_[ls.newest].class_next = slot;
  else
    ls.oldest = slot;
  ls.newest = slot;
  ++ls.depth;
  ls.buckets.increment(tcs_, tci);
  ++t.queued;
  ++queued_total_;
  if (new_levels_ & bit(level)) {
    ++t.queued_new;
    ++queued_new_total_;
  }
  t.queued_levels |= bit(level);
  queued_levels_ |= bit(level);
  if (f.head == slot && t.in_flight < t.limits.in_flight_cap &&
      (dispatchable_levels(t) & bit(level)) != 0) {
    ls.ring.push_back(tcs_, tci);
    dispatchable_ |= bit(level);
  }
}

void admission::unlink_queued(std::uint32_t slot) noexcept {
  auto& r = requests_[slot];
  std::size_t level = r.level;
  auto ti = r.tenant;
  auto& ls = levels_[level];
  auto tci = tc_index(ti, level);
  auto& f = tcs_[tci];
  auto& t = tenants_[ti];
  if (r.tenant_prev != npos)
    requests_[r.tenant_prev].tenant_next = r.tenant_next;
  else
    f.head = r.tenant_next;
  if (r.tenant_next != npos)
    requests_[r.tenant_next].tenant_prev = r.tenant_prev;
  else
    f.tail = r.tenant_prev;
  if (r.class_prev != npos)
    requests_[r.class_prev].class_next = r.class_next;
  else
    ls.oldest = r.class_next;
  if (r.class_next != npos)
    requests_[r.class_next].class_prev = r.class_prev;
  else
    ls.newest = r.class_prev;
  ls.buckets.decrement(tcs_, tci);
  --t.queued;
  --queued_total_;
  if (new_levels_ & bit(level)) {
    --t.queued_new;
    --queued_new_total_;
  }
  if (--ls.depth == 0)
    queued_levels_ &= ~bit(level);
  if (f.head == npos) {
    t.queued_levels &= ~bit(level);
    ls.ring.remove(tcs_, tci);
    if (ls.ring.empty())
      dispatchable_ &= ~bit(level);
  }
}

void admission::forget(std::uint32_t slot) noexcept {
  request_index_.erase(requests_[slot].id);
  free_request_slot(slot);
}

void admission::finish(std::uint32_t slot,
                       std::vector<admitted_run>& admitted) {
  if (requests_[slot].state == slot_state::running)
    stop_counting(slot);
  else // yielded: it held no slot
    --tenants_[requests_[slot].tenant].yielded;
  forget(slot);
  dispatch(admitted);
}

shed_run admission::shed(std::uint32_t ti, std::size_t level, time_point now) {
  auto slot = tcs_[tc_index(ti, level)].tail;
  auto& r = requests_[slot];
  shed_run result{r.id, tenants_[ti].id, level / 2, now - r.enqueued,
                  shed_reason::shed_for_higher_priority};
  unlink_queued(slot);
  forget(slot);
  return result;
}

std::uint64_t
admission::dispatchable_levels(const tenant_node& t) const noexcept {
  // A paused tenant's new runs are not admissible: only its continuation
  // levels may be in the round robin.
  return t.paused ? t.queued_levels & ~new_levels_ : t.queued_levels;
}

void admission::leave_rings(std::uint32_t ti, std::uint64_t levels) noexcept {
  for (auto mask = levels; mask != 0; mask &= mask - 1) {
    auto level = highest_level(mask);
    auto& ring = levels_[level].ring;
    ring.remove(tcs_, tc_index(ti, level));
    if (ring.empty())
      dispatchable_ &= ~bit(level);
  }
}

void admission::join_rings(std::uint32_t ti, std::uint64_t levels) noexcept {
  for (auto mask = levels; mask != 0; mask &= mask - 1) {
    auto level = highest_level(mask);
    levels_[level].ring.push_back(tcs_, tc_index(ti, level));
    dispatchable_ |= bit(level);
  }
}

void admission::deactivate(std::uint32_t ti) noexcept {
  leave_rings(ti, tenants_[ti].queued_levels);
}

void admission::activate(std::uint32_t ti) noexcept {
  join_rings(ti, dispatchable_levels(tenants_[ti]));
}

void admission::dispatch(std::vector<admitted_run>& admitted) {
  std::optional<time_point> now;
  // Level limits fall with the level index, so the first level without
  // capacity ends the loop: no level below it has any either.
  while (dispatchable_ != 0) {
    auto level = highest_level(dispatchable_);
    auto& ls = levels_[level];
    if (in_flight_total_ >= ls.limit)
      return;
    if (!now)
      now = clock_->now();
    auto tci = ls.ring.front();
    auto& tc = tcs_[tci];
    auto slot = tc.head;
    auto& r = requests_[slot];
    auto ti = r.tenant;
    auto& t = tenants_[ti];
    bool turn_over = ls.ring.charge_front(tcs_, t.limits.weight);
    admitted.push_back(
        admitted_run{r.id, t.id, level / 2, *now - r.enqueued, r.reclaiming});
    unlink_queued(slot);
    start(slot, ti);
    // Still active means still at the front: only this node may have left.
    if (turn_over && detail::drr_ring::contains(tcs_[tci].ring))
      ls.ring.rotate(tcs_);
  }
}

} // namespace warden::policies
