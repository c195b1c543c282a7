#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <shared_mutex>
#include <unordered_set>

namespace warden {

/// The runs whose cancel the node acknowledged, readable from any thread.
///
/// A cancel travels node -> pool -> session -> calls, one message at a
/// time; until the session has it, the session could start another call.
/// The node marks a run (and its subtree) here before it answers the
/// cancel, and the dependency actors (provider, tool runners) refuse to
/// start an attempt of a marked run, the first attempt or a retry. So no
/// model or tool call of a cancelled run starts after its cancel was
/// acknowledged, whatever is still on its way.
///
/// Bounded: it remembers the latest `capacity` runs (a run is looked up
/// only while calls of it may still start: its turn and their retries).
/// Thread-safe: one writer (the node), readers on any thread.
class cancel_board {
 public:
  /// Remembers at most `capacity` runs (at least 1).
  explicit cancel_board(std::size_t capacity = 65'536);

  /// Marks `run` as cancelled.
  void cancel(std::uint64_t run);

  /// Whether `run` is marked.
  [[nodiscard]] bool cancelled(std::uint64_t run) const;

  /// Runs marked now.
  [[nodiscard]] std::size_t size() const;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_set<std::uint64_t> runs_;
  std::deque<std::uint64_t> order_; // oldest first
  std::size_t capacity_;
};

} // namespace warden
