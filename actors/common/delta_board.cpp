#include "actors/common/delta_board.hpp"

#include <mutex>
#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

namespace warden {

void delta_board::listen(std::uint64_t run, caf::actor_addr session) {
  std::unique_lock<std::shared_mutex> guard{mutex_};
  listeners_[run] = std::move(session);
  size_.store(listeners_.size(), std::memory_order_release);
}

void delta_board::forget(std::uint64_t run) {
  std::unique_lock<std::shared_mutex> guard{mutex_};
  listeners_.erase(run);
  size_.store(listeners_.size(), std::memory_order_release);
}

bool delta_board::report(model_delta delta) const {
  if (size() == 0 || delta.text.empty())
    return false;
  caf::actor to;
  {
    std::shared_lock<std::shared_mutex> guard{mutex_};
    auto i = listeners_.find(delta.run);
    if (i == listeners_.end())
      return false;
    to = caf::actor_cast<caf::actor>(i->second);
  }
  if (!to)
    return false;
  caf::anon_send(to, std::move(delta));
  return true;
}

} // namespace warden
