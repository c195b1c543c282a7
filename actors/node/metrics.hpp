#pragma once

#include <array>
#include <cstddef>

#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
} // namespace prometheus

namespace warden {

/// The node actor's metric handles, fetched once from a registry. Label
/// values come from closed sets (run states, error codes), so cardinality is
/// fixed. Handles are thread-safe (prometheus-cpp).
struct node_metrics {
  /// Number of run states / error codes, for the label arrays below.
  static constexpr std::size_t state_count = 7;
  static constexpr std::size_t code_count = max_error_code + 1;

  /// warden_runs_submitted_total: runs accepted for admission.
  prometheus::Counter* submitted = nullptr;
  /// warden_runs_rejected_total{reason}: refused submissions, by error code.
  std::array<prometheus::Counter*, code_count> rejected{};
  /// warden_runs_finished_total{state}: runs that became final, by state.
  std::array<prometheus::Counter*, state_count> finished{};
  /// warden_turn_duration_seconds: from turn start to its end.
  prometheus::Histogram* turn_duration = nullptr;
  /// warden_tokens_total and warden_cost_micros_total: spent by finished runs.
  prometheus::Counter* tokens = nullptr;
  prometheus::Counter* cost_micros = nullptr;
  /// warden_sessions{residency="resident"|"passivated"}.
  prometheus::Gauge* sessions_resident = nullptr;
  prometheus::Gauge* sessions_passivated = nullptr;
  /// warden_requests_without_sender_total: client requests that arrived
  /// with no sender to answer (a connection CAF's middleman lost track of),
  /// not carried out.
  prometheus::Counter* requests_without_sender = nullptr;
  /// warden_sessions_expired_total: passivated sessions forgotten after
  /// [sessions] expire_after_ms of idleness.
  prometheus::Counter* sessions_expired = nullptr;

  /// Creates the families in `registry` and fetches every handle.
  static node_metrics create(prometheus::Registry& registry);

  void count_submitted() const;
  void count_without_sender() const;
  void count_rejected(error_code code) const;
  /// A session actor started (+1) or stopped (-1) being resident.
  void count_resident(int delta) const;
  /// A session was passivated (+1) or restored (-1).
  void count_passivated(int delta) const;
  /// `n` passivated sessions expired (they leave the passivated gauge too).
  void count_expired(std::size_t n) const;
  void count_finished(run_state state, const usage_totals& usage,
                      double turn_seconds) const;
};

} // namespace warden
