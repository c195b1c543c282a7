#pragma once

#include <array>
#include <cstdint>

#include "net/client_call.hpp"

namespace warden::net {

/// Counts of what an http_client has done since it started: a snapshot,
/// read while it runs. Counters only grow; the `*_now` fields are gauges.
struct client_stats {
  /// Connections opened (each one counted as its connect starts).
  std::uint64_t connections_opened = 0;
  /// Requests sent on a kept-alive connection, one that carried a request
  /// before.
  std::uint64_t reused = 0;
  /// Requests sent again on a fresh connection because a kept-alive one
  /// was closed by the server before any byte of the response arrived.
  std::uint64_t retried = 0;
  /// Requests whose response was read completely.
  std::uint64_t completed = 0;
  /// Requests that failed, by failure_kind (index: the kind's value).
  std::array<std::uint64_t, failure_kind_count> failures{};
  /// Connections open now: connecting, carrying a request or idle.
  std::uint64_t open_now = 0;
  /// Connections idle in a pool now.
  std::uint64_t idle_now = 0;
  /// Requests waiting for a connection now.
  std::uint64_t waiting_now = 0;

  /// Requests that failed with `kind`.
  [[nodiscard]] std::uint64_t failed(failure_kind kind) const noexcept {
    return failures[static_cast<std::size_t>(kind)];
  }
};

} // namespace warden::net
