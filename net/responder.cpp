#include "net/responder.hpp"

#include <utility>

#include "net/detail/server_core.hpp"

namespace warden::net {

responder::responder(std::weak_ptr<detail::server_core> core,
                     std::uint64_t connection, std::uint64_t sequence,
                     unsigned version) noexcept
    : core_(std::move(core)),
      connection_(connection),
      sequence_(sequence),
      version_(version) {
  // nop
}

responder::responder(responder&& other) noexcept
    : core_(std::move(other.core_)),
      connection_(other.connection_),
      sequence_(other.sequence_),
      version_(other.version_) {
  other.core_.reset();
}

responder& responder::operator=(responder&& other) noexcept {
  if (this != &other) {
    if (pending())
      send(make_error_response(status::internal_server_error, version_));
    core_ = std::move(other.core_);
    other.core_.reset();
    connection_ = other.connection_;
    sequence_ = other.sequence_;
    version_ = other.version_;
  }
  return *this;
}

responder::~responder() {
  // A handler that forgot to answer (or threw) must not leave its client
  // waiting until a timeout.
  if (pending())
    send(make_error_response(status::internal_server_error, version_));
}

void responder::send(response answer) {
  auto core = core_.lock();
  core_.reset();
  if (core)
    core->deliver(connection_, sequence_, std::move(answer));
}

response_stream responder::stream(response header) {
  auto core = core_.lock();
  core_.reset();
  if (!core)
    return {};
  return core->start_stream(connection_, sequence_, std::move(header));
}

} // namespace warden::net
