#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace warden::net {

namespace detail {
class server_core;

/// What a response_stream shares with its connection: whether the stream
/// still takes pieces, and the bytes queued and not yet written.
struct stream_channel {
  std::atomic<bool> open{true};
  std::atomic<std::size_t> queued{0};
};
} // namespace detail

/// A response sent in pieces as they come (the chunked transfer coding for
/// HTTP/1.1 clients; for HTTP/1.0 clients the body ends with the
/// connection), e.g. Server-Sent Events. A handler gets one from
/// responder::stream() and may write to it from any thread, for as long as
/// it likes; the server bounds what it holds (server_options::
/// max_stream_queue): a client that reads too slowly is cut off rather
/// than buffered for. Movable, not copyable; one stream must not be used
/// from two threads at once. Destroying it ends the response.
class response_stream {
 public:
  response_stream() = default;
  response_stream(const response_stream&) = delete;
  response_stream& operator=(const response_stream&) = delete;
  response_stream(response_stream&& other) noexcept;
  response_stream& operator=(response_stream&& other) noexcept;
  ~response_stream();

  /// Queues `piece` to be sent. Returns false, sending nothing, once the
  /// stream has ended: closed here, its client gone or cut off, the server
  /// stopping. An empty piece sends nothing and tells whether it is open.
  bool write(std::string piece);

  /// Ends the response once the pieces queued are sent; the connection then
  /// serves its next request. Idempotent.
  void close();

  /// Whether write() may still send. A client that left is noticed when a
  /// write to it fails: write something (an SSE comment) now and then to
  /// learn it.
  [[nodiscard]] bool open() const noexcept;

 private:
  friend class detail::server_core;

  response_stream(std::weak_ptr<detail::server_core> core,
                  std::uint64_t connection, std::uint64_t sequence,
                  std::shared_ptr<detail::stream_channel> channel) noexcept;

  std::weak_ptr<detail::server_core> core_;
  std::uint64_t connection_ = 0;
  std::uint64_t sequence_ = 0;
  std::shared_ptr<detail::stream_channel> channel_;
};

} // namespace warden::net
