#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "net/client_call.hpp"
#include "net/client_options.hpp"
#include "net/client_stats.hpp"
#include "net/detail/tls_contexts.hpp"
#include "net/url.hpp"

namespace warden::net::detail {

class call;
class origin_pool;

/// The counters behind client_stats, bumped on the pools' strands.
struct client_counters {
  std::atomic<std::uint64_t> connections_opened{0};
  std::atomic<std::uint64_t> reused{0};
  std::atomic<std::uint64_t> retried{0};
  std::atomic<std::uint64_t> completed{0};
  std::array<std::atomic<std::uint64_t>, failure_kind_count> failures{};
  std::atomic<std::uint64_t> open_now{0};
  std::atomic<std::uint64_t> idle_now{0};
  std::atomic<std::uint64_t> waiting_now{0};
};

/// What an http_client shares with its pools and calls: the io_context and
/// its threads, the options, the TLS contexts, the counters, and a pool
/// for each origin (kept for the client's life). Thread-safe.
class client_core : public std::enable_shared_from_this<client_core> {
 public:
  explicit client_core(client_options options);
  ~client_core();

  client_core(const client_core&) = delete;
  client_core& operator=(const client_core&) = delete;

  /// The client's options; constant.
  const client_options options;
  /// The io_context every connection, timer and callback runs on.
  boost::asio::io_context io;
  /// OpenSSL contexts by TLS settings.
  tls_contexts tls;
  /// Counters, bumped from the strands.
  client_counters counters;

  /// Starts `count` threads running the io_context.
  void run(std::size_t count);

  /// Hands `outgoing` to the pool of `origin` and `settings`; after stop()
  /// finishes it at once (stopped) on the calling thread.
  std::shared_ptr<call> send(const url& origin, const tls_settings& settings,
                             client_request outgoing,
                             response_handlers handlers);

  /// Aborts `c` (cancelled) on its pool's strand, unless stopped.
  void cancel(const std::shared_ptr<call>& c);

  /// A snapshot of the counters.
  client_stats stats() const;

  /// Finishes every call (stopped), closes every connection, joins the
  /// threads. Idempotent; blocking; not from a callback.
  void stop();

 private:
  void run_loop();

  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      work_;
  std::vector<std::thread> threads_;
  std::mutex stop_mutex_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<origin_pool>> pools_;
  bool stopped_ = false;
};

} // namespace warden::net::detail
