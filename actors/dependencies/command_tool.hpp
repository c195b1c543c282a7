#pragma once

// The backend of command tools: each call runs one process on the node's
// process service (its JSON arguments on stdin, stdout the result).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/dependencies/backend.hpp"
#include "actors/dependencies/process/process_service.hpp"
#include "config/dependencies.hpp"

namespace warden {

/// The environment of a command tool's child: exactly `env`, plus PATH,
/// HOME and LANG from this process when `env` does not set them. Nothing
/// else of this process's environment (API keys, ...) is passed.
std::vector<std::string>
child_environment(const std::map<std::string, std::string>& env);

/// Runs a tool of kind command: an attempt starts one child with
/// `settings.command` and `args`, no shell; exit code 0 answers its stdout;
/// any other exit is a permanent failure (the tool ran and refused: the
/// agent reads why) carrying the exit code and the tail of stderr; stdout
/// beyond max_output_bytes fails the call (permanent) and stops the child;
/// a child past timeout_ms is stopped and the attempt fails with timeout; a
/// child that cannot start is a transient failure. `abandon` stops the
/// attempt's child. Owner-context `start`/`abandon`; the outcome is
/// reported from the service's thread.
class command_tool final : public tool_backend {
 public:
  command_tool(const config::tool_settings& settings,
               std::shared_ptr<process::process_service> service,
               process::process_metrics metrics = {});

  void start(const tool_request& request,
             const attempt_ticket& ticket) override;

  void abandon(const attempt_ticket& ticket) override;

 private:
  /// The process of each attempt in flight, and when it started (an
  /// abandon after the timeout counts as a timeout kill). Shared with the
  /// completions, which run on the service's thread: hence the lock.
  struct attempt_table {
    struct entry {
      std::uint64_t process = 0;
      std::chrono::steady_clock::time_point started;
    };
    std::mutex lock;
    std::map<std::pair<std::uint64_t, std::uint32_t>, entry> entries;
  };

  process::process_request prototype_;
  std::shared_ptr<process::process_service> service_;
  std::shared_ptr<attempt_table> running_;
};

/// The failure a command call's `result` reports, or none for success;
/// `timeout` and `output_cap` are the call's (for the reason).
std::optional<attempt_failure>
command_failure(const process::process_result& result,
                std::chrono::milliseconds timeout, std::size_t output_cap);

} // namespace warden
