#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/fd_headroom.hpp"

namespace warden::net {

/// A listener that the fd watch stops and starts again.
class pausable_listener {
 public:
  virtual ~pausable_listener() = default;

  /// Names the listener in reports ("node port 127.0.0.1:4242").
  [[nodiscard]] virtual std::string name() const = 0;

  /// Stops accepting new connections; those open stay. Returns an empty
  /// string, or what failed.
  [[nodiscard]] virtual std::string pause() = 0;

  /// Accepts again, on the same address. Returns an empty string, or what
  /// failed.
  [[nodiscard]] virtual std::string resume() = 0;
};

/// When the fd watch pauses and resumes.
struct fd_watch_options {
  /// Descriptors held back (open on /dev/null) while the listener accepts
  /// and let go when it pauses, so that the process's own work (database
  /// files, other listeners) still finds descriptors once clients have
  /// taken the rest. Default 64.
  std::uint64_t reserve = 64;
  /// The listener pauses when fewer descriptors than this are free (the
  /// reserve counting as taken). It resumes once reserve + 2 * pause_below
  /// are free, so that taking the reserve back leaves a margin. Default 16.
  std::uint64_t pause_below = 16;
  /// How often the watch counts. Default 100 ms.
  std::chrono::milliseconds interval{100};
};

/// Watches the process's free file descriptors and pauses a listener that
/// would otherwise fail every accept (CAF 0.17's acceptor then polls its
/// readable socket at 100 % CPU), then resumes it when descriptors are
/// back. Counting costs one scan of /proc/self/fd per interval.
class fd_watch {
 public:
  /// Takes a line to report (a pause, a resume, a failure).
  using reporter = std::function<void(const std::string&)>;
  /// Returns the free descriptors (free_fds() unless a test injects one).
  using probe = std::function<std::uint64_t()>;

  /// A watch of `listener` (which must outlive it); takes its reserve at
  /// once. Call start() to watch on a thread of its own, or check().
  fd_watch(fd_watch_options options, pausable_listener& listener,
           reporter report, probe count);

  /// Stops the thread and lets the reserve go.
  ~fd_watch();

  fd_watch(const fd_watch&) = delete;
  fd_watch& operator=(const fd_watch&) = delete;

  /// Calls check() every options.interval on a thread of its own.
  void start();

  /// Stops the thread; the listener stays as it is. Idempotent.
  void stop();

  /// Counts once, and pauses or resumes the listener when due. Not to be
  /// called while the thread runs.
  void check();

  /// Whether the listener is paused.
  [[nodiscard]] bool paused() const noexcept { return headroom_.paused(); }

  /// Descriptors of the reserve held now.
  [[nodiscard]] std::size_t reserved() const noexcept { return held_.size(); }

 private:
  void take_reserve();
  void release_reserve();

  fd_watch_options options_;
  pausable_listener& listener_;
  reporter report_;
  probe count_;
  fd_headroom headroom_;
  std::vector<int> held_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

} // namespace warden::net
