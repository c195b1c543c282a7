#include "net/fd_headroom.hpp"

#include <algorithm>

namespace warden::net {

fd_headroom::fd_headroom(std::uint64_t pause_below,
                         std::uint64_t resume_at) noexcept
    : pause_below_(pause_below),
      resume_at_(std::max(resume_at, pause_below + 1)) {
  // nop
}

fd_headroom::action fd_headroom::observe(std::uint64_t free) noexcept {
  if (!paused_ && free < pause_below_) {
    paused_ = true;
    return action::pause;
  }
  if (paused_ && free >= resume_at_) {
    paused_ = false;
    return action::resume;
  }
  return action::none;
}

} // namespace warden::net
