#pragma once

// The process service of a node: runs the children of command tools and MCP
// servers on one I/O thread of its own (an Asio io_context), never on a
// scheduler thread. A command tool's child serves one call (`run`); an MCP
// server's is long-lived and speaks through its pipes as long as it lives
// (`open`, `write`). Each runs in its own process group, its pipes and its
// end (a pidfd) watched asynchronously, reaped as soon as it ends.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "actors/dependencies/process/process_metrics.hpp"
#include "actors/dependencies/process/spawn.hpp"

namespace warden::process {

/// One call: what to run and how it is bounded.
struct process_request {
  launch_spec launch;
  /// Written to the child's stdin, which is then closed (`run` only).
  std::string input;
  /// Bytes of stdout kept; one more stops the child (output_cap; `run`
  /// only).
  std::size_t max_output_bytes = 1'048'576;
  /// Bytes written with `write` and not yet taken by the child; one more
  /// stops it (unresponsive: it does not read its input; `open` only).
  std::size_t max_input_backlog = 16'777'216;
  /// Zero: no timeout of the service's own.
  std::chrono::milliseconds timeout{0};
  /// From SIGTERM to SIGKILL when the service stops the child's group.
  std::chrono::milliseconds kill_grace{2'000};
  /// The tool's process metrics (null members skipped).
  process_metrics metrics;
};

/// How a call ended.
enum class process_end {
  exited,     ///< the child exited by itself (see exit_code)
  signalled,  ///< a signal the service did not send ended it (see signal)
  killed,     ///< the service stopped it (see reason)
  not_started ///< it could not start (see problem)
};

/// The outcome of one call.
struct process_result {
  /// The id `run` or `open` returned.
  std::uint64_t id = 0;
  process_end end = process_end::exited;
  /// The child's pid, which was its process group's id; -1 when it did not
  /// start.
  int pid = -1;
  int exit_code = 0;
  int signal = 0;
  /// Why the service stopped the child; set when end == killed.
  std::optional<kill_reason> reason;
  /// Standard output, at most max_output_bytes.
  std::string output;
  /// The last bytes of standard error (see options::stderr_tail_bytes).
  std::string error_tail;
  /// Why the child did not start, or a note on how it ended.
  std::string problem;
};

/// What a long-lived child says, handed over on the service's thread as it
/// comes, in pieces as the pipes deliver them, with the child's id (what
/// `open` returned); must not block.
struct child_listener {
  /// A piece of its stdout.
  std::function<void(std::uint64_t, std::string_view)> on_output;
  /// A piece of its stderr.
  std::function<void(std::uint64_t, std::string_view)> on_errors;
};

/// Runs, bounds, stops and reaps child processes. Thread-safe: `run`,
/// `open`, `write`, `cancel` and `stop` may be called from any thread
/// (actors call them); completions and listeners run on the service's
/// thread and must not block.
class process_service {
 public:
  /// Called once per child, on the service's thread.
  using completion = std::function<void(process_result)>;

  /// Starts the service's thread.
  explicit process_service(std::size_t stderr_tail_bytes = 2'048);

  /// Stops the service (see `stop`).
  ~process_service();

  process_service(const process_service&) = delete;
  process_service& operator=(const process_service&) = delete;

  /// Starts `request` and returns its id; `done` gets its outcome. After
  /// `stop`, `done` runs at once on the caller's thread (not_started).
  std::uint64_t run(process_request request, completion done);

  /// Starts a long-lived child for `request` (its input, output cap and
  /// timeout are not used) and returns its id: what it writes goes to
  /// `listener` as it comes; `done` gets its end (with no output; the
  /// stderr tail as for `run`). After `stop`, `done` runs at once on the
  /// caller's thread (not_started).
  std::uint64_t open(process_request request, child_listener listener,
                     completion done);

  /// Queues `bytes` for the stdin of long-lived child `id`, after what was
  /// queued before. Nothing when it ended (its end is reported anyway).
  void write(std::uint64_t id, std::string bytes);

  /// Stops child `id` (SIGTERM to its group, SIGKILL after the grace): it
  /// ends as killed with `reason`. Nothing when it already ended.
  void cancel(std::uint64_t id, kill_reason reason = kill_reason::cancelled);

  /// Stops every running child (SIGTERM, SIGKILL after its grace), waits
  /// until each is reaped and its completion ran, then ends the thread.
  /// Blocks the caller for at most the longest grace period and the drain
  /// bound; idempotent.
  void stop();

  /// Children started and not yet reaped.
  [[nodiscard]] std::size_t running() const noexcept { return running_.load(); }

 private:
  struct child;

  void start(std::uint64_t id, process_request request,
             std::optional<child_listener> listener, completion done);
  /// Hands the descriptors of a started child to Asio (each one taken is
  /// set to -1 in `handles`) and begins to watch it; may throw when the
  /// reactor refuses one (then `request` and `done` may be moved from).
  void watch(std::uint64_t id, child_handles& handles, process_request& request,
             std::optional<child_listener>& listener, completion& done);
  void write_next(const std::shared_ptr<child>& c);
  void read_output(const std::shared_ptr<child>& c);
  void read_errors(const std::shared_ptr<child>& c);
  void watch_exit(const std::shared_ptr<child>& c);
  void reap(const std::shared_ptr<child>& c);
  void stop_group(const std::shared_ptr<child>& c, kill_reason reason);
  void finish_if_done(const std::shared_ptr<child>& c);

  std::size_t stderr_tail_bytes_;
  boost::asio::io_context io_;
  std::optional<
      boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      work_;
  /// Running calls by id; touched on the service's thread only.
  std::map<std::uint64_t, std::shared_ptr<child>> children_;
  std::atomic<std::uint64_t> next_id_{0};
  std::atomic<std::size_t> running_{0};
  std::atomic<bool> stopped_{false};
  /// Serializes `stop` (one joins the thread; the others wait for it).
  std::mutex stop_lock_;
  /// Set on the service's thread once stop began: new calls are refused.
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace warden::process
