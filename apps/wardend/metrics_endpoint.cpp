#include "apps/wardend/metrics_endpoint.hpp"

#include <exception>

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

namespace warden::apps {

metrics_endpoint::~metrics_endpoint() {
  // Stop serving before the registry is released.
  exposer_.reset();
}

std::unique_ptr<metrics_endpoint>
metrics_endpoint::start(const config::endpoint& listen, std::string& error) {
  std::unique_ptr<metrics_endpoint> result{new metrics_endpoint};
  result->registry_ = std::make_shared<prometheus::Registry>();
  auto address = listen.host + ":" + std::to_string(listen.port);
  try {
    result->exposer_ = std::make_unique<prometheus::Exposer>(address, 2);
  } catch (const std::exception& e) {
    error = "cannot serve metrics on " + address + ": " + e.what();
    return nullptr;
  }
  result->exposer_->RegisterCollectable(result->registry_);
  return result;
}

std::uint16_t metrics_endpoint::port() const {
  auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : static_cast<std::uint16_t>(ports.front());
}

} // namespace warden::apps
