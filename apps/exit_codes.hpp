#pragma once

namespace warden::apps {

/// Process exit codes shared by Warden's executables.
inline constexpr int exit_ok = 0;
/// A runtime failure after start-up (e.g. a port already in use).
inline constexpr int exit_failure = 1;
/// An invalid configuration or command line: fix the input, then retry.
inline constexpr int exit_usage = 2;

} // namespace warden::apps
