#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/protocol/messages.hpp"

namespace warden {

/// Events a run keeps while it runs: its lifecycle and every step its turn
/// keeps (max_turn_steps). Beyond it a run records its final event only.
inline constexpr std::size_t max_run_events = max_turn_steps + 16;

/// The events of runs that ended, the latest of them: a client that
/// follows a run just after it ended, or comes back with the last event it
/// got (SSE's Last-Event-ID), still gets them in the same order with the
/// same numbers. Bounded by events, not runs: the oldest runs go first once
/// more than `capacity` events are held. The store keeps a run's final
/// status, not its events, so a run that left this cache shows its final
/// status only. A plain class owned by `node_state`; not thread-safe.
class ended_events {
 public:
  /// Holds at most `capacity` events (one run's may exceed it alone: it is
  /// held until the next run comes).
  explicit ended_events(std::size_t capacity = 65'536) : capacity_(capacity) {}

  /// Keeps `events` of run `run` of `tenant`, dropping the oldest runs
  /// beyond the capacity.
  void keep(run_id run, std::string tenant, std::vector<run_event> events);

  /// The events of run `run` when it is `tenant`'s and still held; null
  /// otherwise.
  [[nodiscard]] const std::vector<run_event>*
  find(run_id run, const std::string& tenant) const;

  /// Events held now.
  [[nodiscard]] std::size_t size() const noexcept { return held_; }

 private:
  struct entry {
    std::string tenant;
    std::vector<run_event> events;
  };
  std::unordered_map<run_id, entry> entries_;
  /// Runs in the order they were kept.
  std::deque<run_id> order_;
  std::size_t held_ = 0;
  std::size_t capacity_;
};

} // namespace warden
