#pragma once

#include <string>

#include "config/settings.hpp"

namespace warden::config {

/// Where the executable of a command tool is, or why it cannot run.
struct resolved_command {
  /// The absolute path to execute; empty when `problem` is set.
  std::string path;
  /// Why the command cannot run, as a sentence ("is not on PATH ...").
  std::string problem;
};

/// Resolves `command` as execvp would, once: a name without a slash is
/// looked up in the directories of `search_path` (wardend's PATH; empty:
/// the system's default path), a path with a slash against the working
/// directory. The result must be a regular file this process may execute.
/// Thread-safe.
[[nodiscard]] resolved_command resolve_command(const std::string& command,
                                               const std::string& search_path);

/// wardend's PATH, or the system's default path when it has none.
[[nodiscard]] std::string search_path_of_process();

/// Replaces the command of every command tool of `value` by the path it
/// resolves to on wardend's PATH; leaves those that do not resolve for
/// validate() to report. Thread-safe (reads the environment).
void resolve_commands(settings& value);

} // namespace warden::config
