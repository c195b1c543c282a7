#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <utility>

#include <boost/asio/steady_timer.hpp>

#include "net/client_call.hpp"

namespace warden::net::detail {

class client_connection;
class client_core;
class origin_pool;

/// One request from send() to on_done. The immutable fields are set
/// before the call is shared; the others are touched only on the strand of
/// the call's origin pool. A call_handle may outlive the client: nothing
/// here that belongs to the client's io_context (the deadline timer) lives
/// past on_done, which stop() brings about for every call.
class call {
 public:
  call(std::weak_ptr<client_core> client, std::weak_ptr<origin_pool> origin,
       client_request outgoing, response_handlers callbacks,
       std::chrono::steady_clock::time_point sent)
      : core(std::move(client)),
        pool(std::move(origin)),
        started(sent),
        request(std::move(outgoing)),
        handlers(std::move(callbacks)) {
    // nop
  }

  /// The client, for cancel(); immutable.
  const std::weak_ptr<client_core> core;
  /// The origin's pool, for cancel(); immutable.
  const std::weak_ptr<origin_pool> pool;
  /// When send() was called, where the deadline runs from; immutable.
  const std::chrono::steady_clock::time_point started;

  /// Set (on the strand) as on_done is called; read from any thread.
  std::atomic<bool> done{false};

  /// The request. Strand only.
  client_request request;
  /// The caller's callbacks, dropped after on_done. Strand only.
  response_handlers handlers;
  /// Aborts the call at request.timeout; gone after on_done. Strand only.
  std::unique_ptr<boost::asio::steady_timer> deadline;
  /// The connection carrying the call now, if any. Strand only.
  client_connection* connection = nullptr;
  /// Whether the call was sent again after a kept-alive connection closed
  /// under it (it is sent again once at most). Strand only.
  bool retried = false;
  /// Whether on_body has been called. Strand only.
  bool body_started = false;
};

} // namespace warden::net::detail
