#include "actors/common/cancel_board.hpp"

#include <algorithm>
#include <mutex>

namespace warden {

cancel_board::cancel_board(std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)) {}

void cancel_board::cancel(std::uint64_t run) {
  std::unique_lock<std::shared_mutex> guard{mutex_};
  if (!runs_.insert(run).second)
    return;
  order_.push_back(run);
  if (order_.size() > capacity_) {
    runs_.erase(order_.front());
    order_.pop_front();
  }
}

bool cancel_board::cancelled(std::uint64_t run) const {
  std::shared_lock<std::shared_mutex> guard{mutex_};
  return runs_.count(run) > 0;
}

std::size_t cancel_board::size() const {
  std::shared_lock<std::shared_mutex> guard{mutex_};
  return runs_.size();
}

} // namespace warden
