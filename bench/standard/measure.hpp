#pragma once

// Measurement helpers: wall clock, resident memory, percentiles.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace warden::bench {

using wall_clock = std::chrono::steady_clock;

/// Seconds between `from` and `to`.
inline double seconds_between(wall_clock::time_point from,
                              wall_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

/// Resident set size now, in bytes (/proc/self/statm).
std::uint64_t resident_bytes();

/// Peak resident set size so far, in bytes (getrusage ru_maxrss).
std::uint64_t peak_resident_bytes();

/// Resident bytes after returning free heap pages to the OS (jemalloc purge),
/// so that memory freed earlier is not counted as in use.
std::uint64_t trimmed_resident_bytes();

/// Bytes the allocator hands out now (jemalloc stats.allocated).
std::uint64_t heap_bytes_in_use();

/// CPU time the process used so far (all threads, user + system), in
/// seconds (getrusage).
double process_cpu_seconds();

/// The `q`-quantile (0..1) of `samples` (sorted in place); 0 when empty.
double quantile(std::vector<std::int64_t>& samples, double q);

/// A short description of the machine: CPU model, cores, kernel.
struct machine_info {
  std::string cpu;
  unsigned cores = 0;
  std::string kernel;
};

machine_info describe_machine();

} // namespace warden::bench
