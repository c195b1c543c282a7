#include "actors/dependencies/process/process_service.hpp"

#include <array>
#include <csignal>
#include <deque>
#include <mutex>
#include <pthread.h>
#include <string_view>
#include <sys/wait.h>
#include <utility>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include "actors/dependencies/process/output_tail.hpp"

namespace warden::process {

namespace asio = boost::asio;

namespace {

/// How long the pipes of a reaped child may stay open (held by a process
/// that left its group) before the service closes its ends.
constexpr std::chrono::milliseconds drain_bound{500};

/// Reads `pipe` into `buffer` until it ends or fails, handing each piece
/// to `on_bytes`; then closes `pipe` and calls `on_end`. The handlers keep
/// what owns `pipe` and `buffer` alive.
template <std::size_t N, class OnBytes, class OnEnd>
void read_until_end(asio::posix::stream_descriptor& pipe,
                    std::array<char, N>& buffer, OnBytes on_bytes,
                    OnEnd on_end) {
  pipe.async_read_some(
      asio::buffer(buffer),
      [&pipe, &buffer, on_bytes = std::move(on_bytes),
       on_end = std::move(on_end)](boost::system::error_code ec,
                                   std::size_t n) mutable {
        if (ec) {
          boost::system::error_code ignored;
          pipe.close(ignored);
          return on_end();
        }
        on_bytes(std::string_view{buffer.data(), n});
        read_until_end(pipe, buffer, std::move(on_bytes), std::move(on_end));
      });
}

/// Reports that call `id` did not start, for `problem`.
void not_started(const process_service::completion& done, std::uint64_t id,
                 std::string problem) {
  process_result result;
  result.id = id;
  result.end = process_end::not_started;
  result.problem = std::move(problem);
  done(std::move(result));
}

template <class Metric>
void bump(Metric* metric) {
  if (metric != nullptr)
    metric->Increment();
}

} // namespace

/// One running call; owned by the service's map and by pending handlers.
struct process_service::child {
  child(asio::io_context& io, std::uint64_t call_id, process_request r,
        std::optional<child_listener> l, completion d, std::size_t tail_bytes)
      : id(call_id),
        request(std::move(r)),
        listener(std::move(l)),
        done(std::move(d)),
        stdin_pipe(io),
        stdout_pipe(io),
        stderr_pipe(io),
        exit_watch(io),
        deadline(io),
        grace(io),
        errors(tail_bytes) {}

