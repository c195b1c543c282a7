#include "apps/tls/detail/handshake_guard.hpp"

#include <algorithm>
#include <utility>

namespace warden::tls::detail {

handshake_guard::handshake_guard(handshake_limits limits,
                                 handshake_events events)
    : limits_(limits), events_(std::move(events)) {}

void handshake_guard::admit() {
  std::size_t closed = 0;
  bool evicted = false;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    closed = sweep_locked(clock::now());
    if (!pending_.empty() && pending_.size() >= limits_.max_pending) {
      auto oldest = std::min_element(
          pending_.begin(), pending_.end(), [](const auto& x, const auto& y) {
            return x.second.deadline < y.second.deadline;
          });
      caf::io::network::shutdown_both(oldest->second.fd);
      pending_.erase(oldest);
      evicted = true;
    }
  }
  report(closed, evicted);
}

void handshake_guard::track(const void* owner,
                            caf::io::network::native_socket fd) {
  std::lock_guard<std::mutex> lock{mutex_};
  pending_[owner] = entry{fd, clock::now() + limits_.timeout};
}

void handshake_guard::forget(const void* owner) {
  std::lock_guard<std::mutex> lock{mutex_};
  pending_.erase(owner);
}

void handshake_guard::sweep() {
  std::size_t closed = 0;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    closed = sweep_locked(clock::now());
  }
  report(closed, false);
}

void handshake_guard::report(std::size_t timed_out, bool evicted) const {
  for (std::size_t i = 0; i < timed_out && events_.timed_out; ++i)
    events_.timed_out();
  if (evicted && events_.evicted)
    events_.evicted();
}

std::size_t handshake_guard::sweep_locked(clock::time_point now) {
  std::size_t closed = 0;
  for (auto i = pending_.begin(); i != pending_.end();) {
    if (i->second.deadline > now) {
      ++i;
      continue;
    }
    // The servant still owns the descriptor (it forgets itself before
    // closing it): shutting it down makes it readable at end of stream,
    // and the handshake fails on the next read.
    caf::io::network::shutdown_both(i->second.fd);
    i = pending_.erase(i);
    ++closed;
  }
  return closed;
}

} // namespace warden::tls::detail
