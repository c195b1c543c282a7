#include "apps/wardend/node_listener.hpp"

#include <iostream>
#include <ostream>
#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "net/fd_limits.hpp"

namespace warden::apps {

void raise_open_file_limit(std::ostream& out) {
  auto change = net::raise_fd_limit();
  out << "wardend: open-file limit " << change.after;
  if (change.after != change.before)
    out << " (raised from " << change.before << ")";
  out << '\n';
  if (!change.error.empty())
    out << "wardend: WARNING: cannot raise the open-file limit: "
        << change.error << '\n';
}

node_listener::node_listener(caf::actor_system& system, node_port_calls calls,
                             config::endpoint listen)
    : system_(system), calls_(std::move(calls)), listen_(std::move(listen)) {
  // nop
}

std::unique_ptr<node_listener>
node_listener::open(caf::actor_system& system, node_port_calls calls,
                    const config::endpoint& listen,
                    prometheus::Registry& registry, std::string& error) {
  std::unique_ptr<node_listener> result{
      new node_listener{system, std::move(calls), listen}};
  auto port = result->calls_.publish(listen);
  if (!port) {
    error = "cannot listen on " + listen.to_string() + ": " +
            system.render(port.error());
    return nullptr;
  }
  result->port_ = *port;
  result->paused_ =
      &prometheus::BuildGauge()
           .Name("warden_node_port_paused")
           .Help("1 while the node port is closed for lack of file "
                 "descriptors, else 0")
           .Register(registry)
           .Add({});
  result->pauses_ =
      &prometheus::BuildCounter()
           .Name("warden_node_port_pauses_total")
           .Help("Times the node port was closed for lack of file descriptors")
           .Register(registry)
           .Add({});
  // Resuming binds the port the OS chose, not port 0 again.
  result->listen_.port = *port;
  result->watch_ = std::make_unique<net::fd_watch>(
      net::fd_watch_options{}, *result,
      [](const std::string& line) {
        std::cout << "wardend: " << line << std::endl;
      },
      net::free_fds);
  result->watch_->start();
  return result;
}

node_listener::~node_listener() {
  watch_.reset();
}

std::string node_listener::name() const {
  return "node port " + listen_.to_string();
}

std::string node_listener::pause() {
  auto done = calls_.unpublish(port_);
  if (!done)
    return system_.render(done.error());
  paused_->Set(1);
  pauses_->Increment();
  return {};
}

std::string node_listener::resume() {
  auto port = calls_.publish(listen_);
  if (!port)
    return system_.render(port.error());
  paused_->Set(0);
  return {};
}

} // namespace warden::apps
