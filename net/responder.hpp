#pragma once

#include <cstdint>
#include <memory>

#include "net/http_types.hpp"
#include "net/response_stream.hpp"

namespace warden::net {

namespace detail {
class server_core;
} // namespace detail

/// Answers one request, exactly once. A handler gets one and may answer at
/// once or keep it (moved) and answer later from any thread, e.g. when an
/// actor replies. Destroying it without an answer sends 500, so that no
/// request waits forever; answering a request whose connection is gone (the
/// client left, the server stopped) does nothing. Movable, not copyable;
/// one responder must not be used from two threads at once.
class responder {
 public:
  responder(const responder&) = delete;
  responder& operator=(const responder&) = delete;
  responder(responder&& other) noexcept;
  responder& operator=(responder&& other) noexcept;
  ~responder();

  /// Sends `answer`; the server sets its keep-alive and payload fields.
  /// Does nothing when this responder has answered already.
  void send(response answer);

  /// Answers with a response sent in pieces: the status and fields of
  /// `header` (its body is ignored; the server sets the framing), then what
  /// is written to the stream returned. This responder has answered then.
  /// When it had answered already, or the connection is gone, the stream
  /// returned is closed.
  [[nodiscard]] response_stream stream(response header);

  /// Whether send() is still owed.
  [[nodiscard]] bool pending() const noexcept { return !core_.expired(); }

  /// HTTP version of the request (11 for HTTP/1.1), for building answers.
  [[nodiscard]] unsigned version() const noexcept { return version_; }

 private:
  friend class detail::server_core;

  responder(std::weak_ptr<detail::server_core> core, std::uint64_t connection,
            std::uint64_t sequence, unsigned version) noexcept;

  std::weak_ptr<detail::server_core> core_;
  std::uint64_t connection_ = 0;
  std::uint64_t sequence_ = 0;
  unsigned version_ = 11;
};

} // namespace warden::net
