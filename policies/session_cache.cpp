#include "policies/session_cache.hpp"

#include <algorithm>

namespace warden::policies {

session_cache::session_cache(session_cache_config config, const clock& clock)
    : config_(config), clock_(&clock) {}

void session_cache::touch(session_id id) {
  auto now = clock_->now();
  auto& e = take_out_or_insert(id);
  e.last_activity = now;
  if (!e.busy)
    link_back(e);
}

void session_cache::set_busy(session_id id, bool busy) {
  auto now = clock_->now();
  auto& e = take_out_or_insert(id);
  e.busy = busy;
  e.last_activity = now;
  if (!busy)
    link_back(e);
}

void session_cache::remove(session_id id) {
  auto i = sessions_.find(id);
  if (i == sessions_.end())
    return;
  if (!i->second.busy)
    unlink(i->second);
  sessions_.erase(i);
}

std::vector<session_cache::session_id> session_cache::due() {
  std::vector<session_id> result;
  auto take_oldest = [&] {
    auto* e = oldest_;
    result.push_back(e->id);
    unlink(*e);
    sessions_.erase(e->id);
  };
  auto now = clock_->now();
  // The list is ordered by last activity, so the expired sessions are a
  // prefix of it; after them, the least recently used idle ones.
  while (oldest_ != nullptr && expiry(*oldest_) <= now)
    take_oldest();
  while (oldest_ != nullptr && sessions_.size() > config_.max_resident)
    take_oldest();
  return result;
}

std::optional<time_point> session_cache::next_deadline() const {
  if (oldest_ == nullptr)
    return std::nullopt;
  auto deadline = expiry(*oldest_);
  if (sessions_.size() > config_.max_resident)
    deadline = std::min(deadline, clock_->now());
  return deadline;
}

bool session_cache::busy(session_id id) const {
  auto i = sessions_.find(id);
  return i != sessions_.end() && i->second.busy;
}

std::optional<time_point> session_cache::last_activity(session_id id) const {
  if (auto i = sessions_.find(id); i != sessions_.end())
    return i->second.last_activity;
  return std::nullopt;
}

session_cache::entry& session_cache::take_out_or_insert(session_id id) {
  auto [i, inserted] = sessions_.try_emplace(id);
  auto& e = i->second;
  if (inserted)
    e.id = id;
  else if (!e.busy)
    unlink(e);
  return e;
}

void session_cache::link_back(entry& e) noexcept {
  e.prev = newest_;
  e.next = nullptr;
  if (newest_ != nullptr)
    newest_->next = &e;
  else
    oldest_ = &e;
  newest_ = &e;
  ++idle_count_;
}

void session_cache::unlink(entry& e) noexcept {
  if (e.prev != nullptr)
    e.prev->next = e.next;
  else
    oldest_ = e.next;
  if (e.next != nullptr)
    e.next->prev = e.prev;
  else
    newest_ = e.prev;
  e.prev = nullptr;
  e.next = nullptr;
  --idle_count_;
}

time_point session_cache::expiry(const entry& e) const noexcept {
  // Saturate instead of overflowing for a huge idle_ttl.
  if (config_.idle_ttl > time_point::max() - e.last_activity)
    return time_point::max();
  return e.last_activity + config_.idle_ttl;
}

} // namespace warden::policies
