#include "net/response_stream.hpp"

#include <utility>

#include "net/detail/server_core.hpp"

namespace warden::net {

response_stream::response_stream(
    std::weak_ptr<detail::server_core> core, std::uint64_t connection,
    std::uint64_t sequence,
    std::shared_ptr<detail::stream_channel> channel) noexcept
    : core_(std::move(core)),
      connection_(connection),
      sequence_(sequence),
      channel_(std::move(channel)) {
  // nop
}

response_stream::response_stream(response_stream&& other) noexcept
    : core_(std::move(other.core_)),
      connection_(other.connection_),
      sequence_(other.sequence_),
      channel_(std::move(other.channel_)) {
  other.core_.reset();
}

response_stream& response_stream::operator=(response_stream&& other) noexcept {
  if (this != &other) {
    close();
    core_ = std::move(other.core_);
    other.core_.reset();
    connection_ = other.connection_;
    sequence_ = other.sequence_;
    channel_ = std::move(other.channel_);
  }
  return *this;
}

response_stream::~response_stream() {
  close();
}

bool response_stream::write(std::string piece) {
  if (!open())
    return false;
  auto core = core_.lock();
  if (!core) {
    channel_->open = false;
    return false;
  }
  if (piece.empty())
    return true;
  auto queued = channel_->queued += piece.size();
  if (queued > core->options.max_stream_queue) {
    // The client reads more slowly than the stream writes: holding more
    // for it would let one client grow the server without bound.
    channel_->open = false;
    core->cut_stream(connection_, sequence_);
    core_.reset();
    return false;
  }
  core->stream_piece(connection_, sequence_, std::move(piece));
  return true;
}

void response_stream::close() {
  auto core = core_.lock();
  core_.reset();
  if (!channel_)
    return;
  channel_->open = false;
  if (core)
    core->end_stream(connection_, sequence_);
}

bool response_stream::open() const noexcept {
  return channel_ && channel_->open && !core_.expired();
}

} // namespace warden::net
