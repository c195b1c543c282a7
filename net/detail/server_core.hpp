#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/router.hpp"
#include "net/server_options.hpp"
#include "net/server_stats.hpp"

namespace warden::net::detail {

class connection;

/// The counters behind server_stats, bumped from the I/O threads.
struct stats_counters {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> accept_failures{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> header_timeouts{0};
  std::atomic<std::uint64_t> body_timeouts{0};
  std::atomic<std::uint64_t> idle_timeouts{0};
  std::atomic<std::uint64_t> write_timeouts{0};
  std::atomic<std::uint64_t> too_large{0};
  std::atomic<std::uint64_t> malformed{0};
  std::atomic<std::uint64_t> streams_cut{0};
  std::atomic<std::uint64_t> tls_handshake_failures{0};
};

/// What a server shares with its connections and responders: options,
/// routes, counters, and the table of open connections, which owns them
/// (a connection waiting for a handler's answer has no I/O pending to keep
/// it alive). Responders reach their connection by id through the table,
/// so an answer after the connection or the server is gone is dropped.
/// Thread-safe.
class server_core : public std::enable_shared_from_this<server_core> {
 public:
  server_core(server_options options, router routes);

  /// The server's options; constant.
  const server_options options;
  /// The server's routes; constant.
  const router routes;
  /// Counters, bumped from any thread.
  stats_counters counters;

  /// Registers `c` and returns its id, or 0 when the server stops or has
  /// max_connections open (the caller then closes the socket).
  std::uint64_t admit(const std::shared_ptr<connection>& c);

  /// Drops the connection `id` from the table (it ends once its last
  /// handler returns). Idempotent.
  void forget(std::uint64_t id);

  /// A responder for request `sequence` of connection `id`.
  responder make_responder(std::uint64_t id, std::uint64_t sequence,
                           unsigned version);

  /// Hands `answer` to connection `id` for request `sequence`, on its
  /// strand; dropped when the connection is gone.
  void deliver(std::uint64_t id, std::uint64_t sequence, response answer);

  /// Starts a streamed answer to request `sequence` of connection `id`
  /// with `header` (see responder::stream); the stream is closed when the
  /// connection is gone.
  response_stream start_stream(std::uint64_t id, std::uint64_t sequence,
                               response header);

  /// Queues `piece` on the stream answering request `sequence` of
  /// connection `id`.
  void stream_piece(std::uint64_t id, std::uint64_t sequence,
                    std::string piece);

  /// Ends that stream once its queued pieces are sent.
  void end_stream(std::uint64_t id, std::uint64_t sequence);

  /// Closes the connection of that stream now: its client fell too far
  /// behind.
  void cut_stream(std::uint64_t id, std::uint64_t sequence);

  /// Connections open now.
  std::size_t open_count();

  /// A snapshot of the counters.
  server_stats stats();

  /// Refuses new connections from now on and returns those open.
  std::vector<std::shared_ptr<connection>> begin_stop();

  /// Waits until no connection is open or `deadline` passes; returns
  /// whether none is open.
  bool wait_drained(std::chrono::steady_clock::time_point deadline);

  /// Drops every connection and every later delivery: called once the I/O
  /// threads are joined, before the io_context goes.
  void close();

 private:
  /// Calls `action` with connection `id` under the lock, unless it is gone
  /// or the server closed.
  template <class Action>
  void with_connection(std::uint64_t id, Action&& action);

  std::mutex mutex_;
  std::condition_variable drained_;
  std::unordered_map<std::uint64_t, std::shared_ptr<connection>> open_;
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
  bool closed_ = false;
};

} // namespace warden::net::detail
