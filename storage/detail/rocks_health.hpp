#pragma once

// Whether the database takes writes: RocksDB stops writing after a
// background error (a full disk, an I/O error) until it recovers by itself
// or `DB::Resume` succeeds. Private to storage/.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <rocksdb/listener.h>

#include "storage/journal.hpp"

namespace warden::storage::detail {

/// The write health of one database, fed by RocksDB's event callbacks and by
/// the journal's own write failures. Thread-safe.
class rocks_health {
 public:
  /// The database refuses writes: `why` is for the operator's log.
  void failed(const std::string& why);

  /// The database takes writes again.
  void recovered();

  /// The current state.
  [[nodiscard]] store_health get() const;

  /// Whether writes are refused now (lock-free).
  [[nodiscard]] bool writable() const noexcept {
    return writable_.load(std::memory_order_acquire);
  }

  /// Whether a write ever failed since the open, recovered or not.
  [[nodiscard]] bool ever_failed() const noexcept {
    return ever_failed_.load(std::memory_order_acquire);
  }

 private:
  std::atomic<bool> writable_{true};
  std::atomic<bool> ever_failed_{false};
  mutable std::mutex mtx_;
  std::string reason_;
};

/// Reports RocksDB's background errors and recoveries to a `rocks_health`
/// and to the operator's log.
class health_listener final : public rocksdb::EventListener {
 public:
  explicit health_listener(std::shared_ptr<rocks_health> health)
      : health_(std::move(health)) {}

  void OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                         rocksdb::Status* bg_error) override;

  void
  OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override;

 private:
  std::shared_ptr<rocks_health> health_;
};

} // namespace warden::storage::detail
