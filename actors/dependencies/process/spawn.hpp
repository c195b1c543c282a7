#pragma once

// Starting one child process for a command tool: fork and exec without a
// shell, into a process group of its own, with pipes for its standard
// streams and a pidfd to learn of its end.

#include <string>
#include <sys/types.h>
#include <variant>
#include <vector>

namespace warden::process {

/// What to execute.
struct launch_spec {
  /// Absolute path of the executable (argv[0] too).
  std::string path;
  /// Arguments after argv[0], passed as they are.
  std::vector<std::string> args;
  /// The child's whole environment, "NAME=value" each.
  std::vector<std::string> environment;
  /// Working directory of the child; empty: the parent's.
  std::string cwd;
};

/// The parent's ends of a started child. Every descriptor is close-on-exec,
/// so no other child inherits them.
struct child_handles {
  pid_t pid = -1;
  /// Readable once the child has ended (it is then a zombie until reaped).
  int pidfd = -1;
  /// Write end of the child's stdin; read ends of its stdout and stderr.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

/// Forks and executes `spec`. The child leads a new process group (its
/// pgid is its pid), gets SIGKILL when the forking thread ends
/// (PR_SET_PDEATHSIG: call this from a thread that outlives the child),
/// starts with no blocked and no ignored signals, and inherits no other
/// descriptor. Blocks until the child has executed (or failed to: then the
/// child is reaped and the result is a sentence naming the step and the
/// errno text). Not async: call it from the process service's own thread.
std::variant<child_handles, std::string> spawn_child(const launch_spec& spec);

} // namespace warden::process
