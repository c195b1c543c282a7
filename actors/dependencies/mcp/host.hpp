#pragma once

// What an MCP server actor runs its processes on: the node's process
// service, or a fake of the tests that plays the child's part. The
// children's events reach the actor as messages.

#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/dependencies/process/process_service.hpp"

namespace warden::mcp {

/// A piece of a child's stdout (host -> server actor). Local only.
struct child_output {
  std::uint64_t child = 0;
  std::string bytes;
};

/// A piece of a child's stderr (host -> server actor). Local only.
struct child_errors {
  std::uint64_t child = 0;
  std::string bytes;
};

/// A child ended, or did not start (host -> server actor). Local only.
struct child_ended {
  std::uint64_t child = 0;
  /// How, as a phrase: "exited with code 1", "was killed by signal 9
  /// (Killed)", "was stopped (unresponsive)", "could not start: ...".
  std::string how;
};

/// Starts, feeds and stops the processes of MCP servers. Thread-safe.
class process_host {
 public:
  virtual ~process_host() = default;

  /// Starts a child for `request` and returns its id; its output, errors
  /// and end reach `owner` as child_output, child_errors and child_ended.
  virtual std::uint64_t start(process::process_request request,
                              caf::actor owner) = 0;

  /// Queues `bytes` for child `child`'s stdin.
  virtual void write(std::uint64_t child, std::string bytes) = 0;

  /// Stops child `child` (TERM, KILL after its grace) for `reason`.
  virtual void stop(std::uint64_t child, process::kill_reason reason) = 0;
};

/// A host on the node's process service.
std::shared_ptr<process_host>
service_host(std::shared_ptr<process::process_service> service);

/// How a child ended, as child_ended::how says it.
std::string end_phrase(const process::process_result& result);

} // namespace warden::mcp

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::mcp::child_output)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::mcp::child_errors)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::mcp::child_ended)
