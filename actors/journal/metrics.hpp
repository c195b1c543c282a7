#pragma once

#include <array>
#include <cstddef>

#include "storage/error.hpp"

namespace prometheus {
class Counter;
class Gauge;
class Registry;
} // namespace prometheus

namespace warden {

/// The journal actor's metric handles, fetched once. Null handles are not
/// kept; the registry must outlive the actor.
struct journal_metrics {
  /// warden_journal_append_failures_total{kind}: batches that failed to
  /// write, by storage failure kind (unavailable, damaged, invalid).
  std::array<prometheus::Counter*, 3> append_failures{};
  /// warden_journal_batches_total: batches written (one synced write each).
  prometheus::Counter* batches = nullptr;
  /// warden_journal_expired_runs_total: final runs deleted by retention.
  prometheus::Counter* expired = nullptr;
  /// warden_storage_writable: 1 while the store takes writes, else 0.
  prometheus::Gauge* writable = nullptr;

  /// Creates the families in `registry` and fetches every handle.
  static journal_metrics create(prometheus::Registry& registry);

  void count_failure(storage::failure_kind kind) const;
  void count_batch() const;
  void count_expired(std::uint64_t runs) const;
  void set_writable(bool yes) const;
};

} // namespace warden
