#pragma once

// What the load driver counts per phase: runs submitted, acknowledged,
// refused at submission and shed from a queue (both by reason), and how the
// acknowledged ones ended, with the time from acknowledgement to the final
// status. Owned by the driver actor: not thread-safe.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace warden::bench {

/// How often one reason was given, and one example of its text.
struct reason_count {
  std::uint64_t count = 0;
  std::string example;
};

/// The counts of one phase.
struct load_tally {
  std::string phase;
  /// Runs per second offered; 0 for a closed loop.
  double rate = 0;
  /// Unix time of the phase's start and end, in milliseconds.
  std::int64_t start_unix_ms = 0;
  std::int64_t end_unix_ms = 0;
  std::uint64_t submitted = 0;
  std::uint64_t acked = 0;
  /// Submissions the node refused, and runs it shed after acknowledging.
  std::uint64_t refused = 0;
  std::uint64_t shed = 0;
  /// Of those, the ones that came without a reason (an empty text, or an
  /// error that is not a warden error).
  std::uint64_t without_reason = 0;
  std::uint64_t succeeded = 0;
  /// Acknowledged runs that ended in another state than succeeded or shed.
  std::uint64_t failed = 0;
  /// Arrivals not sent because the client already had its maximum of runs
  /// outstanding (the node stopped answering fast enough).
  std::uint64_t not_sent = 0;
  /// Refusals and sheds by "<code or state>", and failures by state.
  std::map<std::string, reason_count> reasons;
  /// Milliseconds from acknowledgement to final status, of runs acknowledged
  /// in this phase (at most `max_latency_samples`, the first ones).
  std::vector<std::int64_t> latencies_ms;

  /// Keeps at most this many latency samples per phase.
  static constexpr std::size_t max_latency_samples = 2'000'000;

  /// Counts one reason under `key`.
  void count_reason(const std::string& key, const std::string& text) {
    auto& r = reasons[key];
    if (r.count++ == 0)
      r.example = text;
  }

  /// The phase as a JSON object (latency quantiles instead of samples).
  [[nodiscard]] nlohmann::json to_json();
};

} // namespace warden::bench
