#include "apps/tls/guarded_port.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/function_view.hpp>
#include <caf/scoped_actor.hpp>

#include "apps/tls/detail/tls_servants.hpp"

namespace warden::tls {

guarded_port::guarded_port(caf::actor_system& system, handshake_limits limits,
                           handshake_events events)
    : system_(system),
      guard_(
          std::make_shared<detail::handshake_guard>(limits, std::move(events))),
      middleman_(detail::spawn_tls_middleman(system, guard_)) {
  // Deadlines are met within a tenth of the timeout, at most a second late.
  auto period = std::clamp(limits.timeout / 10, std::chrono::milliseconds{10},
                           std::chrono::milliseconds{1'000});
  sweeper_ = std::thread{[this, period] { sweep_until_stopped(period); }};
}

guarded_port::~guarded_port() {
  {
    std::lock_guard<std::mutex> lock{mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  sweeper_.join();
  caf::scoped_actor self{system_, true};
  self->send_exit(middleman_, caf::exit_reason::kill);
  self->wait_for(middleman_);
}

caf::expected<std::uint16_t> guarded_port::publish(const caf::actor& node,
                                                   std::uint16_t port,
                                                   const std::string& host) {
  if (!node)
    return caf::sec::cannot_publish_invalid_actor;
  auto publish = caf::make_function_view(middleman_);
  return publish(caf::publish_atom::value, port,
                 caf::actor_cast<caf::strong_actor_ptr>(node),
                 std::set<std::string>{}, host, true);
}

caf::actor guarded_port::connector() const {
  return caf::actor_cast<caf::actor>(middleman_);
}

void guarded_port::sweep_until_stopped(std::chrono::milliseconds period) {
  std::unique_lock<std::mutex> lock{mutex_};
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
    lock.unlock();
    guard_->sweep();
    lock.lock();
  }
}

} // namespace warden::tls
