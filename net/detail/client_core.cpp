#include "net/detail/client_core.hpp"

#include <future>
#include <utility>

#include <boost/asio/post.hpp>

#include "net/detail/call.hpp"
#include "net/detail/client_messages.hpp"
#include "net/detail/origin_pool.hpp"

namespace warden::net::detail {

namespace {

namespace asio = boost::asio;

/// The key of the pool for `origin` and `settings`: requests share
/// connections only when all of it is equal.
std::string pool_key(const url& origin, const tls_settings& settings) {
  std::string result = origin.tls ? "https://" : "http://";
  result += origin.authority();
  if (origin.tls) {
    result += settings.verify ? "\nverify\n" : "\nno-verify\n";
    result += settings.ca_file;
  }
  return result;
}

} // namespace

client_core::client_core(client_options opts)
    : options(std::move(opts)), work_(asio::make_work_guard(io)) {
  // nop
}

client_core::~client_core() {
  stop();
}

void client_core::run(std::size_t count) {
  for (std::size_t i = 0; i < count; ++i)
    threads_.emplace_back([this] { run_loop(); });
}

void client_core::run_loop() {
  for (;;) {
    try {
      io.run();
      return;
    } catch (...) {
      // Handlers catch what they can; keep serving the rest.
    }
  }
}

std::shared_ptr<call> client_core::send(const url& origin,
                                        const tls_settings& settings,
                                        client_request outgoing,
                                        response_handlers handlers) {
  auto started = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> guard{mutex_};
  if (stopped_) {
    guard.unlock();
    auto c = std::make_shared<call>(
        weak_from_this(), std::weak_ptr<origin_pool>{}, std::move(outgoing),
        std::move(handlers), started);
    c->done = true;
    ++counters.failures[static_cast<std::size_t>(failure_kind::stopped)];
    if (c->handlers.on_done) {
      try {
        c->handlers.on_done(abort_failure(failure_kind::stopped, origin,
                                          std::chrono::milliseconds{0}));
      } catch (...) {
        // The caller's own exception; nothing to end here.
      }
    }
    c->handlers = {};
    return c;
  }
  auto& pool = pools_[pool_key(origin, settings)];
  if (!pool)
    pool = std::make_shared<origin_pool>(*this, origin, settings);
  auto c = std::make_shared<call>(weak_from_this(), pool, std::move(outgoing),
                                  std::move(handlers), started);
  // Posted under the lock: stop() posts its own work to the strand after
  // this, so the pool sees the call before it stops.
  asio::post(pool->strand(), [pool, c] { pool->submit(c); });
  return c;
}

void client_core::cancel(const std::shared_ptr<call>& c) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (stopped_)
    return;
  if (auto pool = c->pool.lock())
    asio::post(pool->strand(),
               [pool, c] { pool->abort(c, failure_kind::cancelled); });
}

client_stats client_core::stats() const {
  client_stats result;
  result.connections_opened = counters.connections_opened;
  result.reused = counters.reused;
  result.retried = counters.retried;
  result.completed = counters.completed;
  for (std::size_t i = 0; i < failure_kind_count; ++i)
    result.failures[i] = counters.failures[i];
  result.open_now = counters.open_now;
  result.idle_now = counters.idle_now;
  result.waiting_now = counters.waiting_now;
  return result;
}

void client_core::stop() {
  std::lock_guard<std::mutex> stopping{stop_mutex_};
  std::vector<std::shared_ptr<origin_pool>> pools;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (stopped_)
      return;
    stopped_ = true;
    for (auto& entry : pools_)
      pools.push_back(entry.second);
  }
  // Each pool fails its calls and closes its connections on its strand;
  // after that nothing of it waits for I/O.
  for (auto& pool : pools) {
    std::promise<void> stopped;
    asio::post(pool->strand(), [&pool, &stopped] {
      pool->stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
  }
  work_.reset();
  io.stop();
  for (auto& thread : threads_)
    thread.join();
  threads_.clear();
  // Connections and timers go while the io_context is still there.
  pools.clear();
  std::lock_guard<std::mutex> guard{mutex_};
  pools_.clear();
}

} // namespace warden::net::detail
