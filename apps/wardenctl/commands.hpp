#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace warden::apps {

/// One wardenctl invocation, parsed.
struct ctl_command {
  /// submit, turn, status, wait, cancel, sessions, or drain.
  std::string verb;
  /// HOST:PORT of the node. Default 127.0.0.1:4242.
  std::string node = "127.0.0.1:4242";
  /// The tenant the request speaks for (also from WARDEN_TENANT).
  std::string tenant;
  std::string agent;
  std::string input;
  std::string priority;
  std::string key;
  /// The run of status, wait and cancel; the session of turn.
  std::uint64_t run = 0;
  /// Print machine-readable JSON instead of text.
  bool json = false;
  /// How long to wait for the node's answer; wait and drain default to no
  /// limit, the others to 10 s.
  std::optional<std::chrono::seconds> timeout;
};

/// The outcome of parsing the command line: a command to run, or an exit code
/// to leave with at once (after --help or a usage error, already printed).
struct ctl_parse_result {
  std::optional<ctl_command> command;
  int exit_code = 0;
};

/// Parses wardenctl's command line; prints help and usage errors.
[[nodiscard]] ctl_parse_result parse_ctl_command(int argc, char** argv);

/// Connects to the node, runs `cmd`, prints the answer; returns the exit code.
[[nodiscard]] int run_ctl_command(const ctl_command& cmd);

} // namespace warden::apps
