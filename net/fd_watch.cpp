#include "net/fd_watch.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <utility>

namespace warden::net {

fd_watch::fd_watch(fd_watch_options options, pausable_listener& listener,
                   reporter report, probe count)
    : options_(options),
      listener_(listener),
      report_(std::move(report)),
      count_(std::move(count)),
      headroom_(options.pause_below,
                options.reserve + 2 * options.pause_below) {
  take_reserve();
}

fd_watch::~fd_watch() {
  stop();
  release_reserve();
}

void fd_watch::start() {
  thread_ = std::thread{[this] {
    std::unique_lock<std::mutex> guard{mutex_};
    while (!wake_.wait_for(guard, options_.interval,
                           [this] { return stopping_; })) {
      guard.unlock();
      check();
      guard.lock();
    }
  }};
}

void fd_watch::stop() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void fd_watch::check() {
  auto free = count_();
  switch (headroom_.observe(free)) {
  case fd_headroom::action::none:
    return;
  case fd_headroom::action::pause:
    if (auto failure = listener_.pause(); !failure.empty()) {
      headroom_.revert();
      report_("cannot pause " + listener_.name() + ": " + failure);
      return;
    }
    release_reserve();
    report_(listener_.name() + " paused: " + std::to_string(free) +
            " file descriptors free; resumes when " +
            std::to_string(options_.reserve + 2 * options_.pause_below) +
            " are");
    return;
  case fd_headroom::action::resume:
    take_reserve();
    if (auto failure = listener_.resume(); !failure.empty()) {
      release_reserve();
      headroom_.revert();
      report_("cannot resume " + listener_.name() +
              " (trying again): " + failure);
      return;
    }
    report_(listener_.name() + " accepting again: " + std::to_string(free) +
            " file descriptors free");
    return;
  }
}

void fd_watch::take_reserve() {
  while (held_.size() < options_.reserve) {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return; // hold what there is; the next resume tops it up
    held_.push_back(fd);
  }
}

void fd_watch::release_reserve() {
  for (int fd : held_)
    ::close(fd);
  held_.clear();
}

} // namespace warden::net
