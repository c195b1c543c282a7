#pragma once

// What implements a tool: registered callables (inline or on a worker
// thread), the built-in kinds echo, sleep, fail and append_file, and the
// kinds command and http on the node's services.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "actors/dependencies/backend.hpp"
#include "actors/dependencies/process/process_service.hpp"
#include "actors/dependencies/tool_registry.hpp"
#include "config/dependencies.hpp"
#include "net/http_client.hpp"

namespace warden {

/// Runs a blocking job away from the scheduler's threads. Thread-safe.
using blocking_executor = std::function<void(std::function<void()> job)>;

/// The default executor: each job runs on its own detached actor (its own
/// thread), which ends with the job.
blocking_executor detached_executor(caf::actor_system& sys);

/// A registered callable. Non-blocking: runs inline in the runner's context.
/// Blocking: runs on `executor`; when the attempt timed out meanwhile, the
/// late result reaches the runner and is dropped there (the call already
/// failed or moved on to its next attempt), while the worker runs to the end
/// of the function (it cannot be interrupted).
class callable_tool final : public tool_backend {
 public:
  /// `executor` is used only when `blocking`.
  callable_tool(tool_function function, bool blocking,
                blocking_executor executor = {});

  void start(const tool_request& request,
             const attempt_ticket& ticket) override;

 private:
  tool_function function_;
  bool blocking_;
  blocking_executor executor_;
};

/// Built-in echo: returns the "text" argument when the arguments are a JSON
/// object with a string "text", else the raw arguments.
tool_function echo_function();

/// Built-in sleep: answers "slept <n> ms" after `duration` by a timer.
class sleep_tool final : public tool_backend {
 public:
  explicit sleep_tool(policies::duration duration) : duration_(duration) {}

  void start(const tool_request& request,
             const attempt_ticket& ticket) override;

 private:
  policies::duration duration_;
};

/// Built-in fail: the first `times` attempts fail with `error` (0 = every
/// attempt), later ones answer "ok after <n> failures". Counted per tool
/// (one backend per tool runner), over all runs.
class fail_tool final : public tool_backend {
 public:
  fail_tool(std::uint32_t times, policies::error_class error)
      : times_(times), error_(error) {}

  void start(const tool_request& request,
             const attempt_ticket& ticket) override;

  /// Attempts seen so far.
  [[nodiscard]] std::uint64_t calls() const noexcept { return calls_; }

 private:
  std::uint32_t times_;
  policies::error_class error_;
  std::uint64_t calls_ = 0;
};

/// Built-in append_file: each call appends one line to the file at `path`,
/// its idempotency key, a tab, its arguments (line breaks in them written as
/// the two characters \n and \r) and a newline, and answers "appended".
/// The file is opened on the first call with O_APPEND and kept open; each
/// line is one write(), so lines of concurrent writers never mix. The write
/// runs inline on the runner's thread: one small append to the page cache,
/// no fsync. A failed open or write is a transient failure (the dependency
/// failed; an effectful tool is never retried) naming the path and the
/// errno text; the file is reopened on the next call. Nothing is
/// deduplicated: the file is the witness of every execution of a step. Not
/// thread-safe (one backend per tool runner).
class append_file_tool final : public tool_backend {
 public:
  explicit append_file_tool(std::string path) : path_(std::move(path)) {}

  append_file_tool(const append_file_tool&) = delete;
  append_file_tool& operator=(const append_file_tool&) = delete;

  /// Closes the file.
  ~append_file_tool() override;

  void start(const tool_request& request,
             const attempt_ticket& ticket) override;

 private:
  std::string path_;
  int fd_ = -1;
};

/// What the node's command and http tools run on, shared by them all.
struct tool_services {
  /// The node's process service (null: command tools cannot start).
  std::shared_ptr<process::process_service> processes;
  /// The command tool's process metrics.
  process::process_metrics process_metrics;
  /// The node's HTTP client for tools (null: http tools cannot start).
  std::shared_ptr<net::http_client> http;
};

/// The backend of tool `name`: echo, sleep, fail, append_file, command (on
/// `services.processes`), http (on `services.http`), or the registered
/// callable of a native tool (on `executor` when it blocks; default:
/// detached actors of `sys`). An invalid_argument error for an unregistered
/// native tool, for a command or http tool without its service, for an
/// http tool whose headers refer to a variable unset or empty, and for
/// spawn_agent tools (the session routes those to the node).
caf::expected<std::shared_ptr<tool_backend>> make_tool_backend(
    caf::actor_system& sys, const std::string& name,
    const config::tool_settings& settings, const tool_registry& registry,
    blocking_executor executor = {}, const tool_services& services = {});

} // namespace warden
