#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <unordered_map>

#include <caf/io/network/native_socket.hpp>

namespace warden::tls::detail {

/// What a node port allows connections that have not finished TLS.
struct handshake_limits {
  /// A connection still in its handshake after this long is closed.
  std::chrono::milliseconds timeout{10'000};
  /// At most this many connections in their handshake at once; a new one
  /// beyond closes the oldest.
  std::size_t max_pending = 256;
};

/// Callbacks counting what the guard closes (metrics; may be empty).
struct handshake_events {
  std::function<void()> timed_out;
  std::function<void()> evicted;
};

/// The connections of a node port that are still in their TLS handshake:
/// closes those past their deadline (`sweep`, from a timer and on each new
/// connection) and, when a new one comes beyond the cap, the oldest (so
/// that silent connections delay a client's handshake but cannot lock it
/// out for a whole timeout). A connection that never
/// completes its handshake otherwise holds a descriptor, and a session of
/// libcaf_openssl, forever: CAF 0.17's BASP has no timeout before its own
/// handshake. Thread-safe: sweeps come from the I/O thread; a connection
/// leaves when its servant is destroyed, on whichever thread that is.
class handshake_guard {
 public:
  using clock = std::chrono::steady_clock;

  handshake_guard(handshake_limits limits, handshake_events events);

  /// Makes room for a new connection's handshake: sweeps, then closes the
  /// oldest handshake when at the cap.
  void admit();

  /// Tracks `fd` of servant `owner` from now on.
  void track(const void* owner, caf::io::network::native_socket fd);

  /// Forgets `owner`: its handshake finished, or it closed.
  void forget(const void* owner);

  /// Shuts down the sockets of connections past their deadline (the I/O
  /// loop then sees their end and closes them the usual way) and forgets
  /// them.
  void sweep();

 private:
  struct entry {
    caf::io::network::native_socket fd;
    clock::time_point deadline;
  };

  std::size_t sweep_locked(clock::time_point now);

  /// Counts `timed_out` closes and an eviction (outside the lock).
  void report(std::size_t timed_out, bool evicted) const;

  handshake_limits limits_;
  handshake_events events_;
  std::mutex mutex_;
  std::unordered_map<const void*, entry> pending_;
};

} // namespace warden::tls::detail
