#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace warden::net {

/// The outcome of raise_fd_limit(): the soft limit on open files before and
/// after, and why it could not be raised (empty when it was, or was at the
/// hard limit already).
struct fd_limit_change {
  /// Soft RLIMIT_NOFILE before the call.
  std::uint64_t before = 0;
  /// Soft RLIMIT_NOFILE after the call.
  std::uint64_t after = 0;
  /// Empty on success; else what failed.
  std::string error;
};

/// Raises the soft limit on open files (RLIMIT_NOFILE) to the hard limit;
/// an unlimited hard limit counts as the kernel's fs.nr_open. Call it at
/// start, before threads open files.
[[nodiscard]] fd_limit_change raise_fd_limit();

/// The soft limit on open files now.
[[nodiscard]] std::uint64_t fd_limit();

/// Files this process has open, counted in /proc/self/fd; none when they
/// cannot be counted (counting takes a descriptor: none may be left).
[[nodiscard]] std::optional<std::uint64_t> count_open_fds();

/// Descriptors this process can still open: fd_limit() minus
/// count_open_fds(); 0 when they cannot be counted.
[[nodiscard]] std::uint64_t free_fds();

} // namespace warden::net
