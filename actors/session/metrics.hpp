#pragma once

// The metric handles of the sessions of one agent.

#include <string>

namespace prometheus {
class Counter;
class Registry;
} // namespace prometheus

namespace warden {

/// Metric handles of one agent's sessions, fetched once by the node (one
/// label set per agent, so cardinality is bounded by the configuration) and
/// shared through the agent's runtime. Every pointer may be null (tests,
/// metrics off); the session then skips that metric. Counting takes no lock
/// (prometheus-cpp counters are atomic): safe from any session.
struct session_metrics {
  /// warden_doom_loop_halts_total{agent}: turns failed by the doom-loop
  /// detector.
  prometheus::Counter* doom_loop_halts = nullptr;
  /// warden_iteration_limit_halts_total{agent}: turns whose tool loop
  /// max_iterations stopped (they end with a tool-free final call).
  prometheus::Counter* iteration_limit_halts = nullptr;
  /// warden_turn_timeouts_total{agent}: turns ended by turn_timeout_ms.
  prometheus::Counter* turn_timeouts = nullptr;
  /// warden_journal_halts_total{agent}: turns stopped because a record of
  /// theirs could not be written.
  prometheus::Counter* journal_halts = nullptr;

  /// Counts one doom-loop halt; a no-op on a null handle.
  void count_doom_loop_halt() const noexcept;
  /// Counts one turn stopped by the iteration cap; a no-op on a null handle.
  void count_iteration_limit_halt() const noexcept;
  /// Counts one turn timeout; a no-op on a null handle.
  void count_turn_timeout() const noexcept;
  /// Counts one turn stopped by a journal failure; a no-op on a null handle.
  void count_journal_halt() const noexcept;
};

/// Fetches the handles of agent `agent` from `registry` (families
/// warden_doom_loop_halts_total, warden_iteration_limit_halts_total,
/// warden_turn_timeouts_total and warden_journal_halts_total, labelled
/// {agent}). Call once per agent, at
/// startup.
[[nodiscard]] session_metrics
make_session_metrics(prometheus::Registry& registry, const std::string& agent);

} // namespace warden
