#include "policies/admission.hpp"

#include <stdexcept>

namespace warden::policies {

namespace {

constexpr std::uint64_t bit(std::size_t cls) noexcept {
  return std::uint64_t{1} << cls;
}

// Index of the highest class (lowest index) in a non-empty class mask.
std::size_t highest_class(std::uint64_t mask) noexcept {
  return static_cast<std::size_t>(__builtin_ctzll(mask));
}

// Index of the lowest class (highest index) in a non-empty class mask.
std::size_t lowest_class(std::uint64_t mask) noexcept {
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
  classes_.resize(config_.priorities.size());
  auto limit = config_.global_cap;
  for (std::size_t c = 0; c < classes_.size(); ++c) {
    classes_[c].limit = limit;
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
    tcs_.resize(tenants_.size() * classes_.size());
  }
  tenants_[index] = tenant_node{id, limits, 0, 0, 0};
  tenant_index_.insert(id, index);
}

bool admission::remove_tenant(tenant_id id) {
  auto index = tenant_index_.find(id);
  if (index == npos)
    return false;
  const auto& t = tenants_[index];
  if (t.in_flight > 0 || t.queued > 0)
    return false;
  tenant_index_.erase(id);
  free_tenants_.push_back(index);
  return true;
}

submit_decision admission::submit(request_id id, tenant_id tenant,
                                  std::size_t priority) {
  if (priority >= classes_.size())
    return reject(rejection_reason::unknown_priority);
  if (request_index_.find(id) != npos)
    return reject(rejection_reason::duplicate_request);
  auto ti = tenant_index_.find(tenant);
  if (ti == npos)
    return reject(rejection_reason::unknown_tenant);
  auto& t = tenants_[ti];
  submit_decision decision;
  // The invariant (nothing queued is admissible) means that a run admissible
  // now overtakes nobody: its class and every class above have empty rings.
  if (t.in_flight < t.limits.in_flight_cap &&
      in_flight_total_ < classes_[priority].limit) {
    auto slot = new_request_slot();
    auto& r = requests_[slot];
    r.id = id;
    r.priority = static_cast<std::uint8_t>(priority);
    request_index_.insert(id, slot);
    start(slot, ti);
    decision.outcome = admission_outcome::admitted;
    return decision;
  }
  auto now = clock_->now();
  if (t.queued >= t.limits.queue_cap) {
    if (t.queued_classes == 0 || lowest_class(t.queued_classes) <= priority)
      return reject(rejection_reason::tenant_queue_full);
    decision.shed = shed(ti, lowest_class(t.queued_classes), now);
  } else if (queued_total_ >= config_.global_queue_cap) {
    if (queued_classes_ == 0 || lowest_class(queued_classes_) <= priority)
      return reject(rejection_reason::global_queue_full);
    auto lowest = lowest_class(queued_classes_);
    auto victim = classes_[lowest].buckets.argmax();
    decision.shed =
        shed(static_cast<std::uint32_t>(victim / classes_.size()), lowest, now);
  }
  auto slot = new_request_slot();
  auto& r = requests_[slot];
  r.id = id;
  r.enqueued = now;
  request_index_.insert(id, slot);
  enqueue(slot, ti, priority);
  decision.outcome = admission_outcome::queued;
  return decision;
}

bool admission::release(request_id id, std::vector<admitted_run>& admitted) {
  auto slot = request_index_.find(id);
  if (slot == npos || requests_[slot].state != slot_state::running)
    return false;
  finish(slot, admitted);
  return true;
}

cancel_outcome admission::cancel(request_id id,
                                 std::vector<admitted_run>& admitted) {
  auto slot = request_index_.find(id);
  if (slot == npos)
    return cancel_outcome::unknown_request;
  if (requests_[slot].state == slot_state::running) {
    finish(slot, admitted);
    return cancel_outcome::released;
  }
  unlink_queued(slot);
  request_index_.erase(id);
  free_request_slot(slot);
  return cancel_outcome::dequeued;
}

request_state admission::state(request_id id) const noexcept {
  auto slot = request_index_.find(id);
  if (slot == npos)
    return request_state::unknown;
  return requests_[slot].state == slot_state::running ? request_state::running
                                                      : request_state::queued;
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
  if (index == npos || priority >= classes_.size())
    return 0;
  return tcs_[tc_index(index, priority)].bucket.count;
}

std::uint32_t admission::queue_depth(std::size_t priority) const noexcept {
  return priority < classes_.size() ? classes_[priority].depth : 0;
}

duration admission::oldest_waiting_age(std::size_t priority) const {
  if (priority >= classes_.size() || classes_[priority].oldest == npos)
    return duration{0};
  return clock_->now() - requests_[classes_[priority].oldest].enqueued;
}

std::uint32_t admission::class_limit(std::size_t priority) const noexcept {
  return priority < classes_.size() ? classes_[priority].limit : 0;
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
  r.tenant_next = free_requests_;
  free_requests_ = slot;
}

void admission::start(std::uint32_t slot, std::uint32_t ti) {
  auto& r = requests_[slot];
  r.state = slot_state::running;
  r.tenant = ti;
  auto& t = tenants_[ti];
  ++in_flight_total_;
  if (++t.in_flight == t.limits.in_flight_cap)
    deactivate(ti);
}

void admission::enqueue(std::uint32_t slot, std::uint32_t ti, std::size_t cls) {
  auto& r = requests_[slot];
  auto& cs = classes_[cls];
  auto tci = tc_index(ti, cls);
  auto& f = tcs_[tci];
  auto& t = tenants_[ti];
  r.state = slot_state::queued;
  r.tenant = ti;
  r.priority = static_cast<std::uint8_t>(cls);
  r.tenant_prev = f.tail;
  r.tenant_next = npos;
  if (f.tail != npos)
    requests_[f.tail].tenant_next = slot;
  else
    f.head = slot;
  f.tail = slot;
  r.class_prev = cs.newest;
  r.class_next = npos;
  if (cs.newest != npos)
    requests_[cs.newest].class_next = slot;
  else
    cs.oldest = slot;
  cs.newest = slot;
  ++cs.depth;
  cs.buckets.increment(tcs_, tci);
  ++t.queued;
  ++queued_total_;
  t.queued_classes |= bit(cls);
  queued_classes_ |= bit(cls);
  if (f.head == slot && t.in_flight < t.limits.in_flight_cap) {
    cs.ring.push_back(tcs_, tci);
    dispatchable_ |= bit(cls);
  }
}

void admission::unlink_queued(std::uint32_t slot) noexcept {
  auto& r = requests_[slot];
  std::size_t cls = r.priority;
  auto ti = r.tenant;
  auto& cs = classes_[cls];
  auto tci = tc_index(ti, cls);
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
    cs.oldest = r.class_next;
  if (r.class_next != npos)
    requests_[r.class_next].class_prev = r.class_prev;
  else
    cs.newest = r.class_prev;
  cs.buckets.decrement(tcs_, tci);
  --t.queued;
  --queued_total_;
  if (--cs.depth == 0)
    queued_classes_ &= ~bit(cls);
  if (f.head == npos) {
    t.queued_classes &= ~bit(cls);
    cs.ring.remove(tcs_, tci);
    if (cs.ring.empty())
      dispatchable_ &= ~bit(cls);
  }
}

void admission::finish(std::uint32_t slot,
                       std::vector<admitted_run>& admitted) {
  auto& r = requests_[slot];
  auto ti = r.tenant;
  auto& t = tenants_[ti];
  --in_flight_total_;
  if (t.in_flight-- == t.limits.in_flight_cap)
    activate(ti);
  request_index_.erase(r.id);
  free_request_slot(slot);
  dispatch(admitted);
}

shed_run admission::shed(std::uint32_t ti, std::size_t cls, time_point now) {
  auto slot = tcs_[tc_index(ti, cls)].tail;
  auto& r = requests_[slot];
  shed_run result{r.id, tenants_[ti].id, cls, now - r.enqueued,
                  shed_reason::shed_for_higher_priority};
  unlink_queued(slot);
  request_index_.erase(r.id);
  free_request_slot(slot);
  return result;
}

void admission::deactivate(std::uint32_t ti) noexcept {
  for (auto mask = tenants_[ti].queued_classes; mask != 0; mask &= mask - 1) {
    auto cls = highest_class(mask);
    auto& ring = classes_[cls].ring;
    ring.remove(tcs_, tc_index(ti, cls));
    if (ring.empty())
      dispatchable_ &= ~bit(cls);
  }
}

void admission::activate(std::uint32_t ti) noexcept {
  for (auto mask = tenants_[ti].queued_classes; mask != 0; mask &= mask - 1) {
    auto cls = highest_class(mask);
    classes_[cls].ring.push_back(tcs_, tc_index(ti, cls));
    dispatchable_ |= bit(cls);
  }
}

void admission::dispatch(std::vector<admitted_run>& admitted) {
  std::optional<time_point> now;
  // Class limits fall with the class index, so the first class without
  // capacity ends the loop: no class below it has any either.
  while (dispatchable_ != 0) {
    auto cls = highest_class(dispatchable_);
    auto& cs = classes_[cls];
    if (in_flight_total_ >= cs.limit)
      return;
    if (!now)
      now = clock_->now();
    auto tci = cs.ring.front();
    auto& tc = tcs_[tci];
    auto slot = tc.head;
    auto& r = requests_[slot];
    auto ti = r.tenant;
    auto& t = tenants_[ti];
    bool turn_over = cs.ring.charge_front(tcs_, t.limits.weight);
    admitted.push_back(admitted_run{r.id, t.id, cls, *now - r.enqueued});
    unlink_queued(slot);
    start(slot, ti);
    // Still active means still at the front: only this node may have left.
    if (turn_over && detail::drr_ring::contains(tcs_[tci].ring))
      cs.ring.rotate(tcs_);
  }
}

} // namespace warden::policies