  std::uint64_t id;
  process_request request;
  /// Set for a long-lived child: its output is handed over, not kept.
  std::optional<child_listener> listener;
  completion done;
  pid_t pid = -1;
  asio::posix::stream_descriptor stdin_pipe;
  asio::posix::stream_descriptor stdout_pipe;
  asio::posix::stream_descriptor stderr_pipe;
  asio::posix::stream_descriptor exit_watch;
  asio::steady_timer deadline;
  /// SIGTERM to SIGKILL, then (once reaped) the drain bound.
  asio::steady_timer grace;
  std::string output;
  output_tail errors;
  /// Input queued by `write` (long-lived children), the first being
  /// written while `writing`.
  std::deque<std::string> input;
  std::size_t input_bytes = 0;
  bool writing = false;
  std::array<char, 16'384> output_buffer{};
  std::array<char, 4'096> error_buffer{};
  bool reaped = false;
  bool finished = false;
  int status = 0;
  std::optional<kill_reason> stopped_by;
};

process_service::process_service(std::size_t stderr_tail_bytes)
    : stderr_tail_bytes_(stderr_tail_bytes) {
  work_.emplace(io_.get_executor());
  thread_ = std::thread{[this] {
    // Signals belong to the threads that wait for them (wardend's sigwait);
    // a write to a pipe whose reader ended gives EPIPE, not SIGPIPE. The
    // children start with an empty mask (spawn_child).
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    io_.run();
  }};
}

process_service::~process_service() {
  stop();
}

std::uint64_t process_service::run(process_request request, completion done) {
  auto id = ++next_id_;
  if (stopped_.load()) {
    not_started(done, id, "the node is stopping");
    return id;
  }
  asio::post(io_, [this, id, request = std::move(request),
                   done = std::move(done)]() mutable {
    start(id, std::move(request), std::nullopt, std::move(done));
  });
  return id;
}

std::uint64_t process_service::open(process_request request,
                                    child_listener listener, completion done) {
  auto id = ++next_id_;
  if (stopped_.load()) {
    not_started(done, id, "the node is stopping");
    return id;
  }
  request.input.clear();
  request.timeout = std::chrono::milliseconds{0};
  asio::post(io_, [this, id, request = std::move(request),
                   listener = std::move(listener),
                   done = std::move(done)]() mutable {
    start(id, std::move(request), std::move(listener), std::move(done));
  });
  return id;
}

void process_service::write(std::uint64_t id, std::string bytes) {
  asio::post(io_, [this, id, bytes = std::move(bytes)]() mutable {
    auto i = children_.find(id);
    if (i == children_.end() || !i->second->listener || i->second->reaped ||
        !i->second->stdin_pipe.is_open())
      return;
    auto& c = i->second;
    c->input_bytes += bytes.size();
    c->input.push_back(std::move(bytes));
    if (c->input_bytes > c->request.max_input_backlog)
      return stop_group(c, kill_reason::unresponsive);
    if (!c->writing)
      write_next(c);
  });
}

void process_service::write_next(const std::shared_ptr<child>& c) {
  if (c->input.empty() || !c->stdin_pipe.is_open()) {
    c->writing = false;
    return;
  }
  c->writing = true;
  asio::async_write(c->stdin_pipe, asio::buffer(c->input.front()),
                    [this, c](boost::system::error_code ec, std::size_t) {
                      c->input_bytes -= c->input.front().size();
                      c->input.pop_front();
                      if (ec) {
                        // The child closed its stdin or ended: its end
                        // tells the story; what is queued is dropped.
                        boost::system::error_code ignored;
                        c->stdin_pipe.close(ignored);
                        c->input.clear();
                        c->input_bytes = 0;
                        c->writing = false;
                        return;
                      }
                      write_next(c);
                    });
}

void process_service::cancel(std::uint64_t id, kill_reason reason) {
  asio::post(io_, [this, id, reason] {
    if (auto i = children_.find(id); i != children_.end())
      stop_group(i->second, reason);
  });
}

void process_service::stop() {
  std::lock_guard<std::mutex> guard{stop_lock_};
  if (!stopped_.exchange(true))
    asio::post(io_, [this] {
      stopping_ = true;
      auto running = children_;
      for (auto& [id, c] : running)
        stop_group(c, kill_reason::shutdown);
      // run() returns once the last child's handlers are done.
      work_.reset();
    });
  if (!thread_.joinable())
    return;
  if (thread_.get_id() == std::this_thread::get_id())
    thread_.detach();
  else
    thread_.join();
}

void process_service::start(std::uint64_t id, process_request request,
                            std::optional<child_listener> listener,
                            completion done) {
  if (stopping_)
    return not_started(done, id, "the node is stopping");
  auto spawned = spawn_child(request.launch);
  if (auto* problem = std::get_if<std::string>(&spawned))
    return not_started(done, id, std::move(*problem));
  auto handles = std::get<child_handles>(spawned);
  try {
    watch(id, handles, request, listener, done);
  } catch (const std::exception& e) {
    // The reactor refused a descriptor: the child cannot be governed, so it
    // does not run. It was just started; its end comes at once.
    ::kill(-handles.pid, SIGKILL);
    int status = 0;
    ::waitpid(handles.pid, &status, 0);
    for (int fd : {handles.stdin_fd, handles.stdout_fd, handles.stderr_fd,
                   handles.pidfd})
      if (fd >= 0)
        ::close(fd);
    std::shared_ptr<child> c;
    if (auto i = children_.find(id); i != children_.end()) {
      c = i->second;
      children_.erase(i);
      --running_;
      if (c->request.metrics.running != nullptr)
        c->request.metrics.running->Decrement();
    }
    not_started(c ? c->done : done, id,
                std::string{"cannot watch the child: "} + e.what());
  }
}

void process_service::watch(std::uint64_t id, child_handles& handles,
                            process_request& request,
                            std::optional<child_listener>& listener,
                            completion& done) {
  auto c =
      std::make_shared<child>(io_, id, std::move(request), std::move(listener),
                              std::move(done), stderr_tail_bytes_);
  c->pid = handles.pid;
  children_[id] = c;
  ++running_;
  bump(c->request.metrics.starts);
  if (c->request.metrics.running != nullptr)
    c->request.metrics.running->Increment();
  // Each descriptor is owned by its stream once assigned (closed with it).
  auto take = [](asio::posix::stream_descriptor& stream, int& fd) {
    stream.assign(fd);
    fd = -1;
  };
  take(c->stdin_pipe, handles.stdin_fd);
  take(c->stdout_pipe, handles.stdout_fd);
  take(c->stderr_pipe, handles.stderr_fd);
  take(c->exit_watch, handles.pidfd);
  if (c->listener) {
    // Long-lived: stdin stays open for `write`.
  } else if (c->request.input.empty()) {
    c->stdin_pipe.close();
  } else {
    // A child that exits without reading its input makes this fail with
    // EPIPE: its exit status tells the story.
    asio::async_write(c->stdin_pipe, asio::buffer(c->request.input),
                      [c](boost::system::error_code, std::size_t) {
                        boost::system::error_code ignored;
                        c->stdin_pipe.close(ignored);
                      });
  }
  read_output(c);
  read_errors(c);
  watch_exit(c);
  if (c->request.timeout.count() > 0) {
    c->deadline.expires_after(c->request.timeout);
    c->deadline.async_wait([this, c](boost::system::error_code ec) {
      if (!ec)
        stop_group(c, kill_reason::timeout);
    });
  }
}

void process_service::read_output(const std::shared_ptr<child>& c) {
  read_until_end(
      c->stdout_pipe, c->output_buffer,
      [this, c](std::string_view bytes) {
        if (c->listener) {
          if (c->listener->on_output)
            c->listener->on_output(c->id, bytes);
          return;
        }
        auto room = c->request.max_output_bytes - c->output.size();
        c->output.append(bytes.substr(0, room));
        // Past the cap the bytes are dropped, but read: the pipe must
        // drain for the child to reach its end.
        if (bytes.size() > room)
          stop_group(c, kill_reason::output_cap);
      },
      [this, c] { finish_if_done(c); });
}

void process_service::read_errors(const std::shared_ptr<child>& c) {
  read_until_end(
      c->stderr_pipe, c->error_buffer,
      [c](std::string_view bytes) {
        c->errors.append(bytes);
        if (c->listener && c->listener->on_errors)
          c->listener->on_errors(c->id, bytes);
      },
      [this, c] { finish_if_done(c); });
}

void process_service::watch_exit(const std::shared_ptr<child>& c) {
  c->exit_watch.async_wait(asio::posix::stream_descriptor::wait_read,
                           [this, c](boost::system::error_code ec) {
                             if (ec == asio::error::operation_aborted)
                               return;
                             reap(c);
                           });
}

void process_service::reap(const std::shared_ptr<child>& c) {
  // The child is a zombie now, so its pid and group id cannot be reused:
  // whatever it left in its group goes with it, before the reap frees the
  // id.
  ::kill(-c->pid, SIGKILL);
  int status = 0;
  auto reaped = ::waitpid(c->pid, &status, WNOHANG);
  if (reaped == 0)
    return watch_exit(c); // not ended after all: wait again
  c->reaped = true;
  c->status = status;
  --running_;
  if (c->request.metrics.running != nullptr)
    c->request.metrics.running->Decrement();
  c->deadline.cancel();
  boost::system::error_code ignored;
  c->exit_watch.close(ignored);
  // A process that left the group may hold the pipes: bound the wait.
  c->grace.cancel();
  c->grace.expires_after(drain_bound);
  c->grace.async_wait([this, c](boost::system::error_code ec) {
    if (ec)
      return;
    boost::system::error_code unused;
    c->stdout_pipe.close(unused);
    c->stderr_pipe.close(unused);
    finish_if_done(c);
  });
  finish_if_done(c);
}

void process_service::stop_group(const std::shared_ptr<child>& c,
                                 kill_reason reason) {
  if (c->reaped || c->stopped_by)
    return;
  c->stopped_by = reason;
  bump(c->request.metrics.kills[static_cast<int>(reason)]);
  ::kill(-c->pid, SIGTERM);
  if (c->request.kill_grace.count() == 0) {
    ::kill(-c->pid, SIGKILL);
    return;
  }
  c->grace.expires_after(c->request.kill_grace);
  c->grace.async_wait([c](boost::system::error_code ec) {
    // Only while the child is not reaped: its group id is still ours.
    if (!ec && !c->reaped)
      ::kill(-c->pid, SIGKILL);
  });
}

void process_service::finish_if_done(const std::shared_ptr<child>& c) {
  if (c->finished || !c->reaped || c->stdout_pipe.is_open() ||
      c->stderr_pipe.is_open())
    return;
  c->finished = true;
  c->grace.cancel();
  boost::system::error_code ignored;
  c->stdin_pipe.close(ignored);
  children_.erase(c->id);
  process_result result;
  result.id = c->id;
  if (c->stopped_by) {
    result.end = process_end::killed;
    result.reason = c->stopped_by;
  } else if (WIFEXITED(c->status)) {
    result.end = process_end::exited;
    result.exit_code = WEXITSTATUS(c->status);
  } else {
    result.end = process_end::signalled;
    result.signal = WTERMSIG(c->status);
  }
  result.pid = c->pid;
  result.output = std::move(c->output);
  result.error_tail = c->errors.text();
  auto done = std::move(c->done);
  done(std::move(result));
}

} // namespace warden::process
